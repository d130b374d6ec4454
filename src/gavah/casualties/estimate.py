"""The estimate from the victim register at one linkage threshold, with its guard rails: what
``gavah estimate`` makes without ``--patterns``, ``--thresholds`` or ``--linkage-samples``, for the
web workspace."""

from __future__ import annotations

from collections.abc import Sequence

from gavah.casualties.mse.run import METHODS, Result, assess, compare, estimate_strata
from gavah.casualties.people import People
from gavah.errors import InputError

SEED = 19481210  # the command line's default: the same register, the same numbers


def from_register(
    people: People,
    method: str,
    strata: Sequence[str],
    threshold: float,
    *,
    side_by_side: bool,
    seed: int = SEED,
) -> Result:
    """The estimate over every list, people linked at ``threshold`` (the latest linkage run),
    stratified by ``strata``; with ``side_by_side``, the other methods too (log-linear and DGA
    take seconds, LCMCR up to a minute), and the guard rails that compare them."""
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", hint=f"choose one of {', '.join(METHODS)}")
    ((_, tables),) = people.histories(None, strata, thresholds=[threshold])
    result = estimate_strata(tables, strata, method, seed=seed)
    compared = compare(tables, method, stratified=bool(strata), seed=seed) if side_by_side else ()
    coverage, apart = people.checks(None, threshold=threshold)
    return assess(
        result, tables, compared=compared, coverage=coverage, looks_alike=(apart, threshold)
    )
