"""Keeping ``search_doc`` in step with the vault: one row per (evidence item, collection).

A row is built only from its own collection's acquisitions (file names, notes, sources) and
descriptions, dated by its own first acquisition, plus what the bytes themselves say (extracted
metadata, MIME type, SHA-256, id). An item in collections A and B thus has two rows, and a reader
of B never finds it by words, or a date, that only A's acquisitions hold (need to know). A
description written for the whole item (``gavah describe``) is indexed only while one collection
holds the item. Rows are updated in place, never deleted and re-inserted, so their ids, which
order the results and page through them, stay put.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any, TypeAlias

from sqlalchemy import Row, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from gavah.custody.entry import EventKind
from gavah.db import models
from gavah.errors import NotFound
from gavah.search.text import index_words

MAX_BODY_CHARS = 20_000
"""Longest body indexed; what comes first (ids, names, notes) is kept, metadata is cut first."""

MAX_METADATA_VALUE = 1_000
"""Longer metadata strings are embedded documents or dumps, not words anyone searches for."""

MAX_METADATA_VALUES = 2_000
"""Metadata strings read per item at most; a hostile file may hold a great many."""

_NOT_WORDS = frozenset({"errors", "perceptual"})

BATCH = 500
"""Items read and written together by :func:`backfill`."""

# Hex dumps (the media readers keep short binary values as hex) and base64: no one types these,
# and their long "words" would only bloat the index.
_BINARY_LOOKING = re.compile(r"[0-9a-fA-F]{32,}|[A-Za-z0-9+/]{100,}={0,2}")

_DOC_FIELDS = ("filename", "source", "mime", "size", "created_at", "body")

# A row of any columns: the queries here select a few columns each, read by name.
_Row: TypeAlias = "Row[*tuple[Any, ...]]"
_Acquisitions: TypeAlias = dict[str, list[_Row]]
_Descriptions: TypeAlias = dict[tuple[str, str | None], str]  # (item, collection or None): text


def refresh(session: Session, evidence_id: str) -> None:
    """Rebuild every ``search_doc`` row of one item, one per collection it was acquired into.

    Runs inside the caller's write transaction and reads what the session holds (pending
    changes are flushed first). Raises :class:`NotFound` if there is no such item.
    """
    session.flush()
    if not _index(session, [evidence_id]):
        raise NotFound(f"no evidence item with id {evidence_id}")


def backfill(session: Session) -> int:
    """Index every item that has an acquisition in a collection without its ``search_doc`` row
    (a workspace made before search existed, or rows lost); returns how many items it indexed."""
    session.flush()
    missing = _unindexed(session)
    for start in range(0, len(missing), BATCH):
        _index(session, missing[start : start + BATCH])
    return len(missing)


def _unindexed(session: Session) -> list[str]:
    """Items with an acquisition whose collection has no row, oldest first, in one query (an
    anti-join on the (evidence_id, collection) unique index)."""
    acq, doc = models.Acquisition, models.SearchDoc
    has_row = exists().where(
        doc.evidence_id == acq.evidence_id,
        doc.collection == func.coalesce(acq.collection, ""),
    )
    first = func.min(acq.log_index)
    stmt = select(acq.evidence_id).where(~has_row).group_by(acq.evidence_id).order_by(first)
    return list(session.execute(stmt).scalars())


def _index(session: Session, evidence_ids: Sequence[str]) -> int:
    """Bring the rows of ``evidence_ids`` up to date; returns how many of the items exist."""
    items = _items(session, evidence_ids)
    acquisitions = _acquisitions(session, evidence_ids)
    descriptions = _descriptions(session, evidence_ids)
    current = _docs(session, evidence_ids)
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        groups = _by_collection(acquisitions.get(item.id, []))
        for collection, acqs in groups.items():
            said = [descriptions.get((item.id, collection))]
            if len(groups) == 1:
                said.append(descriptions.get((item.id, None)))
            wanted[(item.id, collection)] = _doc(item, collection, acqs, [d for d in said if d])
    _write(session, wanted, current)
    return len(items)


def _write(
    session: Session,
    wanted: dict[tuple[str, str], dict[str, Any]],
    current: dict[tuple[str, str], _Row],
) -> None:
    """Insert new rows, update changed ones in place, delete rows no acquisition backs."""
    inserts = [doc for key, doc in wanted.items() if key not in current]
    updates = [
        {"id": current[key].id, **doc}
        for key, doc in wanted.items()
        if key in current and _changed(current[key], doc)
    ]
    stale = [row.id for key, row in current.items() if key not in wanted]
    if inserts:
        session.execute(insert(models.SearchDoc), inserts)
    if updates:
        session.execute(update(models.SearchDoc), updates)
    if stale:
        session.execute(delete(models.SearchDoc).where(models.SearchDoc.id.in_(stale)))


def _changed(row: _Row, doc: dict[str, Any]) -> bool:
    # Skipping unchanged rows spares SQLite's trigger a delete and re-insert into the index.
    return any(getattr(row, name) != doc[name] for name in _DOC_FIELDS)


def _items(session: Session, evidence_ids: Sequence[str]) -> list[_Row]:
    ev = models.Evidence
    stmt = select(ev.id, ev.sha256, ev.size, ev.mime, ev.meta).where(ev.id.in_(evidence_ids))
    return list(session.execute(stmt))


def _descriptions(session: Session, evidence_ids: Sequence[str]) -> _Descriptions:
    """Each item's latest description per collection (None: the item's own), from the log."""
    event = models.CustodyEvent
    stmt = (
        select(event.evidence_id, event.entry)
        .where(event.kind == EventKind.METADATA, event.evidence_id.in_(evidence_ids))
        .order_by(event.idx)
    )
    found: _Descriptions = {}
    for row in session.execute(stmt):
        changes = json.loads(row.entry).get("changes") or {}
        found[(row.evidence_id, changes.get("collection"))] = changes.get("description") or ""
    return found


def _acquisitions(session: Session, evidence_ids: Sequence[str]) -> _Acquisitions:
    """Each item's acquisitions, in log order."""
    acq = models.Acquisition
    stmt = (
        select(acq.evidence_id, acq.filename, acq.collection, acq.source, acq.note, acq.at)
        .where(acq.evidence_id.in_(evidence_ids))
        .order_by(acq.log_index)
    )
    found: _Acquisitions = defaultdict(list)
    for row in session.execute(stmt):
        found[row.evidence_id].append(row)
    return found


