"""Turn values read from hostile files into canonical-JSON-safe values.

The vault hashes and signs metadata as canonical JSON, so the output holds no floats (their text
form differs between implementations), no NUL characters (PostgreSQL ``jsonb`` rejects
``\\u0000``) and no lone surrogates (they cannot be encoded as UTF-8).
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any, TypeAlias

JsonValue: TypeAlias = str | int | bool | None | list["JsonValue"] | dict[str, "JsonValue"]

MAX_BYTES_KEPT = 256
"""Binary values longer than this (maker notes, thumbnails) are left out, not hex-dumped."""

MAX_DEPTH = 32
"""Deeper nesting than any honest XMP packet needs; refusing it bounds recursion."""


class _Omitted:
    """Marker for a value deliberately left out of the output."""


OMITTED = _Omitted()


def json_safe(value: object, depth: int = 0) -> JsonValue | _Omitted:
    """Convert ``value`` to JSON-safe form; :data:`OMITTED` for binary values too long to keep."""
    if depth > MAX_DEPTH:
        raise ValueError(f"value nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return float_text(value)
    if isinstance(value, numbers.Rational):
        return ratio_text(int(value.numerator), int(value.denominator))
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return data.hex() if len(data) <= MAX_BYTES_KEPT else OMITTED
    if isinstance(value, dict):
        return _safe_dict(value, depth)
    if isinstance(value, list | tuple):
        return _safe_list(value, depth)
    return clean_text(str(value))


def _safe_dict(value: dict[Any, Any], depth: int) -> dict[str, JsonValue]:
    # Keys are sorted so the same file always yields the same dict, whatever order a parser used.
    items = ((clean_text(str(k)), json_safe(v, depth + 1)) for k, v in value.items())
    return {k: v for k, v in sorted(items, key=lambda kv: kv[0]) if not isinstance(v, _Omitted)}


def _safe_list(value: list[Any] | tuple[Any, ...], depth: int) -> list[JsonValue]:
    items = (json_safe(v, depth + 1) for v in value)
    return [v for v in items if not isinstance(v, _Omitted)]


def safe_dict(value: dict[Any, Any]) -> dict[str, JsonValue]:
    """:func:`json_safe` for a mapping, typed as the mapping it returns."""
    return _safe_dict(value, 0)


def clean_text(text: str) -> str:
    """Replace NUL with U+FFFD and escape lone surrogates, keeping all other text as read."""
    text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def float_text(value: float) -> str:
    """Python's shortest round-trip text for a float; JSON's spellings for the non-finite ones."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def ratio_text(numerator: int, denominator: int) -> str:
    """An EXIF-style rational exactly as stored, e.g. ``"1/125"`` or ``"72/1"``."""
    return f"{numerator}/{denominator}"


def rate_text(value: Fraction) -> str:
    """A rate as ``"25"`` when whole, else as the exact ratio ``"30000/1001"``."""
    if value.denominator == 1:
        return str(value.numerator)
    return ratio_text(value.numerator, value.denominator)


def decimal_text(value: Fraction, places: int) -> str:
    """``value`` as decimal text rounded to ``places``, no trailing zeros: ``"35.6892"``."""
    # Integer arithmetic keeps this exact for any size of numerator a hostile file may carry.
    scaled = round(value * 10**places)
    sign = "-" if scaled < 0 else ""
    whole, fraction = divmod(abs(scaled), 10**places)
    digits = str(fraction).rjust(places, "0").rstrip("0")
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"
