"""Target 6: LCMCR on 4 lists and 100,000 records, 10,000 posterior samples, under 60 s.

The records are synthetic: a known total drawn from two latent classes with different capture
probabilities (the heterogeneity LCMCR is built for); the population and its true total are
reported so the figure can be read against the truth."""

from __future__ import annotations

import numpy as np

from bench._timing import Result, stopwatch
from bench.sizes import Sizes
from gavah.casualties.mse import lcmcr
from gavah.casualties.mse.patterns import CaptureHistories

TARGET_SECONDS = 60.0
LISTS = ("A", "B", "C", "D")
CLASSES = ((0.7, (0.5, 0.4, 0.45, 0.35)), (0.3, (0.15, 0.1, 0.2, 0.12)))  # (share, capture probs)


def synthetic(records: int, seed: int = 6962) -> tuple[CaptureHistories, int]:
    """A population whose documented part has about ``records`` records, and its true size."""
    rng = np.random.default_rng(seed)
    seen_share = sum(w * (1 - np.prod([1 - p for p in ps])) for w, ps in CLASSES)
    total = int(records / seen_share)
    shares = np.array([w for w, _ in CLASSES])
    probs = np.array([ps for _, ps in CLASSES])
    members = rng.choice(len(CLASSES), size=total, p=shares)
    caught = rng.random((total, len(LISTS))) < probs[members]
    observed = caught[caught.any(axis=1)].astype(int)
    return CaptureHistories.from_records(LISTS, observed.tolist()), total


def run(sizes: Sizes) -> list[Result]:
    histories, truth = synthetic(sizes.mse_records)
    with stopwatch() as lap:
        est = lcmcr.estimate(histories, samples=sizes.mse_samples, seed=1)
    notes = {
        "records": histories.observed,
        "true_total": truth,
        "estimate": est.estimate,
        "interval": list(est.interval),
        "burnin": est.diagnostics["burnin"],
        "thinning": est.diagnostics["thinning"],
        "effective_sample_size": est.diagnostics["effective_sample_size"],
        "converged": est.diagnostics["converged"],
        "sampler": est.diagnostics["sampler"],
    }
    what = f"LCMCR, {histories.observed:,} records on 4 lists, {sizes.mse_samples:,} samples"
    scale = 10_000 / sizes.mse_samples  # the target is per 10,000 samples
    return [
        Result(
            "6 lcmcr",
            what,
            lap.seconds,
            "s",
            target=f"< {TARGET_SECONDS:.0f} s per 10,000 samples",
            met=lap.seconds * scale < TARGET_SECONDS,
            notes=notes,
        )
    ]
