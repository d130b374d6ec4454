"""The sanctions pages: the gap report with its filters, screening one name against the lists,
and the review of match candidates (same / different / unsure).

Need to know: the gap report and the candidates show the registry, so they are open to those
granted a role in its collection (:data:`gavah.registry.COLLECTION`), judging candidates to its
reviewers; a row's evidence shows only where the reader sees it. Screening one name searches the
sanctions lists alone, which every account may match against (as ``POST /match``); like that
API, it leaves an audit entry with the lists searched, never the name. Judgements go through
:meth:`gavah.sanctions.store.Judgements.judge`, as ``gavah sanctions decide`` does.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gavah.accounts import Can, Principal
from gavah.casualties import clusters
from gavah.errors import AccessDenied, InputError
from gavah.registry import COLLECTION
from gavah.registry.store import Registry
from gavah.sanctions import examples, gaps, match
from gavah.sanctions.store import Judgements, Sanctions
from gavah.vault import Vault
from gavah.verify.access import Asker
from gavah.verify.store import Verification
from gavah.web import screened
from gavah.web.api.match import _audit, _indexes  # the match API's stored indexes and audit
from gavah.web.context import signed_in, state
from gavah.web.pages.render import render

router = APIRouter(include_in_schema=False)
JUDGEMENTS = ("same", "different", "unsure")
SCHEMATA = ("Person", "Organization", "PublicBody", "Company", "LegalEntity")
SHOWN_RESULTS = 20


async def registry_reader(me: Principal = Depends(signed_in)) -> Principal:
    if not me.can(Can.SEE, COLLECTION):
        raise AccessDenied(
            "the registry and its gap report are open to those granted its collection",
            hint=f"an admin can grant you a role in collection {COLLECTION}",
        )
    return me


async def registry_reviewer(me: Principal = Depends(signed_in)) -> Principal:
    if not me.can(Can.REVIEW, COLLECTION):
        raise AccessDenied(
            "only the reviewer role in the registry's collection may judge match candidates",
            hint=f"an admin can grant you a role in collection {COLLECTION}",
        )
    return me


def _vault(request: Request, me: Principal) -> Vault:
    return Vault(state(request).workspace, actor=me.actor)


def gap_report(
    request: Request,
    me: Principal,
    *,
    jurisdictions: list[str] | None = None,
    regime: str | None = None,
    unit: str | None = None,
    confidence: float | None = None,
    grade: str | None = None,
) -> gaps.Report:
    """The gap report as ``gavah sanctions gaps`` builds it, over the lists' stored indexes,
    with each entity's allegations from the claims of the collections this person sees."""
    vault = _vault(request, me)
    store = Sanctions(vault)
    stored = _indexes(request, store)
    indexes = [
        gaps.ListIndex(lst["name"], lst["jurisdiction"] or "?", stored.of_list(lst["name"]))
        for lst in store.lists()
    ]
    if not indexes:
        raise InputError("no sanctions lists imported", hint="gavah sanctions import FILE ...")
    return gaps.build(
        list(Registry(vault).entities()),
        indexes,
        jurisdictions=jurisdictions,
        threshold=match.DEFAULT_THRESHOLD if confidence is None else confidence,
        judgements=Judgements(vault).standing(),
        unit=unit,
        regime=regime,
        allegations=Verification(vault, Asker.of(me)).allegations(),
        grade=grade,
    )


@router.get("/sanctions", response_class=HTMLResponse)
def gaps_page(
    request: Request,
    me: Principal = Depends(registry_reader),
    jurisdiction: str = "",
    regime: str = "",
    unit: str = "",
    confidence: str = "",
    grade: str = "",
) -> Response:
    """Who is documented but not designated where, filtered as ``gavah sanctions gaps``."""
    if regime and regime not in gaps.REGIMES:
        raise InputError(f"unknown regime {regime!r}", hint="one of " + ", ".join(gaps.REGIMES))
    if grade and grade not in gaps.GRADES:
        raise InputError(f"unknown grade {grade!r}", hint="one of " + ", ".join(gaps.GRADES))
    floor = _confidence(confidence)
    wanted = [j.strip().lower() for j in jurisdiction.split(",") if j.strip()] or None
    try:
        report = gap_report(
            request,
            me,
            jurisdictions=wanted,
            regime=regime or None,
            unit=unit.strip() or None,
            confidence=floor,
            grade=grade or None,
        )
    except InputError as exc:
        return render(
            request,
            "sanctions_gaps.html",
            report=None,
            problem=exc.message,
            asked=request.query_params,
            regimes=gaps.REGIMES,
            grades=gaps.GRADES,
            evidence={},
        )
    cited = [ev for row in report.rows for ev in row.evidence]
    evidence = Verification(_vault(request, me), Asker.of(me)).evidence_names(cited)
    return render(
        request,
        "sanctions_gaps.html",
        report=report,
        problem=None,
        asked=request.query_params,
        regimes=gaps.REGIMES,
        grades=gaps.GRADES,
        evidence=evidence,
    )


