"""Guard rails: conditions under which an MSE number would mislead, said in plain words.

Each check either refuses (raises :class:`InputError` with the reason) or returns a warning that
travels with the estimate into every output. Nothing here is silent.

Two kinds. :func:`check` looks at one stratum's table before it is estimated: too few lists,
a list that shares nobody, tiny strata. The :class:`GuardRail` checks look at the whole
estimate, as a journalist would ask about it: are the lists independent of each other
(:func:`dependence`), do they cover the same period and places (:func:`coverage`), does the
register count people twice (:func:`under_linked`), is the number many times what was
documented (:func:`far_above_documented`), do the methods agree (:func:`methods_disagree`)?
Their messages say what was found, why it matters to the number and what to do, in words that
can be repeated; each has a stable ``code`` for scripts.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gavah.casualties.mse.patterns import CaptureHistories
from gavah.errors import InputError

MIN_RECORDS = 50
"""Below this many documented victims in a stratum, estimates are too unstable to report alone."""
MIN_LIST_RECORDS = 10


def check(histories: CaptureHistories) -> list[str]:
    """Refuse what cannot be estimated; return warnings for what can, but with caveats."""
    k = len(histories.lists)
    if k < 2:
        raise InputError(
            "multiple systems estimation needs at least two lists; one list says nothing about "
            "whom it missed"
        )
    if histories.observed == 0:
        raise InputError("no victim is recorded on any list")
    refuse_isolated_lists(histories)
    return _small(histories)  # two lists alone are a guard rail on the whole (two_lists)


def refuse_isolated_lists(histories: CaptureHistories) -> None:
    """A list sharing no victim with any other says nothing about whom it missed: the estimate
    would have no upper bound."""
    for i, name in enumerate(histories.lists):
        shared = sum(
            c
            for p, c in zip(histories.patterns, histories.counts, strict=True)
            if p[i] and sum(p) > 1
        )
        if shared == 0:
            raise InputError(
                f"list {name!r} shares no victim with any other list, so nothing tells how much "
                "it misses: MSE cannot be used with it",
                hint="check the record linkage, or leave this list out (--lists)",
            )


def _small(histories: CaptureHistories) -> list[str]:
    warnings = []
    if histories.observed < MIN_RECORDS:
        warnings.append(
            f"only {histories.observed} documented victims: too few for a stable estimate "
            f"(fewer than {MIN_RECORDS}); report it with great caution or merge strata"
        )
    for name, total in histories.list_totals().items():
        if total < MIN_LIST_RECORDS:
            warnings.append(f"list {name!r} records only {total} victims here")
    return warnings


# --- guard rails on the whole estimate -----------------------------------------------------

NEAR_COPY = 0.9
"""A list is called a near copy of another when this share of its people is on the other."""
FAR_ABOVE = 3.0
"""An estimate this many times the documented count is flagged."""
PERIOD_OVERLAP = 0.5
"""Two lists' periods (each the span of the middle 90% of its dated people) must share at least
this share of the shorter one."""
MIN_DATED = 10  # a list with fewer dated people has no period to compare
ELSEWHERE_SHARE = 0.2
"""A list with this share of its placed people (and at least MIN_ELSEWHERE of them) in provinces
where another list has nobody covers other places."""
MIN_ELSEWHERE = 20
UNDER_LINKED_SHARE = 0.02
"""Pairs left apart though they look alike, as a share of the people counted, from which the
register is called under-linked (and at least MIN_UNDER_LINKED pairs)."""
MIN_UNDER_LINKED = 5
LOOKS_ALIKE_FROM = 0.5  # a pair scored at least this (and below the threshold) looks alike


@dataclass(frozen=True)
class GuardRail:
    code: str  # stable, for scripts
    message: str  # plain words: what was found, why it matters, what to do
    about: str = ""  # which estimate it is said of, where that is one of several (a stratum)
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """The values the message is made of (list names, counts, shares, dates), so that a page in
    another language, or a public one that must not name the lists, can say it in its own words."""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": _plain(self.params)}


def _plain(value: Any) -> Any:
    """``params`` as JSON holds them: dates as ISO text."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def shared(histories: CaptureHistories, i: int, j: int) -> int:
    """People on both list ``i`` and list ``j`` (and maybe others)."""
    return sum(
        c for p, c in zip(histories.patterns, histories.counts, strict=True) if p[i] and p[j]
    )


def two_lists(histories: CaptureHistories) -> list[GuardRail]:
    """Two lists: the estimate rests wholly on their being independent, which nothing checks."""
    if len(histories.lists) != 2:
        return []
    a, b = histories.lists
    return [
        GuardRail(
            "two-lists-only",
            f"only two lists ({a!r} and {b!r}): the estimate rests wholly on their being made "
            "independently of each other, and two lists cannot show whether they were. If they "
            "draw on the same sources, the number is too low; if each reaches people the other "
            "cannot, too high. A third list would let the estimate check it.",
            params={"a": a, "b": b},
        )
    ]


