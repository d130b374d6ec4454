"""A recording whose codec no browser plays (MPEG-4 Part 2 from an old phone, MP2 sound) used to
spin forever on its page (issue 18). Its preview is now a WebM copy made on the server, without
the original's tags; the original is unchanged and still what download gives."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gavah.intake.ingest import ingest
from gavah.media import transcode
from gavah.vault import Vault


def old_phone_clip(path: Path, seconds: float = 1.0) -> bytes:
    """A synthetic clip: MPEG-4 Part 2 video and MP2 sound in MP4, with a title tag."""
    with av.open(str(path), "w", format="mp4") as out:
        out.metadata["title"] = "synthetic-tag-phone-owner"  # a tag the preview must not carry
        video = out.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 96, 64, "yuv420p"
        audio = out.add_stream("mp2", rate=44100)
        audio.layout = "mono"
        for i in range(int(seconds * 10)):
            pixels = np.full((64, 96, 3), i * 20 % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = i
            for packet in video.encode(frame):
                out.mux(packet)
        n, t = 1152, 0
        for _ in range(int(seconds * 44100) // n):
            wave = np.sin(2 * np.pi * 440 * np.arange(t, t + n) / 44100) * 8000
            sound = av.AudioFrame.from_ndarray(
                wave.astype(np.int16).reshape(1, -1), format="s16", layout="mono"
            )
            sound.sample_rate, sound.pts = 44100, t
            t += n
            for packet in audio.encode(sound):
                out.mux(packet)
        for stream in (video, audio):
            for packet in stream.encode(None):
                out.mux(packet)
    return path.read_bytes()


def test_a_recording_browsers_cannot_play_gets_a_webm_copy(
    app: FastAPI,
    vault: Vault,
    tmp_path: Path,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    original = old_phone_clip(folder / "clip.mp4")
    assert b"synthetic-tag-phone-owner" in original
    evidence_id = ingest(vault, [os.fsencode(folder / "clip.mp4")], collection="alpha").items[0][
        "id"
    ]
    viewer = signed_in(app, person("watcher", "analyst"))
    page = viewer.get(f"/items/{evidence_id}").text
    assert "mpeg4" in page and "WebM" in page  # the page says what it shows, and why
    ticket = re.search(r'/preview\?t=([^"]+)"', page)
    assert ticket, page
    shown = viewer.get(f"/items/{evidence_id}/preview?t={ticket.group(1)}")
    assert shown.status_code == 200 and shown.headers["content-type"] == "video/webm"
    assert b"synthetic-tag-phone-owner" not in shown.content and shown.content != original
    copy = tmp_path / "copy.webm"
    copy.write_bytes(shown.content)
    with av.open(str(copy)) as played:
        codecs = sorted(s.codec_context.name for s in played.streams)
        assert codecs == ["opus", "vp8"]
        assert "synthetic-tag-phone-owner" not in str(dict(played.metadata))
        assert sum(1 for p in played.demux(played.streams.video[0]) for _ in p.decode()) >= 9
    kept = vault.ws.settings.workspace / "previews"
    (made,) = list(kept.iterdir())
    assert stat.S_IMODE(made.stat().st_mode) & 0o077 == 0
    again = viewer.get(f"/items/{evidence_id}/preview?t={ticket.group(1)}")
    assert again.content == shown.content  # made once, served again
    assert viewer.get(f"/items/{evidence_id}/download").content == original
    viewer.close()


def test_what_browsers_play_is_not_converted() -> None:
    streams = [{"type": "video", "codec": "h264"}, {"type": "audio", "codec": "aac"}]
    assert transcode.unplayable({"av": {"streams": streams}}) is None
    streams[1]["codec"] = "amrnb"
    assert transcode.unplayable({"av": {"streams": streams}}) == "amrnb"
    assert transcode.unplayable({}) is None
    assert transcode.too_long({"av": {"duration_seconds": "3600"}})
    assert not transcode.too_long({"av": {"duration_seconds": "60.5"}})
