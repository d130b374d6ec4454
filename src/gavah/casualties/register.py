"""The victim register: published lists of the dead, imported whole, each record kept as published.

A list is imported from one file, or from a folder of one record per file. The file (a folder:
one ZIP of the files read) goes into the evidence vault first, so the original is kept by its
SHA-256 and shows on the custody log; then its rows are read through a column mapping into
gavah's fields, and the list, its records and a digest of them are recorded in one transaction
with a custody event.

Every row that cannot be read is collected with its file, line and problem, and written to a CSV
the user can correct. A list is imported whole or not at all, unless the user asks to import the
readable rows (``skip_rejected``): then the import event records how many rows were left behind.
A row whose date, age or gender cannot be read may instead be kept with that field left empty, if
the user names the field (``blank_unreadable``): the value stays in the row as published, the row
is written to the CSV for review, and the import event records how many values were left empty.
Rows left out by a status filter (``statuses``) are not errors; they are counted and recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
from gavah.intake.limits import ImportLimits
from gavah.text.dates import parse_date
from gavah.text.names import fold_persian
from gavah.vault import Acquired, Vault, canonical_text

# Custody event kinds of the register (added to, never renamed).
LIST_IMPORTED = "victims.list-imported"
RECORD_LINKED = "victims.record-linked"

FIELDS: dict[str, str] = {
    "id": "the list's own identifier for the record",
    "name": "name in Latin script (any order, any transliteration)",
    "name_fa": "name in Persian script",
    "given_name": "given name(s), any script (composes name/name_fa when those are not mapped)",
    "family_name": "family name, any script (composes name/name_fa when those are not mapped)",
    "age": "age: 17, ۱۷ ساله, 17 years old, about 40, ~40, 40s, 18-29, 16/17, teen, child",
    "age_group": "age group as published, e.g. 18-29 or child",
    "gender": "gender (male/female, m/f, مرد/زن; anything else is kept as given)",
    "date": "date of death, Gregorian (2026-01-08, 19-Sep-2022, Sep 19, 2022, 2022-11) or Solar "
    "Hijri (1404/10/18, 18 Dey 1404, ۱۸ دی ۱۴۰۴)",
    "place": "place of death (city, district)",
    "province": "province of death",
    "cause": "cause of death",
    "circumstances": "circumstances, as published",
    "status": "status as published, e.g. killed, died in custody, executed (see --status)",
    "sources": "links or references, separated by commas, semicolons, spaces or new lines",
    "evidence": "evidence items in the vault (ids or SHA-256 prefixes), separated by ';'",
}
LINK_KINDS = ("evidence", "incident", "entity")
# The collection every list's file is kept in. The web workspace opens the register (records,
# linkage review, estimates, imports) to those granted a role in it: need to know.
COLLECTION = "victim-lists"
LIST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_SHOWN = 20  # rejected rows named in an error message; the CSV holds all of them
AGE_GROUP_LENGTH = 40  # the age_group column's width


# --- the mapping: which column holds which field ---------------------------------------------
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


# --- values that mean "not known", in any field ---------------------------------------------------
# Compared folded, without spaces: "Unknow n" and "Un known" are PDF extractions of "Unknown".
_MISSING = frozenset(
    {
        "",
        "?",
        "؟",
        "-",
        "--",
        "---",
        "–",
        "—",
        "_",
        "unknown",
        "unk",
        "n/a",
        "n.a.",
        "na",
        "none",
        "null",
        "nil",
        "notknown",
        "notavailable",
        "notstated",
        "unspecified",
        "dateless",
        "undated",
        "nodate",
        "نامعلوم",
        "نامشخص",
        "مجهول",
        "معلومنیست",
        "ناشناخته",
    }
)
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
    "نام نامعلوم",
}
_MALE = {"m", "male", "man", "boy", "مرد", "پسر", "مذکر", "آقا"}
_FEMALE = {"f", "female", "woman", "girl", "زن", "دختر", "مونث", "مؤنث", "خانم"}
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def is_missing(text: str) -> bool:
    """True where a list writes that a value is not known (``Unknown``, ``N/A``, ``نامعلوم``,
    ``-``): such a value is stored as missing in every field, never as a place called Unknown."""
    folded = "".join(fold_persian(text).lower().split()).strip("()[]")
    return folded in _MISSING


# --- ages ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AgeRead:
    """An age as a list writes it: the interval ``low``..``high`` it stands for (60+ is 60 to
    :data:`MAX_AGE`), ``years`` where it names one age, and ``group`` where it names a group (a
    range, a decade, a word), as written."""

    years: int | None = None
    low: int | None = None
    high: int | None = None
    group: str | None = None


ABOUT_YEARS = 2  # "About 40" is read as 38 to 42
MAX_AGE = 125
_YEARS = r"(?:\s*(?:years?|yrs?\.?|y/o|yo|y|ساله|سال)(?:\s*old)?)?"
_ABOUT = r"(?:about|approx(?:\.|imately)?|around|circa|ca\.?|c\.|~|≈|roughly|حدود|حدودا|تقریبا)"
_AGE_WORDS: dict[str, tuple[int, int]] = {
    "teen": (13, 19),
    "teens": (13, 19),
    "teenager": (13, 19),
    "adolescent": (13, 19),
    "نوجوان": (13, 19),
    "child": (0, 17),
    "minor": (0, 17),
    "kid": (0, 17),
    "juvenile": (0, 17),
    "کودک": (0, 17),
    "خردسال": (0, 17),
    "infant": (0, 1),
    "baby": (0, 1),
    "نوزاد": (0, 1),
}


def _exact(m: re.Match[str], text: str) -> AgeRead:
    return AgeRead(int(m[1]), int(m[1]), int(m[1]))


def _about(m: re.Match[str], text: str) -> AgeRead:
    # The centre is kept as the age: linkage compares ages within 1 and 3 years, so "about 40"
    # is best matched at 40; age_min/age_max say the figure is not exact.
    n = int(m[1])
    return AgeRead(n, max(0, n - ABOUT_YEARS), n + ABOUT_YEARS)


def _range(m: re.Match[str], text: str) -> AgeRead:
    low, high = int(m[1]), int(m[2])
    if low > high:
        raise RowError(f"age {text!r} runs backwards")
    return AgeRead(None, low, high, "".join(text.split()))


def _decade(m: re.Match[str], text: str) -> AgeRead:
    return AgeRead(None, int(m[1]) * 10, int(m[1]) * 10 + 9, text)


def _over(m: re.Match[str], text: str) -> AgeRead:
    # Closed at MAX_AGE, not left open: every age compared is then an interval with two ends.
    low = int(m[1]) + 1 if m[1] else int(m[2])
    return AgeRead(None, low, MAX_AGE, text)


def _under(m: re.Match[str], text: str) -> AgeRead:
    return AgeRead(None, 0, max(0, int(m[1]) - 1), text)


def _word(m: re.Match[str], text: str) -> AgeRead:
    low, high = _AGE_WORDS[m[1]]
    return AgeRead(None, low, high, text)


_AGE_FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], str], AgeRead]], ...] = (
    (re.compile(rf"(\d{{1,3}}){_YEARS}"), _exact),
    (re.compile(rf"{_ABOUT}\s*(\d{{1,3}}){_YEARS}"), _about),
    (re.compile(rf"(\d{{1,3}})\s*(?:-|–|—|/|to|or|تا|یا)\s*(\d{{1,3}}){_YEARS}"), _range),
    (re.compile(r"([1-9])0\s*'?s"), _decade),
    (
        re.compile(
            rf"(?:over|above|older than|>|بالای|بیش از)\s*(\d{{1,3}}){_YEARS}|(\d{{1,3}})\+"
        ),
        _over,
    ),
    (re.compile(rf"(?:under|below|younger than|<|زیر|کمتر از)\s*(\d{{1,3}}){_YEARS}"), _under),
    (re.compile("(" + "|".join(map(re.escape, _AGE_WORDS)) + ")"), _word),
)


def read_age(text: str) -> AgeRead:
    """An age as lists write it (see :data:`FIELDS`). Raises RowError for anything else, or for an
    age above :data:`MAX_AGE`."""
    if is_missing(text):
        return AgeRead()
    folded = " ".join(fold_persian(text).lower().split())
    for pattern, read in _AGE_FORMS:
        if m := pattern.fullmatch(folded):
            age = read(m, text.strip())
            if any(n is not None and n > MAX_AGE for n in (age.low, age.high)):
                raise RowError(f"age {text!r} is not plausible")
            return age
    raise RowError(
        f"age {text!r} is not an age such as 17, about 40, 40s, a range such as 18-29, or a word "
        "such as teen or child"
    )


# --- sources ------------------------------------------------------------------------------------
_PIECES = re.compile(r"[;؛\n\r]+")
_URL = re.compile(r"(?:https?://|www\.)[^\s,;،؛<>\"]+", re.IGNORECASE)
_REFERENCE_SEPARATOR = re.compile(r"[,،]")
_STRAY = " \t.,;:!?\"'`()[]{}<>«»،؛-–—"
_URL_END = ".,;:!?\"'`]}>»،؛"


def split_sources(text: str) -> list[str]:
    """The links and references of a sources cell, in order, each once. Links end at a space, a
    comma or a semicolon and lose the punctuation a sentence put after them (a trailing comma, a
    closing bracket they did not open); a reference without a link is kept whole up to a comma,
    a semicolon or a line end."""
    found: list[str] = []
    for piece in _PIECES.split(text):
        at = 0
        for link in _URL.finditer(piece):
            found += _references(piece[at : link.start()])
            found.append(_trim_link(link.group()))
            at = link.end()
        found += _references(piece[at:])
    return list(dict.fromkeys(s for s in found if s))


def _references(text: str) -> list[str]:
    parts = (p.strip(_STRAY) for p in _REFERENCE_SEPARATOR.split(text))
    return [p for p in parts if any(c.isalnum() for c in p)]


def _trim_link(link: str) -> str:
    while link and (
        link[-1] in _URL_END or (link[-1] == ")" and link.count(")") > link.count("("))
    ):
        link = link[:-1]
    return link


# --- names --------------------------------------------------------------------------------------
def _name(text: str) -> str | None:
    """A name as published, or None where the list says it is not known: "unknown" is nobody's
    name, and two unknowns must never be linked as one person by their shared "name"."""
    folded = " ".join(fold_persian(text).split()).lower()
    if is_missing(text) or folded in _NO_NAME:
        return None
    return text or None


def _names(value: Mapping[str, str], mapping: Mapping[str, str]) -> dict[str, str | None]:
    """name, name_fa, given_name, family_name; the full names composed ("given family") from
    the parts where the list gives only parts, each part by its script."""
    names = {f: _name(value.get(f, "")) for f in ("name", "name_fa", "given_name", "family_name")}
    parts = [p for p in (names["given_name"], names["family_name"]) if p]
    composed = {
        "name_fa": " ".join(p for p in parts if _ARABIC_SCRIPT.search(p)) or None,
        "name": " ".join(p for p in parts if not _ARABIC_SCRIPT.search(p)) or None,
    }
    for target, text in composed.items():
        if target not in mapping:
            names[target] = text
    return names


def _gender(text: str) -> str | None:
    folded = "".join(text.lower().split())  # "Ma n": a PDF extraction's space
    if is_missing(text):
        return None
    if folded in _MALE:
        return "male"
    if folded in _FEMALE:
        return "female"
    return " ".join(text.lower().split())[:20]


# --- one row ------------------------------------------------------------------------------------
class RowError(Exception):
    pass


@dataclass(frozen=True)
class RowRead:
    """One row as read: its fields as gavah stores them, the evidence ids it cites, and the
    fields whose value could not be read and was left empty (field -> why)."""

    fields: dict[str, Any]
    evidence: list[str]
    left_empty: dict[str, str]


def read_row(
    row: Mapping[str, str],
    mapping: Mapping[str, str],
    calendar: str,
    resolve_evidence: Callable[[str], str],
    blank: Collection[str] = (),
) -> RowRead:
    """One row, read. A value of a field in ``blank`` (see :data:`BLANKABLE`) that cannot be read
    is left empty, as a missing value is; a date keeps its text in ``date_original``. Any other
    value that cannot be read raises RowError."""
    value = {f: text for f, column in mapping.items() if not is_missing(text := _get(row, column))}
    left_empty = {
        f: why
        for f in BLANKABLE
        if f in blank and f in value and (why := _unreadable(f, value[f], calendar))
    }
    fields = _fields({f: t for f, t in value.items() if f not in left_empty}, mapping, calendar)
    if "date" in left_empty:
        fields["date_original"] = value["date"]  # as published; no date, calendar or precision
    return RowRead(fields, _evidence(value.get("evidence", ""), resolve_evidence), left_empty)


def convert_row(
    row: Mapping[str, str],
    mapping: Mapping[str, str],
    calendar: str,
    resolve_evidence: Callable[[str], str],
) -> tuple[dict[str, Any], list[str]]:
    """One row's fields as gavah stores them, and the evidence ids it cites. Raises RowError."""
    read = read_row(row, mapping, calendar, resolve_evidence)
    return read.fields, read.evidence


