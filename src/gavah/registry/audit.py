"""How ``gavah log verify`` checks the registry against the custody log.

A statement row's ``log_index`` names the event that created it. That event logged how many
statements it created and a SHA-256 over their summaries (values, spellings, languages, sources:
:func:`gavah.registry.change.statement_summary`, in id order), so the rows are checked against
the signed entry, group by group. Later events list by id the statements they asserted again
(``seen``) or retracted; replaying those lists in log order gives each row's expected
``last_seen`` and ``retracted``. An entity row must agree with its statements: the same schema,
created when its first statement was, updated when the last change to any of them was logged,
and the caption FtM gives its current values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from gavah.custody.entry import canonical_json
from gavah.custody.log import isotime
from gavah.db import models
from gavah.registry import change, model

Report = Callable[[str, str, str], None]  # (where, field, message), as VerifyReport.add
_PAGE = 5000
_S = models.RegistryStatement
_E = models.RegistryEntity


@dataclass
class _Later:
    """What events after its creation did to one statement."""

    last_seen: str | None = None  # when it was last asserted again
    retracted: bool = False
    touched: str | None = None  # when it was last changed


def check(session: Session, events: Mapping[int, Mapping[str, Any]], report: Report) -> None:
    """Check every registry row against ``events`` (log index -> the decoded ``registry.*``
    entry) and report each difference."""
    later = _replay(events)
    _check_statements(session, events, later, report)
    _check_entities(session, later, report)


def _replay(events: Mapping[int, Mapping[str, Any]]) -> dict[str, _Later]:
    later: dict[str, _Later] = {}
    for idx in sorted(events):
        event = events[idx]
        block = event.get("statements") or {}
        for sid in block.get("seen", ()):
            found = later.setdefault(sid, _Later())
            found.last_seen = found.touched = event.get("at")
            found.retracted = False
        for sid in block.get("retracted", ()):
            found = later.setdefault(sid, _Later())
            found.retracted, found.touched = True, event.get("at")
    return later


@dataclass
class _Group:
    """The rows created by one event, checked against its digest when the next group begins."""

    idx: int
    entry: Mapping[str, Any] | None
    count: int = 0
    digest: Any = field(default_factory=hashlib.sha256)


def _check_statements(
    session: Session,
    events: Mapping[int, Mapping[str, Any]],
    later: Mapping[str, _Later],
    report: Report,
) -> None:
    unmatched = set(later)  # statements a later event names: each must have a row
    created = {idx for idx, e in events.items() if (e.get("statements") or {}).get("added")}
    group: _Group | None = None
    for row in _statement_rows(session):
        if group is None or row.log_index != group.idx:
            if group is not None:
                _close(group, report)
            group = _Group(row.log_index, events.get(row.log_index))
            created.discard(row.log_index)
        unmatched.discard(row.id)
        group.count += 1
        group.digest.update(canonical_json(change.statement_summary(row)) + b"\n")
        _check_row(row, group.entry, later.get(row.id), report)
    if group is not None:
        _close(group, report)
    for idx in sorted(created):
        added = events[idx]["statements"]["added"]
        report(f"log entry {idx}", "statements", f"logged {added} new statements, none are stored")
    for sid in sorted(unmatched):
        report(
            f"registry statement {sid}", "row", "named by a logged change, but its row is missing"
        )


def _statement_rows(session: Session) -> Iterator[models.RegistryStatement]:
    """Every statement in (log index, id) order, a page at a time."""
    last: tuple[int, str] = (-1, "")
    while True:
        page = (
            session.execute(
                select(_S)
                .where(or_(_S.log_index > last[0], and_(_S.log_index == last[0], _S.id > last[1])))
                .order_by(_S.log_index, _S.id)
                .limit(_PAGE)
            )
            .scalars()
            .all()
        )
        if not page:
            return
        yield from page
        last = (page[-1].log_index, page[-1].id)
        session.expunge_all()


def _check_row(
    row: models.RegistryStatement,
    entry: Mapping[str, Any] | None,
    later: _Later | None,
    report: Report,
) -> None:
    where = f"registry statement {row.id} ({row.entity_id} {row.prop})"
    if entry is None:
        report(where, "log_index", f"log entry {row.log_index} is not a registry change")
        return
    if model.statement_id(row.entity_id, row.prop, row.value, row.source) != row.id:
        report(where, "id", "does not match its entity, property, value and source")
    found = later or _Later()
    expected = {
        "first_seen": entry.get("at"),
        "actor": entry.get("actor"),
        "last_seen": found.last_seen or entry.get("at"),
        "retracted": found.retracted,
    }
    stored = {
        "first_seen": isotime(row.first_seen),
        "actor": row.actor,
        "last_seen": isotime(row.last_seen),
        "retracted": bool(row.retracted),
    }
    _compare(where, stored, expected, report)


def _close(group: _Group, report: Report) -> None:
    if group.entry is None:
        return  # each row was reported
    logged = group.entry.get("statements") or {}
    where = f"log entry {group.idx}"
    if group.count != logged.get("added"):
        report(
            where,
            "statements",
            f"logged {logged.get('added')} new statements, the database has {group.count}",
        )
    elif group.digest.hexdigest() != logged.get("added_sha256"):
        report(
            where,
            "statements",
            "the statements it created differ from those logged (a value, spelling, language, "
            "source, property or entity was changed)",
        )


def _check_entities(session: Session, later: Mapping[str, _Later], report: Report) -> None:
    ids = sorted(session.execute(select(_E.id)).scalars())
    for start in range(0, len(ids), _PAGE // 10):
        chunk = ids[start : start + _PAGE // 10]
        rows = session.execute(select(_E).where(_E.id.in_(chunk))).scalars().all()
        statements: dict[str, list[models.RegistryStatement]] = {i: [] for i in chunk}
        for st in session.execute(select(_S).where(_S.entity_id.in_(chunk))).scalars():
            statements[st.entity_id].append(st)
        for row in rows:
            _check_entity(row, statements[row.id], later, report)
        session.expunge_all()
    orphans = session.execute(
        select(_S.id, _S.entity_id).where(_S.entity_id.not_in(select(_E.id)))
    ).all()
    for sid, entity_id in orphans:
        report(f"registry statement {sid}", "entity_id", f"no registry entity {entity_id}")


def _check_entity(
    row: models.RegistryEntity,
    statements: Sequence[models.RegistryStatement],
    later: Mapping[str, _Later],
    report: Report,
) -> None:
    where = f"registry entity {row.id}"
    if not statements:
        report(where, "statements", "has no statements: no logged change made it")
        return
    values: dict[str, set[str]] = {}
    for st in statements:
        if not st.retracted:
            values.setdefault(st.prop, set()).add(st.value)
    changed = [isotime(st.first_seen) for st in statements]
    changed += [t for st in statements if (t := (later.get(st.id) or _Later()).touched)]
    expected = {
        "schema": sorted({st.schema for st in statements}),
        "created_at": min(isotime(st.first_seen) for st in statements),
        "updated_at": max(changed),
        "caption": _caption(row.schema, row.id, values),
    }
    stored = {
        "schema": [row.schema],
        "created_at": isotime(row.created_at),
        "updated_at": isotime(row.updated_at),
        "caption": row.caption,
    }
    _compare(where, stored, expected, report)


def _caption(schema: str, entity_id: str, values: Mapping[str, set[str]]) -> str | None:
    if schema not in model.SCHEMATA:  # reported as the schema's difference
        return None
    return model.caption(schema, entity_id, values)


def _compare(where: str, stored: dict[str, Any], logged: dict[str, Any], report: Report) -> None:
    for key in sorted(stored):
        if stored[key] != logged[key]:
            report(where, key, f"database has {stored[key]!r}, the log implies {logged[key]!r}")
