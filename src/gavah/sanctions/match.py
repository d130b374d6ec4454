"""Matching people and bodies across the registry and sanctions lists, with the reasons.

Two steps, so that not every pair is compared:

1. **Candidates.** An inverted index maps each entry's name blocking keys
   (:meth:`NameSet.blocking_keys`: consonant skeletons that Persian and Latin spellings share)
   to the entries that have them. A query meets only the entries that share a key with it,
   rarest keys first; a key held by very many entries (a common first name) is used only when
   the query has nothing rarer.
2. **Score.** The Persian-aware name comparison (:mod:`gavah.text.name_compare`) gives a name
   score in 0..1; :func:`features` reads it and the other facts of the pair (the primary names,
   how common the name is in the index, birth dates, gender, nationality, identifiers, position
   words, the regime family of each designation (:mod:`gavah.sanctions.regimes`), and for bodies
   their kind, branch numbers, places and legal forms (:mod:`gavah.sanctions.bodies`)), and
   :mod:`gavah.sanctions.calibration` turns them into a probability with weights fitted on
   labelled cross-list pairs (``data/weights.json``). ``Match.score`` is that probability.

The decision. A pair in the fitted **match** band is a match; for a person, something beyond
the name must also agree (a birth date, an identifier, a position or unit, a nationality, or the
same family of regimes): an exact name alone never confirms one. A pair in the **candidate**
band is for a person to review. Human judgements (same / different / unsure) are transitive,
like the victim register's (:mod:`gavah.casualties.clusters`): a pair judged different never
appears, a pair judged same is always a match.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from followthemoney import registry
from followthemoney.proxy import EntityProxy

from gavah.casualties import clusters
from gavah.errors import InputError
from gavah.sanctions import bodies, calibration, regimes
from gavah.text.name_compare import NameComparison, NameSet, compare
from gavah.text.names import fold_persian, latin_fold, name_tokens, skeleton

Kind = Literal["person", "organization", "vessel", "airplane", "other"]
# Pairs below the lower candidate band (a probability, gavah.sanctions.calibration) are not shown.
DEFAULT_THRESHOLD = round(min(m.candidate for m in calibration.models().values()), 2)
MAX_POSTINGS = 500  # a key held by more entries than this is too common to block on alone
MAX_CANDIDATES = 20  # compared per query: those sharing the rarest keys

_ORG_SCHEMATA = ("Organization", "LegalEntity", "Company", "PublicBody")
_GENERIC = {
    skeleton(w)
    for w in [
        "the",
        "of",
        "and",
        "for",
        "in",
        "at",
        "to",
        "de",
        "la",
        "le",
        "al",
        "el",
        "ol",
        "ul",
        "branch",
        "court",
        "revolutionary",
        "islamic",
        "republic",
        "iran",
        "iranian",
        "corps",
        "guard",
        "guards",
        "organization",
        "organisation",
        "company",
        "co",
        "ltd",
        "department",
        "office",
        "ministry",
        "head",
        "deputy",
        "chief",
        "member",
        "commander",
        "general",
        "brigadier",
        "director",
        "prison",
        "police",
        "force",
        "forces",
        "province",
        "provincial",
        "city",
        "state",
        "judge",
        "prosecutor",
    ]
}
_NOT_ID = re.compile(r"[^0-9A-Za-z]+")


@dataclass(frozen=True, slots=True)
class Record:
    """What matching needs of one registry entity or list entry, precomputed once."""

    ref: str  # "registry:ID" or "list:NAME:SOURCE_ID"
    source: str  # "registry" or the list name
    id: str  # the registry id or the list's own identifier
    name: str
    kind: Kind
    names: NameSet
    birth: frozenset[str] = frozenset()
    identifiers: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    gender: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # programs, listed_on, jurisdiction
    body: bodies.BodyFacts = bodies.NO_FACTS  # what a body's names say of it
    exact: frozenset[str] = frozenset()  # every name folded (case, accents, spaces aside)

    def describe(self) -> dict[str, Any]:
        return {"list": self.source, "id": self.id, "name": self.name}


def kind_of(entity: EntityProxy) -> Kind:
    schema = entity.schema
    if schema.is_a("Person"):
        return "person"
    if any(schema.is_a(s) for s in _ORG_SCHEMATA):
        return "organization"
    if schema.is_a("Vessel"):
        return "vessel"
    if schema.is_a("Airplane"):
        return "airplane"
    return "other"


def _names(entity: EntityProxy, kind: Kind) -> tuple[list[str], list[str]]:
    """The names an entity is read under (its other known names added for a body), and the
    names as given: every name-typed value, and a person's first, middle and last name joined.

    The names are sorted: FtM gives an entity's name-typed values as a set, in an order that
    changes with Python's hash seed, and the order decides which of two equally scored names an
    explanation shows, which reading of names read alike is kept (and so, in rare pairs, the
    score), and which name a body whose caption is not among them is looked up under in the
    known-bodies table."""
    names = sorted(n for n in entity.get_type_values(registry.name) if n.strip())
    if kind == "person":
        parts = [entity.first("firstName"), entity.first("middleName"), entity.first("lastName")]
        joined = " ".join(p for p in parts if p)
        if joined and joined not in names:
            names.append(joined)
    names = names or [entity.caption]
    given = names
    if kind != "person":
        primary = [entity.caption] if entity.caption in names else []
        names = bodies.with_other_names(primary + [n for n in names if n not in primary])
    return names, given


def blocking_keys(entity: EntityProxy) -> tuple[Kind, frozenset[str]] | None:
    """An entity's kind and the blocking keys its :func:`record` would have, without the rest of
    the record (what building an index needs); None when it has no readable name."""
    kind = kind_of(entity)
    names, _ = _names(entity, kind)
    try:
        keys = NameSet.keys_of(names, kind="person" if kind == "person" else "organization")
    except InputError:
        return None
    return kind, keys


def record(entity: EntityProxy, ref: str, source: str, source_id: str, **extra: Any) -> Record:
    """The :class:`Record` of an FtM entity: its names (every name-typed value, in any script),
    birth dates, identifiers, position and unit words, countries and gender."""
    kind = kind_of(entity)
    names, given = _names(entity, kind)
    positions = [
        *entity.get("position", quiet=True),
        *entity.get("title", quiet=True),
        *(entity.get("notes", quiet=True)[:1] if kind != "person" else []),
    ]
    return Record(
        ref=ref,
        source=source,
        id=source_id,
        name=entity.caption,
        kind=kind,
        names=NameSet.of(names, kind="person" if kind == "person" else "organization"),
        birth=frozenset(entity.get("birthDate", quiet=True)),
        identifiers=frozenset(
            i for v in entity.get_type_values(registry.identifier) if len(i := _identifier(v)) >= 4
        ),
        units=frozenset(_unit_words(positions)),
        countries=frozenset(
            entity.get("nationality", quiet=True) + entity.get("citizenship", quiet=True)
        ),
        gender=(entity.first("gender", quiet=True) or None),
        extra=extra,
        body=bodies.facts(names) if kind != "person" else bodies.NO_FACTS,
        exact=frozenset(e for n in given if len(e := _exact(n)) >= 4),
    )


def _exact(name: str) -> str:
    return " ".join(latin_fold(fold_persian(name)).split())


@lru_cache(maxsize=1 << 16)
def _exact_of(name: str) -> str:
    """:func:`_exact` of a primary name, once per name (it is met in many pairs)."""
    return _exact(name)


def readable(
    entity: EntityProxy, ref: str, source: str, source_id: str, **extra: Any
) -> Record | None:
    """:func:`record`, or None for an entity with no readable name (only initials, particles
    or symbols): it cannot be matched by name, and callers leave it out and count it."""
    try:
        return record(entity, ref, source, source_id, **extra)
    except InputError:
        return None


def _identifier(value: str) -> str:
    return _NOT_ID.sub("", value).upper()


def _unit_words(texts: Iterable[str]) -> set[str]:
    """Distinctive words of positions and units: their skeletons, generic words left out;
    numbers are kept (Branch 15 is not Branch 26)."""
    out = set()
    for text in texts:
        for token in name_tokens(text):
            key = token if token.isdigit() else skeleton(token)
            if key and (token.isdigit() or (len(key) >= 3 and key not in _GENERIC)):
                out.add(key)
    return out


# --- candidates --------------------------------------------------------------------------------


class Index:
    """An inverted index of records by name blocking keys (see the module docstring)."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.records: list[Record] = []
        self.postings: dict[str, list[int]] = {}
        self._rarest: RarestKeys = (None, ())  # the last query's keys (namesakes)
        for rec in records:
            self.add(rec)

    def add(self, rec: Record) -> None:
        self._rarest = (None, ())
        i = len(self.records)
        self.records.append(rec)
        for key in rec.names.blocking_keys():
            self.postings.setdefault(key, []).append(i)

    def __len__(self) -> int:
        return len(self.records)

    def namesakes(self, query: Record, found: Record) -> int:
        """How many indexed records hold the rarest key ``query`` and ``found`` share: 1 for a
        name no one else has, hundreds for "Mohammad Hosseini"."""
        if (rarest := rarest_shared(self._rarest, query, found)) is not None:
            return rarest
        sizes = [len(p) for k in query.names.keys & found.names.keys if (p := self.postings.get(k))]
        return min(sizes, default=0)

    def candidates(self, query: Record, limit: int = MAX_CANDIDATES) -> list[Record]:
        """Records of a compatible kind sharing a key with ``query``: those sharing the rarest
        keys first (each shared key counts 1 / the number of records holding it)."""
        # Keys in order of size, then of key: the keys are a set, and neither which key is kept
        # when all are common nor the order the weights are summed in may follow the hash seed.
        found = sorted(
            (len(p), k, p) for k in query.names.blocking_keys() if (p := self.postings.get(k))
        )
        self._rarest = (query, tuple((size, k) for size, k, _ in found))
        if not found:
            return []
        keys = [(size, p) for size, _, p in found]
        usable = [t for t in keys if t[0] <= MAX_POSTINGS] or keys[:1]
        weight: dict[int, float] = {}
        for size, posting in usable:
            w = 1.0 / size
            for i in posting:
                weight[i] = weight.get(i, 0.0) + w
        best = heapq.nlargest(limit * 2, weight, key=lambda i: (weight[i], -i))
        out = []
        for i in best:
            rec = self.records[i]
            if rec.ref != query.ref and compatible(query.kind, rec.kind):
                out.append(rec)
                if len(out) >= limit:
                    break
        return out


