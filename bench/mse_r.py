"""Target 10: gavah's LCMCR side by side with the R package LCMCR 0.4.14 (Manrique-Vallier).

On every published table in ../shared/data/mse (the SparseMSE modern-slavery tables and the two
Madigan-York examples), both run the same model with the same K (gavah's default,
min(2^lists - 1, 15), passed to R), burn-in, samples and thinning, from several seeds each, the
runs of the two alternating so that a busy machine slows both alike. Reported per table:

- time: median wall seconds of one run (R: ``lcmCR`` and ``lcmCR_PostSampl`` timed inside R,
  so R's start-up is not counted; gavah: ``lcmcr.estimate``, after one small call that loads
  the compiled sampler, whose first-ever compilation is reported in the notes). Goal: ratio
  gavah / R <= 1;
- effective sample size of the chain of N per sweep, both measured with gavah's
  ``lcmcr.effective_sample_size`` (Geyer's initial monotone sequence; coda is not needed), the
  mean over seeds divided by samples x thinning. Goal: gavah's >= R's, judged over all tables
  together: one chain's figure varies by a factor of two or more between seeds on the tables
  whose posterior has two modes (UK, Netherlands);
- in the notes, the posterior median and 95% interval of N from the seeds' draws pooled, and
  how far apart the medians are in Monte Carlo standard errors (from the spread of the
  seeds' medians).

R runs only where ``Rscript`` and the package are installed (../shared/anchors/r-packages/
install.sh builds it into /tmp/r-mse-lib, used when R_LIBS is unset); otherwise the target
reports that it was skipped and why. Never part of ``make test`` or CI.
"""

from __future__ import annotations

import csv
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench._timing import Result, Say, stopwatch
from bench.sizes import Sizes
from gavah.casualties.mse import lcmcr
from gavah.casualties.mse.patterns import CaptureHistories

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mse"
R_LIBRARY = Path("/tmp/r-mse-lib")  # install.sh's default
TABLES = (
    "sparsemse_UKdat",
    "sparsemse_UKdat_5",
    "sparsemse_Ned",
    "sparsemse_Ned_5",
    "sparsemse_NewOrl",
    "sparsemse_NewOrl_5",
    "sparsemse_Western",
    "madigan_york_3list_dga",
    "madigan_york_5list_dga",
)
R_PROGRAM = """
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(LCMCR))
table <- read.csv(args[1], check.names = FALSE)
table <- table[, names(table) != "r_array_index"]
J <- ncol(table) - 1
table <- table[table[, J + 1] > 0, ]
captures <- as.data.frame(lapply(table[, 1:J], function(v) factor(as.integer(v), levels = 0:1)))
captures$Freq <- as.integer(table[, J + 1])
K <- as.integer(args[2]); burnin <- as.integer(args[3]); samples <- as.integer(args[4])
thinning <- as.integer(args[5]); seed <- as.integer(args[6])
start <- proc.time()[["elapsed"]]
sampler <- lcmCR(captures, tabular = TRUE, K = K, seed = seed, buffer_size = samples,
                 thinning = thinning, verbose = FALSE)
N <- lcmCR_PostSampl(sampler, burnin = burnin, samples = samples, thinning = thinning,
                     output = FALSE)
cat(proc.time()[["elapsed"]] - start, "\\n")
cat(N, "\\n")
cat(as.character(packageVersion("LCMCR")), R.version.string, sep = "\\n")
"""


@dataclass(frozen=True)
class Run:
    """Chain settings shared by both implementations."""

    burnin: int
    samples: int
    thinning: int
    seeds: tuple[int, ...]

    @property
    def sweeps(self) -> int:
        return self.samples * self.thinning


FULL_RUN = Run(burnin=10_000, samples=10_000, thinning=10, seeds=(1, 2, 3, 4, 5, 6))
QUICK_RUN = Run(burnin=1_000, samples=1_000, thinning=10, seeds=(1, 2))


