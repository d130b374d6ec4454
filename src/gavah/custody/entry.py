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
    DOWNLOAD = "evidence.downloaded"  # the original bytes handed out (web workspace, API)


_SAFE_INT = 2**53  # RFC 8785 numbers are IEEE doubles; beyond this, integers lose precision


def _plain(value: Any) -> bool:
    """True where Python's own compact, key-sorted JSON is byte for byte RFC 8785: strings,
    booleans, null, integers within +-2**53, lists, and objects with ASCII keys (so that code point
    order equals RFC 8785's UTF-16 order). Python escapes exactly what RFC 8785 escapes (quote,
    backslash, control characters, with b t n f r named and the rest as lowercase u00XX escapes)."""
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -_SAFE_INT < value < _SAFE_INT
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in value.items())
    return False


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON. A fast path covers entries' plain values (the rfc8785 package is
    pure Python, ~10 us an entry); anything else (floats, lone surrogates) goes to rfc8785."""
    if _plain(value):
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: not UTF-8, rfc8785 raises the error
            pass
    return rfc8785.dumps(value)


def encode_entry(event: dict[str, Any]) -> bytes:
    """Canonical bytes of a custody event (RFC 8785)."""
    return canonical_json({"v": ENTRY_VERSION, **event})


def decode_entry(raw: bytes) -> dict[str, Any]:
    """Parse entry bytes and check they are in canonical form; raise if not."""
    try:
        event = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntegrityError(f"log entry is not valid JSON: {exc}") from None
    if not isinstance(event, dict) or event.get("v") != ENTRY_VERSION:
        raise IntegrityError("log entry has no known version field 'v'")
    if canonical_json(event) != raw:
        raise IntegrityError("log entry is not in RFC 8785 canonical form")
    return event
