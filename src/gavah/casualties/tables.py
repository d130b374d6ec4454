"""Reading published lists into rows of text, each with the row number a person would find it
under: the line of a CSV, JSON-lines or text file, the row of a spreadsheet (the header is row 1),
the position of a record in a JSON or YAML array, the position of a file in a folder's sorted names.

Formats: CSV, XLSX, JSON (an array), JSON lines, YAML (a list of records, or a mapping of them),
a folder of one record per YAML or JSON file, and "blocks": plain text of ``KEY: value`` lines with
records separated by ``---`` lines, as lists extracted from reports are often written. Nested
values (``sources: [{url: a}, {url: b}]``) become dotted columns (``sources.url`` = ``a; b``).

Files are read from bytes already hashed into the vault, so what is imported is exactly what is
kept; a folder is kept as one ZIP made from the very bytes that were read. A file that cannot be
read as a table is an :class:`~gavah.errors.InputError` naming the file and the line; nothing is
half-read. Only a folder's files are judged one by one: a file that cannot be read at all is a
rejected row (:attr:`Table.unreadable`), named, while the others are read.

Lists come from outside and may be built to exhaust memory or time: rows, columns and bytes are
counted as they are read and bounded by :class:`~gavah.intake.limits.ImportLimits` (the
``import_max_*`` settings); an XLSX workbook's declared unpacked size is checked before it is
opened, and its sheet is read as its XML holds it, never padded (see :func:`_sheet_rows`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml  # type: ignore[import-untyped]

from gavah.errors import InputError
from gavah.intake.limits import ImportLimits, check_zip
from gavah.text import spreadsheet

Format = Literal["csv", "xlsx", "json", "jsonl", "yaml", "blocks", "folder"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "json", "jsonl", "yaml", "blocks", "folder")
MAX_FIELD = 1_000_000  # characters in one cell; Python's csv default is 131,072
MAX_VALUES = 10_000  # values in one nested record: YAML aliases can make a small file explode
MAX_DEPTH = 20  # nesting of one record; a self-referencing YAML alias would never end
FILE_COLUMN = "_file"  # the column that names a folder's file in each of its rows
FOLDER_SUFFIXES = (".yaml", ".yml", ".json")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # ZIP's earliest date: the same folder always packs the same
# What openpyxl raises on a workbook it cannot parse: a file from outside may hold anything.
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    IndexError,
    LookupError,  # a part's XML declares an encoding Python does not know
    ValueError,
    TypeError,
    AttributeError,
    OverflowError,
    OSError,
    EOFError,
    RuntimeError,  # zipfile: an encrypted part, or (NotImplementedError) an unknown compression
    SyntaxError,  # ElementTree's and lxml's parse errors
)


@dataclass(frozen=True)
class Unreadable:
    """A record that could not be read at all (a folder's file): rejected, never guessed."""

    row: int
    file: str
    problem: str


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]  # (row number, column -> text); empty cells omitted
    # Folder files that were not valid YAML and were read line by line instead.
    read_line_by_line: tuple[str, ...] = ()
    unreadable: tuple[Unreadable, ...] = ()


@dataclass(frozen=True)
class Folder:
    """A folder read as a list: its table, and the ZIP of the files read (what the vault keeps)."""

    table: Table
    packed: bytes
    ignored: tuple[str, ...] = ()  # entries that are not record files


