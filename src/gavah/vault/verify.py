"""``gavah log verify``: re-check everything and say precisely what is wrong, and where.

Checks, in order: every log entry (canonical form, leaf hash, its row), the whole Merkle tree
against every stored node, every checkpoint (signature, root, consistency with the previous one,
RFC 9162 2.1.4), every evidence and acquisition row against the entry that recorded it, and every
blob's bytes against its SHA-256 and chunk digests. Problems are collected, not raised, so one run
names all of them; the CLI exits non-zero if there is any (fail closed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.custody import merkle
from gavah.custody.entry import EventKind, decode_entry
from gavah.custody.log import isotime
from gavah.custody.note import Checkpoint
from gavah.db import models
from gavah.errors import GavahError
from gavah.store import damaged_ranges
from gavah.vault import Vault, acquisition_summary, evidence_summary

_CHUNK = 10_000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Problem:
    where: str  # "log entry 17", "evidence ev-..", "blob <sha256>", "checkpoint 12", ...
    field: str
    message: str


@dataclass
class VerifyReport:
    log_size: int = 0
    checkpoints: int = 0
    evidence: int = 0
    blobs_checked: int = 0
    bytes_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, fld: str, message: str) -> None:
        self.problems.append(Problem(where, fld, message))

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


@dataclass
class _Seen:
    """What the log entries say, kept only as far as the row checks need it."""

    leaves: list[bytes] = field(default_factory=list)
    ingested: set[str] = field(default_factory=set)
    acquired: dict[int, str] = field(default_factory=dict)  # log index -> evidence id
    descriptions: dict[str, str] = field(default_factory=dict)
    register: dict[int, str] = field(default_factory=dict)  # log index -> victim register kind
    sanctions: dict[int, str] = field(default_factory=dict)  # log index -> sanctions kind
    registry: dict[int, dict[str, Any]] = field(default_factory=dict)  # log index -> registry entry
    accounts: dict[int, dict[str, Any]] = field(default_factory=dict)  # log index -> account entry
    verify: dict[int, dict[str, Any]] = field(default_factory=dict)  # log index -> verify.* entry
    bundles: dict[int, str] = field(default_factory=dict)  # log index -> bundle.opened bundle id
    redaction: dict[int, dict[str, Any]] = field(default_factory=dict)  # log index -> redaction.*


def verify_workspace(
    vault: Vault, *, check_blobs: bool = True, progress: Progress | None = None
) -> VerifyReport:
    report = VerifyReport()
    with vault.db.read() as session:
        seen = _check_entries(session, report)
        tree = merkle.MemoryTree(seen.leaves)
        _check_nodes(session, tree, report)
        _check_head(session, vault, tree, report)
        _check_checkpoints(session, vault, tree, report)
        evidence = _check_evidence_rows(session, seen, report)
        _check_register(session, seen, report)
        _check_registry(session, seen, report)
        _check_sanctions(session, seen, report)
        _check_accounts(session, seen, report)
        _check_verify(session, seen, report)
        _check_bundles(session, seen, report)
        evidence += _check_redaction(session, seen, report)
    if check_blobs:
        _check_blobs(vault, evidence, report, progress)
        _note_orphans(vault, evidence, report)
    return report


@dataclass(frozen=True)
class _EventRow:
    idx: int
    kind: str
    evidence_id: str | None
    at: datetime
    entry: bytes


def _events(session: Session) -> Iterator[_EventRow]:
    """Every log entry in order, in pages of plain rows (ORM objects cost more than the check)."""
    table = models.CustodyEvent
    last = -1
    while True:
        rows = session.execute(
            select(table.idx, table.kind, table.evidence_id, table.at, table.entry)
            .where(table.idx > last)
            .order_by(table.idx)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        for idx, kind, evidence_id, at, entry in rows:
            yield _EventRow(idx, kind, evidence_id, at, bytes(entry))
        last = rows[-1][0]


def _check_entries(session: Session, report: VerifyReport) -> _Seen:
    seen = _Seen()
    for row in _events(session):
        where = f"log entry {row.idx}"
        if row.idx != len(seen.leaves):
            report.add(where, "idx", f"log entries {len(seen.leaves)}..{row.idx - 1} are missing")
            seen.leaves.extend([b"\0" * 32] * (row.idx - len(seen.leaves)))
        entry = row.entry
        seen.leaves.append(merkle.leaf_hash(entry))
        try:
            event = decode_entry(entry)
        except GavahError as exc:
            report.add(where, "entry", exc.message)
            continue
        _check_event_row(row, event, where, report)
        _collect(seen, row.idx, event)
    report.log_size = len(seen.leaves)
    return seen


def _check_event_row(
    row: _EventRow, event: dict[str, Any], where: str, report: VerifyReport
) -> None:
    if event.get("kind") != row.kind:
        report.add(where, "kind", f"row says {row.kind!r}, signed entry says {event.get('kind')!r}")
    named = (event.get("evidence") or {}).get("id")
    if named != row.evidence_id:
        report.add(
            where, "evidence_id", f"row says {row.evidence_id!r}, signed entry says {named!r}"
        )
    if event.get("at") != isotime(row.at):
        report.add(where, "at", f"row says {isotime(row.at)}, signed entry says {event.get('at')}")


def _collect(seen: _Seen, idx: int, event: dict[str, Any]) -> None:
    kind = event.get("kind")
    if kind == EventKind.INGEST:
        seen.ingested.add(event["evidence"]["id"])
    if kind in (EventKind.INGEST, EventKind.REINGEST):
        seen.acquired[idx] = event["evidence"]["id"]
    if kind == EventKind.METADATA:
        seen.descriptions[event["evidence"]["id"]] = event["changes"]["description"]
    if isinstance(kind, str) and kind.startswith("victims."):
        seen.register[idx] = kind
    if isinstance(kind, str) and kind.startswith("sanctions."):
        seen.sanctions[idx] = kind
    if isinstance(kind, str) and kind.startswith("registry."):
        seen.registry[idx] = {k: event.get(k) for k in ("kind", "at", "actor", "statements")}
    if isinstance(kind, str) and kind.startswith("account."):
        seen.accounts[idx] = {"kind": kind, "account": event.get("account")}
    if isinstance(kind, str) and kind.startswith("verify."):
        seen.verify[idx] = event
    if kind == "bundle.opened":
        seen.bundles[idx] = str((event.get("bundle") or {}).get("id"))
    if isinstance(kind, str) and kind.startswith("redaction."):
        seen.redaction[idx] = event


def _check_nodes(session: Session, tree: merkle.MemoryTree, report: VerifyReport) -> None:
    expected = sum(len(level) for level in tree.levels) if tree.size else 0
    found = 0
    last = (-1, -1)
    while True:
        rows = _node_page(session, last)
        if not rows:
            break
        for level, idx, stored in rows:
            found += 1
            _check_node(tree, level, idx, bytes(stored), report)
        last = (rows[-1][0], rows[-1][1])
    if found != expected:
        report.add(
            "log tree",
            "nodes",
            f"{found} stored nodes, {expected} expected: nodes are missing or extra",
        )


def _node_page(session: Session, last: tuple[int, int]) -> list[Any]:
    level, idx = last
    return list(
        session.execute(
            select(models.LogNode.level, models.LogNode.idx, models.LogNode.hash)
            .where(
                (models.LogNode.level > level)
                | ((models.LogNode.level == level) & (models.LogNode.idx > idx))
            )
            .order_by(models.LogNode.level, models.LogNode.idx)
            .limit(_CHUNK * 5)
        ).all()
    )


def _check_node(
    tree: merkle.MemoryTree, level: int, idx: int, stored: bytes, report: VerifyReport
) -> None:
    where = f"log node level {level} index {idx}"
    if level >= len(tree.levels) or idx >= len(tree.levels[level]):
        report.add(where, "hash", "stored node lies outside the tree")
    elif tree.levels[level][idx] != stored:
        what = "leaf hash of log entry" if level == 0 else "node hash"
        report.add(
            where,
            "hash",
            f"stored {what} {stored.hex()} != recomputed {tree.levels[level][idx].hex()}",
        )


def _check_head(
    session: Session, vault: Vault, tree: merkle.MemoryTree, report: VerifyReport
) -> None:
    head = session.get(models.LogHead, 1)
    if head is None:
        report.add("log head", "row", "the log head row is missing")
        return
    if head.size != tree.size:
        report.add("log head", "size", f"head says {head.size} entries, the log holds {tree.size}")
    if head.origin != vault.log.origin or bytes(head.public_key) != vault.log.verifier.public_key:
        report.add("log head", "origin", "origin or public key differs from the workspace's key")


def _check_checkpoints(
    session: Session, vault: Vault, tree: merkle.MemoryTree, report: VerifyReport
) -> None:
    previous: Checkpoint | None = None
    rows = session.execute(select(models.Checkpoint).order_by(models.Checkpoint.size)).scalars()
    for row in rows:
        report.checkpoints += 1
        where = f"checkpoint {row.size}"
        try:
            cp = Checkpoint.from_note(row.note, vault.log.verifier, vault.log.origin)
        except GavahError as exc:
            report.add(where, "signature", exc.message)
            continue
        if cp.size != row.size or cp.size > tree.size:
            report.add(where, "size", f"signed size {cp.size} does not fit a log of {tree.size}")
            continue
        if cp.root != tree.root(cp.size):
            report.add(
                where, "root", "signed root differs from the root recomputed from the entries"
            )
            continue
        if previous is not None:
            _check_consistency(previous, cp, tree, where, report)
        previous = cp
    if previous is None:
        report.add("checkpoints", "rows", "the log has no valid signed checkpoint")
    elif previous.size != tree.size:
        report.add(
            "checkpoints",
            "size",
            f"newest checkpoint covers {previous.size} of {tree.size} entries",
        )


def _check_consistency(
    old: Checkpoint, new: Checkpoint, tree: merkle.MemoryTree, where: str, report: VerifyReport
) -> None:
    try:
        path = merkle.consistency_path(old.size, new.size, tree.node)
        merkle.verify_consistency(old.size, new.size, old.root, new.root, path)
    except GavahError as exc:
        report.add(
            where, "consistency", f"not consistent with checkpoint {old.size}: {exc.message}"
        )


Row = TypeVar(
    "Row",
    models.Evidence,
    models.Acquisition,
    models.VictimList,
    models.VictimRecordLink,
    models.LinkageRun,
    models.LinkageDecision,
    models.SanctionsSnapshot,
    models.MatchJudgement,
    models.BundleOpening,
)


def _with_entries(
    session: Session, model: type[Row]
) -> Iterator[tuple[Row, dict[str, Any] | None]]:
    """Rows of ``model`` in log order, each with the decoded log entry at its ``log_index``,
    a page at a time (one query per page, not one per row)."""
    last = -1
    while True:
        page = session.execute(
            select(model, models.CustodyEvent.entry)
            .outerjoin(models.CustodyEvent, models.CustodyEvent.idx == model.log_index)
            .where(model.log_index > last)
            .order_by(model.log_index)
            .limit(_CHUNK)
        ).all()
        if not page:
            return
        for row, entry in page:
            yield row, _decoded(entry)
        last = page[-1][0].log_index
        session.expunge_all()


def _decoded(entry: bytes | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    try:
        return decode_entry(bytes(entry))
    except GavahError:
        return None  # already reported by the entry scan


def _check_evidence_rows(
    session: Session, seen: _Seen, report: VerifyReport
) -> list[tuple[str, str, int, bytes]]:
    evidence: list[tuple[str, str, int, bytes]] = []
    ids: set[str] = set()
    digests: dict[str, bytes] = {}  # evidence id -> digest of its summary, for later ingests
    for ev, entry in _with_entries(session, models.Evidence):
        ids.add(ev.id)
        where = f"evidence {ev.id}"
        summary = evidence_summary(ev)
        digests[ev.id] = _digest(summary)
        if entry is None or entry.get("kind") != EventKind.INGEST:
            report.add(
                where, "log_index", f"log entry {ev.log_index} is not this item's ingest event"
            )
        else:
            _compare(where, summary, entry["evidence"], report)
        if ev.description != seen.descriptions.get(ev.id):
            report.add(where, "description", "differs from the last logged metadata change")
        evidence.append((ev.id, ev.sha256, ev.size, bytes(ev.chunk_digests)))
    for missing in sorted(seen.ingested - ids):
        report.add(f"evidence {missing}", "row", "logged as ingested, but its row is missing")
    report.evidence = len(evidence)
    _check_acquisitions(session, seen, digests, report)
    return evidence


def _digest(summary: dict[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps(summary, sort_keys=True).encode()).digest()


def _check_acquisitions(
    session: Session, seen: _Seen, digests: dict[str, bytes], report: VerifyReport
) -> None:
    """Each acquisition against its ingest entry. The first acquisition into a collection is
    that collection's ingest and says what the bytes are: the same as the item's row, however
    many collections acquired it (a later acquisition into the same collection names only the
    id, digest and size, and those must agree too)."""
    unmatched = dict(seen.acquired)
    for acq, entry in _with_entries(session, models.Acquisition):
        where = f"acquisition {acq.log_index} of {acq.evidence_id}"
        unmatched.pop(acq.log_index, None)
        if entry is None or entry.get("kind") not in (EventKind.INGEST, EventKind.REINGEST):
            report.add(where, "log_index", "no ingest event at this log index")
            continue
        _compare(where, acquisition_summary(acq), entry["acquisition"], report)
        _check_acquired_bytes(session, acq, entry, digests, report)
        logged = {
            "actor": entry.get("actor"),
            "at": entry.get("at"),
            "evidence_id": entry["evidence"]["id"],
        }
        row = {"actor": acq.actor, "at": isotime(acq.at), "evidence_id": acq.evidence_id}
        _compare(where, row, logged, report)
    for idx, evidence_id in sorted(unmatched.items()):
        where = f"acquisition {idx} of {evidence_id}"
        report.add(where, "row", f"logged by entry {idx}, but its row is missing")


def _check_acquired_bytes(
    session: Session,
    acq: models.Acquisition,
    entry: dict[str, Any],
    digests: dict[str, bytes],
    report: VerifyReport,
) -> None:
    if acq.evidence_id not in digests:
        return  # the item's missing row is reported once, above
    logged = entry.get("evidence") or {}
    if entry.get("kind") == EventKind.INGEST and _digest(logged) == digests[acq.evidence_id]:
        return
    ev = session.get(models.Evidence, acq.evidence_id)
    if ev is None:
        return
    row = evidence_summary(ev)
    if entry.get("kind") != EventKind.INGEST:
        row = {k: row[k] for k in ("id", "sha256", "size")}
    where = f"acquisition {acq.log_index} of {acq.evidence_id}"
    _compare(where, row, logged, report)


def _check_register(session: Session, seen: _Seen, report: VerifyReport) -> None:
    """Victim lists (with a digest of their records), record links, linkage runs (with a digest
    of their pairs) and decisions, each against the entry that recorded it."""
    from gavah.casualties import people, register

    unmatched = dict(seen.register)

    def logged(where: str, row: Any, entry: dict[str, Any] | None, kind: str) -> bool:
        unmatched.pop(row.log_index, None)
        if entry is None or entry.get("kind") != kind:
            report.add(where, "log_index", f"log entry {row.log_index} is not a {kind} event")
            return False
        return True

    for vl, entry in _with_entries(session, models.VictimList):
        where = f"victim list {vl.id}"
        if logged(where, vl, entry, register.LIST_IMPORTED):
            assert entry is not None
            _compare(where, register.list_summary(vl), entry["list"], report)
            _compare(where, _who(vl.actor, vl.created_at), _who_logged(entry), report)
            records = session.execute(
                select(models.VictimRecord)
                .where(models.VictimRecord.list_id == vl.id)
                .order_by(models.VictimRecord.row)
            ).scalars()
            if register.records_digest(records) != entry["list"]["records_sha256"]:
                report.add(where, "records", "records differ from those logged at import")
    for link, entry in _with_entries(session, models.VictimRecordLink):
        where = f"record link {link.record_id} -> {link.kind} {link.target}"
        if logged(where, link, entry, register.RECORD_LINKED):
            assert entry is not None
            linked = {"record": link.record_id, "kind": link.kind, "target": link.target}
            _compare(where, linked, entry["link"], report)
            _compare(where, _who(link.actor, link.at), _who_logged(entry), report)
    for run, entry in _with_entries(session, models.LinkageRun):
        where = f"linkage run {run.id}"
        if logged(where, run, entry, people.LINKAGE_RUN):
            assert entry is not None
            pairs = people.stored_pairs_digest(session, run.id)
            settings = {k: str(v) for k, v in json.loads(run.settings).items()}
            scored: dict[str, Any] = {
                "run": run.id,
                "lists": json.loads(run.lists),
                "records": run.record_count,
                "settings": settings,
                "model_sha256": people.model_digest(run.model),
                "pairs": run.pair_count,
                "pairs_sha256": pairs,
            }
            _compare(where, scored, {k: entry["linkage"].get(k) for k in scored}, report)
            _compare(where, _who(run.actor, run.created_at), _who_logged(entry), report)
    for d, entry in _with_entries(session, models.LinkageDecision):
        where = f"decision {d.left_id} / {d.right_id} at {d.log_index}"
        if logged(where, d, entry, people.DECIDED):
            assert entry is not None
            decided: dict[str, Any] = {
                "left": d.left_id,
                "right": d.right_id,
                "decision": d.decision,
                "note": d.note,
            }
            _compare(where, decided, entry["decision"], report)
            _compare(where, _who(d.actor, d.at), _who_logged(entry), report)
    for idx, kind in sorted(unmatched.items()):
        report.add(f"log entry {idx}", "row", f"logged as {kind}, but its row is missing")


def _check_registry(session: Session, seen: _Seen, report: VerifyReport) -> None:
    """Every registry statement and entity against the entries of the changes that made them
    (:mod:`gavah.registry.audit`)."""
    from gavah.registry import audit

    audit.check(session, seen.registry, report.add)


def _check_accounts(session: Session, seen: _Seen, report: VerifyReport) -> None:
    """Accounts, their roles and their state against the ``account.*`` entries
    (:mod:`gavah.accounts.audit`)."""
    from gavah.accounts import audit

    audit.check(session, seen.accounts, report.add)


def _check_verify(session: Session, seen: _Seen, report: VerifyReport) -> None:
    """Sources, grades, incidents, claims, links, assessments and reviews against the
    ``verify.*`` entries that wrote them (:mod:`gavah.verify.audit`)."""
    from gavah.verify import audit

    audit.check(session, seen.verify, report.add)


def _check_bundles(session: Session, seen: _Seen, report: VerifyReport) -> None:
    """Each sealed bundle's opening (gavah.bundles) against its ``bundle.opened`` entry: the
    bundle, its signer, the collection, who and when, and the items it ingested."""
    unmatched = dict(seen.bundles)
    for row, entry in _with_entries(session, models.BundleOpening):
        where = f"bundle {row.bundle_id[:16]} opened at {row.log_index}"
        collection = row.scope or None
        unmatched.pop(row.log_index, None)
        if entry is None or entry.get("kind") != "bundle.opened":
            report.add(
                where, "log_index", f"log entry {row.log_index} is not a bundle.opened event"
            )
            continue
        bundle = entry.get("bundle") or {}
        items = [{"id": i["id"], "sha256": i["sha256"]} for i in json.loads(row.items)]
        logged = [{"id": i.get("id"), "sha256": i.get("sha256")} for i in entry.get("items", [])]
        mine = {
            "id": row.bundle_id,
            "signer": row.signer,
            "collection": collection,
            "items": items,
            **_who(row.actor, row.at),
        }
        theirs = {
            "id": bundle.get("id"),
            "signer": bundle.get("signer"),
            "collection": entry.get("collection"),
            "items": logged,
            **_who_logged(entry),
        }
        _compare(where, mine, theirs, report)
    for idx, bundle_id in sorted(unmatched.items()):
        report.add(
            f"log entry {idx}", "row", f"bundle {bundle_id[:16]} opened, but its row is missing"
        )


def _check_redaction(
    session: Session, seen: _Seen, report: VerifyReport
) -> list[tuple[str, str, int, bytes]]:
    """Redactions and derivatives against their ``redaction.*`` entries
    (:mod:`gavah.publish.redact_audit`); the derivatives' blobs are checked with the evidence."""
    from gavah.publish import redact_audit

    return redact_audit.check(session, seen.redaction, report.add)


