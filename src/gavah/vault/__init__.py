"""The evidence vault: records acquisitions, resolves items, and logs every access.

Every operation that touches evidence appends a custody event and signs a checkpoint in the same
transaction, so the database never holds an action the log does not.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah import search, similar
from gavah.custody.entry import EventKind, canonical_json
from gavah.custody.log import Appender, isotime, utcnow
from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.store import CHUNK_SIZE, BlobInfo
from gavah.workspace import Workspace

MIN_PREFIX = 4


def display_path(raw: bytes) -> str:
    """A path as text: UTF-8 where it is, ``\\xNN`` for bytes that are not (exact bytes are kept too)."""
    return raw.decode("utf-8", errors="backslashreplace")


def canonical_text(value: Any) -> str:
    return canonical_json(value).decode("utf-8")


@dataclass(frozen=True)
class Acquired:
    """A file read, hashed, sniffed and put in the blob store, waiting to be recorded."""

    path: bytes
    mtime: str | None
    ctime: str | None
    blob: BlobInfo
    mime: str
    metadata: dict[str, Any]
    note: str | None = None  # this item's own, after the run's (an archive's record names it)


@dataclass(frozen=True)
class Recorded:
    evidence_id: str
    sha256: str
    log_index: int
    new: bool


def evidence_summary(ev: models.Evidence) -> dict[str, Any]:
    """The evidence block of an ingest entry; ``log verify`` recomputes it from the row."""
    perceptual = similar.entry_block(ev.meta)
    return {
        "id": ev.id,
        "sha256": ev.sha256,
        "size": ev.size,
        "mime": ev.mime,
        "metadata_sha256": hashlib.sha256(ev.meta.encode("utf-8")).hexdigest(),
        "chunk_size": ev.chunk_size,
        "chunks_sha256": hashlib.sha256(ev.chunk_digests).hexdigest(),
    } | ({} if perceptual is None else {"perceptual": perceptual})


def acquisition_summary(acq: models.Acquisition) -> dict[str, Any]:
    """The acquisition block of an ingest entry; ``log verify`` recomputes it from the row."""
    return {
        "path": display_path(acq.path),
        "path_b64": base64.b64encode(acq.path).decode(),
        "filename": acq.filename,
        "mtime": acq.mtime,
        "ctime": acq.ctime,
        "collection": acq.collection,
        "source": acq.source,
        "note": acq.note,
    }


def event_summary(row: models.CustodyEvent) -> dict[str, Any]:
    """A custody event as timelines show it: index, kind, time, actor and its own block."""
    entry = json.loads(row.entry)
    return {
        "log_index": row.idx,
        "kind": row.kind,
        "at": entry.get("at"),
        "actor": entry.get("actor"),
        "detail": entry.get("detail") or entry.get("changes") or entry.get("acquisition"),
    }


def _first_in(session: Session, evidence_id: str, collection: str | None) -> bool:
    """Whether no acquisition of this item was recorded into this (named) collection before.
    Acquisitions with no collection are the workspace operator's: only the first is an ingest."""
    if collection is None:
        return False
    earlier = session.execute(
        select(models.Acquisition.log_index)
        .where(
            models.Acquisition.evidence_id == evidence_id,
            models.Acquisition.collection == collection,
        )
        .limit(1)
    ).first()
    return earlier is None


def _filename(raw: bytes) -> str:
    return display_path(raw.rstrip(b"/").rsplit(b"/", 1)[-1])


