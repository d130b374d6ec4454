"""Record linkage on synthetic lists with known truth, reviewers' decisions, and estimates built
from the register. Every name here is synthetic (gavah.casualties.synthetic)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from gavah.casualties import synthetic
from gavah.casualties.mse.patterns import CaptureHistories
from gavah.casualties.mse.run import estimate_strata
from gavah.casualties.people import People
from gavah.casualties.register import ListInfo, Register, parse_mapping
from gavah.db import models
from gavah.errors import InputError
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace

MAPPING = parse_mapping(
    [
        "id=record_id,name=name,name_fa=name_fa,age=age,age_group=age_group",
        "gender=gender,date=date,province=place",
    ]
)
POPULATION = 900


def _import(
    vault: Vault, tmp_path: Path, capture: list[float], seed: int = 7
) -> list[list[dict[str, str]]]:
    population = synthetic.people(POPULATION, seed=seed)
    lists = synthetic.lists(population, capture, seed=seed + 1)
    register = Register(vault)
    for j, records in enumerate(lists):
        path = tmp_path / f"list-{j}.csv"
        synthetic.write_csv(records, path)
        register.import_list(path, ListInfo(synthetic.list_prefix(j)), MAPPING)
    return lists


def _truth(vault: Vault, lists: list[list[dict[str, str]]]) -> set[frozenset[str]]:
    with vault.db.read() as session:
        by_ref = {
            (r.list_id, r.source_ref): r.id
            for r in session.execute(select(models.VictimRecord)).scalars()
        }
    by_record = {
        rec["record_id"]: by_ref[(synthetic.list_prefix(j), rec["record_id"])]
        for j, records in enumerate(lists)
        for rec in records
    }
    return {frozenset(by_record[x] for x in pair) for pair in synthetic.linkage_truth(lists)}


def _linked(vault: Vault, threshold: float) -> set[frozenset[str]]:
    found, _ = People(vault).people(threshold=threshold)
    pairs = set()
    for person in found:
        ids = [r.id for r in person.records]
        pairs.update(frozenset((a, b)) for i, a in enumerate(ids) for b in ids[i + 1 :])
    return pairs


@pytest.fixture
def linked(vault: Vault, tmp_path: Path) -> tuple[Vault, list[list[dict[str, str]]]]:
    lists = _import(vault, tmp_path, [0.5, 0.5, 0.5])
    result = People(vault).run_linkage(None, seed=1)
    assert result["training"]["weights"].startswith("declared")
    return vault, lists


def test_linkage_finds_the_same_people_across_scripts_and_spellings(
    linked: tuple[Vault, list[list[dict[str, str]]]],
) -> None:
    vault, lists = linked
    truth = _truth(vault, lists)
    found = _linked(vault, 0.9)
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    assert precision > 0.95, precision
    assert recall > 0.8, recall
    # A lower threshold links more, a higher one less.
    assert len(_linked(vault, 0.5)) >= len(found) >= len(_linked(vault, 0.99))
    assert verify_workspace(vault, check_blobs=False).ok


def test_decisions_override_the_model_and_are_remembered_transitively(
    linked: tuple[Vault, list[list[dict[str, str]]]],
) -> None:
    vault, _ = linked
    people = People(vault)
    found, _ = people.people(threshold=0.9)
    group = next(p for p in found if len(p.records) >= 2)
    a, b = group.records[0].id, group.records[1].id
    people.decide(a, b, "different", note="synthetic test: ages differ on the source")
    after, _ = people.people(threshold=0.9)
    where = {r.id: p.id for p in after for r in p.records}
    assert where[a] != where[b]
    # Two singletons declared the same person are merged, whatever the model says.
    singles = [p.records[0].id for p in after if len(p.records) == 1][:3]
    x, y, z = singles
    people.decide(x, y, "same")
    people.decide(y, z, "same")
    merged, _ = people.people(threshold=0.9)
    where = {r.id: p.id for p in merged for r in p.records}
    assert where[x] == where[y] == where[z]
    # x = y = z, so "x is not z" contradicts them and is refused with the reason.
    with pytest.raises(InputError, match="already one person"):
        people.decide(x, z, "different")
    # Review never asks about what is decided or implied.
    pending = people.to_review(lower=0.0, upper=1.0, limit=100_000)
    asked = {frozenset((p["left"]["id"], p["right"]["id"])) for p in pending}
    assert frozenset((a, b)) not in asked and frozenset((x, z)) not in asked
    history = people.decision_history()
    assert [d["decision"] for d in history] == ["different", "same", "same"]
    assert all(d["actor"] for d in history)
    assert verify_workspace(vault, check_blobs=False).ok


def test_register_histories_equal_the_truth_when_linkage_is_right(
    linked: tuple[Vault, list[list[dict[str, str]]]],
) -> None:
    """Decide every true pair "same" and let no model pair count (threshold 1.0): the register's
    capture histories must then be exactly the synthetic truth, and its estimate cover the true
    total."""
    vault, lists = linked
    people = People(vault)
    population = synthetic.people(POPULATION, seed=7)
    true = CaptureHistories.from_counts(
        ("A", "B", "C"), synthetic.capture_pattern_counts(population, lists)
    )
    by_person: dict[str, list[str]] = {}
    ids = _register_ids(vault, lists)
    for j, records in enumerate(lists):
        for rec in records:
            by_person.setdefault(rec["truth_id"], []).append(ids[(j, rec["record_id"])])
    for members in by_person.values():
        for a, b in zip(members, members[1:], strict=False):
            people.decide(a, b, "same")
    ((_, tables),) = list(people.histories(["A", "B", "C"], [], thresholds=(1.0,)))
    register = tables[()]
    assert (register.patterns, register.counts) == (true.patterns, true.counts)
    result = estimate_strata({(): register}, [], "loglinear", seed=1)
    assert result.interval[0] <= POPULATION <= result.interval[1], result.interval


def test_estimates_move_with_the_linkage_threshold(
    linked: tuple[Vault, list[list[dict[str, str]]]],
) -> None:
    vault, _ = linked
    people = People(vault)
    variants = dict(people.histories(["A", "B", "C"], [], thresholds=(0.5, 0.9, 0.99)))
    at = {label: tables[()] for label, tables in variants.items()}
    observed = {label: h.observed for label, h in at.items()}
    # Laxer linkage: fewer distinct people and more overlap between lists.
    assert observed["threshold 0.5"] <= observed["threshold 0.9"] <= observed["threshold 0.99"]
    points = {
        label: estimate_strata({(): h}, [], "loglinear", seed=1).estimate for label, h in at.items()
    }
    assert points["threshold 0.5"] < points["threshold 0.9"] < points["threshold 0.99"], points
    # Missed links (recall below 1) split people and thin the overlaps between lists, so a
    # strict linkage overestimates: the direction the Sudan study saw too.
    assert points["threshold 0.99"] > POPULATION, points


def _register_ids(vault: Vault, lists: list[list[dict[str, str]]]) -> dict[tuple[int, str], str]:
    with vault.db.read() as session:
        by_ref = {
            (r.list_id, r.source_ref): r.id
            for r in session.execute(select(models.VictimRecord)).scalars()
        }
    return {
        (j, rec["record_id"]): by_ref[(synthetic.list_prefix(j), str(rec["record_id"]))]
        for j, records in enumerate(lists)
        for rec in records
    }


def test_stratified_histories_and_linkage_draws(
    linked: tuple[Vault, list[list[dict[str, str]]]],
) -> None:
    vault, _ = linked
    people = People(vault)
    ((label, tables),) = list(people.histories(["A", "B", "C"], ["gender"]))
    assert label == "threshold 0.9"
    assert {key[0] for key in tables} <= {"male", "female", "unknown"}
    total = sum(h.observed for h in tables.values())
    assert total == len(people.people(threshold=0.9)[0])
    draws = list(people.histories(["A", "B", "C"], [], samples=4, seed=3))
    assert [d[0] for d in draws] == ["draw 1", "draw 2", "draw 3", "draw 4"]
    again = list(people.histories(["A", "B", "C"], [], samples=4, seed=3))
    assert [d[1][()].counts for d in draws] == [d[1][()].counts for d in again]
    with pytest.raises(InputError, match="cannot stratify by shoe_size"):
        list(people.histories(["A", "B"], ["shoe_size"]))
