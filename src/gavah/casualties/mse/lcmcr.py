"""LCMCR: the Bayesian latent-class model of Manrique-Vallier (2016), as HRDAG uses it.

Model (D. Manrique-Vallier, "Bayesian population size estimation using Dirichlet process
mixtures", Biometrics 72(4), 2016): every one of the N victims belongs to one of K latent classes
with weights ``pi`` from a truncated stick-breaking (Dirichlet process) prior with concentration
``alpha ~ Gamma(a_alpha, b_alpha)``; within class k, list j records a victim independently with
probability ``lambda[j, k] ~ Beta(1, 1)``; and ``p(N) ∝ 1/N`` for N up to 21 times the number
observed (the R package LCMCR 0.4.14 redraws the unobserved count while it exceeds 20 times the
observed one, ``sam_n0`` in NPLCM_CR_Basic_Freq.cpp; we sample the same truncated model).
Heterogeneous capture probabilities (some victims are on many lists, some on almost none) are
what the classes absorb.

The Gibbs sampler augments the data with the n0 unobserved victims (section 3 of the paper). It
works on the distinct capture patterns and their counts, never on single records: the class
allocation of all the victims sharing a pattern is one multinomial draw, and the n0 unlisted
victims (all sharing the all-zero pattern) are allocated by one more. A sweep therefore costs
O(patterns x K x lists), whatever the number of victims. Each sweep draws, in this order, the
allocations and n0 given the capture probabilities and class weights; then moves each class's
unseen victims by Metropolis-Hastings on their posterior with the capture probabilities and
class weights integrated out (see UNSEEN_STEP: the same model, a shorter path through it, where
a plain Gibbs sampler crawls along the ridge between N and the capture probabilities); then
draws those given the allocations, then alpha. The R package has no such move, and updates the
unobserved victims after the parameters.

Two samplers run this sweep: ``compiled``, scalar loops compiled by numba when numba is
installed (faster than the R package's C++ on the published tables in shared/data/mse), and
``vectorised``, numpy over patterns x classes (two to seven times slower than R: numpy's cost
per call and its multinomial's per pattern dominate at these sizes), which moves the unseen of
all classes in one joint proposal. They consume random numbers differently, so one seed gives
different draws on each; the diagnostics name the sampler.

Validation status (tests/mse/test_lcmcr.py): on a table small enough to sum over every
allocation of its victims, both samplers reproduce the exact posterior of N (K = 2), and the
moves of the unseen alone reproduce theirs, up to the cap. Against the R package on the
Madigan-York tables, posterior quantiles of N agree within Monte Carlo error (three lists, 12
long chains: 685/733/837 against R's 685/733/834). On HRDAG's five simulation designs
(StanLCMCR; sim1 is Manrique-Vallier's own; measured with the earlier numpy Gibbs sampler of the
same model), 95% intervals covered the known total in 191 of 200 simulated populations (95.5%)
with 5,000 sweeps and 1,000 draws thinned by 5, and 186 of 200 (93%) with 1,000 sweeps thinned
by 2; on our own two-class design, 178 of 200 (89%), 92 of 100 with longer chains: short chains
give intervals somewhat narrow. On the Colombian forced-recruitment stratum published with
verdata (men, 1999, replicate R1), chains of a million sweeps started as the LCMCR package starts
them reproduce the published posterior (means 2,032 and 2,079 before the move of the unseen,
R's 2,082 and 2,091, published 2,066). That posterior is bimodal and chains of 30,000 sweeps
switch modes rarely, with the move as without it (their means ran from 1,719 to 2,231 over 8
seeds; R's stayed near 1,412 in 5 of 8): the effective-sample-size check then reports
non-convergence, and only long runs should be used. The move does not bridge modes that are
different groupings of the victims; it shortens the path along N.
Speed and mixing against the R package on the published tables in shared/data/mse:
bench/mse_r.py and docs/mse.md.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar, cast

import numpy as np
import numpy.typing as npt
from numpy.random import PCG64, Generator
from scipy.special import gammaln

from gavah.casualties.mse.patterns import CaptureHistories, Estimate
from gavah.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_Function = TypeVar("_Function", bound=Callable[..., Any])

MAX_DEFAULT_CLASSES = 15  # verdata's default truncation, K = min(2^lists - 1, 15)
MIN_LISTS = 3  # with two lists a latent-class model is not identified
MIN_SAMPLES = 20
MIN_EFFECTIVE_SAMPLE_SIZE = 100
WARMUP_SWEEPS = 500  # LCMCR's initialisation sweeps, before burn-in
UNSEEN_CAP = 20  # LCMCR keeps n0 <= 20 x observed
MAX_GEWEKE_Z = 2.0
_TINY = float(np.finfo(np.float64).tiny)  # keeps logs finite when a draw rounds to 0
_FEW_VICTIMS = 16  # up to this many victims of a pattern are allocated one by one
_TRIES = 1_000  # draws of n0 by rejection give up after this many tries, and invert
_SHARE_FLOOR = 1e-12  # a list holding every observed victim would start at log(1 - 1) = -inf
NOT_CONVERGED = (
    "the sampler may not have converged: run longer (more --samples, --burnin or --thinning); "
    "LCMCR posteriors can have several modes that short chains visit unevenly"
)


def _numba_njit() -> Callable[..., Any] | None:
    """numba's ``njit`` when numba is installed (an optional accelerator), else None."""
    try:
        numba = importlib.import_module("numba")
    except ImportError:
        return None
    return cast(Callable[..., Any], numba.njit)


