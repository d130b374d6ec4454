"""Names of bodies (prisons, courts, police and IRGC units, companies): their other forms, and
the facts a body's name states.

Lists name one court branch "1st branch of the Revolutionary Court of Shiraz" (EU) and "BRANCH
1 OF THE SHIRAZ REVOLUTIONARY COURT" (OFAC), one police force with and without "of the Islamic
Republic of Iran", and one prison "Evin Prison", "زندان اوین" or "Zendan-e Evin". The name
comparison (:mod:`gavah.text.name_compare`) is order-free, so what remains is to make the
words meet:

- :func:`other_names` gives the extra forms a body's name is read under: ordinals in words or
  digits, in English, Persian and transliteration ("first", "1st", "اول", "avval") become the
  digit; the country ("Iran", "of Iran", "Islamic Republic of Iran", "ایران") may be absent;
  and the names of one body in the known-bodies table (``data/known_bodies.csv``: Persian,
  transliterations and English translations, each row with its source) stand for each other.
- :func:`facts` reads what the name says of the body: its kind (prison, court, prosecution,
  police, IRGC, Basij, ministry, broadcaster, foundation, bank, company), the numbers of its
  branches, the Iranian cities and provinces it names, and its legal form. Matching compares
  them (:mod:`gavah.sanctions.calibration`): two prisons of different cities are two prisons.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from gavah.text.name_compare import ORG_WORDS, one_edit
from gavah.text.names import drop_possessive, fold_persian, latin_fold, skeleton

# Ordinals in English, Persian and transliteration, to their digit. Numbers in Persian digits are
# already read as ASCII digits by fold_persian.
_ORDINALS = {
    **{
        w: str(i)
        for i, w in enumerate(
            [
                "first",
                "second",
                "third",
                "fourth",
                "fifth",
                "sixth",
                "seventh",
                "eighth",
                "ninth",
                "tenth",
                "eleventh",
                "twelfth",
                "thirteenth",
                "fourteenth",
                "fifteenth",
                "sixteenth",
                "seventeenth",
                "eighteenth",
                "nineteenth",
                "twentieth",
            ],
            start=1,
        )
    },
    **{
        w: str(i)
        for i, w in enumerate(
            [
                "اول",
                "دوم",
                "سوم",
                "چهارم",
                "پنجم",
                "ششم",
                "هفتم",
                "هشتم",
                "نهم",
                "دهم",
                "یازدهم",
                "دوازدهم",
            ],
            start=1,
        )
    },
    "یکم": "1",
    "avval": "1",
    "aval": "1",
    "yekom": "1",
    "dovvom": "2",
    "dovom": "2",
    "sevvom": "3",
    "sevom": "3",
    "chaharom": "4",
    "panjom": "5",
    "sheshom": "6",
    "haftom": "7",
    "hashtom": "8",
    "nohom": "9",
    "dahom": "10",
}
_NUMBERED = re.compile(r"^(\d+)(?:st|nd|rd|th|om|م)$")
_COUNTRY = re.compile(
    r"\b(?:of\s+)?(?:the\s+)?(?:islamic\s+republic\s+of\s+iran|iran|iranian|i\s*r\s*i)\b"
    r"|جمهوری\s+اسلامی\s+ایران|ایران",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\s,،\-\u2010-\u2015/&.;:()\[\]\"«»]+")

# The kind of a body, by the words of its name (folded: lower case, Persian letters unified).
KINDS: dict[str, tuple[str, ...]] = {
    "prison": ("prison", "prisons", "zendan", "زندان", "jail", "detention", "بازداشتگاه"),
    "court": ("court", "courts", "tribunal", "dadgah", "دادگاه", "judiciary", "قوه قضاییه"),
    "prosecution": ("prosecutor", "prosecution", "دادسرا", "dadsara"),
    "police": (
        "police",
        "lef",
        "enforcement",
        "faraja",
        "naja",
        "انتظامی",
        "پلیس",
        "فراجا",
        "ناجا",
        "ershad",
        "ارشاد",
        "fata",
        "فتا",
    ),
    "irgc": ("irgc", "pasdaran", "پاسداران", "sepah", "سپاه", "quds", "qods", "قدس"),
    "basij": ("basij", "بسیج"),
    "ministry": ("ministry", "وزارت", "vezarat"),
    "broadcaster": (
        "broadcasting",
        "irib",
        "صداوسیما",
        "سیما",
        "tv",
        "television",
        "news",
        "agency",
        "خبرگزاری",
        "press",
    ),
    "foundation": ("foundation", "bonyad", "بنیاد", "charity"),
    "bank": ("bank", "بانک"),
    "company": (
        "company",
        "co",
        "corporation",
        "corp",
        "ltd",
        "limited",
        "llc",
        "plc",
        "شرکت",
        "sherkat",
        "industries",
        "group",
        "trading",
    ),
}
LEGAL_FORMS: dict[str, str] = {
    "ltd": "ltd",
    "limited": "ltd",
    "plc": "plc",
    "llc": "llc",
    "inc": "inc",
    "corp": "corp",
    "jsc": "jsc",
    "pjsc": "pjsc",
    "gmbh": "gmbh",
    "ag": "ag",
    "sa": "sa",
    "srl": "srl",
    "sarl": "sarl",
    "fze": "fze",
    "fzco": "fzco",
    "bv": "bv",
    "pte": "pte",
    "bsc": "bsc",
}
_KIND_OF_WORD = {w: kind for kind, words in KINDS.items() for w in words}


@dataclass(frozen=True, slots=True)
class BodyFacts:
    kinds: frozenset[str] = frozenset()
    branches: frozenset[str] = frozenset()  # the numbers of "Branch 15", "1st branch"
    places: frozenset[str] = frozenset()  # Iranian cities and provinces named
    legal_forms: frozenset[str] = frozenset()


NO_FACTS = BodyFacts()


def _split(text: str) -> list[str]:
    """The words of a name as the name comparison reads a body's (:mod:`gavah.text.name_compare`):
    an apostrophe, however typed, stays inside its word (latin_fold then removes it, so "Ba’eri",
    "Ba'eri" and "Baeri" agree), and the possessive is no word ("Iran’s", "IRAN'S" → Iran)."""
    words = (drop_possessive(w) for w in _WORD.findall(fold_persian(text)))
    return [w for w in words if w.strip("'")]


def _words(text: str) -> list[str]:
    return [latin_fold(w) or w.lower() for w in _split(text)]


def _digit(word: str) -> str:
    if word in _ORDINALS:
        return _ORDINALS[word]
    m = _NUMBERED.match(word)
    return m.group(1) if m else word


@lru_cache(maxsize=1 << 14)
def other_names(name: str, known: bool = True) -> tuple[str, ...]:
    """Other forms of one body's name (none when the name has nothing to rewrite); with
    ``known``, also its other names in the known-bodies table."""
    out = []
    words = [_digit(w) for w in _split(name)]
    with_digits = " ".join(words)
    if with_digits.lower() != " ".join(_split(name)).lower():
        out.append(with_digits)
    bare = " ".join(_COUNTRY.sub(" ", with_digits).split())
    if bare and bare.lower() != with_digits.lower() and len(bare.split()) >= 2:
        out.append(bare)
    if known:
        out.extend(known_names(name))
    return tuple(dict.fromkeys(n for n in out if n != name))


def with_other_names(names: Sequence[str]) -> list[str]:
    """``names`` (the first is the primary name) and their other forms. The known-bodies table
    is consulted for the primary name only: lists give a unit its parent's name as an alias
    (an IRGC regional corps with سپاه پاسداران انقلاب اسلامی), and that alias must not bring in
    every other name of the parent."""
    out = list(names)
    for i, n in enumerate(names):
        out.extend(other_names(n, known=i == 0))
    return list(dict.fromkeys(out))


def facts(names: Iterable[str]) -> BodyFacts:
    """What the names of one body say of it (all names together)."""
    kinds, branches, places, forms = set(), set(), set(), set()
    for name in names:
        words = [_digit(w) for w in _words(name)]
        for i, w in enumerate(words):
            if w in _KIND_OF_WORD:
                kinds.add(_KIND_OF_WORD[w])
            if w in LEGAL_FORMS:
                forms.add(LEGAL_FORMS[w])
            if w.isdigit() and _near_branch(words, i):
                branches.add(w)
            if (place := _places().get(w)) is not None:
                places.add(place)
    return BodyFacts(frozenset(kinds), frozenset(branches), frozenset(places), frozenset(forms))


def _near_branch(words: list[str], i: int) -> bool:
    near = words[max(0, i - 2) : i + 3]
    return any(w in ("branch", "شعبه", "shobe", "shobeh", "shoabe") for w in near)


@cache
def _places() -> dict[str, str]:
    """Folded names of Iran's provinces and of its cities of 100,000 people or more (from the
    gazetteer of :mod:`gavah.text.places`), to one spelling."""
    out: dict[str, str] = {}
    text = resources.files("gavah.text").joinpath("iran_places.tsv").read_text(encoding="utf-8")
    rows = [r.split("\t") for r in text.splitlines() if r and not r.startswith("#")]
    for row in rows[1:]:
        if len(row) < 5 or not row[2].isdigit() or int(row[2]) < 100_000:
            continue
        canonical = latin_fold(row[3])
        for n in [row[3], *row[4].split("|")]:
            key = latin_fold(fold_persian(n))
            if key and " " not in key and len(key) >= 4:
                out.setdefault(key, canonical)
    return out


# --- the known-bodies table -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KnownBody:
    key: str
    names: tuple[str, ...]
    sources: tuple[str, ...]


@cache
def known_bodies() -> dict[str, KnownBody]:
    """``data/known_bodies.csv``: one row per name (key, name, language, source)."""
    text = resources.files("gavah.sanctions").joinpath("data/known_bodies.csv").read_text("utf-8")
    names: dict[str, list[str]] = {}
    sources: dict[str, list[str]] = {}
    for row in csv.DictReader(text.splitlines()):
        names.setdefault(row["key"], []).append(row["name"])
        sources.setdefault(row["key"], []).append(row["source"])
    return {k: KnownBody(k, tuple(v), tuple(dict.fromkeys(sources[k]))) for k, v in names.items()}


@cache
def _known_index() -> dict[str, str]:
    return {_plain(n): b.key for b in known_bodies().values() for n in b.names}


def _plain(name: str) -> str:
    return " ".join(_digit(w) for w in _words(name))


def known_names(name: str) -> tuple[str, ...]:
    """The other names of a body in the known-bodies table, when ``name`` is one of them."""
    key = _known_index().get(_plain(name))
    if key is None:
        key = _known_index().get(_plain(" ".join(_COUNTRY.sub(" ", name).split())))
    return known_bodies()[key].names if key else ()


# --- a unit named after its parent -------------------------------------------------------------

_PLAIN_WORDS = frozenset(
    [
        "of",
        "the",
        "and",
        "in",
        "at",
        "for",
        "de",
        "la",
        "le",
        "du",
        "des",
        "al",
        "el",
        "va",
        "e",
        "iran",
        "iranian",
        "islamic",
        "republic",
    ]
)
_PARENS = re.compile(r"\(([^()]*)\)")


def unit_of(a: str, b: str) -> bool:
    """Whether one primary name is the other's with distinguishing words added: "IRGC Regional
    Corps Karbala in Mazandaran" against "Islamic Revolutionary Guard Corps", "AL-HARAMAIN :
    KENYA BRANCH" against "AL-HARAMAIN". A unit, branch or subsidiary named after its parent is
    not the parent. Legal forms, single letters, articles, the country, generic words (Company,
    Institute, Group) and an acronym of the name ("DOOSTAN INTERNATIONAL COMPANY (DICO)",
    "HTTS HANSEATIC TRADE TRUST & SHIPPING GMBH") do not distinguish."""
    wa, wb = _distinct_words(a), _distinct_words(b)
    if not wa or not wb or wa == wb or same_core(a, b):
        return False
    return wa < wb or wb < wa


# Words that say what sort of company a name is, not which one: legal forms and the company
# words of the name comparison's vocabulary (English, Persian, transliterated, European forms),
# with the forms a Turkish and a Russian name spell out ("Makina San ve Tic A.S.": sanayi ve
# ticaret anonim sirketi; "obshchestvo s ogranichennoi otvetstvennostiu": a limited company).
_GENERIC_CONCEPTS = ("limited", "company", "group", "institute", "holding")
_GENERIC_EXTRA = frozenset(
    [
        "san",
        "sanayi",
        "sanayii",
        "ve",
        "tic",
        "ticaret",
        "sirketi",
        "anonim",
        "sti",
        "as",
        "obshchestvo",
        "ogranichennoi",
        "otvetstvennostiu",
        "otvetstvennostyu",
    ]
)


@cache
def _generic_words() -> frozenset[str]:
    found = {w for w, (concept, _) in ORG_WORDS.items() if concept in _GENERIC_CONCEPTS}
    return frozenset(found | _GENERIC_EXTRA | set(LEGAL_FORMS))


# Words of the name comparison's legal forms that are also ordinary words of a name
# ("EDBI Stock Brokerage"); they say a legal form only with the others ("joint stock company").
_NOT_ALONE_A_FORM = frozenset({"stock", "joint", "public", "private", "proprietary", "general"})


@cache
def _legal_form_words() -> frozenset[str]:
    forms = {w for w, (concept, _) in ORG_WORDS.items() if concept == "limited"}
    return frozenset((forms | set(LEGAL_FORMS) | {"sirketi", "sti"}) - _NOT_ALONE_A_FORM)


@lru_cache(maxsize=1 << 16)
def has_legal_form(name: str) -> bool:
    """Whether a body's name states a legal form (Ltd, PLC, ZAO, GmbH, Turkish A.S. or Sti.):
    a company incorporated somewhere, where the other list may name its parent."""
    words = _words(name)
    return bool(set(words) & _legal_form_words()) or words[-2:] == ["a", "s"]


@lru_cache(maxsize=1 << 16)
def _distinct_words(name: str, body: bool = True) -> frozenset[str]:
    """The distinguishing words of a name; of a person's name (``body`` false) only legal forms,
    articles, the country and single letters are set aside: PAO and SAN are names there."""
    first = _words(name)[:1]
    # a name in mixed case writes an acronym in capitals: "(SPND)" beside the English name of
    # Sazman-e Pazhuhesh-ha-ye Novin-e Defa'i is its Persian acronym, not a distinguishing word
    mixed = not _PARENS.sub(" ", name).isupper()

    def keep(m: re.Match[str]) -> str:
        inner = m.group(1).strip()
        acronym = (
            " " not in inner
            and len(inner) <= 6
            and bool(first)
            and (inner[:1].lower() == first[0][:1] or (mixed and inner.isupper()))
        )
        return " " if acronym else f" {inner} "

    words = [_digit(w) for w in _words(_PARENS.sub(keep, name))]
    if not body:
        return frozenset(
            w for w in words if len(w) > 1 and w not in _PLAIN_WORDS and w not in LEGAL_FORMS
        )
    generic = _generic_words()
    kept = [w for w in words if len(w) > 1 and w not in _PLAIN_WORDS and w not in generic]
    return frozenset(w for w in kept if not _initials_of_rest(w, kept))


def _initials_of_rest(word: str, words: list[str]) -> bool:
    """Whether ``word`` is the initials of the name's other words, in order (HTTS of Hanseatic
    Trade Trust Shipping): an acronym written beside the name it stands for."""
    rest = [w for w in words if w != word]
    return 2 <= len(word) <= 8 and len(rest) == len(word) and "".join(w[0] for w in rest) == word


def distinct_word_count(name: str, body: bool = True) -> int:
    """Words of a name that distinguish it: not legal forms, articles, the country, generic
    words or single letters (:func:`unit_of`); of a person's name, :func:`_distinct_words`."""
    return len(_distinct_words(name, body))


