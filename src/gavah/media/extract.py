"""Metadata of one evidence file, gathered section by section without ever raising."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gavah.media._findings import Findings
from gavah.media._values import JsonValue
from gavah.media.audio_video import read_audio_video
from gavah.media.credentials import read_credentials
from gavah.media.image import read_image


def _image(path: Path, mime: str, findings: Findings) -> None:
    if mime.startswith("image/"):
        read_image(path, mime, findings)


def _audio_video(path: Path, mime: str, findings: Findings) -> None:
    if mime.startswith(("video/", "audio/")):
        read_audio_video(path, findings)


READERS: tuple[tuple[str, Callable[[Path, str, Findings], None]], ...] = (
    ("image", _image),
    ("av", _audio_video),
    ("c2pa", read_credentials),
)
"""Readers run in this order; each decides from the MIME type whether it applies."""


def extract_metadata(path: Path, mime: str) -> dict[str, JsonValue]:
    """Read what ``path`` says about itself, as canonical-JSON-safe data.

    Sections that do not apply are omitted; ``errors`` is always present and lists each problem
    met (``"exif: ..."``). The same file always gives the same dict. The output contains no
    floats. Nothing is decoded beyond headers, no program is run and no network is used.
    """
    findings = Findings(path)
    for section, reader in READERS:
        try:
            reader(path, mime, findings)
        except Exception as error:  # readers record their own problems; this is the backstop
            findings.fail(section, error)
    return findings.as_dict()
