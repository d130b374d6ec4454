"""The conversion that keeps floats, NUL and oversized binaries out of canonical JSON."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from media_samples import camera_exif, save_jpeg
from PIL import ExifTags
from PIL.TiffImagePlugin import IFDRational

from gavah.media import extract_metadata
from gavah.media._values import MAX_DEPTH, decimal_text, safe_dict


def test_floats_become_text() -> None:
    assert safe_dict({"a": 0.1, "b": float("nan"), "c": float("-inf")}) == {
        "a": "0.1",
        "b": "NaN",
        "c": "-Infinity",
    }


def test_rationals_stay_as_stored() -> None:
    assert safe_dict({"r": IFDRational(2112, 100), "z": IFDRational(1, 0)}) == {
        "r": "2112/100",
        "z": "1/0",
    }


def test_bytes_hex_or_left_out() -> None:
    assert safe_dict({"small": b"\x01\xff", "big": bytes(257), "list": [b"\x00", bytes(300)]}) == {
        "small": "01ff",
        "list": ["00"],
    }


def test_text_is_made_storable() -> None:
    assert safe_dict({"k\x00": "a\x00b", "s": "\udcff"}) == {"k\ufffd": "a\ufffdb", "s": "\\udcff"}


def test_nesting_is_bounded() -> None:
    deep: dict[str, object] = {}
    for _ in range(MAX_DEPTH + 2):
        deep = {"x": deep}
    with pytest.raises(ValueError):
        safe_dict(deep)


@pytest.mark.parametrize(
    ("value", "text"),
    [(Fraction(1, 3), "0.3333333"), (Fraction(-5, 2), "-2.5"), (Fraction(10), "10"), (0, "0")],
)
def test_decimal_text(value: Fraction, text: str) -> None:
    assert decimal_text(Fraction(value), 7) == text


def test_exif_maker_note_too_long_is_left_out_and_floats_are_text(tmp_path: Path) -> None:
    exif = camera_exif()
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[ExifTags.Base.MakerNote] = bytes(1000)
    sub[ExifTags.Base.UserComment] = b"ASCII\x00\x00\x00shelling"
    exif[0xC000] = 1.5  # an unknown private tag, stored by Pillow as a DOUBLE
    flat = extract_metadata(save_jpeg(tmp_path / "m.jpg", exif), "image/jpeg")["exif"]
    assert isinstance(flat, dict)
    assert "MakerNote" not in flat
    assert flat["UserComment"] == b"ASCII\x00\x00\x00shelling".hex()
    assert flat["0xC000"] == "1.5"