RarestKeys = tuple[Record | None, tuple[tuple[int, str], ...]]
"""The query an index last gathered candidates for, and its keys that entries hold: how many
hold each, fewest first, then by key. Scoring asks how common each candidate's name is
(``namesakes``), and the answer is in these, with no set made or key looked up again."""


def rarest_shared(rarest: RarestKeys, query: Record, found: Record) -> int | None:
    """How many entries hold the rarest key ``query`` and ``found`` share (0 if none), from
    the keys the index last gathered candidates for; None if those were another query's."""
    asked, keys = rarest
    if asked is not query:
        return None
    theirs = found.names.keys
    for size, key in keys:
        if key in theirs:
            return size
    return 0


def compatible(a: Kind, b: Kind) -> bool:
    return a == b and a != "other" or {a, b} <= {"organization", "other"}


# --- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Match:
    left: Record
    right: Record
    score: float
    decision: Literal["match", "candidate"]
    explanation: tuple[str, ...]
    corroborated: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "left": self.left.describe(),
            "right": self.right.describe(),
            "score": round(self.score, 4),
            "decision": self.decision,
            "explanation": list(self.explanation),
        }


def score(
    left: Record, right: Record, judgement: str | None = None, *, index: Index | None = None
) -> Match:
    """Score one pair (module docstring); ``judgement`` is a standing human judgement, if any;
    ``index`` the index ``right`` was found in (it says how common the name is there)."""
    return _assess(left, right, index).match(judgement)


