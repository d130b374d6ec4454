"""Tables. The custody log (``custody_event``, ``log_node``, ``log_head``, ``checkpoint``) is the
record of truth; ``evidence`` and ``acquisition`` are indexes over it that ``log verify`` checks
against the log entries field by field."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
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
    # Set only where the import chose them: --status (JSON list) and the rows it left out;
    # --skip-rejected and the rows that could not be read.
    status_filter: Mapped[str | None] = mapped_column(Text)
    left_out_count: Mapped[int | None] = mapped_column(Integer)
    rejected_count: Mapped[int | None] = mapped_column(Integer)
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
    age_min: Mapped[int | None] = mapped_column(Integer)  # the interval the age stands for:
    age_max: Mapped[int | None] = mapped_column(Integer)  # 17 is 17-17, about 40 is 38-42
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
    status: Mapped[str | None] = mapped_column(Text)  # as published: killed, died in custody…
    given_name: Mapped[str | None] = mapped_column(Text)
    family_name: Mapped[str | None] = mapped_column(Text)


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


# --- perpetrator registry (FollowTheMoney statements) -------------------------------------------
# Each value of each entity is one FtM statement that keeps where it came from. An edit that
# removes a value marks its statement retracted; nothing is deleted. Every change is a custody
# event, and log verify checks the statements against the log entries.


class RegistryEntity(Base):
    """One entity of the registry: its FtM schema and caption; its values are statements."""

    __tablename__ = "registry_entity"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    schema: Mapped[str] = mapped_column(String(40), index=True)
    caption: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RegistryStatement(Base):
    """One value of one property of one entity, with its provenance (FtM statement model)."""

    __tablename__ = "registry_statement"
    id: Mapped[str] = mapped_column(
        String(64), primary_key=True
    )  # sha1 of entity/prop/value/source
    entity_id: Mapped[str] = mapped_column(ForeignKey("registry_entity.id"), index=True)
    schema: Mapped[str] = mapped_column(String(40))
    prop: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(Text)
    original_value: Mapped[str | None] = mapped_column(Text)  # as entered (a Solar Hijri date)
    lang: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str | None] = mapped_column(
        String(200)
    )  # evidence id, list, or file it came from
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))


# --- sanctions lists ------------------------------------------------------------------------------


class SanctionsList(Base):
    """A named sanctions list (``ofac``, ``eu-iran-hr``, ...): its format and jurisdiction."""

    __tablename__ = "sanctions_list"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    format: Mapped[str] = mapped_column(String(20))
    jurisdiction: Mapped[str | None] = mapped_column(String(10))  # us|eu|uk|ca|au|un|...
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))


class SanctionsSnapshot(Base):
    """One import of a list: the files (kept in the vault) and the entries read from them.
    Importing identical files again finds this snapshot and changes nothing."""

    __tablename__ = "sanctions_snapshot"
    __table_args__ = (UniqueConstraint("list_name", "digest"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_name: Mapped[str] = mapped_column(ForeignKey("sanctions_list.name"), index=True)
    digest: Mapped[str] = mapped_column(String(64))  # sha256 over the files' own sha256s
    files: Mapped[str] = mapped_column(Text)  # JSON: [{"name", "evidence_id"}]
    entry_count: Mapped[int] = mapped_column(Integer)
    entries_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))


class SanctionsEntry(Base):
    """One entry of a snapshot, under the list's own identifier, as an FtM entity."""

    __tablename__ = "sanctions_entry"
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("sanctions_snapshot.id"), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    line: Mapped[int] = mapped_column(Integer)
    schema: Mapped[str] = mapped_column(String(40))
    caption: Mapped[str] = mapped_column(Text)
    entity: Mapped[str] = mapped_column(Text)  # FtM JSON
    programs: Mapped[str] = mapped_column(Text)  # JSON list
    listed_on: Mapped[str | None] = mapped_column(String(10))
    raw: Mapped[str] = mapped_column(Text)  # JSON: the row as the file has it


class MatchJudgement(Base):
    """A human judgement that two records (registry entities or list entries) are the same
    person or body, different, or unsure. The latest per pair stands; earlier ones stay."""

    __tablename__ = "match_judgement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    left: Mapped[str] = mapped_column(String(200), index=True)  # "registry:ID" | "list:NAME:ID"
    right: Mapped[str] = mapped_column(String(200), index=True)
    judgement: Mapped[str] = mapped_column(String(10))  # same|different|unsure
    note: Mapped[str | None] = mapped_column(Text)
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- the web workspace: accounts, access, sessions, audit, search -------------------------------
# Secrets are never stored: passwords as argon2id hashes, session cookies, API tokens, setup links
# and recovery codes as SHA-256 digests (they are long random values, so a fast hash suffices).


