"""Matching people and bodies across the registry and sanctions lists, with the reasons.

Two steps, so that not every pair is compared:

1. **Candidates.** An inverted index maps each entry's name blocking keys
   (:meth:`NameSet.blocking_keys`: consonant skeletons that Persian and Latin spellings share)
   to the entries that have them. A query meets only the entries that share a key with it,
   rarest keys first; a key held by very many entries (a common first name) is used only when
   the query has nothing rarer.
2. **Score.** The Persian-aware name comparison (:mod:`gavah.text.name_compare`) gives a name
   score in 0..1. Other facts then corroborate or contradict it:

   ==========================  ==========================================================
   birth date                  the same day: +0.10; the same year: +0.05; years more than
                               one apart: -0.25 (one side without a date: nothing)
   an identifier               the same passport, national ID or registration number:
                               the score rises to at least 0.99 when names agree at all
   position or unit            a shared distinctive word in position, title or unit
                               (``Revolutionary Court``, ``Branch 15``): +0.03
   gender                      male against female: -0.30
   nationality                 both given and disjoint: -0.05 (lists often omit or vary it)
   ==========================  ==========================================================

The decision. A pair at or above the threshold is a **match** only when something beyond the
name corroborates it (a birth date, an identifier, a position or unit) or a human said
"same"; otherwise it is a **candidate** for review. An exact name alone never confirms a
match. Human judgements (same / different / unsure) are transitive, like the victim
register's (:mod:`gavah.casualties.clusters`): a pair judged different never appears.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from followthemoney import registry
from followthemoney.proxy import EntityProxy

from gavah.casualties import clusters
from gavah.errors import InputError
from gavah.text.name_compare import NameSet, compare
from gavah.text.names import name_tokens, skeleton

Kind = Literal["person", "organization", "vessel", "airplane", "other"]
DEFAULT_THRESHOLD = 0.80
MAX_POSTINGS = 500  # a key held by more entries than this is too common to block on alone
MAX_CANDIDATES = 20  # compared per query: those sharing the rarest keys
BIRTH_DAY, BIRTH_YEAR, BIRTH_CLASH = 0.10, 0.05, -0.25
IDENTIFIER_FLOOR, POSITION_BONUS, GENDER_CLASH, COUNTRY_CLASH = 0.99, 0.03, -0.30, -0.05

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


def record(entity: EntityProxy, ref: str, source: str, source_id: str, **extra: Any) -> Record:
    """The :class:`Record` of an FtM entity: its names (every name-typed value, in any script),
    birth dates, identifiers, position and unit words, countries and gender."""
    kind = kind_of(entity)
    names = [n for n in entity.get_type_values(registry.name) if n.strip()]
    if kind == "person":
        parts = [entity.first("firstName"), entity.first("middleName"), entity.first("lastName")]
        joined = " ".join(p for p in parts if p)
        if joined and joined not in names:
            names.append(joined)
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
        names=NameSet.of(
            names or [entity.caption], kind="person" if kind == "person" else "organization"
        ),
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
    )


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
        for rec in records:
            self.add(rec)

    def add(self, rec: Record) -> None:
        i = len(self.records)
        self.records.append(rec)
        for key in rec.names.blocking_keys():
            self.postings.setdefault(key, []).append(i)

    def __len__(self) -> int:
        return len(self.records)

    def candidates(self, query: Record, limit: int = MAX_CANDIDATES) -> list[Record]:
        """Records of a compatible kind sharing a key with ``query``: those sharing the rarest
        keys first (each shared key counts 1 / the number of records holding it)."""
        keys = [(len(p), p) for k in query.names.blocking_keys() if (p := self.postings.get(k))]
        if not keys:
            return []
        keys.sort(key=lambda t: t[0])
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


def score(left: Record, right: Record, judgement: str | None = None) -> Match:
    """Score one pair (module docstring); ``judgement`` is a standing human judgement, if any."""
    names = compare(left.names, right.names)
    value = names.score
    lines = [f"name {names.score:.2f}: {names.left!r} vs {names.right!r}", *names.explanation]
    corroborated = False
    birth, birth_line = _birth(left.birth, right.birth)
    if birth_line:
        lines.append(birth_line)
    if birth > 0:
        corroborated = True
    value += birth
    shared_ids = left.identifiers & right.identifiers
    if shared_ids:
        lines.append(f"identifier agrees: {', '.join(sorted(shared_ids))}")
        corroborated = True
        if names.score >= 0.5:
            value = max(value, IDENTIFIER_FLOOR)
    shared_units = left.units & right.units
    if shared_units:
        lines.append(f"position or unit shares: {', '.join(sorted(shared_units))}")
        corroborated = True
        value += POSITION_BONUS
    if left.gender and right.gender and left.gender != right.gender:
        lines.append(f"gender disagrees: {left.gender} vs {right.gender}")
        value += GENDER_CLASH
    if left.countries and right.countries and not left.countries & right.countries:
        lines.append(
            f"nationality disagrees: {', '.join(sorted(left.countries))} vs "
            f"{', '.join(sorted(right.countries))}"
        )
        value += COUNTRY_CLASH
    value = min(max(value, 0.0), 1.0)
    if not corroborated:
        lines.append("nothing beyond the name corroborates it: a human must decide")
    decision: Literal["match", "candidate"] = "match" if corroborated else "candidate"
    if judgement == clusters.SAME:
        decision = "match"
        lines.append("a reviewer judged them the same")
    elif judgement == clusters.UNSURE:
        lines.append("a reviewer was unsure")
    return Match(left, right, value, decision, tuple(lines), corroborated)


def _birth(left: frozenset[str], right: frozenset[str]) -> tuple[float, str | None]:
    if not left or not right:
        return 0.0, None
    if left & right and any(len(d) >= 10 for d in left & right):
        return BIRTH_DAY, f"birth date agrees: {sorted(left & right)[0]}"
    years_l, years_r = {d[:4] for d in left}, {d[:4] for d in right}
    if years_l & years_r:
        return BIRTH_YEAR, f"birth year agrees: {sorted(years_l & years_r)[0]}"
    gap = min(abs(int(a) - int(b)) for a in years_l for b in years_r if a.isdigit() and b.isdigit())
    if gap <= 1:
        return 0.0, f"birth years one apart: {sorted(years_l)[0]} vs {sorted(years_r)[0]}"
    return BIRTH_CLASH, f"birth date disagrees: {sorted(years_l)[0]} vs {sorted(years_r)[0]}"


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
            said = clusters.implied(groups, query.ref, rec.ref) if groups else None
            direct = (judgements or {}).get(clusters.pair(query.ref, rec.ref))
            if said == clusters.DIFFERENT:
                continue
            m = score(query, rec, said or direct)
            if m.score >= threshold or said == clusters.SAME:
                found.append(m)
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
