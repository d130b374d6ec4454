"""A workspace is its owner's alone (issue 13, finding 4): `gavah init` in an existing 0755
folder under umask 022 used to leave the folder 0755 and the database 0644, and the database
held TOTP secrets in clear. Now the folder is 0700 and every file in it 0600 whatever the umask
or the folder was, every start checks it (puts it right and says so on stderr, or refuses when
it cannot), and TOTP secrets are sealed with a key kept in the workspace's keys/ folder.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from gavah.accounts import Accounts
from gavah.db import models
from gavah.errors import ConfigError
from gavah.settings import Settings
from gavah.workspace import Workspace, init_workspace, open_workspace

PG = bool(os.environ.get("GAVAH_TEST_DATABASE_URL"))
NOBODY = 65534


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def modes(settings: Settings) -> dict[str, int]:
    """Every path gavah keeps for the workspace, with its permission bits."""
    found = {
        str(p.relative_to(settings.workspace)): stat.S_IMODE(p.lstat().st_mode)
        for p in [settings.workspace, *settings.workspace.rglob("*")]
    }
    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        database = Path(url.removeprefix("sqlite:///"))
        for path in database.parent.glob(database.name + "*"):
            found[f"database {path.name}"] = stat.S_IMODE(path.stat().st_mode)
    return found


def open_to_others(settings: Settings) -> dict[str, str]:
    return {p: f"{m:04o}" for p, m in modes(settings).items() if m & 0o077}


def test_init_in_an_existing_open_folder_makes_everything_private(
    settings: Settings, loose_umask: None, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.workspace.mkdir(parents=True)
    settings.workspace.chmod(0o755)
    ws = init_workspace(settings)
    try:
        Accounts(ws).create_with_credentials("keeper", "admin", [], "test")
    finally:
        ws.close()
    assert open_to_others(settings) == {}
    assert stat.S_IMODE(settings.workspace.stat().st_mode) == 0o700
    assert "could read the workspace" in capsys.readouterr().err
    key = settings.accounts_key_path
    assert key.parent == settings.workspace / "keys" and len(key.read_bytes()) == 32


def test_blob_folders_made_by_an_ingest_are_private_at_once(
    settings: Settings, loose_umask: None, tmp_path: Path
) -> None:
    """Under umask 022 the first ingest made blobs/ and blobs/sha256/ 0755 (mkdir with parents
    ignores the mode it is given for the parents); only the next start put them right."""
    from gavah.intake.ingest import ingest
    from gavah.vault import Vault

    if os.environ.get("GAVAH_TEST_STORE") == "s3":
        pytest.skip("the blobs are on the S3 server, not in the workspace")
    source = tmp_path / "in" / "note.txt"
    source.parent.mkdir()
    source.write_bytes(b"synthetic note for the permissions test\n")
    ws = init_workspace(settings)
    try:
        ingest(Vault(ws), [str(source).encode()], collection="c1")
    finally:
        ws.close()
    blobs = [p for p in modes(settings) if p.startswith("blobs")]
    assert any(p.count("/") >= 3 for p in blobs), blobs  # blobs/sha256/ab/cd/<digest>
    assert open_to_others(settings) == {}


def test_every_start_makes_the_workspace_private_again_and_says_so(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = workspace.settings
    uploads = settings.uploads_dir / "account-1"
    uploads.mkdir(parents=True)
    (uploads / "0123.info").write_text("{}")
    loosened = [settings.workspace, settings.config_path, uploads, uploads / "0123.info"]
    for path in loosened:
        path.chmod(0o755 if path.is_dir() else 0o644)
    capsys.readouterr()
    reopened = open_workspace(settings)
    reopened.close()
    assert open_to_others(settings) == {}
    said = capsys.readouterr().err
    for path in loosened:
        assert str(path) in said
    assert "0755, now 0700" in said and "0644, now 0600" in said
    again = open_workspace(settings)  # nothing left to say
    again.close()
    assert capsys.readouterr().err == ""


def test_totp_secrets_are_sealed_at_rest(workspace: Workspace) -> None:
    made = Accounts(workspace).create_with_credentials("sealed", "analyst", ["alpha"], "test")
    with workspace.db.read() as session:
        meta = MetaData()
        meta.reflect(bind=session.connection(), only=["account"])
        rows = session.execute(select(meta.tables["account"])).all()
    everything = "".join(str(v) for row in rows for v in row)
    assert made.totp_secret not in everything
    assert "aesgcm1:" in everything


def test_a_lost_accounts_key_is_refused_not_replaced(workspace: Workspace) -> None:
    Accounts(workspace).create_with_credentials("sealed", "analyst", ["alpha"], "test")
    key = workspace.settings.accounts_key_path
    key.rename(key.with_name("elsewhere.key"))
    with pytest.raises(ConfigError, match="accounts key .* is missing"):
        open_workspace(workspace.settings)
    assert not key.exists()


def test_a_sealed_secret_does_not_open_in_another_accounts_row(workspace: Workspace) -> None:
    accounts = Accounts(workspace)
    accounts.create_with_credentials("first", "viewer", ["alpha"], "test")
    accounts.create_with_credentials("second", "viewer", ["alpha"], "test")
    with workspace.db.read() as session:
        rows = {
            a.name: (a.id, a.totp_sealed) for a in session.execute(select(models.Account)).scalars()
        }
    (first_id, _), (_, second_sealed) = rows["first"], rows["second"]
    with pytest.raises(ValueError, match="does not open"):
        accounts.keys.open_totp(first_id, str(second_sealed))


@pytest.fixture
def owned_by_root(settings_values: dict[str, Any]) -> Iterator[tuple[Path, dict[str, str]]]:
    """A workspace of root's, 0755 with a readable gavah.toml, in a folder another user can
    reach."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv: run gavah as another user than the owner")
    base = Path(tempfile.mkdtemp(prefix="gavah-owner-"))
    base.chmod(0o755)
    values = {**settings_values, "workspace": base / "ws"}
    if not PG:
        values["database_url"] = f"sqlite:///{base / 'ws' / 'gavah.sqlite3'}"
    init_workspace(Settings(**values)).close()
    (base / "ws").chmod(0o755)  # as someone (or an old gavah) left it
    (base / "ws" / "gavah.toml").chmod(0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAVAH_")}
    env.update({f"GAVAH_{k.upper()}": str(v) for k, v in values.items()}, HOME=str(base))
    yield base / "ws", env
    shutil.rmtree(base, ignore_errors=True)


def test_a_workspace_that_cannot_be_made_private_is_refused(
    owned_by_root: tuple[Path, dict[str, str]],
) -> None:
    ws, env = owned_by_root
    as_nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    done = subprocess.run(
        [*as_nobody, sys.executable, "-m", "gavah", "log", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 6, (done.returncode, done.stdout, done.stderr)  # a config error
    assert "can be read by other users (mode 0755)" in done.stderr
    assert "chmod -R go-rwx" in done.stderr
    assert stat.S_IMODE(ws.stat().st_mode) == 0o755  # not ours to change, and not changed
