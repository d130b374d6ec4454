"""`gavah users` and `gavah serve` as a person runs them on the server."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gavah.accounts import Accounts
from gavah.errors import ExitCode
from gavah.settings import Settings
from gavah.workspace import open_workspace
from gavah_cli import gavah


def _init(env: dict[str, str]) -> None:
    assert gavah(env, "init").returncode == 0


def test_add_prints_a_one_time_setup_link_that_works_once(cli_env: dict[str, str]) -> None:
    _init(cli_env)
    added = gavah(cli_env, "users", "add", "maryam", "--role", "intake", "-c", "tehran")
    assert added.returncode == 0, added.stderr
    link = re.search(r"http://127\.0\.0\.1:8000/setup/(setup_\S+)", added.stdout)
    assert link, added.stdout
    assert "this assumes `gavah serve` on 127.0.0.1:8000" in added.stdout
    elsewhere = gavah(
        {**cli_env, "GAVAH_BASE_URL": "https://evidence.example.org"},
        "users",
        "reset",
        "maryam",
    )
    assert "https://evidence.example.org/setup/setup_" in elsewhere.stdout
    assert "assumes" not in elsewhere.stdout
    link = re.search(r"/setup/(setup_\S+)", elsewhere.stdout)
    assert link, elsewhere.stdout
    ws = open_workspace(Settings(**_settings(cli_env)))
    try:
        accounts = Accounts(ws)
        assert accounts.setup_account(link.group(1)).name == "maryam"
        assert accounts.complete_setup(link.group(1), "a long enough password", None) == []
        listed = json.loads(gavah(cli_env, "users", "list", "--json").stdout)
        assert listed[0]["grants"] == {"tehran": "intake"} and listed[0]["set_up"]
    finally:
        ws.close()


def _settings(env: dict[str, str]) -> dict[str, str]:
    return {k[6:].lower(): v for k, v in env.items() if k.startswith("GAVAH_")}


def test_print_credentials_exist_ok_grant_revoke_and_errors(cli_env: dict[str, str]) -> None:
    _init(cli_env)
    made = gavah(
        cli_env, "users", "add", "boss", "--role", "admin", "--print-credentials", "--json"
    )
    assert made.returncode == 0, made.stderr
    creds = json.loads(made.stdout)
    assert re.fullmatch(r"[A-Z2-7]{32}", creds["totp_secret"])
    assert len(creds["recovery_codes"]) == 10 and len(creds["password"]) >= 12
    again = gavah(cli_env, "users", "add", "boss", "--role", "admin", "--print-credentials")
    assert again.returncode == ExitCode.USAGE and "already an account" in again.stderr
    quiet = gavah(cli_env, "users", "add", "boss", "--role", "admin", "--exist-ok")
    assert quiet.returncode == 0 and creds["password"] not in quiet.stdout
    assert gavah(cli_env, "users", "add", "v", "--role", "viewer").returncode == ExitCode.USAGE
    bad = gavah(cli_env, "users", "add", "x y", "--role", "viewer", "-c", "a", "--json")
    assert bad.returncode == ExitCode.USAGE and json.loads(bad.stdout)["error"] == "InputError"
    assert gavah(cli_env, "users", "add", "ana", "--role", "nobody", "-c", "a").returncode == 2
    assert gavah(cli_env, "users", "add", "ana", "--role", "viewer", "-c", "a").returncode == 0
    assert gavah(cli_env, "users", "grant", "ana", "-c", "b", "--role", "analyst").returncode == 0
    assert gavah(cli_env, "users", "revoke", "ana", "-c", "a").returncode == 0
    listed = {r["name"]: r for r in json.loads(gavah(cli_env, "users", "list", "--json").stdout)}
    assert listed["ana"]["grants"] == {"b": "analyst"}
    assert gavah(cli_env, "users", "revoke", "ana", "-c", "a").returncode == ExitCode.NOT_FOUND
    assert gavah(cli_env, "users", "grant", "nobody", "-c", "b", "--role", "viewer").returncode == 4
    reset = gavah(cli_env, "users", "reset", "ana")
    assert reset.returncode == 0 and "/setup/setup_" in reset.stdout
    assert gavah(cli_env, "users", "disable", "ana").returncode == 0
    listed = {r["name"]: r for r in json.loads(gavah(cli_env, "users", "list", "--json").stdout)}
    assert listed["ana"]["disabled"] and not listed["ana"]["set_up"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_loopback_with_security_headers(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _init(cli_env)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gavah", "serve", "--port", str(port)],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    page, headers = r.read().decode(), r.headers
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "gavah serve did not answer"
                time.sleep(0.3)
        assert 'lang="fa" dir="rtl"' in page
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "server" not in {k.lower() for k in headers}
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert server.returncode is not None
    assert os.path.isdir(tmp_path)
