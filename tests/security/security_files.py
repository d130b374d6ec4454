"""Small hostile files for the security tests, built in memory: never gigabytes, always a tiny
file that would cost gigabytes or minutes if a reader followed it. Every name is synthetic."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from sqlalchemy import func, select

from gavah.db import models
from gavah.vault import Vault

_SHEET = (
    '<?xml version="1.0" encoding="{encoding}" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "{dimension}<sheetData>{rows}</sheetData></worksheet>"
)


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def row(number: int, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def xlsx(rows: str, *, dimension: str | None = None, encoding: str = "UTF-8") -> bytes:
    """A real workbook (made by openpyxl) whose first sheet's XML is replaced by ``rows``, in
    XML that says it is in ``encoding`` (and is UTF-8 whatever it says)."""
    from openpyxl import Workbook

    made = io.BytesIO()
    Workbook().save(made)
    sheet = _SHEET.format(
        encoding=encoding,
        dimension=f'<dimension ref="{dimension}"/>' if dimension else "",
        rows=rows,
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(made.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            target.writestr(info.filename, data)
    return out.getvalue()


FOOTPRINT = (
    models.Evidence,
    models.CustodyEvent,
    models.VictimList,
    models.VictimRecord,
    models.SanctionsSnapshot,
    models.SanctionsEntry,
    models.RegistryEntity,
)


def footprint(vault: Vault) -> dict[str, Any]:
    """What an import could leave behind: rows of every table it writes, and the blobs."""
    with vault.db.read() as session:
        counts: dict[str, Any] = {
            m.__name__: session.execute(select(func.count()).select_from(m)).scalar_one()
            for m in FOOTPRINT
        }
    counts["blobs"] = sorted(vault.store.addresses())
    return counts
