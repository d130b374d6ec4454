"""Running an estimate: guard rails, the chosen method per stratum, and the sum over strata."""

from __future__ import annotations

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
class Result:
    """An estimate over all strata, with each stratum's own."""

    method: str
    lists: tuple[str, ...]
    observed: int
    estimate: float
    interval: tuple[float, float]
    seed: int
    strata: tuple[StratumEstimate, ...]
    warnings: tuple[str, ...] = ()
    draws: tuple[float, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape the CLI prints (``gavah estimate --json``)."""
        return {
            "observed": self.observed,
            "estimate": self.estimate,
            "interval": list(self.interval),
            "method": self.method,
            "lists": list(self.lists),
            "seed": self.seed,
            "strata": [{"stratum": s.stratum, **s.estimate.to_dict()} for s in self.strata],
            "warnings": list(self.warnings),
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
    for key, table in tables.items():
        stratum = dict(zip(strata_names, key, strict=True))
        chosen = table.select(lists) if lists else table
        try:
            est = estimate_one(chosen, method, seed=seed, options=options or {})
        except InputError as exc:
            if not stratum:
                raise
            raise InputError(
                f"stratum {_label(stratum).rstrip(': ')} ({chosen.observed:,} victims): "
                f"{exc.message}",
                hint="use fewer or broader strata, so that each holds enough victims on "
                "several lists",
            ) from None
        per.append(StratumEstimate(stratum, est))
    if not per:
        raise InputError("no strata to estimate")
    return _total(per, method, seed)


def _total(per: list[StratumEstimate], method: str, seed: int) -> Result:
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
    return Result(
        method=method,
        lists=ests[0].lists,
        observed=sum(e.observed for e in ests),
        estimate=point,
        interval=interval,
        seed=seed,
        strata=tuple(per),
        warnings=tuple(warnings),
        draws=draws,
    )


def _label(stratum: dict[str, str]) -> str:
    if not stratum:
        return ""
    return ", ".join(f"{k}={v}" for k, v in stratum.items()) + ": "
