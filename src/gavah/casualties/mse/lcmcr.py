"""LCMCR: the Bayesian latent-class model of Manrique-Vallier (2016), as HRDAG uses it.

Model (D. Manrique-Vallier, "Bayesian population size estimation using Dirichlet process
mixtures", Biometrics 72(4), 2016): every one of the N victims belongs to one of K latent classes
with weights ``pi`` from a truncated stick-breaking (Dirichlet process) prior with concentration
``alpha ~ Gamma(a_alpha, b_alpha)``; within class k, list j records a victim independently with
probability ``lambda[j, k] ~ Beta(1, 1)``; and ``p(N) ∝ 1/N``. Heterogeneous capture
probabilities (some victims are on many lists, some on almost none) are what the classes absorb.

The Gibbs sampler augments the data with the n0 unobserved victims (section 3 of the paper). It
works on the distinct capture patterns and their counts, never on single records: the class
allocation of all the victims sharing a pattern is one multinomial draw, and the n0 unlisted
victims (all sharing the all-zero pattern) are allocated by one more. A sweep therefore costs
O(patterns x K x lists), whatever the number of victims.

Validation status (tests/mse/test_lcmcr.py): on HRDAG's five simulation designs (StanLCMCR;
sim1 is Manrique-Vallier's own), 95% intervals covered the known total in 191 of 200 simulated
populations (95.5%) with 5,000 sweeps and 1,000 draws thinned by 5, and 186 of 200 (93%) with
1,000 sweeps thinned by 2; on our own two-class design, 178 of 200 (89%), 92 of 100 with longer
chains: short chains give intervals somewhat narrow. On the Colombian
forced-recruitment stratum published with verdata (men, 1999, replicate R1) chains started as
the LCMCR package starts them reproduce the published posterior (seed 19481210: mean 2,049,
2.5%/50%/97.5% 1,393/2,031/3,011 against 2,066 and 1,396/2,068/3,062). That posterior is
bimodal and short chains switch modes rarely (another seed gave a mean of 1,662): the
effective-sample-size check then reports non-convergence, and only long runs should be used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.random import PCG64, Generator

from gavah.casualties.mse.patterns import CaptureHistories, Estimate
from gavah.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MAX_DEFAULT_CLASSES = 15  # verdata's default truncation, K = min(2^lists - 1, 15)
MIN_LISTS = 3  # with two lists a latent-class model is not identified
MIN_SAMPLES = 20
MIN_EFFECTIVE_SAMPLE_SIZE = 100
WARMUP_SWEEPS = 500  # LCMCR's initialisation sweeps, before burn-in
MAX_GEWEKE_Z = 2.0
_TINY = float(np.finfo(np.float64).tiny)  # keeps logs finite when a draw rounds to 0 or 1
NOT_CONVERGED = (
    "the sampler may not have converged: run longer (more --samples, --burnin or --thinning); "
    "LCMCR posteriors can have several modes that short chains visit unevenly"
)


@dataclass(frozen=True)
class _Patterns:
    """The observed data: distinct capture patterns (P x J, 0/1) and their counts."""

    x: FloatArray
    counts: IntArray

    @property
    def observed(self) -> int:
        return int(self.counts.sum())


@dataclass
class _State:
    """One state of the chain: capture probabilities (J x K), class weights, concentration."""

    lam: FloatArray
    pi: FloatArray
    alpha: float


def default_classes(n_lists: int) -> int:
    """verdata's default truncation level K = min(2^lists - 1, 15)."""
    return int(min(2**n_lists - 1, MAX_DEFAULT_CLASSES))


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
) -> Estimate:
    """Posterior of the total N under LCMCR: median, 95% interval and ``samples`` draws.

    The chain runs ``burnin + samples * thinning`` Gibbs sweeps and keeps every ``thinning``-th
    after burn-in. The same inputs and ``seed`` give the same draws on the same numpy version.
    """
    classes = default_classes(len(histories.lists)) if K is None else K
    _check_arguments(histories, classes, burnin, samples, thinning, a_alpha, b_alpha)
    x, counts = histories.as_matrix()
    data = _Patterns(x[counts > 0].astype(np.float64), counts[counts > 0])
    rng = Generator(PCG64(seed))
    draws = _run_chain(data, classes, burnin, samples, thinning, rng, (a_alpha, b_alpha))
    settings = {"K": classes, "burnin": burnin, "samples": samples, "thinning": thinning}
    return _summarise(histories, draws, {**settings, "seed": seed})


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


