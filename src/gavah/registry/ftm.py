"""FollowTheMoney JSON lines: one entity per line, ``{"id", "schema", "properties"}``.

This is the form ``ftm`` tools, OpenSanctions' yente and Aleph load as they are. Reading checks
the shape of every line and names ``file:line`` for each bad one; what the values mean is checked
afterwards, by :mod:`gavah.registry.model`, against the whole file and the registry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from followthemoney.proxy import EntityProxy

from gavah.errors import InputError
from gavah.intake.limits import ImportLimits

MAX_ERRORS = 20  # lines reported before reading gives up
# Values of one property of one entity: FtM adds each value in time linear in those before it,
# so a line of 100,000 names took over a minute to load. No genuine entity comes near this.
MAX_VALUES = 1_000


@dataclass(frozen=True)
class Line:
    """One entity as a file gives it, with its line number."""

    number: int
    id: str
    schema: str
    properties: dict[str, list[str]]


class _BadLine(Exception):
    pass


def read_lines(data: bytes, filename: str, limits: ImportLimits | None = None) -> list[Line]:
    """Every entity of an FtM JSON-lines file (blank lines skipped), or an InputError naming
    ``file:line`` for every line that is not one (up to :data:`MAX_ERRORS`). ``limits`` bound
    the bytes and the lines, blank ones too (default: the settings' defaults)."""
    limits = limits or ImportLimits.defaults()
    limits.check_bytes(len(data), filename)
    limits.check_rows(data.count(b"\n") + 1, filename)  # before the lines are made
    lines: list[Line] = []
    errors: list[str] = []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            lines.append(_line(number, raw))
        except _BadLine as exc:
            errors.append(f"{filename}:{number}: {exc}")
            if len(errors) >= MAX_ERRORS:
                break
    if errors:
        more = " (stopped counting)" if len(errors) >= MAX_ERRORS else ""
        raise InputError(
            f"{len(errors)} line(s) of {filename} are not FtM entities{more}; nothing was "
            "imported:\n" + "\n".join(errors),
            hint='each line must be one JSON object: {"id": ..., "schema": ..., "properties": '
            '{"name": ["..."]}}',
        )
    if not lines:
        raise InputError(f"{filename} holds no entities; nothing was imported")
    return lines


def _line(number: int, raw: bytes) -> Line:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _BadLine("not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise _BadLine(f"not JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise _BadLine("nested deeper than any FtM entity") from None
    except ValueError as exc:  # json reads it, Python will not hold it (an int of 5,000 digits)
        raise _BadLine(f"not a usable JSON value ({str(exc).split(';')[0]})") from None
    if not isinstance(data, dict):
        raise _BadLine("not a JSON object")
    entity_id, schema = data.get("id"), data.get("schema")
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise _BadLine('no "id": the registry needs one to link entities')
    if not isinstance(schema, str):
        raise _BadLine('no "schema"')
    return Line(number, entity_id, schema, _properties(data.get("properties", {})))


def _properties(found: Any) -> dict[str, list[str]]:
    if not isinstance(found, dict):
        raise _BadLine('"properties" is not an object')
    properties: dict[str, list[str]] = {}
    for name, values in found.items():
        values = [values] if isinstance(values, str) else values
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _BadLine(f"property {name!r}: not a list of strings")
        if len(values) > MAX_VALUES:
            raise _BadLine(f"property {name!r}: more than {MAX_VALUES:,} values")
        properties[name] = values
    return properties


def entity_line(entity: EntityProxy) -> str:
    """One entity as one line: keys and property names sorted, values as stored (sorted)."""
    data = {"id": entity.id, "schema": entity.schema.name, "properties": entity.properties}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