def _check_sanctions(session: Session, seen: _Seen, report: VerifyReport) -> None:
    """Sanctions snapshots (with a digest of their entries) and match judgements, each against
    the entry that recorded it."""
    from gavah.sanctions import store

    unmatched = dict(seen.sanctions)
    for snap, entry in _with_entries(session, models.SanctionsSnapshot):
        where = f"sanctions snapshot {snap.id} of {snap.list_name}"
        unmatched.pop(snap.log_index, None)
        if entry is None or entry.get("kind") != store.LIST_IMPORTED:
            report.add(where, "log_index", f"log entry {snap.log_index} is not an import event")
            continue
        _compare(where, store.snapshot_summary(snap), entry["snapshot"], report)
        _compare(where, _who(snap.actor, snap.imported_at), _who_logged(entry), report)
        rows = list(
            session.execute(
                select(models.SanctionsEntry).where(models.SanctionsEntry.snapshot_id == snap.id)
            ).scalars()
        )
        if store.entries_digest(rows) != entry["snapshot"]["entries_sha256"]:
            report.add(where, "entries", "entries differ from those logged at import")
    for j, entry in _with_entries(session, models.MatchJudgement):
        where = f"judgement {j.left} / {j.right} at {j.log_index}"
        unmatched.pop(j.log_index, None)
        if entry is None or entry.get("kind") != store.JUDGED:
            report.add(where, "log_index", f"log entry {j.log_index} is not a judgement event")
            continue
        judged = {"left": j.left, "right": j.right, "judgement": j.judgement, "note": j.note}
        _compare(where, judged, entry["judgement"], report)
        _compare(where, _who(j.actor, j.at), _who_logged(entry), report)
    for idx, kind in sorted(unmatched.items()):
        report.add(f"log entry {idx}", "row", f"logged as {kind}, but its row is missing")