_NJIT = _numba_njit()
SAMPLERS = ("compiled", "vectorised") if _NJIT else ("vectorised",)


def _compiled(function: _Function) -> _Function:
    """Compile a scalar kernel function with numba (cached on disk) where numba is installed;
    without numba it stays plain Python, which tests can still run on tiny chains."""
    return cast(_Function, _NJIT(cache=True)(function)) if _NJIT else function


def _plain(function: _Function) -> _Function:
    """The Python function behind a compiled one, for numpy code that calls it once a sweep:
    numba's dispatch from Python (it boxes the Generator each call) costs more than the call."""
    return cast(_Function, getattr(function, "py_func", function))


@dataclass(frozen=True)
class _Patterns:
    """The observed data: distinct capture patterns (P x J, 0/1) and their counts."""

    x: npt.NDArray[np.int8]
    counts: IntArray

    @property
    def observed(self) -> int:
        return int(self.counts.sum())

    def on_lists(self) -> tuple[IntArray, IntArray]:
        """The lists each pattern is on: pattern m is on lists[starts[m]:starts[m + 1]]."""
        rows, lists = np.nonzero(self.x)
        starts = np.searchsorted(rows, np.arange(self.x.shape[0] + 1))
        return starts.astype(np.int64), lists.astype(np.int64)

    def design(self) -> FloatArray:
        """Rows [x, 1 - x, 1] for every pattern and, last, the all-zero one: ``design @ theta`` is
        then each pattern's log P(pattern, class)."""
        x = np.vstack((self.x, np.zeros(self.x.shape[1], dtype=np.int8))).astype(np.float64)
        return np.hstack((x, 1.0 - x, np.ones((x.shape[0], 1))))


def default_classes(n_lists: int) -> int:
    """verdata's default truncation level K = min(2^lists - 1, 15)."""
    return int(min(2**n_lists - 1, MAX_DEFAULT_CLASSES))


def default_sampler() -> str:
    """``compiled`` where numba is installed, else ``vectorised``."""
    return SAMPLERS[0]


def estimate(
    histories: CaptureHistories,
    *,
    K: int | None = None,
    burnin: int = 10_000,
    samples: int = 10_000,
    thinning: int = 10,
    seed: int = 19481210,
    a_alpha: float = 0.25,
    b_alpha: float = 0.25,
    sampler: str | None = None,
) -> Estimate:
    """Posterior of the total N under LCMCR: median, 95% interval and ``samples`` draws.

    The chain runs ``burnin + samples * thinning`` Gibbs sweeps and keeps every ``thinning``-th
    after burn-in. The same inputs, ``seed`` and sampler (see :data:`SAMPLERS`; the default is
    :func:`default_sampler`) give the same draws on the same numpy version.
    """
    classes = default_classes(len(histories.lists)) if K is None else K
    chosen = default_sampler() if sampler is None else sampler
    _check_arguments(histories, classes, burnin, samples, thinning, a_alpha, b_alpha)
    _check_sampler(chosen)
    x, counts = histories.as_matrix()
    data = _Patterns(x[counts > 0], counts[counts > 0])
    rng = Generator(PCG64(seed))
    run = (WARMUP_SWEEPS, burnin, samples, thinning)
    draws = _CHAINS[chosen](data, classes, run, rng, (a_alpha, b_alpha))
    settings = {"K": classes, "burnin": burnin, "samples": samples, "thinning": thinning}
    return _summarise(histories, draws, {**settings, "seed": seed, "sampler": chosen})


def _check_arguments(
    histories: CaptureHistories,
    K: int,
    burnin: int,
    samples: int,
    thinning: int,
    a_alpha: float,
    b_alpha: float,
) -> None:
    if len(histories.lists) < MIN_LISTS:
        raise InputError(
            f"LCMCR needs at least {MIN_LISTS} lists; got {len(histories.lists)}",
            hint="with two lists use the log-linear method (Lincoln-Petersen)",
        )
    if histories.observed == 0:
        raise InputError("LCMCR: no victim is on any list, so there is nothing to estimate from")
    if K < 1 or burnin < 0 or thinning < 1 or samples < MIN_SAMPLES:
        raise InputError(
            f"LCMCR: need K >= 1, burnin >= 0, thinning >= 1 and samples >= {MIN_SAMPLES}; "
            f"got K={K}, burnin={burnin}, thinning={thinning}, samples={samples}"
        )
    if not (a_alpha > 0 and b_alpha > 0):
        raise InputError(f"LCMCR: the Gamma prior needs a, b > 0; got {a_alpha}, {b_alpha}")


def _check_sampler(sampler: str) -> None:
    if sampler not in SAMPLERS:
        raise InputError(
            f"LCMCR: no sampler {sampler!r} here; available: {', '.join(SAMPLERS)}",
            hint="the compiled sampler needs numba installed (pip install numba)",
        )


