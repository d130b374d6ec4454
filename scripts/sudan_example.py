"""The worked example of docs/sudan-example.md: every figure that page quotes, from the Khartoum
lists of Dahab, AbuKoura, Checchi et al. (2024), "War-Time Mortality in Sudan: A
Capture-Recapture Analysis" (SSRN 5016438; data MIT, francescochecchi/sdn_mortality_2024).

It links the three lists at the published main thresholds (d3o3), writes the capture-pattern
table ``khartoum_d3o3.csv`` that ``gavah estimate --patterns`` reads, estimates with each method,
walks the threshold grid d1..d5 x o1..o5 and pools redraws of the linkage, first with gavah's
plain models, then with the published method (record-level covariates, one draw per link). The
figures of ``gavah estimate`` come from the same code the command runs, on the CSV written here.

Run: .venv/bin/python scripts/sudan_example.py --out /tmp/khartoum [--quick] [--json]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from gavah.casualties.mse import dga, sudan
from gavah.casualties.mse.patterns import CaptureHistories, Estimate, read_strata
from gavah.casualties.mse.run import Result, estimate_strata
from gavah.errors import GavahError, InputError

MAIN_THRESHOLDS = (3, 3)  # the published main analysis: duplicates and matches scored >= 3
PATTERNS_FILE = "khartoum_d3o3.csv"
LCMCR_CHAIN = {"burnin": 10_000, "samples": 10_000, "thinning": 10}  # gavah estimate's defaults
QUICK_CHAIN = {"burnin": 1_000, "samples": 1_000, "thinning": 5}
DGA_WIDE_GRID = 100_000  # unlisted victims; the command's grid (10 x observed) is too short here
COMMAND_SEED = 19481210  # gavah estimate's default --seed
DRAWS = 100  # linkage redraws, as tests/mse/test_loglinear.py
QUICK_DRAWS = 20
LIST_NAMES = {"PB": "public survey", "PV": "private survey", "SM": "social media"}

Linkage = tuple[list[sudan.Record], list[sudan.CandidateLink]]
T = TypeVar("T")


def default_data() -> Path:
    """As tests/mse/mse_data.py: $GAVAH_SHARED_DATA, else ../shared/data/mse beside the checkout."""
    env = os.environ.get("GAVAH_SHARED_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data" / "mse"
    return root / "sudan_khartoum_2024"


def read_data(folder: Path) -> Linkage:
    if not folder.is_dir():
        raise InputError(
            f"no Khartoum data at {folder}", hint="give --data DIR, the sudan_khartoum_2024 folder"
        )
    return sudan.read_khartoum(
        folder / "sdn_cam_data_final_public__data.csv", folder / "published_out_ovrlp_base.csv"
    )


def fixed_links(links: Sequence[sudan.CandidateLink], duplicate: int, match: int) -> list[bool]:
    """Which candidate links fixed thresholds accept (probabilities 0 or 1: nothing random)."""
    probabilities = sudan.threshold_probabilities(duplicate, match)
    drawn = probabilities.draw(np.random.default_rng(0))
    return [probabilities.probability(link, drawn) == 1.0 for link in links]


def run_at(
    data: Linkage, duplicate: int, match: int, covariates: sudan.CovariateRule | None = None
) -> sudan.LinkageRun:
    records, links = data
    accepted = fixed_links(links, duplicate, match)
    return sudan.run_once(
        records, links, accepted, sudan.KHARTOUM_LISTS, sudan.khartoum_all_cause, covariates
    )


# --- What the lists hold ----------------------------------------------------------------------


def inputs(data: Linkage, folder: Path) -> dict[str, Any]:
    records, links = data
    scores = sudan.read_score_probabilities(folder / "published_out_score_probs.csv")
    return {
        "records": dict(sorted(Counter(r.list_name for r in records).items())),
        "candidate_links": {
            kind: {
                str(s): n for (k, s), n in sorted(Counter(_kind_score(links)).items()) if k == kind
            }
            for kind in ("duplicate", "match")
        },
        "score_probabilities": {
            f"{kind} {score}": _spread(values)
            for (kind, score), values in sorted(scores.values.items())
            if score > 0
        },
    }


def _kind_score(links: Sequence[sudan.CandidateLink]) -> list[tuple[str, int]]:
    return [(link.kind, link.score) for link in links]


def _spread(values: Sequence[float]) -> dict[str, float]:
    return {"median": float(np.median(values)), "low": min(values), "high": max(values)}


def attrition(data: Linkage) -> list[tuple[str, int]]:
    """People after linkage at d3o3, and how many pass each published inclusion rule."""
    records, links = data
    people = sudan.link_people(records, links, fixed_links(links, *MAIN_THRESHOLDS))
    facts = [sudan.person_facts(p) for p in people]
    steps = [("people after linkage", facts)]
    steps.append(("enough identifiers", [f for f in steps[-1][1] if f.del_score >= 5]))
    steps.append(("died since 15 April 2023", [f for f in steps[-1][1] if _in_period(f)]))
    steps.append(("died in Sudan", [f for f in steps[-1][1] if f.location != "outside Sudan"]))
    steps.append(("died in Khartoum State", [f for f in steps[-1][1] if f.location == "Khartoum"]))
    return [(label, len(kept)) for label, kept in steps]


def _in_period(facts: sudan.PersonFacts) -> bool:
    return facts.death_date is None or facts.death_date >= sudan.STUDY_START


def overlaps(histories: CaptureHistories) -> dict[str, Any]:
    lists = histories.lists
    pairs = {
        f"{lists[i]}+{lists[j]}": _on_all(histories, (i, j))
        for i, j in itertools.combinations(range(len(lists)), 2)
    }
    return {
        "observed": histories.observed,
        "list_sizes": histories.list_totals(),
        "overlaps": {**pairs, "+".join(lists): _on_all(histories, tuple(range(len(lists))))},
        "patterns": [
            {**dict(zip(lists, p, strict=True)), "count": c}
            for p, c in zip(histories.patterns, histories.counts, strict=True)
        ],
    }


def _on_all(histories: CaptureHistories, index: tuple[int, ...]) -> int:
    pairs = zip(histories.patterns, histories.counts, strict=True)
    return sum(c for p, c in pairs if all(p[i] for i in index))


def write_patterns(histories: CaptureHistories, path: Path) -> None:
    """The table ``gavah estimate --patterns`` reads: one 0/1 column per list, then ``count``."""
    counts = dict(zip(histories.patterns, histories.counts, strict=True))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([*histories.lists, "count"])
        for pattern in itertools.product((0, 1), repeat=len(histories.lists)):
            if any(pattern):
                writer.writerow([*pattern, counts.get(pattern, 0)])


# --- Estimates at d3o3 ------------------------------------------------------------------------


def command(method: str, seed: int, chain: dict[str, int] | None = None) -> str:
    extra = "".join(f" --{k} {v}" for k, v in (chain or {}).items() if LCMCR_CHAIN.get(k) != v)
    return f"gavah estimate --patterns {PATTERNS_FILE} --method {method} --seed {seed}{extra}"


def figures(result: Result | Estimate, how: str) -> dict[str, Any]:
    low, high = result.interval
    out: dict[str, Any] = {
        "how": how,
        "observed": result.observed,
        "estimate": result.estimate,
        "interval": [low, high],
        "unlisted": result.estimate - result.observed,
        "warnings": list(result.warnings),
    }
    one = result.strata[0].estimate if isinstance(result, Result) else result
    diagnostics = one.diagnostics
    if result.method == "lcmcr":
        out["converged"] = diagnostics["converged"]
        out["effective_sample_size"] = diagnostics["effective_sample_size"]
    if result.method == "dga":
        out["graphs"] = graphs(diagnostics)
    return out


def graphs(diagnostics: dict[str, Any]) -> list[dict[str, Any]]:
    """dga's most probable graphs: which lists depend on which, and what each says."""
    return [
        {"cliques": g["cliques"], "probability": g["probability"], "median": g["posterior_median"]}
        for g in diagnostics["top_models"]
    ]


