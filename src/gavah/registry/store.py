"""The registry over a vault: entities kept as FtM statements, every change a custody event.

Each value of each entity is one ``registry_statement`` row: entity, property and value (FtM's
clean form), the text entered where it differs (a Solar Hijri date), the language of Persian
text, the source it came from (an evidence item, a list, an imported file kept in the vault),
when it was first and last asserted, and whether it was retracted. A command first builds a
:class:`~gavah.registry.change.Change` (every statement it adds, asserts again or retracts),
checks every entity it touches as it would then stand (:func:`gavah.registry.model.check`),
and only then writes the rows and one custody event, in one transaction. Nothing is deleted:
removing a value retracts it.

The event of a change carries the number of statements it created with a SHA-256 over them
(:func:`gavah.registry.change.statement_summary`, in id order) and, by id, those it asserted
again or retracted; ``gavah log verify`` checks every row against them
(:mod:`gavah.registry.audit`).
"""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from followthemoney import model as ftm_model
from followthemoney.proxy import EntityProxy
from followthemoney.schema import Schema
from followthemoney.types import registry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.custody.entry import decode_entry
from gavah.custody.log import Appender, isotime, utcnow
from gavah.db import models
from gavah.errors import GavahError, InputError, NotFound
from gavah.intake.ingest import acquire_checked, read_whole
from gavah.intake.limits import ImportLimits
from gavah.registry import ftm, model
from gavah.registry.change import (
    HINT,
    Change,
    assert_all,
    read_all,
    refuse,
    replace_all,
    retract_all,
    statement_summary,
    statements_digest,
    write_rows,
)
from gavah.text.names import fold_persian, latin_fold
from gavah.vault import Vault

# Custody event kinds of the registry (added to, never renamed).
ENTITY_ADDED = "registry.entity-added"
ENTITY_EDITED = "registry.entity-edited"
LINKED = "registry.linked"
IMPORTED = "registry.imported"
EXPORTED = "registry.exported"

COLLECTION = "registry-imports"  # the vault collection of imported files
MAX_ERRORS = 20  # problems listed before an import gives up listing
_PAGE = 500
_S = models.RegistryStatement
_E = models.RegistryEntity


@dataclass(frozen=True)
class _Source:
    """Where a command's values come from: the text kept with each, the evidence item it names."""

    text: str | None
    evidence: models.Evidence | None


# --- the registry ---------------------------------------------------------------------------


def _namesakes(
    session: Session, eid: str, schema: str, properties: Mapping[str, Sequence[str]]
) -> list[str]:
    """Entities of the same schema that already hold one of these names (case aside): a second
    "Head of the Revolutionary Court" post is more often a slip than a second post, so the
    caller is told, though two people or posts may share a name and it is not refused."""
    names = {v.strip().casefold() for v in properties.get("name", ()) if v.strip()}
    if not names:
        return []
    rows = session.execute(
        select(models.RegistryStatement.entity_id, models.RegistryStatement.value).where(
            models.RegistryStatement.schema == schema,
            models.RegistryStatement.prop == "name",
            models.RegistryStatement.retracted.is_(False),
            models.RegistryStatement.entity_id != eid,
        )
    )
    return sorted({e for e, value in rows if value.strip().casefold() in names})