def guess_format(name: str, head: bytes = b"") -> Format:
    """The format from a file's name; for ``.txt``, from its first bytes (``head``) too."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    by_suffix: dict[str, Format] = {
        "csv": "csv",
        "tsv": "csv",
        "xlsx": "xlsx",
        "xlsm": "xlsx",
        "jsonl": "jsonl",
        "ndjson": "jsonl",
        "json": "json",
        "yaml": "yaml",
        "yml": "yaml",
    }
    if suffix == "txt":
        return "blocks" if _looks_like_blocks(head.decode("utf-8", "replace")) else "csv"
    if suffix in by_suffix:
        return by_suffix[suffix]
    raise InputError(
        f"cannot tell the format of {name} from its name",
        hint=f"give --format {', '.join(FORMATS[:-1])} or {FORMATS[-1]}",
    )


def read_table(
    data: bytes,
    name: str,
    fmt: Format,
    *,
    delimiter: str | None = None,
    sheet: str | None = None,
    limits: ImportLimits | None = None,
) -> Table:
    """Parse ``data`` (the bytes of the file called ``name``) into a :class:`Table`, within
    ``limits`` (default: the settings' defaults)."""
    limits = limits or ImportLimits.defaults()
    limits.check_bytes(len(data), name)
    if fmt == "csv":
        return _csv(_text(data, name), name, delimiter, limits)
    if fmt == "xlsx":
        return _xlsx(data, name, sheet, limits)
    if fmt == "json":
        return _json(_text(data, name), name, limits)
    if fmt == "jsonl":
        return _jsonl(_text(data, name), name, limits)
    if fmt == "yaml":
        return _yaml(_text(data, name), name, limits)
    if fmt == "blocks":
        return _blocks(_text(data, name), name, limits)
    if fmt == "folder":
        raise InputError(f"{name} is a file; --format folder reads a folder of record files")
    raise InputError(f"unknown format {fmt!r}", hint=f"use {', '.join(FORMATS)}")


def _text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{name}:{line}: not UTF-8 text (byte {exc.start})",
            hint="save the file as UTF-8 (most spreadsheet programs offer 'CSV UTF-8')",
        ) from None


def _header(cells: list[str], name: str, line: int, limits: ImportLimits) -> tuple[str, ...]:
    limits.check_columns(len(cells), f"{name}:{line}")
    columns = tuple(c.strip() for c in cells)
    if not columns or not any(columns):
        raise InputError(f"{name}:{line}: the first row must name the columns")
    seen: set[str] = set()
    for col in columns:
        if not col:
            raise InputError(f"{name}:{line}: a column has no name")
        if col in seen:
            raise InputError(f"{name}:{line}: the column {col!r} appears twice")
        seen.add(col)
    return columns