def _run_chain(
    data: _Patterns,
    K: int,
    burnin: int,
    samples: int,
    thinning: int,
    rng: Generator,
    prior: tuple[float, float],
) -> IntArray:
    """Draws of N, one every ``thinning`` sweeps after ``burnin`` sweeps."""
    state = _initial_state(data, K)
    for _ in range(WARMUP_SWEEPS):  # LCMCR's own start: alpha held while the classes settle
        _sweep(state, data, rng, prior, update_alpha=False)
    _order_classes(state)
    draws = np.empty(samples, dtype=np.int64)
    for sweep in range(burnin + samples * thinning):
        n0 = _sweep(state, data, rng, prior)
        kept, rest = divmod(sweep - burnin + 1, thinning)
        if sweep >= burnin and rest == 0:
            draws[kept - 1] = data.observed + n0
    return draws


def _initial_state(data: _Patterns, K: int) -> _State:
    """The LCMCR package's start (CNPLCM_CR_Basic_Freq::Initializes): every class captures like
    the lists' observed shares, four heavy classes and a light tail, a small concentration.

    The start matters: from random capture probabilities the chain tends to settle in a sticky
    state (about 1,430 on the Colombian R1 stratum) that it rarely leaves, while from this start
    it reproduces the published posterior (mean about 2,000 against 2,066)."""
    shares = (data.x * data.counts[:, None]).sum(axis=0) / data.observed
    lam = np.repeat(shares[:, None], K, axis=1)
    if K > 4:
        pi = np.concatenate((np.full(4, 0.225), np.full(K - 4, 0.1 / (K - 4))))
    else:
        pi = np.full(K, 1.0 / K)
    return _State(lam=lam, pi=pi, alpha=0.3 / K)


def _order_classes(state: _State) -> None:
    """Relabel classes by decreasing weight, as LCMCR does after its warm-up: the stick-breaking
    prior favours heavy classes first, and a chain whose occupied classes lie far down the
    stick mixes badly."""
    order = np.argsort(-state.pi, kind="stable")
    state.pi = state.pi[order]
    state.lam = state.lam[:, order]


def _sweep(
    state: _State,
    data: _Patterns,
    rng: Generator,
    prior: tuple[float, float],
    *,
    update_alpha: bool = True,
) -> int:
    """One Gibbs sweep (the paper's steps 1-5); updates ``state`` and returns n0."""
    log_lam = np.log(np.maximum(state.lam, _TINY))
    log_miss = np.log(np.maximum(1.0 - state.lam, _TINY))  # log P(list j misses | class k)
    log_pi = np.log(np.maximum(state.pi, _TINY))
    observed = _allocate_observed(data, log_lam, log_miss, log_pi, rng)
    n0, unobserved = _allocate_unobserved(data.observed, log_miss, log_pi, rng)
    state.lam = _draw_capture_probabilities(data, observed, unobserved, rng)
    sizes = observed.sum(axis=0) + unobserved
    state.pi, log_stay = _draw_class_weights(sizes, state.alpha, rng)
    if update_alpha:
        a_alpha, b_alpha = prior
        state.alpha = _draw_concentration(log_stay, a_alpha, b_alpha, rng)
    return n0


def _allocate_observed(
    data: _Patterns, log_lam: FloatArray, log_miss: FloatArray, log_pi: FloatArray, rng: Generator
) -> IntArray:
    """Class counts per pattern (P x K): Multinomial(count, P(class | pattern))."""
    log_post = data.x @ log_lam + (1.0 - data.x) @ log_miss + log_pi
    return rng.multinomial(data.counts, _normalise(log_post))