def cli_estimate(path: Path, method: str, seed: int, chain: dict[str, int] | None) -> Result:
    """What ``gavah estimate --patterns PATH`` computes (the same functions, the same options)."""
    return estimate_strata(read_strata(path, ()), (), method, seed=seed, options=chain or {})


def main_estimates(
    path: Path, main: sudan.LinkageRun, adjusted: sudan.LinkageRun, seed: int, quick: bool
) -> dict[str, Any]:
    wide = dga.estimate(main.histories, max_missing=DGA_WIDE_GRID, seed=seed)
    loglinear = cli_estimate(path, "loglinear", seed, None)
    return {
        "loglinear": {
            **figures(loglinear, command("loglinear", seed)),
            "models": models(loglinear.strata[0].estimate.diagnostics),
        },
        "loglinear_published_rule": {
            **figures(main.estimate, "sudan.run_once: the saturated model dropped, as published"),
            "models": models(main.estimate.diagnostics),
        },
        "loglinear_covariates": {
            **figures(
                adjusted.estimate,
                "sudan.run_once with sudan.khartoum_covariates: the published models",
            ),
            "published_style": list(adjusted.published),
            "models": adjusted.estimate.diagnostics["models"],
        },
        "dga": figures(cli_estimate(path, "dga", seed, None), command("dga", seed)),
        "dga_wide_grid": figures(wide, f"dga.estimate(max_missing={DGA_WIDE_GRID:_})"),
        **lcmcr_runs(path, seed, QUICK_CHAIN if quick else LCMCR_CHAIN),
    }


