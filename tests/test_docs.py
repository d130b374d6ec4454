"""Docs are checked against the code: settings table and CLI reference are generated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gavah.settings import Settings, settings_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_settings_doc_lists_every_setting_as_generated() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    block = text.split("<!-- generated: start -->\n")[1].split("<!-- generated: end -->")[0]
    assert block == settings_markdown(), (
        "run: python -m gavah.settings, and paste into docs/settings.md"
    )
    for name in Settings.model_fields:
        assert f"GAVAH_{name.upper()}" in block


def test_cli_reference_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "cli.md"
    typer = Path(sys.executable).parent / "typer"
    subprocess.run(
        [
            str(typer),
            "gavah.cli",
            "utils",
            "docs",
            "--name",
            "gavah",
            "--title",
            "gavah command line",
            "--output",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert out.read_text(encoding="utf-8") == (DOCS / "cli.md").read_text(encoding="utf-8"), (
        "regenerate docs/cli.md: typer gavah.cli utils docs --name gavah "
        "--title 'gavah command line' --output docs/cli.md"
    )
