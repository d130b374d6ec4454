"""Persian and English: gettext catalogs (Babel), one Jinja environment per language, and
dates shown in both calendars.

English is the source language; ``locale/fa/LC_MESSAGES/messages.po`` holds the Persian. The
catalog is compiled in memory when the app starts (no compiled .mo files in the repository), and
a test fails when a message in the templates or routes has no Persian translation.
"""

from __future__ import annotations

import gettext
import io
import re
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any

import jdatetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, PackageLoader, select_autoescape

from gavah.text.dates import HIJRI_MONTHS_EN, HIJRI_MONTHS_FA
from gavah.web.bidi import shown, shown_text

LANGUAGES = ("fa", "en")
DEFAULT_LANGUAGE = "fa"
DIRECTION = {"fa": "rtl", "en": "ltr"}
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def catalog_path(language: str) -> Any:
    return resources.files("gavah.web") / "locale" / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    with catalog_path(language).open("rb") as f:
        catalog = read_po(f, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


# A point or comma between two digits, once they are Persian: Persian writes its own decimal
# separator (٫) and thousands separator (٬), never a Latin point or comma between its digits.
_BETWEEN_DIGITS = re.compile(r"(?<=[۰-۹])([.,])(?=[۰-۹])")
_SEPARATORS = {".": "\u066b", ",": "\u066c"}


def digits(value: object, language: str) -> str:
    """The text with Persian digits on Persian pages (``0.9`` / ``۰٫۹``, ``1,234`` / ``۱٬۲۳۴``)."""
    text = str(value)
    if language != "fa":
        return text
    return _BETWEEN_DIGITS.sub(lambda m: _SEPARATORS[m[1]], text.translate(_PERSIAN_DIGITS))


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def gregorian(value: datetime | str | None, language: str, with_time: bool = True) -> str:
    if value is None:
        return ""
    at = _utc(value)
    text = at.strftime("%Y-%m-%d %H:%M UTC" if with_time else "%Y-%m-%d")
    return digits(text, language)


def solar_hijri(value: datetime | date | str | None, language: str) -> str:
    """The Solar Hijri date, with the month's name: ۳ آذر ۱۴۰۵ / 3 Azar 1405."""
    if value is None:
        return ""
    day = value if isinstance(value, date) and not isinstance(value, datetime) else _utc(value)
    j = jdatetime.date.fromgregorian(date=day if not isinstance(day, datetime) else day.date())
    months = HIJRI_MONTHS_FA if language == "fa" else HIJRI_MONTHS_EN
    return digits(f"{j.day} {months[j.month - 1]} {j.year}", language)


_UNITS = {
    "en": ("B", "KiB", "MiB", "GiB"),
    "fa": ("بایت", "کیلوبایت", "مگابایت", "گیگابایت"),  # binary multiples, as in English
}


def filesize(size: int, language: str) -> str:
    """``3.5 KiB`` / ``۳٫۵ کیلوبایت``: Persian digits with Persian's own decimal separator, not
    a Latin point between Persian digits."""
    units = _UNITS.get(language, _UNITS["en"])
    value = float(size)
    for i, unit in enumerate(units):
        if value < 1024 or i == len(units) - 1:
            number = f"{value:.0f}" if i == 0 else f"{value:.1f}"
            return digits(f"{number} {unit}", language)
        value /= 1024
    return digits(str(size), language)  # not reached: the last unit takes any size


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=PackageLoader("gavah.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(lang=language, dir=DIRECTION[language], languages=LANGUAGES)
    env.filters.update(
        digits=lambda v: digits(v, language),
        gdate=lambda v, with_time=True: gregorian(v, language, with_time),
        jdate=lambda v: solar_hijri(v, language),
        filesize=lambda v: filesize(v, language),
        # A message that may hold what a visitor typed (an error's text): translated as plain
        # text, so autoescape applies; `_()` would mark it safe and read it as a format string.
        translate=lambda v: translations(language).gettext(str(v)),
        # Every name a page shows (files, collections, sources, accounts): see gavah.web.bidi.
        shown=shown,
        shown_text=shown_text,
    )
    return env


def gettext_for(language: str) -> Any:
    return translations(language).gettext