@dataclass(slots=True)  # not frozen: one is made for every candidate pair, and never changed
class _Assessment:
    """A pair's probability and what it rests on, before it is put into words (screening
    words only the pairs it shows: :meth:`match`)."""

    left: Record
    right: Record
    names: NameComparison
    kind: Literal["person", "body"]
    values: dict[str, float]
    said: list[tuple[str, str]]
    p: float

    def match(self, judgement: str | None = None) -> Match:
        names, values, p = self.names, self.values, self.p
        model = calibration.models()[self.kind]
        lines = [f"name {names.score:.2f}: {names.left!r} vs {names.right!r}", *names.explanation]
        for key, line in self.said:
            weight = model.weights.get(key, 0.0) * values[key]
            lines.append(f"{line} ({weight:+.1f})" if weight else line)
        corroborated = any(values.get(k, 0) for k in _CORROBORATING)
        band = calibration.decide(self.kind, p, values)
        decision: Literal["match", "candidate"] = "match" if band == "match" else "candidate"
        lines.append(f"probability {p:.2f}: " + _band(p, model))
        if band != "match" and p >= model.match:
            lines.append("for a person, the name alone cannot make a match: nothing else agrees")
        if decision == "candidate" and not corroborated and band != "below":
            lines.append("nothing beyond the name corroborates it: a human must decide")
        if judgement == clusters.SAME:
            decision = "match"
            lines.append("a reviewer judged them the same")
        elif judgement == clusters.UNSURE:
            lines.append("a reviewer was unsure")
        return Match(self.left, self.right, p, decision, tuple(lines), corroborated)


