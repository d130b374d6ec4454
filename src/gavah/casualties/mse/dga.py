"""Bayesian model averaging over decomposable graphical models (Madigan and York 1997).

Madigan D. and York J.C. (1997), "Bayesian methods for estimation of the size of a closed
population", Biometrika 84(1):19-31; the R package dga (Johndrow, Lum and Madigan) implements
the same method. This is an independent implementation from the paper.

For each decomposable graph g on the lists and each candidate number of unlisted victims N0 on a
grid, the completed 2 x ... x 2 table (the all-zero cell set to N0) has, under a hyper-Dirichlet
prior with concentration ``delta`` per cell, the closed-form marginal likelihood

    p(table | g, N) = N! / prod(cells n!) * prod_C DM(n_C) / prod_S DM(n_S)

where DM(n_A) = Gamma(a_A) / Gamma(N + a_A) * prod_cells Gamma(n + a_A/2^|A|) / Gamma(a_A/2^|A|)
is the Dirichlet-multinomial probability of the marginal table over the lists in A, with total
concentration a_A = delta * 2^k. Only the cell "on none of A's lists" depends on N0, so each
subset of lists contributes one vector over the grid, and every graph is a signed sum of at most
2^k of them. Adding the log prior on N and normalising jointly over graphs x N0 (uniform prior
over graphs) gives the posterior model probabilities and the model-averaged posterior of N.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln, logsumexp

from gavah.casualties.mse import guards
from gavah.casualties.mse.graphs import (
    CHORDAL_GRAPH_COUNTS,
    MAX_LISTS,
    MIN_LISTS,
    DecomposableGraph,
    decomposable_graphs,
)
from gavah.casualties.mse.patterns import CaptureHistories, Estimate
from gavah.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Prior = Literal["inverse", "negbin"]

# Default grid of unlisted victims: 0 .. GRID_FACTOR * observed (at least GRID_MINIMUM). Ten times
# the listed count covers list coverage down to about 9%; the edge warning below says when not.
GRID_FACTOR = 10
GRID_MINIMUM = 1_000
# Warn when more than EDGE_MASS of the posterior of N lies in the top EDGE_FRACTION of the grid.
EDGE_FRACTION = 0.05
EDGE_MASS = 0.01
TOP_MODELS = 5
DRAWS = 1_000
INTERVAL = (0.025, 0.975)
# Rows of the graphs x grid weight matrix held at once: keeps memory near 32 MB per block.
_BLOCK_CELLS = 1 << 22


@dataclass(frozen=True)
class PosteriorSummary:
    """Point estimates of N from one posterior on the grid."""

    bayes_rse: float  # Bayes estimator under relative squared error: E[1/N] / E[1/N^2]
    mode: int
    mean: float
    median: int
    interval: tuple[int, int]  # equal-tailed 95%


@dataclass(frozen=True, eq=False)
class _LogJoint:
    """log p(graph, N | table) up to one constant: rows are graphs, columns grid points."""

    coefficients: FloatArray  # (graphs, 2^k): +1 per clique, -1 per separator, by subset mask
    subset_terms: FloatArray  # (2^k, grid): log DM of each subset's marginal table
    n_terms: FloatArray  # (grid,): log prior of N plus the log multinomial coefficient

    def rows(self, start: int, stop: int) -> FloatArray:
        weights: FloatArray = self.coefficients[start:stop] @ self.subset_terms + self.n_terms
        return weights


@dataclass(frozen=True, eq=False)
class DgaPosterior:
    """The joint posterior over decomposable graphs and N on a grid of unlisted counts."""

    lists: tuple[str, ...]
    graphs: tuple[DecomposableGraph, ...]
    missing: IntArray  # the grid of N0, unlisted victims
    totals: IntArray  # N = observed + N0 at each grid point
    model_probabilities: FloatArray
    n_probabilities: FloatArray  # model-averaged posterior of N on the grid
    log_joint: _LogJoint

    def given_graph(self, index: int) -> FloatArray:
        """Posterior of N on the grid conditional on graph ``index``."""
        log_weights = self.log_joint.rows(index, index + 1)[0]
        probabilities: FloatArray = np.exp(log_weights - logsumexp(log_weights))
        return probabilities


def estimate(
    histories: CaptureHistories,
    *,
    delta: float | None = None,
    max_missing: int | None = None,
    prior: Prior = "inverse",
    prior_a: float = 13.14,
    prior_b: float = 55.17,
    seed: int = 0,
) -> Estimate:
    """Model-averaged posterior of the total N over all decomposable graphs on 3 to 5 lists.

    ``delta`` is the hyper-Dirichlet concentration per cell (default 1/2^k, as dga recommends).
    The grid of unlisted victims is 0..``max_missing`` (default: 10 x observed, at least 1,000).
    ``prior`` on N is ``"inverse"`` (proportional to 1/N) or ``"negbin"`` (Madigan and York's
    negative-binomial prior with ``prior_a``, ``prior_b``). ``estimate`` is the posterior median,
    ``interval`` the equal-tailed 95% interval, ``draws`` 1,000 draws of N made with ``seed``.
    """
    delta = 1 / 2 ** len(histories.lists) if delta is None else delta
    grid = np.arange(_grid_upper(histories.observed, max_missing) + 1, dtype=np.int64)
    result = posterior(histories, grid, delta=delta, prior=prior, prior_a=prior_a, prior_b=prior_b)
    summary = summarise(result.totals, result.n_probabilities)
    prior_parameters = {"a": prior_a, "b": prior_b} if prior == "negbin" else {}
    return Estimate(
        method="dga",
        lists=histories.lists,
        observed=histories.observed,
        estimate=float(summary.median),
        interval=(float(summary.interval[0]), float(summary.interval[1])),
        draws=_draws(result, seed),
        diagnostics=_diagnostics(result, summary, delta, prior, prior_parameters),
        warnings=_warnings(result),
    )


def posterior(
    histories: CaptureHistories,
    missing: Sequence[int] | IntArray,
    *,
    delta: float,
    prior: Prior = "inverse",
    prior_a: float = 13.14,
    prior_b: float = 55.17,
) -> DgaPosterior:
    """The joint posterior over graphs and N, on an explicit grid ``missing`` of unlisted counts
    (dga's ``Nmissing``). :func:`estimate` calls this with the grid 0..max_missing."""
    _check_lists(histories)
    _check_parameters(delta, prior, prior_a, prior_b)
    grid = _check_grid(missing)
    k = len(histories.lists)
    graphs = decomposable_graphs(k)
    totals = grid + histories.observed
    log_joint = _LogJoint(
        _coefficients(graphs, k),
        _subset_terms(histories.table(), grid, delta),
        _LOG_PRIORS[prior](totals, prior_a, prior_b) + _log_multinomial(totals, grid),
    )
    models, n_probabilities = _normalise(log_joint, len(graphs), len(grid))
    return DgaPosterior(histories.lists, graphs, grid, totals, models, n_probabilities, log_joint)


def summarise(totals: IntArray, probabilities: FloatArray) -> PosteriorSummary:
    """Bayes estimator under relative squared error (Madigan and York's choice), mode, mean,
    median and equal-tailed 95% interval of a posterior of N given on a grid."""
    n = totals.astype(np.float64)
    return PosteriorSummary(
        bayes_rse=float(np.sum(probabilities / n) / np.sum(probabilities / n**2)),
        mode=int(totals[np.argmax(probabilities)]),
        mean=float(np.sum(probabilities * n)),
        median=_quantile(totals, probabilities, 0.5),
        interval=(
            _quantile(totals, probabilities, INTERVAL[0]),
            _quantile(totals, probabilities, INTERVAL[1]),
        ),
    )


def _quantile(totals: IntArray, probabilities: FloatArray, q: float) -> int:
    """Smallest N whose posterior CDF reaches q."""
    index = int(np.searchsorted(np.cumsum(probabilities), q))
    return int(totals[min(index, len(totals) - 1)])


# ----------------------------------------------------------------------------- input checks


def _check_lists(histories: CaptureHistories) -> None:
    k = len(histories.lists)
    if k > MAX_LISTS:
        raise InputError(
            f"dga handles at most {MAX_LISTS} lists; these capture histories have {k}",
            hint=(
                "dga averages over every decomposable graph on the lists, and their number "
                f"explodes: {CHORDAL_GRAPH_COUNTS[MAX_LISTS]} graphs on 5 lists, "
                f"{CHORDAL_GRAPH_COUNTS[6]:,} on 6, {CHORDAL_GRAPH_COUNTS[7]:,} on 7. Use the "
                "lcmcr or loglinear method, or merge lists (for example lists of the same kind "
                "of source) down to 5."
            ),
        )
    if k < MIN_LISTS:
        raise InputError(
            f"dga needs at least {MIN_LISTS} lists; these capture histories have {k}",
            hint="with two lists use the loglinear method (independence is then the only model).",
        )
    if histories.observed == 0:
        raise InputError(
            "the capture histories record no victim at all; there is nothing to estimate"
        )
    guards.refuse_isolated_lists(histories)


def _check_parameters(delta: float, prior: str, prior_a: float, prior_b: float) -> None:
    if not (math.isfinite(delta) and delta > 0):
        raise InputError(f"dga: delta must be a positive number, not {delta}")
    if prior not in _LOG_PRIORS:
        raise InputError(f"dga: unknown prior {prior!r}; use one of {', '.join(_LOG_PRIORS)}")
    if prior == "negbin" and not all(math.isfinite(x) and x > 0 for x in (prior_a, prior_b)):
        raise InputError(f"dga: prior_a and prior_b must be positive, not {prior_a}, {prior_b}")


def _check_grid(missing: Sequence[int] | IntArray) -> IntArray:
    grid = np.asarray(missing, dtype=np.int64)
    if grid.ndim != 1 or grid.size == 0:
        raise InputError("dga: the grid of unlisted counts must be a non-empty sequence")
    if grid[0] < 0 or np.any(np.diff(grid) <= 0):
        raise InputError("dga: the grid of unlisted counts must be increasing and non-negative")
    return grid


def _grid_upper(observed: int, max_missing: int | None) -> int:
    if max_missing is None:
        return max(GRID_FACTOR * observed, GRID_MINIMUM)
    if max_missing < 1:
        raise InputError(f"dga: max_missing must be at least 1, not {max_missing}")
    return int(max_missing)


# ----------------------------------------------------------------------------- the posterior


def _coefficients(graphs: Sequence[DecomposableGraph], k: int) -> FloatArray:
    """Each graph as signed counts over subset masks: +1 per clique, -1 per separator."""
    coefficients = np.zeros((len(graphs), 2**k))
    for row, graph in enumerate(graphs):
        for clique in graph.cliques:
            coefficients[row, _mask(clique)] += 1
        for separator in graph.separators:
            coefficients[row, _mask(separator)] -= 1
    return coefficients


def _mask(subset: frozenset[int]) -> int:
    return sum(1 << i for i in subset)


def _subset_terms(table: IntArray, missing: IntArray, delta: float) -> FloatArray:
    """Row ``mask``: log Dirichlet-multinomial probability of the marginal table over the lists
    in ``mask``, as a function of N0. Row 0 (no lists) stays zero."""
    k = table.ndim
    terms = np.zeros((2**k, len(missing)))
    for mask in range(1, 2**k):
        terms[mask] = _marginal_log_dm(table, mask, missing, delta)
    return terms


def _marginal_log_dm(table: IntArray, mask: int, missing: IntArray, delta: float) -> FloatArray:
    k = table.ndim
    others = tuple(i for i in range(k) if not mask >> i & 1)
    # Flattened in C order, cell 0 is "on none of these lists": the one that holds N0.
    cells = table.sum(axis=others).ravel().astype(np.float64)
    cell_alpha = delta * 2 ** len(others)
    total_alpha = delta * 2**k
    fixed = np.sum(gammaln(cells[1:] + cell_alpha)) - cells.size * gammaln(cell_alpha)
    n = cells.sum() + missing
    varying: FloatArray = gammaln(cells[0] + missing + cell_alpha) - gammaln(n + total_alpha)
    return varying + float(fixed + gammaln(total_alpha))


def _log_multinomial(totals: IntArray, missing: IntArray) -> FloatArray:
    """The part of log N! / prod(cells n!) that depends on N: the observed cells are fixed.
    Without it the posterior piles up at N0 = 0; with it Madigan and York's numbers reproduce."""
    result: FloatArray = gammaln(totals + 1.0) - gammaln(missing + 1.0)
    return result


def _log_prior_inverse(totals: IntArray, a: float, b: float) -> FloatArray:
    result: FloatArray = -np.log(totals.astype(np.float64))
    return result


def _log_prior_negbin(totals: IntArray, a: float, b: float) -> FloatArray:
    """Madigan and York's negative-binomial prior on N (their spina bifida example)."""
    n = totals.astype(np.float64)
    result: FloatArray = (
        n * math.log(b) - (n + a) * math.log1p(b) + gammaln(n + a) - gammaln(n + 1) - gammaln(a)
    )
    return result


_LOG_PRIORS: dict[str, Callable[[IntArray, float, float], FloatArray]] = {
    "inverse": _log_prior_inverse,
    "negbin": _log_prior_negbin,
}


def _normalise(log_joint: _LogJoint, n_graphs: int, n_grid: int) -> tuple[FloatArray, FloatArray]:
    """Posterior model probabilities and the model-averaged posterior of N, from the joint log
    weights taken in blocks of graphs so the graphs x grid matrix never sits in memory whole."""
    step = max(1, _BLOCK_CELLS // n_grid)
    model_log: list[FloatArray] = []
    n_log = np.full(n_grid, -np.inf)
    for start in range(0, n_graphs, step):
        by_graph, by_n = _block_log_sums(log_joint.rows(start, min(start + step, n_graphs)))
        model_log.append(by_graph)
        n_log = np.logaddexp(n_log, by_n)
    log_z = logsumexp(n_log)
    models: FloatArray = np.exp(np.concatenate(model_log) - log_z)
    n_probabilities: FloatArray = np.exp(n_log - log_z)
    return models, n_probabilities


def _block_log_sums(block: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Log of the row sums and column sums of exp(block), with one exp pass (scipy's logsumexp
    twice is several times slower). Rows far below the block's maximum underflow to -inf: their
    probability is below 1e-300 anyway."""
    shift = float(block.max())
    weights = np.exp(block - shift)
    with np.errstate(divide="ignore"):
        by_graph: FloatArray = np.log(weights.sum(axis=1)) + shift
        by_n: FloatArray = np.log(weights.sum(axis=0)) + shift
    return by_graph, by_n


# ----------------------------------------------------------------------------- reporting


def _draws(result: DgaPosterior, seed: int) -> tuple[float, ...]:
    rng = np.random.default_rng(seed)
    probabilities = result.n_probabilities / result.n_probabilities.sum()
    drawn = rng.choice(result.totals, size=DRAWS, p=probabilities)
    return tuple(float(x) for x in drawn)


def _diagnostics(
    result: DgaPosterior,
    summary: PosteriorSummary,
    delta: float,
    prior: str,
    prior_parameters: dict[str, float],
) -> dict[str, Any]:
    return {
        "top_models": _top_models(result),
        "bayes_estimate_relative_squared_error": summary.bayes_rse,
        "posterior_mode": summary.mode,
        "posterior_mean": summary.mean,
        "posterior_median": summary.median,
        "delta": delta,
        "prior": prior,
        "prior_parameters": prior_parameters,
        "grid_lower": int(result.missing[0]),
        "grid_upper": int(result.missing[-1]),
        "n_models": len(result.graphs),
    }


def _top_models(result: DgaPosterior) -> list[dict[str, Any]]:
    order = np.argsort(-result.model_probabilities, kind="stable")[:TOP_MODELS]
    return [_model_entry(result, int(i)) for i in order]


def _model_entry(result: DgaPosterior, index: int) -> dict[str, Any]:
    summary = summarise(result.totals, result.given_graph(index))
    return {
        "cliques": result.graphs[index].clique_names(result.lists),
        "probability": float(result.model_probabilities[index]),
        "bayes_estimate_relative_squared_error": summary.bayes_rse,
        "posterior_mode": summary.mode,
        "posterior_median": summary.median,
    }


def _warnings(result: DgaPosterior) -> tuple[str, ...]:
    grid = result.missing
    edge_start = grid[-1] - EDGE_FRACTION * (grid[-1] - grid[0])
    edge_mass = float(result.n_probabilities[grid >= edge_start].sum())
    if edge_mass <= EDGE_MASS:
        return ()
    return (
        f"{edge_mass:.1%} of the posterior of N lies in the top {EDGE_FRACTION:.0%} of the grid "
        f"of unlisted victims (which ends at {int(grid[-1]):,}): the grid probably cuts the "
        "posterior off, so the estimate and the upper bound are too low. Rerun with a larger "
        "grid (gavah estimate --max-missing N).",
    )