def dependence(histories: CaptureHistories) -> list[GuardRail]:
    """Lists that are not independent: one a near copy (or subset) of another, or two that share
    more people than lists made independently could.

    The second test is Lincoln-Petersen's: two independent lists of n_a and n_b people sharing
    m estimate n_a * n_b / m people in all. When that is below the number already documented on
    all lists, which no true total can be, the two lists overlap far more than chance allows."""
    rails = []
    totals = list(histories.list_totals().values())
    names = histories.lists
    copied: set[frozenset[int]] = set()
    for i, j in ((i, j) for i in range(len(names)) for j in range(len(names)) if i != j):
        both, size = shared(histories, i, j), totals[i]
        smaller = size < totals[j] or (size == totals[j] and i > j)
        if size and smaller and both / size >= NEAR_COPY:
            copied.add(frozenset((i, j)))
            rails.append(
                GuardRail(
                    "near-copy",
                    f"{both / size:.0%} of the people on list {names[i]!r} ({both:,} of "
                    f"{size:,}) are also on list {names[j]!r}: one of the two may be compiled "
                    "from the other, or both from the same sources. The estimate assumes "
                    "that lists are made independently; lists that copy each other make it too "
                    "low. Treat them as one list (leave one out with --lists) and compare.",
                    params={
                        "a": names[i],
                        "b": names[j],
                        "share": both / size,
                        "both": both,
                        "size": size,
                    },
                )
            )
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            both = shared(histories, i, j)
            if not both or frozenset((i, j)) in copied:
                continue
            alone = totals[i] * totals[j] / both
            if alone < histories.observed:
                rails.append(
                    GuardRail(
                        "dependent-lists",
                        f"lists {names[i]!r} and {names[j]!r} share {both:,} people, more "
                        "than two lists made independently could: on these two alone the "
                        f"estimate would be {alone:,.0f}, fewer than the {histories.observed:,} "
                        "people documented on all lists. They probably draw on each other or "
                        "on the same sources. Estimates that ignore this are too low; the "
                        "methods below allow for it only in part.",
                        params={
                            "a": names[i],
                            "b": names[j],
                            "both": both,
                            "alone": alone,
                            "observed": histories.observed,
                        },
                    )
                )
    return rails


@dataclass(frozen=True)
class Coverage:
    """What each list covers, from the register: the dates of death it gives (to the day) and
    how many of its people it places in each province."""

    dates: Mapping[str, Sequence[datetime.date]]
    provinces: Mapping[str, Mapping[str, int]]


def coverage(facts: Coverage) -> list[GuardRail]:
    """Lists that cover different periods or places: a person killed when, or where, only one
    list was recording cannot be on the other, which the estimate reads as "missed"."""
    rails = []
    spans = {name: _span(days) for name, days in facts.dates.items() if len(days) >= MIN_DATED}
    named = list(spans)
    for a_i, a in enumerate(named):
        for b in named[a_i + 1 :]:
            (a0, a1), (b0, b1) = spans[a], spans[b]
            shorter = min((a1 - a0).days, (b1 - b0).days) + 1
            common = max((min(a1, b1) - max(a0, b0)).days + 1, 0)
            if common / shorter < PERIOD_OVERLAP:
                rails.append(
                    GuardRail(
                        "periods-differ",
                        f"list {a!r} covers {a0:%d %b %Y} to {a1:%d %b %Y} and list {b!r} "
                        f"{b0:%d %b %Y} to {b1:%d %b %Y} (the middle 90% of each list's dates "
                        "of death): people killed when only one list was recording cannot be "
                        "on the other, and the estimate counts them as missed by it. Estimate "
                        "by month (--stratify month) or for the common period only.",
                        params={"a": a, "b": b, "a0": a0, "a1": a1, "b0": b0, "b1": b1},
                    )
                )
    for a, here in facts.provinces.items():
        placed = sum(here.values())
        for b, there in facts.provinces.items():
            if a == b or not there:
                continue
            elsewhere = sum(n for province, n in here.items() if not there.get(province))
            if elsewhere >= MIN_ELSEWHERE and elsewhere / placed >= ELSEWHERE_SHARE:
                rails.append(
                    GuardRail(
                        "places-differ",
                        f"{elsewhere:,} of the {placed:,} people list {a!r} places ("
                        f"{elsewhere / placed:.0%}) died in provinces where list {b!r} records "
                        "nobody: the lists may cover different places, and the estimate then "
                        "counts those people as missed by it. Estimate by province "
                        "(--stratify province) or for the places both cover.",
                        params={
                            "a": a,
                            "b": b,
                            "elsewhere": elsewhere,
                            "placed": placed,
                            "share": elsewhere / placed,
                        },
                    )
                )
    return rails


def _span(days: Sequence[datetime.date]) -> tuple[datetime.date, datetime.date]:
    ordered = sorted(days)
    cut = int(len(ordered) * 0.05)
    return ordered[cut], ordered[len(ordered) - 1 - cut]


