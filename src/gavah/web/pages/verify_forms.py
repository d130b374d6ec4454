"""Verification from the browser: sources, incidents, claims, links and assessments added and
sources graded and related, as ``gavah sources|incidents|claims|assess`` do.

Every form goes through :class:`gavah.verify.store.Verification` as the signed-in person
(``web:NAME``), so each change is the same ``verify.*`` custody event the command line writes
and the same checks refuse the same input. Writing needs the DESCRIBE right (analyst, reviewer,
admin) in the collection the change lands in; what one may not see is "not found", as on the
read pages. Reviewing stays in the review queue (pages/verify.py), four eyes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gavah.accounts import Can, Principal
from gavah.errors import AccessDenied, InputError
from gavah.verify import model
from gavah.verify.store import Verification
from gavah.web.context import signed_in
from gavah.web.pages.render import render
from gavah.web.pages.verify import verification_for, writable

router = APIRouter()

Text = Annotated[str, Form(max_length=model.MAX_TEXT)]
Short = Annotated[str, Form(max_length=200)]


def _may_write(me: Principal, collection: str) -> None:
    if not me.can(Can.DESCRIBE, collection):
        raise AccessDenied(
            "your role may not add to the verification of this collection",
            hint="the analyst and reviewer roles may; an admin can grant one",
        )


def _or_none(text: str) -> str | None:
    return text.strip() or None


# --- sources -------------------------------------------------------------------------------------


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, me: Principal = Depends(signed_in)) -> Response:
    """The sources of the collections one may see, with their grades and independence."""
    return render(
        request,
        "sources.html",
        sources=verification_for(request, me).sources(),
        writable=writable(request, me),
        kinds=model.SOURCE_KINDS,
    )


@router.post("/sources")
def add_source(
    request: Request,
    name: Text,
    kind: Short,
    collection: Short,
    grade: Short,
    reason: Text,
    note: Text = "",
    me: Principal = Depends(signed_in),
) -> Response:
    _may_write(me, collection)
    made = verification_for(request, me).add_source(
        name, kind, collection=collection, grade=grade, reason=reason, note=_or_none(note)
    )
    return RedirectResponse(f"/sources/{made['source']['id']}", status_code=303)


@router.get("/sources/{ref}", response_class=HTMLResponse)
def source_page(request: Request, ref: str, me: Principal = Depends(signed_in)) -> Response:
    """One source: its grades with their reasons, its declared relations and its group."""
    verification = verification_for(request, me)
    found = verification.source(ref)
    others = [s for s in verification.sources() if s["collection"] == found["collection"]]
    return render(
        request,
        "source.html",
        source=found,
        others=[s for s in others if s["id"] != found["id"]],
        names={s["id"]: s["name"] for s in others},
        may_write=me.can(Can.DESCRIBE, found["collection"]),
        relations=model.RELATIONS,
    )


@router.post("/sources/{ref}/grade")
def grade_source(
    request: Request,
    ref: str,
    grade: Short,
    reason: Text,
    me: Principal = Depends(signed_in),
) -> Response:
    verification = verification_for(request, me)
    found = verification.source(ref)  # not found outside one's collections
    _may_write(me, found["collection"])
    verification.grade_source(found["id"], grade, reason)
    return RedirectResponse(f"/sources/{found['id']}", status_code=303)


@router.post("/sources/{ref}/relations")
def relate_sources(
    request: Request,
    ref: str,
    relation: Short,
    other: Short,
    note: Text = "",
    me: Principal = Depends(signed_in),
) -> Response:
    verification = verification_for(request, me)
    found = verification.source(ref)
    _may_write(me, found["collection"])
    verification.relate(found["id"], relation, other, _or_none(note))
    return RedirectResponse(f"/sources/{found['id']}", status_code=303)


# --- incidents, claims, links, assessments --------------------------------------------------------


@router.post("/incidents")
def add_incident(
    request: Request,
    title: Text,
    kind: Short,
    collection: Short,
    place: Text = "",
    date: Short = "",
    killed: Short = "",
    injured: Short = "",
    description: Text = "",
    me: Principal = Depends(signed_in),
) -> Response:
    _may_write(me, collection)
    made = verification_for(request, me).add_incident(
        title,
        kind,
        collection=collection,
        place=_or_none(place),
        date=_or_none(date),
        killed=model.figures_written(killed, "killed"),
        injured=model.figures_written(injured, "injured"),
        description=_or_none(description),
    )
    return RedirectResponse(f"/incidents/{made['incident']['id']}", status_code=303)


@router.post("/incidents/{ref}/claims")
def add_claim(
    request: Request,
    ref: str,
    statement: Text,
    kind: Short,
    me: Principal = Depends(signed_in),
) -> Response:
    verification = verification_for(request, me)
    incident = verification.incident(ref)  # not found outside one's collections
    _may_write(me, incident["collection"])
    made = verification.add_claim(statement, kind, incident_id=incident["id"])
    return RedirectResponse(f"/claims/{made['claim']['id']}", status_code=303)


def _claim_to_change(verification: Verification, me: Principal, ref: str) -> str:
    claim, _ = verification.claims_read([ref])[0]
    _may_write(me, claim["collection"])
    return str(claim["id"])


@router.post("/claims/{ref}/links")
def link_claim(
    request: Request,
    ref: str,
    kind: Short,
    target: Short,
    me: Principal = Depends(signed_in),
) -> Response:
    verification = verification_for(request, me)
    claim_id = _claim_to_change(verification, me, ref)
    verification.link_claim(claim_id, kind, target)
    return RedirectResponse(f"/claims/{claim_id}", status_code=303)


@router.post("/claims/{ref}/assessments")
def assess(
    request: Request,
    ref: str,
    source: Short,
    stance: Short,
    credibility: Short,
    evidence: Short = "",
    source_analysis: Text = "",
    technical_analysis: Text = "",
    content_analysis: Text = "",
    me: Principal = Depends(signed_in),
) -> Response:
    verification = verification_for(request, me)
    claim_id = _claim_to_change(verification, me, ref)
    try:
        level = int(credibility)
    except ValueError:
        raise InputError(f"credibility {credibility!r} is not 1 to 6") from None
    made = verification.assess(
        claim_id,
        source,
        stance=stance,
        credibility=level,
        evidence=_or_none(evidence),
        source_analysis=_or_none(source_analysis),
        technical_analysis=_or_none(technical_analysis),
        content_analysis=_or_none(content_analysis),
    )
    return RedirectResponse(f"/claims/{claim_id}#{made['assessment']['id']}", status_code=303)