def _fields(value: Mapping[str, str], mapping: Mapping[str, str], calendar: str) -> dict[str, Any]:
    """The stored fields from a row's values (values not known left out). Raises RowError."""
    age = _age(value)
    sources = split_sources(value.get("sources", ""))
    fields: dict[str, Any] = {
        "source_ref": value.get("id"),
        **_names(value, mapping),
        "age": age.years,
        "age_min": age.low,
        "age_max": age.high,
        "age_group": value.get("age_group") or age.group,
        "gender": _gender(value.get("gender", "")),
        **_date(value.get("date", ""), calendar),
        **{f: value.get(f) for f in ("place", "province", "cause", "circumstances", "status")},
        "sources": json.dumps(sources, ensure_ascii=False) if sources else None,
    }
    if len(fields["age_group"] or "") > AGE_GROUP_LENGTH:
        raise RowError(f"age group {fields['age_group']!r} is longer than {AGE_GROUP_LENGTH}")
    return fields


def _get(row: Mapping[str, str], column: str) -> str:
    return row.get(column, "").strip()


def _age(value: Mapping[str, str]) -> AgeRead:
    """From the age column; where it is empty, the interval of a mapped age group."""
    age = read_age(value.get("age", ""))
    if age == AgeRead() and value.get("age_group"):
        try:
            return replace(read_age(value["age_group"]), years=None)
        except RowError:
            return age  # an age group gavah cannot read is kept as published, without bounds
    return age