def _assess(left: Record, right: Record, index: Index | None) -> _Assessment:
    names = compare(left.names, right.names)
    kind: Literal["person", "body"] = (
        "person" if left.kind == "person" and right.kind == "person" else "body"
    )
    values, said = features(left, right, names, index)
    p = calibration.models()[kind].probability(values)
    return _Assessment(left, right, names, kind, values, said, p)


Note = Callable[..., None]  # note(feature, line in words, value=1.0)
_CORROBORATING = ("birth_day", "birth_year", "identifier", "position", "branch_same")


def _band(p: float, model: calibration.Model) -> str:
    if p >= model.match:
        return f"a match (from {model.match:.2f})"
    if p >= model.candidate:
        return f"a candidate for review ({model.candidate:.2f} to {model.match:.2f})"
    return f"below the candidate band (from {model.candidate:.2f})"


_NO_VALUES = dict.fromkeys(calibration.NAMES, 0.0)  # copied for each pair: quicker than made


def features(
    left: Record, right: Record, names: NameComparison, index: Index | None = None
) -> tuple[dict[str, float], list[tuple[str, str]]]:
    """The values of :data:`gavah.sanctions.calibration.FEATURES` for one pair, and a line in
    words for each fact found."""
    values = _NO_VALUES.copy()
    said: list[tuple[str, str]] = []

    def note(key: str, line: str, value: float = 1.0) -> None:
        values[key] = value
        said.append((key, line))

    _name_features(left, right, names, values, note)
    _commonness(left, right, index, values, said)
    _birth(left.birth, right.birth, note)
    _person_facts(left, right, note)
    _families(left, right, note)
    if kind_is_body(left, right):
        _body(left.body, right.body, note)
        if bodies.same_core(left.name, right.name):
            note(
                "core_same", "the primary names agree once legal forms and generic words are aside"
            )
        if bodies.unit_of(left.name, right.name):
            note("unit_of", "one is the other's name with more words: a unit or branch of it?")
        if bodies.has_legal_form(left.name) != bodies.has_legal_form(right.name):
            note("legal_form_one_side", "a legal form in one primary name only")
        if _exact_of(left.name) in right.exact or _exact_of(right.name) in left.exact:
            note("primary_alias", "one entry's primary name is among the other's names")
    return values, said