class Registry:
    """The perpetrator registry of one vault."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.db = vault.db

    # --- changes -----------------------------------------------------------------------------
    def add(
        self,
        schema: str,
        properties: Mapping[str, Sequence[str]],
        *,
        source: str | None,
        entity_id: str | None = None,
    ) -> dict[str, Any]:
        """A new entity with these values (property -> values as entered). Given the id of an
        entity of the same schema, its values are asserted again (``last_seen`` moves) and new
        ones added. ``source`` is where the values come from; an evidence id (``ev-...``) must be
        in the vault. Raises InputError listing every problem; nothing is stored then."""
        entity_schema = model.schema(schema)
        if not any(properties.values()):
            raise InputError("no values given", hint="give PROP=VALUE, e.g. --prop name=...")
        eid = model.entity_id(entity_id) if entity_id else model.new_id()
        with self.db.write() as session:
            appender = Appender(session)  # first: it locks the log head, so writers take turns
            src = self._source(session, source)
            change = Change(session)
            entity = change.entity(eid, entity_schema)
            created = entity.row is None
            problems = assert_all(change, entity, properties, src.text)
            what = f"{entity_schema.name} {eid}" if entity_id else f"the new {entity_schema.name}"
            refuse(change, problems, eid, what)
            namesakes = _namesakes(session, eid, entity_schema.name, properties) if created else []
            result = self._commit(
                session, appender, change, ENTITY_ADDED, {"created": created}, src.evidence
            )
            return {
                "id": eid,
                "schema": entity_schema.name,
                "created": created,
                "same_name": namesakes,
                **result,
            }

    def edit(
        self,
        entity_id: str,
        *,
        add: Mapping[str, Sequence[str]] | None = None,
        set: Mapping[str, Sequence[str]] | None = None,  # the command's own word
        remove: Mapping[str, Sequence[str]] | None = None,
        source: str | None = None,
    ) -> dict[str, Any]:
        """Change an entity's values: ``add`` asserts values (from ``source``), ``set`` makes
        the given values a property's only current ones, ``remove`` retracts a value from every
        source (its statements stay, marked retracted)."""
        if not (add or set or remove):
            raise InputError("nothing to change", hint="give --add, --set or --remove PROP=VALUE")
        with self.db.write() as session:
            appender = Appender(session)  # first: it locks the log head, so writers take turns
            src = self._source(session, source)
            change = Change(session)
            entity = change.entity(model.entity_id(entity_id))
            problems = retract_all(change, entity, remove or {})
            problems += replace_all(change, entity, set or {}, src.text)
            problems += assert_all(change, entity, add or {}, src.text)
            refuse(change, problems, entity.id, f"{entity.schema.name} {entity.id}")
            if not entity.changed:
                raise InputError(f"nothing to change: {entity.id} has no such values")
            result = self._commit(session, appender, change, ENTITY_EDITED, {}, src.evidence)
            return {"id": entity.id, "schema": entity.schema.name, **result}

    def link(
        self,
        schema: str,
        from_id: str,
        to_id: str,
        *,
        role: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        properties: Mapping[str, Sequence[str]] | None = None,
        source: str | None = None,
    ) -> dict[str, Any]:
        """A relationship entity of ``schema`` (:data:`gavah.registry.model.LINKS`) from one
        entity to another. For Documentation, ``from_id`` is an evidence item of the vault (id
        or SHA-256 prefix): its Document entity is made the first time, and the evidence id is
        the default source. Linking the same ends, role and dates again asserts the same link."""
        entity_schema = model.schema(schema)
        if entity_schema.name not in model.LINKS:
            raise InputError(
                f"{entity_schema.name} is not a relationship that link makes",
                hint=f"link makes {', '.join(model.LINKS)}; add others with gavah registry add",
            )
        from_prop, to_prop = model.LINKS[entity_schema.name]
        with self.db.write() as session:
            appender = Appender(session)  # first: it locks the log head, so writers take turns
            src = self._source(session, source)
            change = Change(session)
            evidence = None
            from_id, to_id = from_id.strip(), to_id.strip()
            if entity_schema.name == "Documentation" and change.schema_of(from_id) != "Document":
                evidence = self.vault.resolve(session, from_id)
                from_id = self._document(change, evidence)
                src = src if src.text else _Source(evidence.id, evidence)
            given = {
                from_prop: [from_id],
                to_prop: [to_id],
                "role": [role] if role else [],
                "startDate": [start_date] if start_date else [],
                "endDate": [end_date] if end_date else [],
                **(properties or {}),
            }
            read, problems = read_all(entity_schema, {k: v for k, v in given.items() if v})
            entity = change.entity(_link_id(entity_schema, read), entity_schema)
            for prop, values in read.items():
                for value in values:
                    change.assert_value(entity, prop, value, src.text)
            refuse(change, problems, entity.id, f"{entity_schema.name} {from_id} -> {to_id}")
            block = {"id": entity.id, "schema": entity_schema.name, "from": from_id, "to": to_id}
            result = self._commit(
                session, appender, change, LINKED, {"link": block}, evidence or src.evidence
            )
            return {"id": entity.id, "schema": entity_schema.name, **result}

    def _document(self, change: Change, evidence: models.Evidence) -> str:
        """The Document entity standing for an evidence item. Its file name is the evidence id,
        not the name it arrived under: that name may identify a witness, and exports leave."""
        document = change.entity(model.document_id(evidence.id), model.schema("Document"))
        mime = registry.mimetype.clean(evidence.mime)
        values = {
            "fileName": [evidence.id],
            "mimeType": [mime] if mime else [],
            "fileSize": [str(evidence.size)],
            "summary": [f"gavah evidence item {evidence.id}, SHA-256 {evidence.sha256}"],
        }
        problems = assert_all(change, document, values, evidence.id)
        if problems:  # the vault's own values: a failure here is a bug, not bad input
            raise ValueError(f"evidence {evidence.id} as a Document: {problems}")
        return document.id

    def import_file(self, path: Path, *, source: str | None = None) -> dict[str, Any]:
        """Import FtM JSON lines, whole or not at all. The file is kept in the vault and its
        evidence id is the source of every statement; ``source`` says where the file came from
        (as ``gavah ingest --source``). Links may point at entities anywhere in the file or in
        the registry. Importing the same file again changes nothing."""
        limits = ImportLimits.from_settings(self.vault.ws.settings)
        data = read_whole(path, "an FtM JSON-lines file", limits)
        sha256 = hashlib.sha256(data).hexdigest()
        with self.db.read() as session:
            if (before := _imported_before(session, sha256)) is not None:
                return before
            lines = ftm.read_lines(data, path.name, limits)
            # Checked before the file goes into the store, so a refused file leaves nothing.
            _plan_import(session, lines, path.name, "pending")
        acquired = acquire_checked(self.vault.store, path, sha256)
        with self.db.write() as session:
            appender = Appender(session)
            recorded = self.vault.record_one(
                session, appender, acquired, COLLECTION, source, f"registry import {path.name}"
            )
            change = _plan_import(session, lines, path.name, recorded.evidence_id)
            created = sum(1 for e in change.entities.values() if e.row is None)
            file = {"id": recorded.evidence_id, "sha256": recorded.sha256}
            event: dict[str, Any] = {
                "evidence": file,
                "import": {
                    "file": path.name,
                    "entities": len(change.entities),
                    "new_entities": created,
                },
            }
            result = self._commit(session, appender, change, IMPORTED, event, None)
            return {
                "file": {"name": path.name, **file},
                "entities": len(change.entities),
                "new_entities": created,
                **result,
                "already_imported": False,
            }

    def _source(self, session: Session, source: str | None) -> _Source:
        text = (source or "").strip() or None
        if text is None:
            return _Source(None, None)
        if len(text) > model.SOURCE_LENGTH:
            raise InputError(f"the source is longer than {model.SOURCE_LENGTH} characters")
        if text.lower().startswith("ev-"):  # an evidence item: it must be in the vault
            evidence = self.vault.resolve(session, text)
            return _Source(evidence.id, evidence)
        return _Source(text, None)

    def _commit(
        self,
        session: Session,
        appender: Appender,
        change: Change,
        kind: str,
        event: dict[str, Any],
        evidence: models.Evidence | None,
    ) -> dict[str, Any]:
        """Write the change's rows and its custody event; sign a checkpoint."""
        at, index = utcnow(), appender.size
        touched = sorted((e for e in change.entities.values() if e.changed), key=lambda e: e.id)
        added = write_rows(session, touched, at, index, self.vault.actor)
        seen = sorted(st.id for e in touched for st in e.statements.values() if st.op == "seen")
        retracted = sorted(
            st.id for e in touched for st in e.statements.values() if st.op == "retracted"
        )
        body: dict[str, Any] = {"actor": self.vault.actor, **event}
        if kind != IMPORTED:
            body["entities"] = [{"id": e.id, "schema": e.schema.name} for e in touched]
        if evidence is not None:
            body["evidence"] = {"id": evidence.id, "sha256": evidence.sha256}
        body["statements"] = {
            "added": len(added),
            "added_sha256": statements_digest(added),
            "seen": seen,
            "retracted": retracted,
        }
        appender.append(kind, (body.get("evidence") or {}).get("id"), at, body)
        self.vault.finish(session, appender)
        return {
            "statements": {"added": len(added), "seen": len(seen), "retracted": len(retracted)},
            "log_index": index,
        }

    # --- reading -----------------------------------------------------------------------------
    def show(self, entity_id: str) -> dict[str, Any]:
        """One entity: its current values, every statement behind them (retracted ones too)
        with its provenance, and the entities it points at and that point at it."""
        with self.db.read() as session:
            row = _entity_row(session, entity_id)
            rows = session.execute(select(_S).where(_S.entity_id == row.id)).scalars().all()
            rows = sorted(rows, key=lambda s: (s.prop, s.value, s.source or ""))
            values = _values(rows)
            entity_schema = model.schema(row.schema)
            outgoing = [
                (prop, target)
                for prop, found in sorted(values.items())
                if entity_schema.properties[prop].type == registry.entity
                for target in sorted(found)
            ]
            incoming = _pointing_at(session, row.id)
            about = _about(session, {t for _, t in outgoing} | {i for i, _ in incoming})
            return {
                "id": row.id,
                "schema": row.schema,
                "caption": row.caption,
                "created_at": isotime(row.created_at),
                "updated_at": isotime(row.updated_at),
                "names": _names(entity_schema, rows),
                "properties": {prop: sorted(found) for prop, found in sorted(values.items())},
                "statements": [_statement_dict(st) for st in rows],
                "refers_to": [{"prop": p, "id": t, **about.get(t, {})} for p, t in outgoing],
                "referred_by": [{"id": i, "prop": p, **about.get(i, {})} for i, p in incoming],
            }

    def entity(self, entity_id: str) -> EntityProxy:
        """The entity with its current values, as FtM has it."""
        with self.db.read() as session:
            row = _entity_row(session, entity_id)
            values = _current_values(session, [row.id])
            return model.proxy(row.schema, row.id, values.get(row.id, {}))

    def entities(self, schemata: Iterable[str] | None = None) -> Iterator[EntityProxy]:
        """Every entity (of these schema names, if given) with its current values, in id order."""
        with self.db.read() as session:
            query = select(_E.id, _E.schema)
            if schemata is not None:
                query = query.where(_E.schema.in_(builtins.list(schemata)))
            # Sorted here, not by the database: the order must not depend on its collation.
            found = sorted((i, s) for i, s in session.execute(query))
            for start in range(0, len(found), _PAGE):
                page = found[start : start + _PAGE]
                values = _current_values(session, [i for i, _ in page])
                for entity_id, schema in page:
                    yield model.proxy(schema, entity_id, values.get(entity_id, {}))

    def export(self, out: IO[str]) -> int:
        """Every entity as FtM JSON lines (current values only, sorted), the form yente and Aleph
        load as they are. The export is a custody event with the SHA-256 of what was written."""
        digest, count = hashlib.sha256(), 0
        for entity in self.entities():
            line = ftm.entity_line(entity)
            out.write(line)
            digest.update(line.encode("utf-8"))
            count += 1
        with self.db.write() as session:
            appender = Appender(session)
            event = {
                "actor": self.vault.actor,
                "export": {"entities": count, "sha256": digest.hexdigest()},
            }
            appender.append(EXPORTED, None, utcnow(), event)
            self.vault.finish(session, appender)
        return count

    def list(
        self, schema: str | None = None, query: str | None = None
    ) -> builtins.list[dict[str, Any]]:
        """Entities (of one schema) whose id or any current value contains ``query`` (Persian
        letter forms and Latin case and accents folded), in id order."""
        wanted = model.schema(schema).name if schema else None
        query = query.strip() if query else None
        with self.db.read() as session:
            select_rows = select(_E).order_by(_E.id)
            if wanted:
                select_rows = select_rows.where(_E.schema == wanted)
            rows = sorted(session.execute(select_rows).scalars(), key=lambda r: r.id)
            values = _current_values(session, [r.id for r in rows])
        found = []
        for row in rows:
            current = values.get(row.id, {})
            if query is None or _matches(query, row.id, current):
                found.append(_listed(row, current))
        return found