class Vault:
    def __init__(self, workspace: Workspace, actor: str | None = None) -> None:
        """``actor`` names who acts in custody events; by default the settings' (the OS user).
        The web workspace passes the signed-in account."""
        self.ws = workspace
        self.db = workspace.db
        self.store = workspace.store
        self.log = workspace.log
        self.actor = actor or workspace.settings.actor

    # --- writing -------------------------------------------------------------------------
    def record(
        self,
        items: Sequence[Acquired],
        *,
        collection: str | None = None,
        source: str | None = None,
        note: str | None = None,
    ) -> list[Recorded]:
        """Record acquisitions of blobs already committed to the store, in one transaction."""
        results = []
        with self.db.write() as session:
            appender = Appender(session)
            for item in items:
                results.append(self.record_one(session, appender, item, collection, source, note))
            self.finish(session, appender)
        return results

    def record_one(
        self,
        session: Session,
        appender: Appender,
        item: Acquired,
        collection: str | None,
        source: str | None,
        note: str | None,
    ) -> Recorded:
        """Record one acquisition with ``appender``, inside a caller's write transaction."""
        at = utcnow()
        ev = session.execute(
            select(models.Evidence).where(models.Evidence.sha256 == item.blob.sha256)
        ).scalar_one_or_none()
        new = ev is None
        first_here = new or _first_in(session, ev.id if ev else "", collection)
        if ev is None:
            ev = models.Evidence(
                id=f"ev-{secrets.token_hex(8)}",
                sha256=item.blob.sha256,
                size=item.blob.size,
                mime=item.mime,
                meta=canonical_text(item.metadata),
                chunk_size=CHUNK_SIZE,
                chunk_digests=item.blob.chunk_digests,
                log_index=appender.size,
                created_at=at,
            )
            session.add(ev)
            session.flush()  # the acquisition row refers to it
            similar.store_hashes(session, ev.id, ev.meta)
        acq = models.Acquisition(
            log_index=appender.size,
            evidence_id=ev.id,
            path=item.path,
            filename=_filename(item.path),
            mtime=item.mtime,
            ctime=item.ctime,
            collection=collection,
            source=source,
            note="; ".join(n for n in (note, item.note) if n) or None,
            actor=self.actor,
            at=at,
        )
        # The first acquisition into a collection is that collection's ingest, whatever other
        # collections hold: its entry must not say that the bytes were known before, to those
        # who may read only this collection's entries (content addressing is no oracle).
        summary = (
            evidence_summary(ev)
            if first_here
            else {"id": ev.id, "sha256": ev.sha256, "size": ev.size}
        )
        kind = EventKind.INGEST if first_here else EventKind.REINGEST
        event = {"actor": self.actor, "evidence": summary, "acquisition": acquisition_summary(acq)}
        appended = appender.append(kind, ev.id, at, event)
        session.add(acq)
        session.flush()
        search.refresh(session, ev.id)
        return Recorded(ev.id, ev.sha256, appended.index, new)

    def finish(self, session: Session, appender: Appender) -> str:
        """Write what ``appender`` holds and sign a checkpoint over it (same transaction)."""
        appender.flush()
        return self.log.sign_checkpoint(session, appender.size, appender.root())

    def log_access(self, session: Session, ev: models.Evidence, kind: str, **detail: Any) -> int:
        """Append a view/export/proof event for ``ev`` and sign a checkpoint that covers it."""
        appender = Appender(session)
        event = {
            "actor": self.actor,
            "evidence": {"id": ev.id, "sha256": ev.sha256},
            "detail": detail,
        }
        index = appender.append(kind, ev.id, utcnow(), event).index
        self.finish(session, appender)
        return index

    def describe(self, ref: str, text: str, collections: Sequence[str] = ()) -> int:
        """Change the evidence's description; the new value is written into the log entry.
        Given ``collections``, the description is each one's own (one entry each, naming it),
        seen only by those who see that collection; without, it is the item's, seen only by
        those who see every collection holding it. Returns the last entry's index."""
        with self.db.write() as session:
            ev = self.resolve(session, ref)
            ev.description = text  # the latest written; `log verify` checks it against the log
            appender = Appender(session)
            scopes: Sequence[str | None] = collections or [None]
            for collection in scopes:
                changes = {"description": text}
                if collection is not None:
                    changes["collection"] = collection
                event = {
                    "actor": self.actor,
                    "evidence": {"id": ev.id, "sha256": ev.sha256},
                    "changes": changes,
                }
                index = appender.append(EventKind.METADATA, ev.id, utcnow(), event).index
            self.finish(session, appender)
            search.refresh(session, ev.id)
        return index

    # --- reading -------------------------------------------------------------------------
    def resolve(self, session: Session, ref: str) -> models.Evidence:
        """An item by id (``ev-...``) or by a unique prefix of its SHA-256."""
        ref = ref.strip().lower()
        if ref.startswith("ev-"):
            ev = session.get(models.Evidence, ref)
            if ev is None:
                raise NotFound(f"no evidence item with id {ref}")
            return ev
        # Over 64 digits is no SHA-256 prefix (and SQLite refuses LIKE patterns over 50,000).
        if not MIN_PREFIX <= len(ref) <= 64 or any(c not in "0123456789abcdef" for c in ref):
            raise InputError(
                f"{ref!r} is neither an item id (ev-...) nor a SHA-256 prefix",
                hint=f"give the id, or at least {MIN_PREFIX} hex digits of the SHA-256",
            )
        matches = (
            session.execute(
                select(models.Evidence).where(models.Evidence.sha256.startswith(ref)).limit(6)
            )
            .scalars()
            .all()
        )
        if not matches:
            raise NotFound(f"no evidence item whose SHA-256 starts with {ref}")
        if len(matches) > 1:
            ids = ", ".join(m.id for m in matches[:5])
            raise InputError(
                f"SHA-256 prefix {ref} matches several items: {ids}", hint="give more digits"
            )
        return matches[0]

    def timeline(self, session: Session, evidence_id: str) -> list[dict[str, Any]]:
        rows = session.execute(
            select(models.CustodyEvent)
            .where(models.CustodyEvent.evidence_id == evidence_id)
            .order_by(models.CustodyEvent.idx)
        ).scalars()
        return [event_summary(row) for row in rows]

    def show(self, ref: str) -> dict[str, Any]:
        """Everything about one item. Viewing is itself a custody event."""
        with self.db.write() as session:
            ev = self.resolve(session, ref)
            self.log_access(session, ev, EventKind.VIEW, via="gavah show")
            acquisitions = (
                session.execute(
                    select(models.Acquisition)
                    .where(models.Acquisition.evidence_id == ev.id)
                    .order_by(models.Acquisition.log_index)
                )
                .scalars()
                .all()
            )
            checkpoint, _ = self.log.latest_checkpoint(session)
            return {
                "id": ev.id,
                "sha256": ev.sha256,
                "size": ev.size,
                "mime": ev.mime,
                "description": ev.description,
                "created_at": _iso(ev.created_at),
                "log_index": ev.log_index,
                "metadata": json.loads(ev.meta),
                "acquisitions": [
                    {
                        "log_index": a.log_index,
                        **acquisition_summary(a),
                        "actor": a.actor,
                        "at": _iso(a.at),
                    }
                    for a in acquisitions
                ],
                "custody": self.timeline(session, ev.id),
                "checkpoint": {
                    "origin": checkpoint.origin,
                    "size": checkpoint.size,
                    "root": base64.b64encode(checkpoint.root).decode(),
                },
            }


def _iso(at: datetime) -> str:
    return isotime(at)
