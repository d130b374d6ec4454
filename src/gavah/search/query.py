"""Finding evidence items: free text, filters and keyset pages over ``search_doc``.

Results come newest first (``search_doc.id`` descending), not by relevance, so that a page costs
little even when a word matches every item. Every query word is a prefix and all must match. The
words are folded exactly as the index was (:mod:`gavah.search.text`), so they hold only letters
and digits; they still reach the database as bound parameters only.

How each backend finds a page of text matches:

- SQLite: FTS5 walks its index in rowid (= ``search_doc.id``) order and stops at the limit,
  however many rows match.
- PostgreSQL cannot walk the GIN index in id order. It looks at the newest rows first (a walk
  of the primary key, at most :data:`RECENT_ROWS_PER_HIT` rows per hit wanted), which fills the
  page when the words are common; when they are not, the GIN index finds every match and only
  those are sorted. Left to itself, the planner walks the primary key for words it judges
  common and underrates what ``to_tsvector`` costs per row (some 10 microseconds): on 100,000
  items a word matching 1% of them took 70-100 ms that way, against 8 ms through the index. The
  walk here first asks the folded body for a word starting with each term (LIKE, a fraction
  of that cost) and runs ``to_tsvector`` only on the rows that have them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeAlias

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    column,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
)
from sqlalchemy.orm import QueryableAttribute, Session

from gavah.db import models
from gavah.errors import InputError
from gavah.search.text import search_terms

MAX_TERMS = 32
"""More words than anyone types; a longer query is refused rather than cut (and so widened)."""

MAX_LIMIT = 1_000

MAX_DOC_ID = 2**31 - 1
"""search_doc ids are PostgreSQL integers: a ``before`` above this asks for the first page."""

RECENT_ROWS_PER_HIT = 50
"""PostgreSQL: rows looked at, newest first, per hit wanted, before the GIN index takes over.
Words in 2% or more of the rows fill a page from these; rarer words are cheap to find by index."""

# MIME patterns (SQL LIKE) of each kind; "other" is every type none of them matches.
KIND_PATTERNS: dict[str, tuple[str, ...]] = {
    "image": ("image/%",),
    "video": ("video/%",),
    "audio": ("audio/%",),
    "document": (
        "application/pdf",
        "text/%",
        "application/rtf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.%",
        "application/vnd.oasis.opendocument.%",
    ),
}
KINDS = (*KIND_PATTERNS, "other")

# Statements and rows of any columns, read by name.
_Select: TypeAlias = "Select[*tuple[Any, ...]]"
_Row: TypeAlias = "Row[*tuple[Any, ...]]"

# The FTS5 table the 0004 migration made; its hidden column of the same name takes MATCH.
_FTS = table("search_fts", column("rowid", Integer), column("search_fts"))
_DOC = models.SearchDoc
_HIT_COLUMNS = (
    _DOC.id,
    _DOC.evidence_id,
    _DOC.collection,
    _DOC.filename,
    _DOC.source,
    _DOC.mime,
    _DOC.size,
    _DOC.created_at,
)


@dataclass(frozen=True)
class Filters:
    """What a reader asks for, and which collections the reader may see.

    ``collections``: ``None`` for every collection (admins), else only these ("" = items in no
    collection); an empty set sees nothing. ``collection`` narrows to one of them. ``date_from``
    and ``date_to`` are inclusive UTC dates of ``created_at``. ``before`` continues a page
    (:attr:`Page.next_before`).
    """

    collections: frozenset[str] | None
    q: str = ""
    kind: str | None = None
    collection: str | None = None
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    before: int | None = None
    limit: int = 50


@dataclass(frozen=True)
class Hit:
    """One item as seen from one collection."""

    doc_id: int
    evidence_id: str
    collection: str
    filename: str
    source: str | None
    mime: str
    size: int
    created_at: datetime


@dataclass(frozen=True)
class Page:
    """Up to ``limit`` hits, newest first; ``next_before`` continues, None at the end."""

    hits: list[Hit]
    next_before: int | None


def find(session: Session, filters: Filters) -> Page:
    """The page of items matching ``filters`` that the reader may see, newest first.

    Raises :class:`InputError` for an unknown kind, a limit outside 1..1000 or a query of more
    than :data:`MAX_TERMS` words. A query with no letters or digits sets no text condition.
    """
    _check(filters)
    if filters.before is not None and filters.before > MAX_DOC_ID:
        # Every row's id is below it (PostgreSQL's integer), so the page is the first one; a
        # larger number would not even fit the column's type there.
        filters = dataclasses.replace(filters, before=MAX_DOC_ID)
    terms = search_terms(filters.q)
    if len(terms) > MAX_TERMS:
        raise InputError(
            f"the search has {len(terms)} words; at most {MAX_TERMS} are allowed",
            hint="search with fewer, more telling words",
        )
    if not _may_see_any(filters):
        return Page([], None)
    hits = [_hit(row) for row in _rows(session, filters, terms, filters.limit + 1)]
    more = len(hits) > filters.limit
    hits = hits[: filters.limit]
    return Page(hits, hits[-1].doc_id if more else None)


def collections(session: Session, visible: frozenset[str] | None) -> list[tuple[str, int]]:
    """Each collection the reader may see ("" for none) with its number of items, by name."""
    stmt = select(_DOC.collection, func.count()).group_by(_DOC.collection)
    if visible is not None:
        stmt = stmt.where(_DOC.collection.in_(sorted(visible)))
    # Sorted here, not by the database: SQLite and PostgreSQL collate differently.
    return sorted((name, int(count)) for name, count in session.execute(stmt))


def sources(session: Session, visible: frozenset[str] | None, limit: int = 200) -> list[str]:
    """Up to ``limit`` distinct non-empty sources of items the reader may see, sorted."""
    stmt = select(_DOC.source).where(_DOC.source.is_not(None), _DOC.source != "").distinct()
    if visible is not None:
        stmt = stmt.where(_DOC.collection.in_(sorted(visible)))
    found = session.execute(stmt.order_by(_DOC.source).limit(limit)).scalars()
    return sorted(s for s in found if s is not None)


def kind_of(mime: str) -> str:
    """The kind :class:`Filters` knows an item by: image, video, audio, document or other."""
    for kind, patterns in KIND_PATTERNS.items():
        if any(_like(mime, pattern) for pattern in patterns):
            return kind
    return "other"


def _like(value: str, pattern: str) -> bool:
    """SQL LIKE for the patterns above, which have at most one ``%``, at the end."""
    prefix = pattern.removesuffix("%")
    return value.startswith(prefix) if pattern.endswith("%") else value == pattern


def _check(filters: Filters) -> None:
    if filters.kind is not None and filters.kind not in KINDS:
        raise InputError(f"unknown kind {filters.kind!r}", hint=f"use one of {', '.join(KINDS)}")
    if not 1 <= filters.limit <= MAX_LIMIT:
        raise InputError(f"limit {filters.limit} is outside 1..{MAX_LIMIT}")
    # No name holds a NUL, and PostgreSQL refuses one in a text parameter (a 500, not "none").
    if any("\x00" in (value or "") for value in (filters.collection, filters.source)):
        raise InputError("the collection or source asked for holds a NUL character")


def _may_see_any(filters: Filters) -> bool:
    """False when the reader's collections leave nothing to find, so nothing is queried."""
    if filters.collections is None:
        return True
    if filters.collection is not None:
        return filters.collection in filters.collections
    return bool(filters.collections)