def _initial_theta(data: _Patterns, K: int) -> tuple[FloatArray, float]:
    """The LCMCR package's start (CNPLCM_CR_Basic_Freq::Initializes): every class captures like
    the lists' observed shares, four heavy classes and a light tail, a small concentration.

    Returned as theta, (2J + 1) x K: log lambda, log(1 - lambda), then log pi as the last row.
    The start matters: from random capture probabilities the chain tends to settle in a sticky
    state (about 1,430 on the Colombian R1 stratum) that it rarely leaves, while from this start
    it reproduces the published posterior (mean about 2,000 against 2,066)."""
    shares = (data.x * data.counts[:, None]).sum(axis=0) / data.observed
    shares = np.clip(shares, _SHARE_FLOOR, 1.0 - _SHARE_FLOOR)
    if K > 4:
        pi = np.concatenate((np.full(4, 0.225), np.full(K - 4, 0.1 / (K - 4))))
    else:
        pi = np.full(K, 1.0 / K)
    log_lam = np.repeat(np.log(shares)[:, None], K, axis=1)
    log_miss = np.repeat(np.log1p(-shares)[:, None], K, axis=1)
    return np.vstack((log_lam, log_miss, np.log(pi))), 0.3 / K


# --- the compiled sampler: scalar loops, one sweep as the R package's C++ does it -----------------
# Hand-written because numba compiles no Generator.multinomial and no loop over patterns for us;
# every draw below is one numpy Generator method (numba compiles those from numpy's own code).


@_compiled
def _log_gamma_variate(rng: Generator, shape: float) -> float:
    """log of a Gamma(shape, 1) variate, exact for small shapes: G = G' U^(1/shape) with
    G' ~ Gamma(shape + 1) (Marsaglia and Tsang 2000, section 6). When alpha is small, 1 - V of an
    empty stick is far below 1e-16; kept in logs it does not round to 0, which would inflate the
    concentration's rate and trap alpha near 0 (a numerical, not a statistical, effect)."""
    if shape < 1.0:
        boosted = max(rng.standard_gamma(shape + 1.0), _TINY)
        return math.log(boosted) + math.log(1.0 - rng.random()) / shape
    return math.log(max(rng.standard_gamma(shape), _TINY))


@_compiled
def _log_add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) without overflow."""
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


@_compiled
def _exponentiate(weights: FloatArray) -> float:
    """Log weights to weights scaled by their largest, in place; returns the log of their sum."""
    peak = weights.max()
    total = 0.0
    for k in range(weights.size):
        weights[k] = math.exp(weights[k] - peak)
        total += weights[k]
    return float(peak + math.log(total))


class _Table(NamedTuple):
    """The observed data for the compiled sampler: pattern m has ``counts[m]`` victims and is on
    the lists ``lists[starts[m]:starts[m + 1]]``."""

    counts: IntArray
    starts: IntArray
    lists: IntArray
    observed: int


class _Work(NamedTuple):
    """Arrays a sweep writes, allocated once per chain (K classes, J lists, P patterns)."""

    classes: IntArray  # (P + 1) x K victims per pattern and class, the unobserved last
    sizes: IntArray  # K: victims per class
    captured: IntArray  # J x K: victims per list and class
    gain: FloatArray  # J x K: log(lambda / (1 - lambda))
    unseen: FloatArray  # K: log P(on no list, class k)
    weights: FloatArray  # K
    tail: FloatArray  # K: tail[k] = sum of weights[k:]


def _work(table: _Table, theta: FloatArray) -> _Work:
    n_lists, K = (theta.shape[0] - 1) // 2, theta.shape[1]
    return _Work(
        np.zeros((table.counts.size + 1, K), dtype=np.int64),
        np.zeros(K, dtype=np.int64),
        np.zeros((n_lists, K), dtype=np.int64),
        np.zeros((n_lists, K)),
        np.zeros(K),
        np.zeros(K),
        np.zeros(K),
    )


@_compiled
def _allocate(rng: Generator, total: int, work: _Work, out: IntArray) -> None:
    """out ~ Multinomial(total, weights / sum(weights)): one categorical draw per victim when
    there are few (sparse tables have many patterns seen once or twice), else successive
    binomials (as GSL and numpy do), each class's share taken of what the later classes weigh."""
    weights, tail = work.weights, work.tail
    whole = 0.0
    for k in range(weights.size - 1, -1, -1):
        whole += weights[k]
        tail[k] = whole
    if total <= _FEW_VICTIMS:
        out[:] = 0
        for _ in range(total):
            out[_category(rng, weights, whole)] += 1
        return
    left = total
    for k in range(weights.size - 1):
        drawn = 0
        if left > 0 and weights[k] > 0.0:
            drawn = rng.binomial(left, weights[k] / tail[k])
        out[k] = drawn
        left -= drawn
    out[weights.size - 1] = left


@_compiled
def _category(rng: Generator, weights: FloatArray, whole: float) -> int:
    """One class drawn with probability weights[k] / whole."""
    mark = rng.random() * whole
    last = 0
    for k in range(weights.size):
        if weights[k] > 0.0:
            last = k
            mark -= weights[k]
            if mark < 0.0:
                return k
    return last  # only when rounding left the mark at the very end


