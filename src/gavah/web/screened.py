"""A sanctions screening's reasons, said in the page's language.

Screening explains each candidate in English lines (:mod:`gavah.sanctions.match` and the name
comparison, :mod:`gavah.text.name_compare`): the name score and the names compared, how each
word agrees, each fact found with its weight ("birth year agrees: 1961 (+1.2)"), and the
probability with its band. On a Persian page each line this table knows is said in Persian the
way :mod:`gavah.web.explained` says the linkage levels: numbers with Persian digits, isolated
left to right, the weight the same way. What a line quotes from a list (names, identifiers,
words) is kept as written, isolated with its own direction (:func:`gavah.web.bidi.shown`). A
line the table does not know (a newer library) is shown as stored.

Each message is both the Persian catalog's msgid and the pattern a line is read with: its
``%(name)s`` placeholders become the parts of the line (:data:`PARTS` says how each is said).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from functools import cache

from babel import Locale
from markupsafe import Markup, escape

from gavah.web.bidi import shown
from gavah.web.explained import _, weighed, weight
from gavah.web.i18n import digits, translations

LINES = (  # every line gavah.sanctions.match and gavah.text.name_compare write (tests keep step)
    _("name %(score)s: %(name)s vs %(other_name)s"),
    _("no word of any name on one side agrees with a word of a name on the other"),
    _("%(left)s = %(right)s: same spelling"),
    _("%(left)s ≈ %(right)s: same name, spelling differs (same consonants %(key)s)"),
    _("%(left)s ≈ %(right)s: same name in Persian and Latin script (same consonants %(key)s)"),
    _("%(left)s ≈ %(right)s: same name, transliteration variant (gh/q/g/k written alike)"),
    _("%(left)s ≈ %(right)s: same name, with a title, al-, -ollah or an abbreviation (Mir-, Mhd)"),
    _("%(left)s = %(right)s: same name, written as one word on one side"),
    _("%(left)s = %(right)s: the same word in another language or spelling (%(concept)s)"),
    _("%(left)s ~ %(right)s: only the ending differs (-i, -an), which often makes another name"),
    _("%(left)s ~ %(right)s: similar spelling, %(percent)s alike (one consonant differs)"),
    _("%(left)s ≠ %(right)s: same consonants but other vowels, so different names"),
    _("%(left)s ~ %(right)s: same consonants but other vowels, perhaps another name"),
    _("%(left)s ≠ %(right)s: different numbers, a strong sign of different bodies"),
    _("%(left)s ≠ %(right)s: different names"),
    _("%(word)s: only in the left name (a missing part costs a little)"),
    _("%(word)s: only in the right name (a missing part costs a little)"),
    _("%(word)s: title, rank or particle, left aside"),
    _("%(left)s = %(right)s: two names of one body, %(body)s (WELL_KNOWN_BODIES)"),
    _("%(left)s = %(right)s: the acronym is made of the initials of the name"),
    _("one of the agreeing names is a single word"),
    _("the names agree in the original (Arabic or Persian) script"),
    _("a name written the same on both: %(name)s"),
    _("%(n)s entries of the list share the name's rarest key"),
    _("gender disagrees: %(gender)s vs %(other_gender)s"),
    _("nationality agrees: %(countries)s"),
    _("nationality disagrees: %(countries)s vs %(other_countries)s"),
    _("identifier agrees: %(values)s"),
    _("position or unit shares: %(values)s"),
    _("birth date agrees: %(date)s"),
    _("birth year agrees: %(date)s"),
    _("birth years %(n)s apart: %(date)s vs %(other_date)s"),
    _("birth date disagrees: %(date)s vs %(other_date)s"),
    _("both designated under %(regime)s regimes"),
    _("both under human-rights regimes"),
    _("designated under different regimes: %(regime)s vs %(other_regime)s"),
    _("kind of body agrees: %(values)s"),
    _("kind of body disagrees: %(values)s vs %(other_values)s"),
    _("branch agrees: %(values)s"),
    _("branch disagrees: %(values)s vs %(other_values)s"),
    _("place agrees: %(values)s"),
    _("place disagrees: %(values)s vs %(other_values)s"),
    _("legal forms disagree"),
    _("the primary names agree once legal forms and generic words are aside"),
    _("a legal form in one primary name only"),
    _("one entry's primary name is among the other's names"),
    _("one is the other's name with more words: a unit or branch of it?"),
    _("probability %(p)s: a match (from %(lower)s)"),
    _("probability %(p)s: a candidate for review (%(lower)s to %(upper)s)"),
    _("probability %(p)s: below the candidate band (from %(lower)s)"),
    _("for a person, the name alone cannot make a match: nothing else agrees"),
    _("nothing beyond the name corroborates it: a human must decide"),
    _("a reviewer judged them the same"),
    _("a reviewer was unsure"),
)
NOTES = (  # what the name comparison adds to a word's line
    _("; a generic word, it counts little"),
    _("; a very common name, it counts less"),
)
REGIMES = {  # gavah.sanctions.regimes families, as the gap report's page names them
    "terrorism": _("terrorism"),
    "human-rights": _("human rights"),
    "proliferation": _("proliferation"),
    "other": _("other"),
}
GENDERS = {"male": _("male"), "female": _("female")}  # FtM's gender values; others as written

Part = Callable[[str, str], Markup]  # a part of a line as written, the language


def _number(value: str, language: str) -> Markup:
    return Markup('<bdi dir="ltr">%s</bdi>') % digits(value, language)


def _percent(value: str, language: str) -> Markup:
    """``83%``: the percent sign Persian writes (٪) after Persian digits."""
    return _number(value.replace("%", "\u066a") if language == "fa" else value, language)


def _quoted(value: str, language: str) -> Markup:
    """A name the line quotes as Python writes a string (``'Ali'``), unquoted and isolated."""
    try:
        name = ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        name = value  # not a quoted string after all: as written
    return Markup("«%s»") % shown(name)


def _term(table: dict[str, str]) -> Part:
    def said(value: str, language: str) -> Markup:
        known = table.get(value)
        return escape(translations(language).gettext(known)) if known else shown(value)

    return said


def _countries(value: str, language: str) -> Markup:
    """``ir, iq`` as the language names the countries (CLDR, through Babel); codes it does
    not know as written."""
    names = _territories(language)
    said = [escape(n) if (n := names.get(c.upper())) else shown(c) for c in value.split(", ")]
    return Markup("، " if language == "fa" else ", ").join(said)


@cache
def _territories(language: str) -> dict[str, str]:
    return dict(Locale.parse(language).territories)


def _as_written(value: str, language: str) -> Markup:
    return shown(value)


PARTS: dict[str, Part] = {
    "score": _number,
    "percent": _percent,
    "n": _number,
    "p": _number,
    "lower": _number,
    "upper": _number,
    "date": _number,
    "other_date": _number,
    "name": _quoted,
    "other_name": _quoted,
    "regime": _term(REGIMES),
    "other_regime": _term(REGIMES),
    "gender": _term(GENDERS),
    "other_gender": _term(GENDERS),
    "countries": _countries,
    "other_countries": _countries,
}  # any other part (words of names, identifiers, skeletons) is shown as written

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(message: str) -> re.Pattern[str]:
    """The lines ``message`` reads: its text, each placeholder any text."""
    pieces = _PLACEHOLDER.split(message)
    literal = [re.escape(p) for p in pieces[::2]]
    groups = [f"(?P<{name}>.+?)" for name in pieces[1::2]]
    body = "".join(x for pair in zip(literal, [*groups, ""], strict=True) for x in pair)
    return re.compile(f"^{body}$", re.DOTALL)


_PATTERNS = tuple((_pattern(m), m) for m in LINES)


def known(text: str) -> tuple[str, dict[str, str]] | None:
    """The message a line (without its note and weight) was written from, and its parts."""
    for pattern, message in _PATTERNS:
        if found := pattern.match(text):
            return message, found.groupdict()
    return None


def _body(text: str, language: str) -> Markup | None:
    note = next((n for n in NOTES if text.endswith(n)), "")
    found = known(text.removesuffix(note) if note else text)
    if found is None:
        return None
    message, parts = found
    gettext = translations(language).gettext
    values = {k: PARTS.get(k, _as_written)(v, language) for k, v in parts.items()}
    said = Markup(escape(gettext(message))) % values
    return said + escape(gettext(note)) if note else said


def said(text: str, language: str) -> Markup | None:
    """One line of a screening's explanation as the page's language says it, the weight
    after it; None for a line this table does not know."""
    split = weighed(text)
    if split is not None and (body := _body(split[0], language)) is not None:
        return body + weight(split[1], language)
    return _body(text, language)


def line(text: str, language: str) -> Markup:
    """:func:`said`, or a line the table does not know as stored (isolated, its invisible
    characters shown): never dropped."""
    return said(text, language) or shown(text)
