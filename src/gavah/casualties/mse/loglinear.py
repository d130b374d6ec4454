"""Log-linear multiple systems estimation (Fienberg 1972; Bishop, Fienberg & Holland 1975, ch. 6).

Each model is a Poisson GLM on the 2^k - 1 observable cells of the capture table (zero counts
included, the all-zero cell left out): an intercept, one main effect per list and a chosen set of
two-list interactions. The unobserved cell is predicted as ``exp(intercept)``, since the all-zero
pattern has every list indicator, and so every interaction, equal to zero.

Model space. For k <= 5 lists every subset of the k(k-1)/2 pairwise interactions is fitted
(1,024 models at k = 5). For k >= 6 that is 2^15 or more, so a forward stepwise search is run
instead (start from independence; at each step fit every one-interaction extension and keep the
best by the criterion; stop when none improves it), and the models averaged are *every model
fitted along the way*. This is the search Silverman (2014) used for the UK data, widened into
an average.

Weights. Akaike (AIC = -2 logL + 2p) or Schwarz (BIC = -2 logL + p log n, n = victims observed)
weights, ``w ∝ exp(-Δ/2)``. Point estimate: observed + Σ w·n0.

Intervals. Per model, the delta method on log(n0): ``exp(b0 ± 1.96 se(b0))``, which is the
Wald interval of the intercept (the published Sudan analysis uses the same). The averaged
interval is the 2.5% and 97.5% quantiles of the mixture of those per-model log-normal
distributions, weighted by the model weights, so it widens when plausible models disagree.

Divergence guard (what SparseMSE does with its existence/identifiability checks and its
threshold). A model is dropped, and named in a warning, when
  1. one of its interactions joins two lists with no victim in common: the MLE of that term is
     -inf (Fienberg & Rinaldo 2012; Chan, Silverman & Vincent 2021). We drop the model rather
     than fit the extended MLE;
  2. its design is rank-deficient on the observable cells (not identifiable: e.g. the
     interaction model on two lists);
  3. the fit did not converge or gave a non-finite intercept or standard error;
  4. n0 exceeds ``EXPLOSION_FACTOR`` times the number observed: on sparse tables an interaction
     can drive the intercept towards infinity (the same 100x plausibility rule as the Sudan
     analysis of Dahab et al. 2024).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import statsmodels.api as sm
from scipy import optimize, stats

from gavah.casualties.mse.patterns import CaptureHistories, Estimate
from gavah.errors import InputError

Criterion = Literal["aic", "bic"]
Pair = tuple[int, int]
FloatArray = npt.NDArray[np.float64]

EXPLOSION_FACTOR = 100.0  # rule 4 above
EXHAUSTIVE_MAX_LISTS = 5  # above this, stepwise search
Z95 = float(stats.norm.ppf(0.975))
TOP_MODELS = 10


@dataclass(frozen=True)
class ModelFit:
    """One fitted log-linear model: its interactions (pairs of list indices) and what it says."""

    terms: tuple[Pair, ...]
    n0: float  # predicted victims on no list
    se_log_n0: float  # standard error of the intercept = of log(n0)
    loglik: float
    n_params: int
    deviance: float
    df_resid: int

    def criterion(self, name: Criterion, observed: int) -> float:
        penalty = 2.0 if name == "aic" else math.log(observed)
        return -2.0 * self.loglik + penalty * self.n_params

    def interval(self) -> tuple[float, float]:
        """Delta-method 95% interval for n0 (log-normal)."""
        spread = Z95 * self.se_log_n0
        log_n0 = math.log(self.n0)
        return math.exp(log_n0 - spread), math.exp(log_n0 + spread)


@dataclass(frozen=True)
class Dropped:
    terms: tuple[Pair, ...]
    reason: str


@dataclass(frozen=True)
class ModelSet:
    """Every model fitted for one table: those kept and those the guard dropped."""

    histories: CaptureHistories
    fits: tuple[ModelFit, ...]
    dropped: tuple[Dropped, ...]


def estimate(
    histories: CaptureHistories,
    *,
    criterion: Literal["aic", "bic"] = "aic",
    max_interaction: int = 2,
    seed: int = 0,
) -> Estimate:
    """Model-averaged log-linear estimate of N, the victims on any list plus those on none.

    ``max_interaction`` is 1 (independence only) or 2 (pairwise interactions). ``seed`` is
    accepted for a uniform signature across methods; this method draws no random numbers.
    """
    del seed  # deterministic: delta-method intervals, no bootstrap
    models = fit_models(histories, criterion=criterion, max_interaction=max_interaction)
    return averaged_estimate(models, criterion)


def fit_models(
    histories: CaptureHistories, *, criterion: Criterion = "aic", max_interaction: int = 2
) -> ModelSet:
    """Fit the model space described in the module docstring, applying the divergence guard."""
    k = _check_inputs(histories, criterion, max_interaction)
    patterns = _observable_patterns(k)
    counts = _cell_counts(histories, patterns)
    if max_interaction == 1:
        candidates: Iterable[tuple[Pair, ...]] = [()]
    elif k <= EXHAUSTIVE_MAX_LISTS:
        candidates = _all_pair_subsets(k)
    else:
        return _stepwise(histories, patterns, counts, criterion)
    results = [_fit(histories, patterns, counts, terms) for terms in candidates]
    return _model_set(histories, results)


def averaged_estimate(
    models: ModelSet, criterion: Criterion, method: str = "loglinear"
) -> Estimate:
    """Average the kept models of ``models`` by ``criterion`` weights into an :class:`Estimate`."""
    histories = models.histories
    if not models.fits:
        raise InputError(
            "log-linear MSE: every model was dropped as divergent or not identifiable",
            hint="the lists overlap too little for these models; report the observed count only",
        )
    weights = model_weights(models.fits, criterion, histories.observed)
    n0 = float(np.dot(weights, [f.n0 for f in models.fits]))
    low, high = mixture_interval(models.fits, weights)
    return Estimate(
        method=method,
        lists=histories.lists,
        observed=histories.observed,
        estimate=histories.observed + n0,
        interval=(histories.observed + low, histories.observed + high),
        diagnostics=_diagnostics(models, weights, criterion),
        warnings=_warnings(models),
    )


def model_weights(fits: Sequence[ModelFit], criterion: Criterion, observed: int) -> FloatArray:
    """Akaike or Schwarz weights, exp(-Δ/2) normalised."""
    values = np.array([f.criterion(criterion, observed) for f in fits])
    raw = np.exp(-(values - values.min()) / 2.0)
    return np.asarray(raw / raw.sum(), dtype=np.float64)


def mixture_interval(
    fits: Sequence[ModelFit], weights: Sequence[float] | FloatArray, level: float = 0.95
) -> tuple[float, float]:
    """Quantiles of the weighted mixture of the models' log-normal distributions for n0."""
    means = np.array([math.log(f.n0) for f in fits])
    sds = np.maximum(np.array([f.se_log_n0 for f in fits]), 1e-12)
    w = np.asarray(weights, dtype=np.float64)
    tail = (1.0 - level) / 2.0
    return (
        _mixture_quantile(means, sds, w, tail),
        _mixture_quantile(means, sds, w, 1.0 - tail),
    )


