"""Combining estimates across multiple-imputation replicates, as HRDAG's verdata does.

When missing fields (age, place, date of death) are imputed several times, each replicate gives
its own posterior of N. verdata's ``combine_estimates`` pools them with Rubin's rules on the log
of the undocumented count n0 = N - observed: within-replicate variance W, between-replicate
variance B, total T = W + (1 + 1/m) B, and a t distribution. Transcribed from the algorithm in
shared/data/mse/EXPECTED.md (read from verdata's R/combine_estimates.R), including its
degrees-of-freedom expression as written there, so that the published figures reproduce.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from gavah.errors import InputError

ZERO_FLOOR = 0.1  # verdata replaces n0 = 0 by 0.1 before taking logs


@dataclass(frozen=True)
class Replicate:
    """One replicate: its documented count and posterior draws of the total N."""

    observed: int
    draws: Sequence[float]


@dataclass(frozen=True)
class Combined:
    observed: int
    mean: int
    lower: int
    upper: int
    degrees_of_freedom: float


def combine_replicates(replicates: Sequence[Replicate]) -> Combined:
    """Pool replicates' posteriors of N into one estimate with a 95% interval."""
    m = len(replicates)
    if m < 2:
        raise InputError("combining replicates needs at least two of them")
    n0 = [np.asarray(r.draws, dtype=float) - r.observed for r in replicates]
    if any(a.size < 2 for a in n0) or any((a < 0).any() for a in n0):
        raise InputError("every replicate needs two or more draws, none below its observed count")
    logs = [np.log(np.where(a == 0, ZERO_FLOOR, a)) for a in n0]
    observed = round(float(np.mean([r.observed for r in replicates])))
    within = float(np.mean([np.var(x, ddof=1) for x in logs]))
    between = float(np.var([x.mean() for x in logs], ddof=1))
    total = within + (m + 1) / m * between
    df = (m - 1) * (1 + 1 / (m + 1) * within / between) ** 2
    t = abs(float(stats.t.ppf(0.025, df)))
    centre = float(np.mean([x.mean() for x in logs]))
    spread = t * float(np.sqrt(total))
    return Combined(
        observed=observed,
        mean=observed + round(float(np.mean([a.mean() for a in n0]))),
        lower=observed + round(float(np.exp(centre - spread))),
        upper=observed + round(float(np.exp(centre + spread))),
        degrees_of_freedom=df,
    )