def lcmcr_runs(path: Path, seed: int, chain: dict[str, int]) -> dict[str, Any]:
    """LCMCR from a few seeds: where its posterior has several modes, the runs disagree."""
    seeds = dict.fromkeys((seed, seed + 1, COMMAND_SEED))
    return {
        f"lcmcr_seed_{s}": figures(
            cli_estimate(path, "lcmcr", s, chain), command("lcmcr", s, chain)
        )
        for s in seeds
    }


def models(diagnostics: dict[str, Any]) -> list[dict[str, Any]]:
    """The log-linear models averaged, by AIC weight (unlisted = n0, with its 95% interval)."""
    return [
        {"terms": m["terms"], "weight": m["weight"], "unlisted": m["n0"], "interval": m["interval"]}
        for m in diagnostics["models"]
    ]


# --- Linkage: the threshold grid and redraws --------------------------------------------------


def grid(data: Linkage, folder: Path) -> dict[str, Any]:
    published = _published_grid(folder / "published_out_all_sens_raw.csv")
    cells: list[dict[str, Any]] = []
    for match, duplicate in itertools.product(range(1, 6), repeat=2):
        run = run_at(data, duplicate, match)
        cells.append(
            {
                "duplicate": duplicate,
                "match": match,
                "observed": run.histories.observed,
                "estimate": run.estimate.estimate,
                "interval": list(run.estimate.interval),
                "published": published[(duplicate, match)],
            }
        )
    return {
        "cells": cells,
        "ours": _ratio([c["estimate"] for c in cells]),
        "published": _ratio([c["published"][0] for c in cells]),
    }


