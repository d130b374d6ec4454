"""Bench 1's videos are real H.264 that intake decodes and hashes, one key frame a second."""

from __future__ import annotations

import random
from pathlib import Path

from bench.corpus import make_video

from gavah.similar import with_perceptual_hashes
from gavah.similar.index import MIN_QUALITY


def test_a_bench_video_is_hashed_a_frame_a_second(tmp_path: Path) -> None:
    path = make_video(tmp_path / "v.mp4", 3, random.Random(1))
    section = with_perceptual_hashes(path, "video/mp4", {"errors": []})["perceptual"]
    assert section["algorithm"] == "pdq-keyframes"
    assert [h["ms"] for h in section["hashes"]] == [0, 1000, 2000]
    assert all(h["quality"] >= MIN_QUALITY for h in section["hashes"])
