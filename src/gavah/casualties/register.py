"""The victim register: published lists of the dead, imported whole, each record kept as published.

A list is imported from one file. The file itself goes into the evidence vault first (so the
original is kept by its SHA-256 and shows on the custody log), then its rows are read through a
column mapping into gavah's fields, and the list, its records and a digest of them are recorded in
one transaction with a custody event. A row that cannot be read stops the whole import with its
file and line: a list is imported whole or not at all.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gavah.casualties import tables
from gavah.custody.entry import canonical_json
from gavah.custody.log import Appender, isotime, utcnow
from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.intake.ingest import acquire_checked, read_whole
from gavah.text.dates import parse_date
from gavah.vault import Vault, canonical_text

# Custody event kinds of the register (added to, never renamed).
LIST_IMPORTED = "victims.list-imported"
RECORD_LINKED = "victims.record-linked"

FIELDS: dict[str, str] = {
    "id": "the list's own identifier for the record",
    "name": "name in Latin script (any order, any transliteration)",
    "name_fa": "name in Persian script",
    "age": "age in years (a range such as 18-29 is read as an age group)",
    "age_group": "age group as published, e.g. 18-29 or child",
    "gender": "gender (male/female, m/f, مرد/زن; anything else is kept as given)",
    "date": "date of death, Gregorian (2026-01-08) or Solar Hijri (1404/10/18, 18 Dey 1404)",
    "place": "place of death (city, district)",
    "province": "province of death",
    "cause": "cause of death",
    "circumstances": "circumstances, as published",
    "sources": "links or references, separated by spaces, ';' or new lines",
    "evidence": "evidence items in the vault (ids or SHA-256 prefixes), separated by ';'",
}
LINK_KINDS = ("evidence", "incident", "entity")
LIST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_ERRORS = 20  # rows reported before an import gives up

_UNKNOWN = {"", "?", "-", "unknown", "n/a", "na", "none", "نامعلوم", "نامشخص", "مجهول"}
_NO_NAME = {
    "unidentified",
    "unnamed",
    "anonymous",
    "not known",
    "name unknown",
    "ناشناس",
    "ناشناخته",
    "بی نام",
    "مجهول الهویه",
    "مجهول‌الهویه",
    "نام نامعلوم",
}
_MALE = {"m", "male", "man", "boy", "مرد", "پسر", "مذکر", "آقا"}
_FEMALE = {"f", "female", "woman", "girl", "زن", "دختر", "مونث", "مؤنث", "خانم"}
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_AGE_RANGE = re.compile(r"^\d{1,3}\s*[-–—to]+\s*\d{1,3}$|^\d{1,3}\s*\+$")
_AGE = re.compile(r"^(\d{1,3})(?:\s*(?:years?|yrs?|y|ساله|سال))?$")
_SPLIT_SOURCES = re.compile(r"[\s;]+")


@dataclass(frozen=True)
class ListInfo:
    """Who published a list, when and where: the list's identity."""

    name: str
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None


class RowError(Exception):
    pass


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``name=Full name,age=Age`` (or several ``--map`` options) into field -> column."""
    mapping: dict[str, str] = {}
    for item in items:
        for part in _split_pairs(item):
            field, sep, column = part.partition("=")
            field, column = field.strip(), column.strip()
            if not sep or not field or not column:
                raise InputError(
                    f"--map {part!r} is not FIELD=COLUMN", hint="e.g. --map name=Name,age=Age"
                )
            if field not in FIELDS:
                raise InputError(
                    f"--map: unknown field {field!r}", hint=f"fields: {', '.join(FIELDS)}"
                )
            if field in mapping:
                raise InputError(f"--map: field {field!r} is mapped twice")
            mapping[field] = column
    return mapping


def _split_pairs(item: str) -> list[str]:
    # Commas separate pairs, but a column name may itself hold a comma: split only before "x=".
    return [p for p in re.split(r",(?=\s*[a-z_]+\s*=)", item) if p.strip()]


def default_mapping(columns: Sequence[str]) -> dict[str, str]:
    """Columns named like gavah's fields (any case) map to them when no mapping is given."""
    by_lower = {c.lower().strip(): c for c in columns}
    return {field: by_lower[field] for field in FIELDS if field in by_lower}


