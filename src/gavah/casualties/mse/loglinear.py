"""Log-linear multiple systems estimation (Fienberg 1972; Bishop, Fienberg & Holland 1975, ch. 6;
Cormack 1989), the models of the R package Rcapture (Baillargeon & Rivest 2007).

Each model is a Poisson GLM on the 2^k - 1 observable cells of the capture table (zero counts
included, the all-zero cell left out): an intercept, one main effect per list and a chosen set of
interactions, each between two or three lists. The unobserved cell is predicted as
``exp(intercept)``, since the all-zero pattern has every list indicator, and so every interaction,
equal to zero. Fitted to the same model, gavah and Rcapture's ``closedpCI.t`` give the same
abundance, standard error, deviance and AIC (tests/mse/test_loglinear_hierarchical.py).

Model space: hierarchical models. A three-list term enters only with its three two-list terms;
the k-list term never does (with the all-zero cell missing it cannot be told apart from n0), so
three lists allow no three-list term and four lists allow all four.
- k = 2: independence (Lincoln-Petersen), the only identifiable model;
- k = 3: the 8 subsets of the three two-list terms;
- k = 4: all 113 hierarchical models with terms of up to three lists (the space of Rcapture's
  ``closedpMS.t(maxorder = 3)``);
- k = 5: all 1,024 subsets of the two-list terms, then a forward stepwise search from the best of
  them that may add two- and three-list terms (all 6,212 hierarchical models take six times as
  long, and on the sparse UK and Netherlands tables their AIC average leans on three-list terms
  resting on a handful of people: UK 2013 in five lists, 24,080 against 14,358);
- k >= 6: forward stepwise from independence over two- and three-list terms.
The stepwise search (Silverman 2014 used it for the UK data) fits every one-term hierarchical
extension of the current model, keeps the best by the criterion and stops when none improves it;
the models averaged are *every model fitted along the way*. ``max_interaction=2`` keeps two-list
terms only (the model space before three-list terms), ``max_interaction=1`` independence only.

Weights. Akaike (AIC = -2 logL + 2p, the default) or Schwarz (BIC = -2 logL + p log n, n = victims
observed) weights, ``w ∝ exp(-Δ/2)``. Point estimate: observed + Σ w·n0. AIC is the default
because n0 is an extrapolation to a cell nobody sees: leaving out a dependence the lists have
biases it with an interval that misses the truth, while including one they lack only widens the
interval. BIC's penalty grows with the number of victims (log 2,000 ≈ 7.6 per term against AIC's
2) and on Rcapture's own examples keeps models that fail the goodness-of-fit test (diabetes data:
BIC's choice has deviance 22.0 on 7 df, p = 0.003; AIC's, 7.6 on 5 df, p = 0.18). AIC weights
also target prediction, which is what a model average is for (Burnham & Anderson 2002), and the
published analyses gavah reproduces (Silverman 2014, Dahab et al. 2024) used AIC.

Goodness of fit. Per model: the deviance against the saturated model of the observable cells,
its degrees of freedom (cells minus parameters) and the chi-square p-value, as Rcapture reports
them. The estimate warns in plain words when the most-weighted model fits badly (p < 0.05), and
when it is the most complex model fitted: its estimate then rests on an assumption the data cannot
test (that no dependence joins more lists than the model has terms for).

Intervals. Per model, the delta method on log(n0): ``exp(b0 ± 1.96 se(b0))``, which is the
Wald interval of the intercept (the published Sudan analysis uses the same). The averaged
interval is the 2.5% and 97.5% quantiles of the mixture of those per-model log-normal
distributions, weighted by the model weights, so it widens when plausible models disagree.
(Rcapture's ``closedpCI.t`` reports a profile-likelihood interval instead; the two differ.)

Divergence guard (what SparseMSE does with its existence/identifiability checks and its
threshold). A model is dropped, and named in a warning, when
  1. one of its interactions joins lists with no victim in common (two lists, or three): the MLE
     of that term is -inf (Fienberg & Rinaldo 2012; Chan, Silverman & Vincent 2021). We drop the
     model rather than fit the extended MLE;
  2. its design is rank-deficient on the observable cells (not identifiable: more parameters
     than the observed patterns can inform);
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
Term = tuple[int, ...]  # an interaction: the indices of two or three lists, ascending
Pair = Term  # the older name, from when every term joined two lists (covariates.py uses it)
Model = tuple[Term, ...]  # a model's interactions (main effects are always in)
FloatArray = npt.NDArray[np.float64]

EXPLOSION_FACTOR = 100.0  # rule 4 above
EXHAUSTIVE_MAX_LISTS = 5  # every subset of two-list terms up to this many lists
HIERARCHICAL_MAX_LISTS = 4  # every hierarchical model with three-list terms up to this many
MAX_ORDER = 3  # the most lists one interaction may join
POOR_FIT_P = 0.05  # a goodness-of-fit p-value below this is a bad fit
Z95 = float(stats.norm.ppf(0.975))
TOP_MODELS = 10
LISTED_DROPPED = 10  # the warning names this many reasons; the diagnostics name every model


@dataclass(frozen=True)
class ModelFit:
    """One fitted log-linear model: its interactions (tuples of list indices) and what it says."""

    terms: Model
    n0: float  # predicted victims on no list
    se_log_n0: float  # standard error of the intercept = of log(n0)
    loglik: float
    n_params: int
    deviance: float  # against the saturated model of the observable cells
    df_resid: int

    def criterion(self, name: Criterion, observed: int) -> float:
        penalty = 2.0 if name == "aic" else math.log(observed)
        return -2.0 * self.loglik + penalty * self.n_params

    def interval(self) -> tuple[float, float]:
        """Delta-method 95% interval for n0 (log-normal)."""
        spread = Z95 * self.se_log_n0
        log_n0 = math.log(self.n0)
        return math.exp(log_n0 - spread), math.exp(log_n0 + spread)

    @property
    def fit_p(self) -> float | None:
        """Goodness of fit: the chi-square p-value of the deviance on its degrees of freedom.
        None when no degree of freedom is left: the model reproduces every observed count and
        nothing in the data can test it."""
        if self.df_resid <= 0:
            return None
        return float(stats.chi2.sf(self.deviance, self.df_resid))

    @property
    def stderr(self) -> float:
        """Standard error of N as Rcapture reports it: the Poisson spread of n0 plus the error
        of the intercept, sqrt(n0 + n0² se(b0)²) (Cormack 1989)."""
        return math.sqrt(self.n0 + self.n0**2 * self.se_log_n0**2)


@dataclass(frozen=True)
class Dropped:
    terms: Model
    reason: str


@dataclass(frozen=True)
class ModelSet:
    """Every model fitted for one table: those kept, those the guard dropped, and how the
    models were chosen (``space``, in words)."""

    histories: CaptureHistories
    fits: tuple[ModelFit, ...]
    dropped: tuple[Dropped, ...]
    space: str = ""


@dataclass(frozen=True)
class _Cells:
    """The observable cells of one table: a 0/1 row per pattern and its count."""

    histories: CaptureHistories
    patterns: npt.NDArray[np.int8]
    counts: FloatArray

    @classmethod
    def of(cls, histories: CaptureHistories) -> _Cells:
        k = len(histories.lists)
        rows = [p for p in itertools.product((0, 1), repeat=k) if any(p)]
        patterns = np.array(rows, dtype=np.int8)
        table = histories.table()
        return cls(histories, patterns, np.array([table[p] for p in rows], dtype=np.float64))


def estimate(
    histories: CaptureHistories,
    *,
    criterion: Criterion = "aic",
    max_interaction: int = MAX_ORDER,
    seed: int = 0,
) -> Estimate:
    """Model-averaged log-linear estimate of N, the victims on any list plus those on none.

    ``max_interaction`` is the most lists one interaction may join: 3 (the default), 2 (two-list
    terms only) or 1 (independence only). ``seed`` is accepted for a uniform signature across
    methods; this method draws no random numbers.
    """
    del seed  # deterministic: delta-method intervals, no bootstrap
    models = fit_models(histories, criterion=criterion, max_interaction=max_interaction)
    return averaged_estimate(models, criterion)


def fit_models(
    histories: CaptureHistories, *, criterion: Criterion = "aic", max_interaction: int = MAX_ORDER
) -> ModelSet:
    """Fit the model space described in the module docstring, applying the divergence guard."""
    k = _check_inputs(histories, criterion, max_interaction)
    cells = _Cells.of(histories)
    order = min(max_interaction, k - 1)
    every = _exhaustive_order(k, order)
    fitted = {m: _fit(cells, m) for m in hierarchical_models(k, every)}
    exhaustive = len(fitted)
    if every < order:
        _stepwise(cells, fitted, criterion, order)
    space = _space_words(exhaustive, every, len(fitted) - exhaustive, order)
    return _model_set(histories, fitted.values(), space)


def fit_model(histories: CaptureHistories, terms: Iterable[Sequence[int]]) -> ModelFit | Dropped:
    """Fit one model, named by its interactions (each a sequence of list indices), under the
    same guard as :func:`fit_models`: to compare with another package's fit of that model."""
    k = len(histories.lists)
    model = _canonical(tuple(sorted(set(t))) for t in terms)
    bad = [t for t in model if not 2 <= len(t) < k or not all(0 <= i < k for i in t)]
    if bad:
        raise InputError(
            f"log-linear MSE: {bad} is not an interaction of 2 to {k - 1} of the {k} lists"
        )
    return _fit(_Cells.of(histories), model)


