"""The re-identification check and place precision on synthetic text, English and Persian."""

from __future__ import annotations

import pytest

from gavah.errors import InputError
from gavah.publish.location import PRECISIONS, reduce_coordinates, reduce_place
from gavah.publish.reident import check


def kinds(fields: dict[str, str | None], **facts: object) -> list[str]:
    return [f.kind for f in check(fields, **facts)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("He lived at 12 Azadi Street with his parents.", "address"),
        ("منزل او در خیابان آزادی، کوچه لاله، پلاک ۱۲ بود", "address"),
        ("apartment 4 on the second floor", "address"),
        ("Call 0912 345 6789 for the family.", "phone"),
        ("تماس: ۰۹۱۲۳۴۵۶۷۸۹", "phone"),
        ("write to brother.k@example.org", "email"),
        ("national code 0012345678", "identifier"),
        ("She worked at the Pars Oil refinery.", "workplace"),
        ("a nurse at Milad Hospital", "workplace"),
        ("کارگر کارخانه پتروشیمی بود", "workplace"),
    ],
)
def test_rare_attributes_are_flagged(text: str, kind: str) -> None:
    assert kind in kinds({"description": text})


def test_a_crowd_is_not_flagged() -> None:
    text = "Security forces fired on protesters in Tehran in October 2022. The school was closed."
    assert kinds({"description": text, "title": "Shooting in Tehran"}) == []


def test_small_place_with_exact_date_or_age() -> None:
    # Balo is unknown to the gazetteer: taken as small (a village it lacks)
    assert kinds({"d": "killed"}, place="Balo", date_precision="day") == ["small-place-and-date"]
    assert kinds({"d": "a 27-year-old was killed"}, place="Balo") == ["small-place-and-age"]
    assert kinds({"d": "killed on 8 October"}, place="Balo") == ["small-place-and-date"]
    assert kinds({"d": "killed"}, place="Balo", date_precision="month") == []
    # a city of millions with an exact date and age is a crowd
    assert kinds({"d": "killed"}, place="Tehran", date_precision="day", age=27) == []
    assert kinds({"d": "۲۷ ساله، در روستای بالو کشته شد"}) == ["small-place-and-age"]


def test_flags_say_where_and_why() -> None:
    (flag,) = check({"note": "No. 14, second floor"})
    assert flag.field == "note" and flag.text == "No. 14" and "address" in flag.why


@pytest.mark.parametrize(
    ("allowed", "text", "precision"),
    [
        ("exact", "12 Azadi St, Karaj", "exact"),
        ("city", "Karaj, Alborz", "city"),
        ("province", "Alborz", "province"),
        ("country", "Iran", "country"),
        ("none", None, "none"),
    ],
)
def test_place_is_coarsened_to_what_is_allowed(
    allowed: str, text: str | None, precision: str
) -> None:
    reduced = (
        reduce_place("12 Azadi St, Karaj", allowed)
        if allowed == "exact"
        else (reduce_place("Karaj", allowed))
    )
    assert (reduced.text, reduced.precision) == (text, precision)


def test_an_address_is_never_published_as_a_city() -> None:
    # the street is not in the gazetteer: city precision falls back to the province
    assert reduce_place("12 Azadi St, Karaj", "city").text == "Alborz"
    assert reduce_place("somewhere unknown", "province").text == "Iran"
    assert reduce_place("کرج", "city").text == "Karaj, Alborz"


def test_coordinates_are_rounded() -> None:
    assert reduce_coordinates("35.71234", "51.40456", "city") == ("35.7", "51.4")
    assert reduce_coordinates("35.71234", "51.40456", "province") == ("36", "51")
    assert reduce_coordinates("35.71234", "51.40456", "country") is None
    assert reduce_coordinates("35.71234", "51.40456", "exact") == ("35.71234", "51.40456")
    with pytest.raises(InputError, match="unknown location precision"):
        reduce_place("Karaj", "street")
    assert set(PRECISIONS) == {"none", "country", "province", "city", "exact"}


def test_an_incident_is_checked_as_its_page_would_publish_it() -> None:
    from gavah.db import models
    from gavah.publish.reident import check_incident

    incident = models.VerifyIncident(
        title="Raid on a house in Balo",
        description="Agents broke into No. 7 and took the owner, a teacher at Razi School.",
        place="Balo",
        date_precision="day",
    )
    found = {(f.field, f.kind) for f in check_incident(incident)}
    assert {("description", "address"), ("description", "workplace")} <= found
    assert ("place", "small-place-and-date") in found
    incident.date_precision, incident.description = "month", "Agents raided houses."
    assert check_incident(incident) == []
