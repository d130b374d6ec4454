"""The victim register's pages: its records with filters and search in both scripts, one record,
the linkage review queue, and the estimate with its charts, guard rails and methods side by side.

Need to know: the register is not split into collections (a list's records are linked with every
other list's), so the whole of it is opened to those granted a role in the collection its files
are kept in (:data:`gavah.casualties.register.COLLECTION`): seeing it (any role) to read the
records and the estimate, reviewing (the reviewer role) to decide pairs. A record's links to
evidence and incidents show only where the reader sees their collection. Decisions go through
:meth:`gavah.casualties.people.People.decide`, as ``gavah victims review`` does, so each is the
same custody event (``victims.linkage-decided``), named after the web account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Select, func, or_, select

from gavah.accounts import Can, Principal
from gavah.casualties import linkage
from gavah.casualties.mse import guards
from gavah.casualties.people import People
from gavah.casualties.register import COLLECTION, Register
from gavah.db import models
from gavah.errors import AccessDenied, InputError, NotFound
from gavah.text.dates import parse_date
from gavah.text.names import name_key
from gavah.vault import Vault
from gavah.verify.access import Asker
from gavah.verify.store import Verification
from gavah.web import explained, rails
from gavah.web.context import signed_in, state
from gavah.web.pages.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
DECISIONS = ("same", "different", "unsure")
SHOWN_FIELDS = ("name", "name_fa", "age", "gender", "date", "place")


def _grant_hint() -> str:
    return f"an admin can grant you a role in collection {COLLECTION}"


async def register_reader(me: Principal = Depends(signed_in)) -> Principal:
    """Signed in, with a role in the register's collection (an admin has every one)."""
    if not me.can(Can.SEE, COLLECTION):
        raise AccessDenied(
            "the victim register is open to those granted its collection", hint=_grant_hint()
        )
    return me


async def linkage_reviewer(me: Principal = Depends(signed_in)) -> Principal:
    if not me.can(Can.REVIEW, COLLECTION):
        raise AccessDenied(
            "only the reviewer role in the register's collection may decide pairs",
            hint=_grant_hint(),
        )
    return me


def vault_for(request: Request, me: Principal) -> Vault:
    return Vault(state(request).workspace, actor=me.actor)


# --- the register ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordFilters:
    """What the register page is asked for; every value as typed (the page shows them back)."""

    list: str = ""
    province: str = ""
    date_from: str = ""
    date_to: str = ""
    age_from: str = ""
    age_to: str = ""
    status: str = ""
    q: str = ""
    page: int = 1

    def where(self, query: Select[Any]) -> Select[Any]:
        R = models.VictimRecord
        if self.list:
            query = query.where(R.list_id == self.list)
        if self.province:
            like = f"%{self.province.strip()}%"
            query = query.where(or_(R.province.ilike(like), R.place.ilike(like)))
        if self.status:
            query = query.where(R.status.ilike(f"%{self.status.strip()}%"))
        if self.date_from:
            query = query.where(R.date >= _iso(self.date_from, "from"))
        if self.date_to:
            query = query.where(R.date <= _iso(self.date_to, "to"))
        if self.age_from:
            query = query.where(R.age_max >= _age(self.age_from))
        if self.age_to:
            query = query.where(R.age_min <= _age(self.age_to))
        return query


def _iso(text: str, which: str) -> str:
    try:
        return parse_date(text.strip()).iso
    except InputError as exc:
        raise InputError(
            f"date {which}: {exc.message}", hint="e.g. 2022-09-20 or 1401/06/29"
        ) from None


def _age(text: str) -> int:
    digits = text.strip().translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    if not digits.isdigit() or int(digits) > 150:
        raise InputError(f"age {text!r} is not a number of years", hint="e.g. 18")
    return int(digits)


def _matches(rec: models.VictimRecord, wanted: list[str]) -> bool:
    """Every token asked for begins a token of one of the record's names, compared by consonant
    skeleton, so that Latin finds Persian and Persian finds Latin (Mohammad, محمد)."""
    have = {
        token
        for text in (rec.name, rec.name_fa, rec.given_name, rec.family_name)
        if text
        for token in name_key(text).tokens
    }
    return all(any(h.startswith(w) for h in have) for w in wanted)


def find_records(vault: Vault, filters: RecordFilters) -> tuple[list[models.VictimRecord], int]:
    """A page of records (in list and row order) and how many match in all."""
    R = models.VictimRecord
    query = filters.where(select(R)).order_by(R.list_id, R.row)
    start = (filters.page - 1) * PAGE_SIZE
    with vault.db.read() as session:
        if not filters.q.strip():
            total = session.execute(filters.where(select(func.count()).select_from(R))).scalar_one()
            return list(session.execute(query.offset(start).limit(PAGE_SIZE)).scalars()), total
        wanted = list(name_key(filters.q).tokens)
        if not wanted:
            raise InputError("the search holds no letters of a name", hint="e.g. Mohammad, محمد")
        found = [r for r in session.execute(query).scalars() if _matches(r, wanted)]
        return found[start : start + PAGE_SIZE], len(found)


def _list_names(vault: Vault) -> list[str]:
    with vault.db.read() as session:
        return list(
            session.execute(select(models.VictimList.id).order_by(models.VictimList.id)).scalars()
        )


