"""EXIF tags of an image, flattened to names, and the camera fields drawn from them."""

from __future__ import annotations

from typing import Any

from PIL import ExifTags, Image

from gavah.media._values import JsonValue, safe_dict

# Sub-IFDs read besides IFD0, with the prefix that keeps their names apart. IFD0, Exif and GPS
# tag names are disjoint by the standard (CIPA DC-008), so they share the bare namespace.
SUB_IFDS: tuple[tuple[ExifTags.IFD, str, dict[int, str]], ...] = (
    (ExifTags.IFD.Exif, "", ExifTags.TAGS),
    (ExifTags.IFD.GPSInfo, "", ExifTags.GPSTAGS),
    (ExifTags.IFD.Interop, "Interop.", ExifTags.TAGS),
    (ExifTags.IFD.IFD1, "Thumbnail.", ExifTags.TAGS),
)

# Offsets to the sub-IFDs above: file layout, not metadata about the scene.
POINTER_TAGS = frozenset({ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo, ExifTags.IFD.Interop})

CAMERA_FIELDS = {
    "make": "Make",
    "model": "Model",
    "lens": "LensModel",
    "software": "Software",
    "datetime_original": "DateTimeOriginal",
}
"""Field of the ``camera`` section -> EXIF tag it is copied from (raw, as the camera wrote it)."""


def flatten_exif(exif: Image.Exif) -> dict[str, JsonValue]:
    """Every readable tag of IFD0 and its sub-IFDs as ``{tag name: JSON-safe value}``."""
    flat = _named_tags(dict(exif), "", ExifTags.TAGS)
    for ifd, prefix, names in SUB_IFDS:
        flat.update(_named_tags(exif.get_ifd(ifd), prefix, names))
    return dict(sorted(flat.items()))


def _named_tags(ifd: dict[int, Any], prefix: str, names: dict[int, str]) -> dict[str, JsonValue]:
    kept = {
        prefix + names.get(tag, f"0x{tag:04X}"): raw
        for tag, raw in ifd.items()
        if tag not in POINTER_TAGS
    }
    return safe_dict(kept)


def camera_fields(flat_exif: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """The ``camera`` section: who made the picture with what, as far as EXIF says."""
    return {key: flat_exif[tag] for key, tag in CAMERA_FIELDS.items() if tag in flat_exif}
