"""Evidence as one signed-in person may see it: every read checks the item's collections
against the person's grants, and every view, download, proof and export is a custody event.

An item the person may not see is reported as not found, never as forbidden, so that probing
ids reveals nothing. Both the pages and the JSON API go through this class.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gavah import search
from gavah.accounts import Can, Principal
from gavah.custody.entry import EventKind
from gavah.db import models
from gavah.errors import AccessDenied, InputError, NotFound
from gavah.vault import Vault, acquisition_summary, event_summary
from gavah.vault import export as vault_export
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


@dataclass(frozen=True)
class Original:
    evidence_id: str
    sha256: str
    size: int
    mime: str
    filename: str


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

    def _require(self, session: Session, ref: str, can: Can) -> tuple[models.Evidence, set[str]]:
        try:
            ev = self.vault.resolve(session, ref)
        except InputError:
            raise NotFound(f"no evidence item {ref!r}") from None
        collections = self._collections_of(session, ev.id)
        if not any(self.principal.can(Can.SEE, c) for c in collections):
            raise NotFound(f"no evidence item {ref!r}")  # not "forbidden": ids reveal nothing
        if not any(self.principal.can(can, c) for c in collections):
            raise AccessDenied(f"your role in this item's collections does not allow: {can}")
        return ev, collections

    def allowed(self, ref: str) -> set[Can]:
        with self.db.read() as session:
            ev = self.vault.resolve(session, ref)
            collections = self._collections_of(session, ev.id)
        return {can for can in Can if any(self.principal.can(can, c) for c in collections)}

    def view(self, ref: str, via: str) -> dict[str, Any]:
        """Everything the person may see of an item; the view itself is logged first, so the
        timeline shown includes it."""
        with self.db.write() as session:
            ev, collections = self._require(session, ref, Can.SEE)
            self.vault.log_access(session, ev, EventKind.VIEW, via=via)
            return self._describe_item(session, ev, collections)

    def _describe_item(
        self, session: Session, ev: models.Evidence, collections: set[str]
    ) -> dict[str, Any]:
        shown = {c for c in collections if self.principal.can(Can.SEE, c)}
        acquisitions = session.execute(
            select(models.Acquisition)
            .where(models.Acquisition.evidence_id == ev.id)
            .order_by(models.Acquisition.log_index)
        ).scalars()
        checkpoint, _ = self.vault.log.latest_checkpoint(session)
        return {
            "id": ev.id,
            "sha256": ev.sha256,
            "size": ev.size,
            "mime": ev.mime,
            "description": ev.description,
            "created_at": ev.created_at,
            "log_index": ev.log_index,
            "metadata": json.loads(ev.meta),
            "collections": sorted(shown),
            "acquisitions": [
                {"log_index": a.log_index, "actor": a.actor, "at": a.at, **acquisition_summary(a)}
                for a in acquisitions
                if (a.collection or "") in shown
            ],
            "custody": [self._redact(e, shown) for e in self.vault.timeline(session, ev.id)],
            "checkpoint_size": checkpoint.size,
            "can": sorted(c.value for c in Can if any(self.principal.can(c, x) for x in shown)),
        }

    @staticmethod
    def _redact(event: dict[str, Any], shown: set[str]) -> dict[str, Any]:
        """An acquisition into a collection the reader lacks: that it happened, not its details."""
        detail = event.get("detail")
        if isinstance(detail, dict) and "path_b64" in detail:
            if (detail.get("collection") or "") not in shown:
                return {**event, "detail": {"withheld": "another collection"}}
            detail = {k: v for k, v in detail.items() if k != "path_b64"}
            return {**event, "detail": detail}
        return event

    def check_preview(self, ref: str) -> Original:
        """For previews: the person may see the item (the page view was logged already)."""
        with self.db.read() as session:
            ev, _ = self._require(session, ref, Can.SEE)
            return self._original(session, ev)

    def download(self, ref: str, via: str) -> Original:
        """The original bytes are about to be handed out: logged first."""
        with self.db.write() as session:
            ev, _ = self._require(session, ref, Can.DOWNLOAD)
            self.vault.log_access(session, ev, EventKind.DOWNLOAD, via=via)
            return self._original(session, ev)

    def _original(self, session: Session, ev: models.Evidence) -> Original:
        first = session.get(models.Acquisition, ev.log_index)
        name = first.filename if first is not None else ev.id
        return Original(ev.id, ev.sha256, ev.size, ev.mime, name)

    def stream(self, original: Original) -> Iterator[bytes]:
        with self.store.open(original.sha256) as f:
            while block := f.read(_CHUNK):
                yield block

    def read_all(self, original: Original) -> bytes:
        with self.store.open(original.sha256) as f:
            return f.read()

    def proof(self, ref: str, via: str) -> dict[str, Any]:
        with self.db.read() as session:
            ev, _ = self._require(session, ref, Can.DOWNLOAD)
        return vault_export.issue_proof(self.vault, ev.id, via=via)

    def custody_report(self, ref: str, via: str) -> dict[str, Any]:
        with self.db.read() as session:
            ev, _ = self._require(session, ref, Can.EXPORT)
        return vault_export.custody_report(self.vault, ev.id, via=via)

    def describe(self, ref: str, text: str) -> None:
        if len(text) > MAX_DESCRIPTION:
            raise InputError(f"the description is longer than {MAX_DESCRIPTION} characters")
        with self.db.read() as session:
            ev, _ = self._require(session, ref, Can.DESCRIBE)
        self.vault.describe(ev.id, text)


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
