"""Tables. The custody log (``custody_event``, ``log_node``, ``log_head``, ``checkpoint``) is the
record of truth; ``evidence`` and ``acquisition`` are indexes over it that ``log verify`` checks
against the log entries field by field."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
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


# --- victim register (casualties) ----------------------------------------------------------------
# Lists, records and decisions are indexes over their custody events like evidence is: the import
# entry carries a digest of the list's records, each decision entry the decision itself.


class VictimList(Base):
    """One published list of victims, imported whole from one file kept in the vault."""

    __tablename__ = "victim_list"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # the short name given at import
    title: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(Text)
    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"))  # the imported file
    mapping: Mapped[str] = mapped_column(Text)  # canonical JSON: field -> source column
    record_count: Mapped[int] = mapped_column(Integer)
    records_sha256: Mapped[str] = mapped_column(String(64))
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VictimRecord(Base):
    """One row of a list, as published (``original``) and as read into gavah's fields."""

    __tablename__ = "victim_record"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # "LIST:ROW"
    list_id: Mapped[str] = mapped_column(ForeignKey("victim_list.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)  # row number in the file as a spreadsheet shows it
    source_ref: Mapped[str | None] = mapped_column(Text)  # the list's own identifier, if mapped
    original: Mapped[str] = mapped_column(Text)  # canonical JSON of the row as read
    name: Mapped[str | None] = mapped_column(Text)
    name_fa: Mapped[str | None] = mapped_column(Text)
    age: Mapped[int | None] = mapped_column(Integer)
    age_group: Mapped[str | None] = mapped_column(String(40))
    gender: Mapped[str | None] = mapped_column(String(20))
    date: Mapped[str | None] = mapped_column(String(10))  # ISO Gregorian
    date_original: Mapped[str | None] = mapped_column(Text)
    date_calendar: Mapped[str | None] = mapped_column(String(20))
    date_precision: Mapped[str | None] = mapped_column(String(10))
    place: Mapped[str | None] = mapped_column(Text)
    province: Mapped[str | None] = mapped_column(Text)
    cause: Mapped[str | None] = mapped_column(Text)
    circumstances: Mapped[str | None] = mapped_column(Text)
    sources: Mapped[str | None] = mapped_column(Text)  # JSON list of links or references


class VictimRecordLink(Base):
    """A record tied to an evidence item, an incident or a registry entity."""

    __tablename__ = "victim_record_link"
    record_id: Mapped[str] = mapped_column(ForeignKey("victim_record.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # evidence|incident|entity
    target: Mapped[str] = mapped_column(String(200), primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LinkageRun(Base):
    """One run of the record-linkage model: its settings, trained weights and scored pairs."""

    __tablename__ = "linkage_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    lists: Mapped[str] = mapped_column(Text)  # JSON list of list ids
    settings: Mapped[str] = mapped_column(Text)  # JSON: seed, threshold, training notes
    model: Mapped[str] = mapped_column(Text)  # the Splink model (JSON) with its learned weights
    record_count: Mapped[int] = mapped_column(Integer)
    pair_count: Mapped[int] = mapped_column(Integer)
    pairs_sha256: Mapped[str] = mapped_column(String(64))
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LinkagePair(Base):
    """A candidate pair scored by a run: match probability and the comparison levels behind it."""

    __tablename__ = "linkage_pair"
    run_id: Mapped[int] = mapped_column(ForeignKey("linkage_run.id"), primary_key=True)
    left_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    right_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    levels: Mapped[str] = mapped_column(Text)  # JSON: comparison -> level label


class LinkageDecision(Base):
    """A reviewer's decision on a pair; the latest one per pair stands, earlier ones stay."""

    __tablename__ = "linkage_decision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    left_id: Mapped[str] = mapped_column(String(100), index=True)
    right_id: Mapped[str] = mapped_column(String(100), index=True)
    decision: Mapped[str] = mapped_column(String(10))  # same|different|unsure
    note: Mapped[str | None] = mapped_column(Text)
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
