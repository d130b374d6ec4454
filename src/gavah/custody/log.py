"""The custody log in the database: appends that never fork, signed checkpoints, proofs.

Appending happens inside a write transaction that first locks the single ``log_head`` row
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the ``BEGIN IMMEDIATE`` write lock does the
same), so two processes appending at once are serialised and each sees the other's leaves: the
log cannot fork. Complete tree nodes are stored as they form, so proofs need O(log n) reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, union_all, update
from sqlalchemy.orm import Session

from gavah.custody import merkle
from gavah.custody.entry import encode_entry
from gavah.custody.note import Checkpoint, Signer, Verifier
from gavah.db import models
from gavah.errors import ConfigError, IntegrityError, NotFound

_BATCH = 5000
_TABLES = models.Base.metadata.tables


def utcnow() -> datetime:
    return datetime.now(UTC)


def isotime(at: datetime) -> str:
    """The one timestamp form used in log entries: UTC, microseconds, 'Z'.

    SQLite hands back naive datetimes; gavah only ever stores UTC, so naive means UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Appended:
    index: int
    entry: bytes


class Appender:
    """Appends entries to the log within one write transaction; call :meth:`flush` before commit."""

    def __init__(self, session: Session) -> None:
        self.session = session
        head = session.execute(
            select(models.LogHead).where(models.LogHead.id == 1).with_for_update()
        ).scalar_one_or_none()
        if head is None:
            raise ConfigError("the custody log is not initialised", hint="run `gavah init`")
        self.head = head
        self.size = head.size
        # The right edge of the tree: (level, hash) of the perfect subtrees, largest first.
        self.frontier = _load_frontier(session, head.size)
        self._events: list[dict[str, Any]] = []
        self._nodes: list[dict[str, Any]] = []

    def append(
        self, kind: str, evidence_id: str | None, at: datetime, event: dict[str, Any]
    ) -> Appended:
        entry = encode_entry({"kind": kind, "at": isotime(at), **event})
        index = self.size
        self._events.append(
            {"idx": index, "kind": kind, "evidence_id": evidence_id, "at": at, "entry": entry}
        )
        self._add_leaf(index, merkle.leaf_hash(entry))
        self.size += 1
        if len(self._events) >= _BATCH:
            self._write()
        return Appended(index, entry)

    def _add_leaf(self, index: int, leaf: bytes) -> None:
        self._nodes.append({"level": 0, "idx": index, "hash": leaf})
        self.frontier.append((0, leaf))
        count = index + 1
        while len(self.frontier) >= 2 and self.frontier[-1][0] == self.frontier[-2][0]:
            level, right = self.frontier.pop()
            _, left = self.frontier.pop()
            parent = merkle.node_hash(left, right)
            self.frontier.append((level + 1, parent))
            self._nodes.append(
                {"level": level + 1, "idx": (count >> (level + 1)) - 1, "hash": parent}
            )

    def _write(self) -> None:
        # Core executemany on the tables: the ORM's bulk path costs several times more per row.
        conn = self.session.connection()
        if self._events:
            conn.execute(insert(_TABLES["custody_event"]), self._events)
            self._events = []
        if self._nodes:
            conn.execute(insert(_TABLES["log_node"]), self._nodes)
            self._nodes = []

    def flush(self) -> None:
        self._write()
        self.session.execute(
            update(models.LogHead).where(models.LogHead.id == 1).values(size=self.size)
        )

    def root(self) -> bytes:
        """Root of the tree as appended so far (from the frontier, no reads)."""
        if not self.frontier:
            return merkle.EMPTY_ROOT
        acc = self.frontier[-1][1]
        for _, h in reversed(self.frontier[:-1]):
            acc = merkle.node_hash(h, acc)
        return acc


def _frontier_coords(size: int) -> list[tuple[int, int]]:
    coords = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            coords.append((level, start >> level))
            start += 1 << level
    return coords