def _mixture_quantile(means: FloatArray, sds: FloatArray, w: FloatArray, q: float) -> float:
    def cdf_gap(x: float) -> float:
        return float(np.dot(w, stats.norm.cdf((x - means) / sds))) - q

    low = float((means - 10 * sds).min())
    high = float((means + 10 * sds).max())
    return math.exp(float(optimize.brentq(cdf_gap, low, high, xtol=1e-10)))


def _check_inputs(histories: CaptureHistories, criterion: str, max_interaction: int) -> int:
    k = len(histories.lists)
    if k < 2:
        raise InputError(f"log-linear MSE needs at least 2 lists, got {k}")
    if criterion not in ("aic", "bic"):
        raise InputError(f"criterion must be 'aic' or 'bic', got {criterion!r}")
    if max_interaction not in (1, 2):
        raise InputError(
            f"max_interaction={max_interaction} is not supported",
            hint="use 1 (independence) or 2 (pairwise interactions)",
        )
    if histories.observed == 0:
        raise InputError("log-linear MSE: no victim is on any list")
    return k


def _observable_patterns(k: int) -> npt.NDArray[np.int8]:
    rows = [p for p in itertools.product((0, 1), repeat=k) if any(p)]
    return np.array(rows, dtype=np.int8)


def _cell_counts(histories: CaptureHistories, patterns: npt.NDArray[np.int8]) -> FloatArray:
    table = histories.table()
    return np.array([table[tuple(p)] for p in patterns], dtype=np.float64)


def _all_pair_subsets(k: int) -> Iterable[tuple[Pair, ...]]:
    pairs = list(itertools.combinations(range(k), 2))
    for size in range(len(pairs) + 1):
        yield from itertools.combinations(pairs, size)


def _design(patterns: npt.NDArray[np.int8], terms: Sequence[Pair]) -> FloatArray:
    columns = [np.ones(len(patterns)), *patterns.T.astype(np.float64)]
    columns += [(patterns[:, i] * patterns[:, j]).astype(np.float64) for i, j in terms]
    return np.column_stack(columns)


def _fit(
    histories: CaptureHistories,
    patterns: npt.NDArray[np.int8],
    counts: FloatArray,
    terms: tuple[Pair, ...],
) -> ModelFit | Dropped:
    """Fit one model, or say why it was dropped (rules 1-4 of the module docstring)."""
    empty = [t for t in terms if not _overlap(patterns, counts, t)]
    if empty:
        return Dropped(terms, f"lists {_pair_names(histories, empty)} share no victim")
    x = _design(patterns, terms)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return Dropped(terms, "not identifiable (more parameters than informative cells)")
    result = _glm(counts, x)
    if result is None:
        return Dropped(terms, "the fit did not converge")
    fit = _model_fit(terms, result, x.shape[1])
    limit = EXPLOSION_FACTOR * histories.observed
    if not (math.isfinite(fit.n0) and math.isfinite(fit.se_log_n0)) or fit.n0 > limit:
        return Dropped(terms, f"divergent: n0 = {fit.n0:.4g} (limit {limit:.4g})")
    if fit.n0 <= 0 or math.log(fit.n0) + Z95 * fit.se_log_n0 > math.log(limit * UNBOUNDED):
        # Tiny strata: the point may be finite while its interval runs past any number.
        return Dropped(
            terms,
            f"not identifiable: the data cannot bound its estimate "
            f"(standard error of log n0 = {fit.se_log_n0:.3g})",
        )
    return fit