def _date(text: str, calendar: str) -> dict[str, str | None]:
    if not text:
        return dict.fromkeys(("date", "date_original", "date_calendar", "date_precision"))
    try:
        parsed = parse_date(text, calendar)  # type: ignore[arg-type]
    except InputError as exc:
        raise RowError(exc.message) from None
    return {
        "date": parsed.iso,
        "date_original": parsed.original,
        "date_calendar": parsed.calendar,
        "date_precision": parsed.precision,
    }


# The fields whose unreadable value an import may leave empty (``--blank-unreadable``), each with
# what reads it. A gender is never unreadable today (any other word is kept as given); it is
# named so that --blank-unreadable gender keeps its meaning if genders are ever read strictly.
_BLANKABLE: dict[str, Callable[[str, str], object]] = {
    "date": lambda text, calendar: _date(text, calendar),
    "age": lambda text, calendar: read_age(text),
    "gender": lambda text, calendar: _gender(text),
}
BLANKABLE = tuple(_BLANKABLE)


def _unreadable(field: str, text: str, calendar: str) -> str | None:
    """Why ``text`` cannot be read as ``field``, or None where it can."""
    try:
        _BLANKABLE[field](text, calendar)
    except RowError as exc:
        return str(exc)
    return None


def _evidence(text: str, resolve: Callable[[str], str]) -> list[str]:
    evidence: list[str] = []
    for ref in re.split(r"[\s;,]+", text):
        if ref:
            try:
                evidence.append(resolve(ref))
            except (InputError, NotFound) as exc:
                raise RowError(f"evidence {ref!r}: {exc.message}") from None
    return evidence


