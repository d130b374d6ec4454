"""Settings: environment over gavah.toml over defaults; bad values named, never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from gavah.errors import ConfigError
from gavah.settings import load_settings


def test_defaults_are_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GAVAH_DATABASE_URL", raising=False)
    monkeypatch.delenv("GAVAH_STORE", raising=False)
    s = load_settings(tmp_path / "ws")
    assert s.resolved_database_url.startswith("sqlite:///") and s.resolved_database_url.endswith(
        "gavah.sqlite3"
    )
    assert s.resolved_store == str((tmp_path / "ws" / "blobs").resolve())
    assert s.signing_key_path == tmp_path / "ws" / "keys" / "log-signing.pem"


def test_environment_wins_over_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "gavah.toml").write_text('actor = "from-toml"\ningest_workers = 3\n', encoding="utf-8")
    monkeypatch.setenv("GAVAH_ACTOR", "from-env")
    s = load_settings(ws)
    assert (s.actor, s.ingest_workers) == ("from-env", 3)


def test_workspace_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAVAH_WORKSPACE", str(tmp_path / "elsewhere"))
    assert load_settings().workspace == tmp_path / "elsewhere"


@pytest.mark.parametrize(
    "toml, message",
    [
        ("no_such_setting = 1\n", "no_such_setting"),
        ("ingest_workers = 0\n", "ingest_workers"),
        ("actor = [unclosed\n", "cannot read"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "gavah.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path)


def test_secrets_are_not_shown(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GAVAH_S3_SECRET_ACCESS_KEY", "very-secret-value")
    s = load_settings(tmp_path)
    assert "very-secret-value" not in repr(s) and "very-secret-value" not in str(s)
