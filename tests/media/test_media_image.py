"""Image headers, EXIF, camera, GPS and XMP; damaged and hostile images are recorded, not raised."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from media_samples import camera_exif, dms, save_jpeg
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from gavah.media import extract_metadata


def test_image_section(exif_jpeg: Path) -> None:
    meta = extract_metadata(exif_jpeg, "image/jpeg")
    assert meta["image"] == {"width": 40, "height": 30, "format": "JPEG", "mode": "RGB"}
    assert meta["errors"] == []


def test_camera_from_exif_and_its_sub_ifd(exif_jpeg: Path) -> None:
    assert extract_metadata(exif_jpeg, "image/jpeg")["camera"] == {
        "make": "Canon",
        "model": "EOS R6",
        "lens": "RF24-105mm",
        "software": "Firmware 1.8.1",
        "datetime_original": "2024:03:01 09:30:05",
    }


def test_exif_keeps_rationals_exact(exif_jpeg: Path) -> None:
    exif = extract_metadata(exif_jpeg, "image/jpeg")["exif"]
    assert isinstance(exif, dict)
    assert exif["ExposureTime"] == "1/125"
    assert exif["GPSLatitudeRef"] == "N"
    assert exif["GPSAltitudeRef"] == "00"  # a BYTE value, as hex
    assert "ExifOffset" not in exif  # a file offset, not metadata


def test_gps_in_decimal_degrees(exif_jpeg: Path) -> None:
    # 35 41' 21.12" N, 51 23' 20.4" E: central Tehran.
    assert extract_metadata(exif_jpeg, "image/jpeg")["gps"] == {
        "latitude": "35.6892",
        "longitude": "51.389",
        "altitude": "1189.5",
        "timestamp": "2024-03-01T09:30:05Z",
    }


def test_gps_south_west_and_below_sea_level(tmp_path: Path) -> None:
    exif = camera_exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSAltitudeRef] = b"\x01"
    gps[ExifTags.GPS.GPSTimeStamp] = dms(23, 59, IFDRational(5925, 100))
    meta = extract_metadata(save_jpeg(tmp_path / "sw.jpg", exif), "image/jpeg")
    assert meta["gps"] == {
        "latitude": "-35.6892",
        "longitude": "-51.389",
        "altitude": "-1189.5",
        "timestamp": "2024-03-01T23:59:59.25Z",
    }


def test_bad_gps_field_is_recorded_and_others_kept(tmp_path: Path) -> None:
    exif = camera_exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    del gps[ExifTags.GPS.GPSLatitudeRef]  # hemisphere unknown: must not be guessed
    gps[ExifTags.GPS.GPSAltitude] = IFDRational(5, 0)
    meta = extract_metadata(save_jpeg(tmp_path / "bad-gps.jpg", exif), "image/jpeg")
    assert meta["gps"] == {"longitude": "51.389", "timestamp": "2024-03-01T09:30:05Z"}
    errors = meta["errors"]
    assert isinstance(errors, list)
    assert any(str(e).startswith("gps: latitude:") for e in errors)
    assert any(str(e).startswith("gps: altitude:") for e in errors)


def test_xmp(xmp_jpeg: Path) -> None:
    xmp = extract_metadata(xmp_jpeg, "image/jpeg")["xmp"]
    assert xmp == {"xmpmeta": {"RDF": {"Description": {"City": "Tehran", "about": ""}}}}


def test_malformed_xmp_is_recorded(tmp_path: Path) -> None:
    path = save_jpeg(tmp_path / "bad-xmp.jpg", xmp=b"<x:xmpmeta><unclosed>")
    meta = extract_metadata(path, "image/jpeg")
    assert "xmp" not in meta
    assert any(str(e).startswith("xmp: ") for e in meta["errors"])  # type: ignore[union-attr]


def test_xmp_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>'
    )
    meta = extract_metadata(save_jpeg(tmp_path / "billion.jpg", xmp=bomb), "image/jpeg")
    assert "xmp" not in meta
    assert any(str(e).startswith("xmp: ") for e in meta["errors"])  # type: ignore[union-attr]


def test_png_exif(tmp_path: Path) -> None:
    path = tmp_path / "exif.png"
    Image.new("RGB", (8, 8), "red").save(path, exif=camera_exif())
    meta = extract_metadata(path, "image/png")
    assert meta["camera"] == extract_metadata(path, "image/png")["camera"]
    assert meta["gps"] == {
        "latitude": "35.6892",
        "longitude": "51.389",
        "altitude": "1189.5",
        "timestamp": "2024-03-01T09:30:05Z",
    }


def test_truncated_picture_data_keeps_headers(truncated_jpeg: Path) -> None:
    meta = extract_metadata(truncated_jpeg, "image/jpeg")
    assert meta["image"] == {"width": 400, "height": 300, "format": "JPEG", "mode": "RGB"}
    assert meta["camera"] == extract_metadata(truncated_jpeg, "image/jpeg")["camera"]


def test_broken_header_is_recorded(broken_header_jpeg: Path) -> None:
    meta = extract_metadata(broken_header_jpeg, "image/jpeg")
    assert "image" not in meta
    assert any(str(e).startswith("image: ") for e in meta["errors"])  # type: ignore[union-attr]


def test_random_bytes_do_not_raise(random_bytes: Path) -> None:
    meta = extract_metadata(random_bytes, "image/jpeg")
    assert "exif" not in meta
    assert isinstance(meta["errors"], list)


def test_decompression_bomb_refused_is_recorded(png_of_size: Callable[[int, int], Path]) -> None:
    meta = extract_metadata(png_of_size(50_000, 50_000), "image/png")
    assert "image" not in meta
    assert any("decompression bomb" in str(e) for e in meta["errors"])  # type: ignore[union-attr]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_warning_is_recorded(png_of_size: Callable[[int, int], Path]) -> None:
    # Between Pillow's warning and error limits: headers are read, the size is flagged.
    meta = extract_metadata(png_of_size(10_000, 10_000), "image/png")
    assert meta["image"] == {"width": 10_000, "height": 10_000, "format": "PNG", "mode": "RGB"}
    assert meta["errors"] == [
        f"image: decompression bomb: 10000x10000 pixels exceeds {Image.MAX_IMAGE_PIXELS}"
    ]


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_warning_as_error_is_recorded(
    png_of_size: Callable[[int, int], Path],
) -> None:
    # Under ``-W error`` Pillow raises the warning from Image.open; it must still be recorded.
    meta = extract_metadata(png_of_size(10_000, 10_000), "image/png")
    assert "image" not in meta
    assert any("decompression bomb" in str(e) for e in meta["errors"])  # type: ignore[union-attr]