def _published_grid(path: Path) -> dict[tuple[int, int], list[float]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return {
            (int(r["dup_threshold"]), int(r["ovrlp_threshold"])): [
                float(r["all_cause_est"]),
                float(r["all_cause_lci"]),
                float(r["all_cause_uci"]),
            ]
            for r in csv.DictReader(f)
        }


def _ratio(values: Sequence[float]) -> dict[str, float]:
    return {"lowest": min(values), "highest": max(values), "ratio": max(values) / min(values)}


def pooled(
    data: Linkage, folder: Path, draws: int, seed: int, published_method: bool = False
) -> dict[str, Any]:
    """Redraw the linkage ``draws`` times. gavah's way: plain models, one probability per score
    per draw. The published method: record-level covariates, one probability per link."""
    records, links = data
    probabilities = sudan.read_score_probabilities(folder / "published_out_score_probs.csv")
    extra: dict[str, Any] = (
        {"covariates": sudan.khartoum_covariates, "draw": "link"} if published_method else {}
    )
    result = sudan.pooled_estimate(
        records,
        links,
        probabilities,
        lists=sudan.KHARTOUM_LISTS,
        eligible=sudan.khartoum_all_cause,
        runs=draws,
        seed=seed,
        **extra,
    )
    how = f"sudan.pooled_estimate(runs={draws}, seed={seed}"
    how += ", covariates=sudan.khartoum_covariates, draw='link')" if published_method else ")"
    return {
        **figures(result, how),
        "diagnostics": result.diagnostics,
        "published": _published_total(folder / "published_out_all_cause_out_est_sim.csv"),
    }


def _published_models(folder: Path) -> list[dict[str, Any]]:
    """The published d3o3 table (covariate models): model, unlisted (interval), AIC, weight."""
    path = folder / "published_out_d3o3_all_cause_out_pretty.csv"
    with path.open(newline="", encoding="utf-8-sig") as f:
        return [
            {
                "model": row["model"],
                "unlisted": row["deaths outside any list (95%CI)"],
                "aic": row["AIC"],
                "weight": row["posterior probability"],
            }
            for row in csv.DictReader(f)
        ]


def _published_total(path: Path) -> dict[str, Any]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        row = next(csv.DictReader(f))
    return {
        "estimate": float(row["total_deaths_est"]),
        "interval": [float(row["total_deaths_lci"]), float(row["total_deaths_uci"])],
    }


# --- Putting it together ----------------------------------------------------------------------


def example(folder: Path, out: Path, draws: int, seed: int, quick: bool) -> dict[str, Any]:
    clock = _Clock()
    data = read_data(folder)
    out.mkdir(parents=True, exist_ok=True)
    main = run_at(data, *MAIN_THRESHOLDS)
    adjusted = run_at(data, *MAIN_THRESHOLDS, sudan.khartoum_covariates)
    path = out / PATTERNS_FILE
    write_patterns(main.histories, path)
    report: dict[str, Any] = {
        "data": str(folder),
        "patterns_file": str(path),
        "seed": seed,
        "draws": draws,
        "quick": quick,
        "inputs": inputs(data, folder),
        "attrition": attrition(data),
        "d3o3": overlaps(main.histories),
    }
    report["d3o3"]["estimates"] = clock.lap(
        "d3o3 estimates", main_estimates, path, main, adjusted, seed, quick
    )
    report["d3o3"]["published_models"] = _published_models(folder)
    report["grid"] = clock.lap("threshold grid", grid, data, folder)
    report["pooled"] = clock.lap("linkage redraws", pooled, data, folder, draws, seed)
    report["pooled_published_method"] = clock.lap(
        "linkage redraws, published method", pooled, data, folder, draws, seed, True
    )
    report["seconds"] = clock.total()
    return report


class _Clock:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, label: str, step: Callable[..., T], *args: Any) -> T:
        began = time.perf_counter()
        result = step(*args)
        self.laps[label] = round(time.perf_counter() - began, 1)
        return result

    def total(self) -> dict[str, float]:
        return {**self.laps, "total": round(time.perf_counter() - self.start, 1)}


# --- Text output ------------------------------------------------------------------------------


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _as_published(x: float) -> str:
    """Published figures as written (some end in .5)."""
    return f"{x:,.1f}" if x % 1 else f"{x:,.0f}"


def _range(interval: Sequence[float]) -> str:
    return f"{_n(interval[0])} to {_n(interval[1])}"


def text(report: dict[str, Any]) -> str:
    lines = [
        f"Khartoum worked example (seed {report['seed']}, {report['draws']} linkage redraws"
        f"{', quick' if report['quick'] else ''}); data: {report['data']}",
        "",
    ]
    lines += _text_inputs(report) + _text_d3o3(report) + _text_grid(report) + _text_pooled(report)
    lines.append("Seconds: " + ", ".join(f"{k} {v}" for k, v in report["seconds"].items()))
    return "\n".join(lines) + "\n"


def _text_inputs(report: dict[str, Any]) -> list[str]:
    inp = report["inputs"]
    per_list = (f"{k} ({LIST_NAMES[k]}) {_n(v)}" for k, v in inp["records"].items())
    lines = ["Records per list: " + ", ".join(per_list)]
    for kind, counts in inp["candidate_links"].items():
        lines.append(
            f"Candidate {kind} links by score: " + ", ".join(f"{s}: {n}" for s, n in counts.items())
        )
    lines.append("P(link is real | score), published (median, range):")
    for key, p in inp["score_probabilities"].items():
        lines.append(f"  {key}: {p['median']:.3f} ({p['low']:.3f} to {p['high']:.3f})")
    lines.append("Attrition at d3o3: " + "; ".join(f"{k} {_n(v)}" for k, v in report["attrition"]))
    return [*lines, ""]


