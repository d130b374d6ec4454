"""A workspace: settings wired to a database, a blob store and the custody log's signing key.

``init`` creates one; ``open_workspace`` opens an existing one. Tests build these directly with
explicit settings; only ``gavah.settings`` reads the environment.

A workspace holds victims' data, the log's signing key and the accounts key: it is for its owner
alone. Its folder is 0700 and every file in it 0600 (or stricter), whatever the umask was or the
folder already was; every start checks this, puts it right and says so on stderr, and refuses to
go on when it cannot (another user's folder).
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
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


ACCOUNTS_KEY_BYTES = 32
_OTHERS = 0o077  # group and other users' permission bits: none is set in a workspace


@dataclass
class Workspace:
    settings: Settings
    db: Database
    store: BlobStore
    log: CustodyLog
    accounts_key: bytes = field(repr=False)  # keys/accounts.key: see gavah.accounts.keys

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


def _create_private(path: Path, data: bytes = b"") -> None:
    """A new file of the owner's only (a umask can only make it stricter); one that exists
    is left as it is."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as f:
        f.write(data)


# --- a private workspace --------------------------------------------------------------------------
def _sqlite_path(settings: Settings) -> Path | None:
    url = settings.resolved_database_url
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _own_files(settings: Settings) -> Iterator[Path]:
    """Every path whose mode the workspace answers for: its folder and all it holds, and the
    SQLite database (with its journals) and the signing key wherever they are. The blob
    folder's own files are left out: there may be millions, and the store makes them 0400."""
    store = settings.resolved_store
    blobs = None if store.startswith("s3://") else Path(store).resolve()
    yield settings.workspace
    for folder, dirs, files in os.walk(settings.workspace):
        here = Path(folder)
        yield from (here / name for name in dirs)
        if here.resolve() == blobs:
            dirs.clear()
        else:
            yield from (here / name for name in files)
    database = _sqlite_path(settings)
    if database is not None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            yield database.with_name(database.name + suffix)
    yield settings.signing_key_path


def secure_workspace(settings: Settings) -> list[str]:
    """Take group and other users' access away from everything :func:`_own_files` names, and
    say what was changed, one line each. Raises :class:`ConfigError` when a mode cannot be
    changed (another user's file): gavah does not run on a workspace others can read."""
    fixed: list[str] = []
    for path in dict.fromkeys(_own_files(settings)):
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(mode) or not mode & _OTHERS:
            continue
        before = stat.S_IMODE(mode)
        try:
            os.chmod(path, before & ~_OTHERS)
        except OSError as exc:
            raise ConfigError(
                f"{path} can be read by other users (mode {before:04o}), and gavah cannot "
                f"change that: {exc.strerror}",
                hint=f"as its owner, run: chmod -R go-rwx {settings.workspace}",
            ) from None
        fixed.append(f"{path}: was {before:04o}, now {before & ~_OTHERS:04o}")
    return fixed


def _announce(fixed: list[str]) -> None:
    """On stderr: a umask, a copy or a person left these open, and someone should know."""
    if not fixed:
        return
    shown = fixed[:10] + ([f"... and {len(fixed) - 10} more"] if len(fixed) > 10 else [])
    sys.stderr.write(
        "gavah: other users of this machine could read the workspace; it is private now:\n"
        + "".join(f"  {line}\n" for line in shown)
    )


# --- the accounts key -------------------------------------------------------------------------
def _accounts_key(settings: Settings, db: Database) -> bytes:
    """The workspace's accounts key (see gavah.accounts.keys), made on first use. A missing key
    while secrets sealed with it exist is refused: a new key would not open them."""
    path = settings.accounts_key_path
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        with db.read() as session:
            sealed = session.execute(
                select(models.Account.id).where(models.Account.totp_sealed.is_not(None)).limit(1)
            ).first()
        if sealed is not None:
            raise ConfigError(
                f"the accounts key {path} is missing, and TOTP secrets sealed with it exist",
                hint="restore it from your backup; without it every second factor must be set "
                "up again (`gavah users reset NAME`)",
            ) from None
        key = secrets.token_bytes(ACCOUNTS_KEY_BYTES)
        _write_private(path, key)
    except OSError as exc:
        raise ConfigError(f"cannot read the accounts key {path}: {exc.strerror}") from None
    if len(key) != ACCOUNTS_KEY_BYTES:
        raise ConfigError(f"{path} is not an accounts key ({ACCOUNTS_KEY_BYTES} random bytes)")
    return key


def _protect_account_data(db: Database, key: bytes) -> None:
    """Put right what was stored before: TOTP secrets in clear (before migration 0006, read as
    they were until now) are sealed, and names typed at failed sign-ins that are no account's
    (passwords among them) are replaced by their keyed digests. Both need the key, which a
    migration cannot reach; after the first start both find nothing to do."""
    from gavah.accounts.keys import UNKNOWN_NAME, AccountKeys  # gavah.accounts imports us

    account, event = models.Account, models.AuthEvent
    in_clear = select(account).where(account.totp_secret.is_not(None))
    typed = select(event).where(
        event.kind.in_(("sign-in-failed", "locked")),
        event.account.is_not(None),
        ~event.account.startswith(UNKNOWN_NAME, autoescape=True),
        event.account.not_in(select(account.name)),
    )
    with db.read() as session:
        if not any(session.execute(q.limit(1)).first() for q in (in_clear, typed)):
            return
    keys = AccountKeys.derive(key)
    with db.write() as session:
        for row in session.execute(in_clear).scalars():
            row.totp_sealed = keys.seal_totp(row.id, str(row.totp_secret))
            row.totp_secret = None
        for audit in session.execute(typed).scalars():
            audit.account = keys.unknown_name(str(audit.account))


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
    _announce(secure_workspace(settings))  # a folder that was there already, say 0755
    _create_private(settings.config_path, CONFIG_TEMPLATE.encode("utf-8"))
    if not settings.signing_key_path.exists():
        _write_private(settings.signing_key_path, private_key_pem(generate_private_key()))
    database = _sqlite_path(settings)
    if database is not None and database.parent.is_dir():
        _create_private(database)  # SQLite makes its -wal and -shm files with this file's mode
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
    """Open an existing workspace, made private first (:func:`secure_workspace`); a clear error
    if there is none."""
    if not settings.workspace.is_dir():
        raise WorkspaceNotFound(
            f"no gavah workspace at {settings.workspace}",
            hint="run `gavah init`, or pass --workspace / set GAVAH_WORKSPACE",
        )
    _announce(secure_workspace(settings))
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
    key = _accounts_key(settings, db)
    _protect_account_data(db, key)
    log = CustodyLog(origin, signer, verifier)
    return Workspace(settings, db, _store_for(settings), log, accounts_key=key)
