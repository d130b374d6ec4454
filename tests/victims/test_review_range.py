"""The register's count beside the pairs awaiting review: how many there are, and the people if
each were one person. Every name here is synthetic (gavah.casualties.synthetic)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gavah.casualties import clusters, synthetic
from gavah.casualties.mse.guards import LOOKS_ALIKE_FROM
from gavah.casualties.people import People, review_range
from gavah.casualties.register import ListInfo, Register, parse_mapping
from gavah.vault import Vault

MAPPING = parse_mapping(
    [
        "id=record_id,name=name,name_fa=name_fa,age=age,age_group=age_group",
        "gender=gender,date=date,province=place",
    ]
)
THRESHOLD = 0.9


@pytest.fixture
def people(vault: Vault, tmp_path: Path) -> People:
    """Three synthetic lists of 80 people, imported and linked."""
    population = synthetic.people(80, seed=7)
    register = Register(vault)
    for j, records in enumerate(synthetic.lists(population, [0.6, 0.5, 0.4], seed=8)):
        path = tmp_path / f"list-{j}.csv"
        synthetic.write_csv(records, path)
        register.import_list(path, ListInfo(synthetic.list_prefix(j)), MAPPING)
    found = People(vault)
    found.run_linkage(None, seed=1)
    return found


def _apart_in_band(people: People) -> list[tuple[str, str]]:
    """Pairs scored from LOOKS_ALIKE_FROM to under the threshold, undecided, that the people at
    the threshold keep apart: counted here from the review queue and the people themselves."""
    found, _ = people.people(threshold=THRESHOLD)
    person = {r.id: p.id for p in found for r in p.records}
    queue = people.to_review(lower=LOOKS_ALIKE_FROM, upper=THRESHOLD, limit=1_000_000)
    return [
        (q["left"]["id"], q["right"]["id"])
        for q in queue
        if q["probability"] < THRESHOLD and person[q["left"]["id"]] != person[q["right"]["id"]]
    ]


def _about(people: People, threshold: float = THRESHOLD) -> dict[str, Any]:
    return people.people(threshold=threshold)[1]


def test_pairs_awaiting_review_and_the_people_if_each_were_one(people: People) -> None:
    found, about = people.people(threshold=THRESHOLD)
    waiting = _apart_in_band(people)
    assert waiting, "noisy synthetic lists leave pairs between 0.5 and 0.9"
    assert about["people"] == len(found)
    assert about["pairs_awaiting_review"] == len(waiting)
    assert about["pairs_awaiting_review"] == people.checks(None, threshold=THRESHOLD)[1]
    # Without a decision, joining every pair awaiting review is the register at 0.5.
    assert about["people_if_review_joins"] == _about(people, LOOKS_ALIKE_FROM)["people"]
    assert about["people_if_review_joins"] < about["people"]


def test_a_different_decision_takes_the_pair_off_the_count_awaiting_review(
    people: People,
) -> None:
    before = _about(people)
    left, right = _apart_in_band(people)[0]
    people.decide(left, right, "different", note="synthetic test")
    after = _about(people)
    assert after["pairs_awaiting_review"] == before["pairs_awaiting_review"] - 1
    assert after["people"] == before["people"]
    assert before["people_if_review_joins"] <= after["people_if_review_joins"] <= after["people"]
    # Every pair decided: nothing awaits review and the two counts are one.
    for left, right in _apart_in_band(people):
        people.decide(left, right, "different")
    settled = _about(people)
    assert settled["pairs_awaiting_review"] == 0
    assert settled["people_if_review_joins"] == settled["people"] == before["people"]


def _range(
    scored: list[tuple[str, str, float]], decisions: dict[clusters.Pair, str]
) -> tuple[int, int, int]:
    lists = {x: x.split(":")[0] for a, b, _ in scored for x in (a, b)}
    groups = clusters.cluster(lists.keys(), scored, decisions, THRESHOLD, lists)
    span = review_range(scored, decisions, groups, THRESHOLD, lists)
    return len(groups.groups()), span.pairs, span.people_if_joined


def test_the_range_closes_when_no_pair_is_in_the_band() -> None:
    scored = [("A:2", "B:2", 0.97), ("A:3", "B:3", 0.2), ("A:4", "B:4", 0.92)]
    assert _range(scored, {}) == (4, 0, 4)
    scored += [("A:3", "B:4", 0.6)]  # looks alike: one person fewer if it is one
    assert _range(scored, {}) == (4, 1, 3)
    # A pair a reviewer was unsure of awaits no review, so it is not joined either.
    assert _range(scored, {("A:3", "B:4"): clusters.UNSURE}) == (4, 0, 4)
    assert _range(scored, {("A:3", "B:4"): clusters.DIFFERENT}) == (4, 0, 4)
