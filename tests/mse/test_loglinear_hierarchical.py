"""Log-linear models with three-list terms, checked against Rcapture 1.4-4 (Baillargeon & Rivest).

The reference numbers were written by R (tests/fixtures/mse/rcapture_reference.R, whose header
says how to remake them); R is never needed here. Rcapture's data sets (HIV, lesbian, the
diabetes counts of its closedpCI.t example, hare) are in rcapture_data.csv; the shared tables are
read from ../shared/data/mse."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from mse_data import mse_data
from scipy import stats

from gavah.casualties.mse import loglinear
from gavah.casualties.mse.patterns import CaptureHistories
from gavah.errors import InputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mse"
RCAPTURE_DATA = ("HIV", "lesbian", "diabetes", "hare")
SHARED = {
    "madigan_york_3list": "madigan_york_3list_dga.csv",
    "Western": "sparsemse_Western.csv",
    "UKdat_5": "sparsemse_UKdat_5.csv",
    "Ned_5": "sparsemse_Ned_5.csv",
    "NewOrl_5": "sparsemse_NewOrl_5.csv",
    "UKdat": "sparsemse_UKdat.csv",
    "Ned": "sparsemse_Ned.csv",
}
# Measured: abundance, deviance, AIC and BIC agree to 1e-9; the standard error to 2e-5 (R's glm
# and statsmodels stop IRLS at slightly different points, and take the covariance there).
RELATIVE = {"abundance": 1e-6, "stderr": 1e-4, "deviance": 1e-6, "df": 0, "AIC": 1e-6, "BIC": 1e-6}


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


REFERENCE = _csv_rows(FIXTURES / "rcapture_reference.csv")


def _rcapture_table(name: str) -> CaptureHistories:
    rows = [r for r in _csv_rows(FIXTURES / "rcapture_data.csv") if r["dataset"] == name]
    counts = {tuple(int(c) for c in r["pattern"]): int(r["count"]) for r in rows}
    return CaptureHistories.from_counts(rows[0]["lists"].split(), counts)


def _shared_table(name: str) -> CaptureHistories:
    """A shared table: 0/1 list columns, then the count (floats in SparseMSE's CSVs)."""
    with (mse_data() / SHARED[name]).open(newline="") as f:
        rows = list(csv.reader(f))
    lists = [c for c in rows[0] if c != "r_array_index"][:-1]
    k = len(lists)
    counts = {tuple(int(float(x)) for x in r[:k]): int(float(r[k])) for r in rows[1:]}
    return CaptureHistories.from_counts(lists, counts)


def _table(name: str) -> CaptureHistories:
    return _rcapture_table(name) if name in RCAPTURE_DATA else _shared_table(name)


def _terms(histories: CaptureHistories, text: str) -> loglinear.Model:
    """Terms as the reference spells them ("A:B + A:B:C") -> ((0, 1), (0, 1, 2)), sorted."""
    named = [t.split(":") for t in text.split(" + ")] if text else []
    terms = (tuple(sorted(histories.lists.index(n) for n in t)) for t in named)
    return tuple(sorted(terms, key=lambda t: (len(t), t)))


def _reference(dataset: str) -> Iterator[tuple[loglinear.Model, dict[str, str]]]:
    histories = _table(dataset)
    for row in REFERENCE:
        if row["dataset"] == dataset:
            yield _terms(histories, row["terms"]), row


def _gavah_row(histories: CaptureHistories, fit: loglinear.ModelFit) -> dict[str, float]:
    n = histories.observed
    return {
        "abundance": n + fit.n0,
        "stderr": fit.stderr,
        "deviance": fit.deviance,
        "df": fit.df_resid,
        "AIC": fit.criterion("aic", n),
        "BIC": fit.criterion("bic", n),
    }


def _shares_no_victim(histories: CaptureHistories, model: loglinear.Model) -> bool:
    table = histories.table()
    return any(
        sum(table[p] for p in itertools.product((0, 1), repeat=len(histories.lists))
            if all(p[i] for i in term)) == 0
        for term in model
    )  # fmt: skip


# --- Model space -----------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", ["HIV", "lesbian", "diabetes"])
def test_four_lists_give_rcaptures_113_hierarchical_models(dataset: str) -> None:
    # closedpMS.t(maxorder = 3) lists every hierarchical model with terms up to three lists.
    theirs = {m for m, row in _reference(dataset) if row["call"].startswith("closedpMS.t")}
    ours = set(loglinear.hierarchical_models(4, 3))
    assert len(theirs) == 113
    assert ours == theirs


def test_three_lists_allow_no_three_list_term() -> None:
    histories = _rcapture_table("HIV").select(["c1", "c2", "c3"])
    assert len(loglinear.hierarchical_models(3, 3)) == 8
    assert all(len(t) == 2 for m in loglinear.hierarchical_models(3, 3) for t in m)
    with pytest.raises(InputError, match="not an interaction of 2 to 2"):
        loglinear.fit_model(histories, [(0, 1, 2)])
    with pytest.raises(InputError, match="max_interaction=4"):
        loglinear.estimate(histories, max_interaction=4)


def test_stepwise_adds_three_list_terms_only_over_their_pairs() -> None:
    histories = _shared_table("Ned")  # six lists: stepwise
    models = loglinear.fit_models(histories)
    everything = [f.terms for f in models.fits] + [d.terms for d in models.dropped]
    with_triples = [m for m in everything if any(len(t) == 3 for t in m)]
    assert with_triples  # it does try three-list terms
    for model in with_triples:
        for triple in (t for t in model if len(t) == 3):
            assert set(itertools.combinations(triple, 2)) <= set(model)
    assert "stepwise" in models.space


# --- Each model against Rcapture --------------------------------------------------------------


@pytest.mark.parametrize("dataset", [*RCAPTURE_DATA, *SHARED])
def test_each_model_equals_rcaptures_fit(dataset: str) -> None:
    histories = _table(dataset)
    compared = 0
    for model, row in _reference(dataset):
        fit = loglinear.fit_model(histories, model)
        if isinstance(fit, loglinear.Dropped):
            # gavah drops only what has no finite MLE or what Rcapture itself flags.
            assert _shares_no_victim(histories, model) or row["infoFit"] != "0", row
            continue
        for key, ours in _gavah_row(histories, fit).items():
            rel = RELATIVE[key]
            floor = rel if key == "deviance" else 0.0  # a deviance near 0: compare absolutely
            assert ours == pytest.approx(float(row[key]), rel=rel, abs=floor), (key, row)
        compared += 1
    assert compared >= 1


def test_rcapture_published_example_hiv() -> None:
    # ?HIV: "only the [1,2] interaction is important": closedpCI.t(HIV, mX = ~ . + c1:c2).
    histories = _rcapture_table("HIV")
    fit = loglinear.fit_model(histories, [(0, 1)])
    assert isinstance(fit, loglinear.ModelFit)
    assert histories.observed + fit.n0 == pytest.approx(12318.4677, rel=1e-6)
    assert fit.stderr == pytest.approx(1188.72, rel=1e-4)


# --- Goodness of fit and its warnings --------------------------------------------------------


def test_goodness_of_fit_is_reported_for_the_top_models() -> None:
    result = loglinear.estimate(_rcapture_table("diabetes"))
    best = result.diagnostics["most_weighted"]
    assert best == result.diagnostics["models"][0]
    for row in result.diagnostics["models"]:
        expected = None if row["df"] == 0 else stats.chi2.sf(row["deviance"], row["df"])
        assert row["fit_p"] == pytest.approx(expected)
    # AIC's choice is Rcapture's best by AIC, [12,13,23,24,34]: deviance 7.617 on 5 df.
    assert best["terms"] == ["c1×c2", "c1×c3", "c2×c3", "c2×c4", "c3×c4"]
    assert best["deviance"] == pytest.approx(7.617046, rel=1e-5) and best["df"] == 5


def test_warns_in_plain_words_when_the_weightiest_model_fits_badly() -> None:
    diabetes = _rcapture_table("diabetes")
    # BIC weighs most [13,24,34]: deviance 22.0 on 7 df (p = 0.003) in Rcapture too.
    bic = loglinear.estimate(diabetes, criterion="bic")
    assert bic.diagnostics["most_weighted"]["terms"] == ["c1×c3", "c2×c4", "c3×c4"]
    assert any("does not fit the counts" in w and "22.0 on 7" in w for w in bic.warnings)
    aic = loglinear.estimate(diabetes, criterion="aic")
    assert not any("does not fit" in w for w in aic.warnings)


def test_warns_when_the_weightiest_model_is_the_most_complex_fitted() -> None:
    lesbian = _rcapture_table("lesbian")
    pairs_only = loglinear.estimate(lesbian, max_interaction=2)
    assert len(pairs_only.diagnostics["most_weighted"]["terms"]) == 6  # every two-list term
    assert any("most complex one fitted" in w for w in pairs_only.warnings)
    hierarchical = loglinear.estimate(lesbian)  # three-list terms leave it room
    assert not any("most complex" in w for w in hierarchical.warnings)


def test_warns_when_the_saturated_model_wins() -> None:
    # Expected counts of a three-list model with every two-list term: the model with all
    # three terms fits them exactly, leaving nothing to test.
    u = {(0,): -1.0, (1,): -1.2, (2,): -0.9, (0, 1): 1.2, (0, 2): -0.8, (1, 2): 1.0}
    counts = {
        p: round(20_000 * np.exp(sum(v for t, v in u.items() if all(p[i] for i in t))))
        for p in itertools.product((0, 1), repeat=3)
    }
    result = loglinear.estimate(CaptureHistories.from_counts(("A", "B", "C"), counts))
    assert result.diagnostics["most_weighted"]["df"] == 0
    assert any("reproduces every observed count" in w for w in result.warnings)


# --- Divergence guard on three-list terms ----------------------------------------------------


def test_three_lists_that_share_no_victim_drop_their_models_with_a_reason() -> None:
    # HIV: nobody is on c1, c3 and c4 together, so the c1×c3×c4 term has no finite MLE.
    result = loglinear.estimate(_rcapture_table("HIV"))
    reasons = [d for d in result.diagnostics["dropped"] if "c1×c3×c4" in d["terms"]]
    with_term = [r for _, r in _reference("HIV") if "c1:c3:c4" in r["terms"].split(" + ")]
    assert len(reasons) == len(with_term) == 18  # every model of the 113 with that term
    assert all(d["reason"] == "lists c1×c3×c4 share no victim" for d in reasons)
    assert any("lists c1×c3×c4 share no victim: 18 models" in w for w in result.warnings)


# --- What three-list terms change ------------------------------------------------------------


def _three_list_population(seed: int) -> tuple[CaptureHistories, int]:
    """Four lists whose dependence has a three-list term (A, B and C overlap less than their
    pairwise dependences imply); every cell, the unseen one too, Poisson around its mean."""
    u = {(0,): -1.0, (1,): -1.2, (2,): -0.8, (3,): -1.5}
    u |= {(0, 1): 1.0, (0, 2): 0.8, (1, 2): 0.9, (0, 1, 2): -1.6}
    rng = np.random.default_rng(seed)
    drawn = {
        p: int(rng.poisson(3_000 * np.exp(sum(v for t, v in u.items() if all(p[i] for i in t)))))
        for p in itertools.product((0, 1), repeat=4)
    }
    return CaptureHistories.from_counts(list("ABCD"), drawn), sum(drawn.values())


def test_three_list_terms_cover_a_total_that_pairwise_models_miss() -> None:
    pairwise, hierarchical = 0, 0
    for seed in range(6):
        histories, truth = _three_list_population(seed)
        low, high = loglinear.estimate(histories, max_interaction=2).interval
        pairwise += low <= truth <= high
        low, high = loglinear.estimate(histories).interval
        hierarchical += low <= truth <= high
    assert pairwise == 0  # every pairwise interval misses the truth
    assert hierarchical >= 5