def convert_row(
    row: Mapping[str, str],
    mapping: Mapping[str, str],
    calendar: str,
    resolve_evidence: Callable[[str], str],
) -> tuple[dict[str, Any], list[str]]:
    """One row's fields as gavah stores them, and the evidence ids it cites. Raises RowError."""
    value = {field: row.get(column, "").strip() for field, column in mapping.items()}
    fields: dict[str, Any] = {
        "source_ref": value.get("id") or None,
        "name": _name(value.get("name", "")),
        "name_fa": _name(value.get("name_fa", "")),
        "age": None,
        "age_group": value.get("age_group") or None,
        "gender": _gender(value.get("gender", "")),
        "date": None,
        "date_original": None,
        "date_calendar": None,
        "date_precision": None,
        "place": value.get("place") or None,
        "province": value.get("province") or None,
        "cause": value.get("cause") or None,
        "circumstances": value.get("circumstances") or None,
        "sources": None,
    }
    age = value.get("age", "").translate(_DIGITS).strip().lower()
    if age.lower() not in _UNKNOWN:
        if m := _AGE.match(age):
            fields["age"] = int(m.group(1))
            if fields["age"] > 125:
                raise RowError(f"age {value['age']!r} is not plausible")
        elif _AGE_RANGE.match(age):
            fields["age_group"] = fields["age_group"] or age.replace(" ", "")
        else:
            raise RowError(f"age {value['age']!r} is not a number or a range such as 18-29")
    when = value.get("date", "")
    if when.lower() not in _UNKNOWN:
        try:
            parsed = parse_date(when, calendar)  # type: ignore[arg-type]
        except InputError as exc:
            raise RowError(exc.message) from None
        fields.update(
            date=parsed.iso,
            date_original=parsed.original,
            date_calendar=parsed.calendar,
            date_precision=parsed.precision,
        )
    if sources := value.get("sources"):
        fields["sources"] = json.dumps(
            [s for s in _SPLIT_SOURCES.split(sources) if s], ensure_ascii=False
        )
    evidence: list[str] = []
    for ref in re.split(r"[\s;,]+", value.get("evidence", "")):
        if ref:
            try:
                evidence.append(resolve_evidence(ref))
            except (InputError, NotFound) as exc:
                raise RowError(f"evidence {ref!r}: {exc.message}") from None
    return fields, evidence


def _name(text: str) -> str | None:
    """A name as published, or None where the list says it is not known: "unknown" is nobody's
    name, and two unknowns must never be linked as one person by their shared "name"."""
    folded = " ".join(text.replace("\u200c", " ").split()).lower()
    if folded in _UNKNOWN or folded in _NO_NAME:
        return None
    return text or None


def _gender(text: str) -> str | None:
    folded = text.strip().lower()
    if folded in _UNKNOWN:
        return None
    if folded in _MALE:
        return "male"
    if folded in _FEMALE:
        return "female"
    return folded[:20]


def record_summary(rec: models.VictimRecord | Mapping[str, Any]) -> dict[str, Any]:
    """What the import entry's digest covers, one record at a time; ``log verify`` recomputes it
    from the rows."""
    get = rec.get if isinstance(rec, Mapping) else lambda k: getattr(rec, k)
    return {key: get(key) for key in ("id", "row", "original", *_RECORD_FIELDS)}


_RECORD_FIELDS = (
    "source_ref",
    "name",
    "name_fa",
    "age",
    "age_group",
    "gender",
    "date",
    "date_original",
    "date_calendar",
    "date_precision",
    "place",
    "province",
    "cause",
    "circumstances",
    "sources",
)


def records_digest(records: Iterable[models.VictimRecord | Mapping[str, Any]]) -> str:
    digest = hashlib.sha256()
    for rec in records:
        digest.update(canonical_json(record_summary(rec)) + b"\n")
    return digest.hexdigest()


def list_summary(vl: models.VictimList) -> dict[str, Any]:
    return {
        "id": vl.id,
        "title": vl.title,
        "publisher": vl.publisher,
        "published": vl.published,
        "url": vl.url,
        "mapping": json.loads(vl.mapping),
        "record_count": vl.record_count,
        "records_sha256": vl.records_sha256,
    }


