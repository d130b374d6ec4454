"""Sanctions lists in the workspace: dated snapshots of official files, kept side by side.

An import reads and checks the whole file first (:mod:`gavah.sanctions.formats`); if anything is
wrong nothing is stored, not even the file. Then the files go into the vault as evidence items
(so any result traces back to the exact bytes of the official list), the entries are stored
under the list's own identifiers, and one custody event records the snapshot with a digest of
its entries, which ``gavah log verify`` recomputes. Importing files identical to a snapshot the
list already has changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.proxy import EntityProxy
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gavah.casualties import clusters
from gavah.custody.log import Appender, utcnow
from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.intake.ingest import acquire_checked, read_whole
from gavah.intake.limits import ImportLimits
from gavah.sanctions import formats
from gavah.sanctions.index import Indexes, Snapshot
from gavah.sanctions.index import Row as IndexRow
from gavah.vault import Vault, canonical_text

# Custody event kinds (added to, never renamed).
LIST_IMPORTED = "sanctions.list-imported"

LIST_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
JURISDICTIONS = {
    "us": "United States (OFAC)",
    "eu": "European Union",
    "uk": "United Kingdom",
    "ca": "Canada",
    "au": "Australia",
    "un": "UN Security Council",
    "ch": "Switzerland",
    "nz": "New Zealand",
    "jp": "Japan",
}
DEFAULT_JURISDICTION = {"ofac": "us", "un-xml": "un", "eu-csv": "eu"}


@dataclass(frozen=True)
class StoredEntry:
    """An entry of a stored snapshot: which list, its own identifier, and the FtM entity."""

    list_name: str
    jurisdiction: str | None
    snapshot: int
    source_id: str
    line: int
    entity: EntityProxy
    programs: tuple[str, ...]
    listed_on: str | None

    @property
    def ref(self) -> str:
        """The reference decisions and reports use: ``list:NAME:SOURCE_ID``."""
        return f"list:{self.list_name}:{self.source_id}"


def entry_summary(row: models.SanctionsEntry | dict[str, Any]) -> dict[str, Any]:
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k)
    return {
        "source_id": get("source_id"),
        "line": get("line"),
        "schema": get("schema"),
        "caption": get("caption"),
        "entity": get("entity"),
        "programs": get("programs"),
        "listed_on": get("listed_on"),
        "raw": get("raw"),
    }


def entries_digest(rows: Sequence[models.SanctionsEntry | dict[str, Any]]) -> str:
    """SHA-256 over the canonical JSON of every entry, in source-id order."""
    h = hashlib.sha256()
    for row in sorted(rows, key=lambda r: entry_summary(r)["source_id"]):
        h.update(canonical_text(entry_summary(row)).encode())
        h.update(b"\n")
    return h.hexdigest()


def snapshot_summary(snap: models.SanctionsSnapshot) -> dict[str, Any]:
    return {
        "id": snap.id,
        "list": snap.list_name,
        "digest": snap.digest,
        "files": json.loads(snap.files),
        "entry_count": snap.entry_count,
        "entries_sha256": snap.entries_sha256,
    }


class Sanctions:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.db = vault.db

    # --- import ----------------------------------------------------------------------------
    def import_list(
        self, path: Path, fmt: str, name: str, jurisdiction: str | None = None
    ) -> dict[str, Any]:
        """Import ``path`` (read as ``fmt``) as a new snapshot of list ``name``."""
        if not LIST_NAME.match(name):
            raise InputError(
                f"list name {name!r} is not usable as a short name",
                hint="lower-case letters, digits, '.', '_' or '-' (up to 64), e.g. eu-iran-hr",
            )
        jurisdiction = _jurisdiction(jurisdiction, fmt)
        files = formats.source_files(path, fmt)
        limits = ImportLimits.from_settings(self.vault.ws.settings)
        read = {f: read_whole(f, limits=limits) for f in files}
        entries = formats.read(path, fmt, limits)
        if any(read_whole(f, limits=limits) != data for f, data in read.items()):  # as hashed
            raise InputError(f"{path} changed while it was being read; import it once it is stable")
        rows = [_row(e) for e in entries]
        digest = _files_digest(read)
        with self.db.read() as session:
            existing = session.get(models.SanctionsList, name)
            if existing is not None:
                _same_list(existing, fmt, jurisdiction)
                snap = session.execute(
                    select(models.SanctionsSnapshot).where(
                        models.SanctionsSnapshot.list_name == name,
                        models.SanctionsSnapshot.digest == digest,
                    )
                ).scalar_one_or_none()
                if snap is not None:
                    return {**snapshot_summary(snap), "unchanged": True, "log_index": None}
        acquired = [
            (f, acquire_checked(self.vault.store, f, hashlib.sha256(data).hexdigest()))
            for f, data in read.items()
        ]
        with self.db.write() as session:
            appender = Appender(session)
            now = utcnow()
            if session.get(models.SanctionsList, name) is None:
                session.add(
                    models.SanctionsList(
                        name=name,
                        format=fmt,
                        jurisdiction=jurisdiction,
                        created_at=now,
                        actor=self.vault.actor,
                    )
                )
            kept = []
            for f, acq in acquired:
                recorded = self.vault.record_one(
                    session,
                    appender,
                    acq,
                    "sanctions-lists",
                    None,
                    f"sanctions list {name}: {f.name}",
                )
                kept.append({"name": f.name, "evidence_id": recorded.evidence_id})
            snap = models.SanctionsSnapshot(
                list_name=name,
                digest=digest,
                files=canonical_text(kept),
                entry_count=len(rows),
                entries_sha256=entries_digest(rows),
                imported_at=now,
                log_index=appender.size,
                actor=self.vault.actor,
            )
            session.add(snap)
            session.flush()
            event = {
                "actor": self.vault.actor,
                "list": {"name": name, "format": fmt, "jurisdiction": jurisdiction},
                "snapshot": snapshot_summary(snap),
            }
            appender.append(LIST_IMPORTED, None, now, event)
            for start in range(0, len(rows), 5_000):
                chunk = [{**r, "snapshot_id": snap.id} for r in rows[start : start + 5_000]]
                session.execute(insert(models.SanctionsEntry), chunk)
            self.vault.finish(session, appender)
            result = {**snapshot_summary(snap), "unchanged": False, "log_index": snap.log_index}
        # The stored candidate index, built now so that screening need not (see sanctions.index).
        snapshot = Snapshot(name, jurisdiction, result["id"], result["entries_sha256"])
        Indexes(self).build(snapshot, (_index_row(snapshot, r) for r in rows))
        return result

    def lists(self) -> list[dict[str, Any]]:
        """Every list with its snapshots, oldest first."""
        with self.db.read() as session:
            out = []
            for lst in session.execute(
                select(models.SanctionsList).order_by(models.SanctionsList.name)
            ).scalars():
                snaps = session.execute(
                    select(models.SanctionsSnapshot)
                    .where(models.SanctionsSnapshot.list_name == lst.name)
                    .order_by(models.SanctionsSnapshot.id)
                ).scalars()
                out.append(
                    {
                        "name": lst.name,
                        "format": lst.format,
                        "jurisdiction": lst.jurisdiction,
                        "snapshots": [
                            {
                                "id": s.id,
                                "imported_at": s.imported_at.isoformat(),
                                "entries": s.entry_count,
                                "files": [f["name"] for f in json.loads(s.files)],
                                "actor": s.actor,
                            }
                            for s in snaps
                        ],
                    }
                )
            return out

    def snapshot_id(self, name: str, snapshot: int | None = None) -> int:
        """The id of ``snapshot`` of list ``name`` (checked), or of its latest."""
        with self.db.read() as session:
            if session.get(models.SanctionsList, name) is None:
                raise NotFound(
                    f"no sanctions list named {name!r}", hint="gavah sanctions lists shows them"
                )
            query = select(models.SanctionsSnapshot.id).where(
                models.SanctionsSnapshot.list_name == name
            )
            if snapshot is not None:
                query = query.where(models.SanctionsSnapshot.id == snapshot)
            found = session.execute(
                query.order_by(models.SanctionsSnapshot.id.desc()).limit(1)
            ).scalar_one_or_none()
        if found is None:
            raise NotFound(f"list {name!r} has no snapshot {snapshot}")
        return found

    def snapshot(self, name: str, snapshot: int | None = None) -> Snapshot:
        """What the stored index of ``snapshot`` of list ``name`` (its latest) is built from."""
        snap_id = self.snapshot_id(name, snapshot)
        with self.db.read() as session:
            snap = session.get(models.SanctionsSnapshot, snap_id)
            lst = session.get(models.SanctionsList, name)
            assert snap is not None and lst is not None  # snapshot_id checked both
            return Snapshot(name, lst.jurisdiction, snap.id, snap.entries_sha256)

    def entry_rows(self, name: str, snapshot: int) -> Iterator[IndexRow]:
        """The entries of a snapshot as the stored index reads them (no FtM entity made)."""
        snap = self.snapshot(name, snapshot)
        entry = models.SanctionsEntry
        with self.db.read() as session:
            rows = session.execute(
                select(entry.source_id, entry.entity, entry.programs, entry.listed_on).where(
                    entry.snapshot_id == snapshot
                )
            )
            for source_id, entity, programs, listed_on in rows:
                yield (name, snap.jurisdiction, source_id, entity, programs, listed_on)

    def entries(self, name: str, snapshot: int | None = None) -> Iterator[StoredEntry]:
        """The entries of one snapshot (the latest by default), in source-id order."""
        snap_id = self.snapshot_id(name, snapshot)
        with self.db.read() as session:
            jurisdiction = session.get(models.SanctionsList, name).jurisdiction  # type: ignore[union-attr]
            rows = session.execute(
                select(models.SanctionsEntry)
                .where(models.SanctionsEntry.snapshot_id == snap_id)
                .order_by(models.SanctionsEntry.source_id)
            ).scalars()
            for row in rows:
                yield StoredEntry(
                    list_name=name,
                    jurisdiction=jurisdiction,
                    snapshot=snap_id,
                    source_id=row.source_id,
                    line=row.line,
                    entity=model.get_proxy(json.loads(row.entity)),
                    programs=tuple(json.loads(row.programs)),
                    listed_on=row.listed_on,
                )

    def entry(self, name: str, source_id: str, snapshot: int | None = None) -> StoredEntry:
        for e in self.entries(name, snapshot):
            if e.source_id == source_id:
                return e
        raise NotFound(f"list {name!r} has no entry {source_id!r}")


def _row(entry: formats.Entry) -> dict[str, Any]:
    return {
        "source_id": entry.source_id,
        "line": entry.line,
        "schema": entry.entity.schema.name,
        "caption": entry.entity.caption,
        "entity": canonical_text(entry.entity.to_dict()),
        "programs": canonical_text(list(entry.programs)),
        "listed_on": entry.listed_on,
        "raw": canonical_text(entry.raw),
    }


def _index_row(snap: Snapshot, row: dict[str, Any]) -> IndexRow:
    return (
        snap.list_name,
        snap.jurisdiction,
        row["source_id"],
        row["entity"],
        row["programs"],
        row["listed_on"],
    )


def _files_digest(read: dict[Path, bytes]) -> str:
    h = hashlib.sha256()
    for f in sorted(read, key=lambda p: p.name):
        h.update(f"{f.name}\0{hashlib.sha256(read[f]).hexdigest()}\n".encode())
    return h.hexdigest()


def _jurisdiction(given: str | None, fmt: str) -> str | None:
    value = (given or DEFAULT_JURISDICTION.get(fmt) or "").strip().lower() or None
    if value is not None and value not in JURISDICTIONS:
        raise InputError(
            f"unknown jurisdiction {given!r}",
            hint="one of " + ", ".join(JURISDICTIONS),
        )
    return value


def _same_list(existing: models.SanctionsList, fmt: str, jurisdiction: str | None) -> None:
    if existing.format != fmt or existing.jurisdiction != jurisdiction:
        raise InputError(
            f"list {existing.name} was imported as {existing.format} "
            f"({existing.jurisdiction or 'no jurisdiction'}), not {fmt} ({jurisdiction})",
            hint="a list keeps its format and jurisdiction; give another list its own name",
        )


# --- human judgements ----------------------------------------------------------------------------

JUDGED = "sanctions.judged"
JUDGEMENTS = (clusters.SAME, clusters.DIFFERENT, clusters.UNSURE)


class Judgements:
    """Human judgements on pairs of records (``registry:ID`` or ``list:NAME:SOURCE_ID``): same,
    different or unsure; transitive, the latest per pair standing, every one a custody event."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.db = vault.db

    def standing(self) -> dict[tuple[str, str], str]:
        with self.db.read() as session:
            rows = session.execute(
                select(models.MatchJudgement).order_by(models.MatchJudgement.id)
            ).scalars()
            return {clusters.pair(r.left, r.right): r.judgement for r in rows}

    def history(self) -> list[dict[str, Any]]:
        with self.db.read() as session:
            rows = session.execute(
                select(models.MatchJudgement).order_by(models.MatchJudgement.id)
            ).scalars()
            return [judgement_summary(r) for r in rows]

    def judge(self, a: str, b: str, judgement: str, note: str | None = None) -> dict[str, Any]:
        if judgement not in JUDGEMENTS:
            raise InputError(
                f"unknown judgement {judgement!r}", hint=f"one of {', '.join(JUDGEMENTS)}"
            )
        left, right = clusters.pair(a.strip(), b.strip())
        if left == right:
            raise InputError("a record is always the same as itself")
        with self.db.write() as session:
            for ref in (left, right):
                _check_ref(session, ref)
            standing = {
                clusters.pair(r.left, r.right): r.judgement
                for r in session.execute(
                    select(models.MatchJudgement).order_by(models.MatchJudgement.id)
                ).scalars()
            }
            already = clusters.contradicted(standing, left, right, judgement)
            if already is not None:
                raise InputError(
                    f"{left} and {right} are already judged "
                    f"{'the same' if already == clusters.SAME else 'different'} through other "
                    "judgements",
                    hint="change the judgement that links them first (gavah sanctions decisions)",
                )
            at = utcnow()
            appender = Appender(session)
            event = {
                "actor": self.vault.actor,
                "judgement": {"left": left, "right": right, "judgement": judgement, "note": note},
            }
            index = appender.append(JUDGED, None, at, event).index
            row = models.MatchJudgement(
                left=left,
                right=right,
                judgement=judgement,
                note=note,
                log_index=index,
                actor=self.vault.actor,
                at=at,
            )
            session.add(row)
            self.vault.finish(session, appender)
            return judgement_summary(row)


def judgement_summary(row: models.MatchJudgement) -> dict[str, Any]:
    return {
        "left": row.left,
        "right": row.right,
        "judgement": row.judgement,
        "note": row.note,
        "actor": row.actor,
        "at": row.at.isoformat(),
        "log_index": row.log_index,
    }


def _check_ref(session: Session, ref: str) -> None:
    kind, _, rest = ref.partition(":")
    if kind == "registry" and rest:
        if session.get(models.RegistryEntity, rest) is None:
            raise NotFound(f"no registry entity {rest!r}", hint="gavah registry list shows them")
        return
    if kind == "list" and ":" in rest:
        name, _, source_id = rest.partition(":")
        found = session.execute(
            select(models.SanctionsEntry.source_id)
            .join(models.SanctionsSnapshot)
            .where(
                models.SanctionsSnapshot.list_name == name,
                models.SanctionsEntry.source_id == source_id,
            )
            .limit(1)
        ).scalar_one_or_none()
        if found is None:
            raise NotFound(f"list {name!r} has no entry {source_id!r}")
        return
    raise InputError(
        f"cannot read {ref!r} as a record",
        hint="write registry:ENTITY_ID or list:LIST_NAME:SOURCE_ID (as xref and screen print)",
    )
