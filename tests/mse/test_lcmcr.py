"""LCMCR (Manrique-Vallier 2016) against the R package LCMCR, published Colombian estimates and
known-total simulations.

Run lengths are chosen for a 2-core CI machine (the whole file takes well under a minute); each
tolerance below says which Monte Carlo error it allows for.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Callable

import numpy as np
import pytest
from mse_data import mse_data
from numpy.random import PCG64, Generator
from scipy.special import betaln, gammaln, logsumexp, roots_genlaguerre

from gavah.casualties.mse import lcmcr
from gavah.casualties.mse.lcmcr import (
    NOT_CONVERGED,
    SAMPLERS,
    default_classes,
    effective_sample_size,
    estimate,
    geweke_z,
)
from gavah.casualties.mse.patterns import CaptureHistories, Estimate
from gavah.errors import InputError

R1_DRAWS = "verdata/estimates/5743e3434235299ef53ed840b2578e666663f69d.json"
# Two latent classes on 4 lists: 80% of victims are hard to record, 20% easy. True N = 2,000.
CLASS_SIZES = (1600, 400)
CAPTURE_PROBS = ((0.10, 0.05, 0.15, 0.20), (0.50, 0.60, 0.60, 0.70))
TRUE_N = sum(CLASS_SIZES)


def _simulate(seed: int) -> CaptureHistories:
    rng = np.random.default_rng(seed)
    rows = [rng.random((n, 4)) < p for n, p in zip(CLASS_SIZES, CAPTURE_PROBS, strict=True)]
    return CaptureHistories.from_records(list("ABCD"), np.vstack(rows).astype(int))


def _covers_truth(seed: int, K: int | None = None) -> tuple[bool, float]:
    # 1,000 burn-in sweeps and 1,000 draws thinned by 2: on 4 lists the chain forgets its start
    # within a few hundred sweeps (ESS of N is typically several hundred here), so the interval's
    # end points carry a Monte Carlo error of a few percent, small next to the interval's width.
    result = estimate(_simulate(seed), K=K, burnin=1_000, samples=1_000, thinning=2, seed=seed)
    low, high = result.interval
    return low <= TRUE_N <= high, result.estimate


# --- the sampler itself ------------------------------------------------------------------------


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_same_seed_same_draws_other_seed_other_draws(sampler: str) -> None:
    data = _simulate(1)
    run = {"burnin": 100, "samples": 200, "thinning": 1, "sampler": sampler}
    first, again = estimate(data, seed=7, **run), estimate(data, seed=7, **run)
    other = estimate(data, seed=8, **run)
    assert first.draws == again.draws
    assert first.draws != other.draws
    assert len(first.draws) == 200
    assert first.diagnostics["sampler"] == sampler


def test_an_unknown_or_absent_sampler_is_refused() -> None:
    with pytest.raises(InputError, match="no sampler 'gibbs'"):
        estimate(_simulate(4), sampler="gibbs")
    if "compiled" not in SAMPLERS:
        with pytest.raises(InputError, match="no sampler 'compiled'") as refused:
            estimate(_simulate(4), sampler="compiled")
        assert "numba" in (refused.value.hint or "")


def test_estimate_shape_and_plain_json_diagnostics() -> None:
    result = estimate(_simulate(2), burnin=500, samples=500, thinning=2, seed=3)
    assert isinstance(result, Estimate)
    assert result.method == "lcmcr" and result.lists == ("A", "B", "C", "D")
    assert result.interval[0] <= result.estimate <= result.interval[1]
    assert min(result.draws) >= result.observed
    assert result.diagnostics["K"] == default_classes(4) == 15
    json.dumps(result.to_dict())  # numpy scalars would fail here
    keys = ("mean", "geweke_z", "effective_sample_size", "converged", "seed", "thinning", "sampler")
    for key in keys:
        assert key in result.diagnostics


def test_short_chain_warns_it_may_not_have_converged() -> None:
    # 50 draws cannot reach an effective sample size of 100, whatever the mixing.
    result = estimate(_simulate(3), burnin=0, samples=50, thinning=1)
    assert result.diagnostics["converged"] is False
    assert NOT_CONVERGED in result.warnings


@pytest.mark.parametrize(
    "kwargs",
    [{"K": 0}, {"samples": 5}, {"thinning": 0}, {"burnin": -1}, {"a_alpha": 0.0}],
)
def test_bad_arguments_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(InputError):
        estimate(_simulate(4), **kwargs)  # type: ignore[arg-type]


def test_two_lists_are_refused() -> None:
    two = CaptureHistories.from_counts(["A", "B"], {(1, 0): 10, (0, 1): 12, (1, 1): 5})
    with pytest.raises(InputError, match="at least 3 lists"):
        estimate(two)


def test_effective_sample_size_and_geweke_on_known_chains() -> None:
    rng = np.random.default_rng(0)
    iid = rng.normal(size=20_000)
    assert 0.8 * iid.size < effective_sample_size(iid) <= iid.size
    assert abs(geweke_z(iid)) < 3
    ar = np.empty(20_000)  # AR(1), phi = 0.9: ESS = n (1 - phi) / (1 + phi) = n / 19
    ar[0] = 0.0
    for t in range(1, ar.size):
        ar[t] = 0.9 * ar[t - 1] + rng.normal()
    assert ar.size / 19 * 0.7 < effective_sample_size(ar) < ar.size / 19 * 1.3
    assert abs(geweke_z(np.linspace(0, 1, 1_000) + rng.normal(size=1_000) * 0.01)) > 4
    assert effective_sample_size(np.full(100, 3.0)) == 100 and geweke_z(np.full(100, 3.0)) == 0


# --- the move of the unseen, with capture probabilities and class weights integrated out ---------


def _log_unseen_posterior(
    captured: np.ndarray, seen: np.ndarray, unseen: np.ndarray, alpha: float
) -> float:
    """log p(m | classes), written out term by term from the model (see lcmcr.UNSEEN_STEP)."""
    sizes = seen + unseen
    value = math.lgamma(sizes.sum()) - sum(math.lgamma(m + 1.0) for m in unseen)
    for k, n_k in enumerate(sizes):
        value += sum(float(betaln(1 + c, 1 + n_k - c)) for c in captured[:, k])
        if k < sizes.size - 1:
            value += float(betaln(1 + n_k, alpha + sizes[k + 1 :].sum()))
    return value


def test_the_unseen_moves_use_the_collapsed_posterior() -> None:
    # Both samplers' moves against the posterior written out: the compiled one by increments
    # (one class, one step), the vectorised one whole.
    rng = np.random.default_rng(0)
    class_gain, stick_gain = lcmcr._plain(lcmcr._class_gain), lcmcr._plain(lcmcr._stick_gain)
    for _ in range(300):
        K = int(rng.integers(1, 6))
        seen, unseen = rng.integers(1, 20, K), rng.integers(0, 30, K)
        captured = np.array([[rng.integers(0, n + 1) for n in seen] for _ in range(3)])
        alpha, k = float(rng.gamma(1.0)), int(rng.integers(0, K))
        step = int(rng.integers(-unseen[k], 10))
        after = unseen.copy()
        after[k] += step
        want = _log_unseen_posterior(captured, seen, after, alpha)
        want -= _log_unseen_posterior(captured, seen, unseen, alpha)
        sizes = seen + unseen
        later = np.array([sizes[i + 1 :].sum() for i in range(K)], dtype=float)
        got = math.lgamma(sizes.sum() + step) - math.lgamma(sizes.sum())
        got += class_gain(captured[:, k], int(seen[k]), int(unseen[k]), step)
        got += stick_gain(sizes, later, alpha, k, step)
        assert got == pytest.approx(want, abs=1e-9)
        both = lcmcr._log_unseen_posterior(captured, seen, np.vstack((unseen, after)), alpha)
        assert both[1] - both[0] == pytest.approx(want, abs=1e-9)


def _unseen_chain(sampler: str, seen: np.ndarray, captured: np.ndarray, cap: int) -> np.ndarray:
    """n0 after each call of a sampler's move of the unseen, every class fixed."""
    K, rng = seen.size, Generator(PCG64(11))
    classes = np.vstack((seen, np.zeros(K, dtype=np.int64)))
    if sampler == "vectorised":
        n0 = np.empty(100_000, dtype=np.int64)
        for i in range(n0.size):
            lcmcr._move_unseen_jointly(classes, captured, 0.7, cap, rng)
            n0[i] = classes[-1].sum()
        return n0
    scratch = (np.zeros(captured.shape), np.zeros(K), np.zeros(K), np.zeros(K))
    work = lcmcr._Work(classes, seen.copy(), captured, *scratch)
    return np.array([lcmcr._move_unseen(rng, work, 0.7, cap) for _ in range(40_000)])


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_the_unseen_move_leaves_its_posterior_invariant_up_to_the_cap(sampler: str) -> None:
    # Three classes, observed victims held fixed, a cap of 15 unseen that the posterior presses
    # against: the moves alone must reproduce p(n0 | classes), enumerated over all 816 states.
    # Measured on the compiled move (40,000 calls, ESS of n0 about 8,000): the cumulative
    # probabilities agree within 0.008; a move without its Hastings correction (the proposal's
    # window grows with m_k) misses by 0.18, one without the stick-breaking terms by 0.84, and
    # one ignoring the cap exceeds it. The vectorised sampler's joint move is accepted a quarter
    # of the time and mixes slower (ESS of n0 about 1,400 in 200,000 calls; gaps over three
    # seeds 0.022, 0.017, 0.005), so it gets 100,000 calls and 0.05.
    seen = np.array([6, 3, 2])
    captured = np.array([[2, 1, 0], [1, 2, 1], [3, 0, 1]])
    cap = 15
    exact = np.zeros(cap + 1)
    states = [m for m in itertools.product(range(cap + 1), repeat=3) if sum(m) <= cap]
    logs = np.array([_log_unseen_posterior(captured, seen, np.array(m), 0.7) for m in states])
    np.add.at(exact, [sum(m) for m in states], np.exp(logs - logs.max()))
    exact /= exact.sum()
    n0 = _unseen_chain(sampler, seen, captured, cap)
    observed = np.bincount(n0, minlength=cap + 1) / n0.size
    assert n0.max() <= cap
    gap = np.abs(np.cumsum(observed) - np.cumsum(exact)).max()
    print(f"largest gap between the cumulative distributions of n0: {gap:.4f}")
    assert gap < (0.02 if sampler == "compiled" else 0.05)


