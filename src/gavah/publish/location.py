"""Where something happened, said no more precisely than a reviewer allows.

Precisions, from most to least revealing: ``exact`` (as written), ``city`` (the city, town or
village the gazetteer finds, and its province), ``province``, ``country`` ("Iran") and ``none``.
Places are read with :func:`gavah.text.places.locate` (Iran's gazetteer); a place it cannot
read is published at ``country`` at most, because a street or a building's name that the
gazetteer does not know may be exactly what identifies a witness (fail closed). Coordinates are
rounded: a city's precision keeps one decimal of a degree (about 11 km), a province's none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from importlib import resources

from gavah.errors import InputError
from gavah.text.places import locate, read_gazetteer_tsv

PRECISIONS = ("none", "country", "province", "city", "exact")
COUNTRY = "Iran"
_COORD_PLACES = {"city": Decimal("0.1"), "province": Decimal("1")}


@dataclass(frozen=True)
class Reduced:
    """A place as it may be published, and the precision it actually has."""

    text: str | None
    precision: str


def _rank(precision: str) -> int:
    if precision not in PRECISIONS:
        raise InputError(
            f"unknown location precision {precision!r}", hint=f"one of {', '.join(PRECISIONS)}"
        )
    return PRECISIONS.index(precision)


def reduce_place(place: str | None, allowed: str, province: str | None = None) -> Reduced:
    """``place`` (and its province field, if any) at the precision ``allowed`` or coarser."""
    rank = _rank(allowed)
    if not place and not province or rank == 0:
        return Reduced(None, "none")
    read = locate(place, province)
    if rank == _rank("exact") and read.known():
        return Reduced(", ".join(p for p in (place, province) if p), "exact")
    city = _city(read.localities, read.province)
    if rank >= _rank("city") and city is not None:
        return Reduced(f"{city}, {read.province}", "city")
    if rank >= _rank("province") and read.province:
        return Reduced(read.province, "province")
    return Reduced(COUNTRY, "country")


def _city(localities: frozenset[str], province: str | None) -> str | None:
    """The gazetteer's name of the place's one GeoNames locality (several, none, or one of the
    hand table's: no city, the province is published instead)."""
    if len(localities) != 1 or province is None:
        return None
    (wanted,) = localities
    return _names().get(wanted)


@cache
def _names() -> dict[str, str]:
    """GeoNames id -> the gazetteer's Latin name, from the same table as :func:`gazetteer`."""
    text = resources.files("gavah.text").joinpath("iran_places.tsv").read_text(encoding="utf-8")
    return {loc.id: loc.name for loc, _ in read_gazetteer_tsv(text)}


def reduce_coordinates(lat: str, lon: str, allowed: str) -> tuple[str, str] | None:
    """Decimal degrees as text, rounded to what ``allowed`` permits; None below ``province``."""
    rank = _rank(allowed)
    if rank == _rank("exact"):
        return lat, lon
    step = _COORD_PLACES.get(allowed) if rank >= _rank("province") else None
    if step is None:
        return None
    try:
        return (_round(lat, step), _round(lon, step))
    except ArithmeticError:
        raise InputError(f"{lat}, {lon} are not decimal degrees") from None


def _round(value: str, step: Decimal) -> str:
    return str(Decimal(value).quantize(step, rounding=ROUND_HALF_EVEN))
