"""Names as people gave them, shown so that they cannot disguise themselves in a page.

A file name, a collection, a source or an account name is hostile text. A right-to-left
override (U+202E) turns ``evil\u202egpj.exe`` into what reads as "evilexe.jpg", and other
invisible characters hide what a name really holds. So every name a page shows goes through
:func:`shown`: isolated in ``<bdi>`` (Unicode bidi algorithm, UAX #9: nothing in it reorders
the text around it) and with each bidi control and other invisible character replaced by a
visible ``U+XXXX`` mark. The zero-width non-joiner and joiner stay as they are: Persian writes
them inside words (می‌روم). Where markup cannot go (an ``<option>``, the page title),
:func:`shown_text` does the same in plain text. The stored value is never changed.
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup, escape

_KEPT = frozenset("\u200c\u200d\t\n")  # ZWNJ, ZWJ; tab and newline are plain white space
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp"})  # controls, format (bidi among them), separators


def is_hidden(char: str) -> bool:
    return char not in _KEPT and unicodedata.category(char) in _HIDDEN


def _runs(text: str) -> list[tuple[bool, str]]:
    """``text`` cut into runs of ordinary characters and single hidden ones."""
    runs: list[tuple[bool, str]] = []
    start = 0
    for i, char in enumerate(text):
        if is_hidden(char):
            if start < i:
                runs.append((False, text[start:i]))
            runs.append((True, char))
            start = i + 1
    if start < len(text):
        runs.append((False, text[start:]))
    return runs


def mark(char: str) -> str:
    return f"U+{ord(char):04X}"


def shown(value: object) -> Markup:
    """A name for an HTML page: escaped, isolated, its invisible characters made visible."""
    text = str(value)
    if text.isprintable():  # the common case: nothing to mark
        return Markup('<bdi dir="auto">%s</bdi>') % text
    parts = [
        Markup('<span class="ctl" title="%s">%s</span>')
        % (unicodedata.name(run, "control character"), mark(run))
        if hidden
        else escape(run)
        for hidden, run in _runs(text)
    ]
    return Markup('<bdi dir="auto">') + Markup("").join(parts) + Markup("</bdi>")


def shown_text(value: object) -> str:
    """The same for places that take text only: each invisible character as ``⟨U+XXXX⟩``."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(f"⟨{mark(run)}⟩" if hidden else run for hidden, run in _runs(text))
