"""Bounds on what an import reads. Lists, sanctions files and FtM files come from outside, and a
small file can be built to unpack to gigabytes or to hold millions of empty rows; every importer
counts as it reads and refuses, with :class:`~gavah.errors.TooLarge`, what exceeds the workspace's
settings (``import_max_*``, docs/settings.md), before it costs memory or time.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from gavah.errors import InputError, TooLarge
from gavah.settings import Settings


@dataclass(frozen=True)
class ImportLimits:
    """The ``import_max_*`` settings, passed explicitly to every reader."""

    max_bytes: int
    max_unpacked_bytes: int
    max_rows: int
    max_columns: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ImportLimits:
        return cls(
            settings.import_max_bytes,
            settings.import_max_unpacked_bytes,
            settings.import_max_rows,
            settings.import_max_columns,
        )

    @classmethod
    def defaults(cls) -> ImportLimits:
        """The settings' defaults (declared once, in :mod:`gavah.settings`)."""
        fields = Settings.model_fields
        return cls(*(fields[f"import_{name}"].default for name in _NAMES))

    def check_bytes(self, size: int, where: str) -> None:
        if size > self.max_bytes:
            raise _too_large(
                f"{where} is over {_size(self.max_bytes)}, the most an import reads",
                "max_bytes",
            )

    def check_unpacked(self, size: int, where: str) -> None:
        if size > self.max_unpacked_bytes:
            raise _too_large(
                f"{where} unpacks to {_size(size)}, more than {_size(self.max_unpacked_bytes)}",
                "max_unpacked_bytes",
            )

    def check_rows(self, count: int, where: str) -> None:
        """Called with the number of rows read so far (or a row's number), as they stream."""
        if count > self.max_rows:
            raise _too_large(f"{where} holds more than {self.max_rows:,} rows", "max_rows")

    def check_columns(self, count: int, where: str) -> None:
        if count > self.max_columns:
            raise _too_large(f"{where} has more than {self.max_columns:,} columns", "max_columns")


_NAMES = ("max_bytes", "max_unpacked_bytes", "max_rows", "max_columns")


def _size(n: int) -> str:
    return f"{n // 2**20:,} MiB" if n >= 2**20 and n % 2**20 == 0 else f"{n:,} bytes"


def _too_large(message: str, name: str) -> TooLarge:
    setting = f"import_{name}"
    return TooLarge(
        f"{message}; nothing was imported",
        hint=f"if the file is genuine, raise the setting {setting} (GAVAH_{setting.upper()}, "
        "see docs/settings.md); a file from an untrusted source may be built to exhaust memory",
    )


def check_zip(data: bytes, name: str, limits: ImportLimits) -> None:
    """Refuse a ZIP (an XLSX workbook is one) whose parts declare more unpacked bytes in all than
    ``limits`` allow. The declared sizes are a true bound: Python's :mod:`zipfile`, which
    openpyxl reads with, never returns more bytes of a part than its central directory declares
    (and fails on the checksum if the data would hold more)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise InputError(f"{name}: not a readable XLSX workbook ({exc})") from None
    limits.check_unpacked(sum(part.file_size for part in parts), name)


def read_bounded(path: Path, limits: ImportLimits) -> bytes:
    """All of ``path``, reading no more than one byte past ``limits.max_bytes`` (a file that
    grows while it is read cannot slip past a size checked beforehand)."""
    with path.open("rb") as handle:
        data = handle.read(limits.max_bytes + 1)
    limits.check_bytes(len(data), str(path))
    return data