class Account(Base):
    """A person who signs in to the web workspace."""

    __tablename__ = "account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text)  # argon2id; empty until set up
    # The TOTP secret, once confirmed, sealed with the workspace's accounts key (gavah.accounts
    # .keys); totp_secret held it in clear before migration 0006 and is emptied when sealed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_sealed: Mapped[str | None] = mapped_column(Text)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # no code is accepted twice
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(5), default="fa")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    setup_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    setup_expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountGrant(Base):
    """Need to know: one role for one account in one collection."""

    __tablename__ = "account_grant"
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    collection: Mapped[str] = mapped_column(String(200), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))  # intake|analyst|reviewer|viewer
    granted_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountSession(Base):
    """A signed-in browser. The cookie holds a random token; only its digest is kept here."""

    __tablename__ = "account_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    second_factor: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A token for scripts, sent as ``Authorization: Bearer``; acts with its account's rights."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryCode(Base):
    """A one-time code that stands in for TOTP when the phone is lost."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthEvent(Base):
    """The audit trail of the workspace: sign-ins, failures, lockouts, grants, tokens, exports.
    Permission changes and exports are also custody events; sign-ins are kept here only."""

    __tablename__ = "auth_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    account: Mapped[str | None] = mapped_column(String(80))  # whom it concerns
    actor: Mapped[str | None] = mapped_column(String(200))  # who did it
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON


class SearchDoc(Base):
    """One evidence item as seen from one collection: what the list shows and what search finds.
    An item acquired into two collections has two rows, each with only that collection's names
    and notes, so search never reveals what a collection the reader lacks says about it."""

    __tablename__ = "search_doc"
    __table_args__ = (UniqueConstraint("evidence_id", "collection"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"), index=True)
    collection: Mapped[str] = mapped_column(String(200), index=True)  # "" for none
    filename: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    mime: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    body: Mapped[str] = mapped_column(Text)  # folded text that full-text search indexes


# --- verification: sources, incidents, claims, assessments, reviews ------------------------------
# Every row is written with one custody event that carries its summary; nothing is updated but a
# source's current grade (its history is in verify_source_grade) and nothing is deleted, so
# `log verify` compares each row with its entry. Levels of confidence are computed, never stored.


class VerifySource(Base):
    """Who or what information came from: a witness, a channel, an agency, an NGO, an official."""

    __tablename__ = "verify_source"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    collection: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    grade: Mapped[str] = mapped_column(String(1))  # Admiralty A-F: the latest of its grades
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VerifySourceGrade(Base):
    """One grade given to a source, with the reason; the latest stands, earlier ones stay."""

    __tablename__ = "verify_source_grade"
    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    source_id: Mapped[str] = mapped_column(ForeignKey("verify_source.id"), index=True)
    grade: Mapped[str] = mapped_column(String(1))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VerifySourceRelation(Base):
    """A declared dependence: ``source_id`` copies, relays or belongs to ``other_id``."""

    __tablename__ = "verify_source_relation"
    source_id: Mapped[str] = mapped_column(ForeignKey("verify_source.id"), primary_key=True)
    other_id: Mapped[str] = mapped_column(ForeignKey("verify_source.id"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(20))  # copies|relays|belongs-to
    note: Mapped[str | None] = mapped_column(Text)
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VerifyIncident(Base):
    """What happened, where and when (each with its precision), and how many were harmed."""

    __tablename__ = "verify_incident"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    collection: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)  # as written
    province: Mapped[str | None] = mapped_column(String(80))  # canonical, from the gazetteer
    localities: Mapped[str] = mapped_column(Text)  # JSON list of gazetteer ids
    place_precision: Mapped[str] = mapped_column(String(20))  # locality|province|unresolved|unknown
    date: Mapped[str | None] = mapped_column(String(10))  # ISO Gregorian
    date_original: Mapped[str | None] = mapped_column(Text)
    date_calendar: Mapped[str | None] = mapped_column(String(20))
    date_precision: Mapped[str | None] = mapped_column(String(10))  # day|month|year
    killed_min: Mapped[int | None] = mapped_column(Integer)
    killed_max: Mapped[int | None] = mapped_column(Integer)
    injured_min: Mapped[int | None] = mapped_column(Integer)
    injured_max: Mapped[int | None] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VerifyClaim(Base):
    """One checkable statement about an incident, a person or a unit."""

    __tablename__ = "verify_claim"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    collection: Mapped[str] = mapped_column(String(200), index=True)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("verify_incident.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # occurred|harm|method|perpetrator|victim|other
    statement: Mapped[str] = mapped_column(Text)
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VerifyClaimLink(Base):
    """A claim tied to an evidence item, a victim register record or a registry entity."""

    __tablename__ = "verify_claim_link"
    claim_id: Mapped[str] = mapped_column(ForeignKey("verify_claim.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # evidence|person|entity
    target: Mapped[str] = mapped_column(String(200), primary_key=True)
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VerifyAssessment(Base):
    """How credible a claim is on the word of one source (and evidence item), with the Berkeley
    Protocol's analyses recorded. Its author is its actor; it counts once another person agrees."""

    __tablename__ = "verify_assessment"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("verify_claim.id"), index=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("verify_source.id"), index=True)
    evidence_id: Mapped[str | None] = mapped_column(ForeignKey("evidence.id"))
    stance: Mapped[str] = mapped_column(String(20))  # supports|contradicts
    credibility: Mapped[int] = mapped_column(Integer)  # Admiralty 1-6
    source_analysis: Mapped[str | None] = mapped_column(Text)
    technical_analysis: Mapped[str | None] = mapped_column(Text)
    content_analysis: Mapped[str | None] = mapped_column(Text)
    log_index: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VerifyReview(Base):
    """A second person's decision on an assessment. Never updated: a reviewer's latest stands,
    and a disagreement stays beside any agreement."""

    __tablename__ = "verify_review"
    log_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("verify_assessment.id"), index=True)
    decision: Mapped[str] = mapped_column(String(10))  # agree|disagree
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BundleOpening(Base):
    """A sealed bundle (gavah.bundles) that was opened and ingested into a collection: its id is
    the Merkle root of its pieces, so the same bundle arriving again there is known and changes
    nothing. Kept per collection: whether another collection opened it is not this one's
    business (the same rule as content addressing)."""

    __tablename__ = "bundle_opening"
    bundle_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)  # the collection, or ""
    signer: Mapped[str | None] = mapped_column(String(64))  # field key, hex; None if unsigned
    items: Mapped[str] = mapped_column(Text)  # JSON: what the opening ingested, as reported
    log_index: Mapped[int] = mapped_column(BigInteger)  # the bundle.opened custody event
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- redaction: derivatives for publication ------------------------------------------------------
# A redaction is one item's way to publication: boxes proposed by the face detector, changed by
# reviewers, then approved, which makes the derivative (new bytes, in the blob store). Every change
# is a `redaction.*` custody event carrying the boxes as they then stand.


