"""scripts/sudan_example.py end to end, and docs/sudan-example.md checked against what it prints.

The script writes the Khartoum capture patterns at the published main thresholds (d3o3); the
command a reader would run on that file must give the figures the script printed, and the doc
must quote them, so that neither can drift from the code."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mse_data import mse_data

from gavah_cli import gavah

# The script's quick run takes about 2 minutes: `make bench` runs these (pytest -m study).
pytestmark = pytest.mark.study

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "sudan_example.py"
DOC = ROOT / "docs" / "sudan-example.md"


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GAVAH_")} | {
        "PYTHONPATH": os.pathsep.join(sys.path)
    }


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    data = mse_data() / "sudan_khartoum_2024"
    if not data.is_dir():
        pytest.skip(f"Khartoum data not found at {data}")
    out = tmp_path_factory.mktemp("khartoum")
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--data", str(data), "--out", str(out), "--quick", "--json"],
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout), out / "khartoum_d3o3.csv"


def test_the_pattern_table_gives_the_printed_figures_from_the_command(
    example: tuple[dict[str, Any], Path],
) -> None:
    report, patterns = example
    with patterns.open(newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["PB", "PV", "SM", "count"]
    printed = report["d3o3"]["estimates"]["loglinear"]
    run = gavah(env(), "estimate", "--patterns", str(patterns), "--method", "loglinear", "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["observed"] == report["d3o3"]["observed"] == printed["observed"]
    assert out["estimate"] == pytest.approx(printed["estimate"], rel=1e-9)
    assert out["interval"] == pytest.approx(printed["interval"], rel=1e-9)
    assert out["lists"] == ["PB", "PV", "SM"]


def test_the_doc_quotes_the_figures_the_script_prints(
    example: tuple[dict[str, Any], Path],
) -> None:
    report, _ = example
    doc = DOC.read_text(encoding="utf-8")
    d3o3 = report["d3o3"]
    loglinear = d3o3["estimates"]["loglinear"]
    published_rule = d3o3["estimates"]["loglinear_published_rule"]
    covariates = d3o3["estimates"]["loglinear_covariates"]
    best = max(covariates["models"], key=lambda m: m["weight"])
    quoted = [
        f"{covariates['estimate']:,.0f}",
        *(f"{x:,.0f}" for x in covariates["interval"]),
        *(f"{x:,.0f}" for x in covariates["published_style"][1:]),
        f"{best['unlisted']:,.0f}",
        *(f"{x:,.0f}" for x in best["published_style_interval"]),
        f"{d3o3['observed']:,}",
        f"{loglinear['estimate']:,.0f}",
        *(f"{x:,.0f}" for x in loglinear["interval"]),
        f"{published_rule['estimate']:,.0f}",
        *(f"{n:,}" for n in d3o3["list_sizes"].values()),
        f"{report['grid']['ours']['ratio']:.1f}",
    ]
    missing = [figure for figure in quoted if figure not in doc]
    assert not missing, f"docs/sudan-example.md does not quote {missing}: rerun the script"