@_compiled
def _truncated_unseen(rng: Generator, observed: int, log_p0: float, cap: int) -> int:
    """n0 from NegBin(observed, 1 - p0) truncated to 0..cap, by inversion: exact in every
    state, but its cost grows with the cap; :func:`_unseen_near_cap` is used where it can be."""
    log_f = np.empty(cap + 1)
    log_f[0] = 0.0
    for k in range(cap):
        log_f[k + 1] = log_f[k] + math.log((observed + k) / (k + 1.0)) + log_p0
    cumulative = np.cumsum(np.exp(log_f - log_f.max()))
    return int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))


@_compiled
def _log_unseen_law(observed: int, log_p0: float, n0: int) -> float:
    """log P(n0) under NegBin(observed, 1 - p0), less a constant."""
    return math.lgamma(observed + n0) - math.lgamma(n0 + 1.0) + n0 * log_p0


@_compiled
def _unseen_near_cap(rng: Generator, observed: int, log_p0: float, cap: int) -> int:
    """n0 from NegBin(observed, 1 - p0) truncated to 0..cap, by rejection, when the law's mode
    is at or beyond the cap. With observed >= 1 the law is log-concave (P(k - 1) / P(k) =
    k / ((observed + k - 1) p0) grows with k), so below the cap P(cap - j) <= P(cap) rho^j with
    rho = P(cap - 1) / P(cap) <= 1: a geometric envelope, accepted about two times in three
    where _draw_unseen uses it. Falls back to inversion where rho > 1."""
    top = _log_unseen_law(observed, log_p0, cap)
    log_rho = _log_unseen_law(observed, log_p0, cap - 1) - top
    if cap < 1 or log_rho >= 0.0:
        return _truncated_unseen(rng, observed, log_p0, cap)
    for _ in range(_TRIES):
        j = int(min(math.log(1.0 - rng.random()) / log_rho, cap + 1.0))  # P(j >= t) = rho^t
        if j > cap:
            continue
        room = _log_unseen_law(observed, log_p0, cap - j) - top - j * log_rho
        if math.log(1.0 - rng.random()) <= room:
            return cap - j
    return _truncated_unseen(rng, observed, log_p0, cap)


@_compiled
def _draw_unseen(rng: Generator, observed: int, log_p0: float, cap: int) -> int:
    """n0 ~ NegBin(observed, 1 - p0), the unobserved count under p(N) ∝ 1/N, kept <= cap.

    Redrawn while above the cap, like the R package, when the mean exceeds the cap by less
    than a standard deviation and less than the cap (then about one draw in six or more is
    kept); otherwise drawn by rejection from below the cap (:func:`_unseen_near_cap`). Either
    way the draw is from the truncated law, and so it stays if a loop gives up after _TRIES
    and inverts: each try is independent of the others."""
    log_p0 = min(log_p0, 0.0)
    seen = -math.expm1(log_p0)  # 1 - p0 without cancellation
    if seen > 0.0:
        mean, spread = observed * (1.0 - seen) / seen, math.sqrt(observed * (1.0 - seen)) / seen
        if mean <= cap + min(spread, cap):
            for _ in range(_TRIES):
                n0 = int(rng.negative_binomial(observed, seen))
                if n0 <= cap:
                    return n0
            return _truncated_unseen(rng, observed, log_p0, cap)
    return _unseen_near_cap(rng, observed, log_p0, cap)


@_compiled
def _prepare_weights(theta: FloatArray, work: _Work) -> None:
    """work.unseen = log pi + sum_j log(1 - lambda[j]) and work.gain = log(lambda / (1 -
    lambda)): a pattern's log weight is then unseen plus the gains of the lists it is on."""
    n_lists = work.gain.shape[0]
    for k in range(work.unseen.size):
        total = theta[2 * n_lists, k]
        for j in range(n_lists):
            total += theta[n_lists + j, k]
            work.gain[j, k] = theta[j, k] - theta[n_lists + j, k]
        work.unseen[k] = total


@_compiled
def _pattern_weights(work: _Work, on: IntArray) -> None:
    """Each class's weight for a pattern on the lists ``on``, scaled by the largest."""
    for k in range(work.weights.size):
        total = work.unseen[k]
        for j in on:
            total += work.gain[j, k]
        work.weights[k] = total
    _exponentiate(work.weights)


@_compiled
def _allocate_all(rng: Generator, table: _Table, theta: FloatArray, work: _Work) -> int:
    """Class counts of every pattern's victims, then n0 and the unobserved victims' classes
    (the last row of ``work.classes``), and the class sizes; returns n0."""
    _prepare_weights(theta, work)
    for m in range(table.counts.size):
        _pattern_weights(work, table.lists[table.starts[m] : table.starts[m + 1]])
        _allocate(rng, table.counts[m], work, work.classes[m])
    work.weights[:] = work.unseen
    log_p0 = _exponentiate(work.weights)
    n0 = _draw_unseen(rng, table.observed, log_p0, UNSEEN_CAP * table.observed)
    _allocate(rng, n0, work, work.classes[table.counts.size])
    sizes = work.sizes
    sizes[:] = 0
    for m in range(work.classes.shape[0]):
        sizes += work.classes[m]
    return n0


