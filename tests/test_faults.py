"""Faults around ingest, and tampering after it.

- the blob store's disk fills up: exit code 3, a message about space, earlier items intact;
- the SQLite database is locked by another process: exit code 7, nothing half-written;
- ``gavah ingest`` is SIGKILLed at random points: the vault always verifies, and a plain re-run
  completes it (``GAVAH_SIGKILL_ROUNDS`` sets how many kills, ``GAVAH_FAULT_SEED`` the delays);
- a blob byte, a database row, a stored tree hash or a checkpoint is changed behind gavah's back:
  ``gavah log verify`` exits 5 and names what was changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from gavah.custody.entry import decode_entry
from gavah.db import models
from gavah.intake import ingest as intake
from gavah.settings import Settings
from gavah.store import CHUNK_SIZE
from gavah.store.local import LocalStore
from gavah.vault import Vault
from gavah.workspace import open_workspace
from gavah_cli import gavah

PG = bool(os.environ.get("GAVAH_TEST_DATABASE_URL"))
S3 = os.environ.get("GAVAH_TEST_STORE", "local") == "s3"
SEED = int(os.environ.get("GAVAH_FAULT_SEED", "6962"))
ROUNDS = int(os.environ.get("GAVAH_SIGKILL_ROUNDS", "5"))


def verify(env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    run = gavah(env, "log", "verify", "--json")
    report: dict[str, Any] = json.loads(run.stdout)
    return run.returncode, report


def assert_verifies(env: dict[str, str]) -> dict[str, Any]:
    code, report = verify(env)
    assert code == 0 and report["ok"] is True, report["problems"]
    return report


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_files(folder: Path, sizes: dict[str, int], seed: int) -> dict[str, str]:
    """Random files of the given sizes; returns name -> SHA-256."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    digests = {}
    for name, size in sizes.items():
        data = rng.randbytes(size)
        (folder / name).write_bytes(data)
        digests[name] = hashlib.sha256(data).hexdigest()
    return digests


def vault_digests(settings: Settings) -> set[str]:
    """SHA-256 of every evidence item whose blob the store holds, read in-process."""
    ws = open_workspace(settings)
    try:
        with ws.db.read() as session:
            digests = set(session.execute(select(models.Evidence.sha256)).scalars())
        return {sha for sha in digests if ws.store.exists(sha)}
    finally:
        ws.close()


# --- the disk fills up --------------------------------------------------------------------


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Callable[[Path], Path]]:
    """Mount a 3 MiB tmpfs at a given folder; always unmounted afterwards."""
    mounted: list[Path] = []

    def mount(where: Path) -> Path:
        where.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(where)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


# More than the 3 MiB disk in total, and one file larger than it alone (on S3 the local disk only
# ever holds the staging copies of the files in flight).
LATE = {**{f"l{i}.bin": 700_000 for i in range(8)}, "l8.bin": 3_500_000}


@pytest.mark.parametrize(
    "full",
    [
        "workspace",
        pytest.param(
            "store",
            marks=pytest.mark.skipif(
                S3, reason="the blob store is S3: there is no local store disk to fill"
            ),
        ),
    ],
)
def test_disk_full_stops_cleanly_and_earlier_items_stay_intact(
    cli_env: dict[str, str],
    settings: Settings,
    tmp_path: Path,
    small_tmpfs: Callable[[Path], Path],
    full: str,
) -> None:
    env = dict(cli_env)
    if full == "workspace":  # staging (and, for the local store, the blobs) on the small disk
        disk = small_tmpfs(settings.workspace)
    else:
        disk = small_tmpfs(tmp_path / "blobs")
        env["GAVAH_STORE"] = str(disk)
        settings = settings.model_copy(update={"store": str(disk)})
    early = write_files(tmp_path / "early", {f"e{i}.bin": 200_000 for i in range(3)}, seed=1)
    late = write_files(tmp_path / "late", LATE, seed=2)
    assert gavah(env, "init").returncode == 0
    first = gavah(env, "ingest", str(tmp_path / "early"))
    assert first.returncode == 0, first.stdout + first.stderr

    run = gavah(env, "ingest", str(tmp_path / "late"))
    out = run.stdout + run.stderr
    assert run.returncode == 3, out
    assert "ran out of space" in out and "files already ingested are intact" in out
    assert "No space left on device" in out and "FAILED " + str(tmp_path / "late") in out
    assert "Traceback" not in out
    held = vault_digests(settings)
    assert set(early.values()) <= held and not held >= set(late.values())
    assert_verifies(env)

    # Once there is room again, a plain re-run brings in the rest.
    subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
    again = gavah(env, "ingest", str(tmp_path / "late"))
    assert again.returncode == 0, again.stdout + again.stderr
    assert vault_digests(settings) == {*early.values(), *late.values()}
    assert_verifies(env)


