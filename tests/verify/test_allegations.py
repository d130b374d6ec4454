"""Allegations in the registry take their confidence from the claims behind them (issue 15), and
the sanctions gap report can keep only the entities whose allegations reach a grade.

On the worked example of docs/verification.md (synthetic), a synthetic unit is tied to the
incident's reviewed claim (graded fair there), a synthetic commander to a claim one source
supports (weak once reviewed), and a third person to nothing. Everything here is synthetic."""

from __future__ import annotations

from pathlib import Path

import pytest
from followthemoney import model
from verify_example import CASE, as_, build, review_all

from gavah.errors import InputError
from gavah.registry.store import Registry
from gavah.sanctions import gaps, match
from gavah.vault import Vault
from gavah.verify.access import Asker
from gavah.verify.store import Verification


@pytest.fixture
def alleged(vault: Vault, tmp_path: Path) -> dict[str, str]:
    case = build(vault, tmp_path)
    review_all(vault, case["assessed"])
    registry = Registry(vault)
    unit = registry.add("PublicBody", {"name": ["Special Unit 7 (synthetic)"]}, source=None)["id"]
    commander = registry.add("Person", {"name": ["Dariush Kavandi (synthetic)"]}, source=None)
    bystander = registry.add("Person", {"name": ["Nima Rostami (synthetic)"]}, source=None)
    a = as_(vault, "analyst-a")
    a.link_claim(case["claim"], "entity", unit)
    ordered = a.add_claim(
        "The commander ordered the firing (synthetic)",
        "perpetrator",
        incident_id=case["incident"],
        claim_id="karaj-ordered",
    )["claim"]["id"]
    a.link_claim(ordered, "entity", commander["id"])
    one = a.assess(ordered, "witness-w12", stance="supports", credibility=3)["assessment"]["id"]
    as_(vault, "reviewer-b").review(one, "agree", "heard it on the video")
    return {
        "unit": unit,
        "commander": commander["id"],
        "bystander": bystander["id"],
        "occurred": case["claim"],
        "ordered": ordered,
    }


def test_each_allegation_carries_the_claims_computed_level(
    vault: Vault, alleged: dict[str, str]
) -> None:
    verification = Verification(vault)
    found = verification.allegations()
    assert set(found) == {alleged["unit"], alleged["commander"]}  # the bystander: no claim
    (unit,) = found[alleged["unit"]]
    level = verification.level(alleged["occurred"])
    assert (unit["claim"], unit["airwars"], unit["proof"]) == (
        alleged["occurred"],
        level.airwars,
        level.proof,
    )
    assert unit["airwars"] == "fair"  # as docs/verification.md's worked example says
    (commander,) = found[alleged["commander"]]
    assert commander["airwars"] == verification.level(alleged["ordered"]).airwars == "weak"
    assert commander["incident"] == "karaj-square"
    only = verification.allegations([alleged["commander"], "no-such-entity"])
    assert set(only) == {alleged["commander"]}


def test_the_strongest_claim_comes_first(vault: Vault, alleged: dict[str, str]) -> None:
    as_(vault, "analyst-a").link_claim(alleged["ordered"], "entity", alleged["unit"])
    found = Verification(vault).allegations([alleged["unit"]])[alleged["unit"]]
    assert [a["airwars"] for a in found] == ["fair", "weak"]


def test_an_unreviewed_claim_gives_no_grade_until_a_second_person_agrees(
    vault: Vault, alleged: dict[str, str]
) -> None:
    a = as_(vault, "analyst-a")
    extra = a.add_claim(
        "A second man was present (synthetic)", "perpetrator", collection=CASE, claim_id="k-2"
    )
    a.link_claim(extra["claim"]["id"], "entity", alleged["bystander"])
    a.assess("k-2", "ngo-list", stance="supports", credibility=2)
    (found,) = Verification(vault).allegations([alleged["bystander"]])[alleged["bystander"]]
    assert found["airwars"] == "ungraded"


def test_no_allegation_is_shown_from_a_collection_the_asker_may_not_see(
    vault: Vault, alleged: dict[str, str]
) -> None:
    outsider = Verification(vault, Asker("web:outsider", frozenset({"other-case"}), None))
    assert outsider.allegations() == {}
    insider = Verification(vault, Asker("web:insider", frozenset({CASE}), None))
    assert set(insider.allegations()) == {alleged["unit"], alleged["commander"]}


def _lists() -> list[gaps.ListIndex]:
    """One synthetic list that designates the commander only."""
    listed = model.make_entity("Person")
    listed.id = "x-1"
    listed.add("name", "Dariush Kavandi (synthetic)")
    record = match.readable(listed, "list:synthetic:1", "synthetic", "1", programs=["HR"])
    assert record is not None
    return [gaps.ListIndex("synthetic", "eu", match.Index([record]))]


def test_the_gap_report_keeps_only_entities_with_an_allegation_at_the_grade(
    vault: Vault, alleged: dict[str, str]
) -> None:
    entities = list(Registry(vault).entities())
    allegations = Verification(vault).allegations()

    def kept(grade: str | None) -> set[str]:
        report = gaps.build(entities, _lists(), allegations=allegations, grade=grade)
        assert report.to_dict()["grade"] == grade
        return {r.entity_id for r in report.rows}

    everyone = {alleged["unit"], alleged["commander"], alleged["bystander"]}
    assert kept(None) == everyone
    assert kept("weak") == {alleged["unit"], alleged["commander"]}
    assert kept("fair") == {alleged["unit"]}
    assert kept("confirmed") == set()
    with pytest.raises(InputError):
        kept("contested")  # not a floor: a contested allegation never passes one

    report = gaps.build(entities, _lists(), allegations=allegations)
    rows = {r.entity_id: r for r in report.rows}
    assert rows[alleged["unit"]].grade == "fair"
    assert rows[alleged["bystander"]].grade is None
    assert "karaj-occurred (fair; reasonable grounds to believe)" in gaps.to_csv(report)
    assert "karaj-occurred (fair; reasonable grounds to believe)" in gaps.to_html(report)
    row = next(e for e in report.to_dict()["entities"] if e["entity"] == alleged["unit"])
    assert row["allegations"][0]["claim"] == "karaj-occurred"


def test_a_contested_allegation_never_passes_a_grade(vault: Vault, alleged: dict[str, str]) -> None:
    a = as_(vault, "analyst-a")
    b = as_(vault, "reviewer-b")
    for source in ("ngo-list", "official"):
        made = a.assess("karaj-ordered", source, stance="contradicts", credibility=2)
        b.review(made["assessment"]["id"], "agree", "checked")
    level = Verification(vault).level("karaj-ordered")
    assert level.airwars in ("contested", "discounted")
    entities = list(Registry(vault).entities())
    report = gaps.build(
        entities, _lists(), allegations=Verification(vault).allegations(), grade="weak"
    )
    assert alleged["commander"] not in {r.entity_id for r in report.rows}
