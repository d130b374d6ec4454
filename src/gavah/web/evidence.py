"""Evidence as one signed-in person may see it: every read checks the item's collections
against the person's grants, and every view, download, proof and export is a custody event.

An item the person may not see is reported as not found, never as forbidden, so that probing
ids reveals nothing. Both the pages and the JSON API go through this class.

Content addressing must not become an oracle: an item is one blob however many collections hold
it, but what a collection says about it (its acquisitions, notes, descriptions, its people's
views and exports, the date it came in) is seen only by those granted that collection. Someone
who uploads bytes another collection holds learns nothing of that collection: the item looks to
them as if it had come in with their upload. An entry that concerns the whole item (a
description by `gavah describe`, a view by `gavah show`) is seen only by those granted every
collection that holds it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gavah import search
from gavah.accounts import Can, Principal
from gavah.custody.entry import EventKind
from gavah.custody.log import isotime
from gavah.db import models
from gavah.errors import AccessDenied, InputError, NotFound
from gavah.similar.query import similar_to
from gavah.vault import Vault, acquisition_summary, event_summary
from gavah.vault import export as vault_export
from gavah.vault.bag import Bagged, export_bag
from gavah.workspace import Workspace

_CHUNK = 1 << 20
MAX_DESCRIPTION = 20_000
_T = TypeVar("_T")

# The items page's filter lists (collections with their counts, sources) read every search row
# the reader may see: some 150-200 ms of a request on 100,000 items. They change only when an
# acquisition is recorded (acquisitions are never changed or deleted), which adds a search row or
# changes a row's source; views, downloads and descriptions leave them alone. So each is kept
# under the version it was read at (the newest acquisition and search row, read by primary key,
# in the same snapshot), per workspace and per set of visible collections.
_FILTER_LISTS: dict[tuple[Any, ...], Any] = {}
_FILTER_LISTS_MAX = 256


def _filter_lists_version(session: Session) -> tuple[Any, ...]:
    head = models.LogHead
    newest_acquisition = select(func.max(models.Acquisition.log_index)).scalar_subquery()
    newest_row = select(func.max(models.SearchDoc.id)).scalar_subquery()
    row = session.execute(
        select(head.origin, newest_acquisition, newest_row).where(head.id == 1)
    ).one()
    return (str(session.get_bind().engine.url), *row)


_ACCESS = frozenset({EventKind.VIEW, EventKind.DOWNLOAD, EventKind.PROOF, EventKind.EXPORT})
_ACQUIRED = frozenset({EventKind.INGEST, EventKind.REINGEST})


def _event_collections(kind: str, detail: Any) -> frozenset[str] | None:
    """The collections a custody event of an item belongs to; None: the whole item."""
    if not isinstance(detail, dict):
        return None
    if kind in _ACQUIRED:
        return frozenset({detail.get("collection") or ""})
    if kind == EventKind.METADATA and isinstance(detail.get("collection"), str):
        return frozenset({detail["collection"]})
    if kind in _ACCESS and isinstance(detail.get("collections"), list):
        return frozenset(str(c) for c in detail["collections"])
    return None


@dataclass(frozen=True)
class Scope:
    """An item's collections, and those of them one reader may see."""

    held: frozenset[str]
    shown: frozenset[str]

    @property
    def whole(self) -> bool:
        """The reader sees every collection that holds the item."""
        return self.shown >= self.held

    def sees(self, kind: str, detail: Any) -> bool:
        """An event of the item's timeline the reader may see (shown redacted, see below)."""
        belongs = _event_collections(kind, detail)
        return self.whole if belongs is None else bool(belongs & self.shown)

    def keeps(self, entry: dict[str, Any]) -> bool:
        """A log entry a custody report for the reader may hold: whole, so only one that
        concerns nothing but collections the reader sees."""
        detail = entry.get("detail") or entry.get("changes") or entry.get("acquisition")
        belongs = _event_collections(str(entry.get("kind")), detail)
        return self.whole if belongs is None else bool(belongs) and belongs <= self.shown

    def redact(self, event: dict[str, Any]) -> dict[str, Any]:
        detail = event.get("detail")
        if not isinstance(detail, dict):
            return event
        if event["kind"] in _ACQUIRED:
            detail = {k: v for k, v in detail.items() if k != "path_b64"}
        elif isinstance(detail.get("collections"), list):  # a view through several collections
            detail = {**detail, "collections": sorted(set(detail["collections"]) & self.shown)}
        return {**event, "detail": detail}