class Redaction(Base):
    """One item's redaction: its current boxes and whether they were approved as they stand."""

    __tablename__ = "redaction"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"), unique=True)
    boxes: Mapped[str] = mapped_column(Text)  # canonical JSON list of {x, y, w, h, score, by}
    version: Mapped[int] = mapped_column(Integer)  # 1 when proposed, +1 at each change of boxes
    location: Mapped[str] = mapped_column(String(20))  # precision allowed: none|country|province|city|exact
    status: Mapped[str] = mapped_column(String(20))  # proposed|approved
    derivative_sha256: Mapped[str | None] = mapped_column(String(64))  # the approved one
    commitment_nonce: Mapped[bytes] = mapped_column(LargeBinary)  # opens the original's commitment
    log_index: Mapped[int] = mapped_column(BigInteger)  # the latest event
    actor: Mapped[str] = mapped_column(String(200))  # who proposed it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Derivative(Base):
    """Bytes made for publication from an item: metadata removed, faces blurred."""

    __tablename__ = "derivative"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    redaction_id: Mapped[str] = mapped_column(ForeignKey("redaction.id"), index=True)
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    recipe: Mapped[str] = mapped_column(Text)  # canonical JSON, as logged
    boxes_version: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(BigInteger)  # its redaction.approved event
    actor: Mapped[str] = mapped_column(String(200))  # who approved it
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- perceptual hashes: near-duplicates (gavah.similar) ------------------------------------------
# An index over the `perceptual` section of an item's metadata, which its ingest entry commits to.


class PerceptualHash(Base):
    """One PDQ hash of an item: the image's, or one sampled frame's of a video."""

    __tablename__ = "perceptual_hash"
    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))  # 256 bits, as the reference's hex
    quality: Mapped[int] = mapped_column(Integer)  # PDQ's 0-100
    ms: Mapped[int | None] = mapped_column(BigInteger)  # a video frame's time
