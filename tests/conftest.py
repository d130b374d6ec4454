"""Fixtures: a fresh workspace per test on the database and store chosen for this run.

- ``GAVAH_TEST_DATABASE_URL`` unset: SQLite files in a temp folder. Set to a PostgreSQL URL
  (``postgresql+psycopg://postgres@127.0.0.1:5432/test``): each test gets its own new schema,
  dropped afterwards.
- ``GAVAH_TEST_STORE=s3``: blobs go to a real S3-protocol server (moto's standalone server, a
  separate process on loopback) instead of a local folder.

The same tests run on every combination; none is backend-specific.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from sqlalchemy import create_engine, text

from gavah.settings import Settings
from gavah.vault import Vault
from gavah.workspace import Workspace, init_workspace

PG_URL = os.environ.get("GAVAH_TEST_DATABASE_URL", "")
STORE_KIND = os.environ.get("GAVAH_TEST_STORE", "local")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server() -> Iterator[dict[str, str]]:
    """moto's S3 server in its own process on 127.0.0.1; credentials are dummies it accepts."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("moto S3 server did not start")
    yield {
        "endpoint_url": endpoint,
        "region": "us-east-1",
        "access_key_id": "testing",
        "secret_access_key": "testing",
    }
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def s3_bucket(s3_server: dict[str, str]) -> str:
    name = f"gavah-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server["endpoint_url"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'db' / 'gavah.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def settings_values(
    tmp_path: Path, database_url: str, request: pytest.FixtureRequest
) -> dict[str, Any]:
    """Settings for a fresh workspace, as keyword arguments (also usable as environment)."""
    (tmp_path / "db").mkdir(exist_ok=True)
    values: dict[str, Any] = {
        "workspace": tmp_path / "ws",
        "database_url": database_url,
        "actor": "test-analyst",
        "ingest_workers": 2,
    }
    if STORE_KIND == "s3":
        server = request.getfixturevalue("s3_server")
        bucket = request.getfixturevalue("s3_bucket")
        values.update(
            store=f"s3://{bucket}/evidence",
            s3_endpoint_url=server["endpoint_url"],
            s3_access_key_id=server["access_key_id"],
            s3_secret_access_key=server["secret_access_key"],
        )
    return values


@pytest.fixture
def settings(settings_values: dict[str, Any]) -> Settings:
    return Settings(**settings_values)


@pytest.fixture
def workspace(settings: Settings) -> Iterator[Workspace]:
    ws = init_workspace(settings)
    yield ws
    ws.close()


@pytest.fixture
def vault(workspace: Workspace) -> Vault:
    return Vault(workspace)


@pytest.fixture
def cli_env(settings_values: dict[str, Any]) -> dict[str, str]:
    """Environment for running ``gavah`` as a subprocess on this test's workspace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAVAH_")}
    for key, value in settings_values.items():
        env[f"GAVAH_{key.upper()}"] = str(value)
    return env
