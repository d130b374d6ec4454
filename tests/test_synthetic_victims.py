"""Synthetic victim lists: reproducible, labelled, sized as asked, and true to their truth."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import math
import re
from collections import Counter
from pathlib import Path

import jdatetime  # type: ignore[import-untyped]
import pytest

from gavah.casualties import synthetic
from gavah.casualties.mse.patterns import CaptureHistories
from gavah.casualties.synthetic import Person
from gavah.errors import InputError
from gavah.text import places

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


# Realistic lists: the shapes of published lists.

REALISTIC_N = 3_000
STYLES = synthetic.REALISTIC_STYLES
Style = synthetic.HouseStyle


@pytest.fixture(scope="module")
def realistic_population() -> list[Person]:
    return synthetic.realistic_people(REALISTIC_N, seed=21)


@pytest.fixture(scope="module")
def realistic_clean(realistic_population: list[Person]) -> Records:
    """Every person on every list, in each style once, without noise: the forms alone."""
    capture = [1.0] * len(STYLES)
    return synthetic.realistic_lists(
        realistic_population, capture, seed=22, noise=0, within_duplicates=0
    )


@pytest.fixture(scope="module")
def realistic_noisy(realistic_population: list[Person]) -> Records:
    return synthetic.realistic_lists(realistic_population, (0.7, 0.6, 0.5, 0.4), seed=23)


def test_realistic_same_seed_same_output(
    realistic_population: list[Person], realistic_noisy: Records
) -> None:
    assert synthetic.realistic_people(REALISTIC_N, seed=21) == realistic_population
    again = synthetic.realistic_lists(realistic_population, (0.7, 0.6, 0.5, 0.4), seed=23)
    assert again == realistic_noisy
    assert synthetic.realistic_people(REALISTIC_N, seed=20) != realistic_population
    other = synthetic.realistic_lists(realistic_population, (0.7, 0.6, 0.5, 0.4), seed=24)
    assert other != realistic_noisy
    first = realistic_noisy[1]
    one = synthetic.revision(first, 5, population=realistic_population)
    assert synthetic.revision(first, 5, population=realistic_population) == one
    assert synthetic.revision(first, 6, population=realistic_population) != one
    assert synthetic.exact_copies(first, 10, seed=1) == synthetic.exact_copies(first, 10, seed=1)


def test_the_data_say_they_are_synthetic(realistic_noisy: Records) -> None:
    assert "Nothing here describes a real person" in (synthetic.__doc__ or "")
    for j, records in enumerate(realistic_noisy):
        assert all(tuple(r) == synthetic.realistic_style_for(j).columns for r in records)
        assert all(r["note"] == synthetic.SYNTHETIC_NOTE for r in records)


def test_cities_are_real_places_in_their_provinces() -> None:
    provinces = {p.name for p in synthetic.PROVINCES}
    assert len(synthetic.CITIES) >= 60 and {c.province for c in synthetic.CITIES} == provinces
    assert len({c.name for c in synthetic.CITIES}) == len(synthetic.CITIES)
    for city in synthetic.CITIES:
        assert not set(city.fa) & set("يكى")  # Persian letters, not the Arabic forms
    # Every spelling a list uses is one gavah.text.places reads as that province.
    for province in synthetic.PROVINCES:
        for spelling in (*province.latin, province.fa):
            assert places.province(spelling) == province.name


def test_realistic_people(realistic_population: list[Person]) -> None:
    city = {c.name: c for c in synthetic.CITIES}
    for p in realistic_population:
        assert p.city in city and city[p.city].province == p.province
        assert p.status in {s for s, _ in synthetic.STATUSES}
    killed = sum(p.status == "killed" for p in realistic_population)
    assert within(killed, REALISTIC_N, 0.9)
    given = Counter(p.given_en for p in realistic_population)
    assert {"Mohammad", "Ali"} <= {name for name, _ in given.most_common(5)}


def test_many_people_share_a_family_name(realistic_population: list[Person]) -> None:
    family = Counter(p.surname_en for p in realistic_population)
    top10 = sum(count for _, count in family.most_common(10)) / REALISTIC_N
    assert 0.25 <= top10 <= 0.4  # FAMILY_ZIPF: about 30%
    # Different people with the same family name died on the same day, often in the same town:
    # what makes precision hard.
    same_day = Counter((p.surname_en, p.date) for p in realistic_population)
    assert sum(c * (c - 1) // 2 for c in same_day.values()) >= REALISTIC_N
    same_town = Counter((p.surname_en, p.date, p.city) for p in realistic_population)
    assert sum(c * (c - 1) // 2 for c in same_town.values()) >= 20
    # Regional names: in Sistan and Baluchestan half the people bear one of four.
    regional = set(synthetic.REGIONAL_SURNAMES["Sistan and Baluchestan"])
    there = [p for p in realistic_population if p.province == "Sistan and Baluchestan"]
    assert there and sum(p.surname_en in regional for p in there) >= 0.4 * len(there)


def test_lookalike_pairs() -> None:
    a = synthetic.realistic_people(3, seed=1)
    twin = dataclasses.replace(a[0], person_id=4)
    assert synthetic.lookalike_pairs([*a, twin]) == synthetic.lookalike_pairs(a) + 1


def _age_form(text: str, style: Style) -> str:
    text = text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    if text == style.missing_age:
        return "missing"
    if re.fullmatch(r"About \d+", text):
        return "about"
    if re.fullmatch(r"\d+s", text):
        return "decade"
    assert re.fullmatch(r"\d+", text), text
    return "exact"


def _date_form(text: str, style: Style) -> str:
    if text == style.missing_date:
        return "missing"
    return "month" if text.count("-") + text.count("/") == 1 else "day"


def _place_form(record: dict[str, str], style: Style) -> str:
    place = record["place"]
    if place == style.unknown_place:
        return "unknown"
    city_names = {name for c in synthetic.CITIES for name in (*c.latin, c.fa)}
    if place in city_names:
        return "fa city" if place in {c.fa for c in synthetic.CITIES} else "city"
    if "، استان " in place:
        return "fa city, province word"
    if "، " in place:
        return "fa city, province"
    if place.endswith(" Province"):
        return "city, province province"
    if ", " in place:
        return "city, province"
    assert places.province(place), place
    return "province"


FORMS = {"ages": ("age", _age_form), "dates": ("date", _date_form)}


def test_forms_appear_at_the_declared_rates(realistic_clean: Records) -> None:
    for style, records in zip(STYLES, realistic_clean, strict=True):
        n = len(records)
        assert n == REALISTIC_N
        for declared, (column, form_of) in FORMS.items():
            seen = Counter(form_of(r[column], style) for r in records)
            for form, share in getattr(style, declared):
                if form in ("about", "decade"):  # children's ages are written exactly
                    assert 0.7 * n * share <= seen[form] <= n * share + 5 * math.sqrt(n)
                else:
                    assert within(seen[form], n, share), (style.name, form, seen)
        declared_places = dict(style.places)
        places_seen = Counter(_place_form(r, style) for r in records)
        if {"city", "province"} <= set(declared_places):
            # Tehran, Kerman, Qom ...: a town named like its province could be either form.
            both = places_seen.pop("city") + places_seen.pop("province")
            share = declared_places.pop("city") + declared_places.pop("province")
            assert within(both, n, share), (style.name, places_seen)
        assert set(places_seen) == set(declared_places)
        for form, share in declared_places.items():
            assert within(places_seen[form], n, share), (style.name, form, places_seen)
        if "name_fa" in style.columns:
            persian = sum(bool(r["name_fa"]) for r in records)
            assert within(persian, n, style.persian_names) or style.persian_names == 1


def test_clean_realistic_records_show_the_truth(
    realistic_population: list[Person], realistic_clean: Records
) -> None:
    by_id = {str(p.person_id): p for p in realistic_population}
    city, annex_table, persian, bilingual = realistic_clean
    for r in city:
        p = by_id[r["truth_id"]]
        assert r["name"] == f"{p.given_en} {p.surname_en}"
        assert r["place"] in (p.city, "Unknown")
        if r["date"] != "Unknown":
            assert datetime.datetime.strptime(r["date"], "%d-%b-%Y").date() == p.date
        if r["age"].startswith("About "):
            assert abs(int(r["age"][6:]) - p.age) <= 2
    for r in annex_table:
        p = by_id[r["truth_id"]]
        assert r["status"] == p.status and r["gender"] == p.gender
        if r["place"] != "Unknown":
            assert r["place"].split(",")[0] == p.city
            assert places.province(r["province"]) == p.province
        if len(r["date"]) == 10:
            assert r["date"] == p.date.isoformat()
        elif r["date"]:
            assert r["date"] == p.date.isoformat()[:7]
    for r in persian:
        p = by_id[r["truth_id"]]
        assert "name" not in r and r["name_fa"] == f"{p.given_fa} {p.surname_fa}"
        if r["date"].count("/") == 2:
            assert from_jalali(r["date"]) == p.date
    for r in bilingual:
        p = by_id[r["truth_id"]]
        if r["age"].endswith("s"):
            assert int(r["age"][:-1]) == p.age // 10 * 10
        if r["place"] not in ("Unknown", p.city):
            assert places.province(r["place"].split(", ")[-1]) == p.province
    assert any(", " in r["name"] for r in bilingual)  # SURNAME, Given


def test_realistic_noise_changes_only_corrupted_records(
    realistic_population: list[Person],
) -> None:
    some = realistic_population[:1000]
    clean = synthetic.realistic_lists(some, (1, 1), seed=8, noise=0, within_duplicates=0)
    dirty = synthetic.realistic_lists(some, (1, 1), seed=8, noise=0.25, within_duplicates=0)
    for a, b in zip(clean, dirty, strict=True):
        assert [r["truth_id"] for r in a] == [r["truth_id"] for r in b]
        assert within(sum(x != y for x, y in zip(a, b, strict=True)), len(a), 0.25)
    # Town names are spelled another way now and then (Saqqez, Saqez).
    variants = {name for c in synthetic.CITIES for name in c.latin[1:]}
    noisy = synthetic.realistic_lists(some, (1,), seed=8, noise=1)[0]
    assert any(r["place"] in variants for r in noisy)


def test_revision(realistic_population: list[Person], realistic_noisy: Records) -> None:
    first = realistic_noisy[1]
    edition = synthetic.revision(first, 7, population=realistic_population)
    old = {r["record_id"]: r for r in first}
    new = {r["record_id"]: r for r in edition.rows}
    assert len(new) == len(edition.rows)
    n = len(first)
    assert edition.unchanged | edition.edited | edition.dropped == set(old)
    assert edition.added == set(new) - set(old) and edition.dropped == set(old) - set(new)
    assert within(len(edition.dropped), n, 0.02)
    assert within(len(edition.edited), n - len(edition.dropped), 0.05, sigmas=6)
    assert len(edition.added) == round(0.05 * n)
    for rid in edition.unchanged:  # byte for byte the same row, the same person
        assert new[rid] == old[rid]
    for rid in edition.edited:  # one field written again, the same person
        assert new[rid]["truth_id"] == old[rid]["truth_id"]
        assert sum(new[rid][k] != old[rid][k] for k in old[rid]) == 1
    on_first = {r["truth_id"] for r in first}
    for rid in edition.added:
        assert new[rid]["truth_id"] not in on_first and tuple(new[rid]) == tuple(first[0])
    # The truth: every kept record pairs with itself in the other edition.
    pairs = synthetic.true_pairs([first, list(edition.rows)], within_lists=False)
    for rid in edition.unchanged | edition.edited:
        assert frozenset({(0, rid), (1, rid)}) in pairs
    assert not any((1, rid) in pair for pair in pairs for rid in edition.added)
    # Rows identical in both editions describe the same person: no row is reused for another.
    identical = [r for r in edition.rows if old.get(r["record_id"]) == r]
    assert len(identical) == len(edition.unchanged)
    # Added rows sit among the others, not all at the end.
    positions = [k for k, r in enumerate(edition.rows) if r["record_id"] in edition.added]
    assert positions[0] < len(edition.rows) // 2


def test_revision_refuses_what_it_cannot_revise(
    realistic_population: list[Person], realistic_noisy: Records, noisy: Records
) -> None:
    with pytest.raises(InputError, match="realistic_lists"):
        synthetic.revision(noisy[0], 1, population=realistic_population)
    with pytest.raises(InputError, match="not in the population"):
        synthetic.revision(realistic_noisy[0], 1, population=realistic_population[:5])
    with pytest.raises(InputError, match="empty"):
        synthetic.revision([], 1, population=realistic_population)
    with pytest.raises(InputError, match="edit"):
        synthetic.revision(realistic_noisy[0], 1, edit=2, population=realistic_population)


def test_linkage_truth_refuses_repeated_record_ids(
    realistic_population: list[Person], realistic_noisy: Records
) -> None:
    first = realistic_noisy[0]
    edition = synthetic.revision(first, 1, population=realistic_population)
    with pytest.raises(InputError, match="more than once") as raised:
        synthetic.linkage_truth([first, list(edition.rows)])
    assert "true_pairs" in (raised.value.hint or "")


def test_exact_copies(realistic_noisy: Records) -> None:
    rows = realistic_noisy[0]
    copied, pairs = synthetic.exact_copies(rows, 25, seed=3)
    assert len(copied) == len(rows) + 25 and len(pairs) == 25
    by_id = {r["record_id"]: r for r in copied}
    assert len(by_id) == len(copied)
    for original, copy in pairs:
        assert original != copy
        assert {**by_id[copy], "record_id": original} == by_id[original]
        # Obvious duplicates: the same name, date and place, all of them given.
        assert by_id[copy]["name"] and by_id[copy]["date"] not in ("", "Unknown")
        assert by_id[copy]["place"] != "Unknown"
    copies = [k for k, r in enumerate(copied) if r["record_id"] in {c for _, c in pairs}]
    assert copies[0] < len(copied) // 2  # spread through the list, not appended
    with pytest.raises(InputError):
        synthetic.exact_copies(rows[:3], 4, seed=1)


def test_write_csv_writes_a_realistic_list(tmp_path: Path, realistic_noisy: Records) -> None:
    path = tmp_path / "list-c.csv"
    synthetic.write_csv(realistic_noisy[2], path)
    with path.open(encoding="utf-8", newline="") as f:
        assert list(csv.DictReader(f)) == realistic_noisy[2]
    with pytest.raises(InputError, match="other columns"):
        synthetic.write_csv([realistic_noisy[0][0], realistic_noisy[1][0]], tmp_path / "x.csv")
