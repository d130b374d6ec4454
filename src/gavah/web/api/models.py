"""What the JSON API accepts and returns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite hands back the stored UTC times without their zone; an RFC 3339 date-time needs one.
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class Me(BaseModel):
    name: str
    admin: bool
    language: str
    grants: dict[str, str] = Field(description="collection -> role")
    via: str = Field(description="session (a browser) or token (a script)")


class ItemSummary(BaseModel):
    id: str
    collection: str = Field(description="the collection this row is seen through ('' for none)")
    filename: str
    source: str | None
    mime: str
    size: int
    created_at: UtcDatetime


class ItemList(BaseModel):
    items: list[ItemSummary]
    next_before: int | None = Field(
        description="pass as ?before= for the next page; null on the last page"
    )


class Acquisition(BaseModel):
    log_index: int
    filename: str
    path: str
    collection: str | None
    source: str | None
    note: str | None
    actor: str
    at: UtcDatetime
    mtime: str | None
    ctime: str | None


class CustodyEntry(BaseModel):
    log_index: int
    kind: str
    at: str | None
    actor: str | None
    detail: dict[str, Any] | None


class ItemDetail(BaseModel):
    id: str
    sha256: str
    size: int
    mime: str
    description: str | None = Field(
        description="the newest description this account may see (its collections' own, or "
        "the item's when it sees every collection that holds the item)"
    )
    descriptions: dict[str, str] = Field(
        description="collection -> that collection's description, for the collections this "
        "account may see"
    )
    created_at: UtcDatetime = Field(
        description="when the item came into the collections this account may see"
    )
    log_index: int = Field(description="the log entry of that first acquisition")
    metadata: dict[str, Any]
    collections: list[str]
    acquisitions: list[Acquisition]
    custody: list[CustodyEntry]
    checkpoint_size: int
    can: list[str] = Field(description="what this account may do with the item")


class Description(BaseModel):
    description: str = Field(max_length=20000)
    collection: str | None = Field(
        None,
        max_length=200,
        description="the collection whose description this is; empty: every collection that "
        "holds the item where this account may describe",
    )


class Done(BaseModel):
    ok: bool = True


class Collection(BaseModel):
    name: str
    items: int


class UploadReceipt(BaseModel):
    evidence_id: str
    sha256: str
    log_index: int
    new: bool = Field(
        description="whether the collection uploaded into held these bytes before (what "
        "other collections hold is not said)"
    )


class NewAccount(BaseModel):
    name: str = Field(min_length=2, max_length=80)
    role: str = Field(max_length=20)
    collections: list[str] = Field(default_factory=list, max_length=100)


class SetupLinkOut(BaseModel):
    account: str
    setup_url: str
    expires: UtcDatetime


class AccountOut(BaseModel):
    name: str
    admin: bool
    grants: dict[str, str]
    second_factor: bool
    set_up: bool
    disabled: bool
    locked: bool
    language: str
    created_at: str


class GrantIn(BaseModel):
    role: str = Field(max_length=20)


class AuditEvent(BaseModel):
    at: str
    kind: str
    account: str | None
    actor: str | None
    ip: str | None
    detail: dict[str, Any]
