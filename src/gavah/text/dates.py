"""Dates written in the Gregorian or the Solar Hijri calendar, read into one Gregorian ISO date.

Lists of victims from inside Iran give dates in the Solar Hijri (jalali) calendar, often in Persian
digits; lists kept abroad use the Gregorian one. :func:`parse_date` reads either, keeps what was
written and how precise it was, and otherwise raises :class:`~gavah.errors.InputError` listing the
forms it accepts. The calendar conversion is jdatetime's; nothing here does calendar arithmetic.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

import jdatetime

from gavah.errors import InputError
from gavah.text.names import fold_persian

Calendar = Literal["gregorian", "solar_hijri"]
Precision = Literal["day", "month", "year"]
CalendarChoice = Literal["auto", "gregorian", "solar_hijri"]

HIJRI_MONTHS_FA = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)
HIJRI_MONTHS_EN = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)
GREGORIAN_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# As Iranian newspapers write the Gregorian months.
GREGORIAN_MONTHS_FA = (
    "ژانویه",
    "فوریه",
    "مارس",
    "آوریل",
    "مه",
    "ژوئن",
    "ژوئیه",
    "اوت",
    "سپتامبر",
    "اکتبر",
    "نوامبر",
    "دسامبر",
)
_OTHER_SPELLINGS: tuple[tuple[str, Calendar, int], ...] = (
    ("Farwardin", "solar_hijri", 1),
    ("Khurdad", "solar_hijri", 3),
    ("Khordaad", "solar_hijri", 3),
    ("Amordad", "solar_hijri", 5),
    ("Mordaad", "solar_hijri", 5),
    ("امرداد", "solar_hijri", 5),
    ("Shahriwar", "solar_hijri", 6),
    ("Abaan", "solar_hijri", 8),
    ("Aazar", "solar_hijri", 9),
    ("Dei", "solar_hijri", 10),
    ("Isfand", "solar_hijri", 12),
    ("Espand", "solar_hijri", 12),
    ("Sept", "gregorian", 9),
    ("می", "gregorian", 5),
    ("جولای", "gregorian", 7),
    ("آگوست", "gregorian", 8),
)

# In calendar="auto" the year alone says which calendar a date is in; these ranges do not overlap.
PLAUSIBLE_YEARS: dict[Calendar, range] = {
    "solar_hijri": range(1200, 1500),
    "gregorian": range(1800, 2200),
}
_LABEL = {"gregorian": "Gregorian", "solar_hijri": "Solar Hijri", "auto": "auto"}
_MONTH_LABELS: dict[Calendar, tuple[str, ...]] = {
    "gregorian": GREGORIAN_MONTHS_EN,
    "solar_hijri": HIJRI_MONTHS_EN,
}

ACCEPTED_FORMS = (
    "write the date year first as 2026-01-08, 2026/01/08 or 1404/10/18 (Persian or Arabic-Indic "
    "digits are fine), 2026-01 or 1404/10 for a month, 2026 or 1404 for a year; or with a month "
    "name: 18 Dey 1404, ۱۸ دی ۱۴۰۴, Dey 1404, 8 January 2026, 8-Jan-2026, January 8, 2026, "
    "Jan 8th, 2026, January 2026. "
    "Years 1200-1499 are read as Solar Hijri and 1800-2199 as Gregorian unless a calendar is given."
)
_IN_SHORT = "use e.g. 2026-01-08, 1404/10/18, 18 Dey 1404 or January 2026"
_MAX_LENGTH = 64  # longer than any accepted form; longer text is not a date

_NUMERIC = re.compile(r"([0-9]{4})(?:([-/.])([0-9]{1,2})(?:\2([0-9]{1,2}))?)?")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# With a month name, '-' and '/' separate too ("19-Sep-2022"); numeric forms are read before this.
_SEPARATORS = re.compile(r"[\s,،/-]+")
_NUMBER = {"day": re.compile(r"[0-9]{1,2}"), "year": re.compile(r"[0-9]{4}")}
_NAMED_FORMS = (("day", "month", "year"), ("month", "day", "year"), ("month", "year"))
_MONTH_WORD = "ماه"  # "۱۸ دی ماه ۱۴۰۴": the word "month" after the month's name
_YEAR_WORD = "سال"  # "۱۸ دی ۱۴۰۴" is also written "۱۸ دی سال ۱۴۰۴": "year" before the year
_ORDINAL = re.compile(r"^([0-9]{1,2})(?:st|nd|rd|th|ام|م)$")  # 19th, ۱۹ام
# Written with a zero-width non-joiner, which folding turns into a space: one word again.
_JOINED_MONTHS = (("اردی بهشت", "اردیبهشت"),)


def _month_key(name: str) -> str:
    return fold_persian(name).lower()


def _month_table() -> dict[str, tuple[Calendar, int]]:
    table: dict[str, tuple[Calendar, int]] = {}
    spellings: tuple[tuple[Calendar, tuple[str, ...]], ...] = (
        ("solar_hijri", HIJRI_MONTHS_EN),
        ("solar_hijri", HIJRI_MONTHS_FA),
        ("gregorian", GREGORIAN_MONTHS_EN),
        ("gregorian", GREGORIAN_MONTHS_FA),
    )
    for calendar, names in spellings:
        table.update({_month_key(name): (calendar, i) for i, name in enumerate(names, 1)})
    table.update(
        {_month_key(name[:3]): ("gregorian", i) for i, name in enumerate(GREGORIAN_MONTHS_EN, 1)}
    )
    table.update({_month_key(name): (calendar, i) for name, calendar, i in _OTHER_SPELLINGS})
    return table


_MONTHS = _month_table()


@dataclass(frozen=True)
class ParsedDate:
    """A date as read: ``iso`` is Gregorian YYYY-MM-DD; for a month or a year it is the first day
    of that month or year in the calendar it was written in, and ``precision`` says so."""

    iso: str
    original: str
    calendar: Calendar
    precision: Precision


@dataclass(frozen=True)
class _Fields:
    year: int
    month: int | None
    day: int | None
    named: Calendar | None  # the calendar a month name belongs to


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _bad(message: str) -> InputError:
    return InputError(message, hint=ACCEPTED_FORMS)


def parse_date(text: str, calendar: CalendarChoice = "auto") -> ParsedDate:
    """Read a Gregorian or Solar Hijri date (forms in :data:`ACCEPTED_FORMS`).

    ``calendar="auto"`` decides by the year (:data:`PLAUSIBLE_YEARS`) or by the month's name. Days
    are checked against the calendar (30 Esfand exists only in leap years). Any text that is not
    such a date raises :class:`InputError`, never another exception.
    """
    if calendar not in ("auto", "gregorian", "solar_hijri"):  # a tuple: no hashing of odd input
        raise InputError(f"unknown calendar {calendar!r}", hint="auto, gregorian or solar_hijri")
    if not isinstance(text, str):
        raise _bad(f"a date must be text, not {type(text).__name__} ({_IN_SHORT})")
    fields = _read(text)
    return _resolve(text, fields, _calendar_of(text, fields, calendar))


def _read(text: str) -> _Fields:
    if len(text) > _MAX_LENGTH:
        raise _bad(f"date {_show(text)} is {len(text)} characters long, not a date ({_IN_SHORT})")
    folded = fold_persian(text).lower()
    if not folded:
        raise _bad(f"the date is empty ({_IN_SHORT})")
    if m := _NUMERIC.fullmatch(folded):
        month, day = (int(g) if g else None for g in (m[3], m[4]))
        return _Fields(int(m[1]), month, day, named=None)
    for split, joined in _JOINED_MONTHS:
        folded = folded.replace(split, joined)
    if fields := _named(_words(folded)):
        return fields
    raise _bad(f"cannot read {_show(text)} as a date ({_IN_SHORT})")


def _words(folded: str) -> list[str]:
    """The words of a date with a month name, without what only decorates it: a trailing dot,
    an ordinal ending (19th), the words "month" and "year" (ماه, سال), "ماه" written on the
    month's name (دیماه)."""
    words: list[str] = []
    for word in _SEPARATORS.split(folded):
        word = word.rstrip(".")
        if not word or word in (_MONTH_WORD, _YEAR_WORD):
            continue
        if word.endswith(_MONTH_WORD) and word[: -len(_MONTH_WORD)] in _MONTHS:
            word = word[: -len(_MONTH_WORD)]
        words.append(m[1] if (m := _ORDINAL.match(word)) else word)
    return words