# --- helpers ----------------------------------------------------------------------------------


def _link_id(entity_schema: Schema, read: Mapping[str, Sequence[model.Value]]) -> str:
    """A relationship's id from what identifies it: its ends, role and dates, as stored."""
    ends = model.LINKS[entity_schema.name]
    keys = (*ends, "role", "startDate", "endDate")
    return model.link_id(entity_schema.name, {k: [v.value for v in read.get(k, [])] for k in keys})


def _plan_import(session: Session, lines: Sequence[ftm.Line], filename: str, source: str) -> Change:
    """The change an import makes, with every problem named ``file:line``; InputError if any."""
    change = Change(session)
    change.prefetch(_mentioned(lines))
    errors: list[tuple[int, str]] = []  # (line, problem)
    first_line: dict[str, int] = {}
    for line in lines:
        try:
            entity = change.entity(model.entity_id(line.id), model.schema(line.schema))
        except GavahError as exc:
            errors.append((line.number, exc.message))
            continue
        first_line.setdefault(entity.id, line.number)
        problems = assert_all(change, entity, line.properties, source)
        errors.extend((line.number, f"{entity.id}: {p}") for p in problems)
    for entity_id, problems in change.problems().items():
        errors.extend((first_line[entity_id], f"{entity_id}: {p}") for p in problems)
    if errors:
        errors.sort(key=lambda e: e[0])  # stable: an entity's problems stay in their order
        shown = [f"{filename}:{n}: {p}" for n, p in errors[:MAX_ERRORS]]
        more = f" (the first {MAX_ERRORS} shown)" if len(errors) > MAX_ERRORS else ""
        raise InputError(
            f"{len(errors)} problem(s) in {filename}{more}; nothing was imported:\n"
            + "\n".join(shown),
            hint=HINT,
        )
    return change


