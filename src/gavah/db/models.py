"""Tables. The custody log (``custody_event``, ``log_node``, ``log_head``, ``checkpoint``) is the
record of truth; ``evidence`` and ``acquisition`` are indexes over it that ``log verify`` checks
against the log entries field by field."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class LogHead(Base):
    """One row: the log's origin and current size. Appenders lock it, so the log cannot fork."""

    __tablename__ = "log_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    size: Mapped[int] = mapped_column(BigInteger)


class CustodyEvent(Base):
    """One log entry: the canonical JSON bytes at a log index."""

    __tablename__ = "custody_event"
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64))
    evidence_id: Mapped[str | None] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    entry: Mapped[bytes] = mapped_column(LargeBinary)


class LogNode(Base):
    """A complete node of the Merkle tree; level 0 holds the leaf hashes."""

    __tablename__ = "log_node"
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class Checkpoint(Base):
    """A signed tree head, as issued (C2SP signed-note text)."""

    __tablename__ = "checkpoint"
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Evidence(Base):
    """One distinct content (a blob), however often it was acquired."""

    __tablename__ = "evidence"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(200))
    meta: Mapped[str] = mapped_column(Text)  # canonical JSON of extracted metadata
    chunk_size: Mapped[int] = mapped_column(Integer)
    chunk_digests: Mapped[bytes] = mapped_column(LargeBinary)  # 32 bytes per chunk, in order
    description: Mapped[str | None] = mapped_column(Text)  # set by `gavah describe`
    log_index: Mapped[int] = mapped_column(BigInteger)  # the ingest event that registered it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Acquisition(Base):
    """One ingest of a file: where it came from, as given, and who brought it in."""

    __tablename__ = "acquisition"
    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"), index=True)
    path: Mapped[bytes] = mapped_column(LargeBinary)  # exact bytes, any encoding
    filename: Mapped[str] = mapped_column(Text)  # display form; invalid UTF-8 escaped
    mtime: Mapped[str | None] = mapped_column(String(40))
    ctime: Mapped[str | None] = mapped_column(String(40))
    collection: Mapped[str | None] = mapped_column(String(200), index=True)
    source: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
