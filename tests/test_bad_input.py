"""Awkward inputs to ``gavah ingest``: each problem is named, and nothing else is harmed.

Unreadable files and folders, zero-byte files, a file far larger than the memory the process may
use, names no terminal or codec likes (newlines, invalid UTF-8, Persian, leading dashes, 255-byte
names), and a folder that changes while it is being ingested. The changing-folder tests run
in-process and inject the concurrent writer at a fixed point (after discovery, after the first
read) so they are deterministic; everything else runs the real ``gavah`` command.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gavah.intake import ingest as intake
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace

PG = bool(os.environ.get("GAVAH_TEST_DATABASE_URL"))
S3 = os.environ.get("GAVAH_TEST_STORE", "local") == "s3"
NOBODY = 65534


def gavah(
    env: dict[str, str],
    *args: str | bytes,
    cwd: Path | None = None,
    prefix: list[str] | None = None,
    preexec: Callable[[], None] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m gavah`` with exact argument bytes; output is kept as bytes."""
    cmd: list[str | bytes] = [*(prefix or []), sys.executable, "-m", "gavah", *args]
    return subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, timeout=timeout, preexec_fn=preexec
    )


def text(run: subprocess.CompletedProcess[bytes]) -> str:
    """stdout + stderr; gavah must always print valid UTF-8, whatever the file names are."""
    return run.stdout.decode("utf-8") + run.stderr.decode("utf-8")


def sha256_file(path: Path | bytes) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def show(env: dict[str, str], sha256: str, **kw: Any) -> dict[str, Any]:
    run = gavah(env, "show", sha256, "--json", **kw)
    assert run.returncode == 0, text(run)
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def verify_ok(env: dict[str, str], **kw: Any) -> dict[str, Any]:
    run = gavah(env, "log", "verify", "--json", **kw)
    report: dict[str, Any] = json.loads(run.stdout)
    assert run.returncode == 0 and report["ok"] is True, report["problems"]
    return report


# --- unreadable files ---------------------------------------------------------------------


@pytest.fixture
def unprivileged(cli_env: dict[str, str]) -> Iterator[tuple[dict[str, str], Path, list[str]]]:
    """An environment in which ``gavah`` runs as a user that permission bits really stop.

    As root, chmod 000 does not block reads, so gavah runs as ``nobody`` via setpriv, on a
    workspace (and SQLite file) that user owns, in a folder it can reach (pytest's tmp folders
    are private to root).
    """
    if os.geteuid() != 0:
        base = Path(tempfile.mkdtemp(prefix="gavah-perm-"))
        yield dict(cli_env, GAVAH_WORKSPACE=str(base / "ws")), base, []
        shutil.rmtree(base, ignore_errors=True)
        return
    if shutil.which("setpriv") is None:
        pytest.skip("running as root and setpriv is missing: no way to make a file unreadable")
    base = Path(tempfile.mkdtemp(prefix="gavah-perm-"))
    base.chmod(0o755)
    env = dict(cli_env, GAVAH_WORKSPACE=str(base / "ws"), HOME=str(base))
    if not PG:
        (base / "db").mkdir()
        env["GAVAH_DATABASE_URL"] = f"sqlite:///{base / 'db' / 'gavah.sqlite3'}"
    for path in (base, base / "db"):
        if path.exists():
            os.chown(path, NOBODY, NOBODY)
    yield env, base, ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    for root, dirs, _ in os.walk(base):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
    shutil.rmtree(base, ignore_errors=True)


