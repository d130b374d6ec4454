"""LCMCR (Manrique-Vallier 2016) against published Colombian estimates and known-total simulations.

Run lengths are chosen for a 2-core CI machine (the whole file takes well under a minute); each
tolerance below says which Monte Carlo error it allows for.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from mse_data import mse_data

from gavah.casualties.mse.lcmcr import (
    NOT_CONVERGED,
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


def test_same_seed_same_draws_other_seed_other_draws() -> None:
    data = _simulate(1)
    run = {"burnin": 100, "samples": 200, "thinning": 1}
    first, again = estimate(data, seed=7, **run), estimate(data, seed=7, **run)
    other = estimate(data, seed=8, **run)
    assert first.draws == again.draws
    assert first.draws != other.draws
    assert len(first.draws) == 200


def test_estimate_shape_and_plain_json_diagnostics() -> None:
    result = estimate(_simulate(2), burnin=500, samples=500, thinning=2, seed=3)
    assert isinstance(result, Estimate)
    assert result.method == "lcmcr" and result.lists == ("A", "B", "C", "D")
    assert result.interval[0] <= result.estimate <= result.interval[1]
    assert min(result.draws) >= result.observed
    assert result.diagnostics["K"] == default_classes(4) == 15
    json.dumps(result.to_dict())  # numpy scalars would fail here
    for key in ("mean", "geweke_z", "effective_sample_size", "converged", "seed", "thinning"):
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
    # 10,000 burn-in sweeps, then 2,000 draws thinned by 10 (about 3 s each here), from LCMCR's
    # own start (see lcmcr._initial_state). verdata ran 5 million sweeps; these short chains
    # switch between the posterior's two modes too rarely to be trusted alone, and say so.
    data = _verdata_r1_men_1999()
    run = {"burnin": 10_000, "samples": 2_000, "thinning": 10}
    return estimate(data, seed=19481210, **run), estimate(data, seed=1, **run)


def test_verdata_r1_independent_chains_agree(r1_chains: tuple[Estimate, Estimate]) -> None:
    first, second = r1_chains
    assert first.diagnostics["mean"] == pytest.approx(second.diagnostics["mean"], rel=0.10)
    assert first.estimate == pytest.approx(second.estimate, rel=0.10)
    assert first.interval[1] == pytest.approx(second.interval[1], rel=0.20)
    assert first.interval[0] > first.observed


def test_verdata_r1_short_chains_warn_they_have_not_converged(
    r1_chains: tuple[Estimate, Estimate],
) -> None:
    # The posterior is bimodal (N about 1,550 and about 2,300); 30,000 sweeps cross between the
    # modes only a few times, so the effective sample size is tiny and the warning must show.
    for chain in r1_chains:
        assert chain.diagnostics["effective_sample_size"] < 100
        assert not chain.diagnostics["converged"] and "converged" in chain.warnings[0]


def test_verdata_r1_matches_published_posterior(r1_chains: tuple[Estimate, Estimate]) -> None:
    # Tolerances: mean within 10%, 2.5%/50%/97.5% quantiles within 15%. The published draws are
    # 1,000 draws from a 5-million-sweep chain; ours come from a short chain started as LCMCR
    # starts (before that start was adopted, chains settled near 1,430: 30% low).
    result, _ = r1_chains
    published = _published_r1_draws()
    ours = np.array(result.draws)
    assert ours.mean() == pytest.approx(published.mean(), rel=0.10)
    for q in (0.025, 0.5, 0.975):
        assert np.quantile(ours, q) == pytest.approx(np.quantile(published, q), rel=0.15)
