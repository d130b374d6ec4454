"""Abandoned web uploads are swept (issue 18, house-keeping): an upload no byte has reached for
`upload_keep_days` leaves the workspace, with one custody event naming it by id and size, never
by file name; an upload still moving, however slowly, is never cut."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from gavah.custody.entry import decode_entry
from gavah.db import models
from gavah.intake import uploads
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah_cli import gavah

DAY = 86400


def _upload(folder: Path, uid: str, *, age_days: float, size: int, finished: bool = False) -> None:
    """An upload in tus's own layout: the bytes and their .info state (or, finished, only the
    receipt gavah wrote), all last touched ``age_days`` ago."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if finished:
        paths = [folder / f"{uid}.done.json"]
        paths[0].write_text(json.dumps({"evidence_id": "ev-0000000000000000"}))
    else:
        paths = [folder / uid, folder / f"{uid}.info"]
        paths[0].write_bytes(b"x" * size)
        paths[1].write_text(
            json.dumps(
                {"size": size * 2, "offset": size, "metadata": {"filename": "witness-name.mp4"}}
            )
        )
    when = time.time() - age_days * DAY
    for path in paths:
        os.utime(path, (when, when))


def test_abandoned_uploads_and_old_receipts_go_with_a_custody_event(vault: Vault) -> None:
    root = vault.ws.settings.uploads_dir
    _upload(root / "account-1", "a" * 32, age_days=9, size=1000)  # abandoned
    _upload(root / "account-1", "b" * 32, age_days=0.5, size=10)  # still moving
    _upload(root / "account-2", "c" * 32, age_days=30, size=0, finished=True)  # old receipt
    os.utime(root / "account-1" / ("b" * 32 + ".info"), (time.time() - 20 * DAY,) * 2)
    (root / "account-2" / "notes.txt").write_text("not an upload: left alone")

    swept = uploads.sweep(vault, keep_days=7)

    assert [
        (u["account_folder"], u["upload"], u["bytes"], u["finished"]) for u in swept.uploads
    ] == [("account-1", "a" * 32, 1000, False), ("account-2", "c" * 32, 0, True)]
    left = sorted(p.name for p in root.rglob("*") if p.is_file())
    assert left == sorted(["b" * 32, "b" * 32 + ".info", "notes.txt"])
    with vault.db.read() as session:
        row = session.get(models.CustodyEvent, swept.log_index)
        assert row is not None and row.kind == uploads.UPLOADS_SWEPT
        entry = decode_entry(bytes(row.entry))
    assert entry["uploads"] == swept.uploads and entry["keep_days"] == 7
    assert "witness-name" not in json.dumps(entry)
    assert verify_workspace(vault).ok
    assert uploads.sweep(vault, keep_days=7).uploads == []  # nothing left to sweep, nothing logged


def test_nothing_to_sweep_logs_nothing(vault: Vault) -> None:
    with vault.db.read() as session:
        before = session.query(models.CustodyEvent).count()
    assert uploads.sweep(vault, keep_days=1).to_dict()["swept"] == 0
    with vault.db.read() as session:
        assert session.query(models.CustodyEvent).count() == before


def test_the_command_sweeps_and_says_what(cli_env: dict[str, str], settings_values: dict) -> None:
    assert gavah(cli_env, "init").returncode == 0
    folder = Path(settings_values["workspace"]) / "uploads" / "account-3"
    _upload(folder, "d" * 32, age_days=3, size=64)
    kept = json.loads(gavah(cli_env, "uploads", "sweep", "--json").stdout)
    assert kept["swept"] == 0 and (folder / ("d" * 32)).exists()
    run = gavah(cli_env, "uploads", "sweep", "--days", "2", "--json")
    assert run.returncode == 0, run.stderr
    done = json.loads(run.stdout)
    assert done["swept"] == 1 and done["bytes"] == 64 and not (folder / ("d" * 32)).exists()
    assert gavah(cli_env, "uploads", "sweep").stdout.strip() == "no abandoned uploads"
    assert gavah(cli_env, "log", "verify").returncode == 0