class Register:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.db = vault.db

    # --- import ----------------------------------------------------------------------------
    def import_list(
        self,
        path: Path,
        info: ListInfo,
        mapping: Mapping[str, str] | None = None,
        *,
        fmt: tables.Format | None = None,
        delimiter: str | None = None,
        sheet: str | None = None,
        calendar: str = "auto",
    ) -> dict[str, Any]:
        if not LIST_NAME.match(info.name):
            raise InputError(
                f"list name {info.name!r} is not usable as a short name",
                hint="use letters, digits, '.', '_' or '-' (up to 64), e.g. HRANA-2026-01",
            )
        fmt = fmt or tables.guess_format(path.name)
        # Everything is read and checked before the file goes into the store: a refused list
        # leaves nothing behind, not even an unrecorded blob.
        data = read_whole(path, "the list's file")
        sha256 = hashlib.sha256(data).hexdigest()
        table = tables.read_table(data, path.name, fmt, delimiter=delimiter, sheet=sheet)
        mapping = dict(mapping) if mapping else default_mapping(table.columns)
        with self.db.read() as session:
            existing = session.get(models.VictimList, info.name)
            if existing is not None:
                return self._already(session, existing, sha256, mapping)
            _check_mapping(mapping, table.columns, path.name)
            records, cited = self._records(session, table, mapping, calendar, path.name, info)
        acquired = acquire_checked(self.vault.store, path, sha256)
        with self.db.write() as session:
            appender = Appender(session)
            recorded = self.vault.record_one(
                session, appender, acquired, "victim-lists", info.publisher, f"list {info.name}"
            )
            vl = models.VictimList(
                id=info.name,
                title=info.title,
                publisher=info.publisher,
                published=info.published,
                url=info.url,
                evidence_id=recorded.evidence_id,
                mapping=canonical_text(mapping),
                record_count=len(records),
                records_sha256=records_digest(records),
                log_index=appender.size,
                actor=self.vault.actor,
                created_at=utcnow(),
            )
            session.add(vl)
            session.flush()
            event = {
                "actor": self.vault.actor,
                "evidence": {"id": recorded.evidence_id, "sha256": recorded.sha256},
                "list": list_summary(vl),
            }
            appender.append(LIST_IMPORTED, recorded.evidence_id, vl.created_at, event)
            # Core inserts: the ORM's per-object bookkeeping would triple an import's time.
            for start in range(0, len(records), 10_000):
                session.execute(insert(models.VictimRecord), records[start : start + 10_000])
            for rec_id, ev_id in cited:
                self._attach(session, appender, rec_id, "evidence", ev_id)
            self.vault.finish(session, appender)
            return {
                "list": info.name,
                "records": len(records),
                "evidence_links": len(cited),
                "file": {"evidence_id": recorded.evidence_id, "sha256": recorded.sha256},
                "log_index": vl.log_index,
                "without_name": sum(1 for r in records if not (r["name"] or r["name_fa"])),
                "already_imported": False,
            }

    def _already(
        self,
        session: Session,
        existing: models.VictimList,
        sha256: str,
        mapping: Mapping[str, str],
    ) -> dict[str, Any]:
        """Importing the same file under the same name again changes nothing (scripts may be
        re-run); anything else under a name already taken is refused."""
        file = session.get(models.Evidence, existing.evidence_id)
        same_mapping = dict(mapping) == json.loads(existing.mapping)
        if file is None or file.sha256 != sha256 or not same_mapping:
            raise InputError(
                f"a list named {existing.id} is already in the register, from another file "
                "or mapping",
                hint="a list is imported once; give an updated edition its own name",
            )
        return {
            "list": existing.id,
            "records": existing.record_count,
            "evidence_links": None,
            "file": {"evidence_id": file.id, "sha256": file.sha256},
            "log_index": existing.log_index,
            "without_name": None,
            "already_imported": True,
        }

    def _records(
        self,
        session: Session,
        table: tables.Table,
        mapping: Mapping[str, str],
        calendar: str,
        filename: str,
        info: ListInfo,
    ) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        cache: dict[str, str] = {}

        def resolve(ref: str) -> str:
            if ref not in cache:
                cache[ref] = self.vault.resolve(session, ref).id
            return cache[ref]

        records: list[dict[str, Any]] = []
        cited: list[tuple[str, str]] = []
        errors: list[str] = []
        for number, row in table.rows:
            try:
                fields, evidence = convert_row(row, mapping, calendar, resolve)
            except RowError as exc:
                errors.append(f"{filename}:{number}: {exc}")
                if len(errors) >= MAX_ERRORS:
                    break
                continue
            rec = {
                "id": f"{info.name}:{number}",
                "list_id": info.name,
                "row": number,
                "original": canonical_text(row),
                **fields,
            }
            records.append(rec)
            cited.extend((rec["id"], ev) for ev in dict.fromkeys(evidence))
        if errors:
            more = " (stopped counting)" if len(errors) >= MAX_ERRORS else ""
            raise InputError(
                f"{len(errors)} row(s) of {filename} cannot be read{more}; nothing was imported:\n"
                + "\n".join(errors),
                hint="correct those rows (or the --map and --calendar options) and import again",
            )
        if not records:
            raise InputError(f"{filename} holds no rows; nothing was imported")
        return records, cited

    # --- links to evidence, incidents and registry entities --------------------------------
    def attach(self, record_ref: str, kind: str, target: str) -> dict[str, Any]:
        if kind not in LINK_KINDS:
            raise InputError(f"unknown link kind {kind!r}", hint=f"kinds: {', '.join(LINK_KINDS)}")
        with self.db.write() as session:
            rec = self._record(session, record_ref)
            if kind == "evidence":
                target = self.vault.resolve(session, target).id
            elif not target.strip():
                raise InputError(f"give the {kind}'s identifier")
            appender = Appender(session)
            index = self._attach(session, appender, rec.id, kind, target.strip())
            self.vault.finish(session, appender)
            return {"record": rec.id, "kind": kind, "target": target, "log_index": index}

    def _attach(
        self, session: Session, appender: Appender, record_id: str, kind: str, target: str
    ) -> int:
        existing = session.get(models.VictimRecordLink, (record_id, kind, target))
        if existing is not None:
            return existing.log_index
        at = utcnow()
        event: dict[str, Any] = {
            "actor": self.vault.actor,
            "link": {"record": record_id, "kind": kind, "target": target},
        }
        evidence_id = None
        if kind == "evidence":
            ev = session.get(models.Evidence, target)
            assert ev is not None
            evidence_id = ev.id
            event["evidence"] = {"id": ev.id, "sha256": ev.sha256}
        index = appender.append(RECORD_LINKED, evidence_id, at, event).index
        session.add(
            models.VictimRecordLink(
                record_id=record_id,
                kind=kind,
                target=target,
                log_index=index,
                actor=self.vault.actor,
                at=at,
            )
        )
        return index

    # --- reading ---------------------------------------------------------------------------
    def _record(self, session: Session, ref: str) -> models.VictimRecord:
        rec = session.get(models.VictimRecord, ref.strip())
        if rec is None:
            raise NotFound(
                f"no victim record {ref!r}", hint="records are named LIST:ROW, e.g. HRANA:17"
            )
        return rec

    def lists(self) -> list[dict[str, Any]]:
        with self.db.read() as session:
            rows = session.execute(select(models.VictimList).order_by(models.VictimList.id))
            return [
                {**list_summary(vl), "file": vl.evidence_id, "imported_at": isotime(vl.created_at)}
                for vl in rows.scalars()
            ]

    def show(self, ref: str) -> dict[str, Any]:
        with self.db.read() as session:
            rec = self._record(session, ref)
            links = session.execute(
                select(models.VictimRecordLink).where(models.VictimRecordLink.record_id == rec.id)
            ).scalars()
            return {
                **record_summary(rec),
                "original": json.loads(rec.original),
                "sources": json.loads(rec.sources) if rec.sources else [],
                "list": rec.list_id,
                "links": [
                    {"kind": link.kind, "target": link.target, "log_index": link.log_index}
                    for link in links
                ],
            }


def _check_mapping(mapping: Mapping[str, str], columns: Sequence[str], filename: str) -> None:
    missing = [f"{field}={col}" for field, col in mapping.items() if col not in columns]
    if missing:
        raise InputError(
            f"{filename} has no column for --map {', '.join(missing)}",
            hint=f"its columns: {', '.join(columns)}",
        )
    if "name" not in mapping and "name_fa" not in mapping:
        raise InputError(
            f"no column of {filename} is mapped to a name",
            hint="give --map name=COLUMN and/or --map name_fa=COLUMN",
        )