def _load_frontier(session: Session, size: int) -> list[tuple[int, bytes]]:
    coords = _frontier_coords(size)
    nodes = fetch_nodes(session, coords)
    return [(level, nodes[(level, idx)]) for level, idx in coords]


def fetch_nodes(
    session: Session, coords: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """Read stored nodes in one query, a part per level (every write reads the frontier, a node
    per level, and a query per level cost more than the rest of a view's custody entry; a row
    value ``IN`` would make SQLite scan the table); a missing one means the log is damaged."""
    wanted = set(coords)
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, idx in wanted:
        by_level[level].append(idx)
    node = models.LogNode
    parts = [
        select(node.level, node.idx, node.hash).where(node.level == level, node.idx.in_(idxs))
        for level, idxs in sorted(by_level.items())
    ]
    found: dict[tuple[int, int], bytes] = {}
    if parts:
        rows = session.execute(parts[0] if len(parts) == 1 else union_all(*parts))
        found = {(level, i): h for level, i, h in rows}
    missing = wanted - found.keys()
    if missing:
        raise IntegrityError(f"log nodes missing from the database: {sorted(missing)[:5]}")
    return found


def with_stored_nodes(session: Session, compute: Any) -> Any:
    """Run ``compute(node)`` twice: once to learn which nodes it reads, then with them fetched
    in a few queries (instead of one query per node)."""
    wanted: set[tuple[int, int]] = set()

    def record(level: int, idx: int) -> bytes:
        wanted.add((level, idx))
        return b"\0" * merkle.HASH_SIZE

    compute(record)
    nodes = fetch_nodes(session, wanted)
    return compute(lambda level, idx: nodes[(level, idx)])


class CustodyLog:
    """The workspace's log: origin, signer, and operations over a session."""

    def __init__(self, origin: str, signer: Signer | None, verifier: Verifier) -> None:
        self.origin = origin
        self.signer = signer
        self.verifier = verifier

    def size(self, session: Session) -> int:
        return int(
            session.execute(select(models.LogHead.size).where(models.LogHead.id == 1)).scalar_one()
        )

    def root(self, session: Session, size: int) -> bytes:
        return bytes(with_stored_nodes(session, lambda node: merkle.root_hash(size, node)))

    def sign_checkpoint(self, session: Session, size: int, root: bytes) -> str:
        """Sign and store the checkpoint for ``size`` (reusing one already issued)."""
        existing = session.get(models.Checkpoint, size)
        if existing is not None:
            return existing.note
        if self.signer is None:
            raise ConfigError(
                "no signing key: cannot issue a checkpoint", hint="check GAVAH_SIGNING_KEY"
            )
        note = self.signer.sign(Checkpoint(self.origin, size, root).to_text())
        session.add(models.Checkpoint(size=size, note=note, created_at=utcnow()))
        return note

    def latest_checkpoint(self, session: Session) -> tuple[Checkpoint, str]:
        note = session.execute(
            select(models.Checkpoint.note).order_by(models.Checkpoint.size.desc()).limit(1)
        ).scalar_one_or_none()
        if note is None:
            raise IntegrityError("the log has no signed checkpoint")
        return Checkpoint.from_note(note, self.verifier, self.origin), note

    def checkpoint_note(self, session: Session, size: int) -> str:
        row = session.get(models.Checkpoint, size)
        if row is None:
            raise NotFound(
                f"no checkpoint of tree size {size} was issued by this log",
                hint="use a size printed by `gavah log checkpoint` at the time",
            )
        return row.note

    def entry(self, session: Session, index: int) -> bytes:
        row = session.get(models.CustodyEvent, index)
        if row is None:
            raise IntegrityError(f"log entry {index} is missing")
        return bytes(row.entry)

    def inclusion_path(self, session: Session, index: int, size: int) -> list[bytes]:
        return list(
            with_stored_nodes(session, lambda node: merkle.inclusion_path(index, size, node))
        )

    def consistency_path(self, session: Session, old: int, new: int) -> list[bytes]:
        return list(
            with_stored_nodes(session, lambda node: merkle.consistency_path(old, new, node))
        )