@_compiled
def _tally_captures(table: _Table, work: _Work) -> None:
    """work.captured[j, k]: the victims of class k on list j (the unobserved are on none)."""
    captured = work.captured
    captured[:] = 0
    for m in range(table.counts.size):
        for j in table.lists[table.starts[m] : table.starts[m + 1]]:
            captured[j] += work.classes[m]


# The unseen victims of each class, moved with the capture probabilities and class weights
# integrated out. Given the capture probabilities, the number unseen is tightly determined (its
# spread is about sqrt(n0 / (1 - p0))), and given the unseen the capture probabilities are too:
# a Gibbs sampler then crawls along the ridge where N (1 - p0) stays near the number observed,
# the classic slow mixing of data augmentation when most of the population is missing. Both
# the Beta capture probabilities and the stick-breaking weights are conjugate, so the
# posterior of the unseen counts m given the observed victims' classes (and alpha) is known in
# closed form up to a constant:
#
#   p(m | classes) ∝ (N - 1)! / prod_k m_k!                         (p(N) ∝ 1/N, exchangeable)
#                  × prod_{j,k} B(1 + c_jk, 1 + o_k - c_jk + m_k)     (lambda integrated out)
#                  × prod_{k<K} B(1 + n_k, alpha + sum_{l>k} n_l)     (the sticks integrated out)
#
# for n0 = sum m_k <= the cap, with o_k the observed victims of class k, c_jk those on list j
# and n_k = o_k + m_k. A Metropolis-Hastings move of each m_k on this marginal, followed by the
# usual conjugate draws of lambda and pi given all the classes, is a blocked update of (m,
# lambda, pi) that leaves the same posterior invariant (a partially collapsed Gibbs sampler,
# van Dyk and Park 2008): the model is unchanged, only the path through it is shorter.
UNSEEN_STEP = 0.2  # a proposal moves m_k by up to 1 + 20% of it
UNSEEN_MOVES = 2  # proposals per class and sweep


@_compiled
def _step_width(unseen: int) -> int:
    """Half-width of the uniform proposal window around ``unseen`` (always at least 1)."""
    return 1 + int(UNSEEN_STEP * unseen)


@_compiled
def _class_gain(captured: IntArray, seen: int, unseen: int, step: int) -> float:
    """Change in class k's own terms of log p(m | classes) when its unseen go from ``unseen``
    to ``unseen + step``: -log m_k! and the J Beta integrals (``captured``: c_jk over j)."""
    before, after = float(seen + unseen), float(seen + unseen + step)
    gain = math.lgamma(unseen + 1.0) - math.lgamma(unseen + step + 1.0)
    gain -= captured.size * (math.lgamma(2.0 + after) - math.lgamma(2.0 + before))
    for c in captured:
        gain += math.lgamma(1.0 + after - c) - math.lgamma(1.0 + before - c)
    return gain


@_compiled
def _stick_gain(sizes: IntArray, later: FloatArray, alpha: float, k: int, step: int) -> float:
    """Change in log prod_{i<K} B(1 + n_i, alpha + L_i) (L_i = later[i] = sum_{l>i} n_l) when
    n_k grows by ``step``. Term i is lgamma(1 + n_i) + lgamma(alpha + L_i) - lgamma(1 + alpha
    + L_{i-1}) with L_{-1} = N, and L_i moves for i < k; paired, the moved terms reduce to
    logs."""
    last = sizes.size - 1
    if last == 0:
        return 0.0
    total = later[0] + sizes[0]  # N
    gain = math.lgamma(1.0 + alpha + total) - math.lgamma(1.0 + alpha + total + step)
    if k < last:
        gain += math.lgamma(1.0 + sizes[k] + step) - math.lgamma(1.0 + sizes[k])
    else:
        rest = later[last - 1]
        gain += math.lgamma(alpha + rest + step) - math.lgamma(alpha + rest)
    for i in range(min(k, last - 1)):
        gain += math.log(alpha + later[i]) - math.log(alpha + later[i] + step)
    return gain


@_compiled
def _propose_unseen(rng: Generator, unseen: int) -> int:
    """A step of -w..-1 or 1..w, each with probability 1 / 2w, w = _step_width(unseen)."""
    width = _step_width(unseen)
    pick = min(int(rng.random() * 2 * width), 2 * width - 1)
    return pick - width if pick < width else pick - width + 1


@_compiled
def _move_unseen(rng: Generator, work: _Work, alpha: float, cap: int) -> int:
    """Metropolis-Hastings moves of each class's unseen count on p(m | classes), UNSEEN_MOVES
    per class holding observed victims; updates the unobserved row of work.classes and
    work.sizes (and work.tail, as scratch) and returns n0."""
    unseen, sizes, later = work.classes[work.classes.shape[0] - 1], work.sizes, work.tail
    alpha = max(alpha, _TINY)
    later[sizes.size - 1] = 0.0
    for k in range(sizes.size - 2, -1, -1):
        later[k] = later[k + 1] + sizes[k + 1]
    n0 = int(unseen.sum())
    for _ in range(UNSEEN_MOVES):
        for k in range(sizes.size):
            seen = sizes[k] - unseen[k]
            if seen == 0:  # classes holding only unseen victims are left to the Gibbs draws
                continue
            step = _propose_unseen(rng, unseen[k])
            after = unseen[k] + step
            if after < 0 or n0 + step > cap or abs(step) > _step_width(after):
                continue
            total = sizes.sum()
            log_ratio = math.lgamma(total + step) - math.lgamma(total)
            log_ratio += _class_gain(work.captured[:, k], seen, unseen[k], step)
            log_ratio += _stick_gain(sizes, later, alpha, k, step)
            log_ratio += math.log(_step_width(unseen[k])) - math.log(_step_width(after))
            if math.log(1.0 - rng.random()) < log_ratio:
                unseen[k] = after
                sizes[k] += step
                n0 += step
                for i in range(k):
                    later[i] += step
    return n0


