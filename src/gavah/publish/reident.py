"""The re-identification check before release: rare attributes in the text that would be published.

A name removed is not a person hidden. "A 27-year-old teacher from Balo, killed on 8 October"
names one person to anyone from Balo. The check reads the fields a page would publish and flags
what narrows a crowd to a few: an exact address, a phone number, an e-mail, an ID or postal code,
a named workplace, and two combinations, a small place with an exact date and an exact age with
a small place. It flags, it does not decide: a reviewer coarsens the text (or the place, with
:func:`gavah.publish.location.reduce_place`) or accepts each flag knowingly.

The patterns are data (:data:`PATTERNS`), in English and Persian, on text whose Persian and
Arabic digits were made ASCII first. They cannot be complete: a nickname, a scar, a car's colour
identify too. ``docs/redaction.md`` says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from gavah.db import models
from gavah.text.places import locate, read_gazetteer_tsv

SMALL_PLACE = 20_000  # people: below this a place with a date or an age narrows to few
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_W = r"[\w\u200c]"  # a word character, with the zero-width non-joiner Persian writes in words


@dataclass(frozen=True)
class Pattern:
    kind: str
    why: str
    regex: re.Pattern[str]


def _p(kind: str, why: str, *forms: str) -> Pattern:
    # Keywords are matched in any case ((?i:...) in the forms); a name must start with a capital.
    return Pattern(kind, why, re.compile("|".join(f"(?:{f})" for f in forms)))


PATTERNS = (
    _p(
        "address",
        "an exact address: street, alley or house number",
        r"\b\d+[a-z]?,?\s+(?:[A-Z]\w+\s+){1,3}(?i:street|st\.?|avenue|ave\.?|alley|lane|road|"
        r"blvd|boulevard|kuche|kucheh)\b",
        r"\b(?i:no\.?|number|plaque|pelak|unit|apt\.?|apartment)\s*\d+",
        r"(?:پلاک|واحد)\s*\d+",
        rf"(?:خیابان|کوچه|بن‌بست|بن بست|بلوار|میدان)\s+{_W}+(?:\s+{_W}+)?[^.\n]{{0,40}}\d+",
    ),
    _p(
        "phone",
        "a phone number",
        r"(?:\+98|0098|\b0)9\d{2}[\s-]?\d{3}[\s-]?\d{4}\b",
        r"\b0\d{2}[\s-]?\d{8}\b",
    ),
    _p("email", "an e-mail address", r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b"),
    _p(
        "identifier",
        "a national ID, postal code or other long number",
        r"\b\d{10}\b",
        r"\b\d{5}-\d{5}\b",
    ),
    _p(
        "workplace",
        "a named workplace",
        r"\b(?i:works?|worked|working|employed|employee|teacher|nurse|doctor|worker|clerk|"
        r"student)\s+(?i:at|for|of|in)\s+(?:the\s+)?[A-Z][\w'-]+",
        r"\b(?!(?:The|A|An|This|That|Its|His|Her|Their)\b)[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*\s+(?i:factory|company|hospital|school|university|"
        r"bakery|refinery|mine|plant|workshop|office)\b",
        rf"(?:کارمند|کارگر|معلم|پرستار|پزشک|دانشجوی|دانش‌آموز|شاغل در|کار در)\s+{_W}+",
        rf"(?:کارخانه|شرکت|بیمارستان|مدرسه|دانشگاه|پالایشگاه|نانوایی|معدن|کارگاه)\s+{_W}+",
    ),
)
_EXACT_DATE = re.compile(
    r"\b(?:1[34]\d\d|20\d\d|19\d\d)[/-](?:0?[1-9]|1[0-2])[/-](?:0?[1-9]|[12]\d|3[01])\b"
    r"|\b(?:0?[1-9]|[12]\d|3[01])\s+(?:january|february|march|april|may|june|july|august|"
    r"september|october|november|december|farvardin|ordibehesht|khordad|tir|mordad|shahrivar|"
    r"mehr|aban|azar|dey|bahman|esfand)\b"
    r"|\b\d{1,2}\s+(?:فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند)",
    re.IGNORECASE,
)
_EXACT_AGE = re.compile(
    r"\b\d{1,3}[\s-]*(?:years?[\s-]*old|yo|year-old)\b|\baged?\s+\d{1,3}\b|\d{1,3}\s*ساله",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Flag:
    """One rare attribute found: in which field, what kind, the text that matched, and why."""

    field: str
    kind: str
    text: str
    why: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "kind": self.kind, "text": self.text, "why": self.why}


def check(
    fields: Mapping[str, str | None],
    *,
    place: str | None = None,
    date_precision: str | None = None,
    age: int | None = None,
) -> list[Flag]:
    """Flags for the text ``fields`` (name -> text as it would be published), and for the
    structured facts published beside them: the place (as written), the date's precision
    (``day`` is exact) and an exact age."""
    texts = {name: (text or "").translate(_DIGITS) for name, text in fields.items()}
    flags = [flag for name, text in texts.items() for flag in _patterns(name, text)]
    small = _small_place(place, texts)
    if small is not None:
        flags += _combinations(small, texts, date_precision, age)
    return flags


def check_incident(incident: models.VerifyIncident) -> list[Flag]:
    """Flags for what an incident page publishes: its title and description, with its place and
    the precision of its date (verification's incident row, :mod:`gavah.verify`)."""
    return check(
        {"title": incident.title, "description": incident.description},
        place=incident.place,
        date_precision=incident.date_precision,
    )


def _patterns(name: str, text: str) -> list[Flag]:
    return [
        Flag(name, p.kind, m.group(0).strip(), p.why)
        for p in PATTERNS
        for m in p.regex.finditer(text)
    ]


def _combinations(
    small: tuple[str, str], texts: Mapping[str, str], date_precision: str | None, age: int | None
) -> list[Flag]:
    where, place = small
    flags = []
    dated = date_precision == "day" or any(_EXACT_DATE.search(t) for t in texts.values())
    if dated:
        flags.append(
            Flag(
                where,
                "small-place-and-date",
                place,
                "a small place with an exact date: few people fit both",
            )
        )
    aged = age is not None or any(_EXACT_AGE.search(t) for t in texts.values())
    if aged:
        flags.append(
            Flag(
                where,
                "small-place-and-age",
                place,
                "an exact age with a small place: few people fit both",
            )
        )
    return flags


def _small_place(place: str | None, texts: Mapping[str, str]) -> tuple[str, str] | None:
    """(field, place) of a place the gazetteer knows as small, or cannot find (a village it
    lacks is small too); the structured place first, then places written in the text."""
    if place and _is_small(place):
        return ("place", place)
    for name, text in texts.items():
        for found in re.finditer(r"\b(?:in|at|from|near|village of)\s+([A-Z][\w'-]+)", text):
            if _is_small(found.group(1), written_in_text=True):
                return (name, found.group(1))
        for found in re.finditer(rf"(?:روستای|در روستا)\s+({_W}+)", text):
            return (name, found.group(1))
    return None


def _is_small(place: str, written_in_text: bool = False) -> bool:
    read = locate(place)
    if not read.localities:
        return False  # a province alone, or not a place at all
    sizes = [_populations().get(i) for i in read.localities]
    if written_in_text and any(s is None for s in sizes):
        return False  # a capitalised word the gazetteer does not know: not taken as a place
    return any(s is None or s < SMALL_PLACE for s in sizes)


@cache
def _populations() -> dict[str, int]:
    text = resources.files("gavah.text").joinpath("iran_places.tsv").read_text(encoding="utf-8")
    # GeoNames gives 0 where it does not know: such places are taken as small.
    return {loc.id: loc.population for loc, _ in read_gazetteer_tsv(text)}