UNBOUNDED = 1e6  # an upper bound a million times the explosion limit is no bound at all


def _overlap(patterns: npt.NDArray[np.int8], counts: FloatArray, pair: Pair) -> bool:
    both = (patterns[:, pair[0]] == 1) & (patterns[:, pair[1]] == 1)
    return bool(counts[both].sum() > 0)


def _glm(counts: FloatArray, x: FloatArray) -> Any | None:
    """statsmodels Poisson GLM (IRLS); None when it fails or does not converge."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is checked below, not printed
        try:
            result = sm.GLM(counts, x, family=sm.families.Poisson()).fit(maxiter=200)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return None
    return result if bool(getattr(result, "converged", True)) else None


def _model_fit(terms: tuple[Pair, ...], result: Any, n_params: int) -> ModelFit:
    intercept = float(result.params[0])
    se = float(result.bse[0])
    return ModelFit(
        terms=terms,
        n0=math.exp(intercept) if intercept < 700 else math.inf,
        se_log_n0=se,
        loglik=float(result.llf),
        n_params=n_params,
        deviance=float(result.deviance),
        df_resid=int(round(result.df_resid)),
    )


def _model_set(histories: CaptureHistories, results: Iterable[ModelFit | Dropped]) -> ModelSet:
    kept = tuple(r for r in results if isinstance(r, ModelFit))
    dropped = tuple(r for r in results if isinstance(r, Dropped))
    return ModelSet(histories, kept, dropped)


def _stepwise(
    histories: CaptureHistories,
    patterns: npt.NDArray[np.int8],
    counts: FloatArray,
    criterion: Criterion,
) -> ModelSet:
    """Forward stepwise over pairwise interactions (k >= 6); returns every model it fitted."""
    pairs = list(itertools.combinations(range(len(histories.lists)), 2))
    seen: dict[tuple[Pair, ...], ModelFit | Dropped] = {}
    current: tuple[Pair, ...] = ()
    seen[current] = _fit(histories, patterns, counts, current)
    while True:
        extensions = [tuple(sorted((*current, p))) for p in pairs if p not in current]
        for terms in extensions:
            if terms not in seen:
                seen[terms] = _fit(histories, patterns, counts, terms)
        best = _best(histories, [seen[t] for t in extensions], criterion)
        base = seen[current]
        if best is None or (
            isinstance(base, ModelFit)
            and best.criterion(criterion, histories.observed)
            >= base.criterion(criterion, histories.observed)
        ):
            return _model_set(histories, seen.values())
        current = best.terms


def _best(
    histories: CaptureHistories, results: Sequence[ModelFit | Dropped], criterion: Criterion
) -> ModelFit | None:
    fits = [r for r in results if isinstance(r, ModelFit)]
    return min(fits, key=lambda f: f.criterion(criterion, histories.observed), default=None)


def _pair_names(histories: CaptureHistories, pairs: Sequence[Pair]) -> str:
    return ", ".join(f"{histories.lists[i]}×{histories.lists[j]}" for i, j in pairs)


def term_names(histories: CaptureHistories, terms: Sequence[Pair]) -> list[str]:
    return [f"{histories.lists[i]}×{histories.lists[j]}" for i, j in terms]


def _diagnostics(models: ModelSet, weights: FloatArray, criterion: Criterion) -> dict[str, Any]:
    histories = models.histories
    order = np.argsort(-weights, kind="stable")[:TOP_MODELS]
    return {
        "models": [_model_row(histories, models.fits[i], float(weights[i])) for i in order],
        "criterion": criterion,
        "n_models": len(models.fits),
        "dropped": [
            {"terms": term_names(histories, d.terms), "reason": d.reason} for d in models.dropped
        ],
    }


def _model_row(histories: CaptureHistories, fit: ModelFit, weight: float) -> dict[str, Any]:
    return {
        "terms": term_names(histories, fit.terms),
        "aic": fit.criterion("aic", histories.observed),
        "bic": fit.criterion("bic", histories.observed),
        "weight": weight,
        "n0": fit.n0,
        "interval": list(fit.interval()),
    }


def _warnings(models: ModelSet) -> tuple[str, ...]:
    if not models.dropped:
        return ()
    listed = "; ".join(
        f"[{', '.join(term_names(models.histories, d.terms)) or 'independence'}]: {d.reason}"
        for d in models.dropped
    )
    return (
        f"{len(models.dropped)} model(s) left out of the average, each with its reason: {listed}",
    )