@_compiled
def _draw_capture_probabilities(rng: Generator, theta: FloatArray, work: _Work) -> None:
    """lambda[j, k] ~ Beta(1 + captured, 1 + missed) within class k (the unobserved miss all),
    as two log-gamma variates like the R package (exact in the tails), into theta's first 2J
    rows."""
    captured, sizes = work.captured, work.sizes
    n_lists = captured.shape[0]
    for j in range(n_lists):
        for k in range(sizes.size):
            if sizes[k] == 0:  # Beta(1, 1) is uniform: one draw instead of two gammas
                share = 1.0 - rng.random()
                theta[j, k] = math.log(share)
                theta[n_lists + j, k] = math.log1p(-share) if share < 1.0 else math.log(_TINY)
                continue
            on = _log_gamma_variate(rng, 1.0 + captured[j, k])
            off = _log_gamma_variate(rng, 1.0 + sizes[k] - captured[j, k])
            both = _log_add(on, off)
            theta[j, k] = on - both
            theta[n_lists + j, k] = off - both


@_compiled
def _draw_class_weights(rng: Generator, sizes: IntArray, alpha: float, log_pi: FloatArray) -> float:
    """Stick-breaking V_k ~ Beta(1 + n_k, alpha + sum_{l>k} n_l), V_K = 1 (truncation), into
    log_pi; returns sum_{k<K} log(1 - V_k), which the concentration's update needs."""
    later = sizes.sum()
    log_rest = 0.0
    for k in range(sizes.size - 1):
        later -= sizes[k]
        stick = _log_gamma_variate(rng, 1.0 + sizes[k])
        rest = _log_gamma_variate(rng, alpha + later)
        both = _log_add(stick, rest)
        log_pi[k] = log_rest + stick - both
        log_rest += rest - both
    log_pi[sizes.size - 1] = log_rest
    return log_rest


@_compiled
def _draw_concentration(
    rng: Generator, log_rest: float, n_classes: int, prior: tuple[float, float]
) -> float:
    """alpha ~ Gamma(a + K - 1, rate b - sum_{k<K} log(1 - V_k)); V_K = 1 is left out."""
    return float(rng.gamma(prior[0] + n_classes - 1, 1.0 / (prior[1] - log_rest)))


@_compiled
def _sweep_compiled(
    rng: Generator,
    table: _Table,
    theta: FloatArray,
    alpha: float,
    work: _Work,
    prior: tuple[float, float],
    update_alpha: bool,
) -> tuple[int, float]:
    """One Gibbs sweep (the paper's steps 1-5); updates theta and returns n0 and alpha (held
    fixed during the warm-up)."""
    n0 = _allocate_all(rng, table, theta, work)
    _tally_captures(table, work)
    n0 = _move_unseen(rng, work, alpha, UNSEEN_CAP * table.observed)
    _draw_capture_probabilities(rng, theta, work)
    log_rest = _draw_class_weights(rng, work.sizes, alpha, theta[theta.shape[0] - 1])
    if update_alpha:
        alpha = _draw_concentration(rng, log_rest, theta.shape[1], prior)
    return n0, alpha


@_compiled
def _order_classes(theta: FloatArray) -> None:
    """Relabel classes by decreasing weight, as LCMCR does after its warm-up: the stick-breaking
    prior favours heavy classes first, and a chain whose occupied classes lie far down the
    stick mixes badly."""
    order = np.argsort(-theta[theta.shape[0] - 1], kind="mergesort")
    theta[:] = theta[:, order]


