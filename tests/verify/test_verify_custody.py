"""Every verification change is a custody event that `log verify` replays against the rows, and
a row changed, added or deleted behind gavah's back is named. Also: need to know by collection.
Everything here is synthetic."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from verify_example import as_, build, review_all

from gavah.custody.entry import decode_entry
from gavah.db import models
from gavah.errors import AccessDenied, InputError, NotFound
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah.verify import store
from gavah.verify.access import Asker
from gavah.verify.store import Verification

Case = dict[str, Any]


@pytest.fixture
def case(vault: Vault, tmp_path: Path) -> Case:
    made = build(vault, tmp_path)
    review_all(vault, made["assessed"])
    as_(vault, "analyst-a").grade_source("channel-2", "E", "reposted a fake (synthetic)")
    return made


def test_every_change_is_one_event_carrying_its_row(vault: Vault, case: Case) -> None:
    with vault.db.read() as session:
        kinds = [
            e.kind
            for e in session.execute(select(models.CustodyEvent)).scalars()
            if e.kind.startswith("verify.")
        ]
        review = session.execute(select(models.VerifyReview).limit(1)).scalar_one()
        entry = decode_entry(
            bytes(session.get(models.CustodyEvent, review.log_index).entry)  # type: ignore[union-attr]
        )
    assert {k: kinds.count(k) for k in sorted(set(kinds))} == {
        store.ASSESSED: 5,
        store.CLAIM_ADDED: 1,
        store.CLAIM_LINKED: 1,
        store.INCIDENT_ADDED: 1,
        store.REVIEWED: 6,
        store.SOURCE_ADDED: 5,
        store.SOURCE_GRADED: 1,
        store.SOURCES_RELATED: 2,
    }
    assert entry["review"] == {
        "assessment": review.assessment_id,
        "decision": review.decision,
        "note": review.note,
    }
    assert entry["actor"] == review.actor
    assert verify_workspace(vault, check_blobs=False).problems == []


def _first(session: Session, model: Any) -> Any:
    return session.execute(select(model).limit(1)).scalar_one()


def _grade(session: Session, case: Case) -> None:
    session.execute(
        update(models.VerifySource).where(models.VerifySource.id == "channel-2").values(grade="B")
    )


def _credibility(session: Session, case: Case) -> None:
    aid = case["assessed"]["official"]
    session.execute(
        update(models.VerifyAssessment)
        .where(models.VerifyAssessment.id == aid)
        .values(credibility=1)
    )


def _review_deleted(session: Session, case: Case) -> None:
    review = _first(session, models.VerifyReview)
    session.execute(
        delete(models.VerifyReview).where(models.VerifyReview.log_index == review.log_index)
    )


def _self_review(session: Session, case: Case) -> None:
    review = _first(session, models.VerifyReview)
    session.add(
        models.VerifyReview(
            log_index=review.log_index + 10_000,
            assessment_id=case["assessed"]["witness-w12"],
            decision="agree",
            note=None,
            actor="analyst-a",
            at=review.at,
        )
    )


def _killed(session: Session, case: Case) -> None:
    session.execute(update(models.VerifyIncident).values(killed_max=30))


def _relation_deleted(session: Session, case: Case) -> None:
    session.execute(
        delete(models.VerifySourceRelation).where(
            models.VerifySourceRelation.source_id == "channel-2"
        )
    )


def _link_moved(session: Session, case: Case) -> None:
    session.execute(update(models.VerifyClaimLink).values(target="ev-0000000000000000"))


TAMPERING: list[tuple[Callable[[Session, Case], None], list[tuple[str, str]]]] = [
    (_grade, [("source channel-2", "grade")]),
    (_credibility, [("assessment {official}", "credibility")]),
    (_review_deleted, [("log entry {review}", "row")]),
    (
        _self_review,
        [
            ("review of {witness-w12} at {self}", "log_index"),
            ("review of {witness-w12} at {self}", "actor"),
        ],
    ),
    (_killed, [("incident karaj-square", "killed")]),
    (_relation_deleted, [("log entry {relation}", "row")]),
    (_link_moved, [("claim link karaj-occurred -> evidence ev-0000000000000000", "target")]),
]


@pytest.mark.parametrize(("tamper", "expected"), TAMPERING, ids=[t.__name__ for t, _ in TAMPERING])
def test_log_verify_names_each_tampered_row(
    vault: Vault,
    case: Case,
    tamper: Callable[[Session, Case], None],
    expected: list[tuple[str, str]],
) -> None:
    with vault.db.read() as session:
        review = _first(session, models.VerifyReview).log_index
        relation = session.execute(
            select(models.VerifySourceRelation.log_index).where(
                models.VerifySourceRelation.source_id == "channel-2"
            )
        ).scalar_one()
    names = {**case["assessed"], "review": review, "self": review + 10_000, "relation": relation}
    with vault.db.write() as session:
        tamper(session, case)
    found = [(p.where, p.field) for p in verify_workspace(vault, check_blobs=False).problems]
    assert found == [(w.format(**names), f) for w, f in expected]


def test_need_to_know_by_collection(vault: Vault, case: Case, tmp_path: Path) -> None:
    other = as_(vault, "analyst-a")
    other.add_source(
        "Elsewhere (synthetic)",
        "ngo",
        collection="other-case",
        grade="B",
        reason="r",
        source_id="elsewhere",
    )
    outsider = Verification(vault, Asker("web:outsider", frozenset({"other-case"}), frozenset()))
    assert [s["id"] for s in outsider.sources()] == ["elsewhere"]
    assert outsider.incidents() == [] and outsider.claims() == []
    for read in (
        lambda: outsider.claim(case["claim"]),
        lambda: outsider.incident(case["incident"]),
        lambda: outsider.source("witness-w12"),
        lambda: outsider.assessment(case["assessed"]["ngo-list"]),
        lambda: outsider.review(case["assessed"]["ngo-list"], "agree"),
    ):
        with pytest.raises(NotFound):
            read()
    with pytest.raises(InputError, match="different collections"):
        other.relate("elsewhere", "copies", "witness-w12")
    insider = Verification(vault, Asker("web:insider", frozenset({"karaj-1401"}), frozenset()))
    assert json.dumps(insider.claim(case["claim"]))  # sees it, but may not review there
    with pytest.raises(AccessDenied, match="may not review"):
        insider.review(case["assessed"]["ngo-list"], "agree")


def test_an_account_reviews_only_where_its_role_is_reviewer(vault: Vault, case: Case) -> None:
    from gavah.accounts.principal import Principal

    analyst = Principal(1, "maryam", False, "fa", {"karaj-1401": "analyst", "other": "reviewer"})
    reviewer = Principal(2, "sara", False, "fa", {"karaj-1401": "reviewer"})
    asker = Asker.of(analyst)
    assert asker.visible == frozenset({"karaj-1401", "other"})
    assert asker.reviews == frozenset({"other"})
    aid = case["assessed"]["ngo-list"]
    with pytest.raises(AccessDenied, match="may not review"):
        Verification(vault, asker).review(aid, "agree")
    done = Verification(vault, Asker.of(reviewer)).review(aid, "agree", "checked")
    assert done["review"]["decision"] == "agree"
    with vault.db.read() as session:
        row = session.get(models.VerifyReview, done["log_index"])
        assert row is not None and row.actor == "web:sara"


def test_evidence_of_another_collection_cannot_be_cited(vault: Vault, case: Case) -> None:
    outsider = Verification(vault, Asker("web:outsider", frozenset({"other-case"}), None))
    outsider.add_claim(
        "Unit U was present (synthetic)", "perpetrator", collection="other-case", claim_id="u"
    )
    with pytest.raises(NotFound):  # the video is in karaj-1401 only
        outsider.link_claim("u", "evidence", case["video"])
    as_(vault, "analyst-a").link_claim("u", "evidence", case["video"])  # the operator may
