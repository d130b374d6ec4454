"""Log-linear MSE with record-level covariates (Rossi 2010), as Dahab et al. (2024) used it.

Plain log-linear models (:mod:`gavah.casualties.mse.loglinear`) give every person the same
chance of being on a list. When that chance depends on something recorded about each person
(the month of death, the cause, how many times the death was reported), the pooled table hides
it and the estimate is biased. Rossi's record-level model adjusts for such covariates:

- each observed person *i* gets one row per observable capture pattern (2^k - 1 rows), with
  y = 1 on the pattern the person has and 0 on the others;
- a Poisson GLM fits list main effects, a chosen set of two-list interactions, each covariate,
  and each covariate times each list and interaction term (so a covariate may change how
  likely each list is to record someone, and how lists depend on each other);
- the person's row for the all-zero pattern (every list term 0) predicts how many people like
  them no list recorded: ``exp(b0 + sum_c g_c z_ic)``; summed over people this is n0.

Model space: every subset of the pairwise interactions, for 3 or 4 lists (8 or 64 models),
weighted by AIC (or BIC), ``w ~ exp(-delta/2)``, as in :mod:`loglinear`. A model is dropped,
with its reason, when its design is not of full rank (R's ``glm`` gives NA coefficients there
and the published code skips the model), when the fit fails, or when n0 is more than 100 times
the number observed. Optionally (``overfit_p``), models whose likelihood-ratio test against the
model with every interaction has p above a bound are dropped, as the published code does with
0.6.

People with a missing covariate are left out of the fit and add no unlisted people, which is
what R's default ``na.omit`` did in the published code; they still count as observed. The
estimate warns with their number, because it then undercounts.

Intervals, per model:
- the delta method on log n0 with the full parameter covariance (``se_log_n0``), so the model
  mixture interval of :mod:`loglinear` applies unchanged;
- the published style, ``sum_i exp(eta_i +/- 1.96 se(eta_i))``, kept as ``summed_interval``:
  it treats every person's error as perfectly correlated with every other's. The averaged
  estimate reports it in its diagnostics, for comparison with published figures.

Hand-written: only the design matrix (no Python library builds Rossi's design); statsmodels
does every fit.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import statsmodels.api as sm
from scipy import stats

from gavah.casualties.mse import loglinear
from gavah.casualties.mse.loglinear import Criterion, Pair
from gavah.casualties.mse.patterns import Estimate
from gavah.errors import InputError

FloatArray = npt.NDArray[np.float64]
MIN_LISTS, MAX_LISTS = 3, 4
NEWTON_STEPS = 50  # from a warm start a fit converges in under 10; one still moving diverges


@dataclass(frozen=True)
class CovariateFit(loglinear.ModelFit):
    """A record-level model: a log-linear :class:`ModelFit` plus the published-style interval
    and the likelihood-ratio p-value against the model with every interaction."""

    summed_interval: tuple[float, float] = (math.nan, math.nan)
    lr_p: float = math.nan


@dataclass(frozen=True)
class CovariateModels:
    lists: tuple[str, ...]
    covariates: tuple[str, ...]
    observed: int  # every person, with or without all covariates
    modelled: int  # people with every covariate, who are in the fits
    fits: tuple[CovariateFit, ...]
    dropped: tuple[loglinear.Dropped, ...]
    constant: tuple[str, ...] = ()  # covariates with one value for everyone: left out


def fit_models(
    histories: Sequence[Sequence[int]] | npt.NDArray[Any],
    covariates: Mapping[str, Sequence[float] | FloatArray],
    lists: Sequence[str],
    *,
    overfit_p: float | None = None,
) -> CovariateModels:
    """Fit every pairwise model on ``histories`` (one 0/1 row per observed person, one column per
    list) with ``covariates`` (name -> one number per person; NaN when unknown). Encode a
    category as 0/1 columns first (:func:`indicators`)."""
    h, z, names = _check(histories, covariates, lists)
    complete = ~np.isnan(z).any(axis=1) if names else np.ones(len(h), dtype=bool)
    h, z = h[complete], z[complete]
    constant = [name for i, name in enumerate(names) if np.ptp(z[:, i]) == 0] if len(z) else []
    varying = [i for i, name in enumerate(names) if name not in constant]
    z = _standardised(z[:, varying])
    k = h.shape[1]
    patterns = np.array([p for p in itertools.product((0, 1), repeat=k) if any(p)], dtype=float)
    observed_index = _pattern_index(h, patterns)
    pairs = list(itertools.combinations(range(k), 2))
    candidates = [c for r in range(len(pairs) + 1) for c in itertools.combinations(pairs, r)]
    base = _fit(patterns, observed_index, z, (), None)
    start = base.start if isinstance(base, _Result) else None
    results = [base] + [_fit(patterns, observed_index, z, t, start) for t in candidates[1:]]
    fits = [r for r in results if isinstance(r, _Result)]
    dropped = [r for r in results if isinstance(r, loglinear.Dropped)]
    saturated = next(
        (
            r
            for r in results
            if isinstance(r, _Result | _Unconverged) and len(r.terms) == len(pairs)
        ),
        None,
    )
    kept = []
    for r in fits:
        fit = r.as_fit(saturated)
        if fit.n0 > loglinear.EXPLOSION_FACTOR * len(h):
            dropped.append(loglinear.Dropped(r.terms, f"implausible: {fit.n0:,.0f} unlisted"))
        elif overfit_p is not None and fit.lr_p > overfit_p:
            dropped.append(
                loglinear.Dropped(r.terms, f"possible over-fitting (LR p = {fit.lr_p:.2f})")
            )
        else:
            kept.append(fit)
    return CovariateModels(
        tuple(lists), tuple(names), int(complete.size), int(complete.sum()), tuple(kept),
        tuple(dropped), tuple(constant),
    )  # fmt: skip


def averaged_estimate(
    models: CovariateModels, criterion: Criterion = "aic", method: str = "loglinear-covariates"
) -> Estimate:
    """Average the kept models by ``criterion`` weights. The interval is the model mixture of
    delta-method intervals; the published-style one is in ``diagnostics``."""
    if not models.fits:
        raise InputError(
            "log-linear MSE with covariates: every model was dropped",
            hint="; ".join(f"{_terms(models, d.terms)}: {d.reason}" for d in models.dropped)
            or None,
        )
    w = loglinear.model_weights(models.fits, criterion, max(models.modelled, 2))
    n0 = float(np.dot(w, [f.n0 for f in models.fits]))
    low, high = loglinear.mixture_interval(models.fits, w)
    summed = [float(np.dot(w, [f.summed_interval[i] for f in models.fits])) for i in (0, 1)]
    observed = models.observed
    return Estimate(
        method=method,
        lists=models.lists,
        observed=observed,
        estimate=observed + n0,
        interval=(observed + low, observed + high),
        diagnostics={
            "covariates": list(models.covariates),
            "criterion": criterion,
            "modelled": models.modelled,
            "published_style_interval": [observed + summed[0], observed + summed[1]],
            "models": [_row(models, f, float(wi)) for f, wi in zip(models.fits, w, strict=True)],
            "dropped": [
                {"model": _terms(models, d.terms), "reason": d.reason} for d in models.dropped
            ],
        },
        warnings=_warnings(models),
    )


def indicators(values: Sequence[str | None], name: str) -> dict[str, FloatArray]:
    """0/1 columns for a category, one per value but the most common (the reference); an
    unknown value (None) gives NaN in every column."""
    known = [v for v in values if v is not None]
    if not known:
        raise InputError(f"covariate {name!r} has no known value")
    levels = sorted(set(known), key=lambda v: (-known.count(v), v))
    return {
        f"{name}={level}": np.array(
            [math.nan if v is None else float(v == level) for v in values], dtype=np.float64
        )
        for level in levels[1:]
    }


# --- Fitting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unconverged(loglinear.Dropped):
    """A fit still moving after ``NEWTON_STEPS``: some coefficient heads to infinity (a
    pattern the covariates separate). Dropped, but its log-likelihood, close to the supremum,
    still serves the likelihood-ratio test when it is the model with every interaction (as
    R's ``glm``, which stops on a flat deviance, gives it)."""

    loglik: float = math.nan
    df_resid: int = 0


@dataclass(frozen=True)
class _Result:
    terms: tuple[Pair, ...]
    n0: float
    se_log_n0: float
    summed: tuple[float, float]
    loglik: float
    n_params: int
    deviance: float
    df_resid: int
    start: dict[str, float]  # fitted coefficients by column name, to start nested fits from

    def as_fit(self, saturated: _Result | _Unconverged | None) -> CovariateFit:
        if saturated is self:
            lr_p = 1.0
        elif saturated is None:  # nothing to test against
            lr_p = math.nan
        else:
            df = self.df_resid - saturated.df_resid
            statistic = max(-2.0 * (self.loglik - saturated.loglik), 0.0)
            lr_p = float(stats.chi2.sf(statistic, df)) if df > 0 else 1.0
        return CovariateFit(
            terms=self.terms, n0=self.n0, se_log_n0=self.se_log_n0, loglik=self.loglik,
            n_params=self.n_params, deviance=self.deviance, df_resid=self.df_resid,
            summed_interval=self.summed, lr_p=lr_p,
        )  # fmt: skip


def _fit(
    patterns: FloatArray, observed_index: npt.NDArray[np.intp], z: FloatArray,
    terms: tuple[Pair, ...], start: Mapping[str, float] | None,
) -> _Result | loglinear.Dropped:  # fmt: skip
    """Newton's method; a model with interactions starts from the independence model's
    coefficients (new terms at 0): the same maximum as from scratch, several times faster."""
    x, x0, columns = _design(patterns, z, terms)
    m = len(patterns)
    y = (np.tile(np.arange(m), len(z)) == np.repeat(observed_index, m)).astype(float)
    if np.linalg.matrix_rank(x.T @ x) < x.shape[1]:  # the Gram matrix: same rank, far smaller
        return loglinear.Dropped(terms, "not identifiable (design not of full rank)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            initial = start or {"1": math.log(1.0 / len(patterns))}
            result = sm.GLM(y, x, family=sm.families.Poisson()).fit(
                method="newton",
                start_params=np.array([initial.get(c, 0.0) for c in columns]),
                maxiter=NEWTON_STEPS,
            )
            if not result.mle_retvals["converged"]:
                reason = "the fit did not converge (a coefficient diverges)"
                return _Unconverged(terms, reason, float(result.llf), int(result.df_resid))
    except (ValueError, np.linalg.LinAlgError) as exc:
        return loglinear.Dropped(terms, f"fit failed: {exc}")
    beta = np.asarray(result.params, dtype=np.float64)
    cov = np.asarray(result.cov_params(), dtype=np.float64)
    eta = x0 @ beta
    se_eta = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x0, cov, x0), 0.0))
    with np.errstate(over="ignore"):
        mu = np.exp(eta)
        n0 = float(mu.sum())
        gradient = mu @ x0  # d n0 / d beta
        se_log_n0 = math.sqrt(max(float(gradient @ cov @ gradient), 0.0)) / n0
        summed = (
            float(np.exp(eta - loglinear.Z95 * se_eta).sum()),
            float(np.exp(eta + loglinear.Z95 * se_eta).sum()),
        )
    if not (math.isfinite(n0) and math.isfinite(se_log_n0) and n0 > 0):
        return loglinear.Dropped(terms, "the fit diverged (no finite estimate)")
    return _Result(
        terms, n0, se_log_n0, summed, float(result.llf), x.shape[1], float(result.deviance),
        int(result.df_resid), dict(zip(columns, beta.tolist(), strict=True)),
    )  # fmt: skip


