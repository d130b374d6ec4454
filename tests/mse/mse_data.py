"""Where the real multi-list data lie: ../shared/data/mse beside the checkout, or the folder
$GAVAH_SHARED_DATA names. Tests that need it are skipped, with the reason, when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def mse_data() -> Path:
    env = os.environ.get("GAVAH_SHARED_DATA")
    folder = Path(env) if env else Path(__file__).resolve().parents[3] / "shared" / "data" / "mse"
    if not folder.is_dir():
        pytest.skip(f"shared MSE data not found at {folder} (set GAVAH_SHARED_DATA to data/mse)")
    return folder
