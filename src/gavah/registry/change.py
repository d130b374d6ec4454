"""A change to the registry: every statement one command or import adds, asserts again or
retracts, built over the entities it touches and checked as a whole before anything is written.

A :class:`Change` loads each entity it touches with all its statements, applies what the command
asks (:func:`assert_all`, :func:`replace_all`, :func:`retract_all`), and says every problem of
every entity as it would then stand (:meth:`Change.problems`, through
:func:`gavah.registry.model.check`). Only a change without problems is written
(:func:`write_rows`), in the transaction that appends its custody event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from followthemoney.schema import Schema
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gavah.custody.entry import canonical_json
from gavah.custody.log import utcnow
from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.registry import model
from gavah.registry.model import Invalid

# What the digest of a change covers of each statement it creates; none of it changes later.
SUMMARY_FIELDS = ("id", "entity_id", "schema", "prop", "value", "original_value", "lang", "source")
HINT = (
    "correct what is named and run it again; dates as 2022-09-16, 1401/06/25 or ۲۵ شهریور ۱۴۰۱; "
    "links as entity ids (gavah registry list)"
)
_PAGE = 500
_S = models.RegistryStatement
_E = models.RegistryEntity


def statement_summary(statement: Any) -> dict[str, Any]:
    """What a change's digest covers of each statement it created (never changes afterwards)."""
    return {key: getattr(statement, key) for key in SUMMARY_FIELDS}


def statements_digest(statements: Iterable[Any]) -> str:
    """SHA-256 over the statements' summaries, one canonical JSON line each, in the order given
    (callers give id order)."""
    digest = hashlib.sha256()
    for statement in statements:
        digest.update(canonical_json(statement_summary(statement)) + b"\n")
    return digest.hexdigest()


def today() -> dt.date:
    """The latest date anywhere on Earth (UTC+14): a date entered in Tehran is never "future"."""
    return (utcnow() + dt.timedelta(hours=14)).date()


@dataclass
class StatementState:
    """A statement as the change would leave it; ``row`` is its row, if it has one already."""

    id: str
    entity_id: str
    schema: str
    prop: str
    value: str
    original_value: str | None
    lang: str | None
    source: str | None
    retracted: bool
    row: models.RegistryStatement | None = None
    op: str | None = None  # what the change does to it: added, seen or retracted


@dataclass
class EntityState:
    """An entity with all its statements (retracted ones too), as the change would leave it."""

    id: str
    schema: Schema
    row: models.RegistryEntity | None
    statements: dict[str, StatementState] = field(default_factory=dict)

    def values(self) -> dict[str, set[str]]:
        """The current values by property: those of statements not retracted."""
        current: dict[str, set[str]] = {}
        for st in self.statements.values():
            if not st.retracted:
                current.setdefault(st.prop, set()).add(st.value)
        return current

    @property
    def changed(self) -> bool:
        return self.row is None or any(st.op for st in self.statements.values())


class Change:
    """What one command or import asserts and retracts, over the entities it touches."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.entities: dict[str, EntityState] = {}
        self._known: dict[str, str | None] = {}  # schema of entities in the registry, or None

    def entity(self, entity_id: str, entity_schema: Schema | None = None) -> EntityState:
        """The entity as it stands, or a new one of ``entity_schema``. InputError if the
        registry holds it as another schema; NotFound if it is not there and no schema is given."""
        if entity_id not in self.entities:
            self.entities[entity_id] = self._load(entity_id, entity_schema)
        found = self.entities[entity_id]
        if entity_schema is not None and found.schema != entity_schema:
            raise InputError(
                f"{entity_id} is a {found.schema.name} in the registry, not a {entity_schema.name}",
                hint="an entity keeps its schema; change its values with gavah registry edit",
            )
        return found

    def _load(self, entity_id: str, entity_schema: Schema | None) -> EntityState:
        row = None if self._known.get(entity_id, "") is None else self.session.get(_E, entity_id)
        if row is None:
            if entity_schema is None:
                raise NotFound(
                    f"no registry entity {entity_id!r}", hint="gavah registry list shows them"
                )
            return EntityState(entity_id, entity_schema, None)
        found = EntityState(entity_id, model.schema(row.schema), row)
        for st in self.session.execute(select(_S).where(_S.entity_id == entity_id)).scalars():
            found.statements[st.id] = StatementState(
                st.id,
                st.entity_id,
                st.schema,
                st.prop,
                st.value,
                st.original_value,
                st.lang,
                st.source,
                st.retracted,
                row=st,
            )
        return found

    def assert_value(
        self, entity: EntityState, prop: str, value: model.Value, source: str | None
    ) -> None:
        sid = model.statement_id(entity.id, prop, value.value, source)
        st = entity.statements.get(sid)
        if st is None:
            entity.statements[sid] = StatementState(
                sid,
                entity.id,
                entity.schema.name,
                prop,
                value.value,
                value.original,
                value.lang,
                source,
                False,
                op="added",
            )
        elif st.row is not None and st.op != "seen":
            st.op, st.retracted = "seen", False

    def retract(self, entity: EntityState, prop: str, raw: str) -> None:
        """Retract every current statement of ``prop`` with this value, from any source."""
        model.writable(entity.schema, prop)
        text = raw.strip()
        try:
            wanted = {v.value for v in model.read(entity.schema, prop, text)} | {text}
        except Invalid:
            wanted = {text}
        found = [
            st
            for st in entity.statements.values()
            if st.prop == prop
            and not st.retracted
            and (st.value in wanted or st.original_value == text)
        ]
        if not found:
            raise Invalid(f"{prop}: {text!r} is not a current value of {entity.id}")
        for st in found:
            self._retract(entity, st)

    def retract_others(self, entity: EntityState, prop: str, keep: Iterable[str]) -> None:
        kept = frozenset(keep)
        for st in list(entity.statements.values()):
            if st.prop == prop and not st.retracted and st.value not in kept:
                self._retract(entity, st)

    @staticmethod
    def _retract(entity: EntityState, st: StatementState) -> None:
        if st.row is None:  # added by this very change: it never was
            del entity.statements[st.id]
        else:
            st.op, st.retracted = "retracted", True

    def schema_of(self, entity_id: str) -> str | None:
        if entity_id in self.entities:
            return self.entities[entity_id].schema.name
        if entity_id not in self._known:
            self._known[entity_id] = self.session.execute(
                select(_E.schema).where(_E.id == entity_id)
            ).scalar_one_or_none()
        return self._known[entity_id]

    def prefetch(self, ids: Iterable[str]) -> None:
        """Which of ``ids`` the registry holds, in a few queries instead of one each."""
        wanted = sorted(set(ids) - self._known.keys())
        for start in range(0, len(wanted), _PAGE):
            chunk = wanted[start : start + _PAGE]
            found = dict(
                self.session.execute(select(_E.id, _E.schema).where(_E.id.in_(chunk))).all()
            )
            self._known.update({i: found.get(i) for i in chunk})

    def problems(self) -> dict[str, list[str]]:
        """Every changed entity's problems as it would stand, by entity id."""
        found = {}
        day = today()
        for entity in self.entities.values():
            if entity.changed:
                values = entity.values()
                if problems := model.check(entity.schema, entity.id, values, self.schema_of, day):
                    found[entity.id] = problems
        return found