def _named(words: list[str]) -> _Fields | None:
    for form in _NAMED_FORMS:
        if len(form) != len(words):
            continue
        part = dict(zip(form, words, strict=True))
        numbers_fit = all(_NUMBER[role].fullmatch(part[role]) for role in form if role != "month")
        if part["month"] in _MONTHS and numbers_fit:
            calendar, month = _MONTHS[part["month"]]
            day = int(part["day"]) if "day" in part else None
            return _Fields(int(part["year"]), month, day, named=calendar)
    return None


def _calendar_of(text: str, fields: _Fields, asked: CalendarChoice) -> Calendar:
    if fields.named is not None:
        if asked not in ("auto", fields.named):
            raise _bad(
                f"{_show(text)} names a {_LABEL[fields.named]} month, "
                f"but the calendar was given as {_LABEL[asked]}"
            )
        if asked == "auto" and fields.year not in PLAUSIBLE_YEARS[fields.named]:
            years = PLAUSIBLE_YEARS[fields.named]
            raise _bad(
                f"year {fields.year} in {_show(text)} is not a plausible {_LABEL[fields.named]} "
                f"year ({years.start}-{years.stop - 1}); give the calendar if it is right"
            )
        return fields.named
    if asked != "auto":
        return asked
    for calendar, years in PLAUSIBLE_YEARS.items():
        if fields.year in years:
            return calendar
    ranges = " nor ".join(
        f"{_LABEL[calendar]} ({years.start}-{years.stop - 1})"
        for calendar, years in PLAUSIBLE_YEARS.items()
    )
    raise _bad(
        f"year {fields.year} in {_show(text)} is neither {ranges}; "
        "give the calendar if the year is right"
    )


