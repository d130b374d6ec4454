"""The linkage model's promises: stable scores, obvious duplicates linked at every size, identical
records always linked, weights in order, and no failure on small or odd registers. Every name
here is synthetic."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest

from gavah.casualties import comparisons, linkage, synthetic
from gavah.casualties.comparisons import NAME_DIFFER, NameBook
from gavah.casualties.people import People
from gavah.casualties.register import ListInfo, Register, convert_row, parse_mapping
from gavah.db import models
from gavah.errors import InputError
from gavah.vault import Vault


def record(rid: str, name: str | None = None, **fields: object) -> models.VictimRecord:
    list_id, row = rid.split(":")
    fields.pop("source_ref", None)
    return models.VictimRecord(
        id=rid, list_id=list_id, row=int(row), original="{}", name=name, **fields
    )


def _people(n: int, seed: int) -> list[dict[str, str]]:
    """``n`` distinct synthetic people as rows with name, date and place."""
    population = synthetic.people(n, seed=seed)
    (rows,) = synthetic.lists(population, (1.0,), seed=seed + 1)
    return rows


def _write(tmp_path: Path, name: str, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / f"{name}.csv"
    synthetic.write_csv(rows, path)
    return path


MAP = {"id": "record_id", "name": "name", "name_fa": "name_fa", "age": "age",
       "gender": "gender", "date": "date", "province": "place"}  # fmt: skip


def _scores(vault: Vault, run: int) -> dict[tuple[str, str], float]:
    with vault.db.read() as session:
        rows = session.query(models.LinkagePair).filter(models.LinkagePair.run_id == run)
        return {(p.left_id, p.right_id): round(p.probability, 9) for p in rows}


def test_declared_weights_fall_with_each_level() -> None:
    for comparison in comparisons.PRIORS:
        weights = [level.weight for level in comparison.levels]
        assert weights == sorted(weights, reverse=True), comparison.name
        assert math.isclose(sum(lv.m for lv in comparison.levels), 1.0, abs_tol=1e-6)
        assert math.isclose(sum(lv.u for lv in comparison.levels), 1.0, abs_tol=1e-6)


def test_monotone_restores_the_order_of_learned_weights() -> None:
    model = {
        "comparisons": [
            {
                "comparison_levels": [
                    {"is_null_level": True},
                    {"m_probability": 0.30, "u_probability": 0.001},  # 8.2 bits
                    {"m_probability": 0.60, "u_probability": 0.0005},  # 10.2: above its better
                    {"m_probability": 0.0, "u_probability": 0.9985},  # a veto
                ]
            }
        ]
    }
    fixed = comparisons.monotone(copy.deepcopy(model))
    levels = fixed["comparisons"][0]["comparison_levels"][1:]
    weights = [math.log2(lv["m_probability"] / lv["u_probability"]) for lv in levels]
    assert weights[0] >= weights[1] > weights[2] > -math.inf
    assert math.isclose(sum(lv["m_probability"] for lv in levels), 1.0)


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Mohammad Rezaei", "Mohammad Rezaei", 1),
        ("Rezaei, Mohammad", "محمد رضایی", 1),
        ("Mohammad Rezaei", "Mohammad Karimi", NAME_DIFFER),  # a shared given name is not enough
        ("Rasouli", "Ahmad Rasouli", 4),  # the given name missing
        ("Ahmad", "Ahmad Rasouli", NAME_DIFFER),  # a given name alone is not the family part
        ("Hassan Karimi", "Hossein Karimi", NAME_DIFFER),  # one skeleton, two names
    ],
)
def test_name_levels_come_from_the_shared_name_comparison(
    left: str, right: str, level: int
) -> None:
    book = NameBook()
    a, b = book.add((left,)), book.add((right,))
    assert book.level(a, b) == level


def test_given_and_family_names_are_compared_apart_where_lists_give_them() -> None:
    book = NameBook()
    a = book.add(("Reza Karimi",), given="Reza", family="Karimi")
    b = book.add(("Karimi Reza",), given="Karimi", family="Reza")  # two people, names swapped
    c = book.add(("رضا کریمی",), given="رضا", family="کریمی")
    assert book.level(a, c) == 1 or book.level(a, c) == 2
    assert book.level(a, b) == NAME_DIFFER
    assert book.level(a, book.add((None,))) == 0


def test_obvious_duplicates_link_on_a_list_of_fifty(vault: Vault, tmp_path: Path) -> None:
    rows = _people(45, seed=3)
    for row in rows[:5]:  # the same person entered twice, once in Latin script only
        rows.append({**row, "record_id": row["record_id"] + "-again", "name_fa": ""})
    Register(vault).import_list(_write(tmp_path, "fifty", rows), ListInfo("FIFTY"), MAP)
    people = People(vault)
    result = people.run_linkage(None, seed=1)
    assert result["training"]["weights"].startswith("declared")
    found, _ = people.people(threshold=linkage.DEFAULT_THRESHOLD)
    truth = {r["record_id"]: r["truth_id"] for r in rows}
    person_of = {str(r.source_ref): p.id for p in found for r in p.records}
    for row in rows[:5]:
        assert person_of[row["record_id"]] == person_of[row["record_id"] + "-again"]
    for person in found:  # and nobody else was merged into anyone
        assert len({truth[str(r.source_ref)] for r in person.records}) == 1


def test_adding_an_unrelated_list_does_not_move_any_score(vault: Vault, tmp_path: Path) -> None:
    population = synthetic.people(300, seed=11)
    first, second = synthetic.lists(population, (0.6, 0.6), seed=12)
    register = Register(vault)
    register.import_list(_write(tmp_path, "a", first), ListInfo("A"), MAP)
    register.import_list(_write(tmp_path, "b", second), ListInfo("B"), MAP)
    people = People(vault)
    before = _scores(vault, people.run_linkage(None, seed=1)["run"])
    other = _people(400, seed=99)  # other people, partly with the same common names
    register.import_list(_write(tmp_path, "c", other), ListInfo("C"), MAP)
    after = _scores(vault, people.run_linkage(None, seed=2)["run"])
    kept = {p: s for p, s in after.items() if not (p[0].startswith("C:") or p[1].startswith("C:"))}
    assert before and kept == before


def test_learned_weights_are_stored_and_reused() -> None:
    population = synthetic.people(4000, seed=5)
    records = []
    for j, rows in enumerate(synthetic.lists(population, (0.7, 0.7), seed=6)):
        for i, row in enumerate(rows, start=2):
            fields, _ = convert_row(
                row, parse_mapping([",".join(f"{k}={v}" for k, v in MAP.items())]), "auto", str
            )
            records.append(record(f"L{j}:{i}", **fields))
    assert len(records) >= linkage.MIN_RECORDS_TO_TRAIN
    learned = linkage.link(records, seed=1, weights="learn")
    assert learned.training["weights"].startswith("learned")
    again = linkage.link(records[:100], seed=7, model=learned.model)
    assert again.training["weights"].startswith("reused")
    assert again.model == learned.model


def test_failed_learning_falls_back_to_the_declared_weights(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Records with names only: expectation maximisation finds no pairs to learn from (the old
    # code died here with a traceback). The size needed to learn is lowered so that a few
    # hundred records take this path, as thousands would.
    monkeypatch.setattr(linkage, "MIN_RECORDS_TO_TRAIN", 300)
    records = [record(f"L:{i}", f"Person{i:05d} Synthetic") for i in range(2, 400)]
    result = linkage.link(records, seed=1, weights="learn")
    assert result.training["weights"].startswith("declared (learning failed")


def test_identical_records_always_link_even_with_a_common_name() -> None:
    same = {"date": "2026-01-08", "place": "Karaj", "province": "Alborz", "gender": "male"}
    records = [
        record("A:2", "Ali Mohammadi", **same),
        record("A:3", "Ali Mohammadi", **same),
        record("B:2", "Ali Mohammadi", **{**same, "date": "2026-01-20"}),
    ]
    pairs = {(p.left, p.right): p for p in linkage.link(records, seed=1).pairs}
    assert pairs[("A:2", "A:3")].probability == 1.0
    assert pairs[("A:2", "A:3")].levels == {"record": linkage.IDENTICAL}
    assert ("A:2", "B:2") not in pairs or pairs[("A:2", "B:2")].probability < 0.9


@pytest.mark.parametrize("size", [2, 5])
def test_tiny_registers_link_without_failing(size: int) -> None:
    records = [record(f"L:{i}", f"Name{i} Synthetic") for i in range(2, 2 + size)]
    assert linkage.link(records, seed=1).pairs == []


def test_one_record_is_refused_with_the_reason() -> None:
    with pytest.raises(InputError, match="at least two records"):
        linkage.link([record("L:2", "Someone")], seed=1)
    with pytest.raises(InputError, match="too few records to learn"):
        linkage.link([record("L:2", "A B"), record("L:3", "C D")], seed=1, weights="learn")


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Karim Dastani (Sheh Zamani)", ("Karim Dastani",)),  # a clan name is never a name alone
        ("Nasrin (Shirin) Kavani", ("Nasrin Kavani", "Shirin Kavani")),
        ("Abdol Rahim Kavani", ("AbdolRahim Kavani",)),
        ("Jalil Kabani / Kobani", ("Jalil Kabani", "Jalil Kobani")),
        ("Jalil Kabani / Jalal Kabani", ("Jalil Kabani", "Jalal Kabani")),
        ("(given name not known) Kavani", ("Kavani",)),
    ],
)
def test_list_spellings_are_read_as_the_names_they_stand_for(
    written: str, read: tuple[str, ...]
) -> None:
    assert comparisons.readings(written) == read


def test_relatives_sharing_a_clan_name_stay_apart() -> None:
    # The 2022 lists name members of one family, killed on one day in one town, with their clan
    # name in parentheses; read as an alias, it made them one person (synthetic names here).
    same = {"date": "2026-01-09", "place": "Zahedan"}
    records = [
        record("A:2", "Karim Dastani (Sheh Zamani)", **same),
        record("A:3", "Rahim Molazehi (Shah Zamani)", **same),
        record("B:2", "Karim Dastani", **same),
    ]
    linked = {
        (p.left, p.right) for p in linkage.link(records, seed=1).pairs if p.probability >= 0.9
    }
    assert linked == {("A:2", "B:2")}


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Ali Ahmadian", "Axi Ahmadian"),  # the given name misspelled
        ("Amin Farahani", "Amin Farajani"),  # the family name misspelled past its start
    ],
)
def test_a_misspelling_and_a_date_a_day_off_are_still_compared(left: str, right: str) -> None:
    """Each alone was always compared; together, no blocking rule paired them (found on the
    realistic lists: a typo and a shifted date in one record)."""
    where = {"place": "Gorgan", "gender": "male"}
    records = [
        record("A:2", left, date="2025-12-31", **where),
        record("B:2", right, date="2025-12-30", **where),
    ]
    pairs = {(p.left, p.right) for p in linkage.link(records, seed=1).pairs}
    assert ("A:2", "B:2") in pairs


def test_names_that_look_alike_are_explained_as_such() -> None:
    """The level "names look alike" weighs as much as "one name is the family part of the
    other": the explanation names the level the pair fell in, not the first of equal weight."""
    where = {"date": "2025-12-31", "place": "Gorgan", "gender": "male", "age": 30}
    records = [record("A:2", "Ahmad Ahmadi", **where), record("B:2", "Ahmad Ahmayi", **where)]
    (pair,) = linkage.link(records, seed=1).pairs
    assert pair.levels["name"].startswith("names look alike")


def test_a_weight_that_rounds_to_nothing_is_not_shown_as_a_penalty() -> None:
    """`victims review` showed "same province (-0.0)": a weight of -0.04 read as a penalty."""
    assert linkage._signed(-0.04) == "0.0" and linkage._signed(0.04) == "0.0"
    assert linkage._signed(3.26) == "+3.3" and linkage._signed(-1.25) == "-1.2"
