"""sniff_mime judges content, never the file name."""

from __future__ import annotations

from pathlib import Path

import pytest

from gavah.media import sniff_mime


def test_png_named_jpg_is_png(png_named_jpg: Path) -> None:
    assert sniff_mime(png_named_jpg) == "image/png"


def test_jpeg(exif_jpeg: Path) -> None:
    assert sniff_mime(exif_jpeg) == "image/jpeg"


def test_video_and_audio(mp4_video: Path, mkv_video: Path, wav_audio: Path) -> None:
    assert sniff_mime(mp4_video) == "video/mp4"
    assert sniff_mime(mkv_video) == "video/x-matroska"
    assert sniff_mime(wav_audio) == "audio/wav"


def test_pdf(tmp_path: Path) -> None:
    path = tmp_path / "report.bin"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert sniff_mime(path) == "application/pdf"


def test_persian_text_named_jpg(persian_text: Path) -> None:
    assert sniff_mime(persian_text) == "text/plain"


def test_text_that_starts_like_a_bitmap(tmp_path: Path) -> None:
    # "BM" is the BMP signature; a weak match on readable text must not win.
    path = tmp_path / "note"
    path.write_text("BMW convoy seen at 09:30 near the bridge\n", encoding="utf-8")
    assert sniff_mime(path) == "text/plain"


def test_text_cut_inside_a_character(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_bytes(("ش" * 40_000).encode("utf-8"))  # 80 000 bytes: the head ends mid-file
    assert sniff_mime(path) == "text/plain"


def test_zero_bytes(empty_file: Path) -> None:
    assert sniff_mime(empty_file) == "application/x-empty"


def test_binary_without_signature(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"\x00\xfe" * 1000)
    assert sniff_mime(path) == "application/octet-stream"


def test_noise_does_not_raise(random_bytes: Path) -> None:
    assert "/" in sniff_mime(random_bytes)


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        sniff_mime(tmp_path / "absent")


def test_tables_are_csv_whatever_their_first_word(tmp_path: Path) -> None:
    """The demo's lists start with "record_id", and "record" is a Modelica model's signature:
    a CSV file was labelled text/x-modelica."""
    table = tmp_path / "list.csv"
    table.write_text("record_id,name,date\nA-1,Synthetic One,2022-09-20\n", encoding="utf-8")
    assert sniff_mime(table) == "text/csv"
    persian = tmp_path / "persian.tsv"
    persian.write_text("نام\tتاریخ\tشهر\nنمونه\t۱۴۰۱/۰۶/۲۹\tکرج\n", encoding="utf-8")
    assert sniff_mime(persian) == "text/tab-separated-values"
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('a,b\n"x, with comma",y\n"z",w\n', encoding="utf-8")
    assert sniff_mime(quoted) == "text/csv"


def test_prose_is_plain_text_even_with_commas_or_a_format_word(tmp_path: Path) -> None:
    prose = tmp_path / "note.txt"
    prose.write_text("record of a visit, synthetic.\nWe met, then left.\n", encoding="utf-8")
    assert sniff_mime(prose) == "text/plain"
    ragged = tmp_path / "ragged.txt"
    ragged.write_text("a,b,c\nd,e\nf\n", encoding="utf-8")
    assert sniff_mime(ragged) == "text/plain"


def test_text_formats_with_a_signature_keep_it(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("<!DOCTYPE html>\n<html><body>synthetic</body></html>\n", encoding="utf-8")
    assert sniff_mime(page) == "text/html"
