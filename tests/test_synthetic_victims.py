"""Synthetic victim lists: reproducible, labelled, sized as asked, and true to their truth."""

from __future__ import annotations

import csv
import datetime
import math
from collections import Counter
from pathlib import Path

import jdatetime  # type: ignore[import-untyped]
import pytest

from gavah.casualties import synthetic
from gavah.casualties.mse.patterns import CaptureHistories
from gavah.casualties.synthetic import Person
from gavah.errors import InputError

N = 2_000
CAPTURE = (0.6, 0.5, 0.4)
Records = list[list[dict[str, str]]]


@pytest.fixture(scope="module")
def population() -> list[Person]:
    return synthetic.people(N, seed=11)


@pytest.fixture(scope="module")
def noisy(population: list[Person]) -> Records:
    return synthetic.lists(population, CAPTURE, seed=12)


@pytest.fixture(scope="module")
def clean(population: list[Person]) -> Records:
    return synthetic.lists(population, CAPTURE, seed=12, noise=0, within_duplicates=0)


def within(observed: float, n: int, p: float, sigmas: float = 5) -> bool:
    """Binomial(n, p) tolerance: observed count within ``sigmas`` standard deviations."""
    return abs(observed - n * p) <= sigmas * math.sqrt(n * p * (1 - p))


def truth_ids(records: list[dict[str, str]]) -> set[str]:
    return {r["truth_id"] for r in records}


def from_jalali(text: str) -> datetime.date:
    digits = text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    year, month, day = (int(x) for x in digits.split("/"))
    return jdatetime.date(year, month, day).togregorian()  # type: ignore[no-any-return]


def test_same_seed_same_output(population: list[Person], noisy: Records) -> None:
    assert synthetic.people(N, seed=11) == population
    assert synthetic.lists(population, CAPTURE, seed=12) == noisy
    assert synthetic.people(N, seed=99) != population
    assert synthetic.lists(population, CAPTURE, seed=13) != noisy


def test_people_are_consistent(population: list[Person]) -> None:
    male = {(n.fa, n.en) for n in synthetic.MALE_GIVEN_NAMES}
    female = {(n.fa, n.en) for n in synthetic.FEMALE_GIVEN_NAMES}
    provinces = {p.name for p in synthetic.PROVINCES}
    assert [p.person_id for p in population] == list(range(1, N + 1))
    for p in population:
        assert (p.given_fa, p.given_en) in (male if p.gender == "male" else female)
        assert datetime.date(2025, 12, 28) <= p.date <= datetime.date(2026, 1, 31)
        assert p.province in provinces and 1 <= p.age <= 95
    # Zipf-like name frequencies: common full names recur, as they do in real lists.
    full_names = Counter((p.given_en, p.surname_en) for p in population)
    assert full_names.most_common(1)[0][1] >= 5


def test_list_sizes_follow_capture_probabilities(population: list[Person], noisy: Records) -> None:
    for records, p in zip(noisy, CAPTURE, strict=True):
        people_on_list = len(truth_ids(records))
        assert within(people_on_list, N, p)
        assert within(len(records) - people_on_list, people_on_list, 0.02)


def test_every_record_is_labelled_synthetic(noisy: Records) -> None:
    for records in noisy:
        for record in records:
            assert tuple(record) == synthetic.COLUMNS
            assert record["note"] == synthetic.SYNTHETIC_NOTE


def test_record_ids_are_list_local_and_unique(noisy: Records) -> None:
    for j, records in enumerate(noisy):
        prefix = synthetic.list_prefix(j)
        assert [r["record_id"] for r in records] == [
            f"{prefix}-{k:06d}" for k in range(1, len(records) + 1)
        ]


def test_clean_records_show_the_truth_in_each_style(
    population: list[Person], clean: Records
) -> None:
    by_id = {str(p.person_id): p for p in population}
    bilingual, latin, persian = clean
    for r in bilingual:
        p = by_id[r["truth_id"]]
        assert r["name"] == f"{p.given_en} {p.surname_en}"
        assert r["name_fa"] == f"{p.given_fa} {p.surname_fa}"
        assert (r["age"], r["gender"], r["date"]) == (str(p.age), p.gender, p.date.isoformat())
        assert r["place"] == p.province and r["age_group"] == ""
    for r in latin:
        p = by_id[r["truth_id"]]
        assert r["name"] in (
            f"{p.given_en} {p.surname_en}",
            f"{p.surname_en.upper()}, {p.given_en}",
        )
        assert r["name_fa"] == "" and r["gender"] == {"male": "M", "female": "F"}[p.gender]
        assert from_jalali(r["date"]) == p.date
    for r in persian:
        p = by_id[r["truth_id"]]
        assert r["name"] == "" and r["name_fa"] == f"{p.given_fa} {p.surname_fa}"
        assert r["date"].isascii() and from_jalali(r["date"]) == p.date
    assert any(", " in r["name"] for r in latin)  # some lists write SURNAME, Given
    assert any(synthetic.ZWNJ in r["name_fa"] for r in bilingual)  # compound names


