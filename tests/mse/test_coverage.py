"""Simulations with known totals: do the 95% intervals cover the truth about 95% of the time?

Three lists record each of N = 2,000 victims independently (the models' assumptions hold). A
short run in every CI; GAVAH_MSE_COVERAGE_RUNS=200 for the full study (measured: log-linear 196
of 200, dga 192 of 200). LCMCR's own study is in test_lcmcr.py."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

from gavah.casualties.mse import dga, loglinear
from gavah.casualties.mse.patterns import CaptureHistories

TRUE_N = 2_000
CAPTURE = (0.3, 0.4, 0.35)
RUNS = int(os.environ.get("GAVAH_MSE_COVERAGE_RUNS", "30"))


def _simulate(seed: int) -> CaptureHistories:
    rng = np.random.default_rng(5_000 + seed)
    caught = rng.random((TRUE_N, len(CAPTURE))) < np.array(CAPTURE)
    return CaptureHistories.from_records(list("ABC"), caught[caught.any(axis=1)].astype(int))


@pytest.mark.parametrize("method", [loglinear, dga], ids=["loglinear", "dga"])
def test_intervals_cover_the_known_total(method: Any) -> None:
    hits = 0
    for seed in range(RUNS):
        low, high = method.estimate(_simulate(seed), seed=seed).interval
        hits += low <= TRUE_N <= high
    # Binomial spread around 0.95: allow three standard errors below it.
    assert hits / RUNS >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / RUNS), f"{hits}/{RUNS}"


def test_a_wrong_total_would_not_be_covered_so_the_check_has_teeth() -> None:
    # Were the truth 30% higher, no interval would cover it: the test above can fail.
    highs = [loglinear.estimate(_simulate(s), seed=s).interval[1] for s in range(10)]
    assert max(highs) < 1.3 * TRUE_N
