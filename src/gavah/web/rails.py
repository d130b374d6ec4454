"""The estimate's guard rails said in the page's language.

The library says each guard rail in English (:mod:`gavah.casualties.mse.guards`), and keeps
the values it was made of in ``params``. An English page shows the library's words; a Persian
page says the same from the catalog below, with Persian digits, Solar Hijri dates and each list
name isolated (:func:`gavah.web.bidi.shown`), so that a caveat an advocate may repeat is never
the one line of a Persian page left in English. A rail whose code or values this table does not
know (a newer library) is shown in English, marked as such, rather than not at all.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup, escape

from gavah.web.bidi import shown
from gavah.web.i18n import digits, solar_hijri, translations


def _(text: str) -> str:
    """Marks a message for extraction (``make messages``); translated when a page shows it."""
    return text


# One text per code (and, for the fit rails said of several strata at once, per that form).
# Placeholders are the rail's ``params``, formatted by _FORMATS below.
TEXTS: dict[str, str] = {
    "two-lists-only": _(
        "only two lists (%(a)s and %(b)s): the estimate rests wholly on their being made "
        "independently of each other, and two lists cannot show whether they were. If they draw "
        "on the same sources, the number is too low; if each reaches people the other cannot, too "
        "high. A third list would let the estimate check it."
    ),
    "near-copy": _(
        "%(share)s of the people on list %(a)s (%(both)s of %(size)s) are also on list %(b)s: one "
        "of the two may be compiled from the other, or both from the same sources. The estimate "
        "assumes that lists are made independently; lists that copy each other make it too low. "
        "Treat them as one list (leave one out) and compare."
    ),
    "dependent-lists": _(
        "lists %(a)s and %(b)s share %(both)s people, more than two lists made independently "
        "could: on these two alone the estimate would be %(alone)s, fewer than the %(observed)s "
        "people documented on all lists. They probably draw on each other or on the same "
        "sources. Estimates that ignore this are too low; the methods allow for it only in part."
    ),
    "periods-differ": _(
        "list %(a)s covers %(a0)s to %(a1)s and list %(b)s %(b0)s to %(b1)s (the middle %(middle)s of "
        "each list's dates of death): people killed when only one list was recording cannot be "
        "on the other, and the estimate counts them as missed by it. Estimate by month or for "
        "the common period only."
    ),
    "places-differ": _(
        "%(elsewhere)s of the %(placed)s people list %(a)s places (%(share)s) died in provinces "
        "where list %(b)s records nobody: the lists may cover different places, and the estimate "
        "then counts those people as missed by it. Estimate by province or for the places both "
        "cover."
    ),
    "under-linked": _(
        "%(pairs)s pairs of records score between %(low)s and %(threshold)s and are counted as two "
        "people each (%(people)s people counted): if most are one person, the documented count is "
        "up to %(pairs)s too high, and the estimate, which reads a person counted twice as one "
        "seen by one list only, is too high as well. Review them (the linkage review) and compare "
        "the estimate at a lower threshold."
    ),
    "far-above-documented": _(
        "the estimate (%(estimate)s) is %(times)s times the %(observed)s people documented: most "
        "of it is people no list recorded, inferred from how little the lists overlap. Lists "
        "overlap little also when the register counts people twice, and when lists cover "
        "different periods or places; rule those out before quoting the number."
    ),
    "small-strata": _(
        "%(small)s of the %(strata)s strata hold fewer than %(minimum)s documented victims "
        "(%(victims)s victims in all): their estimates are unstable and their intervals wide. Use "
        "broader strata, or none."
    ),
    "poor-fit": _(
        "%(where)s: the log-linear model it leans on (%(model)s) does not fit the counts "
        "(goodness-of-fit p = %(p)s): none of the models tried describes how these lists depend "
        "on one another, and the number may be wrong in either direction."
    ),
    "most-complex-model": _(
        "%(where)s: the log-linear model it leans on (%(model)s) is the most complex one fitted, "
        "so nothing in the data is left to test it; the number rests on the assumption that the "
        "lists depend on one another in no more complex way."
    ),
    "poor-fit/strata": _(
        "%(strata)s strata (%(where)s): the log-linear model each leans on does not fit its "
        "counts: none of the models tried describes how the lists depend on one another there, "
        "and those numbers may be wrong in either direction."
    ),
    "most-complex-model/strata": _(
        "%(strata)s strata (%(where)s): the log-linear model each leans on is the most complex "
        "one fitted, so nothing in the data is left to test it; those numbers rest on the "
        "assumption that the lists depend on one another in no more complex way."
    ),
    "methods-disagree": _(
        "the methods disagree beyond their %(level)s intervals: %(each)s. Each rests on different "
        "assumptions about how the lists depend on each other, and the data cannot tell which "
        "holds: report the range of the methods, not one of them."
    ),
}

ONE_METHOD = _("%(method)s %(estimate)s (%(low)s to %(high)s)")
WHERE = {  # the fixed names of the estimate a fit rail is said of (else a stratum's label)
    "the estimate": _("the estimate"),
    "log-linear side by side": _("log-linear, side by side"),
}
_PERCENT = {"en": "%", "fa": "\u066a"}  # ٪


def _count(value: Any, language: str) -> str:
    return digits(f"{round(float(value)):,}", language)  # ٬ and ٫ in Persian: see digits


def _share(value: Any, language: str) -> str:
    return digits(f"{float(value) * 100:.0f}", language) + _PERCENT[language]


def _decimal(value: Any, language: str, spec: str) -> str:
    return digits(format(float(value), spec), language)


def _day(value: Any, language: str) -> str:
    day = datetime.date.fromisoformat(value) if isinstance(value, str) else value
    return solar_hijri(day, language)


def _where(value: Any, language: str) -> Markup:
    places = value if isinstance(value, list | tuple) else [value]
    gettext = translations(language).gettext
    said = [
        escape(gettext(WHERE[p])) if p in WHERE else shown(str(p).removeprefix("stratum "))
        for p in places
    ]
    return Markup("، " if language == "fa" else ", ").join(said)


def _each(value: Any, language: str) -> Markup:
    gettext = translations(language).gettext
    parts = [
        Markup(escape(gettext(ONE_METHOD)))
        % {
            "method": shown(m["method"]),
            "estimate": _count(m["estimate"], language),
            "low": _count(m["interval"][0], language),
            "high": _count(m["interval"][1], language),
        }
        for m in value
    ]
    return Markup("؛ " if language == "fa" else "; ").join(parts)


Format = Callable[[Any, str], Any]
_FORMATS: dict[str, Format] = {
    "a": lambda v, _lang: shown(v),
    "b": lambda v, _lang: shown(v),
    "model": lambda v, _lang: shown(v),
    "share": _share,
    "low": lambda v, lang: _decimal(v, lang, "g"),
    "threshold": lambda v, lang: _decimal(v, lang, "g"),
    "times": lambda v, lang: _decimal(v, lang, ".1f"),
    "p": lambda v, lang: _decimal(v, lang, ".2g"),
    "a0": _day,
    "a1": _day,
    "b0": _day,
    "b1": _day,
    "where": _where,
    "each": _each,
}


def _format(name: str) -> Format:
    return _FORMATS.get(name, _count)


def said(code: str, params: Mapping[str, Any], language: str) -> Markup | None:
    """The rail in ``language``'s words, or None where English is the page's language or the
    catalog cannot say it (an unknown code, a value missing): the page then shows the
    library's English message."""
    key = (
        f"{code}/strata"
        if "strata" in params and code in ("poor-fit", "most-complex-model")
        else code
    )
    text = TEXTS.get(key)
    if language == "en" or text is None:
        return None
    translated = translations(language).gettext(text)
    if translated == text:  # not in the catalog
        return None
    try:
        values = {name: _format(name)(value, language) for name, value in params.items()}
        values |= {"middle": _share(0.9, language), "level": _share(0.95, language)}
        return Markup(escape(translated)) % values
    except (KeyError, TypeError, ValueError):  # a rail made by another version of the library
        return None
