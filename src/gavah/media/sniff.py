"""Media type from a file's content, never from its name.

Evidence arrives renamed, re-encoded and sometimes disguised, so the extension is not trusted.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import puremagic

HEAD_SIZE = 64 * 1024
"""How much of the file is examined: enough for every signature puremagic knows at the start."""

EMPTY = "application/x-empty"
TEXT = "text/plain"
UNKNOWN = "application/octet-stream"

WEAK_MATCH = 0.4
"""puremagic confidence below which a match on text is taken as chance (``BM...`` is not a BMP)."""

ALIASES = {"audio/wave": "audio/wav", "audio/vnd.wave": "audio/wav"}
"""puremagic spellings mapped to the one the rest of gavah uses."""


def sniff_mime(path: Path) -> str:
    """Return the MIME type of ``path`` judged from its first bytes.

    Never raises for odd content; raises :class:`OSError` only when the file cannot be read.
    """
    with path.open("rb") as stream:
        head = stream.read(HEAD_SIZE)
    if not head:
        return EMPTY
    mime, confidence = _magic_match(head)
    if _is_text(head) and confidence < WEAK_MATCH:
        return TEXT
    return ALIASES.get(mime, mime) if mime else UNKNOWN


def _magic_match(head: bytes) -> tuple[str, float]:
    """The most confident puremagic match that names a MIME type, or ``("", 0.0)``."""
    try:
        matches = puremagic.magic_string(head)
    except Exception:  # puremagic raises PureError for no match, and may trip on odd input
        return "", 0.0
    named = [m for m in matches if m.mime_type]
    if not named:
        return "", 0.0
    best = max(named, key=lambda m: m.confidence)  # max keeps the first of equals: stable
    return str(best.mime_type), float(best.confidence)


def _is_text(head: bytes) -> bool:
    """Whether ``head`` is UTF-8 without NUL; a character cut at the end of the head is allowed."""
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True
