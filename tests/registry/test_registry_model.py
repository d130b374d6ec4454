"""The registry's own rules: how entered values are stored and what FtM 4 does not check.

Pure functions, no database. Every person here is invented (synthetic)."""

from __future__ import annotations

import datetime as dt

import pytest

from gavah.errors import InputError
from gavah.registry import model
from gavah.registry.model import Invalid, Value

PERSON = model.schema("Person")
TODAY = dt.date(2026, 1, 10)


def _read(prop: str, raw: str, schema: str = "Person") -> list[Value]:
    return model.read(model.schema(schema), prop, raw)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("2022-09-16", ["2022-09-16"]),
        ("2022/09/16", ["2022-09-16"]),
        ("1401/06/25", ["2022-09-16"]),
        ("۱۴۰۱/۰۶/۲۵", ["2022-09-16"]),
        ("25 Shahrivar 1401", ["2022-09-16"]),
        ("2022-09", ["2022-09"]),
        ("2022", ["2022"]),
        # A Solar Hijri month or year overlaps two Gregorian ones: both are kept.
        ("1401/06", ["2022-08", "2022-09"]),
        ("Dey 1401", ["2022-12", "2023-01"]),
        ("1340", ["1961", "1962"]),
        ("2022-09-16 10:00", ["2022-09-16T10:00"]),  # a timestamp, read by FtM
    ],
)
def test_dates_are_stored_as_iso_with_what_was_entered(raw: str, stored: list[str]) -> None:
    values = _read("birthDate", raw)
    assert [v.value for v in values] == stored
    assert all(v.original == (None if raw == v.value else raw) for v in values)
    assert all(v.lang is None for v in values)


def test_a_date_that_cannot_be_read_names_the_property() -> None:
    with pytest.raises(Invalid, match=r"^birthDate: month 13 .* is not between 1 and 12"):
        _read("birthDate", "1401/13/01")
    with pytest.raises(Invalid, match=r"^startDate: cannot read 'yesterday' as a date"):
        _read("startDate", "yesterday", "Occupancy")
    with pytest.raises(Invalid, match=r"Esfand 1401 has no day 30"):
        _read("birthDate", "1401/12/30")


def test_persian_names_get_a_language_and_latin_ones_none() -> None:
    (persian,) = _read("name", "  حسین نمونه ")
    (latin,) = _read("name", "Hossein Example (synthetic)")
    assert persian == Value("حسین نمونه", None, "fas")
    assert latin == Value("Hossein Example (synthetic)", None, None)
    # FtM drops the zero-width non-joiner from names; what was typed is kept beside it.
    (joined,) = _read("name", "محمد\u200cرضا نمونه")
    assert joined.value == "محمدرضا نمونه" and joined.original == "محمد\u200cرضا نمونه"


def test_values_are_cleaned_by_ftm_or_refused_with_the_property() -> None:
    assert _read("country", "Iran", "PublicBody") == [Value("ir", "Iran", None)]
    assert _read("nationality", "ایران") == [Value("ir", "ایران", None)]
    with pytest.raises(Invalid, match=r"^gender: cannot read 'maybe' as a gender \(male, female"):
        _read("gender", "maybe")
    with pytest.raises(Invalid, match=r"^holder: cannot read 'not an id' as a entity"):
        _read("holder", "not an id", "Occupancy")
    with pytest.raises(Invalid, match=r"^name: the value is empty"):
        _read("name", "   ")


def test_unknown_and_reverse_properties_are_refused_with_a_suggestion() -> None:
    with pytest.raises(Invalid, match=r"^nmae: a Person has no such property \(did you mean name"):
        _read("nmae", "x")
    with pytest.raises(Invalid, match="no such property"):
        _read("positionOccupancies", "x")  # a reverse property: FtM fills it, nobody sets it


def test_schemata_are_the_registrys_and_any_case() -> None:
    assert model.schema("person").name == "Person"
    assert model.schema(" PublicBody ").name == "PublicBody"
    with pytest.raises(InputError, match="not used by the registry"):
        model.schema("Vessel")


def _check(
    schema: str, values: dict[str, set[str]], known: dict[str, str] | None = None
) -> list[str]:
    known = known or {}
    return model.check(model.schema(schema), "e1", values, known.get, TODAY)


