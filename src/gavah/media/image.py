"""Still images: dimensions, EXIF, camera, GPS and XMP, read from headers through Pillow.

Pixels are never decoded (no ``load()``), so a huge or hostile image costs only its headers.
"""

from __future__ import annotations

from pathlib import Path

from PIL import ExifTags, Image

from gavah.media._findings import Findings
from gavah.media._values import safe_dict
from gavah.media.exif import camera_fields, flatten_exif
from gavah.media.gps import gps_fields

NOT_FOR_PILLOW = frozenset({"image/svg+xml"})
"""Image types Pillow does not read at all; trying would only record a meaningless error."""

EXIF_NEEDS_DECODE = frozenset({"PNG"})
"""Formats whose Pillow ``getexif()`` decodes every pixel when the EXIF chunk follows the data."""

BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)


def read_image(path: Path, mime: str, findings: Findings) -> None:
    """Add the ``image``, ``exif``, ``camera``, ``gps`` and ``xmp`` sections that apply."""
    if mime in NOT_FOR_PILLOW:
        return
    try:
        image = Image.open(path)
    except BOMB_ERRORS as error:
        # Only headers are read, but a declared size this large is itself worth recording.
        findings.note("image", f"decompression bomb: {error}")
        return
    except Exception as error:  # Pillow signals damaged input with many exception types
        findings.fail("image", error)
        return
    with image:
        _describe(image, findings)
        _read_exif(image, findings)
        _read_xmp(image, findings)


def _describe(image: Image.Image, findings: Findings) -> None:
    width, height = image.size
    findings.add(
        "image",
        {"width": width, "height": height, "format": image.format, "mode": image.mode},
    )
    limit = Image.MAX_IMAGE_PIXELS
    # Pillow's own check only warns here, through the global (not thread-safe) warnings
    # machinery, so the same test is made again where the result can be recorded.
    if limit is not None and width * height > limit:
        findings.note("image", f"decompression bomb: {width}x{height} pixels exceeds {limit}")


def _read_exif(image: Image.Image, findings: Findings) -> None:
    if image.format in EXIF_NEEDS_DECODE and "exif" not in image.info:
        return
    try:
        exif = image.getexif()
        flat = flatten_exif(exif)
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception as error:  # a hostile IFD can break the parser in many ways
        findings.fail("exif", error)
        return
    findings.add("exif", flat)
    findings.add("camera", camera_fields(flat))
    findings.add("gps", gps_fields(gps_ifd, findings))


def _read_xmp(image: Image.Image, findings: Findings) -> None:
    try:
        xmp = safe_dict(image.getxmp())
    except Exception as error:  # malformed or hostile XML; defusedxml refuses entity tricks
        findings.fail("xmp", error)
        return
    findings.add("xmp", xmp)