# --- what the log's digest covers ---------------------------------------------------------------
def record_summary(rec: models.VictimRecord | Mapping[str, Any]) -> dict[str, Any]:
    """What the import entry's digest covers, one record at a time; ``log verify`` recomputes it
    from the rows."""
    get = rec.get if isinstance(rec, Mapping) else lambda k: getattr(rec, k)
    summary = {key: get(key) for key in ("id", "row", "original", *_RECORD_FIELDS)}
    summary.update({key: v for key in _LATER_FIELDS if (v := get(key)) is not None})
    return summary


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
# Fields added later (migration 0005): in the digest only where set, so that a list imported
# before them keeps the digest its import entry logged.
_LATER_FIELDS = ("age_min", "age_max", "status", "given_name", "family_name")


def records_digest(records: Iterable[models.VictimRecord | Mapping[str, Any]]) -> str:
    digest = hashlib.sha256()
    for rec in records:
        digest.update(canonical_json(record_summary(rec)) + b"\n")
    return digest.hexdigest()


def list_summary(vl: models.VictimList) -> dict[str, Any]:
    summary = {
        "id": vl.id,
        "title": vl.title,
        "publisher": vl.publisher,
        "published": vl.published,
        "url": vl.url,
        "mapping": json.loads(vl.mapping),
        "record_count": vl.record_count,
        "records_sha256": vl.records_sha256,
    }
    # Only where the import chose them, as with records: older entries keep their shape.
    later = {
        "status_filter": json.loads(vl.status_filter) if vl.status_filter else None,
        "left_out": vl.left_out_count,
        "rejected": vl.rejected_count,
    }
    summary.update({key: value for key, value in later.items() if value is not None})
    return summary