def _who(actor: str, at: datetime) -> dict[str, Any]:
    return {"actor": actor, "at": isotime(at)}


def _who_logged(entry: dict[str, Any]) -> dict[str, Any]:
    return {"actor": entry.get("actor"), "at": entry.get("at")}


def _compare(where: str, row: dict[str, Any], logged: dict[str, Any], report: VerifyReport) -> None:
    for key in sorted(set(row) | set(logged)):
        if row.get(key) != logged.get(key):
            report.add(
                where,
                key,
                f"database has {json.dumps(row.get(key), ensure_ascii=False)}, "
                f"signed log entry has {json.dumps(logged.get(key), ensure_ascii=False)}",
            )


def _check_blobs(
    vault: Vault,
    evidence: list[tuple[str, str, int, bytes]],
    report: VerifyReport,
    progress: Progress | None,
) -> None:
    def check(item: tuple[str, str, int, bytes]) -> list[Problem]:
        ev_id, sha256, size, chunks = item
        where = f"blob {sha256} ({ev_id})"
        try:
            info = vault.store.check(sha256)
        except GavahError as exc:
            return [Problem(where, "bytes", exc.message)]
        if progress:
            progress(info.size)
        problems = []
        if info.size != size:
            problems.append(Problem(where, "size", f"{info.size} bytes stored, {size} recorded"))
        if info.sha256 != sha256:
            ranges = damaged_ranges(chunks, info.chunk_digests, max(size, info.size))
            spans = ", ".join(f"bytes {a}-{b - 1}" for a, b in ranges) or "unknown range"
            problems.append(
                Problem(where, "sha256", f"content differs from its SHA-256 address ({spans})")
            )
        return problems

    workers = vault.ws.settings.ingest_workers
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for found in pool.map(check, evidence):
            report.blobs_checked += 1
            report.problems.extend(found)
    report.bytes_checked = sum(size for _, _, size, _ in evidence)


def _note_orphans(
    vault: Vault, evidence: list[tuple[str, str, int, bytes]], report: VerifyReport
) -> None:
    known = {sha for _, sha, _, _ in evidence}
    orphans = sum(1 for address in vault.store.addresses() if address not in known)
    if orphans:
        report.warnings.append(
            f"{orphans} blob(s) in the store are not recorded in the log (left by an interrupted "
            "ingest; ingesting the same files again records them)"
        )
