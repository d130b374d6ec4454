"""Video and audio headers through PyAV, and refusal of inputs that would open other files."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from gavah.media import extract_metadata


def test_mp4_container_and_stream(mp4_video: Path) -> None:
    section = extract_metadata(mp4_video, "video/mp4")["av"]
    assert isinstance(section, dict)
    assert "mp4" in str(section["format"])
    assert section["duration_seconds"] == "0.4"
    assert section["creation_time"] == "2024-03-01T09:30:05.000000Z"
    assert isinstance(section["tags"], dict)
    assert section["tags"]["title"] == "Checkpoint, north road"
    [video] = section["streams"]  # type: ignore[misc]
    assert video["type"] == "video"
    assert video["codec"] == "mpeg4"
    assert (video["width"], video["height"], video["frame_rate"]) == (64, 48, "25")


def test_mkv_with_h264(mkv_video: Path) -> None:
    section = extract_metadata(mkv_video, "video/x-matroska")["av"]
    assert isinstance(section, dict)
    assert section["format"] == "matroska,webm"
    assert section["tags"] == {
        "ENCODER": section["tags"]["ENCODER"],  # type: ignore[index,call-overload]
        "creation_time": "2024-03-01T09:30:05.000000Z",
        "title": "Checkpoint, north road",
    }
    [video] = section["streams"]  # type: ignore[misc]
    assert video["codec"] == "h264"


def test_wav(wav_audio: Path) -> None:
    meta = extract_metadata(wav_audio, "audio/wav")
    assert meta["av"] == {
        "format": "wav",
        "tags": {},
        "duration_seconds": "1",
        "streams": [
            {
                "type": "audio",
                "codec": "pcm_s16le",
                "tags": {},
                "duration_seconds": "1",
                "sample_rate": 8000,
                "channels": 1,
            }
        ],
    }
    assert meta["errors"] == []


def test_garbage_video_is_recorded(random_bytes: Path) -> None:
    meta = extract_metadata(random_bytes, "video/mp4")
    assert "av" not in meta
    assert any(str(e).startswith("av: ") for e in meta["errors"])  # type: ignore[union-attr]


def test_errors_do_not_name_the_path(random_bytes: Path) -> None:
    errors = extract_metadata(random_bytes, "video/mp4")["errors"]
    assert str(random_bytes) not in repr(errors)


def test_concat_list_naming_a_sibling_file_is_refused(
    tmp_path: Path, wav_audio: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    hostile = tmp_path / "upload.wav"
    hostile.write_text(f"ffconcat version 1.0\nfile {wav_audio.name}\n")
    # Without the demuxer and protocol allow-lists FFmpeg really does read the named file:
    with hostile.open("rb") as stream, av.open(stream) as container:
        assert container.format.name == "concat"
    meta = extract_metadata(hostile, "audio/wav")
    assert "av" not in meta
    assert any(str(e).startswith("av: ") for e in meta["errors"])  # type: ignore[union-attr]


def test_playlist_pointing_at_other_files_is_refused(tmp_path: Path, wav_audio: Path) -> None:
    # An HLS playlist would make FFmpeg open the files (or URLs) it lists.
    playlist = tmp_path / "evil.mp4"
    playlist.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1,\n{wav_audio}\n#EXT-X-ENDLIST\n"
    )
    meta = extract_metadata(playlist, "video/mp4")
    assert "av" not in meta
    assert any(str(e).startswith("av: ") for e in meta["errors"])  # type: ignore[union-attr]