def hierarchical_models(k: int, order: int) -> list[Model]:
    """Every hierarchical model on ``k`` lists whose interactions join at most ``order`` lists
    (and never all k): at order 3, 1, 8, 113 and 6,212 models for 2 to 5 lists; at order 2,
    every subset of the k(k-1)/2 two-list terms."""
    pairs = _terms_of_size(k, 2) if order >= 2 else []
    triples = _terms_of_size(k, 3) if order >= 3 else []
    models = []
    for chosen in _subsets(triples):
        implied = {p for t in chosen for p in itertools.combinations(t, 2)}
        free = [p for p in pairs if p not in implied]
        models += [_canonical((*implied, *extra, *chosen)) for extra in _subsets(free)]
    return sorted(models, key=_model_key)


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
        warnings=_dropped_warnings(models) + _fit_warnings(models, weights),
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
    if max_interaction not in range(1, MAX_ORDER + 1):
        raise InputError(
            f"max_interaction={max_interaction} is not supported",
            hint="use 1 (independence), 2 (two-list terms) or 3 (two- and three-list terms)",
        )
    if histories.observed == 0:
        raise InputError("log-linear MSE: no victim is on any list")
    return k


# --- The model space -------------------------------------------------------------------------


def _exhaustive_order(k: int, order: int) -> int:
    """Up to which order every hierarchical model is fitted; the stepwise search goes on from
    there to ``order`` (module docstring)."""
    if k <= HIERARCHICAL_MAX_LISTS:
        return order
    return min(order, 2) if k <= EXHAUSTIVE_MAX_LISTS else 1


