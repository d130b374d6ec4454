"""Record-level log-linear MSE with covariates (Rossi 2010): known answers, errors, and the
published Khartoum analysis (EXPECTED.md, section D) that uses it."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np
import pytest
from mse_data import mse_data

from gavah.casualties.mse import covariates, loglinear, sudan
from gavah.casualties.mse.patterns import CaptureHistories, Estimate
from gavah.errors import InputError

LISTS = ("A", "B", "C")


def _heterogeneous(seed: int = 1, total: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """People of two kinds: kind 1 is five times as likely to be on each list (lists
    independent given the kind). Returns the observed histories and their kinds."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, 2, total)
    p = np.where(kind == 1, 0.5, 0.1)[:, None]
    on = rng.random((total, 3)) < p
    seen = on.any(axis=1)
    return on[seen].astype(int), kind[seen].astype(float)


def test_a_covariate_that_drives_capture_removes_the_bias() -> None:
    histories, kind = _heterogeneous()
    plain = loglinear.fit_models(CaptureHistories.from_records(LISTS, histories.tolist()))
    independent_plain = next(f for f in plain.fits if f.terms == ())
    models = covariates.fit_models(histories, {"kind": kind}, LISTS)
    independent = next(f for f in models.fits if f.terms == ())
    observed = len(histories)
    # Heterogeneity looks like positive dependence: the plain model misses many people ...
    assert observed + independent_plain.n0 < 0.8 * 20_000
    # ... the covariate model, with the right structure, covers the truth.
    low, high = independent.interval()
    assert observed + low < 20_000 < observed + high
    assert independent.n0 == pytest.approx(20_000 - observed, rel=0.1)


def test_without_covariates_it_is_the_plain_log_linear_model() -> None:
    histories, _ = _heterogeneous(seed=2, total=5_000)
    models = covariates.fit_models(histories, {}, LISTS)
    plain = loglinear.fit_models(CaptureHistories.from_records(LISTS, histories.tolist()))
    for fit in models.fits:
        twin = next(f for f in plain.fits if f.terms == fit.terms)
        assert fit.n0 == pytest.approx(twin.n0, rel=1e-5)
        assert fit.se_log_n0 == pytest.approx(twin.se_log_n0, rel=1e-3)


def test_averaged_estimate_reports_models_weights_and_published_style() -> None:
    histories, kind = _heterogeneous(seed=3, total=8_000)
    result = covariates.averaged_estimate(covariates.fit_models(histories, {"kind": kind}, LISTS))
    assert result.method == "loglinear-covariates"
    assert result.observed == len(histories)
    weights = [m["weight"] for m in result.diagnostics["models"]]
    assert sum(weights) == pytest.approx(1.0)
    assert len(result.diagnostics["models"]) + len(result.diagnostics["dropped"]) == 8
    low, high = result.diagnostics["published_style_interval"]
    assert low < result.estimate < high
    assert result.interval[0] < 8_000 < result.interval[1]


def test_people_missing_a_covariate_are_counted_and_warned_about() -> None:
    histories, kind = _heterogeneous(seed=4, total=6_000)
    kind[:50] = math.nan
    models = covariates.fit_models(histories, {"kind": kind}, LISTS)
    assert (models.observed, models.modelled) == (len(histories), len(histories) - 50)
    result = covariates.averaged_estimate(models)
    assert result.observed == len(histories)
    assert any(w.startswith("50 of ") and "lack a covariate" in w for w in result.warnings)


def test_a_covariate_with_one_value_is_left_out_with_a_warning() -> None:
    histories, kind = _heterogeneous(seed=5, total=5_000)
    models = covariates.fit_models(histories, {"kind": kind, "country": [1.0] * len(kind)}, LISTS)
    assert models.constant == ("country",)
    assert len(models.fits) >= 7  # the models still fit, with kind alone
    result = covariates.averaged_estimate(models)
    assert any(w.startswith("left out country") for w in result.warnings)


def test_indicators_use_the_most_common_value_as_reference() -> None:
    columns = covariates.indicators(["gun", "gas", "gun", None, "beating"], "cause")
    assert set(columns) == {"cause=beating", "cause=gas"}
    assert columns["cause=gas"].tolist()[:3] == [0.0, 1.0, 0.0]
    assert math.isnan(columns["cause=gas"][3])
    with pytest.raises(InputError, match="no known value"):
        covariates.indicators([None, None], "cause")


@pytest.mark.parametrize(
    ("histories", "values", "lists", "message"),
    [
        ([[1, 0], [0, 1]], {}, ("A", "B"), "3 or 4 lists, got 2"),
        ([[1, 0, 0], [0, 0, 0]], {}, LISTS, "at least one list"),
        ([[1, 0, 0], [0, 2, 0]], {}, LISTS, "0/1"),
        ([[1, 0, 0], [0, 1, 0]], {"age": [30.0]}, LISTS, "'age' has 1 values for 2 people"),
        ([[1, 0], [0, 1]], {}, LISTS, "one 0/1 column per list"),
    ],
)
def test_bad_input_is_refused_with_the_reason(
    histories: list[list[int]], values: dict[str, list[float]], lists: tuple[str, ...], message: str
) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        covariates.fit_models(histories, values, lists)