# --- reading a list -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ListInfo:
    """Who published a list, when and where: the list's identity."""

    name: str
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Rejected:
    """A row for the rejected-rows CSV: where it is, what it holds, and why it is there (it could
    not be read, or it was kept with a value left empty)."""

    row: int
    where: str  # file:line, or folder/file
    original: dict[str, str]
    problem: str


@dataclass(frozen=True)
class _Source:
    """A list as read: the bytes the vault keeps (a folder: one ZIP of its files) and the rows."""

    data: bytes
    table: tables.Table
    packed: bool = False
    ignored: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class _Read:
    records: list[dict[str, Any]] = field(default_factory=list)
    cited: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    left_out: int = 0
    left_empty: dict[str, list[Rejected]] = field(default_factory=dict)  # field -> rows kept

    def left_empty_counts(self) -> dict[str, int]:
        """How many values were left empty, per field (only fields with some)."""
        return {f: len(self.left_empty[f]) for f in BLANKABLE if f in self.left_empty}

    def for_review(self) -> list[Rejected]:
        """What the rejected-rows CSV holds: rows rejected and rows kept with a value left empty."""
        kept = (r for rows in self.left_empty.values() for r in rows)
        return sorted([*self.rejected, *kept], key=lambda r: r.row)


def _read_source(
    path: Path,
    fmt: tables.Format | None,
    delimiter: str | None,
    sheet: str | None,
    limits: ImportLimits,
) -> _Source:
    try:
        is_folder = path.is_dir()
    except OSError as exc:  # a name too long for the system, a folder that cannot be entered
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if is_folder and fmt in (None, "folder"):
        folder = tables.read_folder(path, limits)
        return _Source(folder.packed, folder.table, packed=True, ignored=folder.ignored)
    if fmt == "folder":
        raise InputError(f"{path} is not a folder", hint="--format folder reads a folder of files")
    data = read_whole(path, "the list's file, or a folder of record files", limits)
    fmt = fmt or tables.guess_format(path.name, data[:65536])
    table = tables.read_table(data, path.name, fmt, delimiter=delimiter, sheet=sheet, limits=limits)
    return _Source(data, table)


def _blankable(fields: Iterable[str] | None) -> frozenset[str]:
    if fields is None:
        return frozenset()
    named = [f.strip() for f in fields if f.strip()]
    for name in named:
        if name not in BLANKABLE:
            raise InputError(
                f"--blank-unreadable {name!r}: only {', '.join(BLANKABLE)} can be left empty "
                "when they cannot be read",
                hint="e.g. --blank-unreadable date,age; other values that cannot be read "
                "reject their row",
            )
    if not named:
        raise InputError("--blank-unreadable names no field", hint="e.g. --blank-unreadable date")
    return frozenset(named)


