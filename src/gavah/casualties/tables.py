"""Reading published tables (CSV, XLSX, JSON) into rows of text, each with the row number a person
would find it under: the line of a CSV file or JSON-lines file, the row of a spreadsheet (the header
is row 1), the position of an object in a JSON array.

Files are read from bytes already hashed into the vault, so what is imported is exactly what is
kept. A file that cannot be read as a table is an :class:`~gavah.errors.InputError` naming the
file and the line; nothing is half-read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from gavah.errors import InputError

Format = Literal["csv", "xlsx", "json", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "json", "jsonl")
MAX_FIELD = 1_000_000  # characters in one cell; Python's csv default is 131,072


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]  # (row number, column -> text); empty cells omitted


def guess_format(name: str) -> Format:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("csv", "tsv", "txt"):
        return "csv"
    if suffix in ("xlsx", "xlsm"):
        return "xlsx"
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    if suffix == "json":
        return "json"
    raise InputError(
        f"cannot tell the format of {name} from its name",
        hint="give --format csv, xlsx, json or jsonl",
    )


def read_table(
    data: bytes, name: str, fmt: Format, *, delimiter: str | None = None, sheet: str | None = None
) -> Table:
    """Parse ``data`` (the bytes of the file called ``name``) into a :class:`Table`."""
    if fmt == "csv":
        return _csv(_text(data, name), name, delimiter)
    if fmt == "xlsx":
        return _xlsx(data, name, sheet)
    if fmt == "json":
        return _json(_text(data, name), name)
    if fmt == "jsonl":
        return _jsonl(_text(data, name), name)
    raise InputError(f"unknown format {fmt!r}", hint="use csv, xlsx, json or jsonl")


def _text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{name}:{line}: not UTF-8 text (byte {exc.start})",
            hint="save the file as UTF-8 (most spreadsheet programs offer 'CSV UTF-8')",
        ) from None


def _header(cells: list[str], name: str, line: int) -> tuple[str, ...]:
    columns = tuple(c.strip() for c in cells)
    if not columns or not any(columns):
        raise InputError(f"{name}:{line}: the first row must name the columns")
    seen: set[str] = set()
    for col in columns:
        if not col:
            raise InputError(f"{name}:{line}: a column has no name")
        if col in seen:
            raise InputError(f"{name}:{line}: the column {col!r} appears twice")
        seen.add(col)
    return columns


def _csv(text: str, name: str, delimiter: str | None) -> Table:
    csv.field_size_limit(MAX_FIELD)
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    columns: tuple[str, ...] = ()
    try:
        start = 1
        for cells in reader:
            if not columns:
                columns = _header(cells, name, reader.line_num)
            elif any(c.strip() for c in cells):  # blank lines are not rows
                if len(cells) != len(columns):
                    raise InputError(
                        f"{name}:{start}: {len(cells)} cells where the header has {len(columns)}",
                        hint="check for an unquoted delimiter or a missing quote on that line",
                    )
                rows.append((start, _cells(columns, cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{name}:{reader.line_num}: not valid CSV: {exc}") from None
    if not columns:
        raise InputError(f"{name} is empty", hint="a list needs a header row and rows")
    return Table(columns, rows)


def _cells(columns: tuple[str, ...], cells: list[Any]) -> dict[str, str]:
    return {col: text for col, cell in zip(columns, cells, strict=False) if (text := _cell(cell))}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value).strip()


def _xlsx(data: bytes, name: str, sheet: str | None) -> Table:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{name}: not a readable XLSX workbook ({exc})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(
                f"{name} has no sheet {sheet!r}", hint=f"sheets: {', '.join(book.sheetnames)}"
            )
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows: list[tuple[int, dict[str, str]]] = []
        columns: tuple[str, ...] = ()
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            if not columns:
                if any(cells):
                    columns = _header(_trim(cells), name, number)
                continue
            if any(cells):
                if any(cells[len(columns) :]):
                    raise InputError(f"{name}:{number}: a value lies right of the last column")
                rows.append((number, _cells(columns, cells)))
    finally:
        book.close()
    if not columns:
        raise InputError(f"{name} is empty", hint="a list needs a header row and rows")
    return Table(columns, rows)


def _trim(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _json(text: str, name: str) -> Table:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    if isinstance(value, dict):  # {"records": [...]} or any one array-valued key
        arrays = [v for v in value.values() if isinstance(v, list)]
        if len(arrays) != 1:
            raise InputError(f"{name}: expected an array of objects, or an object holding one")
        value = arrays[0]
    if not isinstance(value, list):
        raise InputError(f"{name}: expected an array of objects")
    return _objects(((i, obj) for i, obj in enumerate(value, start=1)), name, "object")


def _jsonl(text: str, name: str) -> Table:
    def objects() -> Iterator[tuple[int, Any]]:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{name}:{number}: not valid JSON: {exc.msg}") from None

    return _objects(objects(), name, "line")


def _objects(items: Iterator[tuple[int, Any]], name: str, unit: str) -> Table:
    columns: dict[str, None] = {}
    rows: list[tuple[int, dict[str, str]]] = []
    for number, obj in items:
        if not isinstance(obj, dict):
            raise InputError(f"{name}:{number}: {unit} {number} is not a JSON object")
        row = {str(k).strip(): text for k, v in obj.items() if (text := _cell(v))}
        columns.update(dict.fromkeys(str(k).strip() for k in obj))
        rows.append((number, row))
    return Table(tuple(columns), rows)