def test_required_properties_are_named() -> None:
    assert _check("Occupancy", {"startDate": {"2020"}}) == [
        "holder: required for a Occupancy, give at least one value",
        "post: required for a Occupancy, give at least one value",
    ]
    assert _check("Asset", {}) == ["the entity has no values: give at least one property"]


def test_dates_must_be_plausible() -> None:
    person = {"name": {"Parviz Invented (synthetic)"}}
    assert _check("Person", {**person, "birthDate": {"1899-12-31"}}) == [
        "birthDate: 1899-12-31 is before 1900, which is not plausible"
    ]
    assert _check("Person", {**person, "birthDate": {"2026-02"}}) == [
        "birthDate: 2026-02 is in the future"
    ]
    assert _check("Person", {**person, "birthDate": {"2026-01"}}) == []  # this month: fine
    assert _check("Person", {**person, "birthDate": {"1990"}, "deathDate": {"1980"}}) == [
        "birthDate: 1990 is after deathDate 1980"
    ]
    # At the precision both have, 2022 is not after 2022-05-01.
    known = {"p": "Person", "o": "PublicBody"}
    assert _check("Membership", _ends("2022", "2022-05-01"), known) == []
    assert _check("Membership", _ends("2022-06", "2022-05-01"), known) == [
        "startDate: 2022-06 is after endDate 2022-05-01"
    ]


def _ends(start: str, end: str) -> dict[str, set[str]]:
    return {"member": {"p"}, "organization": {"o"}, "startDate": {start}, "endDate": {end}}


def test_a_designation_may_end_in_the_future_but_not_start_there() -> None:
    sanction = {"entity": {"p"}, "startDate": {"2023-05-01"}, "endDate": {"2030-05-01"}}
    assert _check("Sanction", sanction, {"p": "Person"}) == []
    sanction["startDate"] = {"2027-01-01"}
    assert _check("Sanction", sanction, {"p": "Person"}) == [
        "startDate: 2027-01-01 is in the future"
    ]


def test_links_must_point_at_existing_entities_of_a_fitting_schema() -> None:
    known = {"p": "Person", "court": "PublicBody", "post": "Position"}
    assert _check("Occupancy", {"holder": {"p"}, "post": {"post"}}, known) == []
    assert _check("Occupancy", {"holder": {"ghost"}, "post": {"court"}}, known) == [
        "holder: there is no entity ghost in the registry",
        "post: court is a PublicBody, but a Occupancy's post must be a Position",
    ]
    # PublicBody is an Organization in FtM, so a unit can be a member's organization.
    assert _check("Membership", {"member": {"p"}, "organization": {"court"}}, known) == []
    assert _check("Person", {"name": {"x"}, "parent": {"e1"}}, known) == [
        "parent: points at the entity itself"
    ]


def test_ids() -> None:
    assert model.entity_id(" reg-1.a ") == "reg-1.a"
    with pytest.raises(InputError, match="not usable as an entity id"):
        model.entity_id("two words")
    with pytest.raises(InputError):
        model.entity_id("x" * 101)
    a = model.statement_id("e1", "name", "A", "ev-1")
    assert a == model.statement_id("e1", "name", "A", "ev-1") and len(a) == 40
    assert a != model.statement_id("e1", "name", "A", "ev-2")
    assert a != model.statement_id("e1", "name", "A", None)
    one = model.link_id("Occupancy", {"holder": ["p"], "post": ["q"], "startDate": ["2020"]})
    assert one == model.link_id(
        "Occupancy", {"post": ["q"], "holder": ["p"], "startDate": ["2020"]}
    )
    assert one != model.link_id(
        "Occupancy", {"holder": ["p"], "post": ["q"], "startDate": ["2021"]}
    )
    assert model.document_id("ev-0123") == "doc-ev-0123"


def test_caption_prefers_the_latin_name_whatever_the_order() -> None:
    names = {"name": {"حسین نمونه", "Hossein Example (synthetic)"}}
    assert model.caption("Person", "e1", names) == "Hossein Example (synthetic)"
    assert model.proxy("Person", "e1", names).get("name") == sorted(names["name"])
