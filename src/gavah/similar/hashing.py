"""PDQ perceptual hashes of images, and of sampled video frames, computed at intake.

PDQ is Meta's 256-bit perceptual hash (ThreatExchange, ``pdq/README.md``): a downscaled luma image,
a 16x16 DCT, one bit per coefficient above the median, and a quality score 0-100. We call the
reference C++ code through the ``pdqhash`` bindings (which vendor ThreatExchange's ``pdq/cpp``).

Videos: Meta's vPDQ is PDQ on frames sampled from the video, deduplicated, matched frame set
against frame set. The ``vpdq`` package on PyPI ships only a source archive (0.2.5, no wheel for
Python 3.11) whose build needs CMake and FFmpeg's development headers (libavcodec-dev and
friends), which neither this machine nor a plain ``pip install`` has. So we do what vPDQ does with
what the project already has: PyAV (FFmpeg) decodes the video's key frames (cheap: no frame in
between is decoded), at most one a second, and each is hashed with the same PDQ; consecutive
frames that hash alike are kept once. Matching (see :mod:`gavah.similar.index`) uses vPDQ's rule
of a share of frames matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
import pdqhash
from PIL import Image, ImageOps

from gavah.media.audio_video import CONTAINER_OPTIONS
from gavah.similar import ALGORITHM_IMAGE, ALGORITHM_VIDEO

__all__ = ["ALGORITHM_IMAGE", "ALGORITHM_VIDEO", "FrameHash", "hash_image", "hash_video"]
SIDE = 512
"""Longest side an image is reduced to before hashing. PDQ itself reduces to 64x64 (Jarosz
filters) and Meta's hasher CLI first downsamples to 512 as well; decoding a 12-megapixel JPEG at a
1/8 DCT scale (Pillow's ``draft``) is most of what makes intake-time hashing cheap."""
MAX_FRAMES = 240
"""At most this many frames per video: one a second for 4 minutes, spread out over longer ones."""
SAME_FRAME = 8
"""A frame this close (bits) to the one kept before it adds nothing: a still shot."""


@dataclass(frozen=True)
class FrameHash:
    """One PDQ hash: 64 hex digits (256 bits), its quality, and for a video frame its time."""

    hash: str
    quality: int
    ms: int | None = None


def hash_array(rgb: np.ndarray[Any, Any]) -> FrameHash:
    """PDQ of an RGB image (height x width x 3, uint8), by the reference's code. pdqhash computes
    luma in float64, the reference in float32: a few bits may differ (docs/similar.md)."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
    return FrameHash(_hex(bits), int(quality))


def _hex(bits: np.ndarray[Any, Any]) -> str:
    # pdqhash returns bit 255 first, which is how the reference writes its hex (most significant
    # nibble first), so packing in order gives the reference's hex string.
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def hash_image(path: Path) -> FrameHash:
    """PDQ of an image file, as displayed (EXIF orientation applied), reduced to :data:`SIDE`."""
    with Image.open(path) as opened:
        opened.draft("RGB", (SIDE, SIDE))  # JPEG only: decode at a reduced DCT scale
        image = ImageOps.exif_transpose(opened)
        image.thumbnail((SIDE, SIDE), Image.Resampling.BILINEAR)
        return hash_array(np.asarray(image.convert("RGB")))


def hash_video(path: Path) -> list[FrameHash]:
    """PDQ of a video's key frames, at most one a second (see the module's docstring)."""
    frames: list[FrameHash] = []
    with (
        path.open("rb") as stream,
        av.open(stream, "r", container_options=CONTAINER_OPTIONS) as box,
    ):
        if not box.streams.video:
            return []
        video = box.streams.video[0]
        video.codec_context.skip_frame = "NONKEY"
        video.thread_type = "AUTO"
        last_ms = -1000
        for frame in box.decode(video):
            ms = _frame_ms(frame)
            if ms - last_ms < 1000:
                continue
            last_ms = ms
            _keep(frames, _hash_frame(frame, ms))
    return _spread(frames)


def _frame_ms(frame: Any) -> int:
    return 0 if frame.time is None else round(frame.time * 1000)


def _hash_frame(frame: Any, ms: int) -> FrameHash:
    scale = min(1.0, SIDE / max(frame.width, frame.height))
    width, height = max(1, round(frame.width * scale)), max(1, round(frame.height * scale))
    found = hash_array(frame.to_ndarray(format="rgb24", width=width, height=height))
    return FrameHash(found.hash, found.quality, ms)


def _keep(frames: list[FrameHash], frame: FrameHash) -> None:
    if not frames or distance(frames[-1].hash, frame.hash) > SAME_FRAME:
        frames.append(frame)


def _spread(frames: list[FrameHash]) -> list[FrameHash]:
    if len(frames) <= MAX_FRAMES:
        return frames
    step = len(frames) / MAX_FRAMES
    return [frames[int(i * step)] for i in range(MAX_FRAMES)]


def distance(a: str, b: str) -> int:
    """Hamming distance of two hashes in hex."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
