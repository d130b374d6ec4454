"""Running an estimate: guard rails, the chosen method per stratum, and the sum over strata."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gavah.casualties.mse import guards
from gavah.casualties.mse.patterns import CaptureHistories, Estimate
from gavah.errors import InputError

METHODS = {
    "loglinear": "log-linear models averaged by AIC or BIC",
    "lcmcr": "Bayesian latent-class model (Manrique-Vallier 2016), as HRDAG uses it",
    "dga": "Bayesian model averaging over decomposable graphs (Madigan and York 1997)",
}


@dataclass(frozen=True)
class StratumEstimate:
    stratum: dict[str, str]
    estimate: Estimate


@dataclass(frozen=True)
class Unestimated:
    """A stratum the method could not estimate, and why. Its documented victims still count."""

    stratum: dict[str, str]
    observed: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"stratum": self.stratum, "observed": self.observed, "reason": self.reason}


@dataclass(frozen=True)
class Compared:
    """Another method's estimate of the same total, or why it has none."""

    method: str
    result: Result | None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.result is None:
            return {"method": self.method, "estimate": None, "reason": self.reason}
        r = self.result
        return {
            "method": self.method,
            "estimate": r.estimate,
            "interval": list(r.interval),
            "warnings": list(r.warnings),
        }


@dataclass(frozen=True)
class Result:
    """An estimate over all strata, with each stratum's own; the strata that could not be
    estimated; the guard rails raised on the whole; and the other methods' estimates."""

    method: str
    lists: tuple[str, ...]
    observed: int
    estimate: float
    interval: tuple[float, float]
    seed: int
    strata: tuple[StratumEstimate, ...]
    warnings: tuple[str, ...] = ()
    draws: tuple[float, ...] = field(default=(), repr=False)
    unestimated: tuple[Unestimated, ...] = ()
    guard_rails: tuple[guards.GuardRail, ...] = ()
    compared: tuple[Compared, ...] = ()
    whole: CaptureHistories | None = field(default=None, repr=False)  # all strata, added up

    def overlaps(self) -> dict[str, Any]:
        """People per list and shared by each two lists (all strata together)."""
        if self.whole is None:
            return {}
        totals = self.whole.list_totals()
        shared = [
            {"lists": [a, b], "people": guards.shared(self.whole, i, j)}
            for i, a in enumerate(self.whole.lists)
            for j, b in enumerate(self.whole.lists)
            if i < j
        ]
        return {"people": totals, "shared": shared}

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape the CLI prints (``gavah estimate --json``)."""
        return {
            "guard_rails": [g.to_dict() for g in self.guard_rails],
            "observed": self.observed,
            "estimate": self.estimate,
            "interval": list(self.interval),
            "method": self.method,
            "lists": list(self.lists),
            "seed": self.seed,
            "strata": [{"stratum": s.stratum, **s.estimate.to_dict()} for s in self.strata],
            "warnings": list(self.warnings),
            "unestimated_strata": [u.to_dict() for u in self.unestimated],
            "methods": [c.to_dict() for c in self.compared],
            "overlaps": self.overlaps(),
        }


def estimate_one(
    histories: CaptureHistories, method: str, *, seed: int, options: Mapping[str, Any]
) -> Estimate:
    """Guard rails first, then the method; the guards' warnings join the method's own."""
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    caveats = guards.check(histories)
    module = importlib.import_module(f"gavah.casualties.mse.{method}")
    result: Estimate = module.estimate(histories, seed=seed, **options)
    return Estimate(
        method=result.method,
        lists=result.lists,
        observed=result.observed,
        estimate=result.estimate,
        interval=result.interval,
        draws=result.draws,
        diagnostics=result.diagnostics,
        warnings=tuple(caveats) + result.warnings,
    )


def estimate_strata(
    tables: Mapping[tuple[str, ...], CaptureHistories],
    strata_names: Sequence[str],
    method: str,
    *,
    lists: Sequence[str] | None = None,
    seed: int = 19481210,
    options: Mapping[str, Any] | None = None,
) -> Result:
    """Estimate each stratum with the same method and seed, then sum.

    Strata are independent, so draws of the total are sums of the strata's draws; a method
    without draws gets the sum of its intervals, which is conservative, and says so."""
    per: list[StratumEstimate] = []
    failed: list[Unestimated] = []
    for key, table in tables.items():
        stratum = dict(zip(strata_names, key, strict=True))
        chosen = table.select(lists) if lists else table
        try:
            est = estimate_one(chosen, method, seed=seed, options=options or {})
        except InputError as exc:
            if not stratum:
                raise
            failed.append(Unestimated(stratum, chosen.observed, exc.message))
            continue
        per.append(StratumEstimate(stratum, est))
    if not per:
        if failed:
            reasons = "; ".join(f"{_label(u.stratum)}{u.reason}" for u in failed[:3])
            raise InputError(
                f"no stratum could be estimated ({reasons}{'; ...' if len(failed) > 3 else ''})",
                hint="use fewer or broader strata, so that each holds enough victims on "
                "several lists",
            )
        raise InputError("no strata to estimate")
    return _total(per, failed, method, seed)


def _total(per: list[StratumEstimate], failed: list[Unestimated], method: str, seed: int) -> Result:
    ests = [p.estimate for p in per]
    warnings = [f"{_label(p.stratum)}{w}" for p in per for w in p.estimate.warnings]
    draws: tuple[float, ...] = ()
    if len(ests) == 1:
        only = ests[0]
        point, interval, draws = only.estimate, only.interval, only.draws
    elif all(e.draws for e in ests) and len({len(e.draws) for e in ests}) == 1:
        summed = np.sum([np.asarray(e.draws, dtype=float) for e in ests], axis=0)
        point = float(np.median(summed))
        interval = (float(np.quantile(summed, 0.025)), float(np.quantile(summed, 0.975)))
        draws = tuple(float(x) for x in summed)
    else:
        point = sum(e.estimate for e in ests)
        interval = (sum(e.interval[0] for e in ests), sum(e.interval[1] for e in ests))
        warnings.append(
            "the total's interval is the sum of the strata's intervals, which is wider than the "
            "true 95% interval (conservative)"
        )
    documented = sum(u.observed for u in failed)
    if failed:
        point, interval = point + documented, (interval[0] + documented, interval[1] + documented)
        draws = tuple(d + documented for d in draws)
        warnings.append(
            f"{len(failed)} of the {len(failed) + len(per)} strata could not be estimated (each "
            f"with its reason among the strata): their {documented:,} documented victims are "
            "counted as they are, with none undocumented, so the total and its interval are too "
            "low by whatever those strata missed"
        )
    return Result(
        method=method,
        lists=ests[0].lists,
        observed=sum(e.observed for e in ests) + documented,
        estimate=point,
        interval=interval,
        seed=seed,
        strata=tuple(per),
        warnings=tuple(warnings),
        draws=draws,
        unestimated=tuple(failed),
    )


def compare(
    tables: Mapping[tuple[str, ...], CaptureHistories],
    method: str,
    *,
    stratified: bool,
    lists: Sequence[str] | None = None,
    seed: int = 19481210,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[Compared, ...]:
    """Every method's estimate of the total, side by side, on the people of all strata together
    (``options``: each method's own). Unstratified, ``method``'s own estimate is the one
    reported and is not made again; stratified, it is made once more on the whole, so that the
    three stand on the same table (a sum over strata has a wider interval)."""
    whole: dict[tuple[str, ...], CaptureHistories] = {(): _whole(tables, lists)}
    found = []
    for other in METHODS:
        if other == method and not stratified:
            continue
        try:
            result = estimate_strata(
                whole, (), other, seed=seed, options=(options or {}).get(other, {})
            )
        except InputError as exc:
            found.append(Compared(other, None, exc.message))
            continue
        found.append(Compared(other, result))
    return tuple(found)


def assess(
    result: Result,
    tables: Mapping[tuple[str, ...], CaptureHistories],
    *,
    lists: Sequence[str] | None = None,
    compared: Sequence[Compared] = (),
    coverage: guards.Coverage | None = None,
    looks_alike: tuple[int, float] | None = None,
) -> Result:
    """``result`` with the guard rails raised on the whole estimate: lists that depend on each
    other (on the table of all strata together), periods and places (``coverage``, from the
    register), pairs left apart that look alike (``looks_alike``: how many, and the threshold),
    an estimate far above the documented count, and methods that disagree."""
    whole = _whole(tables, lists)
    rails = guards.two_lists(whole) + guards.dependence(whole)
    if coverage is not None:
        rails += guards.coverage(coverage)
    if looks_alike is not None:
        rails += guards.under_linked(looks_alike[0], result.observed, looks_alike[1])
    rails += guards.far_above_documented(result.estimate, result.observed)
    rails += _fit_rails(result, compared)
    rails += guards.small_strata(
        [s.estimate.observed for s in result.strata] + [u.observed for u in result.unestimated]
    )
    on_whole = any(c.method == result.method for c in compared)
    estimates = (
        [] if on_whole else [guards.MethodEstimate(result.method, result.estimate, result.interval)]
    )
    estimates += [
        guards.MethodEstimate(c.method, c.result.estimate, c.result.interval)
        for c in compared
        if c.result is not None
    ]
    rails += guards.methods_disagree(estimates)
    return dataclasses.replace(
        result, guard_rails=tuple(rails), compared=tuple(compared), whole=whole
    )


def _fit_rails(result: Result, compared: Sequence[Compared]) -> list[guards.GuardRail]:
    """The fit of the log-linear model each estimate leans on: the headline's (each stratum's)
    and, side by side, log-linear's on the whole."""
    rails: list[guards.GuardRail] = []
    if result.method == "loglinear":
        per_stratum = [
            rail
            for s in result.strata
            for rail in guards.model_fit(
                _label(s.stratum).rstrip(": ") if s.stratum else "the estimate",
                s.estimate.diagnostics,
            )
        ]
        rails += _said_once(per_stratum)
    for c in compared:
        if c.method == "loglinear" and c.result is not None:
            (only,) = c.result.strata
            rails += guards.model_fit("log-linear side by side", only.estimate.diagnostics)
    return rails