def _design(
    patterns: FloatArray, z: FloatArray, terms: Sequence[Pair]
) -> tuple[FloatArray, FloatArray, list[str]]:
    """Rows person-major (person i, pattern j at i*m + j): intercept, list terms, then for each
    covariate the covariate and the covariate times each list term. ``x0``: one row per person
    for the all-zero pattern. Column names identify a term across models."""
    features = np.column_stack([patterns] + [patterns[:, a] * patterns[:, b] for a, b in terms])
    names = [f"L{i}" for i in range(patterns.shape[1])] + [f"L{a}xL{b}" for a, b in terms]
    columns = ["1", *names]
    for c in range(z.shape[1]):
        columns += [f"z{c}", *(f"z{c}:{name}" for name in names)]
    n, m = len(z), len(patterns)
    base = np.tile(features, (n, 1))
    zrep = np.repeat(z, m, axis=0)
    blocks = [np.ones((n * m, 1)), base]
    for c in range(z.shape[1]):
        blocks += [zrep[:, c : c + 1], zrep[:, c : c + 1] * base]
    x0_blocks = [np.ones((n, 1)), np.zeros((n, features.shape[1]))]
    for c in range(z.shape[1]):
        x0_blocks += [z[:, c : c + 1], np.zeros((n, features.shape[1]))]
    return np.hstack(blocks), np.hstack(x0_blocks), columns


