"""``gavah estimate`` end to end: strata summed, JSON shape, HTML report, refusals."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from gavah_cli import gavah

ROWS = {  # synthetic capture patterns for two provinces (not real data)
    "North": {
        (1, 0, 0): 120,
        (0, 1, 0): 90,
        (0, 0, 1): 70,
        (1, 1, 0): 40,
        (1, 0, 1): 30,
        (0, 1, 1): 25,
        (1, 1, 1): 12,
    },
    "South": {
        (1, 0, 0): 60,
        (0, 1, 0): 55,
        (0, 0, 1): 45,
        (1, 1, 0): 20,
        (1, 0, 1): 18,
        (0, 1, 1): 15,
        (1, 1, 1): 6,
    },
}


# LCMCR's chain, short, where it only stands beside the method under test (side by side).
SHORT_LCMCR = ("--samples", "1000", "--burnin", "1000")


def patterns_file(tmp_path: Path) -> Path:
    lines = ["A,B,C,province,count"]
    for province, rows in ROWS.items():
        lines += [f"{a},{b},{c},{province},{n}" for (a, b, c), n in rows.items()]
    path = tmp_path / "patterns.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GAVAH_")} | {
        "PYTHONPATH": os.pathsep.join(sys.path)
    }


def test_strata_are_estimated_and_summed(tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    run = gavah(
        env(),
        "estimate",
        "--patterns",
        str(patterns_file(tmp_path)),
        "--method",
        "dga",
        "--stratify",
        "province",
        "--seed",
        "7",
        "--json",
        "--html",
        str(html),
        *SHORT_LCMCR,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert set(out) >= {"observed", "estimate", "interval", "method", "lists", "strata", "warnings"}
    assert out["observed"] == sum(sum(r.values()) for r in ROWS.values())
    assert [s["stratum"] for s in out["strata"]] == [{"province": "North"}, {"province": "South"}]
    strata_sum = sum(s["estimate"] for s in out["strata"])
    assert abs(out["estimate"] - strata_sum) / strata_sum < 0.05  # median of sums ~ sum of medians
    assert out["interval"][0] < out["estimate"] < out["interval"][1]
    assert out["estimate"] > out["observed"]
    page = html.read_text(encoding="utf-8")
    assert "<svg" in page and "<script" not in page and "http" not in page.split("</head>")[1]
    again = gavah(
        env(),
        "estimate",
        "--patterns",
        str(patterns_file(tmp_path)),
        "--method",
        "dga",
        "--stratify",
        "province",
        "--seed",
        "7",
        "--json",
        *SHORT_LCMCR,
    )
    assert json.loads(again.stdout) == out  # the same seed, the same result


def test_refusals_are_explained(tmp_path: Path) -> None:
    path = patterns_file(tmp_path)
    one = gavah(env(), "estimate", "--patterns", str(path), "--lists", "A")
    assert one.returncode == 2 and "at least two" in one.stderr
    unknown = gavah(env(), "estimate", "--patterns", str(path), "--method", "guess")
    assert unknown.returncode == 2 and "unknown method" in unknown.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("A,B,C,count\n1,0,0,12\n0,1,x,3\n", encoding="utf-8")
    malformed = gavah(env(), "estimate", "--patterns", str(bad), "--json")
    assert malformed.returncode == 2
    assert "line 3, column 'C'" in json.loads(malformed.stdout)["message"]


def test_lcmcr_runs_from_the_command_line_with_its_chain_settings(tmp_path: Path) -> None:
    run = gavah(env(), "estimate", "--patterns", str(patterns_file(tmp_path)), "--method", "lcmcr",
                "--stratify", "province", "--burnin", "500", "--samples", "300", "--thinning", "2",
                "--seed", "3", "--json", timeout=600)  # fmt: skip
    # (the first LCMCR run of a fresh checkout compiles the sampler with numba: on a busy 2-core
    # machine that alone has taken over 120 s; later runs read it from numba's cache)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["method"] == "lcmcr" and len(out["strata"]) == 2
    assert all(s["diagnostics"]["samples"] == 300 for s in out["strata"])
    assert out["interval"][0] < out["estimate"] < out["interval"][1]


def test_dga_grid_can_be_widened_from_the_command_line(tmp_path: Path) -> None:
    path = patterns_file(tmp_path)
    narrow = gavah(
        env(),
        "estimate",
        "--patterns",
        str(path),
        "--method",
        "dga",
        "--json",
        "--max-missing",
        "60",
        "--stratify",
        "province",
        "--no-compare",
    )
    assert narrow.returncode == 0, narrow.stderr
    cut = json.loads(narrow.stdout)
    assert any("--max-missing" in w for w in cut["warnings"])
    wide = gavah(
        env(),
        "estimate",
        "--patterns",
        str(path),
        "--method",
        "dga",
        "--json",
        "--max-missing",
        "5000",
        "--stratify",
        "province",
        "--no-compare",
    )
    widened = json.loads(wide.stdout)
    assert not any("--max-missing" in w for w in widened["warnings"])
    assert widened["interval"][1] > cut["interval"][1]
    # Without the methods side by side, --max-missing has no dga to apply to.
    refused = gavah(
        env(), "estimate", "--patterns", str(path), "--max-missing", "60", "--no-compare"
    )
    assert refused.returncode == 2 and "dga" in refused.stderr
