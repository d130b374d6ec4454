"""The one fold that search applies to what it indexes and to what people type.

Both sides go through :func:`search_text`, so a word is found however it was typed: Arabic or
Persian letter forms (ي ك ة), Persian, Arabic or ASCII digits, upper or lower case, with or
without Latin diacritics, with punctuation or underscores between the parts of a file name. The
result holds words of letters and digits only, one space apart: nothing a full-text query
language could read as an operator.

A ZWNJ (U+200C, the half-space) is the one thing folded differently on the two sides. People type
می‌روم with it, with a space or with nothing; :func:`index_text` therefore indexes both the parts
(می روم) and the joined word (میروم), and a query only needs the plain fold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from gavah.text.names import fold_persian, latin_fold

ZWNJ = "\u200c"
_WORD_WITH_ZWNJ = re.compile(rf"\S*{ZWNJ}\S*")


def search_text(text: str) -> str:
    """``text`` folded for search: Persian letter forms and digits unified, ZWNJ as a space,
    lower case, no diacritics, punctuation and underscores as spaces; words one space apart."""
    return latin_fold(fold_persian(text))


def search_terms(text: str) -> list[str]:
    """The distinct folded words of ``text``, in the order they first appear."""
    return list(dict.fromkeys(search_text(text).split()))


def index_text(text: str) -> str:
    """``search_text(text)`` plus, for every word written with a ZWNJ, the word joined.

    "می‌روم" gives "می روم میروم": a query typed with the ZWNJ, with a space or joined finds it.
    """
    words = search_text(text).split()
    for compound in _WORD_WITH_ZWNJ.findall(text):
        words.extend(search_text(compound.replace(ZWNJ, "")).split())
    return " ".join(dict.fromkeys(words))


def index_words(texts: Iterable[str], max_chars: int) -> str:
    """The distinct words of :func:`index_text` over ``texts``, joined, at most ``max_chars``
    long. Earlier texts win when the cap is reached, so callers put what matters most first."""
    seen: dict[str, None] = {}
    length = 0
    for word in _words(texts):
        if word in seen:
            continue
        length += len(word) + (1 if seen else 0)
        if length > max_chars:
            break
        seen[word] = None
    return " ".join(seen)


def _words(texts: Iterable[str]) -> Iterator[str]:
    for text in texts:
        yield from index_text(text).split()
