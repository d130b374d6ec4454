"""A bug never shows a user a traceback: the CLI says what happened and where the details are."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
import gavah.cli.workspace as workspace
def broken(*args, **kwargs):
    raise RuntimeError("a bug, for the test")
workspace.init_workspace = broken
from gavah.cli import main
main(sys.argv[1:])
"""


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, "--workspace", str(tmp_path / "ws"), "init", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def test_an_unexpected_error_names_a_private_file_and_shows_no_traceback(tmp_path: Path) -> None:
    done = _run(tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "failed unexpectedly (RuntimeError)" in done.stderr
    (details,) = tmp_path.glob("gavah-error-*.txt")
    assert str(details) in done.stderr
    assert "a bug, for the test" in details.read_text(encoding="utf-8")
    assert stat.S_IMODE(details.stat().st_mode) == 0o600


def test_an_unexpected_error_is_one_json_error_with_json(tmp_path: Path) -> None:
    done = _run(tmp_path, "--json")
    error = json.loads(done.stdout)
    assert error["error"] == "InternalError" and error["exit_code"] == 1
    assert "Traceback" not in done.stderr