def test_unreadable_file_and_folder_are_named_and_the_rest_is_ingested(
    unprivileged: tuple[dict[str, str], Path, list[str]],
) -> None:
    env, base, as_user = unprivileged
    earlier = base / "earlier"
    earlier.mkdir()
    (earlier / "witness.txt").write_bytes(b"statement recorded before the problem\n")
    files = base / "files"
    (files / "locked").mkdir(parents=True)
    (files / "good.txt").write_bytes(b"a readable report\n")
    (files / "secret.txt").write_bytes(b"cannot be read by the ingesting user\n")
    (files / "locked" / "inside.txt").write_bytes(b"behind an unreadable folder\n")
    os.chmod(files / "secret.txt", 0)
    os.chmod(files / "locked", 0)
    for d in (earlier, files):
        d.chmod(0o755)
    blocked = subprocess.run([*as_user, "cat", str(files / "secret.txt")], capture_output=True)
    assert (
        blocked.returncode != 0 and b"Permission denied" in blocked.stderr
    )  # the setup really blocks reads

    assert gavah(env, "init", prefix=as_user).returncode == 0
    first = gavah(env, "ingest", str(earlier), prefix=as_user)
    assert first.returncode == 0, text(first)

    run = gavah(env, "ingest", str(files), prefix=as_user)
    out = text(run)
    assert run.returncode == 3, out
    assert f"FAILED {files / 'secret.txt'}: cannot read: Permission denied" in out
    assert f"FAILED {files / 'locked'}: cannot read folder: Permission denied" in out
    assert re.search(r"^new .* " + re.escape(str(files / "good.txt")) + "$", out, re.M), out

    as_json = gavah(env, "ingest", str(files), "--json", prefix=as_user)
    failed = {f["path"] for f in json.loads(as_json.stdout)["failures"]}
    assert failed == {str(files / "secret.txt"), str(files / "locked")}

    for original in (earlier / "witness.txt", files / "good.txt"):
        shown = show(env, sha256_file(original), prefix=as_user)
        assert shown["size"] == original.stat().st_size
    verify_ok(env, prefix=as_user)


# --- zero-byte files ----------------------------------------------------------------------


def test_zero_byte_file_is_ingested_with_a_warning_naming_it(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "empty.txt").write_bytes(b"")
    (files / "note.txt").write_bytes(b"not empty\n")
    assert gavah(cli_env, "init").returncode == 0
    run = gavah(cli_env, "ingest", str(files))
    out = text(run)
    assert run.returncode == 0, out
    assert f"warning: {files / 'empty.txt'}: zero-byte file" in out
    assert "note.txt: zero-byte" not in out

    empty = show(cli_env, hashlib.sha256(b"").hexdigest())
    assert empty["size"] == 0
    assert [base64.b64decode(a["path_b64"]) for a in empty["acquisitions"]] == [
        os.fsencode(files / "empty.txt")
    ]
    verify_ok(cli_env)


# --- a file larger than the memory the process may use ------------------------------------

_PEAK_PROBE = """\
import atexit, re, sys
def _peak():
    status = open("/proc/self/status").read()
    sys.stderr.write("VMPEAK_KB=" + re.search(r"VmPeak:\\s+(\\d+)", status).group(1) + "\\n")
atexit.register(_peak)
from gavah.cli import main
main(sys.argv[1:])
"""

BIG = 256 << 20  # bytes in the large file
HEADROOM = 96 << 20  # address space allowed above what ingesting a tiny file needs


