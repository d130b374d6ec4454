"""Full-text search over evidence items, Persian-aware, on SQLite FTS5 and PostgreSQL.

``text`` folds what is indexed and what is typed alike; ``index`` keeps one ``search_doc`` row
per (item, collection) in step with the vault (need to know: a row holds only its collection's
names and notes); ``query`` finds items, newest first, in keyset pages.
"""

from gavah.search.index import backfill, refresh
from gavah.search.query import (
    KINDS,
    Filters,
    Hit,
    Page,
    collections,
    find,
    kind_of,
    sources,
)
from gavah.search.text import index_text, search_text

__all__ = [
    "KINDS",
    "Filters",
    "Hit",
    "Page",
    "backfill",
    "collections",
    "find",
    "index_text",
    "kind_of",
    "refresh",
    "search_text",
    "sources",
]