def _space_words(exhaustive: int, every: int, stepwise: int, order: int) -> str:
    """The model space in words, for the diagnostics."""
    terms = {2: "two-list terms", 3: "terms of up to three lists"}
    if order == 1:
        return "independence only"
    if every == order:
        return f"all {exhaustive:,} hierarchical models with {terms[order]}"
    search = f"a forward stepwise search over {terms[order]}"
    if every == 1:
        return f"{search} from independence ({stepwise + 1:,} models)"
    return (
        f"all {exhaustive:,} hierarchical models with {terms[every]}, then {search} "
        f"from the best of them ({stepwise:,} more models)"
    )


def _terms_of_size(k: int, size: int) -> list[Term]:
    return list(itertools.combinations(range(k), size)) if size < k else []


def _subsets(items: Sequence[Term]) -> Iterable[tuple[Term, ...]]:
    for size in range(len(items) + 1):
        yield from itertools.combinations(items, size)


def _canonical(terms: Iterable[Term]) -> Model:
    """Two-list terms first, each group in list order: one spelling per model."""
    return tuple(sorted(set(terms), key=lambda t: (len(t), t)))


def _model_key(model: Model) -> tuple[int, tuple[tuple[int, Term], ...]]:
    return len(model), tuple((len(t), t) for t in model)


