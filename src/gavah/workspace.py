"""A workspace: settings wired to a database, a blob store and the custody log's signing key.

``init`` creates one; ``open_workspace`` opens an existing one. Tests build these directly with
explicit settings; only ``gavah.settings`` reads the environment.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from gavah.custody.entry import EventKind
from gavah.custody.log import Appender, CustodyLog, utcnow
from gavah.custody.note import (
    Signer,
    Verifier,
    generate_private_key,
    load_private_key,
    private_key_pem,
)
from gavah.db import models
from gavah.db.engine import Database, connect, is_current, is_initialised, upgrade
from gavah.errors import ConfigError, WorkspaceNotFound
from gavah.settings import Settings
from gavah.store import BlobStore, open_store

CONFIG_TEMPLATE = """\
# gavah workspace settings. Every setting is listed in docs/settings.md;
# environment variables GAVAH_<NAME> override what is written here.
# database_url = "postgresql+psycopg://gavah@127.0.0.1:5432/gavah"
# store = "s3://evidence-bucket/gavah"
"""


@dataclass
class Workspace:
    settings: Settings
    db: Database
    store: BlobStore
    log: CustodyLog

    def close(self) -> None:
        self.db.dispose()


def _store_for(settings: Settings) -> BlobStore:
    secret = settings.s3_secret_access_key
    return open_store(
        settings.resolved_store,
        staging_dir=settings.workspace / "staging",
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret else None,
    )


def _write_private(path: Path, data: bytes) -> None:
    """Create a file readable by its owner only; refuse to overwrite an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _load_signer(settings: Settings, origin: str) -> Signer:
    path = settings.signing_key_path
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"the log signing key {path} is missing",
            hint="restore it from your backup, or point GAVAH_SIGNING_KEY at it",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the log signing key {path}: {exc.strerror}") from None
    try:
        return Signer(origin, load_private_key(pem))
    except ValueError:
        raise ConfigError(f"{path} is not a PEM Ed25519 private key") from None


def init_workspace(settings: Settings) -> Workspace:
    """Create the folder, key, database schema and the log's first entry. Safe to re-run."""
    ws = settings.workspace
    ws.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not settings.config_path.exists():
        settings.config_path.write_text(CONFIG_TEMPLATE, encoding="utf-8")
    if not settings.signing_key_path.exists():
        _write_private(settings.signing_key_path, private_key_pem(generate_private_key()))
    db = connect(settings.resolved_database_url, busy_timeout=settings.sqlite_busy_timeout)
    upgrade(db)
    with db.write() as session:
        head = session.get(models.LogHead, 1)
        if head is None:
            origin = f"gavah/{secrets.token_hex(8)}"
            signer = _load_signer(settings, origin)
            session.add(
                models.LogHead(id=1, origin=origin, public_key=signer.verifier.public_key, size=0)
            )
            session.flush()
            _genesis(session, signer, settings.actor)
    db.dispose()
    return open_workspace(settings)


def _genesis(session: Session, signer: Signer, actor: str) -> None:
    appender = Appender(session)
    appender.append(
        EventKind.WORKSPACE_CREATED,
        None,
        utcnow(),
        {"actor": actor, "origin": signer.name, "verifier_key": signer.verifier.to_text()},
    )
    appender.flush()
    log = CustodyLog(signer.name, signer, signer.verifier)
    log.sign_checkpoint(session, appender.size, appender.root())


def open_workspace(settings: Settings) -> Workspace:
    """Open an existing workspace; a clear error if there is none."""
    if not settings.workspace.is_dir():
        raise WorkspaceNotFound(
            f"no gavah workspace at {settings.workspace}",
            hint="run `gavah init`, or pass --workspace / set GAVAH_WORKSPACE",
        )
    db = connect(settings.resolved_database_url, busy_timeout=settings.sqlite_busy_timeout)
    if not is_initialised(db):
        raise WorkspaceNotFound(
            f"the database for {settings.workspace} holds no gavah workspace",
            hint="run `gavah init` with the same settings",
        )
    if not is_current(db):
        upgrade(db)
    with db.read() as session:
        head = session.get(models.LogHead, 1)
        if head is None:
            raise WorkspaceNotFound("the custody log is not initialised", hint="run `gavah init`")
        origin, public_key = head.origin, bytes(head.public_key)
    signer = _load_signer(settings, origin)
    verifier = Verifier(origin, public_key)
    if signer.verifier != verifier:
        raise ConfigError(
            f"the signing key {settings.signing_key_path} is not the key this log was created with",
            hint="restore the workspace's original key; checkpoints signed by another key would not verify",
        )
    return Workspace(settings, db, _store_for(settings), CustodyLog(origin, signer, verifier))