def _standardised(z: FloatArray) -> FloatArray:
    """Centre and scale each covariate: the same models (a linear reparametrisation), but a
    well-conditioned design, so the fits converge fast (a month index near 24,000 does not)."""
    if not z.size:
        return z
    spread = z.std(axis=0)
    return np.asarray((z - z.mean(axis=0)) / np.where(spread > 0, spread, 1.0), dtype=np.float64)


def _pattern_index(h: npt.NDArray[np.int8], patterns: FloatArray) -> npt.NDArray[np.intp]:
    lookup = {tuple(int(v) for v in p): i for i, p in enumerate(patterns)}
    return np.array([lookup[tuple(int(v) for v in row)] for row in h], dtype=np.intp)


def _check(
    histories: Sequence[Sequence[int]] | npt.NDArray[Any],
    covariates: Mapping[str, Sequence[float] | FloatArray],
    lists: Sequence[str],
) -> tuple[npt.NDArray[np.int8], FloatArray, list[str]]:
    h = np.asarray(histories, dtype=np.int8)
    if h.ndim != 2 or h.shape[1] != len(lists):
        raise InputError(f"capture histories need one 0/1 column per list ({len(lists)})")
    if not MIN_LISTS <= len(lists) <= MAX_LISTS:
        raise InputError(
            f"log-linear MSE with covariates takes {MIN_LISTS} or {MAX_LISTS} lists, "
            f"got {len(lists)}",
            hint="with more lists, merge some, or use --method lcmcr without covariates",
        )
    if not np.isin(h, (0, 1)).all() or (h.sum(axis=1) == 0).any():
        raise InputError("each person must be on at least one list, with 0/1 values")
    names = list(covariates)
    columns = []
    for name in names:
        column = np.asarray(covariates[name], dtype=np.float64)
        if column.shape != (len(h),):
            raise InputError(f"covariate {name!r} has {column.size} values for {len(h)} people")
        columns.append(column)
    z = np.column_stack(columns) if columns else np.zeros((len(h), 0))
    return h, z, names