def test_persian_dates_convert_back_unless_corrupted(
    population: list[Person], noisy: Records
) -> None:
    by_id = {str(p.person_id): p for p in population}
    records = noisy[1]
    assert all(set(r["date"]) <= set("۰۱۲۳۴۵۶۷۸۹/") for r in records)
    offsets = Counter(
        (from_jalali(r["date"]) - by_id[r["truth_id"]].date).days for r in records if r["date"]
    )
    assert set(offsets) <= {-1, 0, 1}
    assert offsets[0] >= 0.85 * len(records)


def test_noise_is_the_share_of_corrupted_records(population: list[Person], clean: Records) -> None:
    corrupted = synthetic.lists(population, CAPTURE, seed=12, noise=0.25, within_duplicates=0)
    for dirty, exact in zip(corrupted, clean, strict=True):
        assert [(r["record_id"], r["truth_id"]) for r in dirty] == [
            (r["record_id"], r["truth_id"]) for r in exact
        ]
        changed = sum(a != b for a, b in zip(dirty, exact, strict=True))
        assert within(changed, len(exact), 0.25)


def test_full_noise_changes_every_record_and_styles_cycle(population: list[Person]) -> None:
    some = population[:500]
    dirty = synthetic.lists(some, (1, 1, 1, 1), seed=8, noise=1, within_duplicates=0)
    exact = synthetic.lists(some, (1, 1, 1, 1), seed=8, noise=0, within_duplicates=0)
    for a, b in zip(dirty, exact, strict=True):
        assert len(a) == len(b) and all(x != y for x, y in zip(a, b, strict=True))
    # The fourth list is written like the first: ISO dates, male/female.
    by_id = {str(p.person_id): p for p in some}
    fourth = synthetic.lists(some, (0, 0, 0, 1), seed=8, noise=0, within_duplicates=0)[3]
    assert fourth and synthetic.style_for(3) == synthetic.style_for(0)
    for r in fourth:
        p = by_id[r["truth_id"]]
        assert (r["record_id"][0], r["date"], r["gender"]) == ("D", p.date.isoformat(), p.gender)


def test_second_copies_on_one_list_differ(population: list[Person]) -> None:
    records_by_list = synthetic.lists(population, CAPTURE, seed=5, noise=0, within_duplicates=0.3)
    for records in records_by_list:
        copies: dict[str, list[dict[str, str]]] = {}
        for r in records:
            copies.setdefault(r["truth_id"], []).append(r)
        twice = [rows for rows in copies.values() if len(rows) == 2]
        assert twice and all(len(rows) <= 2 for rows in copies.values())
        for a, b in twice:
            assert {k: v for k, v in a.items() if k != "record_id"} != {
                k: v for k, v in b.items() if k != "record_id"
            }


def test_capture_patterns_are_the_truth(population: list[Person], noisy: Records) -> None:
    counts = synthetic.capture_pattern_counts(population, noisy)
    assert len(counts) == 2 ** len(CAPTURE) and sum(counts.values()) == N
    union = set().union(*(truth_ids(records) for records in noisy))
    assert counts[(0, 0, 0)] == N - len(union)
    for j, records in enumerate(noisy):
        on_list = sum(c for pattern, c in counts.items() if pattern[j])
        assert on_list == len(truth_ids(records))
    histories = CaptureHistories.from_counts(["A", "B", "C"], counts)
    assert histories.observed == len(union)


def test_capture_patterns_refuse_a_stranger(population: list[Person], noisy: Records) -> None:
    with pytest.raises(InputError, match="not in the population"):
        synthetic.capture_pattern_counts(population[:10], noisy)