@_compiled
def _chain_compiled(
    rng: Generator,
    table: _Table,
    theta: FloatArray,
    alpha: float,
    work: _Work,
    run: tuple[int, int, int, int],
    prior: tuple[float, float],
) -> IntArray:
    """Draws of N, one every ``thinning`` sweeps after warm-up and ``burnin`` sweeps."""
    warmup, burnin, samples, thinning = run
    for _ in range(warmup):  # LCMCR's own start: alpha held while the classes settle
        alpha = _sweep_compiled(rng, table, theta, alpha, work, prior, False)[1]
    _order_classes(theta)
    draws = np.empty(samples, dtype=np.int64)
    for sweep in range(burnin + samples * thinning):
        n0, alpha = _sweep_compiled(rng, table, theta, alpha, work, prior, True)
        kept = sweep - burnin + 1
        if kept > 0 and kept % thinning == 0:
            draws[kept // thinning - 1] = table.observed + n0
    return draws


def _run_compiled(
    data: _Patterns,
    K: int,
    run: tuple[int, int, int, int],
    rng: Generator,
    prior: tuple[float, float],
) -> IntArray:
    theta, alpha = _initial_theta(data, K)
    table = _Table(data.counts, *data.on_lists(), data.observed)
    return _chain_compiled(rng, table, theta, alpha, _work(table, theta), run, prior)


# --- the vectorised sampler: the same sweep in numpy, over patterns x classes at once ------------


@dataclass(frozen=True)
class _Design:
    """What a vectorised sweep multiplies by: ``rows`` (P + 1 patterns, the all-zero one last) x
    [x, 1 - x, 1] and ``tally`` = [x; 1 - x] transposed (2J x (P + 1)), which turns class counts
    per pattern into captured and missed counts per list and class. ``sizes`` holds the pattern
    counts with n0 last (written each sweep)."""

    rows: FloatArray
    tally: FloatArray
    sizes: IntArray
    observed: int

    @classmethod
    def of(cls, data: _Patterns) -> _Design:
        rows = data.design()
        sizes = np.append(data.counts, 0).astype(np.int64)
        return cls(rows, np.ascontiguousarray(rows[:, :-1].T), sizes, data.observed)


def _run_vectorised(
    data: _Patterns,
    K: int,
    run: tuple[int, int, int, int],
    rng: Generator,
    prior: tuple[float, float],
) -> IntArray:
    """Draws of N, one every ``thinning`` sweeps after warm-up and ``burnin`` sweeps."""
    warmup, burnin, samples, thinning = run
    design = _Design.of(data)
    theta, alpha = _initial_theta(data, K)
    for _ in range(warmup):
        alpha = _sweep_vectorised(design, theta, alpha, rng, prior, False)[1]
    _order_classes(theta)
    draws = np.empty(samples, dtype=np.int64)
    for sweep in range(burnin + samples * thinning):
        n0, alpha = _sweep_vectorised(design, theta, alpha, rng, prior, True)
        kept, rest = divmod(sweep - burnin + 1, thinning)
        if kept > 0 and rest == 0:
            draws[kept - 1] = design.observed + n0
    return draws


def _sweep_vectorised(
    design: _Design,
    theta: FloatArray,
    alpha: float,
    rng: Generator,
    prior: tuple[float, float],
    update_alpha: bool,
) -> tuple[int, float]:
    """The compiled sweep's steps, each over every pattern and class at once."""
    classes = _allocate_vectorised(design, theta, rng)
    n_lists = design.tally.shape[0] // 2
    captured = design.tally[:n_lists] @ classes  # the unobserved, last, are on no list
    _move_unseen_jointly(classes, captured, alpha, UNSEEN_CAP * design.observed, rng)
    sizes = classes.sum(axis=0)
    tallies = design.tally @ classes  # captured (first J rows) and missed, per list and class
    later = sizes.sum() - np.cumsum(sizes[:-1])
    shapes = np.concatenate((tallies.ravel() + 1.0, sizes[:-1] + 1.0, later + alpha))
    log_g = _log_gamma(shapes, rng)
    cells = tallies.size // 2
    on, off = log_g[:cells], log_g[cells : 2 * cells]
    both = np.logaddexp(on, off)
    theta[:n_lists] = (on - both).reshape(n_lists, -1)
    theta[n_lists:-1] = (off - both).reshape(n_lists, -1)
    stick, rest = log_g[2 * cells : 2 * cells + sizes.size - 1], log_g[2 * cells + sizes.size - 1 :]
    both = np.logaddexp(stick, rest)
    log_stays = rest - both  # log(1 - V_k), k < K
    theta[-1] = np.append(stick - both, 0.0)
    theta[-1, 1:] += np.cumsum(log_stays)
    if update_alpha:
        alpha = _plain(_draw_concentration)(rng, float(log_stays.sum()), sizes.size, prior)
    return int(classes[-1].sum()), alpha


def _move_unseen_jointly(
    classes: IntArray, captured: FloatArray, alpha: float, cap: int, rng: Generator
) -> None:
    """One Metropolis-Hastings move of the unseen counts (the last row of ``classes``) on p(m |
    classes), as :func:`_move_unseen` but jointly, to save numpy calls: every class holding
    observed victims steps at once, each by its own window, and one test accepts all or none."""
    unseen, seen = classes[-1], classes[:-1].sum(axis=0)
    widths = 1 + (UNSEEN_STEP * unseen).astype(np.int64)
    picks = np.minimum((rng.random(unseen.size) * 2 * widths).astype(np.int64), 2 * widths - 1)
    steps = np.where(picks < widths, picks - widths, picks - widths + 1) * (seen > 0)
    after = unseen + steps
    backs = 1 + (UNSEEN_STEP * after).astype(np.int64)
    if after.min() < 0 or after.sum() > cap or np.any(np.abs(steps) > backs):
        return
    now, then = _log_unseen_posterior(captured, seen, np.vstack((unseen, after)), alpha)
    log_ratio = then - now + float(np.log(widths[seen > 0] / backs[seen > 0]).sum())
    if math.log(1.0 - rng.random()) < log_ratio:
        unseen[:] = after


def _log_unseen_posterior(
    captured: FloatArray, seen: IntArray, unseen: IntArray, alpha: float
) -> FloatArray:
    """log p(m | classes) up to a constant (see UNSEEN_STEP) for each row m of ``unseen``
    (S x K); ``captured`` is J x K."""
    sizes = (seen + unseen).astype(np.float64)
    totals = sizes.sum(axis=1)
    later = totals[:, None] - np.cumsum(sizes, axis=1)
    alpha = max(alpha, _TINY)
    value = gammaln(totals) - gammaln(unseen + 1.0).sum(axis=1)
    value += gammaln(1.0 + sizes[:, None, :] - captured).sum(axis=(1, 2))
    value -= captured.shape[0] * gammaln(2.0 + sizes).sum(axis=1)
    head, rest = sizes[:, :-1], later[:, :-1]
    sticks = gammaln(1.0 + head) + gammaln(alpha + rest) - gammaln(1.0 + alpha + head + rest)
    result: FloatArray = value + sticks.sum(axis=1)
    return result


def _allocate_vectorised(design: _Design, theta: FloatArray, rng: Generator) -> IntArray:
    """Class counts per pattern ((P + 1) x K, the unobserved last) after drawing n0."""
    log_post = design.rows @ theta
    peak = log_post.max(axis=1, keepdims=True)
    weights = np.exp(log_post - peak)
    totals = weights.sum(axis=1)
    log_p0 = float(peak[-1, 0]) + math.log(float(totals[-1]))
    cap = UNSEEN_CAP * design.observed
    design.sizes[-1] = _plain(_draw_unseen)(rng, design.observed, log_p0, cap)
    return rng.multinomial(design.sizes, weights / totals[:, None])


def _log_gamma(shapes: FloatArray, rng: Generator) -> FloatArray:
    """Vectorised :func:`_log_gamma_variate`, with the boost applied to every shape."""
    boosted = np.maximum(rng.standard_gamma(shapes + 1.0), _TINY)
    result: FloatArray = np.log(boosted) + np.log1p(-rng.random(shapes.size)) / shapes
    return result


_CHAINS: dict[
    str,
    Callable[[_Patterns, int, tuple[int, int, int, int], Generator, tuple[float, float]], IntArray],
] = {"compiled": _run_compiled, "vectorised": _run_vectorised}


# --- summaries and convergence diagnostics -------------------------------------------------------


def _summarise(histories: CaptureHistories, draws: IntArray, settings: dict[str, Any]) -> Estimate:
    z = geweke_z(draws)
    ess = effective_sample_size(draws)
    converged = abs(z) < MAX_GEWEKE_Z and ess >= MIN_EFFECTIVE_SAMPLE_SIZE
    low, median, high = np.quantile(draws, [0.025, 0.5, 0.975])
    diagnostics = {
        **settings,
        "mean": float(draws.mean()),
        "geweke_z": z,
        "effective_sample_size": ess,
        "converged": bool(converged),
    }
    return Estimate(
        method="lcmcr",
        lists=histories.lists,
        observed=histories.observed,
        estimate=float(median),
        interval=(float(low), float(high)),
        draws=tuple(float(n) for n in draws),
        diagnostics=diagnostics,
        warnings=() if converged else (NOT_CONVERGED,),
    )


def effective_sample_size(chain: npt.ArrayLike) -> float:
    """Effective sample size by Geyer's (1992) initial monotone positive sequence estimator.

    Capped at the number of draws; a constant chain counts as fully effective."""
    x = np.asarray(chain, dtype=np.float64)
    rho = _autocorrelation(x)
    if rho is None:
        return float(x.size)
    pairs = rho[: 2 * (x.size // 2)].reshape(-1, 2).sum(axis=1)  # Gamma_m = rho_2m + rho_2m+1
    negative = np.flatnonzero(pairs <= 0.0)
    pairs = pairs[: negative[0] if negative.size else pairs.size]
    tau = -1.0 + 2.0 * float(np.minimum.accumulate(pairs).sum())
    return float(min(x.size, x.size / tau)) if tau > 0 else float(x.size)


def _autocorrelation(x: FloatArray) -> FloatArray | None:
    """Sample autocorrelations at lags 0..n-1 by FFT; None for a constant chain."""
    centred = x - x.mean()
    spectrum = np.fft.rfft(centred, 2 * x.size)
    acov = np.fft.irfft(spectrum * spectrum.conj())[: x.size]
    if acov[0] <= 0.0:
        return None
    rho: FloatArray = acov / acov[0]
    return rho


def geweke_z(chain: npt.ArrayLike, first: float = 0.1, last: float = 0.5) -> float:
    """Geweke's (1992) z-score: mean of the first 10% of draws against the last 50%.

    Each mean's variance is its sample variance over its effective sample size."""
    x = np.asarray(chain, dtype=np.float64)
    head, tail = x[: max(2, int(first * x.size))], x[int((1 - last) * x.size) :]
    spread = _variance_of_mean(head) + _variance_of_mean(tail)
    gap = float(head.mean() - tail.mean())
    if spread <= 0.0:
        return 0.0 if gap == 0.0 else float(np.copysign(np.inf, gap))
    return gap / float(np.sqrt(spread))


def _variance_of_mean(x: FloatArray) -> float:
    return float(x.var()) / effective_sample_size(x)