def _terms(models: CovariateModels, terms: Sequence[Pair]) -> str:
    if not terms:
        return "no interactions"
    return " + ".join(f"{models.lists[a]}×{models.lists[b]}" for a, b in terms)


def _row(models: CovariateModels, fit: CovariateFit, weight: float) -> dict[str, Any]:
    return {
        "model": _terms(models, fit.terms),
        "weight": weight,
        "aic": fit.criterion("aic", models.modelled),
        "unlisted": fit.n0,
        "interval": list(fit.interval()),
        "published_style_interval": list(fit.summed_interval),
        "lr_p": fit.lr_p,
    }


def _warnings(models: CovariateModels) -> tuple[str, ...]:
    out = []
    missing = models.observed - models.modelled
    if missing:
        out.append(
            f"{missing} of {models.observed} people lack a covariate "
            f"({', '.join(models.covariates)}): they count as observed but add no unlisted "
            "people, so the total is too low by roughly that share of the unlisted"
        )
    if models.constant:
        out.append(
            f"left out {', '.join(models.constant)}: the same value for everyone, "
            "so it cannot explain who is recorded"
        )
    if models.dropped:
        out.append(
            f"{len(models.dropped)} model(s) left out of the average, each with its reason: "
            + "; ".join(f"{_terms(models, d.terms)} ({d.reason})" for d in models.dropped)
        )
    return tuple(out)
