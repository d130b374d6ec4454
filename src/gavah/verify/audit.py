"""How ``gavah log verify`` checks verification against the custody log.

Every row was written with one ``verify.*`` entry carrying its summary
(:mod:`gavah.verify.model`), so each row is compared with the entry at its ``log_index``, field
by field, with the actor and time; a logged change whose row is missing is reported, and so is a
row at a log index that did not log it. Two things are replayed rather than compared: a source's
current grade must be the last grade logged for it, and no review may be its assessment's
author's (four eyes).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.db import models
from gavah.verify import model, store

Report = Callable[[str, str, str], None]  # (where, field, message), as VerifyReport.add
_PAGE = 5000


@dataclass(frozen=True)
class _Table:
    model: Any
    block: str  # the entry's key holding the row's summary
    kinds: tuple[str, ...]  # the entry kinds that write such a row
    summary: Callable[[Any], dict[str, Any]]
    at: str  # the row's time column
    name: Callable[[Any], str]  # how a problem names the row


TABLES = (
    _Table(
        models.VerifySource,
        "source",
        (store.SOURCE_ADDED,),
        model.source_summary,
        "created_at",
        lambda r: f"source {r.id}",
    ),
    _Table(
        models.VerifySourceGrade,
        "grade",
        (store.SOURCE_ADDED, store.SOURCE_GRADED),
        model.grade_summary,
        "at",
        lambda r: f"grade of source {r.source_id} at {r.log_index}",
    ),
    _Table(
        models.VerifySourceRelation,
        "relation",
        (store.SOURCES_RELATED,),
        model.relation_summary,
        "at",
        lambda r: f"relation {r.source_id} -> {r.other_id}",
    ),
    _Table(
        models.VerifyIncident,
        "incident",
        (store.INCIDENT_ADDED,),
        model.incident_summary,
        "created_at",
        lambda r: f"incident {r.id}",
    ),
    _Table(
        models.VerifyClaim,
        "claim",
        (store.CLAIM_ADDED,),
        model.claim_summary,
        "created_at",
        lambda r: f"claim {r.id}",
    ),
    _Table(
        models.VerifyClaimLink,
        "link",
        (store.CLAIM_LINKED,),
        model.link_summary,
        "at",
        lambda r: f"claim link {r.claim_id} -> {r.kind} {r.target}",
    ),
    _Table(
        models.VerifyAssessment,
        "assessment",
        (store.ASSESSED,),
        model.assessment_summary,
        "at",
        lambda r: f"assessment {r.id}",
    ),
    _Table(
        models.VerifyReview,
        "review",
        (store.REVIEWED,),
        model.review_summary,
        "at",
        lambda r: f"review of {r.assessment_id} at {r.log_index}",
    ),
)


def check(session: Session, events: Mapping[int, Mapping[str, Any]], report: Report) -> None:
    """Check every verification row against ``events`` (log index -> the decoded ``verify.*``
    entry) and report each difference."""
    expected = {
        (idx, table.block)
        for idx, entry in events.items()
        for table in TABLES
        if entry.get("kind") in table.kinds
    }
    for table in TABLES:
        for row in _rows(session, table.model):
            expected.discard((row.log_index, table.block))
            _check_row(table, row, events.get(row.log_index), report)
    for idx, block in sorted(expected):
        kind = events[idx].get("kind")
        report(f"log entry {idx}", "row", f"logged as {kind} ({block}), but its row is missing")
    _check_grades(session, events, report)
    _check_four_eyes(session, report)


def _rows(session: Session, table: Any) -> Iterator[Any]:
    """Every row of ``table`` in key order, a page at a time."""
    offset = 0
    while True:
        page = (
            session.execute(
                select(table)
                .order_by(*table.__table__.primary_key.columns)
                .offset(offset)
                .limit(_PAGE)
            )
            .scalars()
            .all()
        )
        if not page:
            return
        yield from page
        offset += len(page)
        session.expunge_all()


def _check_row(table: _Table, row: Any, entry: Mapping[str, Any] | None, report: Report) -> None:
    where = table.name(row)
    if entry is None or entry.get("kind") not in table.kinds:
        report(where, "log_index", f"log entry {row.log_index} did not record it")
        return
    stored = {**table.summary(row), **model.who(row.actor, getattr(row, table.at))}
    logged = {**(entry.get(table.block) or {}), "actor": entry.get("actor"), "at": entry.get("at")}
    for key in sorted(set(stored) | set(logged)):
        if stored.get(key) != logged.get(key):
            report(
                where,
                key,
                f"database has {json.dumps(stored.get(key), ensure_ascii=False)}, "
                f"signed log entry has {json.dumps(logged.get(key), ensure_ascii=False)}",
            )


def _check_grades(
    session: Session, events: Mapping[int, Mapping[str, Any]], report: Report
) -> None:
    """A source's current grade is the last one logged for it."""
    last: dict[str, str] = {}
    for idx in sorted(events):
        grade = events[idx].get("grade")
        if isinstance(grade, Mapping):
            last[str(grade.get("source"))] = str(grade.get("grade"))
    rows = session.execute(select(models.VerifySource.id, models.VerifySource.grade)).all()
    for source_id, grade in rows:
        if source_id in last and grade != last[source_id]:
            report(
                f"source {source_id}",
                "grade",
                f"database has {grade!r}, the last logged grade is {last[source_id]!r}",
            )


def _check_four_eyes(session: Session, report: Report) -> None:
    A, R = models.VerifyAssessment, models.VerifyReview
    own = session.execute(
        select(R.log_index, R.assessment_id)
        .join(A, A.id == R.assessment_id)
        .where(A.actor == R.actor)
    ).all()
    for idx, assessment_id in own:
        report(
            f"review of {assessment_id} at {idx}",
            "actor",
            "the assessment's author reviewed it: four eyes were not kept",
        )
