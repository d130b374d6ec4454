"""Position and time from an EXIF GPS IFD, as exact decimal text (CIPA DC-008, GPS attribute tags).

Each field is derived on its own, so one malformed tag costs that field, not the whole section;
the raw tags stay in the ``exif`` section either way.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from gavah.media._findings import Findings
from gavah.media._values import JsonValue, decimal_text

DEGREE_PLACES = 7
"""Decimal places of a coordinate: 1e-7 degree is about 1 cm, finer than any GPS fix."""

METRE_PLACES = 3

# GPS IFD tag numbers.
LATITUDE_REF, LATITUDE, LONGITUDE_REF, LONGITUDE = 1, 2, 3, 4
ALTITUDE_REF, ALTITUDE, TIME_STAMP, DATE_STAMP = 5, 6, 7, 29

DATE_STAMP_FORMAT = re.compile(r"(\d{4}):(\d{2}):(\d{2})")


class GpsTagError(ValueError):
    """A GPS tag is missing, malformed or out of range."""


def gps_fields(ifd: dict[int, Any], findings: Findings) -> dict[str, JsonValue]:
    """The ``gps`` section; a field that cannot be derived is recorded in ``findings``."""
    derivations: dict[str, Callable[[dict[int, Any]], str | None]] = {
        "latitude": latitude,
        "longitude": longitude,
        "altitude": altitude,
        "timestamp": timestamp,
    }
    fields: dict[str, JsonValue] = {}
    for name, derive in derivations.items():
        try:
            value = derive(ifd)
        except (GpsTagError, ArithmeticError, TypeError) as error:
            findings.note("gps", f"{name}: {error}")
            continue
        if value is not None:
            fields[name] = value
    return fields


def latitude(ifd: dict[int, Any]) -> str | None:
    """Signed decimal degrees, south negative; ``None`` when the photo has no latitude."""
    return _coordinate(ifd, LATITUDE, LATITUDE_REF, {"N": 1, "S": -1}, 90)


def longitude(ifd: dict[int, Any]) -> str | None:
    """Signed decimal degrees, west negative; ``None`` when the photo has no longitude."""
    return _coordinate(ifd, LONGITUDE, LONGITUDE_REF, {"E": 1, "W": -1}, 180)


def _coordinate(
    ifd: dict[int, Any], tag: int, ref_tag: int, signs: dict[str, int], limit: int
) -> str | None:
    if tag not in ifd:
        return None
    ref = str(ifd.get(ref_tag, "")).strip().upper()
    if ref not in signs:
        # Guessing a hemisphere would misplace the evidence by thousands of kilometres.
        raise GpsTagError(f"reference {ref!r} is not one of {sorted(signs)}")
    degrees = _sexagesimal(ifd[tag])
    if degrees > limit:
        raise GpsTagError(f"{decimal_text(degrees, DEGREE_PLACES)} degrees exceeds {limit}")
    return decimal_text(signs[ref] * degrees, DEGREE_PLACES)


def altitude(ifd: dict[int, Any]) -> str | None:
    """Metres relative to sea level, below negative (GPSAltitudeRef 1)."""
    if ALTITUDE not in ifd:
        return None
    ref = ifd.get(ALTITUDE_REF, 0)
    below = ref in (1, b"\x01")
    if not below and ref not in (0, b"\x00"):
        raise GpsTagError(f"altitude reference {ref!r} is neither 0 nor 1")
    metres = _rational(ifd[ALTITUDE])
    return decimal_text(-metres if below else metres, METRE_PLACES)


def timestamp(ifd: dict[int, Any]) -> str | None:
    """ISO 8601 UTC instant of the fix, e.g. ``"2024-03-01T09:30:05Z"`` (GPS time is UTC)."""
    if DATE_STAMP not in ifd or TIME_STAMP not in ifd:
        return None
    date = DATE_STAMP_FORMAT.fullmatch(str(ifd[DATE_STAMP]).strip())
    if date is None:
        raise GpsTagError(f"date stamp {ifd[DATE_STAMP]!r} is not YYYY:MM:DD")
    hours, minutes, seconds = _three_rationals(ifd[TIME_STAMP])
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 61):
        raise GpsTagError("time stamp is out of range")
    clock = f"{int(hours):02d}:{int(minutes):02d}:{_seconds_text(seconds)}"
    return f"{date[1]}-{date[2]}-{date[3]}T{clock}Z"


def _seconds_text(seconds: Fraction) -> str:
    whole, _, part = decimal_text(seconds, 6).partition(".")
    return whole.rjust(2, "0") + (f".{part}" if part else "")


def _sexagesimal(value: object) -> Fraction:
    """Degrees, minutes, seconds (as GPS tags store them) to degrees."""
    degrees, minutes, seconds = _three_rationals(value)
    return degrees + minutes / 60 + seconds / 3600


def _three_rationals(value: object) -> tuple[Fraction, Fraction, Fraction]:
    if not isinstance(value, tuple | list) or len(value) != 3:
        raise GpsTagError(f"expected three rationals, found {value!r}")
    first, second, third = (_rational(part) for part in value)
    return first, second, third


def _rational(value: object) -> Fraction:
    """An unsigned EXIF rational as an exact fraction; a zero denominator is an error."""
    if not isinstance(value, numbers.Rational):
        raise GpsTagError(f"expected a rational, found {value!r}")
    numerator, denominator = int(value.numerator), int(value.denominator)
    if denominator == 0:
        raise GpsTagError(f"rational {numerator}/0 has a zero denominator")
    result = Fraction(numerator, denominator)
    if result < 0:
        raise GpsTagError(f"rational {result} is negative")
    return result