def _mentioned(lines: Sequence[ftm.Line]) -> set[str]:
    """Every entity id a file names: its entities' and those its links point at."""
    ids = set()
    for line in lines:
        ids.add(line.id.strip())
        found = ftm_model.get(line.schema)
        for name, values in line.properties.items():
            prop = found.properties.get(name) if found else None
            if prop is not None and prop.type == registry.entity:
                ids.update(v.strip() for v in values)
    return ids


def _imported_before(session: Session, sha256: str) -> dict[str, Any] | None:
    """The result of an earlier import of the same bytes, if there was one."""
    evidence = session.execute(
        select(models.Evidence).where(models.Evidence.sha256 == sha256)
    ).scalar_one_or_none()
    if evidence is None:
        return None
    event = session.execute(
        select(models.CustodyEvent)
        .where(models.CustodyEvent.evidence_id == evidence.id, models.CustodyEvent.kind == IMPORTED)
        .order_by(models.CustodyEvent.idx)
        .limit(1)
    ).scalar_one_or_none()
    if event is None:
        return None
    entry = decode_entry(bytes(event.entry))
    return {
        "file": {"name": entry["import"]["file"], "id": evidence.id, "sha256": evidence.sha256},
        "entities": entry["import"]["entities"],
        "new_entities": entry["import"]["new_entities"],
        "statements": {"added": entry["statements"]["added"], "seen": 0, "retracted": 0},
        "log_index": event.idx,
        "already_imported": True,
    }