@router.get("/victims", response_class=HTMLResponse)
def register_page(
    request: Request,
    me: Principal = Depends(register_reader),
    list: str = "",  # noqa: A002 - the filter's name in the URL
    province: str = "",
    date_from: str = "",
    date_to: str = "",
    age_from: str = "",
    age_to: str = "",
    status: str = "",
    q: str = "",
    page: int = 1,
) -> Response:
    """The records of every list, filtered by list, province, date, age and status, and
    searched by name in either script."""
    filters = RecordFilters(
        list, province, date_from, date_to, age_from, age_to, status, q[:200], max(page, 1)
    )
    vault = vault_for(request, me)
    records, total = find_records(vault, filters)
    return render(
        request,
        "victims.html",
        records=records,
        total=total,
        filters=filters,
        lists=_list_names(vault),
        page_size=PAGE_SIZE,
        counted=_counted(vault),
        looks_alike_from=guards.LOOKS_ALIKE_FROM,
    )


def _counted(vault: Vault) -> dict[str, Any] | None:
    """The distinct people at the default threshold, as ``gavah victims register`` counts them,
    with the pairs awaiting review; None before the latest linkage run covers every list."""
    try:
        _, about = People(vault).people()
    except (InputError, NotFound):
        return None
    return about


@router.get("/victims/records/{ref}", response_class=HTMLResponse)
def record_page(request: Request, ref: str, me: Principal = Depends(register_reader)) -> Response:
    """One record: its fields, the row as published, and the links the reader may see."""
    vault = vault_for(request, me)
    record = Register(vault).show(ref)
    verification = Verification(vault, Asker.of(me))
    cited = [link["target"] for link in record["links"] if link["kind"] == "evidence"]
    evidence = verification.evidence_names(cited)
    incidents = {i["id"]: i for i in verification.incidents()}
    links = [
        link
        for link in record["links"]
        if (link["kind"] == "evidence" and link["target"] in evidence)
        or (link["kind"] == "incident" and link["target"] in incidents)
    ]
    return render(
        request,
        "victim.html",
        record=record,
        links=links,
        evidence=evidence,
        incidents=incidents,
        decisions=_decisions_about(vault, record["id"]),
    )


def _decisions_about(vault: Vault, record_id: str) -> list[dict[str, Any]]:
    return [d for d in People(vault).decision_history() if record_id in (d["left"], d["right"])]


# --- the linkage review queue ---------------------------------------------------------------


@router.get("/victims/review", response_class=HTMLResponse)
def review_page(request: Request, me: Principal = Depends(linkage_reviewer)) -> Response:
    """The most uncertain pair nobody has decided, side by side with what the model compared;
    the next ones are counted."""
    people = People(vault_for(request, me))
    try:
        pending = people.to_review(limit=51)
    except (InputError, NotFound) as exc:  # no linkage run yet
        return render(request, "linkage_review.html", pair=None, waiting=0, why=exc.message)
    pair = pending[0] if pending else None
    return render(
        request,
        "linkage_review.html",
        pair=pair,
        waiting=len(pending),
        why=None,
        fields=SHOWN_FIELDS,
        levels=_levels(pair),
        explained=explained,
    )


def _levels(pair: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Each comparison the model made and the level it found, in the model's order."""
    if pair is None:
        return []
    return [(str(k), str(v)) for k, v in pair["explanation"].items()]


@router.post("/victims/review")
def review_decide(
    request: Request,
    left: Annotated[str, Form(max_length=100)],
    right: Annotated[str, Form(max_length=100)],
    decision: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=20000)] = "",
    me: Principal = Depends(linkage_reviewer),
) -> Response:
    """Record one decision as ``gavah victims review`` does: a ``victims.linkage-decided`` event."""
    if decision not in DECISIONS:
        raise InputError(f"unknown decision {decision!r}", hint="same, different or unsure")
    People(vault_for(request, me)).decide(left, right, decision, note.strip() or None)
    return RedirectResponse("/victims/review?done=reviewed", status_code=303)


# --- the estimate ---------------------------------------------------------------------------

METHODS = ("loglinear", "lcmcr", "dga")
STRATA = ("", "province", "month", "year", "gender", "age_group")


@router.get("/victims/estimate", response_class=HTMLResponse)
def estimate_page(
    request: Request,
    me: Principal = Depends(register_reader),
    method: str = "loglinear",
    stratify: str = "",
    threshold: float = linkage.DEFAULT_THRESHOLD,
    compare: bool = False,
    run: bool = False,
) -> Response:
    """The estimate from the register (as ``gavah estimate`` makes it): asked for with the
    form, since the methods side by side take a while on a large register."""
    if method not in METHODS or stratify not in STRATA or not 0.0 <= threshold <= 1.0:
        raise InputError("choose a method, a stratum and a threshold from the form")
    asked = {"method": method, "stratify": stratify, "threshold": threshold, "compare": compare}
    if not run:
        return render(
            request,
            "estimate.html",
            result=None,
            asked=asked,
            methods=METHODS,
            strata=STRATA,
            charts=[],
            problem=None,
        )
    from gavah.casualties.estimate import from_register
    from gavah.casualties.mse import report

    people = People(vault_for(request, me))
    try:
        result = from_register(
            people, method, [stratify] if stratify else [], threshold, side_by_side=compare
        )
        charts = report.charts(result)
    except (InputError, NotFound) as exc:
        return render(
            request,
            "estimate.html",
            result=None,
            asked=asked,
            methods=METHODS,
            strata=STRATA,
            charts=[],
            problem=exc.message,
        )
    return render(
        request,
        "estimate.html",
        result=result,
        asked=asked,
        methods=METHODS,
        strata=STRATA,
        charts=charts,
        problem=None,
        rail_said=rails.said,
    )
