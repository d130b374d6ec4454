"""The offline field page (docs/bundles.md §1): one self-contained HTML file that seals files in
the browser, published by the organisation with its recipient written in.

Its one script and one style are inline, pinned by SHA-256 in its Content-Security-Policy, which
allows nothing else: no connection, no other script, no frame, no form. The recipient goes into
an attribute, not the script, so the script's hash is the same for every organisation.
"""

from __future__ import annotations

import base64
import hashlib
import html
from importlib import resources

import pyrage

from gavah.bundles.seal import DEFAULT_PIECE, MIN_PIECE
from gavah.errors import InputError

_FIELD = resources.files("gavah.bundles") / "field"


def _asset(name: str) -> str:
    return (_FIELD / name).read_text(encoding="utf-8")


def _pin(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def field_page(recipient: str, piece_size: int = DEFAULT_PIECE) -> str:
    """The page's HTML for ``recipient`` (an age X25519 public key)."""
    recipient = recipient.strip()
    try:
        pyrage.x25519.Recipient.from_str(recipient)
    except pyrage.RecipientError:
        raise InputError(
            f"{recipient!r} is not an age public key",
            hint="give the recipient `gavah bundle keygen` prints (it starts with age1)",
        ) from None
    if piece_size < MIN_PIECE:
        raise InputError(f"pieces must be at least {MIN_PIECE} bytes")
    script, style = _asset("field.bundle.js"), _asset("field.css")
    if "</script" in script.lower() or "</style" in style.lower():
        raise InputError("the field page's assets would end their own element (a packaging bug)")
    csp = (
        f"default-src 'none'; script-src {_pin(script)}; style-src {_pin(style)}; "
        "img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'"
    )
    page = _asset("field.html")
    for marker, value in (
        ("@CSP@", csp),
        ("@RECIPIENT@", html.escape(recipient)),
        ("@PIECE_SIZE@", str(piece_size)),
        ("@STYLE@", style),
    ):
        page = page.replace(marker, value)
    head, tail = page.split("@SCRIPT@")  # last, so nothing inside the script is replaced
    return head + script + tail