def _entity_row(session: Session, entity_id: str) -> models.RegistryEntity:
    row = session.get(_E, entity_id.strip())
    if row is None:
        raise NotFound(f"no registry entity {entity_id!r}", hint="gavah registry list shows them")
    return row


def _values(rows: Iterable[Any]) -> dict[str, set[str]]:
    values: dict[str, set[str]] = {}
    for st in rows:
        if not st.retracted:
            values.setdefault(st.prop, set()).add(st.value)
    return values


def _current_values(session: Session, ids: Sequence[str]) -> dict[str, dict[str, set[str]]]:
    found: dict[str, dict[str, set[str]]] = {}
    for start in range(0, len(ids), _PAGE):
        rows = session.execute(
            select(_S.entity_id, _S.prop, _S.value).where(
                _S.entity_id.in_(ids[start : start + _PAGE]), _S.retracted.is_(False)
            )
        )
        for entity_id, prop, value in rows:
            found.setdefault(entity_id, {}).setdefault(prop, set()).add(value)
    return found


def _pointing_at(session: Session, entity_id: str) -> list[tuple[str, str]]:
    """(entity, property) of every current link to ``entity_id``."""
    rows = session.execute(
        select(_S.entity_id, _S.schema, _S.prop).where(
            _S.value == entity_id, _S.retracted.is_(False)
        )
    ).all()
    links = {
        (source, prop)
        for source, schema, prop in rows
        if (s := ftm_model.get(schema))
        and (p := s.properties.get(prop))
        and p.type == registry.entity
    }
    return sorted(links)