def _confidence(text: str) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"confidence {text!r} is not a number", hint="e.g. 0.5") from None
    if not 0.0 <= value <= 1.0:
        raise InputError("the confidence is a probability between 0 and 1")
    return value


@router.get("/sanctions/screen", response_class=HTMLResponse)
def screen_page(
    request: Request,
    me: Principal = Depends(signed_in),
    name: str = "",
    schema: str = "Person",
    birth: str = "",
) -> Response:
    """One name against every list: the closest entries, scored and explained."""
    if schema not in SCHEMATA:
        raise InputError("choose a kind of entity from the form")
    if not name.strip():
        return render(
            request,
            "sanctions_screen.html",
            found=None,
            asked=request.query_params,
            schemata=SCHEMATA,
        )
    props: dict[str, list[str]] = {"name": [name.strip()[:500]]}
    if birth.strip() and schema == "Person":
        props["birthDate"] = [birth.strip()[:40]]
    query = examples.query_record("screen", {"schema": schema, "properties": props})
    store = Sanctions(_vault(request, me))
    names = [lst["name"] for lst in store.lists()]
    if not names:
        raise InputError("no sanctions lists imported", hint="gavah sanctions import FILE ...")
    index = _indexes(request, store).of_lists(names)
    options = examples.Options(limit=SHOWN_RESULTS)
    total, found = examples.match_one(index, query, options)
    _audit(request, me, ("web-screen", ""), names, index, 1)
    return render(
        request,
        "sanctions_screen.html",
        found=found,
        total=total,
        asked=request.query_params,
        schemata=SCHEMATA,
        screened=screened,
    )


@router.get("/sanctions/review", response_class=HTMLResponse)
def review_page(request: Request, me: Principal = Depends(registry_reviewer)) -> Response:
    """The first match candidate nobody has judged: the registry entity and the list entry."""
    try:
        report = gap_report(request, me)
    except InputError as exc:
        return render(request, "sanctions_review.html", pair=None, waiting=0, why=exc.message)
    judged = set(Judgements(_vault(request, me)).standing())
    pending = [c for c in candidates(report) if clusters.pair(c["left"], c["right"]) not in judged]
    pair = pending[0] if pending else None
    return render(
        request,
        "sanctions_review.html",
        pair=pair,
        waiting=len(pending),
        why=None,
        screened=screened,
    )


def candidates(report: gaps.Report) -> list[dict[str, Any]]:
    """Every candidate (not yet a match, not judged different), the closest call first."""
    found = [
        {
            "row": row,
            "entry": d,
            "jurisdiction": j,
            "left": f"registry:{row.entity_id}",
            "right": f"list:{d.list_name}:{d.source_id}",
        }
        for row in report.rows
        for j, entries in row.designations.items()
        for d in entries
        if d.decision == "candidate"
    ]
    return sorted(found, key=lambda c: (abs(c["entry"].score - 0.5), c["left"], c["right"]))


@router.post("/sanctions/review")
def review_decide(
    request: Request,
    left: Annotated[str, Form(max_length=200)],
    right: Annotated[str, Form(max_length=200)],
    decision: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=20000)] = "",
    me: Principal = Depends(registry_reviewer),
) -> Response:
    """Record one judgement, as ``gavah sanctions decide`` does (a custody event)."""
    if decision not in JUDGEMENTS:
        raise InputError(f"unknown judgement {decision!r}", hint="same, different or unsure")
    Judgements(_vault(request, me)).judge(left, right, decision, note.strip() or None)
    return RedirectResponse("/sanctions/review?done=reviewed", status_code=303)