def _address_space_cap(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


@pytest.mark.skipif(
    S3,
    reason="boto3 multipart uploads buffer up to 10 x 16 MiB by design, so a cap "
    "below the file size cannot tell streaming from buffering on S3",
)
def test_file_larger_than_the_memory_cap_is_streamed(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """The process may use only HEADROOM more address space than a tiny ingest: a 256 MiB file
    (sparse, so the test is fast) can only get through if it is streamed."""
    assert gavah(cli_env, "init").returncode == 0
    small, large = tmp_path / "small", tmp_path / "large"
    small.mkdir()
    large.mkdir()
    (small / "tiny.bin").write_bytes(random.Random(1).randbytes(100_000))
    with open(large / "huge.bin", "wb") as f:
        f.truncate(BIG)
        f.seek(BIG - 11)
        f.write(b"end of file")

    probe = [sys.executable, "-c", _PEAK_PROBE]
    calib = subprocess.run(
        [*probe, "ingest", str(small), "--json"], env=cli_env, capture_output=True, timeout=120
    )
    assert calib.returncode == 0, calib.stderr.decode()
    peak = int(re.search(rb"VMPEAK_KB=(\d+)", calib.stderr).group(1)) * 1024  # type: ignore[union-attr]
    cap = peak + HEADROOM
    assert HEADROOM < BIG // 2

    # The cap is real: the same command, made to read the file in one block, runs out of memory.
    buffering = "import gavah.store\ngavah.store.CHUNK_SIZE = 1 << 30\n" + _PEAK_PROBE
    hog = subprocess.run(
        [sys.executable, "-c", buffering, "ingest", str(large), "--json"],
        env=cli_env,
        capture_output=True,
        timeout=300,
        preexec_fn=_address_space_cap(cap),
    )
    assert hog.returncode != 0 and b"MemoryError" in hog.stdout + hog.stderr, hog.stderr[-2000:]

    run = subprocess.run(
        [*probe, "ingest", str(large), "--json"],
        env=cli_env,
        capture_output=True,
        timeout=300,
        preexec_fn=_address_space_cap(cap),
    )
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    item = json.loads(run.stdout)["items"][0]
    assert item["size"] == BIG
    assert item["sha256"] == sha256_file(large / "huge.bin")
    verify_ok(cli_env)


# --- names --------------------------------------------------------------------------------

AWKWARD_NAMES = {
    "newline": b"line one\nline two.txt",
    "invalid_utf8": b"bad\xffname.txt",
    "persian": "گزارش شاهد ۱۴۰۲.txt".encode(),
    "leading_dash": b"-rf --json.txt",
    "terminal_escape": b"\x1b[2Jcleared.txt",
    "long_ascii": b"L" * 251 + b".txt",  # 255 bytes, the longest name Linux allows
    "long_persian": "ش".encode() * 125 + b".txt",  # 254 bytes of multi-byte UTF-8
}


def test_awkward_names_keep_their_exact_bytes_and_never_break_a_line(
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    folder = os.fsencode(tmp_path / "names")
    os.mkdir(folder)
    for label, name in AWKWARD_NAMES.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(f"content of {label}\n".encode())
    assert gavah(cli_env, "init").returncode == 0

    run = gavah(cli_env, "ingest", folder)
    out = run.stdout.decode("utf-8")  # valid UTF-8 even though one name is not
    assert run.returncode == 0, text(run)
    assert "\x1b" not in out
    lines = out.splitlines()
    assert len([ln for ln in lines if ln.startswith("new ")]) == len(AWKWARD_NAMES)
    assert not any(ln.startswith("line two") for ln in lines), out
    assert any(ln.endswith("line one\\nline two.txt") for ln in lines), out
    assert any(ln.endswith("bad\\xffname.txt") for ln in lines), out
    assert any(ln.endswith("L" * 251 + ".txt") for ln in lines)  # not wrapped either

    for label, name in AWKWARD_NAMES.items():
        shown = show(cli_env, hashlib.sha256(f"content of {label}\n".encode()).hexdigest())
        paths = [base64.b64decode(a["path_b64"]) for a in shown["acquisitions"]]
        assert paths == [folder + b"/" + name], label
        assert shown["acquisitions"][0]["filename"] == name.decode("utf-8", "backslashreplace")
    verify_ok(cli_env)


def test_names_given_on_the_command_line_keep_their_exact_bytes(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "args"
    folder.mkdir()
    names = [AWKWARD_NAMES["invalid_utf8"], AWKWARD_NAMES["leading_dash"], AWKWARD_NAMES["persian"]]
    for name in names:
        (folder / os.fsdecode(name)).write_bytes(b"argument " + name)
    assert gavah(cli_env, "init").returncode == 0

    # Without "--", a leading dash is an option, never silently a file: nothing is ingested.
    refused = gavah(cli_env, "ingest", AWKWARD_NAMES["leading_dash"], cwd=folder)
    assert refused.returncode == 2
    run = gavah(cli_env, "ingest", "--json", "--", *names, cwd=folder)
    assert run.returncode == 0, text(run)
    assert json.loads(run.stdout)["new"] == len(names)
    for name in names:
        shown = show(cli_env, hashlib.sha256(b"argument " + name).hexdigest())
        assert [base64.b64decode(a["path_b64"]) for a in shown["acquisitions"]] == [name]
    report = verify_ok(cli_env)
    assert report["evidence"] == len(names)


# --- a folder that changes during ingest --------------------------------------------------


def _folder(tmp_path: Path, **files: bytes) -> Path:
    folder = tmp_path / "changing"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _ingest(vault: Vault, folder: Path) -> intake.IngestSummary:
    return intake.ingest(vault, [os.fsencode(folder)])


def _recorded_paths(vault: Vault) -> set[bytes]:
    from sqlalchemy import select

    from gavah.db import models

    with vault.db.read() as session:
        return set(session.execute(select(models.Acquisition.path)).scalars())


def _on_first_read_of(
    monkeypatch: pytest.MonkeyPatch, victim: Path, act: Callable[[], None]
) -> None:
    """Play a concurrent writer: run ``act`` right after gavah's first read of ``victim``."""
    inode = victim.stat().st_ino
    fired: list[bool] = []

    class Reader(intake._CountingReader):
        def read(self, n: int = -1) -> bytes:
            block = super().read(n)
            if not fired and os.fstat(self.f.fileno()).st_ino == inode:
                fired.append(True)
                act()
            return block

    monkeypatch.setattr(intake, "_CountingReader", Reader)


def _assert_only_victim_failed(
    vault: Vault, summary: intake.IngestSummary, folder: Path, victim: Path, reason: str
) -> None:
    assert [(f.path, f.reason) for f in summary.failures] == [(str(victim), reason)]
    assert summary.aborted is None
    others = {os.fsencode(p) for p in folder.iterdir() if p != victim}
    assert _recorded_paths(vault) == others
    report = verify_workspace(vault)
    assert report.ok, report.problems


def test_file_deleted_after_discovery_is_named_and_the_rest_ingested(
    vault: Vault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = _folder(
        tmp_path, **{"a.txt": b"first", "gone.txt": b"deleted by someone else", "z.txt": b"last"}
    )
    victim = folder / "gone.txt"
    discover = intake.discover

    def discover_then_delete(*args: Any, **kwargs: Any) -> Iterator[Any]:
        yield from discover(*args, **kwargs)
        victim.unlink()

    monkeypatch.setattr(intake, "discover", discover_then_delete)
    summary = _ingest(vault, folder)
    assert not victim.exists()
    _assert_only_victim_failed(
        vault, summary, folder, victim, "cannot read: No such file or directory"
    )


GROWING = 3 * (1 << 20) + 12345  # more than one read, so writes can land mid-read


@pytest.mark.parametrize(
    "change",
    [
        "grows",
        "shrinks",
        "replaced",
        "rewritten_in_place_mtime_restored",
    ],
)
def test_file_changing_while_read_is_refused_then_ingested_once_stable(
    vault: Vault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    rng = random.Random(change)
    folder = _folder(
        tmp_path, **{"calm.txt": b"nobody touches this", "live.bin": rng.randbytes(GROWING)}
    )
    victim = folder / "live.bin"
    before = victim.stat()

    def grow() -> None:
        with open(victim, "ab") as f:
            f.write(b"appended by a concurrent writer")

    def shrink() -> None:
        os.truncate(victim, GROWING // 2)

    def replace() -> None:
        fresh = folder / ".live.tmp"
        fresh.write_bytes(rng.randbytes(GROWING))
        os.replace(fresh, victim)

    def rewrite_in_place() -> None:
        # Change a part already read and a part not yet read, same size, then put the mtime back
        # (what `touch -r`, `cp -p` or `rsync --inplace` do): gavah's copy would be torn.
        with open(victim, "r+b") as f:
            f.write(b"X" * 100)
            f.seek(GROWING - 100)
            f.write(b"Y" * 100)
        os.utime(victim, ns=(before.st_atime_ns, before.st_mtime_ns))

    acts = {
        "grows": grow,
        "shrinks": shrink,
        "replaced": replace,
        "rewritten_in_place_mtime_restored": rewrite_in_place,
    }
    _on_first_read_of(monkeypatch, victim, acts[change])
    summary = _ingest(vault, folder)
    reason = "changed while it was being read; ingest it again once it is stable"
    _assert_only_victim_failed(vault, summary, folder, victim, reason)
    held = set(vault.store.addresses())
    assert sha256_file(victim) not in held

    monkeypatch.undo()
    again = _ingest(vault, folder)
    assert not again.failures
    assert _recorded_paths(vault) == {os.fsencode(p) for p in folder.iterdir()}
    assert vault.store.exists(sha256_file(victim))
    assert verify_workspace(vault).ok