@dataclass(frozen=True)
class Chain:
    seconds: float
    draws: np.ndarray

    def ess_per_sweep(self, run: Run) -> float:
        return lcmcr.effective_sample_size(self.draws) / run.sweeps


def read_table(name: str) -> CaptureHistories:
    """A published table; the SparseMSE CSVs write their 0/1 and counts as 1.0, 0.0, 352.0."""
    with (DATA / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = [h for h in rows[0] if h != "r_array_index"]
    lists = header[:-1]
    counts: dict[tuple[int, ...], int] = {}
    for row in rows[1:]:
        pattern = tuple(int(float(v)) for v in row[: len(lists)])
        counts[pattern] = counts.get(pattern, 0) + int(float(row[len(lists)]))
    return CaptureHistories.from_counts(lists, counts)


def r_environment() -> tuple[dict[str, str] | None, str]:
    """The environment R runs in, or None and why R cannot run here."""
    if shutil.which("Rscript") is None:
        return None, "Rscript not found: install R and ../shared/anchors/r-packages/install.sh"
    env = dict(os.environ)
    if "R_LIBS" not in env and R_LIBRARY.is_dir():
        env["R_LIBS"] = str(R_LIBRARY)
    probe = subprocess.run(
        ["Rscript", "-e", "library(LCMCR)"], env=env, capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        return None, "the R package LCMCR is not installed: run install.sh, set R_LIBS"
    return env, ""


def run_r(
    name: str, K: int, run: Run, seed: int, env: dict[str, str], program: Path
) -> tuple[Chain, str]:
    argv = ["Rscript", str(program), str(DATA / f"{name}.csv"), str(K)]
    argv += [str(run.burnin), str(run.samples), str(run.thinning), str(seed)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"R LCMCR failed on {name}: {done.stderr.strip()[-2000:]}")
    seconds, draws, version, r_version = done.stdout.split("\n")[:4]
    chain = Chain(float(seconds), np.array(draws.split(), dtype=np.float64))
    return chain, f"LCMCR {version}, {r_version}"


def run_gavah(histories: CaptureHistories, K: int, run: Run, seed: int) -> Chain:
    with stopwatch() as lap:
        result = lcmcr.estimate(
            histories,
            K=K,
            burnin=run.burnin,
            samples=run.samples,
            thinning=run.thinning,
            seed=seed,
        )
    return Chain(lap.seconds, np.array(result.draws))


def load_sampler() -> float:
    """Seconds for a first small call: loads (or, the very first time, compiles) the sampler."""
    start = time.perf_counter()
    lcmcr.estimate(read_table(TABLES[-1]), burnin=1, samples=lcmcr.MIN_SAMPLES, thinning=1)
    return time.perf_counter() - start


def compare(
    name: str, run: Run, env: dict[str, str], program: Path, say: Say
) -> tuple[list[Chain], list[Chain], str]:
    histories = read_table(name)
    K = lcmcr.default_classes(len(histories.lists))
    ours: list[Chain] = []
    theirs: list[Chain] = []
    version = ""
    for seed in run.seeds:
        chain, version = run_r(name, K, run, seed, env, program)
        theirs.append(chain)
        ours.append(run_gavah(histories, K, run, seed))
        say(f"   {name} seed {seed}: R {theirs[-1].seconds:.2f} s, gavah {ours[-1].seconds:.2f} s")
    return ours, theirs, version


def posterior(chains: list[Chain]) -> dict[str, float]:
    pooled = np.concatenate([c.draws for c in chains])
    low, median, high = np.quantile(pooled, [0.025, 0.5, 0.975])
    medians = [float(np.median(c.draws)) for c in chains]
    spread = statistics.stdev(medians) if len(medians) > 1 else 0.0
    return {"median": median, "low": low, "high": high, "se": spread / np.sqrt(len(medians))}


def results_for(name: str, run: Run, ours: list[Chain], theirs: list[Chain]) -> list[Result]:
    histories = read_table(name)
    K = lcmcr.default_classes(len(histories.lists))
    mine, r = posterior(ours), posterior(theirs)
    gap = abs(mine["median"] - r["median"]) / max(np.hypot(mine["se"], r["se"]), 1e-9)
    notes = {
        "lists": len(histories.lists),
        "observed": histories.observed,
        "K": K,
        "seeds": len(run.seeds),
        "median_gavah": mine["median"],
        "median_R": r["median"],
        "interval_gavah": [mine["low"], mine["high"]],
        "interval_R": [r["low"], r["high"]],
        "medians_apart_in_se": round(float(gap), 2),
    }
    seconds = statistics.median(c.seconds for c in ours)
    r_seconds = statistics.median(c.seconds for c in theirs)
    ess = statistics.mean(c.ess_per_sweep(run) for c in ours)
    r_ess = statistics.mean(c.ess_per_sweep(run) for c in theirs)
    what = f"LCMCR on {name} ({run.burnin:,} + {run.samples:,} x {run.thinning})"
    return [
        Result(
            "10 lcmcr time",
            what,
            seconds,
            "s",
            baseline="R LCMCR",
            baseline_value=r_seconds,
            target="<= R's",
            met=seconds <= r_seconds,
            notes=notes,
        ),
        Result(
            "10 lcmcr ess",
            what,
            ess,
            "ESS/sweep",
            baseline="R LCMCR",
            baseline_value=r_ess,
            notes={"per_seed_gavah": [c.ess_per_sweep(run) for c in ours]}
            | {"per_seed_R": [c.ess_per_sweep(run) for c in theirs]},
        ),
    ]


def overall(per_table: list[Result], version: str, compile_seconds: float) -> list[Result]:
    """Time over all tables, and the geometric mean of the tables' ESS-per-sweep ratios."""
    times = [r for r in per_table if r.bench == "10 lcmcr time"]
    ess = [r for r in per_table if r.bench == "10 lcmcr ess"]
    total, r_total = sum(r.value for r in times), sum(r.baseline_value or 0.0 for r in times)
    ratios = [r.ratio for r in ess if r.ratio]
    mean_ratio = float(np.exp(np.mean(np.log(ratios)))) if ratios else 0.0
    notes = {
        "reference": version,
        "sampler": lcmcr.default_sampler(),
        "first_call_seconds": round(compile_seconds, 2),
    }
    what = f"LCMCR on {len(times)} published tables, one run each"
    return [
        Result(
            "10 lcmcr time, all",
            what,
            total,
            "s",
            baseline="R LCMCR",
            baseline_value=r_total,
            target="<= R's",
            met=total <= r_total,
            notes=notes,
        ),
        Result(
            "10 lcmcr ess, all",
            "ESS per sweep of N, geometric mean of gavah / R over the tables",
            mean_ratio,
            "x R",
            target=">= 1",
            met=mean_ratio >= 1.0,
        ),
    ]


def run(sizes: Sizes, say: Say) -> list[Result]:
    env, why = r_environment()
    if env is None or not DATA.is_dir():
        why = why or f"the published tables are not at {DATA}"
        say(f"10. skipped: {why}")
        return [Result("10 lcmcr vs R", f"skipped: {why}", 0.0, "s")]
    chains = QUICK_RUN if sizes.mode == "quick" else FULL_RUN
    compile_seconds = load_sampler()
    results: list[Result] = []
    version = ""
    with tempfile.TemporaryDirectory(prefix="gavah-lcmcr-r-") as tmp:
        program = Path(tmp) / "lcmcr.R"
        program.write_text(R_PROGRAM, encoding="utf-8")
        for name in TABLES:
            ours, theirs, version = compare(name, chains, env, program, say)
            results += results_for(name, chains, ours, theirs)
    return results + overall(results, version, compile_seconds)