def _extensions(model: Model, k: int, order: int) -> list[Model]:
    """The hierarchical models one term larger than ``model``: a three-list term only when its
    three two-list terms are in."""
    present = set(model)
    candidates = [t for size in range(2, order + 1) for t in _terms_of_size(k, size)]
    return [
        _canonical((*model, t)) for t in candidates if t not in present and _parents_in(t, present)
    ]


def _parents_in(term: Term, present: set[Term]) -> bool:
    """Hierarchy: the terms one list smaller are in (main effects always are)."""
    return len(term) == 2 or set(itertools.combinations(term, len(term) - 1)) <= present


def _stepwise(
    cells: _Cells, fitted: dict[Model, ModelFit | Dropped], criterion: Criterion, order: int
) -> None:
    """Forward stepwise from the best model in ``fitted``, adding every model it fits there."""
    observed = cells.histories.observed
    start = _best(list(fitted.values()), criterion, observed)
    current: ModelFit | None = start
    model: Model = start.terms if start else ()
    while True:
        extensions = _extensions(model, len(cells.histories.lists), order)
        for m in extensions:
            if m not in fitted:
                fitted[m] = _fit(cells, m)
        best = _best([fitted[m] for m in extensions], criterion, observed)
        if best is None or (
            current is not None
            and best.criterion(criterion, observed) >= current.criterion(criterion, observed)
        ):
            return
        current, model = best, best.terms


def _best(
    results: Sequence[ModelFit | Dropped], criterion: Criterion, observed: int
) -> ModelFit | None:
    fits = [r for r in results if isinstance(r, ModelFit)]
    return min(fits, key=lambda f: f.criterion(criterion, observed), default=None)


# --- One fit ---------------------------------------------------------------------------------


def _design(patterns: npt.NDArray[np.int8], terms: Model) -> FloatArray:
    columns = [np.ones(len(patterns)), *patterns.T.astype(np.float64)]
    columns += [patterns[:, list(t)].prod(axis=1).astype(np.float64) for t in terms]
    return np.column_stack(columns)


def _fit(cells: _Cells, terms: Model) -> ModelFit | Dropped:
    """Fit one model, or say why it was dropped (rules 1-4 of the module docstring)."""
    histories = cells.histories
    empty = [t for t in terms if not _overlap(cells, t)]
    if empty:
        return Dropped(terms, f"lists {', '.join(term_names(histories, empty))} share no victim")
    x = _design(cells.patterns, terms)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return Dropped(terms, "not identifiable (more parameters than informative cells)")
    result = _glm(cells.counts, x)
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


def _overlap(cells: _Cells, term: Term) -> bool:
    """Whether any victim is on every list of ``term`` (its sufficient statistic is not 0)."""
    on_all = cells.patterns[:, list(term)].all(axis=1)
    return bool(cells.counts[on_all].sum() > 0)


