"""Confidence by declared rules: reviewed assessments and independent corroboration into a level.

The rules are data (``rules.toml`` beside this module, shown in docs/verification.md); this
module only reads them and applies them, in three steps:

1. Each reviewed assessment gets a strength (``[[strength]]``: its source's Admiralty reliability
   A-F and its credibility 1-6).
2. Sources declared not independent of one another form one group (transitively: a relay of a
   copy of a channel is the channel); a group counts once, by its strongest assessment, for each
   stance. This is why a relayed post never adds corroboration.
3. The first ``[[rule]]`` whose conditions all hold gives the level on both scales (Airwars'
   incident grades, the UN inquiries' standards of proof).

A :class:`Level` explains itself: the rule that fired, the counts it read, which assessment of
which source and evidence counted for each group and which were left out, and what would raise
it. Nothing here reads the database; loading fails closed on any rule it cannot read.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from gavah.casualties.clusters import Groups
from gavah.errors import ConfigError

Stance = Literal["supports", "contradicts"]
STANCES: tuple[Stance, ...] = ("supports", "contradicts")

# The counts a rule may read, with what each means (the engine's vocabulary, not policy).
MEASURES: dict[str, str] = {
    "support_strong": "independent sources supporting it strongly",
    "support_credible": "independent sources supporting it credibly (strong or credible)",
    "support_any": "independent sources supporting it",
    "contradict_strong": "independent sources contradicting it strongly",
    "contradict_credible": "independent sources contradicting it credibly (strong or credible)",
    "contradict_any": "independent sources contradicting it",
    "reviewed": "reviewed assessments",
}
_PREFIX: dict[Stance, str] = {"supports": "support", "contradicts": "contradict"}
_STRENGTHS = ("strong", "credible", "weak")  # strongest first


@dataclass(frozen=True)
class Strength:
    name: str
    reliability: frozenset[str]
    credibility: frozenset[int]


@dataclass(frozen=True)
class Rule:
    id: str
    airwars: str
    proof: str
    at_least: Mapping[str, int]
    at_most: Mapping[str, int]

    def holds(self, counts: Mapping[str, int]) -> bool:
        return all(counts[m] >= n for m, n in self.at_least.items()) and all(
            counts[m] <= n for m, n in self.at_most.items()
        )

    def shortfalls(self, counts: Mapping[str, int]) -> list[Shortfall]:
        """Each condition not met, as data (the web shows it in the reader's language)."""
        found = [
            Shortfall(measure, counts[measure], needed, at_least=True)
            for measure, needed in sorted(self.at_least.items())
            if counts[measure] < needed
        ]
        found += [
            Shortfall(measure, counts[measure], allowed, at_least=False)
            for measure, allowed in sorted(self.at_most.items())
            if counts[measure] > allowed
        ]
        return found

    def missing(self, counts: Mapping[str, int]) -> list[str]:
        """Each condition not met, said as what would have to change."""
        return [str(s) for s in self.shortfalls(counts)]


@dataclass(frozen=True)
class Shortfall:
    """One condition of a rule that the counts do not meet."""

    measure: str  # a key of MEASURES
    now: int
    bound: int
    at_least: bool  # True: the rule needs at least ``bound``; False: at most

    def __str__(self) -> str:
        bound = "at least" if self.at_least else "at most"
        return f"{MEASURES[self.measure]}: {self.now} now, {bound} {self.bound}"


@dataclass(frozen=True)
class Step:
    """What a higher level needs: its first rule's conditions not met, and the lower-ranked
    rules before it that hold and so pre-empt it."""

    airwars: str
    rule: Rule
    short: tuple[Shortfall, ...]
    pre_empted_by: tuple[Rule, ...]

    def __str__(self) -> str:
        said = [str(s) for s in self.short]
        said += [f"rule {e.id} ({e.airwars}) no longer holding" for e in self.pre_empted_by]
        return f"{self.airwars} (rule {self.rule.id}) needs " + "; ".join(said)


@dataclass(frozen=True)
class Rules:
    version: int
    reliability: Mapping[str, str]  # grade -> meaning
    credibility: Mapping[int, str]
    strengths: tuple[Strength, ...]
    airwars: tuple[tuple[str, int, str], ...]  # (name, rank, meaning), strongest first
    proof: tuple[tuple[str, str], ...]  # (name, meaning), strongest first
    rules: tuple[Rule, ...]
    # Worked out from the rows above when the rules are read: they are looked up for every
    # assessment of every claim.
    table: Mapping[tuple[str, int], str] = field(default_factory=dict, compare=False)
    ranks: Mapping[str, int] = field(default_factory=dict, compare=False)

    def strength(self, reliability: str, credibility: int) -> str | None:
        """The strength of one assessment (the first matching row); None: it does not count."""
        return self.table.get((reliability, credibility))

    def rank(self, airwars: str) -> int:
        return self.ranks[airwars]


@dataclass(frozen=True)
class Weighed:
    """One assessment as the rules see it."""

    assessment: str
    source: str
    evidence: str | None
    stance: Stance
    reliability: str  # the source's grade when the level is computed
    credibility: int


@dataclass(frozen=True)
class Voice:
    """One independent group of sources for one stance, and the assessment that counted for it."""

    stance: Stance
    sources: tuple[str, ...]  # every source of the group, sorted
    counted: Weighed
    strength: str
    not_counted: tuple[str, ...]  # the group's other assessments of this stance: one voice


@dataclass(frozen=True)
class Level:
    """A claim's level on both scales, and why."""

    rule: Rule
    counts: Mapping[str, int]
    voices: tuple[Voice, ...]
    not_counting: Mapping[str, str] = field(default_factory=dict)  # assessment -> why not
    rules: Rules | None = field(default=None, compare=False, repr=False)  # for raise_by

    @property
    def raise_by(self) -> tuple[str, ...]:
        """What would raise it (worked out when asked: most reads need only the level)."""
        found = [str(step) for step in self.steps]
        return tuple(found + _pending(self.not_counting))

    @property
    def steps(self) -> tuple[Step, ...]:
        """For each higher level, what its first rule still lacks (as data)."""
        return tuple(_would_raise(self.rules, self.rule, self.counts)) if self.rules else ()

    @property
    def awaiting(self) -> tuple[str, ...]:
        """The assessments left out only because no second person has reviewed them yet."""
        return tuple(_awaiting(self.not_counting))

    @property
    def airwars(self) -> str:
        return self.rule.airwars

    @property
    def proof(self) -> str:
        return self.rule.proof

    def explain(self) -> dict[str, Any]:
        """The level as JSON: rule, counts, the voices that counted, and what would raise it."""
        return {
            "airwars": self.airwars,
            "proof": self.proof,
            "rule": self.rule.id,
            "because": _because(self.rule),
            "counts": dict(self.counts),
            "counted": [
                {
                    "stance": v.stance,
                    "strength": v.strength,
                    "assessment": v.counted.assessment,
                    "source": v.counted.source,
                    "reliability": v.counted.reliability,
                    "credibility": v.counted.credibility,
                    "evidence": v.counted.evidence,
                    "independent_group": list(v.sources),
                    "same_group_not_counted": list(v.not_counted),
                }
                for v in self.voices
            ],
            "not_counted": dict(sorted(self.not_counting.items())),
            "would_raise_it": list(self.raise_by),
        }


def _strength_table(strengths: Sequence[Strength]) -> dict[tuple[str, int], str]:
    table: dict[tuple[str, int], str] = {}
    for row in strengths:
        for grade in row.reliability:
            for credibility in row.credibility:
                table.setdefault((grade, credibility), row.name)
    return table


def _because(rule: Rule) -> str:
    said = [f"{MEASURES[m]} >= {n}" for m, n in sorted(rule.at_least.items())]
    said += [f"{MEASURES[m]} <= {n}" for m, n in sorted(rule.at_most.items())]
    return f"rule {rule.id}: " + ("; ".join(said) if said else "no other rule applies")


# --- computing a level ---------------------------------------------------------------------------


def groups(sources: Iterable[str], related: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each source's independent group, named by its smallest source id. ``related`` are the
    declared (source, other) pairs of any relation: copies, relays, belongs to. Transitive and
    undirected: the victim register's union-find (:class:`gavah.casualties.clusters.Groups`),
    whose groups are named by their smallest id too."""
    found = Groups(sources)
    for a, b in related:
        found.union(a, b)
    return {s: found.find(s) for s in list(found.parent)}


def level(
    rules: Rules,
    weighed: Sequence[Weighed],
    group_of: Mapping[str, str],
    not_counting: Mapping[str, str] | None = None,
    members: Mapping[str, tuple[str, ...]] | None = None,
) -> Level:
    """The level of one claim from its reviewed assessments (``weighed``, in the order made).
    ``group_of`` maps each source to its group (:func:`groups`; ``members``, the sources of
    each group, may be given when many claims share them); ``not_counting`` names assessments
    left out before (awaiting review, disputed) with the reason, for the explanation."""
    voices = _voices(rules, weighed, group_of, members or group_members(group_of))
    counts = _counts(voices, len(weighed))
    fired = next(rule for rule in rules.rules if rule.holds(counts))
    left = dict(not_counting or {})
    for w in weighed:
        if rules.strength(w.reliability, w.credibility) is None:
            left[w.assessment] = (
                f"reliability {w.reliability} with credibility {w.credibility} counts for nothing"
            )
    return Level(fired, counts, voices, left, rules)


def group_members(group_of: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """The sources of each group, sorted."""
    found: dict[str, list[str]] = {}
    for source, group in group_of.items():
        found.setdefault(group, []).append(source)
    return {group: tuple(sorted(sources)) for group, sources in found.items()}


def _voices(
    rules: Rules,
    weighed: Sequence[Weighed],
    group_of: Mapping[str, str],
    members: Mapping[str, tuple[str, ...]],
) -> tuple[Voice, ...]:
    by_group: dict[tuple[Stance, str], list[tuple[int, int, Weighed]]] = {}
    for order, w in enumerate(weighed):
        strength = rules.strength(w.reliability, w.credibility)
        if strength is None:
            continue
        key = (w.stance, group_of.get(w.source, w.source))
        by_group.setdefault(key, []).append((_STRENGTHS.index(strength), order, w))
    voices = []
    for (stance, group), found in sorted(by_group.items()):
        # The strongest counts; among equals, the most credible, the most reliable source,
        # then the first made (``weighed`` is in the order they were made).
        found.sort(key=lambda f: (f[0], f[2].credibility, f[2].reliability, f[1]))
        best = found[0][2]
        others = tuple(sorted(w.assessment for _, _, w in found[1:]))
        sources = members.get(group, (group,))
        voices.append(Voice(stance, sources, best, _STRENGTHS[found[0][0]], others))
    return tuple(voices)


def _counts(voices: Sequence[Voice], reviewed: int) -> dict[str, int]:
    counts = dict.fromkeys(MEASURES, 0)
    counts["reviewed"] = reviewed
    for v in voices:
        prefix = _PREFIX[v.stance]
        counts[f"{prefix}_any"] += 1
        if v.strength in ("strong", "credible"):
            counts[f"{prefix}_credible"] += 1
        if v.strength == "strong":
            counts[f"{prefix}_strong"] += 1
    return counts


def _would_raise(rules: Rules, fired: Rule, counts: Mapping[str, int]) -> list[Step]:
    """For each level ranked above the one reached, its first rule and what it lacks: its own
    conditions not met, and the lower-ranked rules before it that hold and so pre-empt it (a
    contested claim is not made fair by more support alone)."""
    reached = rules.rank(fired.airwars)
    said: list[Step] = []
    seen = set()
    for i, rule in enumerate(rules.rules):
        rank = rules.rank(rule.airwars)
        if rank <= reached or rule.airwars in seen:
            continue
        short = tuple(rule.shortfalls(counts))
        pre_empted = tuple(
            e for e in rules.rules[:i] if rules.rank(e.airwars) < rank and e.holds(counts)
        )
        if short or pre_empted:
            seen.add(rule.airwars)
            said.append(Step(rule.airwars, rule, short, pre_empted))
    return said


def _awaiting(not_counting: Mapping[str, str]) -> list[str]:
    return sorted(a for a, why in not_counting.items() if why.startswith("awaiting"))


def _pending(not_counting: Mapping[str, str]) -> list[str]:
    waiting = _awaiting(not_counting)
    if not waiting:
        return []
    return [f"a second person's review of {', '.join(waiting)} (not counted until reviewed)"]


# --- reading the rules ---------------------------------------------------------------------------


@cache
def load() -> Rules:
    """The rules shipped with gavah (``rules.toml``)."""
    text = resources.files("gavah.verify").joinpath("rules.toml").read_text(encoding="utf-8")
    return parse(text)


def parse(text: str) -> Rules:
    """Rules from TOML text; ConfigError naming the first thing it cannot use (fail closed)."""
    try:
        data = tomllib.loads(text)
        return _rules(data)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"verification rules: {exc}", hint="see docs/verification.md for the form"
        ) from None


def _rules(data: Mapping[str, Any]) -> Rules:
    reliability = {str(k): str(v) for k, v in data["reliability"].items()}
    credibility = {int(k): str(v) for k, v in data["credibility"].items()}
    strengths = tuple(_strength(row, reliability, credibility) for row in data["strength"])
    airwars = tuple((str(r["name"]), int(r["rank"]), str(r["meaning"])) for r in data["airwars"])
    proof = tuple((str(r["name"]), str(r["meaning"])) for r in data["proof"])
    rules = tuple(
        _rule(row, {a[0] for a in airwars}, {p[0] for p in proof}) for row in data["rule"]
    )
    if not rules or rules[-1].at_least or rules[-1].at_most:
        raise ValueError("the last rule must have no conditions, so that every claim has a level")
    return Rules(
        int(data["version"]),
        reliability,
        credibility,
        strengths,
        airwars,
        proof,
        rules,
        _strength_table(strengths),
        {name: rank for name, rank, _ in airwars},
    )


def _strength(
    row: Mapping[str, Any], grades: Mapping[str, str], cred: Mapping[int, str]
) -> Strength:
    found = Strength(
        str(row["name"]),
        frozenset(str(g) for g in row["reliability"]),
        frozenset(int(c) for c in row["credibility"]),
    )
    if found.name not in _STRENGTHS:
        raise ValueError(f"strength {found.name!r} is not one of {', '.join(_STRENGTHS)}")
    if not found.reliability <= set(grades) or not found.credibility <= set(cred):
        raise ValueError(f"strength {found.name!r} names an unknown grade or credibility")
    return found


def _rule(row: Mapping[str, Any], airwars: set[str], proof: set[str]) -> Rule:
    rule = Rule(
        str(row["id"]),
        str(row["airwars"]),
        str(row["proof"]),
        {str(k): int(v) for k, v in row["at_least"].items()},
        {str(k): int(v) for k, v in row["at_most"].items()},
    )
    if rule.airwars not in airwars or rule.proof not in proof:
        raise ValueError(f"rule {rule.id}: unknown level {rule.airwars!r} or {rule.proof!r}")
    unknown = (set(rule.at_least) | set(rule.at_most)) - set(MEASURES)
    if unknown:
        raise ValueError(f"rule {rule.id}: unknown count {', '.join(sorted(unknown))}")
    return rule