def assert_all(
    change: Change, entity: EntityState, properties: Mapping[str, Sequence[str]], source: str | None
) -> list[str]:
    """Assert every value that reads; the problems of those that do not."""
    read, problems = read_all(entity.schema, properties)
    for prop, values in read.items():
        for value in values:
            change.assert_value(entity, prop, value, source)
    return problems


def read_all(
    entity_schema: Schema, properties: Mapping[str, Sequence[str]]
) -> tuple[dict[str, list[model.Value]], list[str]]:
    """Every value as stored, by property, and a problem for each that cannot be."""
    read: dict[str, list[model.Value]] = {}
    problems = []
    for prop, raws in sorted(properties.items()):
        for raw in [raws] if isinstance(raws, str) else raws:
            try:
                read.setdefault(prop, []).extend(model.read(entity_schema, prop, raw))
            except Invalid as exc:
                problems.append(str(exc))
    return read, problems


def refuse(change: Change, problems: list[str], main: str, what: str) -> None:
    """Raise with every problem of the change, if there is any: nothing is written then."""
    for entity_id, found in change.problems().items():
        problems.extend(found if entity_id == main else [f"{entity_id}: {p}" for p in found])
    if problems:
        raise InputError(
            f"{what}: {len(problems)} problem(s), nothing was stored:\n" + "\n".join(problems),
            hint=HINT,
        )


def retract_all(
    change: Change, entity: EntityState, remove: Mapping[str, Sequence[str]]
) -> list[str]:
    problems = []
    for prop, raws in sorted(remove.items()):
        for raw in [raws] if isinstance(raws, str) else raws:
            try:
                change.retract(entity, prop, raw)
            except Invalid as exc:
                problems.append(str(exc))
    return problems


def replace_all(
    change: Change, entity: EntityState, replace: Mapping[str, Sequence[str]], source: str | None
) -> list[str]:
    problems = []
    for prop, raws in sorted(replace.items()):
        read, found = read_all(entity.schema, {prop: raws})
        problems += found
        try:
            change.retract_others(entity, prop, [v.value for v in read.get(prop, [])])
        except Invalid as exc:
            problems.append(str(exc))
        for value in read.get(prop, []):
            change.assert_value(entity, prop, value, source)
    return problems


def write_rows(
    session: Session, touched: Sequence[EntityState], at: dt.datetime, index: int, actor: str
) -> list[StatementState]:
    """Entity rows (new ones inserted, the others' caption and time updated), then statements:
    new ones inserted, the others updated. Returns the new statements in id order."""
    new_entities = []
    for entity in touched:
        caption = model.caption(entity.schema.name, entity.id, entity.values())
        if entity.row is None:
            new_entities.append(
                {
                    "id": entity.id,
                    "schema": entity.schema.name,
                    "caption": caption,
                    "created_at": at,
                    "updated_at": at,
                }
            )
        else:
            entity.row.caption, entity.row.updated_at = caption, at
    for entity in touched:
        for st in entity.statements.values():
            if st.row is not None and st.op == "seen":
                st.row.last_seen, st.row.retracted = at, False
            elif st.row is not None and st.op == "retracted":
                st.row.retracted = True
    added = sorted(
        (st for e in touched for st in e.statements.values() if st.op == "added"),
        key=lambda st: st.id,
    )
    rows = [
        {
            **statement_summary(st),
            "first_seen": at,
            "last_seen": at,
            "retracted": False,
            "log_index": index,
            "actor": actor,
        }
        for st in added
    ]
    # Core inserts, in chunks: the ORM's per-object bookkeeping would triple an import's time.
    for table, batch in ((_E, new_entities), (_S, rows)):
        for start in range(0, len(batch), 5000):
            session.execute(insert(table), batch[start : start + 5000])
    return added