def _about(session: Session, ids: set[str]) -> dict[str, dict[str, str]]:
    rows = session.execute(select(_E.id, _E.schema, _E.caption).where(_E.id.in_(sorted(ids))))
    return {i: {"schema": schema, "caption": caption} for i, schema, caption in rows}


def _names(entity_schema: Schema, rows: Iterable[models.RegistryStatement]) -> list[dict[str, Any]]:
    """Current names (every name-type property), Latin script first, Persian beside them."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for st in rows:
        prop = entity_schema.properties.get(st.prop)
        if st.retracted or prop is None or prop.type != registry.name:
            continue
        seen.setdefault(
            (st.prop, st.value),
            {
                "prop": st.prop,
                "value": st.value,
                "lang": st.lang,
                "original_value": st.original_value,
            },
        )
    return sorted(
        seen.values(), key=lambda n: (n["prop"] != "name", n["prop"], n["lang"] or "", n["value"])
    )


def _statement_dict(st: models.RegistryStatement) -> dict[str, Any]:
    return {
        **statement_summary(st),
        "first_seen": isotime(st.first_seen),
        "last_seen": isotime(st.last_seen),
        "retracted": st.retracted,
        "log_index": st.log_index,
        "actor": st.actor,
    }


def _listed(row: models.RegistryEntity, values: Mapping[str, set[str]]) -> dict[str, Any]:
    """An entity as a line of a list: Latin names first; a relationship's ends."""
    ends = model.LINKS.get(row.schema)
    return {
        "id": row.id,
        "schema": row.schema,
        "caption": row.caption,
        "names": sorted(values.get("name", ()), key=lambda n: (model.in_persian(n), n)),
        "link": {"from": sorted(values.get(ends[0], ())), "to": sorted(values.get(ends[1], ()))}
        if ends
        else None,
    }


def _search_key(text: str) -> str:
    return latin_fold(fold_persian(text))


def _matches(query: str, entity_id: str, values: Mapping[str, Iterable[str]]) -> bool:
    if query.lower() in entity_id.lower():
        return True
    key = _search_key(query)
    return any(key in _search_key(v) for found in values.values() for v in found)