@dataclass(frozen=True)
class Original:
    evidence_id: str
    sha256: str
    size: int
    mime: str
    filename: str
    metadata: dict[str, Any] = field(default_factory=dict)  # what intake read (codecs, ...)


class Evidence:
    def __init__(self, workspace: Workspace, principal: Principal) -> None:
        self.principal = principal
        self.vault = Vault(workspace, actor=principal.actor)
        self.db = workspace.db
        self.store = workspace.store

    # --- lists ---------------------------------------------------------------------------------
    def page(self, filters: search.Filters) -> search.Page:
        with self.db.read() as session:
            return search.find(session, filters)

    def visible(self) -> frozenset[str] | None:
        return self.principal.collections(Can.SEE)

    def collections(self) -> list[tuple[str, int]]:
        return list(self._filter_list("collections", search.collections))

    def sources(self) -> list[str]:
        return list(self._filter_list("sources", search.sources))

    def _filter_list(
        self, what: str, read: Callable[[Session, frozenset[str] | None], list[_T]]
    ) -> list[_T]:
        visible = self.visible()
        with self.db.read() as session:
            key = (what, visible, *_filter_lists_version(session))
            found: list[_T] | None = _FILTER_LISTS.get(key)
            if found is None:
                found = read(session, visible)
                if len(_FILTER_LISTS) >= _FILTER_LISTS_MAX:
                    _FILTER_LISTS.clear()
                _FILTER_LISTS[key] = found
            return found

    # --- one item ------------------------------------------------------------------------------
    def _collections_of(self, session: Session, evidence_id: str) -> set[str]:
        rows = session.execute(
            select(models.Acquisition.collection)
            .where(models.Acquisition.evidence_id == evidence_id)
            .distinct()
        ).scalars()
        return {c or "" for c in rows}

    def _require(self, session: Session, ref: str, can: Can) -> tuple[models.Evidence, Scope]:
        try:
            ev = self.vault.resolve(session, ref)
        except InputError:
            raise NotFound(f"no evidence item {ref!r}") from None
        collections = self._collections_of(session, ev.id)
        if not any(self.principal.can(Can.SEE, c) for c in collections):
            raise NotFound(f"no evidence item {ref!r}")  # not "forbidden": ids reveal nothing
        if not any(self.principal.can(can, c) for c in collections):
            raise AccessDenied(f"your role in this item's collections does not allow: {can}")
        shown = frozenset(c for c in collections if self.principal.can(Can.SEE, c))
        return ev, Scope(frozenset(collections), shown)

    def require(self, ref: str, can: Can) -> str:
        """The item's id if the person may do ``can`` with it (not found if they may not see
        it, forbidden if they may only see it)."""
        with self.db.read() as session:
            return self._require(session, ref, can)[0].id

    def allowed(self, ref: str) -> set[Can]:
        with self.db.read() as session:
            ev = self.vault.resolve(session, ref)
            collections = self._collections_of(session, ev.id)
        return {can for can in Can if any(self.principal.can(can, c) for c in collections)}

    def view(self, ref: str, via: str) -> dict[str, Any]:
        """Everything the person may see of an item; the view itself is logged first, so the
        timeline shown includes it."""
        with self.db.write() as session:
            ev, scope = self._require(session, ref, Can.SEE)
            self._log(session, ev, scope, EventKind.VIEW, via=via)
            return self._describe_item(session, ev, scope)

    def _log(
        self, session: Session, ev: models.Evidence, scope: Scope, kind: str, **detail: Any
    ) -> None:
        """An access, naming the collections it was made through (whose people may see it)."""
        self.vault.log_access(session, ev, kind, **detail, collections=sorted(scope.shown))

    def _acquisitions(
        self, session: Session, ev: models.Evidence, scope: Scope
    ) -> list[models.Acquisition]:
        """The item's acquisitions into collections the reader sees, oldest first."""
        rows = session.execute(
            select(models.Acquisition)
            .where(models.Acquisition.evidence_id == ev.id)
            .order_by(models.Acquisition.log_index)
        ).scalars()
        return [a for a in rows if (a.collection or "") in scope.shown]

    def _describe_item(self, session: Session, ev: models.Evidence, scope: Scope) -> dict[str, Any]:
        acquisitions = self._acquisitions(session, ev, scope)
        first = acquisitions[0]  # _require found a collection the reader sees
        custody = [
            scope.redact(e)
            for e in self.vault.timeline(session, ev.id)
            if scope.sees(e["kind"], e["detail"])
        ]
        said = [e["detail"] for e in custody if e["kind"] == EventKind.METADATA]
        checkpoint, _ = self.vault.log.latest_checkpoint(session)
        return {
            "id": ev.id,
            "sha256": ev.sha256,
            "size": ev.size,
            "mime": ev.mime,
            "description": said[-1]["description"] if said else None,
            "descriptions": {d["collection"]: d["description"] for d in said if "collection" in d},
            # When it came in, as far as the reader may know: into their collections.
            "created_at": ev.created_at if scope.whole else first.at,
            "log_index": ev.log_index if scope.whole else first.log_index,
            "metadata": json.loads(ev.meta),
            "collections": sorted(scope.shown),
            "acquisitions": [
                {"log_index": a.log_index, "actor": a.actor, "at": a.at, **acquisition_summary(a)}
                for a in acquisitions
            ],
            "custody": custody,
            "checkpoint_size": checkpoint.size,
            "can": sorted(
                c.value for c in Can if any(self.principal.can(c, x) for x in scope.shown)
            ),
            "can_describe": sorted(c for c in scope.shown if self.principal.can(Can.DESCRIBE, c)),
            "also_received_as": self._near_duplicates(session, ev, acquisitions),
        }

    def _near_duplicates(
        self, session: Session, ev: models.Evidence, acquisitions: list[models.Acquisition]
    ) -> list[dict[str, Any]]:
        """Copies of other items that are near-duplicates of this one, in collections the reader
        sees (gavah.similar); the earliest known copy is marked if it is not this item's."""
        copies = [
            {**copy.to_dict(), "distance": match.distance}
            for match in similar_to(session, ev.id, self.visible())
            for copy in match.copies
        ]
        own_first = min(isotime(a.at) for a in acquisitions)
        earliest = min(copies, key=lambda c: c["known_time"], default=None)
        for copy in copies:
            copy["earliest"] = copy is earliest and copy["known_time"] < own_first
        return copies

    def check_preview(self, ref: str) -> Original:
        """For previews: the person may see the item (the page view was logged already)."""
        with self.db.read() as session:
            ev, scope = self._require(session, ref, Can.SEE)
            return self._original(session, ev, scope)

    def download(self, ref: str, via: str) -> Original:
        """The original bytes are about to be handed out: logged first."""
        with self.db.write() as session:
            ev, scope = self._require(session, ref, Can.DOWNLOAD)
            self._log(session, ev, scope, EventKind.DOWNLOAD, via=via)
            return self._original(session, ev, scope)

    def _original(self, session: Session, ev: models.Evidence, scope: Scope) -> Original:
        """The bytes, under the name they first came into the reader's collections with."""
        name = self._acquisitions(session, ev, scope)[0].filename
        return Original(ev.id, ev.sha256, ev.size, ev.mime, name, json.loads(ev.meta or "{}"))

    def stream(self, original: Original) -> Iterator[bytes]:
        with self.store.open(original.sha256) as f:
            while block := f.read(_CHUNK):
                yield block

    def read_head(self, original: Original, size: int) -> bytes:
        with self.store.open(original.sha256) as f:
            return f.read(size)

    def read_all(self, original: Original) -> bytes:
        with self.store.open(original.sha256) as f:
            return f.read()

    def proof(self, ref: str, via: str) -> dict[str, Any]:
        """The inclusion proof of the item's first ingest into the reader's collections (its
        entry names that acquisition; another collection's would name theirs)."""
        with self.db.read() as session:
            ev, scope = self._require(session, ref, Can.DOWNLOAD)
            ingest = ev.log_index if scope.whole else self._first_ingest(session, ev, scope)
        shown = sorted(scope.shown)
        return vault_export.issue_proof(self.vault, ev.id, via=via, of=ingest, collections=shown)

    def _first_ingest(self, session: Session, ev: models.Evidence, scope: Scope) -> int:
        for acq in self._acquisitions(session, ev, scope):
            entry = session.get(models.CustodyEvent, acq.log_index)
            if entry is not None and entry.kind == EventKind.INGEST:
                return acq.log_index
        # Acquired into the reader's collections before each collection's first acquisition was
        # logged as its ingest: the only ingest entry names another collection.
        raise NotFound(
            "this item has no ingest entry in your collections to prove",
            hint="export its custody report instead: it proves every entry you may see",
        )

    def custody_report(self, ref: str, via: str) -> dict[str, Any]:
        with self.db.read() as session:
            ev, scope = self._require(session, ref, Can.EXPORT)
        return vault_export.custody_report(
            self.vault, ev.id, keep=scope.keeps, via=via, collections=sorted(scope.shown)
        )

    def bag(self, refs: Sequence[str], dest: Path, via: str) -> Bagged:
        """A court bag of items this person may export (vault.bag.export_bag): an item they may
        not see is not found; each report holds only the entries of collections they see."""

        def access(session: Session, ref: str) -> tuple[models.Evidence, Any, list[str]]:
            ev, scope = self._require(session, ref, Can.EXPORT)
            return ev, scope.keeps, sorted(scope.shown)

        return export_bag(self.vault, refs, dest, access=access, via=via)

    def describe(self, ref: str, text: str, collection: str | None = None) -> None:
        """Describe the item in one collection, or (none given) in every collection holding it
        where the person may describe: each collection's description is its own."""
        if len(text) > MAX_DESCRIPTION:
            raise InputError(f"the description is longer than {MAX_DESCRIPTION} characters")
        with self.db.read() as session:
            ev, scope = self._require(session, ref, Can.DESCRIBE)
        targets = sorted(c for c in scope.shown if self.principal.can(Can.DESCRIBE, c))
        if collection is not None:
            if collection not in targets:
                raise AccessDenied(f"you may not describe this item in collection {collection!r}")
            targets = [collection]
        self.vault.describe(ev.id, text, targets)


LEAVING = (EventKind.DOWNLOAD, EventKind.EXPORT, EventKind.PROOF)


def recent_exports(workspace: Workspace, limit: int = 200) -> list[dict[str, Any]]:
    """The newest custody events in which evidence left the workspace (downloads, custody
    reports, proofs), for the admin's audit page; read from the log itself."""
    with workspace.db.read() as session:
        rows = session.execute(
            select(models.CustodyEvent)
            .where(models.CustodyEvent.kind.in_(LEAVING))
            .order_by(models.CustodyEvent.idx.desc())
            .limit(limit)
        ).scalars()
        return [{**event_summary(row), "evidence_id": row.evidence_id} for row in rows]