def test_linkage_truth_pairs(noisy: Records) -> None:
    groups = Counter(r["truth_id"] for records in noisy for r in records)
    pairs = synthetic.linkage_truth(noisy)
    assert len(pairs) == sum(m * (m - 1) // 2 for m in groups.values())
    across = synthetic.linkage_truth(noisy, within_lists=False)
    assert across < pairs
    assert all(len({record_id[0] for record_id in pair}) == 2 for pair in across)


def test_heterogeneity_keeps_sizes_and_makes_lists_dependent(population: list[Person]) -> None:
    a, b = synthetic.lists(population, (0.5, 0.5), seed=3, heterogeneity=True)
    for records in (a, b):
        assert within(len(truth_ids(records)), N, 0.5)
    # Two visibility classes (0.1 and 0.9): about 0.41 N on both lists, against 0.25 N if
    # the lists were independent.
    assert len(truth_ids(a) & truth_ids(b)) > N * 0.25 + 5 * math.sqrt(N * 0.25 * 0.75)


def test_capture_per_class(population: list[Person]) -> None:
    never, always = synthetic.lists(
        population, [[0.0, 1.0], [0.0, 1.0]], seed=3, heterogeneity=True
    )
    assert never == [] and len(truth_ids(always)) == N
    with pytest.raises(InputError, match="heterogeneity=True"):
        synthetic.lists(population, [[0.2, 0.3], [0.4, 0.5]], seed=3)


@pytest.mark.parametrize(
    "capture, message",
    [((0.5, 1.5), "between 0 and 1"), ((), "wrong shape"), ([[0.5], [0.5, 0.5]], "table")],
)
def test_bad_capture_probabilities(
    population: list[Person], capture: list[float], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        synthetic.lists(population, capture, seed=1)


def test_name_tables() -> None:
    given = synthetic.MALE_GIVEN_NAMES + synthetic.FEMALE_GIVEN_NAMES
    assert len(synthetic.MALE_GIVEN_NAMES) >= 60 and len(synthetic.FEMALE_GIVEN_NAMES) >= 60
    assert len(synthetic.SURNAMES) >= 150
    for table in (given, synthetic.SURNAMES):
        assert len({n.fa for n in table}) == len(table)
        assert len({n.en for n in table}) == len(table)
    for name in given + synthetic.SURNAMES:
        assert not set(name.fa) & set("يكى")  # Persian ی and ک, never the Arabic forms
        assert len(set(name.latin)) == len(name.latin)
    spellings = {n.en: n.latin for n in given + synthetic.SURNAMES}
    expected = {
        "Mohammad": {"Mohammed", "Muhammad", "Mohamad"},
        "Hossein": {"Hussein", "Hosein"},
        "Esmail": {"Ismail", "Esmaeil"},
        "Davood": {"Davud", "Davoud"},
        "Rezaei": {"Rezaee", "Rezayi"},
        "Fatemeh": {"Fatima", "Fateme"},
        "Moghaddam": {"Moghadam"},
        "Ghasemi": {"Qasemi"},
        "Mohammadreza": {"Mohammad Reza", "Muhammadreza"},
    }
    for canonical, variants in expected.items():
        assert spellings[canonical][0] == canonical and variants <= set(spellings[canonical])


def test_age_groups() -> None:
    assert [synthetic.age_group(a) for a in (0, 17, 18, 29, 44, 59, 60, 95)] == [
        "0-17", "0-17", "18-29", "18-29", "30-44", "45-59", "60+", "60+"
    ]  # fmt: skip


def test_write_csv_round_trip(tmp_path: Path, noisy: Records) -> None:
    path = tmp_path / "list-b.csv"
    synthetic.write_csv(noisy[1], path)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows == noisy[1]


def test_write_csv_refuses_unlabelled_records(tmp_path: Path, noisy: Records) -> None:
    path = tmp_path / "real.csv"
    with pytest.raises(InputError, match="not labelled synthetic"):
        synthetic.write_csv([*noisy[0][:3], {**noisy[0][3], "note": ""}], path)
    assert not path.exists()


def test_bad_arguments(population: list[Person]) -> None:
    with pytest.raises(InputError):
        synthetic.people(-1, seed=1)
    with pytest.raises(InputError, match="before it starts"):
        synthetic.people(5, seed=1, start=datetime.date(2026, 1, 2), end=datetime.date(2026, 1, 1))
    with pytest.raises(InputError, match="noise"):
        synthetic.lists(population, CAPTURE, seed=1, noise=1.5)
