"""Verification pages: incidents with their grades, an incident with its claims explained, a
claim with its assessments, the review queue (four eyes) and civilian harm.

Every read and the review go through :class:`gavah.verify.store.Verification` as the signed-in
person (``Asker.of``): what lies in a collection they were not granted is "not found", and a
review is the same custody event (``verify.reviewed``) the command line writes. Explanations are
shown from the rules' data (:class:`gavah.verify.rules.Level`), not their English sentences, so
that a Persian page says them in Persian.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gavah.accounts import Can, Principal
from gavah.errors import AccessDenied, InputError
from gavah.vault import Vault
from gavah.verify import report
from gavah.verify.access import Asker
from gavah.verify.store import Verification
from gavah.web.context import signed_in, state
from gavah.web.pages.render import render

router = APIRouter(include_in_schema=False)


def verification_for(request: Request, me: Principal) -> Verification:
    return Verification(Vault(state(request).workspace, actor=me.actor), Asker.of(me))


def not_a_reviewer() -> AccessDenied:
    return AccessDenied(
        "only the reviewer role may review assessments",
        hint="an admin can grant you the reviewer role in a collection",
    )


async def reviewer(me: Principal = Depends(signed_in)) -> Principal:
    """Signed in, with the reviewer role in some collection (an admin has it in every one)."""
    if not me.can_anywhere(Can.REVIEW):
        raise not_a_reviewer()
    return me


def writable(request: Request, me: Principal) -> list[str]:
    """The collections where this person may add sources, incidents and claims (the DESCRIBE
    right; for an admin: every collection that holds evidence or sources)."""
    allowed = me.collections(Can.DESCRIBE)
    if allowed is not None:
        return sorted(allowed)
    from gavah.web.evidence import Evidence

    held = {name for name, _ in Evidence(state(request).workspace, me).collections() if name}
    held |= {s["collection"] for s in verification_for(request, me).sources()}
    return sorted(held)


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, me: Principal = Depends(signed_in)) -> Response:
    """The incidents of the collections one may see, with their grades, in date order; and
    the form that adds one, for those who may."""
    return render(
        request,
        "incidents.html",
        incidents=verification_for(request, me).incidents(),
        writable=writable(request, me),
    )


@router.get("/incidents/{ref}", response_class=HTMLResponse)
def incident_page(request: Request, ref: str, me: Principal = Depends(signed_in)) -> Response:
    verification = verification_for(request, me)
    incident = verification.incident(ref)
    every = {s["id"]: s for s in verification.sources()}
    claims = claim_views(verification, [c["id"] for c in incident["claims"]], every)
    cited = {a["source"] for c in claims for a in c["assessments"]}
    sources = [s for s in every.values() if s["id"] in cited]
    reviewers = sorted({r["actor"] for c in claims for a in c["assessments"] for r in a["reviews"]})
    return render(
        request,
        "incident.html",
        incident=incident,
        claims=claims,
        sources=sources,
        reviewers=reviewers,
        history=verification.history(incident["id"]),
        may_write=me.can(Can.DESCRIBE, incident["collection"]),
    )


@router.get("/claims/{ref}", response_class=HTMLResponse)
def claim_page(request: Request, ref: str, me: Principal = Depends(signed_in)) -> Response:
    verification = verification_for(request, me)
    (claim,) = claim_views(verification, [ref])
    incident = verification.incident(claim["incident"]) if claim["incident"] else None
    may_write = me.can(Can.DESCRIBE, claim["collection"])
    sources = claim["sources"].values() if may_write else ()
    return render(
        request,
        "claim.html",
        claim=claim,
        incident=incident,
        may_write=may_write,
        own_sources=[s for s in sources if s["collection"] == claim["collection"]],
    )


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, me: Principal = Depends(reviewer)) -> Response:
    """Assessments awaiting a second person in the collections one reviews, never one's own."""
    verification = verification_for(request, me)
    queue = verification.review_queue()
    wanted = sorted({a["claim"] for a in queue})
    claims = {c["id"]: {**c, "level": lvl.explain()} for c, lvl in verification.claims_read(wanted)}
    names = verification.evidence_names(a["evidence"] for a in queue if a["evidence"])
    return render(
        request,
        "review.html",
        queue=queue,
        claims=claims,
        sources={s["id"]: s for s in verification.sources()},
        evidence=names,
    )


