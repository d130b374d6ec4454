"""Readers for published sanctions lists: each turns one list into :class:`Entry` values that hold a
FollowTheMoney entity, so lists can be matched against the registry and against each other.

Formats (:data:`FORMATS`):

- ``ofac``: the US Treasury's SDN list in its headerless CSV layout: ``sdn.csv``, plus ``alt.csv``
  (other names) and ``add.csv`` (addresses) beside it when present.
- ``un-xml``: the UN Security Council consolidated list, XML.
- ``eu-csv``: OpenSanctions' CSV transcription of the annexes in the EU Official Journal.
- ``ftm``: FollowTheMoney entities as JSON lines, e.g. an OpenSanctions export.

A list is read whole or not at all. Every malformed row is reported as ``file:line: problem`` in
one :class:`~gavah.errors.InputError` (the first 20, then how many more), and nothing is returned.
Fields or lines over 4 MiB, empty files, UTF-16 and binary files are refused, and so is a file
larger, longer or wider than the import limits (:class:`~gavah.intake.limits.ImportLimits`, the
``import_max_*`` settings): rows are counted as they are read.

Dates come out as ISO text exactly as precise as the list: ``YYYY-MM-DD``, ``YYYY-MM`` or
``YYYY``. Accepted: ISO dates (a time or zone after the day, as in the UN's ``2011-10-06-05:00``,
is dropped), ``d.m.yyyy`` (the EU), and English month names, full or short, in ``21 Jun 1961``,
``9 September 1961``, ``Jun 1961``, ``Nov. 1973``. The free-text birth dates of OFAC and the EU
may also hold ``circa`` before a date, alternatives joined by ``;``, ``,``, ``/`` or ``or``, and
ranges ``1961 to 1963``, ``01 Jan 1961 to 31 Dec 1962`` or ``1979-1982``. A range becomes every
year it spans: FtM compares dates by prefix, so each year matches any day within it. The Solar
Hijri years the EU writes beside the Gregorian ones are skipped. Text without digits in a date
field (a place written in the EU's birthDate column) and bracketed remarks are kept as notes; a
date with digits that fits none of these forms, or does not exist, is a malformed row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from followthemoney import EntityProxy, model
from followthemoney.schema import Schema
from followthemoney.types import registry

from gavah.errors import InputError
from gavah.intake.limits import ImportLimits, read_bounded
from gavah.text.dates import parse_date

log = logging.getLogger(__name__)

FORMATS = ("ofac", "un-xml", "eu-csv", "ftm")
_MAX_FIELD = 4 * 1024 * 1024  # characters in one CSV field, bytes in one JSON line
_MAX_SHOWN = 20  # malformed rows listed in one error; the rest are counted
# Values of one property of one entry. FtM adds each value in time linear in the values before
# it, so 100,000 names of one entry (alt.csv rows, a JSON list) took a minute and a half; no
# genuine entry comes near this.
MAX_VALUES = 1_000

# Schemata an entry may have; in an FtM file that marks nothing as sanctioned, these are the entries.
_LISTED_SCHEMATA = (
    "Person",
    "Organization",
    "LegalEntity",
    "Company",
    "PublicBody",
    "Vessel",
    "Airplane",
)


@dataclass(frozen=True)
class Entry:
    """One listing: who is listed, where in the file, under which programs, since when."""

    source_id: str  # the list's own identifier (OFAC ent_num, UN reference number, ...)
    line: int  # 1-based line where the entry starts (XML: the line of its start tag)
    entity: EntityProxy  # id derived from the format and source_id, e.g. "ofac-12762"
    programs: tuple[str, ...]  # as the list names them
    listed_on: str | None  # ISO date of designation, when the file says
    raw: dict[str, str]  # the original fields, so any result can be traced back


def read(path: Path, fmt: str, limits: ImportLimits | None = None) -> list[Entry]:
    """Read the list at ``path`` in format ``fmt`` (one of :data:`FORMATS`), within ``limits``
    (default: the settings' defaults)."""
    limits = limits or ImportLimits.defaults()
    if fmt == "ofac":
        return read_ofac(path, limits)
    if fmt == "un-xml":
        return read_un_xml(path, limits)
    if fmt == "eu-csv":
        return read_eu_csv(path, limits)
    if fmt == "ftm":
        return read_ftm(path, limits)
    raise _unknown_format(fmt)


def source_files(path: Path, fmt: str) -> list[Path]:
    """The files an import of ``path`` reads. For ``ofac``, ``path`` is a folder holding
    ``sdn.csv`` or that file itself; ``alt.csv`` and ``add.csv`` in the same folder follow it
    when present (names compared without case: OFAC publishes ``SDN.CSV``)."""
    if fmt not in FORMATS:
        raise _unknown_format(fmt)
    try:
        return _source_files(path, fmt)
    except OSError as exc:  # a folder that cannot be listed, a name too long for the system
        raise _unreadable(path, exc) from None


def _source_files(path: Path, fmt: str) -> list[Path]:
    if not path.exists():
        raise InputError(f"{path} does not exist", hint="check the path of the list")
    if fmt != "ofac":
        if not path.is_file():
            raise InputError(f"{path} is not a file", hint=f"give the {fmt} list file itself")
        return [path]
    folder, sdn = (path, _child(path, "sdn.csv")) if path.is_dir() else (path.parent, path)
    if sdn is None:
        raise InputError(
            f"{path} holds no sdn.csv",
            hint="give OFAC's sdn.csv, or the folder holding it (with alt.csv and add.csv)",
        )
    extra = (_child(folder, name) for name in ("alt.csv", "add.csv"))
    return [sdn, *(f for f in extra if f is not None and f != sdn)]


def _unknown_format(fmt: str) -> InputError:
    known = ", ".join(FORMATS)
    return InputError(
        f"unknown sanctions list format {fmt!r} (known: {known})", hint=f"use one of: {known}"
    )


def _child(folder: Path, name: str) -> Path | None:
    return next((f for f in sorted(folder.iterdir()) if f.name.lower() == name), None)


# --- reporting malformed rows -------------------------------------------------------------------


class _RowError(Exception):
    """What is wrong with one row; the reader adds the file and line."""


@dataclass
class _Problems:
    """Malformed rows found so far, reported together so one run shows everything to fix."""

    found: list[str] = field(default_factory=list)

    def add(self, path: Path, line: int, what: str) -> None:
        self.found.append(f"{path}:{line}: {what}")

    def check(self) -> None:
        if not self.found:
            return
        shown = self.found[:_MAX_SHOWN]
        more = len(self.found) - len(shown)
        lines = [*shown, f"and {more} more"] if more else shown
        raise InputError(
            f"{len(self.found)} malformed row(s); nothing was read:\n" + "\n".join(lines),
            hint="correct these rows, or get a fresh copy of the list, and read it again",
        )


def _collect(
    path: Path,
    rows: Iterable[tuple[int, Any]],
    build: Callable[[int, Any], Entry],
    problems: _Problems,
) -> list[Entry]:
    """Build an entry from each row, noting malformed rows and ids that come twice."""
    entries: list[Entry] = []
    first: dict[str, int] = {}
    first_id: dict[str, int] = {}
    for line, row in rows:
        try:
            entry = build(line, row)
            entity_id = str(entry.entity.id)
            if entry.source_id in first:
                raise _RowError(
                    f"{entry.source_id!r} is listed twice (first on line {first[entry.source_id]})"
                )
            if entity_id in first_id:  # two ids that differ only in punctuation
                raise _RowError(
                    f"entity id {entity_id!r} again (first on line {first_id[entity_id]})"
                )
        except _RowError as exc:
            problems.add(path, line, str(exc))
            continue
        first[entry.source_id] = first_id[entity_id] = line
        entries.append(entry)
    return entries


def _finish(path: Path, entries: list[Entry], problems: _Problems) -> list[Entry]:
    problems.check()
    if not entries:
        raise InputError(f"{path} lists no one", hint="check that this is the right file")
    return entries


# --- files --------------------------------------------------------------------------------------

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _check_size(path: Path, limits: ImportLimits) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(path, exc) from None
    limits.check_bytes(size, str(path))


def _refuse_binary(path: Path, data: bytes, first_line: int) -> None:
    if first_line == 1 and data.startswith(_UTF16_BOMS):
        raise InputError(f"{path}:1: UTF-16 text", hint="save the list as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = first_line + data.count(b"\n", 0, nul)
        raise InputError(
            f"{path}:{line}: a NUL byte: this is a binary file or UTF-16 text, not a list",
            hint="give the list as UTF-8 text",
        )


def _unreadable(path: Path, exc: OSError) -> InputError:
    return InputError(f"{path}: cannot read: {exc.strerror}", hint="check the file's permissions")


def _read_bytes(path: Path, limits: ImportLimits) -> bytes:
    _check_size(path, limits)
    try:
        data = read_bounded(path, limits)
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if not data.strip(b" \t\r\n\x1a"):
        raise InputError(f"{path} is empty", hint="download the list again")
    _refuse_binary(path, data, 1)
    return data


def _read_text(path: Path, limits: ImportLimits) -> str:
    # OFAC ends its files with a DOS end-of-file.
    data = _read_bytes(path, limits).removesuffix(b"\x1a")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{path}:{line}: not UTF-8 text (byte {exc.start})", hint="save the list as UTF-8"
        ) from None


def _csv_rows(
    text: str, path: Path, problems: _Problems, limits: ImportLimits
) -> Iterator[tuple[int, list[str]]]:
    """The non-blank records of a CSV text, each with the line it starts on."""
    csv.field_size_limit(_MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for count, cells in enumerate(reader, start=1):
            limits.check_rows(count, str(path))  # blank records too: they cost time as well
            if any(c.strip() for c in cells):
                yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        what = f"a field longer than {_MAX_FIELD} characters" if "limit" in str(exc) else exc
        problems.add(path, start, f"not valid CSV ({what})")


def _json_lines(path: Path, limits: ImportLimits) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a JSON-lines file, read one at a time."""
    _check_size(path, limits)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise _unreadable(path, exc) from None
    with handle:
        number = read = 0
        while chunk := handle.readline(_MAX_FIELD + 1):
            number += 1
            read += len(chunk)
            limits.check_rows(number, str(path))
            limits.check_bytes(read, str(path))  # it may grow while it is read
            if len(chunk) > _MAX_FIELD:
                raise InputError(f"{path}:{number}: a line longer than {_MAX_FIELD} bytes")
            _refuse_binary(path, chunk, number)
            try:
                text = chunk.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise InputError(f"{path}:{number}: not UTF-8 text", hint="save as UTF-8") from None
            if text.strip():
                yield number, text


# --- dates --------------------------------------------------------------------------------------

_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_WITH_ZONE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T[\d:.]+)?(?:Z|[+-]\d{2}:\d{2})?")
_ISO_LENGTH = {"day": 10, "month": 7, "year": 4}
_ALTERNATIVES = re.compile(r"\s*(?:;|,|/|\bor\b)\s*")
_APPROXIMATE = re.compile(r"^(?:circa|approximately|approx\.|about)\s+", re.IGNORECASE)
_GREGORIAN_NOTE = re.compile(r"\s*\(gregorian calendar\)", re.IGNORECASE)
_BRACKETED = re.compile(r"\s*\([^()]*\)")
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]+)\.? (\d{1,2}), (\d{4})\b")  # "June 30, 2012"
_RANGE = re.compile(r"(.+?)\s+to\s+(.+)|(\d{4})\s*-\s*(\d{4})")
_MAX_RANGE_YEARS = 30


def _iso(text: str) -> str:
    """One date, as ISO text of the precision written (forms in the module docstring)."""
    text = text.strip()
    if m := _DAY_MONTH_YEAR.fullmatch(text):
        try:
            return dt.date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        except ValueError:
            raise _RowError(f"{text!r} is not a real date") from None
    if m := _ISO_WITH_ZONE.fullmatch(text):
        text = m[1]
    try:
        parsed = parse_date(text, "gregorian")
    except InputError:
        raise _RowError(f"cannot read {text!r} as a date") from None
    return parsed.iso[: _ISO_LENGTH[parsed.precision]]


def _read_dates(text: str) -> tuple[list[str], bool]:
    """The dates in a free-text date field such as ``circa 1961; 1963 to 1965``, and whether
    that was all it said. Pieces without digits ("Qom, Iran" in a birthDate) and bracketed
    remarks ("1999 (privatised 2009)") are not dates, so the caller keeps the text as a note;
    a piece with digits that is not a date is an error."""
    values: list[str] = []
    whole = True
    for piece in _ALTERNATIVES.split(_MONTH_DAY_YEAR.sub(r"\2 \1 \3", text)):
        piece = _APPROXIMATE.sub("", _GREGORIAN_NOTE.sub("", piece).strip())
        if not piece or "hijri" in piece.lower():  # the EU gives the Gregorian year beside it
            continue
        plain = _APPROXIMATE.sub("", _BRACKETED.sub("", piece).strip())
        has_date = any(c.isdigit() for c in plain)
        whole = whole and has_date and plain == piece
        if has_date:
            values.extend(_date_span(plain))
    return values, whole


def _date_span(text: str) -> list[str]:
    m = _RANGE.fullmatch(text)
    if m is None:
        return [_iso(text)]
    first, last = (m[1], m[2]) if m[1] else (m[3], m[4])
    return _years_between(_iso(first)[:4], _iso(last)[:4])


def _years_between(first: str, last: str) -> list[str]:
    """Every year from ``first`` to ``last``: a range is as likely to hold any of them."""
    start, end = int(first), int(last)
    if not 0 <= end - start <= _MAX_RANGE_YEARS:
        raise _RowError(f"{first} to {last} is not a plausible range of years")
    return [str(year) for year in range(start, end + 1)]


# --- entities -----------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^a-z0-9.]+")


def _safe_id(prefix: str, *parts: str) -> str:
    """An FtM entity id from the list's own identifiers: ``_safe_id("un", "IRi.001")`` is
    ``un-iri.001``."""
    slugs = [_UNSAFE.sub("-", part.lower()).strip("-.") for part in parts]
    entity_id = "-".join([prefix, *slugs])
    if not all(slugs) or registry.entity.clean(entity_id) != entity_id:
        raise _RowError(f"cannot make an entity id from {' '.join(parts)!r}")
    return entity_id


def _new_entity(schema: str, entity_id: str) -> EntityProxy:
    entity = model.make_entity(schema)
    entity.id = entity_id
    entity.add("topics", "sanction")
    return entity


def _put(entity: EntityProxy, prop_name: str, value: str) -> None:
    """Add ``value`` as ``prop_name`` when FtM accepts it there; otherwise keep it as a note, so
    nothing the list says is silently dropped."""
    value = value.strip()
    if not value:
        return
    _room(entity, prop_name)
    prop = entity.schema.get(prop_name)
    cleaned = None if prop is None or prop.stub else prop.type.clean(value, proxy=entity)
    if prop is not None and cleaned is not None:
        entity.unsafe_add(prop, cleaned, cleaned=True)
    else:
        _note(entity, f"{prop_name}: {value}")


def _note(entity: EntityProxy, text: str) -> None:
    _room(entity, "notes")
    entity.add("notes", text)


def _room(entity: EntityProxy, prop_name: str) -> None:
    if len(entity.get(prop_name, quiet=True)) >= MAX_VALUES:
        raise _RowError(f"more than {MAX_VALUES:,} values of {prop_name} in one entry")


def _put_dates(entity: EntityProxy, prop_name: str, text: str) -> None:
    values, whole = _read_dates(text)
    for value in values:
        _put(entity, prop_name, value)
    if not whole:
        _note(entity, f"{prop_name}: {text}")


_DOCUMENT_NUMBER = re.compile(r"(.*?)(?:\s*\(|,|\s+issued\b|\s+expires\b|$)")


def _document_number(text: str) -> str:
    """The number in ``A54062245 (Iran), expires 12.7.2026`` or ``L 183017 issued 14 Feb 1996``;
    text that does not start with a number is kept whole."""
    m = _DOCUMENT_NUMBER.match(text.strip())
    number = m[1].strip() if m else ""
    return number if any(c.isdigit() for c in number) else text.strip()


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _squash(text: str) -> str:
    return " ".join(text.split())


# --- OFAC ---------------------------------------------------------------------------------------

_SDN_COLUMNS = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
_ALT_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
_ADD_COLUMNS = ("ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks")

_OFAC_SCHEMATA = {
    "individual": "Person",
    "": "LegalEntity",
    "vessel": "Vessel",
    "aircraft": "Airplane",
}
_OFAC_COLUMN_PROPERTIES = (
    ("Title", "position"),
    ("Call_Sign", "callSign"),
    ("Vess_type", "type"),
    ("Tonnage", "tonnage"),
    ("GRT", "grossRegisteredTonnage"),
    ("Vess_flag", "flag"),
)
_ALT_TYPES = {"aka": "alias", "fka": "previousName", "nka": "alias"}
_ENT_NUM_DIGITS = 18  # OFAC's numbers have 5; 18 digits always fit in 64 bits

# What Remarks says, by the words each part starts with ("alt. " removed first): the property it
# fills and how its value is read. Parts not listed here are kept whole as notes.
_OFAC_REMARKS = (
    ("DOB ", "birthDate", "dates"),
    ("POB ", "birthPlace", "text"),
    ("nationality ", "nationality", "text"),
    ("citizen ", "citizenship", "text"),
    ("Gender ", "gender", "text"),
    ("Passport ", "passportNumber", "document"),
    ("National ID No. ", "idNumber", "document"),
    ("Tax ID No. ", "taxNumber", "document"),
    ("Registration Number ", "registrationNumber", "document"),
    ("Organization Established Date ", "incorporationDate", "dates"),
    ("Website ", "website", "text"),
    ("Email Address ", "email", "text"),
    ("Vessel Registration Identification ", "imoNumber", "text"),
    ("MMSI ", "mmsi", "text"),
    ("Former Vessel Flag ", "pastFlags", "text"),
    ("Aircraft Model ", "model", "text"),
    ("Aircraft Manufacture Date ", "buildDate", "dates"),
    ("Aircraft Manufacturer's Serial Number (MSN) ", "serialNumber", "text"),
    ("Aircraft Tail Number ", "registrationNumber", "text"),
    # OFAC's CSV files carry the "weak" a.k.a.s (nicknames, short or partial names) in Remarks
    # rather than in alt.csv; a matcher should weigh them less than the aliases.
    ("a.k.a. ", "weakAlias", "quoted"),
    ("f.k.a. ", "previousName", "quoted"),
)
_REMARK_VALUES: dict[str, Callable[[EntityProxy, str, str], None]] = {
    "text": _put,
    "dates": _put_dates,
    "document": lambda entity, prop, value: _put(entity, prop, _document_number(value)),
    "quoted": lambda entity, prop, value: _put(entity, prop, _unquote(value)),
}


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] == "'" else text


def read_ofac(path: Path, limits: ImportLimits | None = None) -> list[Entry]:
    """Read OFAC's SDN list: ``sdn.csv`` and, when present, ``alt.csv`` and ``add.csv``.

    Each sdn.csv row gives the name as OFAC writes it ("SURNAME, Given" for people), the schema
    from SDN_Type, programs from Program, Title as position, the vessel columns, and from Remarks
    what is reliable (see ``_OFAC_REMARKS``); everything else in Remarks is kept as notes. alt.csv
    adds aliases (fka: previous names; "weak" in its remarks: weak aliases), add.csv addresses.
    Their rows naming an ent_num missing from sdn.csv (alt.csv is often newer) are skipped and
    counted in a log warning. OFAC's CSV has no listing dates.
    """
    files = source_files(path, "ofac")
    limits = limits or ImportLimits.defaults()
    problems = _Problems()
    rows = _csv_rows(_read_text(files[0], limits), files[0], problems, limits)
    entries = _collect(files[0], rows, _ofac_entry, problems)
    by_number = {entry.source_id: entry for entry in entries}
    for extra in files[1:]:
        rows = _csv_rows(_read_text(extra, limits), extra, problems, limits)
        if extra.name.lower() == "alt.csv":
            _ofac_join(extra, rows, _ALT_COLUMNS, by_number, _ofac_alias, problems)
        else:
            _ofac_join(extra, rows, _ADD_COLUMNS, by_number, _ofac_address, problems)
    return _finish(files[0], entries, problems)


def _ofac_entry(line: int, cells: list[str]) -> Entry:
    row = _ofac_row(cells, _SDN_COLUMNS, "sdn.csv")
    number = _ent_num(row["ent_num"])
    schema = _OFAC_SCHEMATA.get(row["SDN_Type"].lower())
    if schema is None:
        raise _RowError(f"unknown SDN_Type {row['SDN_Type']!r}")
    if not row["SDN_Name"]:
        raise _RowError("SDN_Name is empty")
    entity = _new_entity(schema, f"ofac-{number}")
    entity.add("name", row["SDN_Name"])
    for column, prop in _OFAC_COLUMN_PROPERTIES:
        for value in row[column].split(";"):  # a Title may name several positions
            _put(entity, prop, value)
    if row["Vess_owner"]:
        _note(entity, f"Vessel owner: {row['Vess_owner']}")
    _ofac_remarks(entity, row["Remarks"])
    programs = _unique(p.strip() for p in row["Program"].strip("[] ").split("] ["))
    return Entry(number, line, entity, programs, None, dict(zip(_SDN_COLUMNS, cells, strict=True)))


def _ofac_row(cells: list[str], columns: tuple[str, ...], name: str) -> dict[str, str]:
    if len(cells) != len(columns):
        raise _RowError(f"{len(cells)} fields where OFAC's {name} has {len(columns)}")
    values = (cell.strip() for cell in cells)
    return {
        col: "" if value == "-0-" else value for col, value in zip(columns, values, strict=True)
    }


def _ent_num(text: str) -> str:
    # ASCII digits only ("١٢" is a digit to Python), and few: int() refuses 4,300 digits.
    if not (text.isascii() and text.isdigit() and len(text) <= _ENT_NUM_DIGITS):
        raise _RowError(f"ent_num {text!r} is not a number")
    return str(int(text))


def _ofac_remarks(entity: EntityProxy, remarks: str) -> None:
    for part in filter(None, (p.strip() for p in remarks.removesuffix(".").split("; "))):
        said = part.removeprefix("alt. ")
        rule = next((r for r in _OFAC_REMARKS if said.startswith(r[0])), None)
        if rule is None:
            _note(entity, part)
            continue
        prefix, prop, how = rule
        try:
            _REMARK_VALUES[how](entity, prop, said[len(prefix) :].strip())
        except _RowError as exc:
            raise _RowError(f"Remarks {part!r}: {exc}") from None


def _ofac_join(
    path: Path,
    rows: Iterable[tuple[int, list[str]]],
    columns: tuple[str, ...],
    entries: dict[str, Entry],
    apply: Callable[[EntityProxy, dict[str, str]], None],
    problems: _Problems,
) -> None:
    """Apply each row of alt.csv or add.csv to the entry with its ent_num."""
    skipped = 0
    for line, cells in rows:
        try:
            row = _ofac_row(cells, columns, path.name.lower())
            entry = entries.get(_ent_num(row["ent_num"]))
            if entry is None:
                skipped += 1
                continue
            apply(entry.entity, row)
        except _RowError as exc:
            problems.add(path, line, str(exc))
            continue
        entry.raw[f"{path.name}:{line}"] = json.dumps(cells, ensure_ascii=False)
    if skipped:
        log.warning("%s: skipped %d rows whose ent_num is not in sdn.csv", path, skipped)


def _ofac_alias(entity: EntityProxy, row: dict[str, str]) -> None:
    prop = _ALT_TYPES.get(row["alt_type"].lower())
    if prop is None:
        raise _RowError(f"unknown alt_type {row['alt_type']!r} (expected aka, fka or nka)")
    if not row["alt_name"]:
        raise _RowError("alt_name is empty")
    if "weak" in row["alt_remarks"].lower():
        prop = "weakAlias"
    _put(entity, prop, row["alt_name"])


def _ofac_address(entity: EntityProxy, row: dict[str, str]) -> None:
    if row["address"] or row["city_state_postal"]:
        parts = (row["address"], row["city_state_postal"], row["country"])
        _put(entity, "address", ", ".join(p for p in parts if p))
    _put(entity, "country", row["country"])
    if row["add_remarks"]:
        _note(entity, f"Address: {row['add_remarks']}")


# --- UN -----------------------------------------------------------------------------------------

_UN_LISTED = {"INDIVIDUAL": "Person", "ENTITY": "Organization"}
_UN_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_UN_FIELDS = (
    ("NAME_ORIGINAL_SCRIPT", "alias"),  # Arabic or Persian script, kept as written
    ("GENDER", "gender"),
    ("NATIONALITY/VALUE", "nationality"),
    ("DESIGNATION/VALUE", "position"),
    ("TITLE/VALUE", "title"),  # honorifics: Maulavi, Mullah, Haji, Dr.
    ("COMMENTS1", "notes"),
)
_UN_ALIAS_QUALITY = {
    "good": "alias",
    "a.k.a.": "alias",
    "low": "weakAlias",
    "f.k.a.": "previousName",
}
_UN_PLACE_PARTS = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")
_MAX_XML_DEPTH = 32


def read_un_xml(path: Path, limits: ImportLimits | None = None) -> list[Entry]:
    """Read the UN Security Council consolidated list (``<CONSOLIDATED_LIST>``).

    People are Persons and entities Organizations. Each gets its REFERENCE_NUMBER as source id,
    FIRST_NAME to FOURTH_NAME joined as name, NAME_ORIGINAL_SCRIPT and the "Good"/"a.k.a." aliases
    as aliases, "Low" ones as weak aliases and "f.k.a." ones as previous names, birth dates and
    places, nationalities (unknown countries as notes), DESIGNATION as position, TITLE as title,
    documents as passport or id numbers, addresses, COMMENTS1 as notes, UN_LIST_TYPE as program
    and LISTED_ON as listing date. A DOCTYPE is refused, so no entity can expand.
    """
    path = source_files(path, "un-xml")[0]
    limits = limits or ImportLimits.defaults()
    root, lines = _parse_xml(path, frozenset(_UN_LISTED), limits)
    if root.tag != "CONSOLIDATED_LIST":
        raise InputError(f"{path}: <{root.tag}> is not a UN consolidated list")
    listed = [(lines[id(e)], e) for e in root.iterfind("*/*") if e.tag in _UN_LISTED]
    problems = _Problems()
    return _finish(path, _collect(path, listed, _un_entry, problems), problems)


class _LineRecorder:
    """A tree builder that notes the line each listed element starts on (expat knows it while
    it reads the start tag; ElementTree keeps no line numbers)."""

    def __init__(self, tags: frozenset[str], limits: ImportLimits, path: Path) -> None:
        self._builder = ElementTree.TreeBuilder()
        self.tags = tags
        self.lines: dict[int, int] = {}
        self.expat: Any = None
        self.limits, self.path = limits, path
        self.depth = 0

    def start(self, tag: str, attrs: dict[str, str]) -> ElementTree.Element:
        self.depth += 1
        if self.depth > _MAX_XML_DEPTH:  # the UN list is 5 deep; paths of deeper ones grow
            raise InputError(
                f"{self.path}:{self.expat.CurrentLineNumber}: elements nested more than "
                f"{_MAX_XML_DEPTH} deep; the UN list nests 5"
            )
        element = self._builder.start(tag, attrs)
        if tag in self.tags:
            self.lines[id(element)] = int(self.expat.CurrentLineNumber)
            self.limits.check_rows(len(self.lines), str(self.path))
        return element

    def end(self, tag: str) -> ElementTree.Element:
        self.depth -= 1
        return self._builder.end(tag)

    def data(self, data: str) -> None:
        self._builder.data(data)

    def close(self) -> ElementTree.Element:
        return self._builder.close()


def _parse_xml(
    path: Path, tags: frozenset[str], limits: ImportLimits
) -> tuple[ElementTree.Element, dict[int, int]]:
    """Parse with defusedxml: no DTD at all, so no entity expansion and no network access."""
    data = _read_bytes(path, limits)
    recorder = _LineRecorder(tags, limits, path)
    parser = DefusedXMLParser(target=recorder, forbid_dtd=True)
    recorder.expat = parser.parser
    try:
        parser.feed(data)
        root: ElementTree.Element = parser.close()
    except DefusedXmlException as exc:
        raise InputError(
            f"{path}:{recorder.expat.CurrentLineNumber}: refused: {exc}",
            hint="an official list has no DOCTYPE; get the list from its publisher",
        ) from None
    except SyntaxError as exc:  # ElementTree's ParseError
        line = getattr(exc, "position", (0, 0))[0]
        raise InputError(f"{path}:{line}: not well-formed XML ({exc})") from None
    except (LookupError, ValueError) as exc:  # an encoding Python does not know, or expat refuses
        raise InputError(
            f"{path}:1: cannot read the XML in the encoding it declares ({exc})",
            hint="the UN publishes its list as UTF-8; get the list from its publisher",
        ) from None
    return root, recorder.lines


def _un_entry(line: int, element: ElementTree.Element) -> Entry:
    ref = _text(element, "REFERENCE_NUMBER")
    if not ref:
        raise _RowError(f"<{element.tag}> has no REFERENCE_NUMBER")
    name = " ".join(filter(None, (_text(element, part) for part in _UN_NAME_PARTS)))
    if not name:
        raise _RowError(f"{ref} has no name")
    entity = _new_entity(_UN_LISTED[element.tag], _safe_id("un", ref))
    entity.add("name", name)
    for path, prop in _UN_FIELDS:
        for value in _texts(element, path):
            _put(entity, prop, value)
    _un_aliases(entity, element)
    _un_births(entity, element)
    _un_documents(entity, element)
    _un_addresses(entity, element)
    listed_on = _text(element, "LISTED_ON")
    programs = _unique(_texts(element, "UN_LIST_TYPE"))
    return Entry(
        ref, line, entity, programs, _iso(listed_on) if listed_on else None, _flat(element)
    )


def _texts(element: ElementTree.Element, path: str) -> list[str]:
    found = (_squash(e.text or "") for e in element.iterfind(path))
    return [text for text in found if text]


def _text(element: ElementTree.Element, path: str) -> str:
    return next(iter(_texts(element, path)), "")


def _un_aliases(entity: EntityProxy, element: ElementTree.Element) -> None:
    for alias in element:
        if alias.tag in ("INDIVIDUAL_ALIAS", "ENTITY_ALIAS") and (
            name := _text(alias, "ALIAS_NAME")
        ):
            prop = _UN_ALIAS_QUALITY.get(_text(alias, "QUALITY").lower(), "alias")
            for one in name.split(";"):  # the Iran entries put several names in one alias
                _put(entity, prop, one)


def _un_births(entity: EntityProxy, element: ElementTree.Element) -> None:
    for birth in element.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        values = [_iso(_text(birth, tag)) for tag in ("DATE", "YEAR") if _text(birth, tag)]
        first, last = _text(birth, "FROM_YEAR"), _text(birth, "TO_YEAR")
        if first or last:  # BETWEEN: every year of the range, as _years_between says why
            if not (first and last):
                raise _RowError("a date of birth BETWEEN needs both FROM_YEAR and TO_YEAR")
            values += _years_between(_iso(first)[:4], _iso(last)[:4])
        note = _text(birth, "NOTE")
        from_note, whole = _dates_in_note(note) if note and not values else ([], False)
        if note and not whole:  # "Sep." beside a year, "from false passport", "30-35 years old"
            _note(entity, f"Date of birth: {note}")
        for value in values + from_note:
            _put(entity, "birthDate", value)
    for place in element.iterfind("INDIVIDUAL_PLACE_OF_BIRTH"):
        _put(
            entity,
            "birthPlace",
            ", ".join(_text(place, p) for p in _UN_PLACE_PARTS if _text(place, p)),
        )
        _put(entity, "birthCountry", _text(place, "COUNTRY"))


def _dates_in_note(note: str) -> tuple[list[str], bool]:
    try:
        return _read_dates(note)
    except _RowError:
        return [], False  # "30-35 years old", "Between Aug. and Sep. 1977": kept as a note


def _un_documents(entity: EntityProxy, element: ElementTree.Element) -> None:
    for document in element.iterfind("INDIVIDUAL_DOCUMENT"):
        number = _text(document, "NUMBER")
        kind = _text(document, "TYPE_OF_DOCUMENT").lower()
        # "Passport", "Numéro de passeport", "Número de pasaporte"; the rest are id numbers.
        _put(entity, "passportNumber" if "pas" in kind else "idNumber", number)


def _un_addresses(entity: EntityProxy, element: ElementTree.Element) -> None:
    for address in element:
        if address.tag in ("INDIVIDUAL_ADDRESS", "ENTITY_ADDRESS"):
            parts = [_text(address, part) for part in _UN_PLACE_PARTS]
            if any(parts[:-1]):
                _put(entity, "address", ", ".join(p for p in parts if p))
            _put(entity, "country", parts[-1])


def _flat(element: ElementTree.Element) -> dict[str, str]:
    """The element's texts by path, e.g. ``INDIVIDUAL_ALIAS/ALIAS_NAME#2`` for a second alias."""
    flat: dict[str, str] = {}
    seen: Counter[str] = Counter()  # how often each path came: the next one's number, at once
    stack = [(child, child.tag) for child in list(element)[::-1]]
    while stack:
        node, key = stack.pop()
        stack.extend((child, f"{key}/{child.tag}") for child in list(node)[::-1])
        text = (node.text or "").strip()
        if text and not len(node):
            if key in flat:  # no XML name holds "#", so "A#2" is never a path of its own
                seen[key] += 1
                key = f"{key}#{seen[key] + 1}"
            flat[key] = text
    return flat


# --- EU -----------------------------------------------------------------------------------------

_EU_REQUIRED = ("recordId", "programKey", "startDate", "schema", "name")
_EU_NOT_PROPERTIES = frozenset(
    ("celex", "recordId", "programKey", "annex", "measure", "startDate", "reason", "schema", "name")
)
_PARENTHESIS = re.compile(r"\s*\(([^()]*)\)")
_LATIN_WORDS = re.compile(r"[A-Za-z][A-Za-z.'’\- ]*")
_VARIANT_MARK = re.compile(r"(?:a\.k\.a\.|aka|also|or)\s+", re.IGNORECASE)
_SIMILAR = 0.6  # difflib ratio above which a bracketed word is a spelling of the word before it


def read_eu_csv(path: Path, limits: ImportLimits | None = None) -> list[Entry]:
    """Read OpenSanctions' CSV transcription of an EU regulation's annexes (one row a listing).

    The EU numbers listings per annex, so recordId repeats (person 1 in annex I.A, entity 1 in
    I.B): the source id is ``annex-recordId`` (``I.A-1``; no slash, as it ends up in URLs) and
    the entity id adds the CELEX number (``eu-32011r0359-i.a-1``). startDate is the listing
    date, programKey and celex the programs, reason the notes. The other columns are FtM property names and fill those
    properties: ``;`` separates values, dates are read as the module docstring says, document
    numbers lose their trailing "(Iran)" or ", issued in ...", and values FtM cannot read (a
    nationality "Iranian" it can) are kept as notes.

    The name is kept as written, and :func:`_name_variants` of it are added as aliases: a name
    like ``ARAGHI (ERAGHI) Abdollah`` also becomes ``ARAGHI Abdollah`` and ``ERAGHI Abdollah``,
    because a matcher compares whole names and would otherwise miss both spellings.
    """
    path = source_files(path, "eu-csv")[0]
    limits = limits or ImportLimits.defaults()
    problems = _Problems()
    rows = _csv_rows(_read_text(path, limits), path, problems, limits)
    header = _eu_header(path, next(rows, None), problems, limits)
    entries = _collect(path, rows, lambda line, cells: _eu_entry(header, cells, line), problems)
    return _finish(path, entries, problems)


def _eu_header(
    path: Path, first: tuple[int, list[str]] | None, problems: _Problems, limits: ImportLimits
) -> tuple[str, ...]:
    problems.check()
    if first is None:
        raise InputError(f"{path} is empty", hint="download the list again")
    line, cells = first
    limits.check_columns(len(cells), f"{path}:{line}")
    header = tuple(cell.strip() for cell in cells)
    missing = [col for col in _EU_REQUIRED if col not in header]
    if missing:
        raise InputError(
            f"{path}:{line}: the header lacks the column(s) {', '.join(missing)}",
            hint="the first row must name the columns, as in OpenSanctions' EU journal CSV",
        )
    twice = sorted(col for col, n in Counter(header).items() if n > 1)  # linear in the width
    if twice:
        raise InputError(f"{path}:{line}: the column(s) {', '.join(twice)} appear twice")
    return header


def _eu_entry(header: tuple[str, ...], cells: list[str], line: int) -> Entry:
    if len(cells) != len(header):
        raise _RowError(f"{len(cells)} fields where the header has {len(header)}")
    row = {col: cell.strip() for col, cell in zip(header, cells, strict=True)}
    record, annex, schema = row["recordId"], row.get("annex", ""), row["schema"]
    if not record or not row["name"]:
        raise _RowError("recordId and name must not be empty")
    if schema not in _LISTED_SCHEMATA:
        raise _RowError(
            f"unknown schema {schema!r} (expected one of {', '.join(_LISTED_SCHEMATA)})"
        )
    ids = [part for part in (row.get("celex", ""), annex, record) if part]
    entity = _new_entity(schema, _safe_id("eu", *ids))
    entity.add("name", row["name"])
    for variant in _name_variants(row["name"]):
        _put(entity, "alias", variant)
    _put(entity, "notes", row.get("reason", ""))
    for col in header:
        if col not in _EU_NOT_PROPERTIES and row[col]:
            _eu_property(entity, col, row[col])
    source_id = f"{annex}-{record}" if annex else record
    listed_on = _iso(row["startDate"]) if row["startDate"] else None
    programs = _unique((row["programKey"], row.get("celex", "")))
    raw = {col: cell for col, cell in zip(header, cells, strict=True) if cell}
    return Entry(source_id, line, entity, programs, listed_on, raw)


def _eu_property(entity: EntityProxy, column: str, value: str) -> None:
    prop = entity.schema.get(column)
    kind = prop.type.name if prop is not None else ""
    try:
        if kind == "date":
            _put_dates(entity, column, value)
        elif kind == "text":
            _put(entity, column, value)
        else:
            for piece in value.split(";"):
                _put(entity, column, _document_number(piece) if kind == "identifier" else piece)
    except _RowError as exc:
        raise _RowError(f"{column}: {exc}") from None


def _name_variants(name: str) -> list[str]:
    """Other spellings a name written with a bracketed part stands for: the name without it, and,
    when the bracket holds another spelling of the word(s) before it (marked "a.k.a.", "or", or
    alike by :data:`_SIMILAR`), the name with that spelling instead. ``SEDAQAT (a.k.a.
    Sedaghat) Farajollah`` gives ``SEDAQAT Farajollah`` and ``Sedaghat Farajollah``;
    ``Evin Prison (Tehran)`` only ``Evin Prison``. Brackets in other scripts are left alone."""
    variants: list[str] = []
    for m in _PARENTHESIS.finditer(name):
        inside = m[1].strip()
        if not _LATIN_WORDS.fullmatch(inside):
            continue
        before, after = name[: m.start()], name[m.end() :]
        variants.append(_squash(before + after))
        marked = _VARIANT_MARK.match(inside)
        spelling = inside[marked.end() :] if marked else inside
        words, count = before.split(), len(spelling.split())
        if 0 < count <= len(words) and (marked or _alike(" ".join(words[-count:]), spelling)):
            variants.append(_squash(" ".join([*words[:-count], spelling]) + after))
    return [v for v in _unique(variants) if v != name]


def _alike(a: str, b: str) -> bool:
    return SequenceMatcher(None, a.lower(), b.lower()).ratio() >= _SIMILAR


# --- FtM JSON lines -----------------------------------------------------------------------------


@dataclass
class _Listing:
    """What the Sanction entities of a file say about one entity."""

    programs: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    sanctions: list[str] = field(default_factory=list)


_FtmRow = tuple[int, EntityProxy, dict[str, str]]


def read_ftm(path: Path, limits: ImportLimits | None = None) -> list[Entry]:
    """Read FollowTheMoney entities, one JSON object a line, each checked against the FtM model:
    an unknown schema or property, or a value FtM cannot read, is a malformed line.

    Entries are the entities (not Sanctions, not relationships) that a Sanction in the file
    names, or that carry the topic "sanction"; if nothing is marked, every entity of the
    schemata in :data:`_LISTED_SCHEMATA`. A Sanction gives its entity programs (``program``,
    ``programId``, ``authority``) and the listing date (the earliest ``listingDate`` or
    ``startDate``). The entity's own ``program``/``programId`` count too, and failing all of
    these its sanction topics. Entity ids are the file's own.
    """
    path = source_files(path, "ftm")[0]
    limits = limits or ImportLimits.defaults()
    problems = _Problems()
    found: list[_FtmRow] = []
    first: dict[str, int] = {}
    for line, text in _json_lines(path, limits):
        try:
            entity, raw = _ftm_entity(text)
            if entity.id in first:
                raise _RowError(
                    f"id {entity.id!r} appears twice (first on line {first[entity.id]})"
                )
        except _RowError as exc:
            problems.add(path, line, str(exc))
            continue
        first[str(entity.id)] = line
        found.append((line, entity, raw))
    if not found and not problems.found:
        raise InputError(f"{path} is empty", hint="download the list again")
    return _finish(path, _ftm_entries(found), problems)


def _ftm_entity(text: str) -> tuple[EntityProxy, dict[str, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _RowError(f"not valid JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise _RowError("nested deeper than any FtM entity") from None
    except ValueError as exc:  # json reads it, Python will not hold it (an int of 5,000 digits)
        raise _RowError(f"not a usable JSON value ({str(exc).split(';')[0]})") from None
    if not isinstance(data, dict):
        raise _RowError("expected a JSON object with id, schema and properties")
    entity_id, schema, properties = data.get("id"), data.get("schema"), data.get("properties", {})
    if not isinstance(entity_id, str) or registry.entity.clean(entity_id) != entity_id:
        raise _RowError(f"id {entity_id!r} is not a valid FtM entity id")
    found = model.get(schema) if isinstance(schema, str) else None
    if found is None or found.abstract:
        raise _RowError(f"unknown schema {schema!r}")
    if not isinstance(properties, dict):
        raise _RowError("properties must be an object")
    entity = model.make_entity(found)
    entity.id = entity_id
    for name, values in properties.items():
        _ftm_values(entity, name, values)
    raw = {"id": entity_id, "schema": found.name}
    raw.update(
        {name: json.dumps(values, ensure_ascii=False) for name, values in properties.items()}
    )
    return entity, raw


def _ftm_values(entity: EntityProxy, name: str, values: Any) -> None:
    prop = entity.schema.get(name)
    if prop is None or prop.stub:
        raise _RowError(f"unknown property {name!r} for schema {entity.schema.name}")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _RowError(f"{name} must be a list of strings")
    if len(values) > MAX_VALUES:
        raise _RowError(f"more than {MAX_VALUES:,} values of {name} in one entity")
    for value in values:
        cleaned = prop.type.clean(value, proxy=entity)
        if cleaned is None:
            raise _RowError(f"{name}: {value!r} is not a valid {prop.type.name}")
        entity.unsafe_add(prop, cleaned, cleaned=True)


def _listable(schema: Schema) -> bool:
    return not schema.edge and not schema.is_a("Interval")  # Interval: Sanction, Family, ...


def _ftm_entries(found: list[_FtmRow]) -> list[Entry]:
    listings = _ftm_listings(entity for _, entity, _ in found)
    candidates = [row for row in found if _listable(row[1].schema)]
    marked = [
        row for row in candidates if row[1].id in listings or "sanction" in row[1].get("topics")
    ]
    chosen = marked or [row for row in candidates if row[1].schema.name in _LISTED_SCHEMATA]
    return [_ftm_entry(row, listings.get(str(row[1].id), _Listing())) for row in chosen]


def _ftm_listings(entities: Iterable[EntityProxy]) -> dict[str, _Listing]:
    listings: dict[str, _Listing] = {}
    for sanction in entities:
        if not sanction.schema.is_a("Sanction"):
            continue
        for target in sanction.get("entity"):
            listing = listings.setdefault(target, _Listing())
            for prop in ("program", "programId", "authority"):
                listing.programs.extend(sanction.get(prop))
            listing.dates.extend(sanction.get("listingDate") + sanction.get("startDate"))
            listing.sanctions.append(str(sanction.id))
    return listings


def _ftm_entry(row: _FtmRow, listing: _Listing) -> Entry:
    line, entity, raw = row
    programs = _unique([*listing.programs, *entity.get("program"), *entity.get("programId")])
    if not programs:
        programs = _unique(t for t in entity.get("topics") if t.startswith("sanction"))
    if listing.sanctions:
        raw = {**raw, "sanctions": json.dumps(listing.sanctions)}
    listed_on = min(listing.dates)[:10] if listing.dates else None
    return Entry(str(entity.id), line, entity, programs, listed_on, raw)