# The exact posterior of N on a table small enough to sum over every allocation of its victims
# to K = 2 classes: capture probabilities and stick integrated out in closed form, alpha (prior
# Gamma(1/4, rate 1/4)) by Gauss-Laguerre quadrature. The Gibbs sampler without the move of the
# unseen (gavah before 2026-12-07) reproduced it too: P(N <= 17, 20, 24, 31, 40) = 0.110,
# 0.285, 0.513, 0.761, 0.901 in 500,000 sweeps, so the sum checks the samplers, not the other way.
TINY_PATTERNS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1]])
TINY_COUNTS = np.array([4, 4, 4, 1, 1])


def _log_choose(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    result: np.ndarray = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
    return result


@pytest.fixture(scope="module")
def tiny_posterior() -> tuple[np.ndarray, np.ndarray]:
    """N and its exact posterior probabilities on TINY_COUNTS, K = 2."""
    n = int(TINY_COUNTS.sum())
    cap = lcmcr.UNSEEN_CAP * n
    nodes, weights = roots_genlaguerre(40, -0.75)  # alpha = 4x, x^(-3/4) e^(-x) the weight
    sizes = np.arange(n + cap + 1.0)
    alphas = 4.0 * nodes
    sticks = betaln(1.0 + sizes[:, None, None], alphas + sizes[None, :, None])
    sticks = logsumexp(sticks + np.log(weights * alphas), axis=-1)  # E[alpha B(1 + n1, alpha + n2)]
    groups: dict[tuple[int, ...], float] = {}  # (o1, c_11, c_21, c_31) -> log multiplicity
    for allocation in itertools.product(*(range(c + 1) for c in TINY_COUNTS)):
        a = np.array(allocation)
        ways = float(_log_choose(TINY_COUNTS, a).sum())
        key = (int(a.sum()), *(int(c) for c in TINY_PATTERNS.T @ a))
        groups[key] = float(np.logaddexp(groups.get(key, -np.inf), ways))
    m = np.arange(cap + 1.0)
    unseen = np.add.outer(m, m).astype(np.int64)
    inside = unseen <= cap
    totals = TINY_PATTERNS.T @ TINY_COUNTS
    log_p = np.full(cap + 1, -np.inf)
    for (seen, *captured), ways in groups.items():
        first = sum(betaln(1 + c, 1 + seen - c + m) for c in captured) - gammaln(m + 1)
        others = totals - np.array(captured)
        second = sum(betaln(1 + c, 1 + n - seen - c + m) for c in others) - gammaln(m + 1)
        log_w = ways + first[:, None] + second[None, :] + gammaln(n + unseen)
        log_w = (log_w + sticks[seen : seen + cap + 1, n - seen : n - seen + cap + 1])[inside]
        peak = log_w.max()
        summed = np.bincount(unseen[inside], weights=np.exp(log_w - peak), minlength=cap + 1)
        with np.errstate(divide="ignore"):
            log_p = np.logaddexp(log_p, np.log(summed) + peak)
    probabilities = np.exp(log_p - log_p.max())
    return n + np.arange(cap + 1), probabilities / probabilities.sum()


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_samplers_reproduce_the_exact_posterior_of_a_tiny_table(
    sampler: str, tiny_posterior: tuple[np.ndarray, np.ndarray]
) -> None:
    # Measured: every probability within 0.004 (compiled, 500,000 sweeps) and 0.01
    # (vectorised, 100,000); standard errors about 0.0025 and 0.006. The bound is five of them
    # (four for the vectorised sampler's shorter chain, whose standard error is about 0.01).
    # Without its Hastings correction the compiled move gives P(N <= 20) = 0.269 against the
    # exact 0.288, and fails.
    totals, probabilities = tiny_posterior
    below = np.cumsum(probabilities)
    points = [int(totals[np.searchsorted(below, q)]) for q in (0.1, 0.25, 0.5, 0.75, 0.9)]
    data = lcmcr._Patterns(TINY_PATTERNS.astype(np.int8), TINY_COUNTS)
    samples, allowed = (100_000, 0.0125) if sampler == "compiled" else (8_000, 0.04)
    run = (lcmcr.WARMUP_SWEEPS, 5_000, samples, 5)
    draws = lcmcr._CHAINS[sampler](data, 2, run, Generator(PCG64(3)), (0.25, 0.25))
    for point in points:
        exact = float(below[totals == point][0])
        assert abs(float((draws <= point).mean()) - exact) < allowed, f"P(N <= {point})"


# --- known totals --------------------------------------------------------------------------------


def test_interval_covers_the_true_total_in_most_simulations() -> None:
    # 20 populations; a 95% interval should miss about 1. Observed on this code: 17/20 (LCMCR
    # underestimates slightly when the hard-to-record class is large). For a calibrated 95%
    # interval P(hits < 14 of 20) is about 3e-4, so 14 leaves room without hiding a broken model.
    hits = [_covers_truth(seed)[0] for seed in range(20)]
    print(f"LCMCR 95% interval coverage: {sum(hits)}/20")
    assert sum(hits) >= 14, f"coverage {sum(hits)}/20"


def test_a_homogeneous_model_misses_the_truth_so_the_check_has_teeth() -> None:
    # K = 1 is the independence model: every victim equally likely to be listed. It ignores
    # the hard-to-record class and underestimates badly (medians around 1,300 for N = 2,000);
    # the coverage test above would fail for it.
    results = [_covers_truth(seed, K=1) for seed in range(10)]
    assert sum(hit for hit, _ in results) <= 2
    assert np.median([median for _, median in results]) < 0.8 * TRUE_N


@pytest.mark.skipif(
    not os.environ.get("GAVAH_MSE_COVERAGE_RUNS"),
    reason="long coverage study: set GAVAH_MSE_COVERAGE_RUNS (e.g. 200)",
)
def test_coverage_study() -> None:
    runs = int(os.environ["GAVAH_MSE_COVERAGE_RUNS"])
    hits = sum(_covers_truth(1_000 + seed)[0] for seed in range(runs))
    print(f"LCMCR 95% interval coverage: {hits}/{runs} = {hits / runs:.3f}")
    # Binomial standard error at 0.95 is sqrt(.95 * .05 / runs); allow 0.85 plus 3 of them.
    assert hits / runs >= 0.85 - 3 * np.sqrt(0.95 * 0.05 / runs)


# --- HRDAG's simulation designs (StanLCMCR import/hand/simulations.yaml; sim1 is the design of
# Manrique-Vallier 2016). Measured with 40 populations per design (seeds 10,000 on):
# 1,000 sweeps then 1,000 draws thinned by 2: sim1 36, sim2 37, sim3 39, sim4 34, sim5 40 of 40
# (186/200, 93%); 5,000 sweeps then 1,000 draws thinned by 5: 36, 39, 40, 36, 40 (191/200, 95.5%).

HRDAG_DESIGNS = ("sim1", "sim2", "sim3", "sim4", "sim5")


def _hrdag_population(name: str, seed: int) -> tuple[CaptureHistories, int]:
    import yaml  # locked (PyYAML), a test-only use

    spec = yaml.safe_load((mse_data() / "stanlcmcr_simulations_spec.yaml").read_text())
    design = next(d for d in spec["data"] if d["name"] == name)
    rng = np.random.default_rng(10_000 + seed)
    rows = np.vstack(
        [rng.random((r["size"], len(r["probs"]))) < r["probs"] for r in design["rows"]]
    )
    rows = rows[rows.any(axis=1)].astype(int)
    lists = [f"L{i + 1}" for i in range(rows.shape[1])]
    return CaptureHistories.from_records(lists, rows), sum(r["size"] for r in design["rows"])


def _covers_hrdag_truth(name: str, seed: int, burnin: int = 1_000, thinning: int = 2) -> bool:
    data, total = _hrdag_population(name, seed)
    result = estimate(data, burnin=burnin, samples=1_000, thinning=thinning, seed=seed)
    return result.interval[0] <= total <= result.interval[1]


def test_interval_covers_the_truth_on_manrique_vallier_2016_design() -> None:
    # sim1: 1,800 people almost never listed and 200 usually listed, on 5 lists. For a
    # calibrated 95% interval, P(hits < 15 of 20) is about 3e-4.
    hits = sum(_covers_hrdag_truth("sim1", seed) for seed in range(20))
    print(f"LCMCR coverage on sim1: {hits}/20")
    assert hits >= 15, f"coverage {hits}/20"


@pytest.mark.skipif(
    not os.environ.get("GAVAH_MSE_COVERAGE_RUNS"),
    reason="long coverage study: set GAVAH_MSE_COVERAGE_RUNS (e.g. 200)",
)
def test_coverage_study_on_hrdag_designs() -> None:
    per_design = max(int(os.environ["GAVAH_MSE_COVERAGE_RUNS"]) // len(HRDAG_DESIGNS), 1)
    hits = {
        name: sum(_covers_hrdag_truth(name, s, burnin=5_000, thinning=5) for s in range(per_design))
        for name in HRDAG_DESIGNS
    }
    runs = per_design * len(HRDAG_DESIGNS)
    print(f"LCMCR coverage on HRDAG designs: {hits}, {sum(hits.values())}/{runs}")
    assert sum(hits.values()) / runs >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / runs)


# --- the R package LCMCR 0.4.14 (Manrique-Vallier), on the Madigan-York tables -------------------
# Posterior 2.5%/50%/97.5% quantiles of N recorded from R 4.2.2 with LCMCR 0.4.14 built from its
# CRAN source (../shared/anchors/r-packages/install.sh), with the R program of bench/mse_r.py:
# K = 15 (7 on three lists), 10,000 burn-in sweeps, 10,000 draws thinned by 10, seeds 1-8, the
# 80,000 draws pooled (2026-12-07). Their Monte Carlo standard errors, from the spread of the
# eight seeds, are under 1 for the lower quantiles and 2 (five lists) or 7 (three lists) for
# the 97.5% one. gavah's long chains agree: 12 seeds of the compiled sampler on three lists give
# 685.2/733.2/836.5 (standard errors 0.5/0.6/4.6).
R_LCMCR = {"madigan_york_5list_dga": (590, 629, 719), "madigan_york_3list_dga": (685, 733, 834)}
# Tolerances are four standard deviations of one test run's quantiles (measured over 12 seeds
# of each sampler: 1.9/2.6/12.3 on five lists, 6.0/4.5/28.2 on three) plus twice R's standard
# error. They catch a changed model: with K = 1 (one class, every victim equally easy to record)
# five lists give 613/637/664 and three lists 725/764/810, and with K = 2 five lists give
# 583/605/634: each misses at least one quantile by more than its tolerance. A changed prior on
# alpha (Gamma(1, 1)) does not move these posteriors measurably, so no test here could see it.
FIVE_LISTS_TOLERANCE = (9, 12, 54)  # 2,000 burn-in sweeps, 2,000 draws thinned by 10
THREE_LISTS_TOLERANCE = (26, 20, 130)  # 1,000 burn-in sweeps, 2,000 draws thinned by 5


def _madigan_york(lists: int) -> CaptureHistories:
    return CaptureHistories.read_csv(mse_data() / f"madigan_york_{lists}list_dga.csv")


def _assert_like_r(draws: np.ndarray, table: str, tolerance: tuple[int, int, int]) -> None:
    ours = np.quantile(draws, [0.025, 0.5, 0.975])
    for q, mine, theirs, allowed in zip(
        (2.5, 50, 97.5), ours, R_LCMCR[table], tolerance, strict=True
    ):
        assert abs(mine - theirs) <= allowed, f"{q}% quantile {mine:.0f}, R {theirs}"


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_posterior_matches_the_r_package_on_five_lists(sampler: str) -> None:
    run = {"burnin": 2_000, "samples": 2_000, "thinning": 10}
    result = estimate(_madigan_york(5), seed=2026, sampler=sampler, **run)
    assert result.diagnostics["K"] == 15
    _assert_like_r(np.array(result.draws), "madigan_york_5list_dga", FIVE_LISTS_TOLERANCE)


def test_compiled_sampler_source_matches_the_r_package_on_three_lists() -> None:
    # Without numba the compiled sampler's functions are plain Python (slow, but the same code),
    # so this checks its logic on every machine; test_compiled_sampler_is_its_python_source
    # checks that numba runs that code unchanged.
    x, counts = _madigan_york(3).as_matrix()
    data = lcmcr._Patterns(x, counts)
    run = (lcmcr.WARMUP_SWEEPS, 1_000, 2_000, 5)
    draws = lcmcr._CHAINS["compiled"](data, 7, run, Generator(PCG64(2026)), (0.25, 0.25))
    _assert_like_r(draws, "madigan_york_3list_dga", THREE_LISTS_TOLERANCE)


@pytest.mark.skipif("compiled" not in SAMPLERS, reason="numba is not installed")
def test_compiled_sampler_is_its_python_source() -> None:
    x, counts = _madigan_york(3).as_matrix()
    data = lcmcr._Patterns(x, counts)
    table = lcmcr._Table(counts, *data.on_lists(), data.observed)

    def chain(kernel: Callable[..., np.ndarray]) -> np.ndarray:
        theta, alpha = lcmcr._initial_theta(data, 7)
        work = lcmcr._work(table, theta)
        return kernel(
            Generator(PCG64(5)), table, theta, alpha, work, (50, 50, 100, 2), (0.25, 0.25)
        )

    compiled = lcmcr._chain_compiled
    assert np.array_equal(chain(compiled), chain(compiled.py_func))  # type: ignore[attr-defined]


def test_unobserved_count_is_capped_like_the_r_package() -> None:
    # LCMCR redraws n0 while it exceeds 20 x observed. Far beyond the cap gavah draws the
    # truncated law by inversion instead (redrawing would take forever); near it, both ways must
    # give the same law: here the cap cuts about a third of NegBin(10, 0.06) (mean 157).
    rng = Generator(PCG64(1))
    draw_unseen = lcmcr._plain(lcmcr._draw_unseen)
    inverted = lcmcr._plain(lcmcr._truncated_unseen)
    redrawn = np.array([draw_unseen(rng, 10, np.log(0.94), 200) for _ in range(8_000)])
    by_inversion = np.array([inverted(rng, 10, np.log(0.94), 200) for _ in range(8_000)])
    assert redrawn.max() <= 200 and by_inversion.max() <= 200
    standard_error = np.hypot(redrawn.std(), by_inversion.std()) / np.sqrt(8_000)
    assert abs(redrawn.mean() - by_inversion.mean()) < 4 * standard_error
    stuck = [draw_unseen(rng, 10, 0.0, 200) for _ in range(100)]  # p0 = 1: nobody seen, ever
    assert max(stuck) <= 200 and np.mean(stuck) > 150


def test_unobserved_count_is_drawn_in_bounded_time_with_one_victim_and_p0_near_1() -> None:
    # One documented victim: n0 is geometric, its spread as large as its mean (10^12 here), so
    # redrawing until n0 <= 20 would almost never end; a criterion that allowed it hung here.
    rng = Generator(PCG64(3))
    draws = [lcmcr._draw_unseen(rng, 1, math.log1p(-1e-12), 20) for _ in range(200)]
    assert max(draws) <= 20 and np.mean(draws) > 8


@pytest.mark.parametrize(
    ("observed", "p0", "cap"), [(10, 0.97, 200), (3, 0.999, 50), (1, 0.9999, 100)]
)
def test_unobserved_count_beyond_the_cap_is_drawn_from_the_truncated_law(
    observed: int, p0: float, cap: int
) -> None:
    # Where the law's mode lies at or beyond the cap (where the posterior of the Netherlands
    # tables presses against it), n0 is drawn by rejection under a geometric envelope; it must
    # match the inversion, which is exact everywhere. The last case has its mode at 0.
    rng = Generator(PCG64(2))
    near_cap, inverted = lcmcr._plain(lcmcr._unseen_near_cap), lcmcr._plain(lcmcr._truncated_unseen)
    by_rejection = np.array([near_cap(rng, observed, np.log(p0), cap) for _ in range(4_000)])
    by_inversion = np.array([inverted(rng, observed, np.log(p0), cap) for _ in range(4_000)])
    assert by_rejection.max() <= cap
    standard_error = np.hypot(by_rejection.std(), by_inversion.std()) / np.sqrt(4_000)
    assert abs(by_rejection.mean() - by_inversion.mean()) < 4 * standard_error
    assert abs(by_rejection.std() - by_inversion.std()) < 0.1 * by_inversion.std()


# --- Colombia: JEP-CEV-HRDAG forced recruitment, verdata replicate R1 ----------------------------


def _verdata_r1_men_1999() -> CaptureHistories:
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_parquet(mse_data() / "verdata" / "verdata-reclutamiento-R1.parquet")
    stratum = frame[(frame["sexo"] == "HOMBRE") & (frame["yy_hecho"] == 1999)]
    sources = [c for c in stratum.columns if c.startswith("in_") and stratum[c].sum() >= 1]
    captures = stratum[sources].to_numpy().astype(int)
    return CaptureHistories.from_records(sources, captures[captures.sum(axis=1) > 0])


def _published_r1_draws() -> np.ndarray:
    return np.array(json.loads((mse_data() / R1_DRAWS).read_text()), dtype=float)


def test_verdata_stratum_is_the_published_one() -> None:
    data = _verdata_r1_men_1999()
    assert (data.observed, len(data.lists)) == (982, 20)
    published = _published_r1_draws()
    assert published.size == 1_000 and round(published.mean()) == 2066


@pytest.fixture(scope="module")
def r1_chains() -> tuple[Estimate, Estimate]:
    # 10,000 burn-in sweeps, then 2,000 draws thinned by 10 (a few seconds each), from LCMCR's
    # own start (see lcmcr._initial_theta). verdata ran 5 million sweeps; these short chains
    # switch between the posterior's two modes too rarely to be trusted alone, and say so.
    data = _verdata_r1_men_1999()
    run = {"burnin": 10_000, "samples": 2_000, "thinning": 10}
    return estimate(data, seed=19481210, **run), estimate(data, seed=1, **run)


def test_verdata_r1_short_chains_stay_inside_the_published_posterior(
    r1_chains: tuple[Estimate, Estimate],
) -> None:
    # What a short chain reliably shows: the lower mode, and a median inside the published 95%
    # interval. How far it gets into the upper mode is luck: over 8 seeds of the compiled
    # sampler the means of such chains ran from 1,548 to 2,119 and their medians from 1,526 to
    # 2,103 (published: 2,066 and 2,068); the R package's own chains, seeds 1-7 and 19481210,
    # stayed near 1,412 in 5 of 8 runs. The published figures need long chains: see below.
    published = _published_r1_draws()
    low, high = np.quantile(published, [0.025, 0.975])
    for chain in r1_chains:
        assert chain.interval[0] == pytest.approx(low, rel=0.05)
        assert low < chain.estimate < high
        assert chain.interval[0] > chain.observed


def test_verdata_r1_short_chains_that_cross_modes_warn_they_have_not_converged(
    r1_chains: tuple[Estimate, Estimate],
) -> None:
    # The posterior is bimodal (N about 1,550 and about 2,300). A 30,000-sweep chain that
    # crosses between the modes does so only a few times, so its effective sample size is tiny
    # and the warning must show. A chain that stays in the lower mode throughout (seed 19481210
    # of the compiled sampler does; so did 5 of 8 of the R package's chains, near 1,412) looks
    # converged to any one-chain diagnostic: only long chains, or several, reveal the other mode.
    upper_mode = np.median(_published_r1_draws())
    crossed = [chain for chain in r1_chains if chain.interval[1] > upper_mode]
    assert crossed, "neither chain reached the upper mode"
    for chain in crossed:
        assert chain.diagnostics["effective_sample_size"] < 100
        assert not chain.diagnostics["converged"] and "converged" in chain.warnings[0]


@pytest.mark.skipif(
    not os.environ.get("GAVAH_MSE_LONG_RUNS"),
    reason="four chains of a million sweeps (5 to 10 minutes): set GAVAH_MSE_LONG_RUNS=1",
)
def test_verdata_r1_long_chains_match_published_posterior() -> None:
    # Each chain: 10,000 burn-in sweeps, then 10,000 draws thinned by 100. Measured: single
    # chains gave means of 2,032 and 2,079 (compiled sampler, seeds 11 and 12), 1,767, 2,094 and
    # 1,848 (vectorised, seeds 11-13); the R package 2,082 and 2,091; published (verdata, 5
    # million sweeps) 2,066, 2.5%/50%/97.5% 1,396/2,068/3,062. Some chains stay a million
    # sweeps in a state where the upper mode is visited less (vectorised seed 13: every block of
    # 100,000 sweeps averaged 1,750 to 1,960), so one chain's mean varies by 5% or more; over
    # four chains, with the published figure's own error, 10% is our bound. The lower quantile,
    # set by the lower mode that every chain visits, gets 5%. The compiled sampler passes
    # (2026-12-07); the vectorised one failed on the median (1,673), its mean inside 10%:
    # whether its chains fall into that state more often is not settled (its single sweeps
    # match the compiled ones', checked draw by draw in distribution, and so do 8 chains of
    # 220,000 sweeps: mean 1,916 +- 65 against 1,963 +- 56).
    run = {"burnin": 10_000, "samples": 10_000, "thinning": 100}
    data = _verdata_r1_men_1999()
    ours = np.concatenate([estimate(data, seed=seed, **run).draws for seed in (11, 12, 13, 14)])
    published = _published_r1_draws()
    assert ours.mean() == pytest.approx(published.mean(), rel=0.10)
    assert np.quantile(ours, 0.025) == pytest.approx(np.quantile(published, 0.025), rel=0.05)
    for q in (0.5, 0.975):
        assert np.quantile(ours, q) == pytest.approx(np.quantile(published, q), rel=0.10)