def _text_d3o3(report: dict[str, Any]) -> list[str]:
    d = report["d3o3"]
    lines = [
        f"At d3o3: {_n(d['observed'])} people in Khartoum State on at least one list; "
        f"written to {report['patterns_file']}",
        "List sizes: " + ", ".join(f"{k} {_n(v)}" for k, v in d["list_sizes"].items()),
        "Overlaps: " + ", ".join(f"{k} {_n(v)}" for k, v in d["overlaps"].items()),
        "Patterns: " + "; ".join(_pattern(p) for p in d["patterns"]),
    ]
    for name, e in d["estimates"].items():
        lines.append(
            f"  {name}: {_n(e['estimate'])} ({_range(e['interval'])}), "
            f"unlisted {_n(e['unlisted'])}  [{e['how']}]"
        )
        if "effective_sample_size" in e:
            lines.append(f"      effective sample size {e['effective_sample_size']:.0f}")
        lines += [f"      warning: {w}" for w in e["warnings"]]
        if "published_style" in e:
            lines.append(
                f"      published style: {_n(e['published_style'][0])} "
                f"({_range(e['published_style'][1:])})"
            )
        lines += [_model_line(m) for m in e.get("models", [])]
        lines += [_graph_line(g) for g in e.get("graphs", [])]
    lines.append("  published d3o3 table (covariate models):")
    lines += [
        f"      {m['model']}: unlisted {m['unlisted']}, AIC {m['aic']}, weight {m['weight']}"
        for m in d["published_models"]
    ]
    return [*lines, ""]


def _model_line(m: dict[str, Any]) -> str:
    terms = m["model"] if "model" in m else " + ".join(m["terms"]) or "no interactions"
    interval = _range(m["interval"])
    line = (
        f"      model {terms}: weight {m['weight']:.3f}, unlisted {_n(m['unlisted'])} ({interval})"
    )
    if "published_style_interval" in m:
        line += f"; published style ({_range(m['published_style_interval'])}), AIC {m['aic']:.2f}"
    return line


def _graph_line(g: dict[str, Any]) -> str:
    cliques = " ".join("[" + ", ".join(c) + "]" for c in g["cliques"])
    return f"      graph {cliques}: probability {g['probability']:.3f}, median {_n(g['median'])}"


def _pattern(row: dict[str, int]) -> str:
    lists = "+".join(k for k, v in row.items() if k != "count" and v)
    return f"{lists} {row['count']}"


def _text_grid(report: dict[str, Any]) -> list[str]:
    g = report["grid"]
    lines = ["Threshold grid (published rule; published figure in brackets):"]
    for c in g["cells"]:
        pub = c["published"]
        lines.append(
            f"  d{c['duplicate']}o{c['match']}: {_n(c['observed'])} people, "
            f"{_n(c['estimate'])} ({_range(c['interval'])})  [{_n(pub[0])} ({_range(pub[1:])})]"
        )
    for who in ("ours", "published"):
        r = g[who]
        lines.append(
            f"  {who}: lowest {_n(r['lowest'])}, highest {_n(r['highest'])}, ratio {r['ratio']:.1f}"
        )
    return [*lines, ""]


def _text_pooled(report: dict[str, Any]) -> list[str]:
    lines = []
    for key, label in (
        ("pooled", "gavah's models"),
        ("pooled_published_method", "published method"),
    ):
        p = report[key]
        diag, pub = p["diagnostics"], p["published"]
        lines += [
            f"Linkage redrawn {diag['runs']} times, {label}: {_n(p['estimate'])} "
            f"({_range(p['interval'])}); people per draw {_n(diag['observed_range'][0])} to "
            f"{_n(diag['observed_range'][1])} (median {_n(diag['observed_median'])})  [{p['how']}]",
            f"  medians of the draws' bounds (published style): "
            f"{_n(diag['published_style_estimate'])} ({_range(diag['published_style_interval'])})",
            f"  published: {_as_published(pub['estimate'])} ({_as_published(pub['interval'][0])} "
            f"to {_as_published(pub['interval'][1])})",
        ]
        lines += [f"  warning: {w}" for w in p["warnings"]]
        lines.append("")
    return lines


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=default_data(),
        help="folder sudan_khartoum_2024 (default: as the tests find it)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("."),
        help=f"where {PATTERNS_FILE} is written (default: here)",
    )
    parser.add_argument(
        "--draws",
        type=int,
        default=None,
        help=f"linkage redraws (default {DRAWS}; {QUICK_DRAWS} with --quick)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short lcmcr chain and fewer redraws (those figures change; the others do not)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)
    if args.draws is None:
        args.draws = QUICK_DRAWS if args.quick else DRAWS
    if args.draws < 1:
        parser.error("--draws must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    try:
        report = example(args.data, args.out, args.draws, args.seed, args.quick)
    except GavahError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(exc.hint, file=sys.stderr)
        return 2
    print(
        json.dumps(report, indent=1) if args.json else text(report), end="\n" if args.json else ""
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
