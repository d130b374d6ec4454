"""Linkage uncertainty carried into multiple systems estimation: redraw the linkage, pool.

Record linkage is uncertain, and the estimate moves with it, sometimes by an order of
magnitude. This method (as in Dahab, AbuKoura, Checchi et al. 2024, "War-Time Mortality in
Sudan: A Capture-Recapture Analysis", SSRN 5016438, whose reproduction is
:mod:`gavah.casualties.mse.sudan` and docs/sudan-example.md) carries it into the interval:

1. ``records`` (one per list entry) and ``links`` (candidate duplicate or match pairs, each with
   a reviewer's confidence score) are the input; :class:`ScoreProbabilities` maps (kind, score)
   to a probability, or to a set of plausible probabilities of which one is drawn per run;
2. per run each link is accepted with that probability (Bernoulli). Accepted duplicates are
   merged first; accepted matches are then merged strongest first, and a match is refused if
   it would put two entries of the same list into one person (a cross-list match never implies
   a duplicate the reviewers did not accept);
3. an ``eligible`` rule decides which merged people count (e.g. died in one state), the capture
   histories are rebuilt, every log-linear model is fitted
   (:mod:`gavah.casualties.mse.loglinear`) and averaged by AIC;
4. runs are pooled: the point estimate is the median of the runs' estimates and the interval
   the 2.5%/97.5% quantiles of the equal-weight mixture of every run's model mixture, so it
   carries linkage, model and sampling uncertainty at once. The summary the Khartoum analysis
   published (medians of the runs' interval bounds) is kept in the diagnostics.

Fixed thresholds (a sensitivity grid of duplicate and match thresholds) are the same machinery
with probabilities 0 or 1: :func:`threshold_probabilities`.

Two models. By default, plain log-linear models. With ``covariates`` (a rule giving each
person's covariates), the record-level models of :mod:`gavah.casualties.mse.covariates`
(Rossi 2010).

Two ways to draw. ``draw="run"`` (the default) draws one probability per (kind, score) per run
from its plausible values, so the uncertainty about a score's probability moves every link of
that score together. ``draw="link"`` draws one per link, as the Khartoum code does (R's
``approx`` on the quantiles, then ``rbinom``); the per-score uncertainty then averages out.

The register's own linkage draws (``gavah estimate --linkage-samples``) are the same idea on
model probabilities: :meth:`gavah.casualties.people.People.histories`.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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

OVERFIT_P = 0.6  # the Khartoum rule: drop models whose LR test against saturation has p > 0.6


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