def _statuses(statuses: Iterable[str] | None) -> frozenset[str] | None:
    if statuses is None:
        return None
    wanted = frozenset(s.strip().casefold() for s in statuses if s.strip())
    if not wanted:
        raise InputError("--status names no status", hint="e.g. --status killed,died")
    return wanted


def _where(filename: str, number: int, row: Mapping[str, str]) -> str:
    file = row.get(tables.FILE_COLUMN)
    return f"{filename}/{file}" if file else f"{filename}:{number}"


def _free(name: str, columns: Sequence[str]) -> str:
    while name in columns:
        name = f"_{name}"
    return name


def write_rejected(path: Path, columns: Sequence[str], rejected: Sequence[Rejected]) -> None:
    """The rejected rows as a CSV to correct: the list's columns, then ``line`` and ``problem``."""
    line, problem = _free("line", columns), _free("problem", columns)
    tables.write_csv(
        path,
        [*columns, line, problem],
        ({**r.original, line: r.row, problem: r.problem} for r in rejected),
    )


def _refusal(filename: str, rejected: Sequence[Rejected], csv_path: Path | None) -> InputError:
    shown = "\n".join(f"{r.where}: {r.problem}" for r in rejected[:MAX_SHOWN])
    more = f"\n… and {len(rejected) - MAX_SHOWN} more" if len(rejected) > MAX_SHOWN else ""
    written = f"\nthe rejected rows are in {csv_path}" if csv_path else ""
    return InputError(
        f"{len(rejected)} row(s) of {filename} cannot be read; nothing was imported:\n"
        f"{shown}{more}{written}",
        hint="correct those rows (or the --map and --calendar options) and import again, "
        "or import the readable rows with --skip-rejected, or keep rows with an unreadable "
        "date or age, left empty, with --blank-unreadable date,age",
    )


@dataclass(frozen=True)
class PreviewRow:
    """One row of a list before import: as published, and what the mapping reads from it (or
    why it cannot be read)."""

    row: int
    original: dict[str, str]
    fields: dict[str, Any] | None
    problem: str | None


@dataclass(frozen=True)
class Preview:
    """The first rows of a list as the import would read them, through ``mapping`` (the one
    given, or columns named like the fields)."""

    columns: tuple[str, ...]
    mapping: dict[str, str]
    rows: tuple[PreviewRow, ...]
    total: int