def _resolve(text: str, fields: _Fields, calendar: Calendar) -> ParsedDate:
    month = 1 if fields.month is None else fields.month
    day = 1 if fields.day is None else fields.day
    if not 1 <= month <= 12:
        raise _bad(f"month {month} in {_show(text)} is not between 1 and 12")
    try:
        gregorian = _to_gregorian(calendar, fields.year, month, day)
    except ValueError:
        raise _bad(f"{_show(text)}: {_impossible(calendar, fields.year, month, day)}") from None
    precision: Precision = (
        "year" if fields.month is None else "month" if fields.day is None else "day"
    )
    return ParsedDate(gregorian.isoformat(), original=text, calendar=calendar, precision=precision)


def _to_gregorian(calendar: Calendar, year: int, month: int, day: int) -> dt.date:
    if calendar == "gregorian":
        return dt.date(year, month, day)
    gregorian: dt.date = jdatetime.date(year, month, day).togregorian()
    return gregorian


def _impossible(calendar: Calendar, year: int, month: int, day: int) -> str:
    """Why a date that failed to convert does not exist (the month is already known to be 1-12)."""
    try:
        _to_gregorian(calendar, year, month, 1)
    except ValueError:
        return f"year {year} is outside what the {_LABEL[calendar]} calendar can convert"
    return f"{_MONTH_LABELS[calendar][month - 1]} {year} has no day {day}"


def to_hijri(iso: str) -> str:
    """The Solar Hijri date ``YYYY/MM/DD`` of a Gregorian ISO date ``YYYY-MM-DD``, for display."""
    if not isinstance(iso, str) or not _ISO_DAY.fullmatch(iso):
        shown = _show(iso) if isinstance(iso, str) else type(iso).__name__
        raise InputError(f"{shown} is not an ISO date", hint="write it as YYYY-MM-DD")
    try:
        gregorian = dt.date.fromisoformat(iso)
    except ValueError as exc:
        raise InputError(f"{iso!r} is not a Gregorian date: {exc}") from None
    try:
        day = jdatetime.date.fromgregorian(date=gregorian)
    except ValueError:
        raise InputError(f"{iso!r} is before the Solar Hijri calendar's first year") from None
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def hijri_month_name(month: int, lang: Literal["fa", "en"]) -> str:
    """The name of Solar Hijri month 1-12, in Persian (``fa``) or in Latin letters (``en``)."""
    if lang not in ("fa", "en"):
        raise InputError(f"unknown language {lang!r} for month names", hint="use fa or en")
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise InputError(f"Solar Hijri month {month!r} is not between 1 and 12")
    return (HIJRI_MONTHS_FA if lang == "fa" else HIJRI_MONTHS_EN)[month - 1]