def _docs(session: Session, evidence_ids: Sequence[str]) -> dict[tuple[str, str], _Row]:
    doc = models.SearchDoc
    stmt = select(doc.id, doc.evidence_id, doc.collection, *(getattr(doc, f) for f in _DOC_FIELDS))
    rows = session.execute(stmt.where(doc.evidence_id.in_(evidence_ids)))
    return {(row.evidence_id, row.collection): row for row in rows}


def _by_collection(acquisitions: list[_Row]) -> dict[str, list[_Row]]:
    """Acquisitions grouped by collection ("" for none), each group in log order."""
    groups: dict[str, list[_Row]] = defaultdict(list)
    for acq in acquisitions:
        groups[acq.collection or ""].append(acq)
    return groups


def _doc(
    item: _Row, collection: str, acquisitions: list[_Row], descriptions: list[str]
) -> dict[str, Any]:
    """The row of ``item`` as seen from ``collection``, from that collection's acquisitions and
    the descriptions its readers may see."""
    return {
        "evidence_id": item.id,
        "collection": collection,
        "filename": acquisitions[0].filename,
        "source": next((a.source for a in acquisitions if a.source), None),
        "mime": item.mime,
        "size": item.size,
        "created_at": acquisitions[0].at,  # when it came into this collection
        "body": index_words(_texts(item, collection, acquisitions, descriptions), MAX_BODY_CHARS),
    }


def _texts(
    item: _Row, collection: str, acquisitions: list[_Row], descriptions: list[str]
) -> Iterator[str]:
    """What the body is made of, most wanted first (the body is cut at its end when too long)."""
    yield from (item.id, item.sha256, item.mime, collection)
    yield from (a.filename for a in acquisitions)
    yield from (a.source for a in acquisitions if a.source)
    yield from descriptions
    yield from (a.note for a in acquisitions if a.note)
    yield from islice(metadata_strings(json.loads(item.meta)), MAX_METADATA_VALUES)


def metadata_strings(value: object, top: bool = True) -> Iterator[str]:
    """The string values of extracted metadata, nested dicts and lists flattened; binary-looking
    and very long values are left out, and so are the top-level ``errors`` list (gavah's own
    messages about the file, not what the file says) and ``perceptual`` hashes (gavah.similar)."""
    if isinstance(value, str):
        if len(value) <= MAX_METADATA_VALUE and not _BINARY_LOOKING.search(value):
            yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            if not (top and key in _NOT_WORDS):
                yield from metadata_strings(inner, top=False)
    elif isinstance(value, list):
        for inner in value:
            yield from metadata_strings(inner, top=False)
