"""Engines and transactions that behave the same on SQLite and PostgreSQL.

SQLite runs in WAL mode so readers never block the writer; write transactions start with
``BEGIN IMMEDIATE`` so that two writers queue (for ``sqlite_busy_timeout`` seconds) instead of
failing half-way. PostgreSQL writers serialise on the ``log_head`` row instead (see custody.log).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gavah.errors import ConfigError, DatabaseBusy

WRITE = {"gavah_write": True}


class Database:
    """One database: an engine plus read and write transactions."""

    def __init__(self, url: str, *, busy_timeout: float = 30.0) -> None:
        self.url = url
        self.engine = _make_engine(url, busy_timeout)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that may write; committed on success, rolled back on any error."""
        engine = self.engine.execution_options(**WRITE)
        with self._translate_errors(), Session(engine) as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction that sees one consistent snapshot: SQLite's WAL gives that to
        every read transaction; PostgreSQL needs REPEATABLE READ for it."""
        engine = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="REPEATABLE READ")
        )
        # Nothing is written here, so rows read stay usable after the transaction ends.
        session_ = Session(engine, expire_on_commit=False)
        with self._translate_errors(), session_ as session, session.begin():
            yield session

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            if _is_locked(exc):
                raise DatabaseBusy(
                    "the database is locked by another gavah process",
                    hint="wait for the other process to finish, or raise GAVAH_SQLITE_BUSY_TIMEOUT",
                ) from None
            raise ConfigError(f"database error: {exc.orig}") from None

    def dispose(self) -> None:
        self.engine.dispose()


def _is_locked(exc: OperationalError) -> bool:
    return isinstance(exc.orig, sqlite3.OperationalError) and "locked" in str(exc.orig)


def _make_engine(url: str, busy_timeout: float) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # evidence: durability over speed
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("gavah_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


HEAD_REVISION = "0010"
"""The newest migration; a test checks it against Alembic's own idea of the head."""


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config  # imported on demand: it costs start-up time

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("gavah.db") / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(db: Database) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    from alembic import command

    with db.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")


def is_current(db: Database) -> bool:
    """True if the schema is at :data:`HEAD_REVISION`, read without loading Alembic."""
    if not inspect(db.engine).has_table("alembic_version"):
        return False
    with db.engine.connect() as conn:
        return (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION
        )


def is_initialised(db: Database) -> bool:
    return inspect(db.engine).has_table("log_head")


def connect(url: str, *, busy_timeout: float = 30.0) -> Database:
    """Open a database; a missing SQLite folder is a configuration error, not a crash."""
    if url.startswith("sqlite:///"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        if not folder.is_dir():
            raise ConfigError(f"database folder {folder} does not exist", hint="run `gavah init`")
    try:
        return Database(url, busy_timeout=busy_timeout)
    except Exception as exc:  # bad URL, missing driver
        raise ConfigError(f"cannot open database {url.split('@')[-1]}: {exc}") from None