def test_when_every_model_is_dropped_the_error_names_each_reason() -> None:
    histories = [[1, 0, 0]] * 5 + [[0, 1, 0]] * 5 + [[0, 0, 1]] * 5  # nobody on two lists
    with pytest.raises(InputError, match="every model was dropped") as caught:
        covariates.averaged_estimate(covariates.fit_models(histories, {}, LISTS))
    assert "no interactions" in (caught.value.hint or "")


# --- The published Khartoum analysis (Dahab et al. 2024), EXPECTED.md section D --------------


def _khartoum() -> tuple[list[sudan.Record], list[sudan.CandidateLink], Path]:
    folder = mse_data() / "sudan_khartoum_2024"
    records, links = sudan.read_khartoum(
        folder / "sdn_cam_data_final_public__data.csv", folder / "published_out_ovrlp_base.csv"
    )
    return records, links, folder


def _published_d3o3(folder: Path) -> dict[str, tuple[float, float, float, float]]:
    """Model -> (unlisted, low, high, AIC) from published_out_d3o3_all_cause_out_pretty.csv."""
    names = {"public survey": "PB", "private survey": "PV", "social media": "SM"}
    out = {}
    with (folder / "published_out_d3o3_all_cause_out_pretty.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["AIC"] == "NA":
                continue
            numbers = re.findall(r"\d+", row["deaths outside any list (95%CI)"])
            pairs = []
            for term in row["model"].split(", "):
                if term != "no interactions":
                    a, b = (names[x] for x in term.split(" x "))
                    pairs.append(tuple(sorted((a, b))))
            key = " + ".join(f"{a}×{b}" for a, b in sorted(pairs)) or "no interactions"
            out[key] = (*(float(n) for n in numbers), float(row["AIC"]))
    return out


@pytest.fixture(scope="module")
def d3o3() -> Estimate:
    records, links, _ = _khartoum()
    probabilities = sudan.threshold_probabilities(3, 3)
    drawn = probabilities.draw(np.random.default_rng(0))
    accepted = [probabilities.probability(link, drawn) == 1.0 for link in links]
    run = sudan.run_once(
        records, links, accepted, sudan.KHARTOUM_LISTS, sudan.khartoum_all_cause,
        sudan.khartoum_covariates,
    )  # fmt: skip
    return run.estimate


def test_khartoum_d3o3_models_reproduce_the_published_table(d3o3: Estimate) -> None:
    """Every model of the published d3o3 table: unlisted deaths and interval within 2%, AIC
    within 6. (We count 2,663 people where the study counts 2,664: see test_loglinear.)"""
    published = _published_d3o3(mse_data() / "sudan_khartoum_2024")
    ours = {m["model"]: m for m in d3o3.diagnostics["models"]}
    assert set(ours) == set(published)  # the saturated model dropped as over-fitted, as published
    for model, (unlisted, low, high, aic) in published.items():
        row = ours[model]
        assert row["unlisted"] == pytest.approx(unlisted, rel=0.02), model
        assert row["published_style_interval"] == pytest.approx([low, high], rel=0.02), model
        assert abs(row["aic"] - aic) < 6, model
    best = max(ours.values(), key=lambda m: m["weight"])
    assert best["model"] == "PB×SM + PV×SM" and best["weight"] > 0.99  # published: 0.999


KHARTOUM_RUNS = 60


@pytest.fixture(scope="module")
def headline() -> Estimate:
    records, links, folder = _khartoum()
    probabilities = sudan.read_score_probabilities(folder / "published_out_score_probs.csv")
    return sudan.pooled_estimate(
        records, links, probabilities, lists=sudan.KHARTOUM_LISTS,
        eligible=sudan.khartoum_all_cause, runs=KHARTOUM_RUNS, seed=0,
        covariates=sudan.khartoum_covariates, draw="link",
    )  # fmt: skip


def _median_interval(values: list[float], seed: int = 0) -> tuple[float, float]:
    """A 99% bootstrap interval for the median of ``values``: its Monte Carlo error."""
    rng = np.random.default_rng(seed)
    medians = np.median(rng.choice(values, size=(4000, len(values))), axis=1)
    return float(np.quantile(medians, 0.005)), float(np.quantile(medians, 0.995))


@pytest.mark.study  # 60 pooled redraws: about 2 minutes; `make bench` runs it
def test_khartoum_headline_reproduces_the_published_figure(headline: Estimate) -> None:
    """Published (1,000 redraws): 61,201.5, interval 22,286 to 209,151.5, as medians over the
    redraws. Ours, from KHARTOUM_RUNS redraws, must hold each within its Monte Carlo error."""
    low, high = _median_interval(list(headline.draws))
    assert low <= 61_201.5 <= high, (headline.estimate, low, high)
    diagnostics = headline.diagnostics
    assert diagnostics["published_style_estimate"] == pytest.approx(headline.estimate)
    published_low, published_high = diagnostics["published_style_interval"]
    assert published_low == pytest.approx(22_286, rel=0.10)
    assert published_high == pytest.approx(209_151.5, rel=0.15)
    assert headline.method == "loglinear-covariates-linkage"
