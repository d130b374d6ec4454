"""The home page: what the workspace holds that the signed-in person may see, and what waits for
them (pairs of victim records to review, assessments to review, lists whose import was refused).

Every figure is counted as the person's own pages count it (the collections they were granted),
so the home page says nothing another page would not.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from gavah.accounts import Can, Principal
from gavah.casualties.people import People
from gavah.casualties.register import COLLECTION
from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.vault import Vault
from gavah.verify.access import Asker
from gavah.verify.store import Verification
from gavah.web.context import signed_in, state
from gavah.web.evidence import Evidence
from gavah.web.pages.render import render
from gavah.web.pages.victim_import import staged_lists

router = APIRouter(include_in_schema=False)
PAIRS_COUNTED = 100  # more than this many pairs to review is said as "more than 100"


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request, me: Principal = Depends(signed_in)) -> Response:
    ws = state(request).workspace
    vault = Vault(ws, actor=me.actor)
    verification = Verification(vault, Asker.of(me))
    collections = Evidence(ws, me).collections()
    holds: dict[str, Any] = {
        "items": sum(count for _, count in collections),
        "collections": len([name for name, _ in collections if name]),
        "incidents": len(verification.incidents()),
    }
    attention: dict[str, Any] = {"imports": [], "pairs": None, "claims": None}
    if me.can(Can.SEE, COLLECTION):
        holds.update(_register(vault))
    if me.can(Can.UPLOAD, COLLECTION):
        attention["imports"] = staged_lists(request, me)
    if me.can(Can.REVIEW, COLLECTION):
        attention["pairs"] = _pairs(vault)
    if me.can_anywhere(Can.REVIEW):
        attention["claims"] = len(verification.review_queue())
    return render(request, "home.html", holds=holds, attention=attention, most=PAIRS_COUNTED)


def _register(vault: Vault) -> dict[str, int]:
    with vault.db.read() as session:
        lists = session.execute(select(func.count()).select_from(models.VictimList)).scalar_one()
        records = session.execute(
            select(func.count()).select_from(models.VictimRecord)
        ).scalar_one()
    return {"lists": int(lists), "records": int(records)}


def _pairs(vault: Vault) -> int | None:
    """Pairs awaiting review (up to PAIRS_COUNTED + 1); None before any linkage run."""
    try:
        return len(People(vault).to_review(limit=PAIRS_COUNTED + 1))
    except (InputError, NotFound):
        return None