def _allocate_unobserved(
    n_obs: int, log_miss: FloatArray, log_pi: FloatArray, rng: Generator
) -> tuple[int, IntArray]:
    """n0 ~ NegBin(n_obs, 1 - p0) under p(N) ∝ 1/N, then the n0 victims' class counts."""
    log_joint = log_pi + log_miss.sum(axis=0)  # log P(class k and on no list)
    peak = float(log_joint.max())
    log_p0 = peak + float(np.log(np.exp(log_joint - peak).sum()))
    seen = max(-float(np.expm1(min(log_p0, 0.0))), 1e-12)  # 1 - p0 without cancellation
    n0 = int(rng.negative_binomial(n_obs, seen))
    return n0, rng.multinomial(n0, _normalise(log_joint))


def _draw_capture_probabilities(
    data: _Patterns, observed: IntArray, unobserved: IntArray, rng: Generator
) -> FloatArray:
    """lambda[j, k] ~ Beta(1 + captured, 1 + missed) within class k (unobserved miss all)."""
    captured = data.x.T @ observed  # J x K
    sizes = observed.sum(axis=0) + unobserved
    return rng.beta(1.0 + captured, 1.0 + sizes - captured)


def _draw_class_weights(
    sizes: IntArray, alpha: float, rng: Generator
) -> tuple[FloatArray, FloatArray]:
    """Stick-breaking V_k ~ Beta(1 + n_k, alpha + sum_{l>k} n_l), V_K = 1 (truncation).

    Returns the weights pi and log(1 - V_k) for k < K. V is drawn as G1 / (G1 + G2) from two
    Gamma variates kept in logs: when alpha is small, 1 - V of an empty tail class is far below
    1e-16, and computing it as ``1 - V`` would round it to 0, inflate the concentration's rate
    and trap alpha near 0 (a numerical, not a statistical, effect)."""
    later = np.cumsum(sizes[::-1])[::-1][1:]  # sum_{l>k} n_l for k < K
    log_g1 = _log_gamma(1.0 + sizes[:-1], rng)
    log_g2 = _log_gamma(alpha + later, rng)
    log_total = np.logaddexp(log_g1, log_g2)
    log_stay = log_g2 - log_total  # log(1 - V_k)
    log_pi = np.append(log_g1 - log_total, 0.0) + np.concatenate(([0.0], np.cumsum(log_stay)))
    return np.exp(log_pi), log_stay


def _log_gamma(shapes: npt.ArrayLike, rng: Generator) -> FloatArray:
    """log of Gamma(shape, 1) variates, exact for small shapes: G = G' U^(1/shape) with
    G' ~ Gamma(shape + 1) and U uniform (Marsaglia and Tsang 2000, section 6)."""
    shape = np.asarray(shapes, dtype=np.float64)
    boosted = rng.standard_gamma(shape + 1.0)
    log_u = np.log(rng.uniform(size=shape.shape))
    result: FloatArray = np.log(boosted) + log_u / shape
    return result


def _draw_concentration(
    log_stay: FloatArray, a_alpha: float, b_alpha: float, rng: Generator
) -> float:
    """alpha ~ Gamma(a + K - 1, rate b - sum_{k<K} log(1 - V_k)); V_K = 1 is left out."""
    rate = b_alpha - float(log_stay.sum())
    return float(rng.gamma(a_alpha + log_stay.size, 1.0 / rate))


def _normalise(log_weights: FloatArray) -> FloatArray:
    """Rows of probabilities from rows of log weights, safe against underflow."""
    w = np.exp(log_weights - log_weights.max(axis=-1, keepdims=True))
    probs: FloatArray = w / w.sum(axis=-1, keepdims=True)
    return probs


def _summarise(histories: CaptureHistories, draws: IntArray, settings: dict[str, int]) -> Estimate:
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