def _rows(session: Session, filters: Filters, terms: list[str], wanted: int) -> list[_Row]:
    """The first ``wanted`` matching rows, newest first, each backend by the way that uses its
    index (see the module docstring)."""
    if not terms:
        stmt = _keyset(select(*_HIT_COLUMNS).where(*_conditions(filters)), _DOC.id, filters.before)
    elif session.get_bind().dialect.name == "sqlite":
        stmt = _fts5(filters, terms)
    else:
        rows = list(session.execute(_recent(filters, terms, wanted).limit(wanted)))
        if len(rows) == wanted:
            return rows
        stmt = _indexed(filters, terms)
    return list(session.execute(stmt.limit(wanted)))


def _fts5(filters: Filters, terms: list[str]) -> _Select:
    """SQLite: driven from search_fts and ordered by its rowid, so FTS5 hands over matches
    newest first and stops at the limit without sorting them all."""
    stmt = select(*_HIT_COLUMNS).select_from(_FTS).join(_DOC, _DOC.id == _FTS.c.rowid)
    stmt = stmt.where(*_conditions(filters), _FTS.c.search_fts.match(fts5_query(terms)))
    return _keyset(stmt, _FTS.c.rowid, filters.before)


def _recent(filters: Filters, terms: list[str], wanted: int) -> _Select:
    """PostgreSQL: the matches among the newest rows that pass the other filters."""
    newest = select(*_HIT_COLUMNS, _DOC.body).where(*_conditions(filters))
    newest = _keyset(newest, _DOC.id, filters.before).limit(RECENT_ROWS_PER_HIT * wanted)
    recent = newest.subquery("recent")
    # The body is folded words one space apart, so a word starting with each term is a cheap
    # necessary condition; PostgreSQL tests it first and spends to_tsvector only where it holds.
    words = (_has_word_starting(recent.c.body, term) for term in terms)
    stmt = select(*(recent.c[c.key] for c in _HIT_COLUMNS))
    stmt = stmt.where(*words, _ts_match(recent.c.body, terms))
    return stmt.order_by(recent.c.id.desc())


