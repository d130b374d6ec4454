"""What the JSON API accepts and returns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

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


class BundleArrival(BaseModel):
    """Where a sealed bundle stands in the collection a piece of it was uploaded into
    (docs/bundles.md §5.5); nothing is said of any other collection."""

    state: Literal["refused", "held", "opened", "not_opened"]
    bundle_id: str | None = Field(description="as the piece names it (a refused one: as it claims)")
    piece: int | None = Field(description="this piece's number, from 1")
    pieces: int | None = Field(description="how many pieces the bundle has")
    received: int = Field(description="sound pieces held for the bundle in this collection")
    missing: list[int] = Field(description="piece numbers still missing")
    reason: str | None = Field(description="why the piece was refused or the bundle did not open")
    hint: str | None
    already: bool = Field(description="the bundle had been opened here before this piece came")
    signer: str | None = Field(description="the field signer's public key, once opened")
    items: list[dict[str, Any]] = Field(description="the items the bundle's files became")
    log_index: int | None = Field(description="the bundle.opened custody event")


class UploadReceipt(BaseModel):
    """A file: the item it became. A sealed bundle's piece: its bundle's state instead."""

    evidence_id: str | None = None
    sha256: str | None = None
    log_index: int | None = None
    new: bool | None = Field(
        None,
        description="whether the collection uploaded into held these bytes before (what "
        "other collections hold is not said)",
    )
    bundle: BundleArrival | None = None


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