def _name_features(
    left: Record, right: Record, names: NameComparison, values: dict[str, float], note: Note
) -> None:
    values["name"] = names.score
    values["name_exact"] = 1.0 if names.score >= 0.999 else 0.0
    values["name_short"] = max(0.0, 0.8 - names.score)
    values["primary_name"] = names.score
    body = kind_is_body(left, right)
    if names.score >= 0.5 and (left.name, right.name) != (names.left, names.right):
        values["primary_name"] = _primary_score(left, right, body)
    values["primary_short"] = max(0.0, 0.8 - values["primary_name"])
    if body and values["primary_name"] >= 0.999:
        values["primary_exact"] = 1.0
    words = (bodies.distinct_word_count(n, body) for n in (names.left, names.right))
    if names.score >= 0.5 and min(words) <= 1:
        note("one_word", "one of the agreeing names is a single word")
    if _script(names.left) and _script(names.right) and names.score >= 0.8:
        note("original_script", "the names agree in the original (Arabic or Persian) script")
    if shared := left.exact & right.exact:
        note("shared_alias", f"a name written the same on both: {sorted(shared)[0]!r}")


def _commonness(
    left: Record,
    right: Record,
    index: Index | None,
    values: dict[str, float],
    said: list[tuple[str, str]],
) -> None:
    """How common the name is in the index ``right`` was found in (module calibration)."""
    values["common_name"] = calibration.UNKNOWN_COMMON
    if index is None:
        return
    common = index.namesakes(left, right)
    values["common_name"] = min(1.0, math.log10(1 + common) / 3)
    if common > 1:
        said.append(("common_name", f"{common} entries of the list share the name's rarest key"))


def _person_facts(left: Record, right: Record, note: Note) -> None:
    if left.gender and right.gender and left.gender != right.gender:
        note("gender_clash", f"gender disagrees: {left.gender} vs {right.gender}")
    if left.countries and right.countries:
        if shared := left.countries & right.countries:
            note("nationality_same", f"nationality agrees: {sorted(shared)[0]}")
        else:
            mine, theirs = ", ".join(sorted(left.countries)), ", ".join(sorted(right.countries))
            note("nationality_clash", f"nationality disagrees: {mine} vs {theirs}")
    if shared_ids := left.identifiers & right.identifiers:
        note("identifier", f"identifier agrees: {', '.join(sorted(shared_ids))}")
    if shared_units := left.units & right.units:
        note("position", f"position or unit shares: {', '.join(sorted(shared_units))}")


def _primary_score(left: Record, right: Record, body: bool) -> float:
    a, b = _primary_of(left, body), _primary_of(right, body)
    return compare(a, b).score if a is not None and b is not None else 0.0


def _primary_of(rec: Record, body: bool) -> NameSet | None:
    """:func:`_primary_names` of a record's primary name, from the readings the record holds
    when it holds them all (it does for a list entry: reading names again is the slow part)."""
    if body:
        found = rec.names.part([rec.name, *bodies.other_names(rec.name)], "organization")
    else:
        found = rec.names.part([rec.name], "person")
    return found if found is not None else _primary_names(rec.name, body)


@lru_cache(maxsize=1 << 16)
def _primary_names(name: str, body: bool) -> NameSet | None:
    """A primary name read on its own (with a body's other forms), once per name."""
    try:
        if body:
            return NameSet.of([name, *bodies.other_names(name)], kind="organization")
        return NameSet.of([name], kind="person")
    except InputError:
        return None


def kind_is_body(left: Record, right: Record) -> bool:
    return not (left.kind == "person" and right.kind == "person")


@lru_cache(maxsize=1 << 16)
def _script(name: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in name)