def test_disk_full_is_not_blamed_on_the_source_file(
    cli_env: dict[str, str],
    settings: Settings,
    tmp_path: Path,
    small_tmpfs: Callable[[Path], Path],
) -> None:
    small_tmpfs(settings.workspace)
    write_files(tmp_path / "late", LATE, seed=2)
    assert gavah(cli_env, "init").returncode == 0
    run = gavah(cli_env, "ingest", str(tmp_path / "late"), "--json")
    assert run.returncode == 3
    failures = json.loads(run.stdout)["failures"]
    assert failures and all("No space left" in f["reason"] for f in failures), failures
    assert not [f for f in failures if "cannot read" in f["reason"]], failures


# --- the database is locked ---------------------------------------------------------------


def _count_rows(conn: sqlite3.Connection) -> tuple[int, ...]:
    tables = ("custody_event", "log_node", "checkpoint", "evidence", "acquisition")
    return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)


@pytest.mark.skipif(
    PG, reason="SQLite only: PostgreSQL has row locks, not a whole-database write lock"
)
def test_locked_database_is_a_clear_busy_error_and_nothing_is_half_written(
    cli_env: dict[str, str],
    settings: Settings,
    tmp_path: Path,
) -> None:
    files = write_files(tmp_path / "files", {"a.bin": 50_000, "b.bin": 1_500_000}, seed=3)
    assert gavah(cli_env, "init").returncode == 0
    db_file = settings.resolved_database_url.removeprefix("sqlite:///")
    env = dict(cli_env, GAVAH_SQLITE_BUSY_TIMEOUT="0.5")

    holder = sqlite3.connect(db_file, isolation_level=None)
    try:
        before = _count_rows(holder)
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        run = gavah(env, "ingest", str(tmp_path / "files"), "--json")
        assert time.monotonic() - started < 30
        assert run.returncode == 7, run.stdout + run.stderr
        error = json.loads(run.stdout)
        assert error["error"] == "DatabaseBusy" and error["exit_code"] == 7
        assert "locked" in error["message"] and "GAVAH_SQLITE_BUSY_TIMEOUT" in error["hint"]
        assert "error: the database is locked" in run.stderr and "Traceback" not in run.stderr
        assert _count_rows(holder) == before
    finally:
        holder.execute("ROLLBACK") if holder.in_transaction else None
        holder.close()

    assert_verifies(env)
    again = gavah(env, "ingest", str(tmp_path / "files"), "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    assert {i["sha256"] for i in json.loads(again.stdout)["items"]} == set(files.values())
    assert_verifies(env)


# --- SIGKILL at random points -------------------------------------------------------------


def _kill_folder(folder: Path, rng: random.Random) -> dict[str, str]:
    sizes = {}
    for i in range(60):
        if i % 8 == 0:
            size = rng.randint(2_000_000, 7_000_000)  # several MB: kills land mid-file
        elif i % 3 == 0:
            size = rng.randint(100_000, 900_000)
        else:
            size = rng.randint(0, 40_000)
        sizes[f"item-{i:02d}.bin"] = size
    return write_files(folder, sizes, seed=rng.randint(0, 1 << 30))


def _assert_every_named_blob_exists(vault: Vault) -> None:
    """Directly, through the store: every evidence row and every log entry names a stored blob."""
    with vault.db.read() as session:
        for sha256 in session.execute(select(models.Evidence.sha256)).scalars():
            assert vault.store.exists(sha256), f"evidence row names missing blob {sha256}"
        for row in session.execute(
            select(models.CustodyEvent).order_by(models.CustodyEvent.idx)
        ).scalars():
            named = (decode_entry(bytes(row.entry)).get("evidence") or {}).get("sha256")
            if named is not None:
                assert vault.store.exists(named), f"log entry {row.idx} names missing blob {named}"


@pytest.mark.slow
def test_sigkill_at_random_points_never_leaves_a_broken_vault(
    cli_env: dict[str, str],
    vault: Vault,
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    folder = tmp_path / "folder"
    digests = _kill_folder(folder, rng)
    outcomes = []
    for round_ in range(ROUNDS):
        delay = rng.uniform(0.45, 1.5)
        proc = subprocess.Popen(
            [sys.executable, "-m", "gavah", "ingest", str(folder), "--json"],
            env=cli_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            outcomes.append(proc.wait(timeout=delay))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            outcomes.append(proc.wait())
        context = f"seed {SEED}, round {round_}, killed after {delay:.2f}s, outcomes {outcomes}"
        assert outcomes[-1] in (0, -signal.SIGKILL), context
        code, report = verify(cli_env)
        assert code == 0 and report["ok"] is True, (context, report["problems"])
        _assert_every_named_blob_exists(vault)
    assert -signal.SIGKILL in outcomes, (
        f"no run was killed mid-way (seed {SEED}): the test proved nothing"
    )

    final = gavah(cli_env, "ingest", str(folder), "--json")
    assert final.returncode == 0, final.stdout + final.stderr
    with vault.db.read() as session:
        stored = set(session.execute(select(models.Evidence.sha256)).scalars())
    assert stored == set(digests.values())
    for name, sha256 in digests.items():
        assert vault.store.check(sha256).sha256 == sha256, name
    assert sha256_of(folder / "item-00.bin") == digests["item-00.bin"]
    assert assert_verifies(cli_env)["evidence"] == len(set(digests.values()))
    _assert_every_named_blob_exists(vault)


# --- tampering ----------------------------------------------------------------------------

FLIP_AT = CHUNK_SIZE + 123_456  # inside the second chunk of a 3 MiB blob
BIG = 3 * CHUNK_SIZE - 1000


def _ingested(vault: Vault, tmp_path: Path) -> dict[str, dict[str, Any]]:
    write_files(tmp_path / "files", {"big.bin": BIG, "a.txt": 3000, "b.txt": 5000}, seed=4)
    summary = intake.ingest(vault, [os.fsencode(tmp_path / "files")])
    assert not summary.failures and summary.new == 3
    return {Path(item["path"]).name: item for item in summary.items}


def _flip_blob_byte(vault: Vault, items: dict[str, dict[str, Any]]) -> tuple[str, str, str]:
    sha256 = items["big.bin"]["sha256"]
    store = vault.store
    if isinstance(store, LocalStore):
        path = store.path_of(sha256)
        path.chmod(0o600)
        with open(path, "r+b") as f:
            f.seek(FLIP_AT)
            byte = f.read(1)
            f.seek(FLIP_AT)
            f.write(bytes([byte[0] ^ 0x01]))
    else:
        with store.open(sha256) as src:
            body = bytearray(src.read())
        body[FLIP_AT] ^= 0x01
        store.client.put_object(Bucket=store.bucket, Key=store.key_of(sha256), Body=bytes(body))  # type: ignore[attr-defined]
    start = FLIP_AT // CHUNK_SIZE * CHUNK_SIZE
    return f"blob {sha256}", "sha256", f"bytes {start}-{start + CHUNK_SIZE - 1}"


def _sql(vault: Vault, statement: str, **params: Any) -> None:
    with vault.db.engine.begin() as conn:
        assert conn.execute(text(statement), params).rowcount == 1


def _rename_acquisition(vault: Vault, items: dict[str, dict[str, Any]]) -> tuple[str, str, str]:
    item = items["a.txt"]
    _sql(
        vault,
        "UPDATE acquisition SET filename = 'innocent.txt' WHERE log_index = :i",
        i=item["log_index"],
    )
    return f"acquisition {item['log_index']} of {item['id']}", "filename", "innocent.txt"


def _resize_evidence(vault: Vault, items: dict[str, dict[str, Any]]) -> tuple[str, str, str]:
    item = items["b.txt"]
    _sql(vault, "UPDATE evidence SET size = size + 1 WHERE id = :id", id=item["id"])
    return f"evidence {item['id']}", "size", str(item["size"] + 1)


def _rewrite_entry(vault: Vault, items: dict[str, dict[str, Any]]) -> tuple[str, str, str]:
    item = items["a.txt"]
    with vault.db.engine.connect() as conn:
        entry = bytes(
            conn.execute(
                text("SELECT entry FROM custody_event WHERE idx = :i"), {"i": item["log_index"]}
            ).scalar_one()
        )
    forged = entry.replace(b'"actor":"test-analyst"', b'"actor":"someone-else"')
    assert forged != entry
    _sql(vault, "UPDATE custody_event SET entry = :e WHERE idx = :i", e=forged, i=item["log_index"])
    return f"log node level 0 index {item['log_index']}", "hash", "leaf hash of log entry"


def _delete_acquisition(vault: Vault, items: dict[str, dict[str, Any]]) -> tuple[str, str, str]:
    item = items["a.txt"]
    _sql(vault, "DELETE FROM acquisition WHERE log_index = :i", i=item["log_index"])
    return f"acquisition {item['log_index']} of {item['id']}", "row", "missing"


def _forge_node(level: int) -> Callable[[Vault, dict[str, dict[str, Any]]], tuple[str, str, str]]:
    def forge(vault: Vault, items: dict[str, dict[str, Any]]) -> tuple[str, str, str]:
        idx = items["a.txt"]["log_index"] if level == 0 else 0
        _sql(
            vault,
            "UPDATE log_node SET hash = :h WHERE level = :l AND idx = :i",
            h=hashlib.sha256(b"forged").digest(),
            l=level,
            i=idx,
        )
        return f"log node level {level} index {idx}", "hash", hashlib.sha256(b"forged").hexdigest()

    return forge


def _edit_checkpoint(vault: Vault, items: dict[str, dict[str, Any]]) -> tuple[str, str, str]:
    with vault.db.engine.connect() as conn:
        size, note = conn.execute(
            text("SELECT size, note FROM checkpoint ORDER BY size DESC LIMIT 1")
        ).one()
    lines = note.split("\n")
    root = lines[2]
    lines[2] = ("B" if root[0] != "B" else "C") + root[1:]  # another root, same shape
    _sql(vault, "UPDATE checkpoint SET note = :n WHERE size = :s", n="\n".join(lines), s=size)
    return f"checkpoint {size}", "signature", ""


TAMPERS: dict[str, Callable[[Vault, dict[str, dict[str, Any]]], tuple[str, str, str]]] = {
    "blob_byte": _flip_blob_byte,
    "acquisition_filename": _rename_acquisition,
    "evidence_size": _resize_evidence,
    "custody_event_entry": _rewrite_entry,
    "log_node_leaf": _forge_node(0),
    "log_node_inner": _forge_node(1),
    "checkpoint_note": _edit_checkpoint,
    "acquisition_deleted": _delete_acquisition,
}


@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_log_verify_names_each_tampering(
    cli_env: dict[str, str],
    vault: Vault,
    tmp_path: Path,
    tamper: str,
) -> None:
    items = _ingested(vault, tmp_path)
    assert_verifies(cli_env)  # intact before the tampering
    where, fld, detail = TAMPERS[tamper](vault, items)
    code, report = verify(cli_env)
    assert code == 5 and report["ok"] is False
    named = [
        p
        for p in report["problems"]
        if (p["where"] == where or p["where"].startswith(where + " (")) and p["field"] == fld
    ]
    assert named, f"expected a problem at {where!r} / {fld!r}, got {report['problems']}"
    assert any(detail in p["message"] for p in named), named
