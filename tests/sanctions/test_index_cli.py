"""``gavah sanctions index`` and ``gaps --regime`` through the command, on the real excerpts."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

from gavah_cli import gavah

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"


def test_the_index_is_built_on_import_and_on_demand(cli_env: dict[str, str]) -> None:
    assert gavah(cli_env, "init").returncode == 0
    imported = gavah(cli_env, "sanctions", "import", str(FIXTURES / "ofac"), "--format", "ofac",
                     "--list", "ofac", "--json")  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    snapshot = json.loads(imported.stdout)["id"]
    folder = Path(cli_env["GAVAH_WORKSPACE"]) / "index" / "sanctions"
    path = folder / f"ofac.{snapshot}.npz"
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    built = path.stat().st_mtime_ns

    current = gavah(cli_env, "sanctions", "index", "--json")
    assert current.returncode == 0, current.stderr
    (done,) = json.loads(current.stdout)
    assert done["list"] == "ofac" and done["snapshot"] == snapshot and done["entries"] > 0
    assert path.stat().st_mtime_ns == built, "a current index is not built again"

    path.unlink()  # missing: screen builds it itself
    screened = gavah(cli_env, "sanctions", "screen", "--json")
    assert screened.returncode == 0, screened.stderr
    assert path.exists()

    rebuilt = gavah(cli_env, "sanctions", "index", "--rebuild", "--list", "ofac")
    assert rebuilt.returncode == 0 and "ofac: snapshot" in rebuilt.stdout
    unknown = gavah(cli_env, "sanctions", "index", "--list", "nope")
    assert unknown.returncode != 0 and "no sanctions list named 'nope'" in unknown.stderr
    verified = gavah(cli_env, "log", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_gaps_by_regime(cli_env: dict[str, str], tmp_path: Path) -> None:
    assert gavah(cli_env, "init").returncode == 0
    assert gavah(cli_env, "sanctions", "import", str(FIXTURES / "ofac"), "--format", "ofac",
                 "--list", "ofac").returncode == 0  # fmt: skip
    person = {
        "id": "p-moghaddam",  # what OFAC's own entry 12762 says, spelt as the EU spells it
        "schema": "Person",
        "properties": {"name": ["Esmail Ahmadi-Moghaddam"], "birthDate": ["1961"]},
    }
    registry = tmp_path / "registry.jsonl"
    registry.write_text(json.dumps(person) + "\n", encoding="utf-8")
    assert gavah(cli_env, "registry", "import", str(registry)).returncode == 0

    rights = gavah(cli_env, "sanctions", "gaps", "--format", "csv", "--regime", "human-rights")
    assert rights.returncode == 0, rights.stderr
    (row,) = csv.DictReader(io.StringIO(rights.stdout))
    assert row["us_status"] == "designated" and row["us_regimes"].startswith("for human rights")

    terror = gavah(cli_env, "sanctions", "gaps", "--format", "json", "--regime", "terrorism")
    assert terror.returncode == 0, terror.stderr
    data = json.loads(terror.stdout)
    assert data["regime"] == "terrorism"
    us = data["entities"][0]["jurisdictions"]["us"]
    assert us["status"] == "not designated" and "terrorism" in us["not_for"]
    assert us["entries"] and "human-rights" in us["entries"][0]["regimes"]

    table = gavah(cli_env, "sanctions", "gaps")
    assert table.returncode == 0 and "for human rights" in table.stdout
    wrong = gavah(cli_env, "sanctions", "gaps", "--regime", "piracy")
    assert wrong.returncode != 0 and "unknown regime" in wrong.stderr