def preview(
    path: Path,
    limits: ImportLimits,
    mapping: Mapping[str, str] | None = None,
    *,
    fmt: tables.Format | None = None,
    calendar: str = "auto",
    rows: int = 10,
) -> Preview:
    """Read ``path`` as :meth:`Register.import_list` would and read its first ``rows`` rows through
    the mapping, without storing anything. Evidence references are shown as written: they are
    resolved (and checked) by the import."""
    source = _read_source(path, fmt, None, None, limits)
    chosen = dict(mapping) if mapping else default_mapping(source.table.columns)
    shown = []
    for number, row in source.table.rows[:rows]:
        try:
            read = read_row(row, chosen, calendar, lambda ref: ref)
            shown.append(PreviewRow(number, row, read.fields, None))
        except RowError as exc:
            shown.append(PreviewRow(number, row, None, str(exc)))
    return Preview(source.table.columns, chosen, tuple(shown), len(source.table.rows))


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
        statuses: Iterable[str] | None = None,
        skip_rejected: bool = False,
        rejected_csv: Path | None = None,
        blank_unreadable: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """Import the list at ``path`` (a file, or a folder of record files) as ``info.name``.

        ``statuses`` keeps only rows whose mapped status is one of them (any case); the others
        are counted as left out. Rows that cannot be read are written to ``rejected_csv`` (if
        given) and refuse the import, unless ``skip_rejected``. A value of a field named in
        ``blank_unreadable`` (of :data:`BLANKABLE`) that cannot be read is left empty instead, its
        row kept, counted per field and written to ``rejected_csv`` too."""
        _check_name(info.name)
        blank = _blankable(blank_unreadable)
        # Everything is read and checked before the file goes into the store: a refused list
        # leaves nothing behind, not even an unrecorded blob.
        limits = ImportLimits.from_settings(self.vault.ws.settings)
        source = _read_source(path, fmt, delimiter, sheet, limits)
        mapping = dict(mapping) if mapping else default_mapping(source.table.columns)
        wanted = _statuses(statuses)
        with self.db.read() as session:
            existing = session.get(models.VictimList, info.name)
            if existing is not None:
                return self._already(session, existing, source.sha256, mapping, wanted)
            _check_mapping(mapping, source.table.columns, path.name, wanted)
            read = self._records(
                session, source.table, mapping, calendar, path.name, info, wanted, blank
            )
        for_review = read.for_review()
        if for_review and rejected_csv is not None:
            write_rejected(rejected_csv, source.table.columns, for_review)
        if read.rejected and not skip_rejected:
            raise _refusal(path.name, read.rejected, rejected_csv)
        if not read.records:
            raise _nothing_left(path.name, read, wanted)
        stored = self._store(path, source, info, mapping, read, wanted, skip_rejected)
        return {
            **stored,
            "left_out": read.left_out if wanted is not None else None,
            "rejected": len(read.rejected),
            "left_empty": {f: len(read.left_empty.get(f, ())) for f in BLANKABLE if f in blank},
            "rejected_file": str(rejected_csv) if for_review and rejected_csv else None,
            "read_line_by_line": list(source.table.read_line_by_line),
            "unreadable": [u.file for u in source.table.unreadable],
            "ignored_files": len(source.ignored),
        }

    def _store(
        self,
        path: Path,
        source: _Source,
        info: ListInfo,
        mapping: Mapping[str, str],
        read: _Read,
        wanted: frozenset[str] | None,
        skip_rejected: bool,
    ) -> dict[str, Any]:
        acquired = self._acquire(path, source)
        records = read.records
        with self.db.write() as session:
            appender = Appender(session)
            recorded = self.vault.record_one(
                session, appender, acquired, COLLECTION, info.publisher, f"list {info.name}"
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
                status_filter=canonical_text(sorted(wanted)) if wanted is not None else None,
                left_out_count=read.left_out if wanted is not None else None,
                rejected_count=len(read.rejected) if skip_rejected else None,
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
            # Only where values were left empty, so that older import entries keep their shape.
            if left_empty := read.left_empty_counts():
                event["left_empty"] = left_empty
            appender.append(LIST_IMPORTED, recorded.evidence_id, vl.created_at, event)
            # Core inserts: the ORM's per-object bookkeeping would triple an import's time.
            for start in range(0, len(records), 10_000):
                session.execute(insert(models.VictimRecord), records[start : start + 10_000])
            for rec_id, ev_id in read.cited:
                self._attach(session, appender, rec_id, "evidence", ev_id)
            self.vault.finish(session, appender)
            return {
                "list": info.name,
                "records": len(records),
                "evidence_links": len(read.cited),
                "file": {"evidence_id": recorded.evidence_id, "sha256": recorded.sha256},
                "log_index": vl.log_index,
                "without_name": sum(1 for r in records if not (r["name"] or r["name_fa"])),
                "already_imported": False,
            }

    def _acquire(self, path: Path, source: _Source) -> Acquired:
        if not source.packed:
            return acquire_checked(self.vault.store, path, source.sha256)
        with tempfile.TemporaryDirectory(prefix="gavah-list-") as folder:
            packed = Path(folder) / f"{path.resolve().name or 'list'}.zip"
            packed.write_bytes(source.data)
            acquired = acquire_checked(self.vault.store, packed, source.sha256)
        # The acquisition names where the list came from (the folder), not the temporary ZIP,
        # and claims no file times: gavah made the ZIP.
        return replace(acquired, path=os.fsencode(path), mtime=None, ctime=None)

    def _already(
        self,
        session: Session,
        existing: models.VictimList,
        sha256: str,
        mapping: Mapping[str, str],
        wanted: frozenset[str] | None,
    ) -> dict[str, Any]:
        """Importing the same file under the same name again changes nothing (scripts may be
        re-run); anything else under a name already taken is refused."""
        file = session.get(models.Evidence, existing.evidence_id)
        same_mapping = dict(mapping) == json.loads(existing.mapping)
        filtered = json.loads(existing.status_filter) if existing.status_filter else None
        same_filter = filtered == (sorted(wanted) if wanted is not None else None)
        if file is None or file.sha256 != sha256 or not same_mapping or not same_filter:
            raise InputError(
                f"a list named {existing.id} is already in the register, from another file, "
                "mapping or --status",
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
            "left_out": existing.left_out_count,
            "rejected": existing.rejected_count,
            "left_empty": None,
            "rejected_file": None,
            "read_line_by_line": [],
            "unreadable": [],
            "ignored_files": 0,
        }

    def _records(
        self,
        session: Session,
        table: tables.Table,
        mapping: Mapping[str, str],
        calendar: str,
        filename: str,
        info: ListInfo,
        wanted: frozenset[str] | None,
        blank: frozenset[str],
    ) -> _Read:
        cache: dict[str, str] = {}

        def resolve(ref: str) -> str:
            if ref not in cache:
                cache[ref] = self.vault.resolve(session, ref).id
            return cache[ref]

        read = _Read()
        for number, row in table.rows:
            if wanted is not None and _get(row, mapping["status"]).casefold() not in wanted:
                read.left_out += 1
                continue
            where = _where(filename, number, row)
            try:
                one = read_row(row, mapping, calendar, resolve, blank)
            except RowError as exc:
                read.rejected.append(Rejected(number, where, row, str(exc)))
                continue
            rec = {
                "id": f"{info.name}:{number}",
                "list_id": info.name,
                "row": number,
                "original": canonical_text(row),
                **one.fields,
            }
            read.records.append(rec)
            read.cited.extend((rec["id"], ev) for ev in dict.fromkeys(one.evidence))
            for f, why in one.left_empty.items():
                kept = Rejected(number, where, row, f"kept, {f} left empty: {why}")
                read.left_empty.setdefault(f, []).append(kept)
        read.rejected += [
            Rejected(u.row, f"{filename}/{u.file}", {tables.FILE_COLUMN: u.file}, u.problem)
            for u in table.unreadable
        ]
        read.rejected.sort(key=lambda r: r.row)
        return read

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
                **{key: getattr(rec, key) for key in _LATER_FIELDS},
                "original": json.loads(rec.original),
                "sources": json.loads(rec.sources) if rec.sources else [],
                "list": rec.list_id,
                "links": [
                    {"kind": link.kind, "target": link.target, "log_index": link.log_index}
                    for link in links
                ],
            }


