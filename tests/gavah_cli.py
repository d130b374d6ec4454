"""Running ``python -m gavah`` as a separate process, as a user would (shared by test modules)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def gavah(
    env: dict[str, str],
    *args: str,
    cwd: Path | None = None,
    timeout: float = 120,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gavah", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
        stdin=None if input_text is not None else subprocess.DEVNULL,
    )