def _has_word_starting(body: ColumnElement[str], term: str) -> ColumnElement[bool]:
    """``' ' || body LIKE '% term%'``, with LIKE's wildcards in ``term`` escaped."""
    return (literal(" ") + body).contains(" " + term, autoescape=True)


def _indexed(filters: Filters, terms: list[str]) -> _Select:
    """PostgreSQL: every match through the GIN index, then the newest. Ordering by ``id + 0``
    keeps the planner from walking the primary key instead (the case :func:`_recent` rules out:
    too few matches among the newest rows)."""
    stmt = select(*_HIT_COLUMNS).where(*_conditions(filters), _ts_match(_DOC.body, terms))
    if filters.before is not None:
        stmt = stmt.where(_DOC.id < filters.before)
    return stmt.order_by((_DOC.id + literal_column("0", Integer)).desc())


def _ts_match(
    body: ColumnElement[str] | QueryableAttribute[str], terms: list[str]
) -> ColumnElement[bool]:
    """``to_tsvector('simple', body) @@ to_tsquery('simple', :tsquery)``: on search_doc.body,
    exactly the expression of the GIN index ix_search_doc_fts, so the planner can use it."""
    # Inline, not bound: the index expression names the configuration as a constant.
    simple: ColumnElement[str] = literal_column("'simple'")
    query = func.to_tsquery(simple, bindparam("tsquery", tsquery(terms)))
    return func.to_tsvector(simple, body).bool_op("@@")(query)


def _keyset(
    stmt: _Select, key: ColumnElement[int] | QueryableAttribute[int], before: int | None
) -> _Select:
    if before is not None:
        stmt = stmt.where(key < before)
    return stmt.order_by(key.desc())


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """Every condition but the text one, each as a bound-parameter expression."""
    found: list[ColumnElement[bool]] = []
    if filters.collections is not None:
        found.append(_DOC.collection.in_(sorted(filters.collections)))
    if filters.collection is not None:
        found.append(_DOC.collection == filters.collection)
    if filters.kind is not None:
        found.append(_kind(filters.kind))
    if filters.source is not None:
        found.append(_DOC.source == filters.source)
    if filters.date_from is not None:
        found.append(_DOC.created_at >= _midnight(filters.date_from))
    if filters.date_to is not None:
        found.append(_DOC.created_at < _midnight(filters.date_to + timedelta(days=1)))
    return found


def _kind(kind: str) -> ColumnElement[bool]:
    if kind == "other":
        return and_(*(not_(_mime_in(k)) for k in KIND_PATTERNS))
    return _mime_in(kind)


def _mime_in(kind: str) -> ColumnElement[bool]:
    return or_(false(), *(_DOC.mime.like(pattern) for pattern in KIND_PATTERNS[kind]))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def fts5_query(terms: list[str]) -> str:
    """An FTS5 query in which every term is a quoted prefix and all must match.

    Quoting makes FTS5 read a term as a string, never as an operator (OR, NOT, NEAR, ``*``,
    ``:``, ``^``); a double quote inside is doubled, as FTS5 requires."""
    return " ".join('"' + term.replace('"', '""') + '"*' for term in terms)


def tsquery(terms: list[str]) -> str:
    """A PostgreSQL tsquery in which every term is a quoted prefix (``'term':*``), ANDed.

    Quoting makes to_tsquery read a term as a lexeme, never as an operator (``! | & < > ( )``);
    quotes and backslashes inside are escaped as tsquery requires."""
    return " & ".join(_ts_quote(term) + ":*" for term in terms)


def _ts_quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _hit(row: _Row) -> Hit:
    created = row.created_at
    if created.tzinfo is None:  # SQLite hands back naive datetimes; gavah stores only UTC
        created = created.replace(tzinfo=UTC)
    return Hit(
        doc_id=row.id,
        evidence_id=row.evidence_id,
        collection=row.collection,
        filename=row.filename,
        source=row.source,
        mime=row.mime,
        size=row.size,
        created_at=created,
    )