def under_linked(looks_alike: int, people: int, threshold: float) -> list[GuardRail]:
    """A register that counts many people twice: ``looks_alike`` pairs of records scored from
    :data:`LOOKS_ALIKE_FROM` up to ``threshold``, not decided by a reviewer, are kept apart."""
    if looks_alike < max(MIN_UNDER_LINKED, UNDER_LINKED_SHARE * people):
        return []
    return [
        GuardRail(
            "under-linked",
            f"{looks_alike:,} pairs of records score between {LOOKS_ALIKE_FROM:g} and "
            f"{threshold:g} and are counted as two people each ({people:,} people counted): "
            f"if most are one person, the documented count is up to {looks_alike:,} too high, "
            "and the estimate, which reads a person counted twice as one seen by one list "
            "only, is too high as well. Review them (gavah victims review) and compare the "
            "estimate at a lower threshold (--thresholds 0.5).",
            params={
                "pairs": looks_alike,
                "low": LOOKS_ALIKE_FROM,
                "threshold": threshold,
                "people": people,
            },
        )
    ]


def far_above_documented(estimate: float, observed: int) -> list[GuardRail]:
    if not observed or estimate < FAR_ABOVE * observed:
        return []
    return [
        GuardRail(
            "far-above-documented",
            f"the estimate ({round(estimate):,}) is {estimate / observed:.1f} times the "
            f"{observed:,} people documented: most of it is people no list recorded, inferred "
            "from how little the lists overlap. Lists overlap little also when the register "
            "counts people twice, and when lists cover different periods or places; rule "
            "those out before quoting the number.",
            params={"estimate": estimate, "times": estimate / observed, "observed": observed},
        )
    ]


def small_strata(observed: Sequence[int]) -> list[GuardRail]:
    """Strata too small for a stable estimate, said once for all of them."""
    small = [n for n in observed if n < MIN_RECORDS]
    if len(observed) < 2 or not small:
        return []
    return [
        GuardRail(
            "small-strata",
            f"{len(small)} of the {len(observed)} strata hold fewer than {MIN_RECORDS} "
            f"documented victims ({sum(small):,} victims in all): their estimates are unstable "
            "and their intervals wide. Use broader strata, or none.",
            params={
                "small": len(small),
                "strata": len(observed),
                "minimum": MIN_RECORDS,
                "victims": sum(small),
            },
        )
    ]


POOR_FIT_P = 0.05  # as loglinear.POOR_FIT_P: a goodness-of-fit p-value below this fits badly
FIT_RAILS = {  # each fit rail said of several strata at once
    "poor-fit": "the log-linear model each leans on does not fit its counts: none of the models "
    "tried describes how the lists depend on one another there, and those numbers may be wrong "
    "in either direction.",
    "most-complex-model": "the log-linear model each leans on is the most complex one fitted, "
    "so nothing in the data is left to test it; those numbers rest on the assumption that the "
    "lists depend on one another in no more complex way.",
}


def model_fit(where: str, diagnostics: Mapping[str, Any]) -> list[GuardRail]:
    """The log-linear model an estimate leans on fits the counts badly, or is the most complex
    one fitted (the saturated model, where nothing is left to test it): ``where`` names the
    estimate ("the estimate", "stratum province=Tehran", "loglinear side by side")."""
    best = diagnostics.get("most_weighted")
    if not isinstance(best, Mapping):
        return []
    rails = []
    name = ", ".join(best.get("terms") or []) or "independence"
    p = best.get("fit_p")
    if isinstance(p, float) and p < POOR_FIT_P:
        rails.append(
            GuardRail(
                "poor-fit",
                about=where,
                message=f"{where}: the log-linear model it leans on ({name}) does not fit the counts "
                f"(goodness-of-fit p = {p:.2g}): none of the models tried describes how these "
                "lists depend on one another, and the number may be wrong in either direction.",
                params={"where": where, "model": name, "p": p},
            )
        )
    if diagnostics.get("most_weighted_is_most_complex"):
        rails.append(
            GuardRail(
                "most-complex-model",
                about=where,
                message=f"{where}: the log-linear model it leans on ({name}) is the most complex one "
                "fitted, so nothing in the data is left to test it; the number rests on the "
                "assumption that the lists depend on one another in no more complex way.",
                params={"where": where, "model": name},
            )
        )
    return rails


@dataclass(frozen=True)
class MethodEstimate:
    method: str
    estimate: float
    interval: tuple[float, float]


def methods_disagree(found: Sequence[MethodEstimate]) -> list[GuardRail]:
    """Two methods whose 95% intervals do not overlap."""
    apart = [
        (a, b)
        for k, a in enumerate(found)
        for b in found[k + 1 :]
        if a.interval[1] < b.interval[0] or b.interval[1] < a.interval[0]
    ]
    if not apart:
        return []
    each = "; ".join(
        f"{m.method} {round(m.estimate):,} ({round(m.interval[0]):,} to {round(m.interval[1]):,})"
        for m in found
    )
    return [
        GuardRail(
            "methods-disagree",
            f"the methods disagree beyond their 95% intervals: {each}. Each rests on different "
            "assumptions about how the lists depend on each other, and the data cannot tell "
            "which holds: report the range of the methods, not one of them.",
            params={
                "each": [
                    {"method": m.method, "estimate": m.estimate, "interval": list(m.interval)}
                    for m in found
                ]
            },
        )
    ]