STRATA_NAMED = 3  # more strata than this raising one rail are said in one rail


def _said_once(rails: list[guards.GuardRail]) -> list[guards.GuardRail]:
    """Strata raising the same rail, said once with their names where there are many."""
    by_code: dict[str, list[guards.GuardRail]] = {}
    for rail in rails:
        by_code.setdefault(rail.code, []).append(rail)
    out = []
    for code, found in by_code.items():
        if len(found) <= STRATA_NAMED:
            out += found
            continue
        where = ", ".join(r.about for r in found)
        out.append(
            guards.GuardRail(
                code,
                f"{len(found)} strata ({where}): {guards.FIT_RAILS[code]}",
                params={"strata": len(found), "where": [r.about for r in found]},
            )
        )
    return out


def _whole(
    tables: Mapping[tuple[str, ...], CaptureHistories], lists: Sequence[str] | None
) -> CaptureHistories:
    """The strata's tables added up (over the chosen lists)."""
    counts: dict[tuple[int, ...], int] = {}
    names: tuple[str, ...] = ()
    for table in tables.values():
        chosen = table.select(lists) if lists else table
        names = chosen.lists
        for pattern, count in zip(chosen.patterns, chosen.counts, strict=True):
            counts[pattern] = counts.get(pattern, 0) + count
    return CaptureHistories.from_counts(names, counts)


def _label(stratum: dict[str, str]) -> str:
    if not stratum:
        return ""
    return ", ".join(f"{k}={v}" for k, v in stratum.items()) + ": "
