"""Pooling multiple-imputation replicates: the Colombian forced-recruitment figures published
with verdata (20 replicates of LCMCR draws) reproduce exactly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from mse_data import mse_data

from gavah.casualties.mse.combine import Replicate, combine_replicates
from gavah.errors import InputError


def verdata() -> Path:
    return mse_data() / "verdata"


def test_colombia_twenty_replicates_combine_to_the_published_figures() -> None:
    folder = verdata()
    with (folder / "strata_replicates.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 20
    replicates = [
        Replicate(
            int(r["n_obs"]), json.loads((folder / r["json_file"]).read_text(encoding="utf-8"))
        )
        for r in rows
    ]
    combined = combine_replicates(replicates)
    # verdata tests/testthat/test-combine_estimates.R: N_025 = 1266, N_mean = 1593, N_975 = 2148
    assert (combined.lower, combined.mean, combined.upper) == (1266, 1593, 2148)
    assert combined.observed == 991
    assert combined.degrees_of_freedom == pytest.approx(23.69, abs=0.01)


def test_replicate_one_published_posterior_summary() -> None:
    folder = verdata()
    draws = json.loads(
        (folder / "estimates" / "5743e3434235299ef53ed840b2578e666663f69d.json").read_text()
    )
    assert round(sum(draws) / len(draws)) == 2066  # verdata's test-lookup_estimates.R


def test_bad_replicates_are_refused() -> None:
    with pytest.raises(InputError, match="at least two"):
        combine_replicates([Replicate(10, [12, 13])])
    with pytest.raises(InputError, match="below its observed"):
        combine_replicates([Replicate(10, [9, 13]), Replicate(10, [12, 14])])