def _birth(left: frozenset[str], right: frozenset[str], note: Note) -> None:
    if not left or not right:
        return
    if left & right and any(len(d) >= 10 for d in left & right):
        note("birth_day", f"birth date agrees: {sorted(left & right)[0]}")
        return
    years_l, years_r = {d[:4] for d in left}, {d[:4] for d in right}
    if years_l & years_r:
        note("birth_year", f"birth year agrees: {sorted(years_l & years_r)[0]}")
        return
    gaps = [abs(int(a) - int(b)) for a in years_l for b in years_r if a.isdigit() and b.isdigit()]
    if not gaps:
        return
    shown = f"{sorted(years_l)[0]} vs {sorted(years_r)[0]}"
    if min(gaps) <= 2:
        note("birth_near", f"birth years {min(gaps)} apart: {shown}")
    else:
        note("birth_clash", f"birth date disagrees: {shown}")


@lru_cache(maxsize=4096)
def _family(list_name: str, jurisdiction: str | None, programs: tuple[str, ...]) -> str | None:
    if not programs:
        return None
    return regimes.family(list_name, jurisdiction, programs)


def family_of(rec: Record) -> str | None:
    """The regime family of a list entry (:mod:`gavah.sanctions.regimes`); None for a registry
    entity or an entry without programmes."""
    programs = tuple(rec.extra.get("programs") or ())
    return _family(rec.source, rec.extra.get("jurisdiction"), programs)


def _families(left: Record, right: Record, note: Note) -> None:
    a, b = family_of(left), family_of(right)
    if a is None or b is None:
        return
    if a == b and a != "other":
        note("same_family", f"both designated under {a} regimes")
        if a == "human-rights":
            note("both_human_rights", "both under human-rights regimes")
    elif a != b and "other" not in (a, b):
        note("family_clash", f"designated under different regimes: {a} vs {b}")


def _body(a: bodies.BodyFacts, b: bodies.BodyFacts, note: Note) -> None:
    for key, mine, theirs, what in (
        ("body_kind", a.kinds, b.kinds, "kind of body"),
        ("branch", a.branches, b.branches, "branch"),
        ("place", a.places, b.places, "place"),
    ):
        if mine and theirs:
            if mine & theirs:
                note(f"{key}_same", f"{what} agrees: {', '.join(sorted(mine & theirs))}")
            else:
                note(
                    f"{key}_clash",
                    f"{what} disagrees: {', '.join(sorted(mine))} vs {', '.join(sorted(theirs))}",
                )
    if a.legal_forms and b.legal_forms and not a.legal_forms & b.legal_forms:
        note("legal_form_clash", "legal forms disagree")


# --- screening ---------------------------------------------------------------------------------


Judgements = Mapping[tuple[str, str], str]


def screen(
    queries: Iterable[Record],
    index: Index,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    judgements: Judgements | None = None,
) -> Iterator[Match]:
    """Every pair of a query and an indexed record at or above ``threshold``, best first per
    query. Pairs judged different (directly or through other judgements) are left out; pairs
    judged same always come out, as matches."""
    groups = _groups(judgements or {})
    for query in queries:
        found = []
        for rec in index.candidates(query):
            said = direct = None
            if groups:  # there are judgements
                said = clusters.implied(groups, query.ref, rec.ref)
                direct = (judgements or {}).get(clusters.pair(query.ref, rec.ref))
            if said == clusters.DIFFERENT:
                continue
            pair = _assess(query, rec, index)
            if pair.p >= threshold or said == clusters.SAME:
                found.append(pair.match(said or direct))
        found.sort(key=lambda m: (-m.score, m.right.ref))
        yield from found


def _groups(judgements: Judgements) -> clusters.Groups | None:
    if not judgements:
        return None
    ids = {x for p in judgements for x in p}
    groups, _ = clusters.human_groups(ids, judgements)
    return groups


def xref(
    left: Sequence[Record],
    right: Sequence[Record],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    judgements: Judgements | None = None,
) -> Iterator[Match]:
    """Entries of two lists against each other (the right one indexed)."""
    return screen(left, Index(right), threshold=threshold, judgements=judgements)