def _glm(counts: FloatArray, x: FloatArray) -> Any | None:
    """statsmodels Poisson GLM (IRLS); None when it fails or does not converge."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-convergence is checked below, not printed
        try:
            result = sm.GLM(counts, x, family=sm.families.Poisson()).fit(maxiter=200)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return None
    return result if bool(getattr(result, "converged", True)) else None


def _model_fit(terms: Model, result: Any, n_params: int) -> ModelFit:
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


def _model_set(
    histories: CaptureHistories, results: Iterable[ModelFit | Dropped], space: str = ""
) -> ModelSet:
    ordered = sorted(results, key=lambda r: _model_key(r.terms))
    kept = tuple(r for r in ordered if isinstance(r, ModelFit))
    dropped = tuple(r for r in ordered if isinstance(r, Dropped))
    return ModelSet(histories, kept, dropped, space)


# --- What the estimate reports ---------------------------------------------------------------


def term_names(histories: CaptureHistories, terms: Sequence[Term]) -> list[str]:
    """``A×B``, ``A×B×C``: each interaction by its lists' names."""
    return ["×".join(histories.lists[i] for i in t) for t in terms]


def _model_name(histories: CaptureHistories, terms: Model) -> str:
    return ", ".join(term_names(histories, terms)) or "independence"


def _diagnostics(models: ModelSet, weights: FloatArray, criterion: Criterion) -> dict[str, Any]:
    histories = models.histories
    order = np.argsort(-weights, kind="stable")
    rows = [_model_row(histories, models.fits[i], float(weights[i])) for i in order[:TOP_MODELS]]
    best = models.fits[int(order[0])]
    return {
        "models": rows,
        "most_weighted": rows[0],
        "most_weighted_is_most_complex": len(models.fits) > 1
        and best.n_params == max(f.n_params for f in models.fits),
        "criterion": criterion,
        "model_space": models.space,
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
        "stderr": fit.stderr,
        "interval": list(fit.interval()),
        "deviance": fit.deviance,
        "df": fit.df_resid,
        "fit_p": fit.fit_p,
    }


def _dropped_warnings(models: ModelSet) -> tuple[str, ...]:
    """One warning naming each reason a model was dropped: alone with its model, or with how
    many models it dropped (every model with a term for lists that share no victim, say)."""
    if not models.dropped:
        return ()
    by_reason: dict[str, list[Model]] = {}
    for d in models.dropped:
        by_reason.setdefault(d.reason, []).append(d.terms)
    said = [
        f"[{_model_name(models.histories, terms[0])}]: {reason}"
        if len(terms) == 1
        else f"{reason}: {len(terms)} models"
        for reason, terms in by_reason.items()
    ]
    if len(said) > LISTED_DROPPED:
        more = len(said) - LISTED_DROPPED
        said = [*said[:LISTED_DROPPED], f"and {more} more, each named in the diagnostics"]
    return (
        f"{len(models.dropped)} model(s) left out of the average, each with its reason: "
        + "; ".join(said),
    )


def _fit_warnings(models: ModelSet, weights: FloatArray) -> tuple[str, ...]:
    """Plain words when the model the estimate leans on fits badly, or is as complex as any."""
    best = models.fits[int(np.argmax(weights))]
    name = _model_name(models.histories, best.terms)
    said = []
    p = best.fit_p
    if p is not None and p < POOR_FIT_P:
        said.append(
            f"The model that carries most weight ({name}) does not fit the counts: deviance "
            f"{best.deviance:.1f} on {best.df_resid} degrees of freedom (goodness-of-fit "
            f"p = {p:.2g}). None of the models tried describes how these lists depend on one "
            "another, so the estimate and its interval may be wrong in either direction."
        )
    if len(models.fits) > 1 and best.n_params == max(f.n_params for f in models.fits):
        said.append(_most_complex_warning(name, best, len(models.histories.lists)))
    return tuple(said)


def _most_complex_warning(name: str, best: ModelFit, k: int) -> str:
    if best.df_resid == 0:
        return (
            f"The model that carries most weight ({name}) is the most complex these {k} lists "
            "allow: it reproduces every observed count exactly, so nothing in the data can test "
            f"it, and the estimate rests on an assumption that cannot be checked (that no "
            f"dependence joins all {k} lists at once). Treat the number with caution."
        )
    return (
        f"The model that carries most weight ({name}) is the most complex one fitted: the lists "
        "may depend on one another in ways no model tried allows, and the estimate rests on "
        "the assumption that they do not. Treat the number with caution."
    )
