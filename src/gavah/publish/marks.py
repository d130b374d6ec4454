"""Marks for publication: a reviewer says an incident may go out on the public site, or withdraws
that. Each is a custody event (``publish.marked``, ``publish.unmarked``); the marks are read back
from the log itself, the last event per incident standing, so there is no row that could disagree
with the log and nothing more for ``gavah log verify`` to compare.

Four eyes: the person who added an incident cannot mark it (as an assessment's author cannot
review it), and the marker must be allowed to review in the incident's collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.custody.log import Appender, isotime, utcnow
from gavah.db import models
from gavah.errors import AccessDenied, InputError, NotFound
from gavah.verify.store import Verification

MARKED = "publish.marked"
UNMARKED = "publish.unmarked"


@dataclass(frozen=True)
class Mark:
    """An incident's standing mark: who marked it, when, at which log index."""

    incident: str
    actor: str
    at: str
    log_index: int
    note: str | None


def mark(verification: Verification, incident_id: str, note: str | None = None) -> dict[str, Any]:
    """Mark an incident for publication (refused to its own author)."""
    return _change(verification, incident_id, MARKED, note)


def unmark(verification: Verification, incident_id: str, note: str) -> dict[str, Any]:
    """Withdraw an incident's mark: the next build leaves it out (a note says why)."""
    if not note or not note.strip():
        raise InputError("withdrawing a mark needs a --note saying why", hint='--note "..."')
    return _change(verification, incident_id, UNMARKED, note)


def _change(
    verification: Verification, incident_id: str, kind: str, note: str | None
) -> dict[str, Any]:
    asker = verification.asker
    with verification.db.write() as session:
        appender = Appender(session)  # first: it locks the log head
        row = session.get(models.VerifyIncident, incident_id)
        if row is None or not asker.sees(row.collection):
            raise NotFound(f"no incident {incident_id!r}", hint="gavah incidents list shows them")
        asker.require_review(row.collection)
        if row.actor == asker.actor:
            raise AccessDenied(
                f"{asker.actor} added incident {row.id} and cannot mark it for publication",
                hint="another person marks it (four eyes); in the CLI the person is GAVAH_ACTOR",
            )
        standing = marks(session).get(row.id)
        if (kind == MARKED) == (standing is not None):
            state = "already marked" if standing else "not marked"
            raise InputError(f"incident {row.id} is {state} for publication")
        at = utcnow()
        block = {"id": row.id, "collection": row.collection, "note": note}
        index = appender.append(kind, None, at, {"actor": asker.actor, "incident": block}).index
        verification.vault.finish(session, appender)
    return {
        "incident": block["id"],
        "marked": kind == MARKED,
        "log_index": index,
        "at": isotime(at),
    }


def marks(session: Session) -> dict[str, Mark]:
    """The standing marks, read from the log: the last mark or withdrawal of each incident."""
    E = models.CustodyEvent
    rows = session.execute(
        select(E.idx, E.entry).where(E.kind.in_((MARKED, UNMARKED))).order_by(E.idx)
    )
    found: dict[str, Mark] = {}
    for idx, entry in rows:
        event = orjson.loads(bytes(entry))  # orjson: a site may have tens of thousands
        block = event["incident"]
        if event["kind"] == MARKED:
            found[block["id"]] = Mark(block["id"], event["actor"], event["at"], idx, block["note"])
        else:
            found.pop(block["id"], None)
    return found