def _csv(text: str, name: str, delimiter: str | None, limits: ImportLimits) -> Table:
    csv.field_size_limit(MAX_FIELD)
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    columns: tuple[str, ...] = ()
    try:
        start = 1
        for count, cells in enumerate(reader, start=1):
            limits.check_rows(count, name)  # blank lines too: they cost time as well
            if not columns:
                columns = _header(cells, name, reader.line_num, limits)
            elif any(c.strip() for c in cells):  # blank lines are not rows
                if len(cells) != len(columns):
                    raise InputError(
                        f"{name}:{start}: {len(cells)} cells where the header has {len(columns)}",
                        hint="check for an unquoted delimiter or a missing quote on that line",
                    )
                rows.append((start, _cells(columns, cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{name}:{reader.line_num}: not valid CSV: {exc}") from None
    if not columns:
        raise InputError(f"{name} is empty", hint="a list needs a header row and rows")
    return Table(columns, rows)


def _cells(columns: tuple[str, ...], cells: list[Any]) -> dict[str, str]:
    return {col: text for col, cell in zip(columns, cells, strict=False) if (text := _cell(cell))}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(_textual(value), ensure_ascii=False, sort_keys=True)
    return str(value).strip()


def _textual(value: Any) -> Any:
    """Nested values with text keys and text leaves, as JSON can hold them (YAML keys may be
    numbers or dates, its values dates)."""
    if isinstance(value, dict):
        return {str(k): _textual(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_textual(v) for v in value]
    return value if value is None or isinstance(value, str | int | float | bool) else _cell(value)


def _xlsx(data: bytes, name: str, sheet: str | None, limits: ImportLimits) -> Table:
    from openpyxl import load_workbook

    check_zip(data, name, limits)  # before openpyxl unpacks anything
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _XLSX_ERRORS as exc:
        raise InputError(f"{name}: not a readable XLSX workbook ({exc})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(
                f"{name} has no sheet {sheet!r}", hint=f"sheets: {', '.join(book.sheetnames)}"
            )
        if not book.worksheets:
            raise InputError(f"{name} holds no worksheet")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        return _sheet_table(_sheet_rows(ws, name), name, limits)
    finally:
        book.close()


def _sheet_table(
    sheet: Iterable[tuple[int, dict[int, Any]]], name: str, limits: ImportLimits
) -> Table:
    rows: list[tuple[int, dict[str, str]]] = []
    columns: tuple[str, ...] = ()
    last = 0
    for number, cells in sheet:
        if number <= last:
            raise InputError(f"{name}:{number}: rows are out of order or repeated")
        last = number
        limits.check_rows(number, name)  # by number: the rows skipped count as empty rows
        values = {column: text for column, value in cells.items() if (text := _cell(value))}
        if not values:
            continue
        if not columns:
            limits.check_columns(max(values), f"{name}:{number}")  # before a list that wide
            columns = _header(_dense(values), name, number, limits)
        elif max(values) > len(columns):
            raise InputError(f"{name}:{number}: a value lies right of the last column")
        else:
            rows.append((number, {columns[c - 1]: values[c] for c in sorted(values)}))
    if not columns:
        raise InputError(f"{name} is empty", hint="a list needs a header row and rows")
    return Table(columns, rows)


def _dense(values: dict[int, str]) -> list[str]:
    """Cells by column number (from 1) as a list, "" where the sheet holds none."""
    return [values.get(column, "") for column in range(1, max(values) + 1)]


def _sheet_rows(ws: Any, name: str) -> Iterator[tuple[int, dict[int, Any]]]:
    """A sheet's rows as its XML holds them: (row number, {column number: value}), sparse.

    openpyxl's ``iter_rows`` pads every row to the widest column the sheet declares or holds
    and yields every row number skipped, so a few bytes naming cell XFD1048576 become 17 billion
    empty cells; its worksheet parser, which ``iter_rows`` reads from, does neither. The parser
    lives in a private module, so this is the one place that depends on it (read-only mode:
    the sheet streams from the ZIP and only the shared strings are held in memory)."""
    from openpyxl.worksheet._reader import WorkSheetParser

    book = ws.parent
    try:
        with ws._get_source() as source:
            parser = WorkSheetParser(
                source,
                ws._shared_strings,
                data_only=True,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            for number, cells in parser.parse():
                row = {cell["column"]: cell["value"] for cell in cells}
                if len(row) != len(cells):
                    raise InputError(f"{name}:{number}: a cell appears twice in the row")
                yield number, row
    except _XLSX_ERRORS as exc:
        raise InputError(
            f"{name}: not a readable XLSX sheet ({type(exc).__name__}: {exc})"
        ) from None


# --- JSON and YAML: records as objects, nested values flattened -----------------------------------
def _json(text: str, name: str, limits: ImportLimits) -> Table:
    value = _json_value(text, name)
    if isinstance(value, dict):  # {"records": [...]} or any one array-valued key
        arrays = [v for v in value.values() if isinstance(v, list)]
        if len(arrays) != 1:
            raise InputError(f"{name}: expected an array of objects, or an object holding one")
        value = arrays[0]
    if not isinstance(value, list):
        raise InputError(f"{name}: expected an array of objects")
    limits.check_rows(len(value), name)
    return _objects(enumerate(value, start=1), name, "object", limits)


def _jsonl(text: str, name: str, limits: ImportLimits) -> Table:
    def objects() -> Iterator[tuple[int, Any]]:
        for number, line in enumerate(_lines(text, name, limits), start=1):
            if line.strip():
                yield number, _json_value(line, f"{name}:{number}")

    return _objects(objects(), name, "line", limits)


def _yaml(text: str, name: str, limits: ImportLimits) -> Table:
    """A YAML list of records; a mapping holding one such list; a mapping of records (keyed by
    the list's own identifiers, kept in column ``_key``); one record; or several documents, one
    record each."""
    documents: list[Any] = []
    try:
        for document in yaml.safe_load_all(text):
            if document is not None:
                documents.append(document)
                limits.check_rows(len(documents), name)
    except yaml.YAMLError as exc:
        raise InputError(
            f"{_yaml_where(exc, name)}: not valid YAML: {_yaml_problem(exc)}"
        ) from None
    except RecursionError:
        raise InputError(f"{name}: nested deeper than any list of records") from None
    except ValueError as exc:  # a value YAML reads but Python cannot hold (an int of 5,000 digits)
        raise InputError(f"{name}: not a usable YAML value: {_why(exc)}") from None
    records = documents if len(documents) > 1 else _yaml_records(documents[0] if documents else [])
    limits.check_rows(len(records), name)
    return _objects(enumerate(records, start=1), name, "record", limits)


def _yaml_records(value: Any) -> list[Any]:
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(only := next(iter(value.values())), list):
            return only  # {victims: [...]}
        if value and all(isinstance(v, dict) for v in value.values()):
            return [{"_key": str(k), **v} for k, v in value.items()]
        return [value]
    return value if isinstance(value, list) else [value]


def _yaml_where(exc: Any, name: str) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f"{name}:{mark.line + 1}" if mark is not None else name


def _yaml_problem(exc: Any) -> str:
    return str(getattr(exc, "problem", None) or exc).split("\n")[0]


def _objects(items: Iterable[tuple[int, Any]], name: str, unit: str, limits: ImportLimits) -> Table:
    columns: dict[str, None] = {}
    rows: list[tuple[int, dict[str, str]]] = []
    for number, obj in items:
        if not isinstance(obj, dict):
            raise InputError(f"{name}:{number}: {unit} {number} is not an object of fields")
        row = _flat_record(obj, f"{name}:{number}")
        columns.update(dict.fromkeys(row))
        limits.check_columns(len(columns), name)
        rows.append((number, {k: v for k, v in row.items() if v}))
    return Table(tuple(columns), rows)


def _flat_record(obj: Mapping[Any, Any], where: str) -> dict[str, str]:
    """One record's columns: each key as a column (lists of plain values joined with "; ",
    anything nested kept as JSON), and each nested key as a dotted column whose values, from
    every item of a list, are joined with "; ". Empty cells are kept: they name columns."""
    row: dict[str, str] = {}
    budget = [MAX_VALUES]
    for key, value in obj.items():
        column = str(key).strip()
        if isinstance(value, dict | list):
            nested: dict[str, list[str]] = {}
            _walk(value, column, nested, budget, where, 0)
            row[column] = _plain(value, nested.get(column))
            row.update({col: "; ".join(v) for col, v in nested.items() if col != column})
        else:
            row[column] = _cell(value)
    return row


def _plain(value: Any, scalars: list[str] | None) -> str:
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return "; ".join(scalars or [])
    return _cell(value)


def _walk(
    value: Any, path: str, into: dict[str, list[str]], budget: list[int], where: str, depth: int
) -> None:
    if depth > MAX_DEPTH:
        raise InputError(f"{where}: nested more than {MAX_DEPTH} levels deep")
    budget[0] -= 1
    if budget[0] < 0:
        raise InputError(f"{where}: more than {MAX_VALUES} values in one record")
    if isinstance(value, dict):
        for key, sub in value.items():
            _walk(sub, f"{path}.{str(key).strip()}", into, budget, where, depth + 1)
    elif isinstance(value, list):
        into.setdefault(path, [])
        for item in value:
            _walk(item, path, into, budget, where, depth + 1)
    else:
        cells = into.setdefault(path, [])
        if text := _cell(value):
            cells.append(text)


# --- a folder of one record per file -------------------------------------------------------------
def read_folder(path: Path, limits: ImportLimits | None = None) -> Folder:
    """Every ``.yaml``, ``.yml`` and ``.json`` file of ``path`` (not its subfolders, hidden files
    or links) as one record; row N is the N-th file in sorted name order. ``limits`` bound the
    number of files and their bytes together."""
    limits = limits or ImportLimits.defaults()
    try:
        entries = sorted(path.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the folder: {exc.strerror}") from None
    chosen = [p for p in entries if _is_record_file(p)]
    limits.check_rows(len(chosen), str(path))
    names = {p.name for p in chosen}
    ignored = tuple(p.name for p in entries if p.name not in names)
    if not chosen:
        raise InputError(
            f"{path} holds no .yaml, .yml or .json files",
            hint="a folder list holds one record per YAML or JSON file",
        )
    files: list[tuple[str, bytes]] = []
    total = 0
    for file in chosen:
        files.append((file.name, _read_bytes(file, limits.max_bytes - total)))
        total += len(files[-1][1])
        limits.check_bytes(total, f"{path} (its record files together)")
    return Folder(_folder_table(files, path.name, limits), _pack(files), ignored)


def _is_record_file(path: Path) -> bool:
    hidden = path.name.startswith(".")
    return not hidden and path.suffix.lower() in FOLDER_SUFFIXES and _regular(path)


def _regular(path: Path) -> bool:
    return not path.is_symlink() and path.is_file()


def _read_bytes(path: Path, most: int) -> bytes:
    """The file's bytes, reading no more than one past ``most``."""
    try:
        with path.open("rb") as handle:
            return handle.read(most + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _pack(files: Sequence[tuple[str, bytes]]) -> bytes:
    """The files read, in one ZIP that is the same bytes for the same files: stored (zlib output
    varies between versions), sorted, with fixed dates and modes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.create_system = 3  # Unix, whatever system packs it
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _folder_table(files: Sequence[tuple[str, bytes]], folder: str, limits: ImportLimits) -> Table:
    columns: dict[str, None] = {FILE_COLUMN: None}
    rows: list[tuple[int, dict[str, str]]] = []
    lenient: list[str] = []
    unreadable: list[Unreadable] = []
    for number, (name, data) in enumerate(files, start=1):
        try:
            record, by_lines = _record_file(name, data)
            row = {FILE_COLUMN: name, **_flat_record(record, f"{folder}/{name}")}
        except InputError as exc:
            unreadable.append(Unreadable(number, name, exc.message))
            continue
        if by_lines:
            lenient.append(name)
        columns.update(dict.fromkeys(row))
        limits.check_columns(len(columns), folder)
        rows.append((number, {k: v for k, v in row.items() if v}))
    return Table(tuple(columns), rows, tuple(lenient), tuple(unreadable))


def _record_file(name: str, data: bytes) -> tuple[dict[Any, Any], bool]:
    """One file's record, and whether it had to be read line by line. Raises InputError."""
    text = _text(data, name)
    if name.lower().endswith(".json"):
        value = _json_value(text, "")
        if not isinstance(value, dict):
            raise InputError("holds no JSON object of fields")
        return value, False
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        record = yaml_lines(text)
        if not record:
            raise InputError("not valid YAML, and holds no 'key: value' lines") from None
        return record, True
    except RecursionError:
        raise InputError("nested deeper than any record") from None
    except ValueError as exc:  # a value YAML reads but Python cannot hold
        raise InputError(f"not a usable YAML value: {_why(exc)}") from None
    if not isinstance(value, dict) or not value:
        raise InputError("holds no YAML mapping of fields")
    return value, False


def _json_value(text: str, where: str) -> Any:
    """JSON text as Python values. ``where`` opens each message: a file's name (a line number is
    added), ``file:line`` for a JSON-lines record, or "" for a folder's file (named beside)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at = where if ":" in where else f"{where}:{exc.lineno}" if where else f"line {exc.lineno}"
        raise InputError(f"{at}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(_opening(where, "nested deeper than any record")) from None
    except ValueError as exc:  # json reads it, Python will not hold it (an int of 5,000 digits)
        raise InputError(_opening(where, f"not a usable JSON value: {_why(exc)}")) from None


_LINE_BREAKS = ("\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _lines(text: str, name: str, limits: ImportLimits) -> list[str]:
    """``text.splitlines()``, refused before the list is made if it would hold more lines than
    ``limits`` allow (a file of nothing but line breaks is millions of lines)."""
    breaks = sum(text.count(b) for b in _LINE_BREAKS) - text.count("\r\n")
    limits.check_rows(breaks + (not text.endswith(_LINE_BREAKS)), name)
    return text.splitlines()


def _opening(where: str, problem: str) -> str:
    return f"{where}: {problem}" if where else problem


def _why(exc: ValueError) -> str:
    # Python's own words, without the advice to programmers after ";" (set_int_max_str_digits).
    return str(exc).split(";")[0]


# --- YAML that is not valid YAML, read line by line ---------------------------------------------
_KEY = re.compile(r"^([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+(.*))?$")
_ITEM = re.compile(r"^-[ \t]+(?:([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]+(.*))?|(.*))$")
_BLOCK_SCALAR = re.compile(r"^([>|])[-+]?[0-9]?$")
_NULLS = ("null", "Null", "NULL", "~")


def yaml_lines(text: str) -> dict[str, Any]:
    """A one-record YAML file read line by line, for files that are not valid YAML (a folded
    ``>`` text whose second line is less indented than its first is the common case): top-level
    ``key: value`` lines; ``  - key: value`` list items and indented ``key: value`` lines under
    them; a ``>`` or ``|`` text taking every line indented deeper than its key; any other line
    continuing the value above. Values are kept as text (quoted ones unquoted)."""
    reader = _LineReader()
    for line in text.splitlines():
        reader.feed(line)
    return reader.record


@dataclass
class _LineReader:
    record: dict[str, Any] = field(default_factory=dict)
    top: str | None = None  # the last top-level key
    parent: dict[str, Any] | None = None  # the mapping the last key went into
    key: str | None = None  # the last key, whose value a plain line continues
    block: int | None = None  # indentation of the key of a > or | text being read
    joiner: str = " "  # a > text folds its lines, a | text keeps them

    def feed(self, line: str) -> None:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" \t"))
        if self.block is not None and (indent > self.block or not stripped):
            if stripped:  # even "#...": inside a text it is text
                self._append(stripped)
            return
        self.block = None
        if not stripped or stripped.startswith("#") or stripped in ("---", "..."):
            return
        if indent == 0 and (key := _KEY.match(stripped)):
            self._set(self.record, key[1], key[2], indent)
            self.top = key[1]
        elif indent and (item := _ITEM.match(stripped)):
            self._item(item, indent)
        elif indent and (key := _KEY.match(stripped)) and (target := self._mapping()) is not None:
            self._set(target, key[1], key[2], indent)
        else:
            self._append(stripped)

    def _set(self, target: dict[str, Any], key: str, raw: str | None, indent: int) -> None:
        raw = _uncomment(raw or "")
        if block := _BLOCK_SCALAR.match(raw):
            target[key], self.block, self.joiner = "", indent, " " if block[1] == ">" else "\n"
        else:
            target[key] = _value(raw)
        self.parent, self.key = target, key

    def _item(self, item: re.Match[str], indent: int) -> None:
        items = self.record.get(self.top) if self.top else None
        if self.top is None or not (items is None or isinstance(items, list)):
            self._append(item.group(0))
            return
        items = self.record[self.top] = items or []
        if item[1]:
            items.append({})
            self._set(items[-1], item[1], item[2], indent)
        else:
            items.append(_value(_uncomment(item[3] or "")))
            self.parent = self.key = None

    def _mapping(self) -> dict[str, Any] | None:
        """Where an indented ``key: value`` goes: the last list item, or the top key's mapping."""
        value = self.record.get(self.top) if self.top else None
        if isinstance(value, list) and value and isinstance(value[-1], dict):
            return value[-1]
        if self.top is not None and value is None:
            value = self.record[self.top] = {}
        return value if isinstance(value, dict) else None

    def _append(self, text: str) -> None:
        if self.parent is None or self.key is None:
            return  # a stray line before any key: nothing it could belong to
        current = self.parent[self.key]
        if current is None or current == "":
            self.parent[self.key] = text
        elif isinstance(current, str):
            self.parent[self.key] = f"{current}{self.joiner}{text}"


def _uncomment(raw: str) -> str:
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        end = raw.find(raw[0], 1)
        return raw[: end + 1] if end > 0 else raw
    return raw.split(" #", 1)[0].rstrip()


def _value(raw: str) -> Any:
    if not raw or raw in _NULLS:
        return None
    if raw[0] in "[{\"'":  # a quoted text or a flow list: YAML reads that part well
        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError:
            return raw
    return raw


# --- blocks: KEY: value lines, records separated by --- -----------------------------------------
_SEPARATOR = re.compile(r"^-{3,}[ \t]*$")
_BANNER = re.compile(r"^[ \t]*(?:={3,}|\*{3,}|_{3,}|~{3,})[ \t]*$")
_BLOCK_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_]*(?:[.-][A-Za-z0-9_]+)*)[ \t]*:(?:[ \t]+(.*))?$")


@dataclass
class _Block:
    lines: list[tuple[int, str]] = field(default_factory=list)
    after_separator: bool = False  # a --- line opened it
    before_separator: bool = False  # a --- line closed it


def _looks_like_blocks(head: str) -> bool:
    lines = head.splitlines()
    return any(_SEPARATOR.match(x) for x in lines) and any(_BLOCK_KEY.match(x) for x in lines)


def _blocks(text: str, name: str, limits: ImportLimits) -> Table:
    """Records of ``KEY: value`` lines between ``---`` lines. Banners (``=====``) end a block,
    ``#`` lines are comments, and a block that no ``---`` line touches (a title page, a section
    heading) is not a record unless the file has no ``---`` at all. A line without ``KEY:`` after
    a field continues that field; lines before a block's first field are not part of it."""
    blocks = _split_blocks(text, name, limits)
    separated = any(b.after_separator or b.before_separator for b in blocks)
    columns: dict[str, None] = {}
    rows: list[tuple[int, dict[str, str]]] = []
    for block in blocks:
        if separated and not (block.after_separator or block.before_separator):
            continue
        if parsed := _block_record(block.lines):
            number, row = parsed
            columns.update(dict.fromkeys(row))
            limits.check_columns(len(columns), name)
            rows.append((number, {k: v for k, v in row.items() if v}))
    if not rows:
        raise InputError(
            f"{name} holds no records of 'KEY: value' lines",
            hint="records are KEY: value lines separated by lines of ---",
        )
    return Table(tuple(columns), rows)


def _split_blocks(text: str, name: str, limits: ImportLimits) -> list[_Block]:
    blocks = [_Block()]
    for number, line in enumerate(_lines(text, name, limits), start=1):
        if _SEPARATOR.match(line):
            blocks[-1].before_separator = True
            blocks.append(_Block(after_separator=True))
        elif _BANNER.match(line):
            blocks.append(_Block())
        elif not line.lstrip().startswith("#"):
            blocks[-1].lines.append((number, line))
    return blocks


def _block_record(lines: list[tuple[int, str]]) -> tuple[int, dict[str, str]] | None:
    values: dict[str, list[str]] = {}
    key: str | None = None
    first = 0
    for number, line in lines:
        if match := _BLOCK_KEY.match(line):
            key = match[1]
            first = first or number
            values.setdefault(key, []).append((match[2] or "").strip())
        elif key is not None and line.strip():
            part = values[key]
            part[-1] = f"{part[-1]}\n{line.strip()}".strip()
    if key is None:
        return None
    return first, {k: "; ".join(v for v in parts if v) for k, parts in values.items()}


# --- writing rows back, for the user to correct -------------------------------------------------
def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
    """A UTF-8 CSV (with a byte-order mark, so spreadsheet programs read Persian right), its
    cells neutralised against formulas (:mod:`gavah.text.spreadsheet`)."""
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = spreadsheet.dict_writer(handle, list(columns))
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise InputError(
            f"cannot write {path}: {exc.strerror}", hint="give another path with --rejected"
        ) from None
