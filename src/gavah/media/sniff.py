"""Media type from a file's content, never from its name.

Evidence arrives renamed, re-encoded and sometimes disguised, so the extension is not trusted.
"""

from __future__ import annotations

import codecs
import csv
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
    mime, confidence, signature = _magic_match(head)
    if _is_text(head) and (confidence < WEAK_MATCH or _a_word(signature)):
        # A signature that is only a word ("record" is a Modelica model's) matches prose and
        # tables by chance; formats that are text (XML, HTML, scripts) start with punctuation.
        return _table_kind(head) or TEXT
    return ALIASES.get(mime, mime) if mime else UNKNOWN


def _magic_match(head: bytes) -> tuple[str, float, bytes]:
    """The most confident puremagic match that names a MIME type, with the bytes it matched,
    or ``("", 0.0, b"")``."""
    try:
        matches = puremagic.magic_string(head)
    except Exception:  # puremagic raises PureError for no match, and may trip on odd input
        return "", 0.0, b""
    named = [m for m in matches if m.mime_type]
    if not named:
        return "", 0.0, b""
    best = max(named, key=lambda m: m.confidence)  # max keeps the first of equals: stable
    return str(best.mime_type), float(best.confidence), bytes(best.byte_match or b"")


def _a_word(signature: bytes) -> bool:
    return signature.strip().isalnum()


_DELIMITERS = {",": "text/csv", ";": "text/csv", "\t": "text/tab-separated-values"}


def _table_kind(head: bytes) -> str | None:
    """``text/csv`` or ``text/tab-separated-values`` when the first lines (at most twenty, a
    line cut at the end of the head left out) split into the same number of fields on one
    delimiter, quotes respected: three fields or more on two lines or more, or two fields on
    three lines or more. Otherwise None."""
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    lines = text.splitlines()
    if len(head) == HEAD_SIZE:
        lines = lines[:-1]  # the last line may be cut
    lines = [line for line in lines[:20] if line.strip()]
    if len(lines) < 2:
        return None
    for delimiter, mime in _DELIMITERS.items():
        widths = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        # two lines of prose with a comma each are not a table: ask for three of either
        width = widths.pop() if len(widths) == 1 else 0
        if width >= 3 or (width == 2 and len(lines) >= 3):
            return mime
    return None


def _is_text(head: bytes) -> bool:
    """Whether ``head`` is UTF-8 without NUL; a character cut at the end of the head is allowed."""
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True