@lru_cache(maxsize=1 << 16)
def same_core(a: str, b: str) -> bool:
    """Whether two primary names have the same distinctive words (:func:`unit_of`), each word
    of one agreeing with a word of the other up to a short ending or one letter
    (:func:`words_agree`): "TECHNOLOGY AND DEVELOPMENT GROUP LTD" and "... LIMITED",
    "DOOSTAN INTERNATIONAL COMPANY (DICO)" and "Doostan International Company", "Paya Parto"
    and "PAYA PARTOV CO.", "Kala-Electric" and "KALAYE ELECTRIC COMPANY"."""
    wa, wb = _distinct_words(a), _distinct_words(b)
    if not wa or not wb:
        return False
    if wa == wb:
        return True
    return all(any(words_agree(x, y) for y in wb) for x in wa) and all(
        any(words_agree(y, x) for x in wa) for y in wb
    )


def words_agree(a: str, b: str) -> bool:
    """Two folded words of bodies' names read as one: the same; one the other with an ending of
    one or two letters, which transliterations of Persian add or drop (the ezafe: Kala,
    Kalaye; Parto, Partov) and English adds (Plant, Plants; Machine, Machinery), the shorter
    having four letters or more; from five letters, one letter changed, added or dropped, or two
    neighbours swapped (Organisation, Organization; the name comparison's
    :func:`~gavah.text.name_compare.one_edit`); one stem of six letters or more with endings of
    up to three (Industrial, Industries); or, from five letters, the same consonant skeleton of three
    letters or more, as transliterations of one Persian or Arabic word have (Satarri, Sattari;
    Haramain, Haramayn; :func:`gavah.text.names.skeleton`)."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 2:
        return True
    if len(short) >= 5 and one_edit(short, long_):
        return True
    stem = len(os.path.commonprefix([a, b]))
    if stem >= 6 and len(long_) - stem <= 3:
        return True
    return len(short) >= 5 and len(consonants := _skeleton(a)) >= 3 and consonants == _skeleton(b)


@lru_cache(maxsize=1 << 16)
def _skeleton(word: str) -> str:
    return skeleton(word)
