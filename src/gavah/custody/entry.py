"""Log entries: custody events in canonical JSON (RFC 8785, JSON Canonicalization Scheme).

An entry is the exact byte string whose RFC 6962 leaf hash goes into the tree, so it must be
reproducible by anyone: RFC 8785 fixes key order, whitespace and number and string encoding. Entries
hold no floats (JCS allows them, but a court's expert should not need to reason about float
rendering): metadata with fractional values is carried as strings.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from gavah.errors import IntegrityError

ENTRY_VERSION = 1


class EventKind:
    """The kinds of custody event; new kinds are added, never renamed (old entries keep theirs)."""

    WORKSPACE_CREATED = "workspace.created"
    INGEST = "evidence.ingested"
    REINGEST = "evidence.reingested"
    VIEW = "evidence.viewed"
    EXPORT = "evidence.exported"
    PROOF = "evidence.proof-issued"
    METADATA = "evidence.metadata-changed"


def encode_entry(event: dict[str, Any]) -> bytes:
    """Canonical bytes of a custody event (RFC 8785)."""
    return rfc8785.dumps({"v": ENTRY_VERSION, **event})


def decode_entry(raw: bytes) -> dict[str, Any]:
    """Parse entry bytes and check they are in canonical form; raise if not."""
    try:
        event = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntegrityError(f"log entry is not valid JSON: {exc}") from None
    if not isinstance(event, dict) or event.get("v") != ENTRY_VERSION:
        raise IntegrityError("log entry has no known version field 'v'")
    if rfc8785.dumps(event) != raw:
        raise IntegrityError("log entry is not in RFC 8785 canonical form")
    return event
