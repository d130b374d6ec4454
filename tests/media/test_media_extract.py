"""Properties every extraction must have, checked over every sample file and hostile pairings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gavah.media import extract_metadata, sniff_mime

SAMPLES = [
    "exif_jpeg",
    "xmp_jpeg",
    "png_named_jpg",
    "truncated_jpeg",
    "broken_header_jpeg",
    "random_bytes",
    "empty_file",
    "persian_text",
    "mp4_video",
    "mkv_video",
    "wav_audio",
]

# A file handed over with the wrong MIME type must be survived as well as a damaged one.
MIMES = ["image/jpeg", "image/png", "video/mp4", "audio/wav", "application/pdf", "text/plain"]


def walk(value: object) -> list[object]:
    """Every value nested in ``value``, dict keys included."""
    found = [value]
    if isinstance(value, dict):
        for key, item in value.items():
            found += [key, *walk(item)]
    elif isinstance(value, list):
        for item in value:
            found += walk(item)
    return found


def assert_canonical_json_safe(meta: dict[str, object]) -> None:
    json.dumps(meta, ensure_ascii=False, allow_nan=False).encode("utf-8")
    for value in walk(meta):
        assert value is None or type(value) in (str, int, bool, list, dict), repr(value)
        if isinstance(value, str):
            assert "\x00" not in value
    for value in walk(meta):
        if isinstance(value, dict):
            assert all(isinstance(key, str) for key in value)
    assert isinstance(meta["errors"], list)


@pytest.mark.parametrize("fixture", SAMPLES)
def test_sniffed_pipeline_is_safe_and_deterministic(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    path: Path = request.getfixturevalue(fixture)
    first = extract_metadata(path, sniff_mime(path))
    assert_canonical_json_safe(first)
    assert json.dumps(extract_metadata(path, sniff_mime(path)), sort_keys=True) == json.dumps(
        first, sort_keys=True
    )


@pytest.mark.parametrize("mime", MIMES)
@pytest.mark.parametrize("fixture", SAMPLES)
def test_any_file_with_any_mime_never_raises(
    fixture: str, mime: str, request: pytest.FixtureRequest
) -> None:
    assert_canonical_json_safe(extract_metadata(request.getfixturevalue(fixture), mime))


def test_text_and_empty_files_have_only_errors(persian_text: Path, empty_file: Path) -> None:
    assert extract_metadata(persian_text, "text/plain") == {"errors": []}
    assert extract_metadata(empty_file, "application/x-empty") == {"errors": []}
