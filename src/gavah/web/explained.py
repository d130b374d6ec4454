"""The linkage model's explanation of a pair, said in the page's language.

The register stores each scored pair's explanation as the library wrote it: per comparison,
the level that agreed and its weight ("same date (+3.3)"), and a note on a common name
(:mod:`gavah.casualties.linkage`). A reviewer deciding whether two records are one person reads
these on the review page; on a Persian page they are said here in Persian, the weight with
Persian digits. A level this table does not know (a newer model) is shown as stored.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from gavah.web.bidi import shown
from gavah.web.i18n import digits, translations


def _(text: str) -> str:
    """Marks a message for extraction (``make messages``); translated when a page shows it."""
    return text


COMPARISONS = {  # gavah.casualties.comparisons.PRIORS, by output column, and the frequency note
    "name": _("name"),
    "age": _("age"),
    "day": _("date of death"),
    "place": _("place of death"),
    "gender": _("gender"),
    "name frequency": _("name frequency"),
}
LEVELS = {  # each level's label in gavah.casualties.comparisons (a test keeps them in step)
    "same name (every part agrees, in any order or script)": _(
        "same name (every part agrees, in any order or script)"
    ),
    "same name, spelled differently or with a part missing": _(
        "same name, spelled differently or with a part missing"
    ),
    "names probably agree": _("names probably agree"),
    "one name is the family part of the other (given name missing)": _(
        "one name is the family part of the other (given name missing)"
    ),
    "names look alike (a letter or two differ)": _("names look alike (a letter or two differ)"),
    "names partly agree": _("names partly agree"),
    "names differ": _("names differ"),
    "same age": _("same age"),
    "ages within a year, or ranges that overlap": _("ages within a year, or ranges that overlap"),
    "ages within 3 years": _("ages within 3 years"),
    "ages differ": _("ages differ"),
    "same date": _("same date"),
    "dates within a day": _("dates within a day"),
    "same month (one list gives only the month)": _("same month (one list gives only the month)"),
    "dates within a week": _("dates within a week"),
    "dates differ": _("dates differ"),
    "same place": _("same place"),
    "same province, another place or none given": _("same province, another place or none given"),
    "provinces differ": _("provinces differ"),
    "same gender": _("same gender"),
    "genders differ": _("genders differ"),
    "not known on one side": _("not known on one side"),
}
COMMON_NAME = _("a common name: 1 in %(n)s records of its list")

_WEIGHED = re.compile(r"^(?P<label>.+) \((?P<weight>[+-]?\d+(?:\.\d+)?)\)$")
_COMMON = re.compile(r"^a common name: 1 in (?P<n>[\d,]+) records of its list$")


def comparison(name: str, language: str) -> Markup:
    known = COMPARISONS.get(name)
    if known is None:
        return shown(name)
    return escape(translations(language).gettext(known))


def weighed(text: str) -> tuple[str, str] | None:
    """``same date (+3.3)`` cut into its label and its weight; None for a line with no weight."""
    found = _WEIGHED.match(text)
    return None if found is None else (found["label"], found["weight"])


def weight(number: str, language: str) -> Markup:
    """A weight after its label: `` (+3.3)``, isolated left to right (the sign stays before the
    digits on a right-to-left page), with Persian digits on Persian pages."""
    return Markup(' (<bdi dir="ltr">%s</bdi>)') % digits(number, language)


def level(text: str, language: str) -> Markup:
    """``same date (+3.3)`` as the page's language says it, the weight isolated left to right."""
    found = weighed(text)
    if found is None:
        return shown(text)
    label, number = found
    gettext = translations(language).gettext
    common = _COMMON.match(label)
    if common is not None:
        said = Markup(escape(gettext(COMMON_NAME))) % {"n": digits(common["n"], language)}
    elif label in LEVELS:
        said = escape(gettext(LEVELS[label]))
    else:
        return shown(text)
    return said + weight(number, language)
