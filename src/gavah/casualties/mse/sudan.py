"""Linkage uncertainty carried forward into log-linear MSE, as in the Khartoum analysis.

Dahab, AbuKoura, Checchi et al. (2024), "War-Time Mortality in Sudan: A Capture-Recapture
Analysis" (SSRN 5016438), linked three lists of deaths by hand: each candidate within-list
duplicate and each candidate cross-list match got a confidence score 1-5, and each score a
probability of being real. Their main analysis redraws the linkage many times and pools the
estimates. This module does the same in general terms:

1. ``records`` (one per list entry) and ``links`` (candidate duplicate or match pairs, each with
   a score) are the input; :class:`ScoreProbabilities` maps (kind, score) to a probability, or
   to a set of plausible probabilities of which one is drawn per run (their uncertainty);
2. per run each link is accepted with that probability (Bernoulli). Accepted duplicates are
   merged first; accepted matches are then merged strongest first, and a match is refused if
   it would put two entries of the same list into one person (a cross-list match never implies
   a duplicate the reviewers did not accept; the published code keeps the highest-scored
   match per list in the same way);
3. an ``eligible`` rule decides which merged people count (e.g. died in Khartoum State), the
   3-list capture histories are rebuilt, every log-linear model is fitted
   (:mod:`gavah.casualties.mse.loglinear`) and averaged by AIC;
4. runs are pooled: the point estimate is the median of the runs' estimates (as published) and
   the interval the 2.5%/97.5% quantiles of the equal-weight mixture of every run's model
   mixture, so it carries linkage, model and sampling uncertainty at once. The published
   summary (medians of the runs' interval bounds) is kept in the diagnostics.

Fixed thresholds (the published sensitivity grid d1..5 x o1..5) are the same machinery with
probabilities 0 or 1: :func:`threshold_probabilities`.

Two models. By default, plain 3-list log-linear models. With ``covariates`` (for Khartoum,
:func:`khartoum_covariates`: month of death, number of reports, cause), the record-level models
of :mod:`gavah.casualties.mse.covariates` (Rossi 2010), which is what the published analysis
fits (01_functions.R ``f_model``, confounders ``mmyy``, ``n_rep``, ``cod2``).

Two ways to draw. ``draw="run"`` (the default) draws one probability per (kind, score) per run
from its plausible values, so the uncertainty about a score's probability moves every link of
that score together. ``draw="link"`` draws one per link, as the published code does (R's
``approx`` on the quantiles, then ``rbinom``); the per-score uncertainty then averages out.
(An earlier version of their code, commit 32f075d, drew ``prob < runif()``, accepting with
1 - p; the version with the score quantiles accepts with p, as we do.)
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from gavah.casualties.mse import covariates as record_level
from gavah.casualties.mse import loglinear
from gavah.casualties.mse.patterns import CaptureHistories, Estimate
from gavah.errors import InputError

LinkKind = Literal["duplicate", "match"]
Person = tuple[tuple["Record", ...], ...]  # a merged person: within-list duplicate groups
EligibleRule = Callable[[Person], bool]
CovariateRule = Callable[[Sequence[Person]], Mapping[str, Sequence[float]]]
Draw = Literal["run", "link"]

OVERFIT_P = 0.6  # published rule: drop models whose LR test against the saturated model has p > 0.6
KHARTOUM_LISTS = ("PB", "PV", "SM")  # public survey, private survey, social media
STUDY_START = date(2023, 4, 15)
STUDY_END = date(2024, 6, 4)


@dataclass(frozen=True)
class Record:
    """One list entry. ``fields`` holds what eligibility rules read (location, dates, ...)."""

    key: str
    list_name: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CandidateLink:
    """A pair that reviewers thought might be one person, with their confidence score."""

    a: str
    b: str
    kind: LinkKind
    score: int


@dataclass(frozen=True)
class ScoreProbabilities:
    """P(link is real | kind, score): a tuple of plausible values per (kind, score); one value is
    drawn uniformly per run. A single value means no uncertainty about the probability."""

    values: Mapping[tuple[str, int], tuple[float, ...]]

    def draw(self, rng: np.random.Generator) -> dict[tuple[str, int], float]:
        return {key: float(v[rng.integers(len(v))]) for key, v in self.values.items()}

    def draw_each(
        self, links: Sequence[CandidateLink], rng: np.random.Generator
    ) -> npt.NDArray[np.float64]:
        """One probability per link, drawn from the quantile function that the plausible
        values give (read as quantiles at equally spaced levels 0..1, as score_probs holds)."""
        out = np.empty(len(links))
        u = rng.random(len(links))
        for i, link in enumerate(links):
            values = self.values.get((link.kind, link.score))
            if values is None:
                raise InputError(f"no probability for a {link.kind} scored {link.score}")
            levels = np.linspace(0.0, 1.0, len(values)) if len(values) > 1 else np.zeros(1)
            out[i] = float(np.interp(u[i], levels, values))
        return out

    def probability(self, link: CandidateLink, drawn: Mapping[tuple[str, int], float]) -> float:
        try:
            return drawn[(link.kind, link.score)]
        except KeyError:
            raise InputError(f"no probability for a {link.kind} scored {link.score}") from None


def threshold_probabilities(duplicate: int, match: int, max_score: int = 5) -> ScoreProbabilities:
    """Fixed thresholds: a link is real iff its score is at least the threshold for its kind."""
    values: dict[tuple[str, int], tuple[float, ...]] = {}
    for kind, threshold in (("duplicate", duplicate), ("match", match)):
        for score in range(max_score + 1):
            values[(kind, score)] = (1.0 if score >= threshold else 0.0,)
    return ScoreProbabilities(values)


@dataclass(frozen=True)
class LinkageRun:
    """One drawn linkage: the capture histories and the model-averaged estimate it gives."""

    histories: CaptureHistories
    estimate: Estimate
    models: loglinear.ModelSet | record_level.CovariateModels
    published: tuple[float, float, float]  # total and interval as the published code reports


def link_people(
    records: Sequence[Record], links: Sequence[CandidateLink], accepted: Sequence[bool]
) -> list[Person]:
    """Merge records into people: accepted duplicates first, then accepted matches strongest
    first, refusing a match that would join two entries of one list."""
    index = {r.key: i for i, r in enumerate(records)}
    forest = _Forest([r.list_name for r in records])
    chosen = [link for link, ok in zip(links, accepted, strict=True) if ok]
    for link in chosen:
        if link.kind == "duplicate":
            forest.union(index[link.a], index[link.b])
    groups = [forest.find(i) for i in range(len(records))]
    for link in sorted(_matches(chosen), key=lambda x: (-x.score, len(x.a) + len(x.b))):
        forest.union_if_disjoint(index[link.a], index[link.b])
    return _people(records, groups, [forest.find(i) for i in range(len(records))])


def _matches(links: Iterable[CandidateLink]) -> list[CandidateLink]:
    return [link for link in links if link.kind == "match"]


def _people(records: Sequence[Record], groups: list[int], people: list[int]) -> list[Person]:
    by_person: dict[int, dict[int, list[Record]]] = {}
    for record, group, person in zip(records, groups, people, strict=True):
        by_person.setdefault(person, {}).setdefault(group, []).append(record)
    return [tuple(tuple(g) for g in person.values()) for person in by_person.values()]


class _Forest:
    """Union-find over records that tracks which lists each set holds."""

    def __init__(self, lists: Sequence[str]) -> None:
        self.parent = list(range(len(lists)))
        self.lists = [{name} for name in lists]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[rj] = ri
            self.lists[ri] |= self.lists[rj]

    def union_if_disjoint(self, i: int, j: int) -> None:
        if not self.lists[self.find(i)] & self.lists[self.find(j)]:
            self.union(i, j)


def capture_histories(
    people: Iterable[Person], lists: Sequence[str], eligible: EligibleRule
) -> CaptureHistories:
    """One 0/1 row per eligible person: on which lists it appears."""
    rows = (
        [int(any(r.list_name == name for g in person for r in g)) for name in lists]
        for person in people
        if eligible(person)
    )
    return CaptureHistories.from_records(lists, rows)


def run_once(
    records: Sequence[Record],
    links: Sequence[CandidateLink],
    accepted: Sequence[bool],
    lists: Sequence[str],
    eligible: EligibleRule,
    covariates: CovariateRule | None = None,
) -> LinkageRun:
    """Fit and average every log-linear model for one linkage (pairwise models, AIC), with
    record-level ``covariates`` when given."""
    people = [p for p in link_people(records, links, accepted) if eligible(p)]
    histories = capture_histories(people, lists, lambda _: True)
    if covariates is None:
        models = _without_overfitted(loglinear.fit_models(histories))
        estimate = loglinear.averaged_estimate(models, "aic")
        return LinkageRun(histories, estimate, models, _published_plain(models, estimate))
    rows = [[int(any(r.list_name == name for g in p for r in g)) for name in lists] for p in people]
    fitted = record_level.fit_models(rows, covariates(people), lists, overfit_p=OVERFIT_P)
    estimate = record_level.averaged_estimate(fitted)
    low, high = estimate.diagnostics["published_style_interval"]
    return LinkageRun(histories, estimate, fitted, (estimate.estimate, low, high))


def _published_plain(models: loglinear.ModelSet, estimate: Estimate) -> tuple[float, float, float]:
    """The published summary of one run: AIC-weighted means of the models' n0 and of their
    interval bounds (not the mixture quantiles gavah reports)."""
    w = loglinear.model_weights(models.fits, "aic", estimate.observed)
    bounds = np.array([f.interval() for f in models.fits])
    low, high = (float(np.dot(w, bounds[:, i])) for i in (0, 1))
    return estimate.estimate, estimate.observed + low, estimate.observed + high


def _without_overfitted(models: loglinear.ModelSet) -> loglinear.ModelSet:
    """The published "possible over-fitting" rule: drop models whose likelihood-ratio test
    against the saturated model has p > 0.6 (always the saturated model itself)."""
    kept, dropped = [], list(models.dropped)
    for fit in models.fits:
        p = 1.0 if fit.df_resid == 0 else float(stats.chi2.sf(fit.deviance, fit.df_resid))
        if p > OVERFIT_P:
            dropped.append(loglinear.Dropped(fit.terms, f"possible over-fitting (LR p = {p:.2f})"))
        else:
            kept.append(fit)
    return loglinear.ModelSet(models.histories, tuple(kept), tuple(dropped))


def pooled_estimate(
    records: Sequence[Record],
    links: Sequence[CandidateLink],
    probabilities: ScoreProbabilities,
    *,
    lists: Sequence[str],
    eligible: EligibleRule,
    runs: int = 100,
    seed: int = 0,
    covariates: CovariateRule | None = None,
    draw: Draw = "run",
) -> Estimate:
    """Redraw the linkage ``runs`` times, estimate each, and pool (see the module docstring)."""
    if runs < 1:
        raise InputError(f"runs must be at least 1, got {runs}")
    rng = np.random.default_rng(seed)
    results = [
        run_once(
            records, links, _draw_links(links, probabilities, rng, draw), lists, eligible,
            covariates,
        )
        for _ in range(runs)
    ]  # fmt: skip
    return _pool(results, tuple(lists))


def _draw_links(
    links: Sequence[CandidateLink],
    probabilities: ScoreProbabilities,
    rng: np.random.Generator,
    draw: Draw = "run",
) -> list[bool]:
    if draw == "link":
        p = probabilities.draw_each(links, rng)
    else:
        drawn = probabilities.draw(rng)
        p = np.array([probabilities.probability(link, drawn) for link in links])
    return [bool(x) for x in rng.random(len(links)) < p]


def _pool(results: Sequence[LinkageRun], lists: tuple[str, ...]) -> Estimate:
    totals = [r.estimate.estimate for r in results]
    observed = [r.histories.observed for r in results]
    fits, weights = [], []
    for r in results:
        w = loglinear.model_weights(r.models.fits, "aic", r.histories.observed)
        fits += list(r.models.fits)
        weights += list(w / len(results))
    low, high = loglinear.mixture_interval(fits, weights)
    median_observed = statistics.median(observed)
    return Estimate(
        method=f"{results[0].estimate.method}-linkage",
        lists=lists,
        observed=int(round(median_observed)),
        estimate=statistics.median(totals),
        interval=(median_observed + low, median_observed + high),
        draws=tuple(totals),
        diagnostics=_pool_diagnostics(results, observed),
        warnings=_pool_warnings(results),
    )


def _pool_diagnostics(results: Sequence[LinkageRun], observed: list[int]) -> dict[str, object]:
    totals = [r.estimate.estimate for r in results]
    published = np.median(np.array([r.published for r in results]), axis=0)
    return {
        "runs": len(results),
        "observed_median": statistics.median(observed),
        "observed_range": [min(observed), max(observed)],
        "published_style_estimate": float(published[0]),
        "published_style_interval": [float(published[1]), float(published[2])],
        "run_estimates_2.5_97.5": [float(np.quantile(totals, q)) for q in (0.025, 0.975)],
    }


def _pool_warnings(results: Sequence[LinkageRun]) -> tuple[str, ...]:
    saturated = len(results[0].histories.lists) * (len(results[0].histories.lists) - 1) // 2
    dropped = sum(  # the model with every interaction is always dropped, as published
        1
        for r in results
        if any(
            "over-fitting" not in d.reason and len(d.terms) < saturated for d in r.models.dropped
        )
    )
    out = (
        [f"in {dropped} of {len(results)} runs a model was dropped as divergent"] if dropped else []
    )
    missing = [w for w in results[0].estimate.warnings if "lack a covariate" in w]
    return (*out, *missing[:1])


# --- The Khartoum files (sdn_mortality_2024, public release) -----------------------------------


def read_khartoum(data_csv: Path, pairs_csv: Path) -> tuple[list[Record], list[CandidateLink]]:
    """Records of ``sdn_cam_data_final_public`` (data sheet as CSV) and candidate links: each
    scored duplicate to its group's parent (``dup_id`` = parent id + suffix), and each scored
    cross-list pair of ``ovrlp_base``. Pairs naming an id not in the data are left out, as in
    the published code."""
    records = [_khartoum_record(row) for row in _read_rows(data_csv)]
    by_dup = {r.fields["dup_id"]: r for r in records}
    for r in records:  # a parent id with no entry of its own names the group's first member
        by_dup.setdefault(r.fields["parent_id"], r)
    links = _duplicate_links(records, by_dup) + _match_links(_read_rows(pairs_csv), by_dup)
    return records, links


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def _normalise_id(raw: str) -> str:
    """``PB_904_2`` -> ``PB904_2``, the form the overlap table uses. Not stripped: the published
    code keeps ``"PV_476 "`` (trailing space) apart from its duplicates ``PV_476_1/_2``, and so
    do we, to reproduce its counts."""
    for name in KHARTOUM_LISTS:
        raw = raw.replace(name + "_", name)
    return raw


_LOCATION_ALIASES = {"Al Qadarif": "Gedaref", "West Darfour": "West Darfur"}
_UNKNOWN_LOCATIONS = {"", "NA", "Egypt borders", "Libya borders", "Sudan"}
_ABROAD = {
    "Australia", "Chad", "Egypt", "Eritrea", "Ethiopia", "France", "Germany", "India", "Kuwait",
    "Libya", "Mali", "New Zealand", "Qatar", "Saudi Arabia", "South Sudan", "Tanzania",
    "Türkiye", "UAE", "Uganda", "UK", "USA",
}  # fmt: skip


def _location(raw: str) -> str:
    if raw in _UNKNOWN_LOCATIONS:
        return "unknown / unclear"
    if raw in _ABROAD:
        return "outside Sudan"
    return _LOCATION_ALIASES.get(raw, raw)


def _cause(raw: str) -> str:
    """Causes grouped as 02_read_prepare_data.R does before any merging."""
    if raw in {"natural death", "other", "starvation_disease"}:
        return "disease"
    return "unknown / unclear" if raw in {"", "NA"} else raw


def _khartoum_record(row: Mapping[str, str]) -> Record:
    dup_id = _normalise_id(row["dup_id"])
    death = row.get("death_date", "").strip()
    fields = {
        "dup_id": dup_id,
        "parent_id": dup_id.split("_")[0],
        "dup_score": row["dup_score"].strip(),
        "del_score": row["del_score"].strip(),
        "loc_death": _location(row.get("loc_death", "").strip()),
        "year_death": row.get("year_death", "").strip(),
        "month_death": row.get("month_death", "").strip(),
        "day_death": death[8:10] if len(death) >= 10 else "15",
        "cod": _cause(row.get("cod", "").strip()),
    }
    key = _normalise_id(row["id"])
    return Record(key=key, list_name=key[:2], fields=fields)


def _duplicate_links(
    records: Sequence[Record], by_dup: Mapping[str, Record]
) -> list[CandidateLink]:
    """Each scored duplicate to its parent. A group whose parent entry is missing gets a link
    between every two members, scored the lower of their scores: at any threshold the members
    at or above it merge together, as the published grouping by parent id does."""
    groups: dict[str, list[Record]] = {}
    for r in records:
        groups.setdefault(r.fields["parent_id"], []).append(r)
    links = []
    for parent_id, members in groups.items():
        parent = by_dup.get(parent_id)
        if parent is None:
            links += _orphan_links(members)
            continue
        for r in members:
            if r is not parent and int(r.fields["dup_score"]) > 0:
                links.append(
                    CandidateLink(r.key, parent.key, "duplicate", int(r.fields["dup_score"]))
                )
    return links


def _orphan_links(members: Sequence[Record]) -> list[CandidateLink]:
    scores = [int(r.fields["dup_score"]) for r in members]
    return [
        CandidateLink(a.key, b.key, "duplicate", min(sa, sb))
        for i, (a, sa) in enumerate(zip(members, scores, strict=True))
        for b, sb in zip(members[i + 1 :], scores[i + 1 :], strict=True)
        if min(sa, sb) > 0
    ]


def _match_links(
    rows: Iterable[Mapping[str, str]], by_dup: Mapping[str, Record]
) -> list[CandidateLink]:
    links = []
    for row in rows:
        a, b = by_dup.get(row["match1_id"].strip()), by_dup.get(row["match2_id"].strip())
        if a is not None and b is not None:
            score = int(float(row["ovrlp_score"]))
            links.append(CandidateLink(a.key, b.key, "match", score))
    return links


def read_score_probabilities(path: Path) -> ScoreProbabilities:
    """``score_probs``: rows ``par`` (d = duplicate, o = overlap/match), ``score``, ``p_cum``,
    ``prob``; the values over ``p_cum`` are the plausible probabilities for that score."""
    kinds = {"d": "duplicate", "o": "match"}
    values: dict[tuple[str, int], list[float]] = {}
    for row in _read_rows(path):
        key = (kinds[row["par"].strip()], int(float(row["score"])))
        values.setdefault(key, []).append(float(row["prob"]))
    return ScoreProbabilities({k: tuple(v) for k, v in values.items()})


@dataclass(frozen=True)
class PersonFacts:
    """A merged person's facts, combined as the published code does: within each duplicate
    group, then across groups; categories by the single most common value (a tie gives no
    value), numbers by the mean, dates rounded from mean year, month and day."""

    location: str | None
    del_score: float
    death_date: date | None
    cause: str | None = None
    reports: int = 1  # entries merged into this person (the published ``n_rep``)


def person_facts(person: Person) -> PersonFacts:
    groups = [_group_facts(g) for g in person]
    location = _mode([g[0] for g in groups])
    del_score = _mean([g[1] for g in groups])
    ymd = [_mean([g[2][i] for g in groups]) for i in range(3)]
    cause = _mode([_mode([r.fields.get("cod") for r in g]) for g in person])
    reports = sum(len(g) for g in person)
    return PersonFacts(location, del_score, _date([_round(v) for v in ymd]), cause, reports)


def khartoum_covariates(people: Sequence[Person]) -> dict[str, list[float]]:
    """The published main analysis's confounders, per person: ``month`` of death (a running
    month number; unknown when the date is), ``reports`` (entries merged) and ``cause`` (1 when
    not an intentional injury, as its ``cod2``)."""
    facts = [person_facts(p) for p in people]
    return {
        "month": [
            math.nan if f.death_date is None else 12.0 * f.death_date.year + f.death_date.month
            for f in facts
        ],
        "reports": [float(f.reports) for f in facts],
        "cause": [float((f.cause or "unknown / unclear") != "injury_intentional") for f in facts],
    }


def _group_facts(group: Sequence[Record]) -> tuple[str | None, float, list[float]]:
    location = _mode([r.fields["loc_death"] for r in group])
    del_score = _mean([_number(r.fields["del_score"]) for r in group])
    names = ("year_death", "month_death", "day_death")
    ymd = [_round(_mean([_number(r.fields[n]) for r in group])) for n in names]
    return location, del_score, ymd


def _number(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        return math.nan


def _mean(values: Sequence[float]) -> float:
    known = [v for v in values if not math.isnan(v)]
    return sum(known) / len(known) if known else math.nan


def _round(value: float) -> float:
    return value if math.isnan(value) else float(round(value))  # half to even, as R's round


def _mode(values: Sequence[str | None]) -> str | None:
    known = [v for v in values if v is not None]
    counts = {v: known.count(v) for v in set(known)}
    top = [v for v, c in counts.items() if c == max(counts.values(), default=0)]
    return top[0] if len(top) == 1 else None


def _date(ymd: Sequence[float]) -> date | None:
    if any(math.isnan(v) for v in ymd):
        return None
    try:
        day = date(int(ymd[0]), int(ymd[1]), int(ymd[2]))
    except ValueError:
        return None
    return None if day > STUDY_END else day


def khartoum_all_cause(person: Person) -> bool:
    """Published inclusion: enough identifiers (every entry del_score 5), died on or after
    15 April 2023 (or date unknown), and died in Khartoum State."""
    facts = person_facts(person)
    if not facts.del_score >= 5:
        return False
    if facts.death_date is not None and facts.death_date < STUDY_START:
        return False
    return (facts.location or "unknown / unclear") == "Khartoum"
