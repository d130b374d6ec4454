"""dga: Bayesian model averaging over decomposable graphs, checked against Madigan and York (1997)
as the R package dga's own tests state their results (EXPECTED.md, section B)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mse_data import mse_data

from gavah.casualties.mse import dga
from gavah.casualties.mse.graphs import decomposable_graphs
from gavah.casualties.mse.patterns import CaptureHistories
from gavah.errors import InputError


@pytest.fixture(scope="module")
def data() -> Path:
    return mse_data()


@pytest.fixture(scope="module")
def spina_bifida(data: Path) -> CaptureHistories:
    return CaptureHistories.read_csv(data / "madigan_york_3list_dga.csv")


@pytest.fixture(scope="module")
def five_lists(data: Path) -> CaptureHistories:
    return CaptureHistories.read_csv(data / "madigan_york_5list_dga.csv")


# ----------------------------------------------------------------------------- Madigan and York


def test_madigan_york_three_lists(spina_bifida: CaptureHistories) -> None:
    # dga test "3 lists example against Madigan and York": delta 1, Nmissing 1:300, M&Y's prior.
    result = dga.posterior(
        spina_bifida, np.arange(1, 301), delta=1.0, prior="negbin", prior_a=13.14, prior_b=55.17
    )
    top = int(np.argmax(result.model_probabilities))
    top_summary = dga.summarise(result.totals, result.given_graph(top))
    averaged = dga.summarise(result.totals, result.n_probabilities)
    assert round(float(result.model_probabilities[top]), 2) == 0.37
    assert round(top_summary.bayes_rse) == 731
    assert top_summary.mode == 729
    assert round(averaged.bayes_rse) == 731
    assert averaged.mode == 728


def test_madigan_york_three_lists_through_estimate(spina_bifida: CaptureHistories) -> None:
    # The public grid starts at 0, not 1; the mass there is negligible, the numbers the same.
    result = dga.estimate(spina_bifida, delta=1.0, max_missing=300, prior="negbin")
    top = result.diagnostics["top_models"][0]
    assert result.method == "dga" and result.observed == 626
    assert round(top["probability"], 2) == 0.37
    assert top["cliques"] == [["L1", "L2"], ["L3"]]
    assert (round(top["bayes_estimate_relative_squared_error"]), top["posterior_mode"]) == (
        731,
        729,
    )
    assert round(result.diagnostics["bayes_estimate_relative_squared_error"]) == 731
    assert result.diagnostics["posterior_mode"] == 728
    assert result.interval[0] < result.estimate < result.interval[1]
    assert result.warnings == ()
    json.dumps(result.to_dict())  # diagnostics are plain JSON values


def test_model_probabilities_and_posterior_sum_to_one(spina_bifida: CaptureHistories) -> None:
    result = dga.posterior(spina_bifida, np.arange(0, 500), delta=0.125)
    assert result.model_probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    assert result.n_probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    assert len(result.model_probabilities) == 8


# ----------------------------------------------------------------------------- the model space


def _json_model(model: dict[str, Any]) -> tuple[frozenset[frozenset[int]], tuple[Any, ...]]:
    """One dga model from the rdata conversion: a one-clique model's C is {"ID": [[...]]}, the
    others are [[[...]], ...]; empty separator sets may be absent."""
    cliques = model["C"].values() if isinstance(model["C"], dict) else model["C"]
    separators = model.get("S") or []
    return (
        frozenset(_vertices(c) for c in cliques),
        tuple(sorted(tuple(sorted(_vertices(s))) for s in separators)),
    )


def _vertices(entry: list[list[float]]) -> frozenset[int]:
    return frozenset(int(v) - 1 for v in entry[0])


@pytest.mark.parametrize(("k", "count"), [(3, 8), (4, 61), (5, 822)])
def test_graphs_match_dga(data: Path, k: int, count: int) -> None:
    expected = {_json_model(m) for m in json.loads((data / f"dga_graphs{k}.json").read_text())}
    ours = {
        (frozenset(g.cliques), tuple(sorted(tuple(sorted(s)) for s in g.separators)))
        for g in decomposable_graphs(k)
    }
    assert len(decomposable_graphs(k)) == count == len(expected)
    assert ours == expected


# ----------------------------------------------------------------------------- five lists


def test_five_lists_runs(five_lists: CaptureHistories) -> None:
    result = dga.posterior(five_lists, np.arange(1, 301), delta=0.5)
    summary = dga.summarise(result.totals, result.n_probabilities)
    assert len(result.graphs) == 822
    assert np.isfinite(summary.bayes_rse) and 537 < summary.bayes_rse < 837
    assert summary.interval[0] <= summary.median <= summary.interval[1]


def test_five_lists_estimate_defaults(five_lists: CaptureHistories) -> None:
    result = dga.estimate(five_lists, seed=7)
    assert result.diagnostics["delta"] == 1 / 32
    assert result.diagnostics["grid_upper"] == 10 * 537
    assert len(result.diagnostics["top_models"]) == 5
    assert result.warnings == ()
    assert len(result.draws) == dga.DRAWS
    assert result.draws == dga.estimate(five_lists, seed=7).draws
    assert result.interval[0] <= np.median(result.draws) <= result.interval[1]


@pytest.mark.parametrize("order", [(4, 3, 2, 1, 0), (2, 0, 4, 1, 3), (1, 0, 2, 3, 4)])
def test_relabelling_lists_leaves_n_posterior_unchanged(
    five_lists: CaptureHistories, order: tuple[int, ...]
) -> None:
    permuted = CaptureHistories(
        tuple(five_lists.lists[i] for i in order),
        tuple(tuple(p[i] for i in order) for p in five_lists.patterns),
        five_lists.counts,
    )
    grid = np.arange(1, 301)
    original = dga.posterior(five_lists, grid, delta=0.5).n_probabilities
    relabelled = dga.posterior(permuted, grid, delta=0.5).n_probabilities
    np.testing.assert_allclose(relabelled, original, rtol=0, atol=1e-9)


# ----------------------------------------------------------------------------- refusals


def test_refuses_six_lists() -> None:
    lists = tuple(f"list{i}" for i in range(6))
    patterns = {tuple(int(i == j or i == (j + 1) % 6) for i in range(6)): 5 for j in range(6)}
    histories = CaptureHistories.from_counts(lists, patterns)
    with pytest.raises(InputError, match="at most 5 lists") as caught:
        dga.estimate(histories)
    assert caught.value.hint is not None
    assert "lcmcr" in caught.value.hint and "loglinear" in caught.value.hint


def test_refuses_two_lists() -> None:
    histories = CaptureHistories.from_counts(("a", "b"), {(1, 0): 5, (0, 1): 4, (1, 1): 2})
    with pytest.raises(InputError, match="at least 3 lists"):
        dga.estimate(histories)


def test_refuses_a_list_sharing_no_victim(spina_bifida: CaptureHistories) -> None:
    counts = dict(zip(spina_bifida.patterns, spina_bifida.counts, strict=True))
    counts = {p: (0 if p[2] and sum(p) > 1 else c) for p, c in counts.items()}
    histories = CaptureHistories.from_counts(spina_bifida.lists, counts)
    with pytest.raises(InputError, match="list 'L3' shares no victim with any other list"):
        dga.estimate(histories)


@pytest.mark.parametrize(
    "options",
    [{"delta": 0.0}, {"delta": float("nan")}, {"max_missing": 0}, {"prior": "flat"}],
)
def test_refuses_bad_options(spina_bifida: CaptureHistories, options: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="dga: "):
        dga.estimate(spina_bifida, **options)


def test_warns_when_the_grid_cuts_the_posterior(spina_bifida: CaptureHistories) -> None:
    result = dga.estimate(spina_bifida, max_missing=60)
    assert len(result.warnings) == 1
    assert "--max-missing" in result.warnings[0]