@router.post("/review/{assessment_id}")
def review_decide(
    request: Request,
    assessment_id: str,
    decision: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=20000)] = "",
    me: Principal = Depends(reviewer),
) -> Response:
    """Agree or disagree: through the store, so the decision is a ``verify.reviewed`` event."""
    verification = verification_for(request, me)
    found = verification.assessment(assessment_id)  # not found outside one's collections
    if found["actor"] == me.actor:
        raise AccessDenied(
            "you made this assessment: another person must review it (four eyes)",
            hint="ask a colleague with the reviewer role",
        )
    if not me.can(Can.REVIEW, found["collection"]):
        raise not_a_reviewer()
    if decision == "disagree" and not note.strip():
        raise InputError("say why you disagree", hint="write a note, then press Disagree")
    verification.review(found["id"], decision, note or None)
    return RedirectResponse("/review?done=reviewed", status_code=303)


@router.get("/harm", response_class=HTMLResponse)
def harm_page(
    request: Request,
    me: Principal = Depends(signed_in),
    by: str = "month",
    calendar: str = "solar_hijri",
) -> Response:
    """Killed and injured per period and province, from fair and confirmed incidents only."""
    if by not in ("month", "year") or calendar not in ("gregorian", "solar_hijri"):
        raise InputError("choose month or year, and gregorian or solar_hijri")
    period, written = cast("report.Period", by), cast("report.CalendarName", calendar)
    found = report.harm(verification_for(request, me), period, written)
    return render(request, "harm.html", harm=found, by=by, calendar=calendar)


# --- what the templates show ---------------------------------------------------------------------


def claim_views(
    verification: Verification,
    claim_ids: Sequence[str],
    sources: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Claims, each with its assessments (each with its source, evidence and review standing)
    and its level as data: the rule that fired, the voices that counted, what did not and why,
    and what would raise it. Read together: one transaction and one computation of levels for
    a page's claims, one look-up of the evidence they cite."""
    read = verification.claims_read(claim_ids)
    if sources is None:
        sources = {s["id"]: s for s in verification.sources()}
    cited = []
    for claim, level in read:
        cited += [a["evidence"] for a in claim["assessments"] if a["evidence"]]
        cited += [link["target"] for link in claim["links"] if link["kind"] == "evidence"]
        cited += [v.counted.evidence for v in level.voices if v.counted.evidence]
    names = verification.evidence_names(cited)
    views = []
    for claim, level in read:
        by_id = {a["id"]: a for a in claim["assessments"]}
        mine = {a["evidence"] for a in claim["assessments"]} | {
            link["target"] for link in claim["links"]
        }
        mine |= {v.counted.evidence for v in level.voices}
        views.append(
            {
                **claim,
                "explained": level,
                "sources": sources,
                "evidence": {k: v for k, v in names.items() if k in mine},
                "not_counted": [(aid, why_not(by_id[aid])) for aid in sorted(level.not_counting)],
                "decisions": {a["id"]: latest_decisions(a) for a in claim["assessments"]},
            }
        )
    return views


def latest_decisions(assessment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each reviewer's latest decision on an assessment (earlier ones stay in the list)."""
    found: dict[str, dict[str, Any]] = {}
    for r in assessment["reviews"]:  # in log order: the last one stands
        if r["actor"] != assessment["actor"]:
            found[r["actor"]] = r
    return found


def why_not(assessment: dict[str, Any]) -> dict[str, Any]:
    """Why an assessment does not count, as a reason and its values (the template words it)."""
    if assessment["status"] == "awaiting review":
        return {"reason": "awaiting", "author": assessment["actor"]}
    if assessment["status"] == "disputed":
        against = [
            who for who, r in latest_decisions(assessment).items() if r["decision"] == "disagree"
        ]
        return {"reason": "disputed", "reviewers": against}
    return {
        "reason": "nothing",
        "source": assessment["source"],
        "credibility": assessment["credibility"],
    }
