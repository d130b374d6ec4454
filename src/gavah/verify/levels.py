"""Levels of many claims at once, from the rows: assessments, their reviews, the sources' current
grades and the declared relations between sources (read once, not per claim).

An assessment counts only when it is reviewed: a person other than its author agrees, and no
reviewer's latest decision on it is a disagreement (four eyes; a disagreement keeps it out until
that reviewer agrees after all). The rest are named in the explanation with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.db import models
from gavah.verify import rules as rules_
from gavah.verify.rules import Level, Rules, Stance, Weighed

_PAGE = 500
_A = models.VerifyAssessment
_R = models.VerifyReview

AWAITING = "awaiting review"
REVIEWED = "reviewed"
DISPUTED = "disputed"


@dataclass(frozen=True)
class Standing:
    """Where an assessment stands in review: each reviewer's latest decision and note."""

    status: str  # awaiting review | reviewed | disputed
    decisions: Mapping[str, tuple[str, str | None]]  # reviewer -> (decision, note)


class _Review(Protocol):
    actor: str
    decision: str
    note: str | None
    log_index: int


def standing(author: str, reviews: Iterable[_Review]) -> Standing:
    """The status of an assessment by ``author`` from its reviews (in any order)."""
    latest: dict[str, tuple[int, str, str | None]] = {}
    for r in reviews:
        if r.actor == author:
            continue  # refused when made; a row like it is reported by log verify
        if r.actor not in latest or latest[r.actor][0] < r.log_index:
            latest[r.actor] = (r.log_index, r.decision, r.note)
    decisions = {who: (d, note) for who, (_, d, note) in sorted(latest.items())}
    if any(d == "disagree" for d, _ in decisions.values()):
        return Standing(DISPUTED, decisions)
    if decisions:
        return Standing(REVIEWED, decisions)
    return Standing(AWAITING, decisions)


def source_groups(session: Session) -> dict[str, str]:
    """Every source's independent group (:func:`gavah.verify.rules.groups`)."""
    sources = session.execute(select(models.VerifySource.id)).scalars().all()
    related = session.execute(
        select(models.VerifySourceRelation.source_id, models.VerifySourceRelation.other_id)
    ).all()
    return rules_.groups(sources, [(a, b) for a, b in related])


def source_grades(session: Session) -> dict[str, str]:
    return dict(session.execute(select(models.VerifySource.id, models.VerifySource.grade)).all())


def claim_levels(
    session: Session, claim_ids: Sequence[str], rules: Rules | None = None
) -> dict[str, Level]:
    """The level of each claim, computed now under ``rules`` (the shipped ones by default).
    Rows are read as plain tuples, a page of claims at a time: this runs over every claim after
    a rule changes, and ORM objects would cost more than the rules."""
    rules = rules or rules_.load()
    group_of, grades = source_groups(session), source_grades(session)
    members = rules_.group_members(group_of)
    assessments: dict[str, list[Any]] = {c: [] for c in claim_ids}
    reviews: dict[str, list[Any]] = {}
    for start in range(0, len(claim_ids), _PAGE):
        chunk = claim_ids[start : start + _PAGE]
        found = session.execute(select(*ASSESSMENT_COLUMNS).where(_A.claim_id.in_(chunk))).all()
        for a in found:
            assessments[a.claim_id].append(a)
        ids = [a.id for a in found]
        for page in range(0, len(ids), _PAGE):
            query = select(*REVIEW_COLUMNS).where(_R.assessment_id.in_(ids[page : page + _PAGE]))
            for r in session.execute(query):
                reviews.setdefault(r.assessment_id, []).append(r)
    return {
        claim: _level(rules, assessments[claim], reviews, grades, group_of, members)
        for claim in claim_ids
    }


# What a level is made from (the publishing memo digests the same columns).
ASSESSMENT_COLUMNS = (
    _A.id,
    _A.claim_id,
    _A.source_id,
    _A.evidence_id,
    _A.stance,
    _A.credibility,
    _A.actor,
    _A.log_index,
)
REVIEW_COLUMNS = (_R.assessment_id, _R.actor, _R.decision, _R.note, _R.log_index)


def _level(
    rules: Rules,
    assessments: Sequence[Any],
    reviews: Mapping[str, Sequence[Any]],
    grades: Mapping[str, str],
    group_of: Mapping[str, str],
    members: Mapping[str, tuple[str, ...]],
) -> Level:
    weighed, not_counting = [], {}
    for a in sorted(assessments, key=lambda a: a.log_index):
        found = standing(a.actor, reviews.get(a.id, ()))
        if found.status == REVIEWED:
            stance: Stance = "supports" if a.stance == "supports" else "contradicts"
            weighed.append(
                Weighed(
                    a.id, a.source_id, a.evidence_id, stance, grades[a.source_id], a.credibility
                )
            )
        elif found.status == DISPUTED:
            who = ", ".join(w for w, (d, _) in found.decisions.items() if d == "disagree")
            not_counting[a.id] = f"disputed: {who} disagreed"
        else:
            not_counting[a.id] = f"{AWAITING} by a second person (author {a.actor})"
    return rules_.level(rules, weighed, group_of, not_counting, members)