def _check_name(name: str) -> None:
    if not LIST_NAME.match(name):
        raise InputError(
            f"list name {name!r} is not usable as a short name",
            hint="use letters, digits, '.', '_' or '-' (up to 64), e.g. HRANA-2026-01",
        )


def _check_mapping(
    mapping: Mapping[str, str],
    columns: Sequence[str],
    filename: str,
    wanted: frozenset[str] | None,
) -> None:
    missing = [f"{field}={col}" for field, col in mapping.items() if col not in columns]
    if missing:
        raise InputError(
            f"{filename} has no column for --map {', '.join(missing)}",
            hint=f"its columns: {', '.join(columns)}",
        )
    if not {"name", "name_fa", "given_name", "family_name"} & set(mapping):
        raise InputError(
            f"no column of {filename} is mapped to a name",
            hint="give --map name=COLUMN and/or --map name_fa=COLUMN (or given_name, family_name)",
        )
    if wanted is not None and "status" not in mapping:
        raise InputError(
            f"--status needs the column of {filename} that holds the status",
            hint="give --map status=COLUMN",
        )


def _nothing_left(filename: str, read: _Read, wanted: frozenset[str] | None) -> InputError:
    if read.left_out:
        return InputError(
            f"every row of {filename} was left out by --status {','.join(sorted(wanted or ()))}; "
            "nothing was imported",
            hint="check the statuses the list uses (the column mapped to status)",
        )
    if read.rejected:
        return InputError(
            f"no row of {filename} can be read ({len(read.rejected)} rejected); nothing was "
            "imported",
            hint="check --format and --map: rows are read through them",
        )
    return InputError(f"{filename} holds no rows; nothing was imported")
