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

import ctypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
import pdqhash
import pdqhash.bindings
from PIL import Image, ImageOps

from gavah.media.audio_video import CONTAINER_OPTIONS
from gavah.similar import ALGORITHM_IMAGE, ALGORITHM_VIDEO

__all__ = ["ALGORITHM_IMAGE", "ALGORITHM_VIDEO", "FrameHash", "hash_image", "hash_video"]
SIDE = 512
"""A picture with a side over this many pixels is squeezed to SIDE x SIDE by nearest neighbour
before hashing, as Meta's reference does to a file (``pdqHash256FromFile`` in ``pdq/cpp/io/
pdqio.cpp``: CImg's ``resize(512, 512)``, "the two-pass Jarosz filter is prohibitively expensive
for larger images"). Video frames are reduced to at most this many pixels a side, keeping their
shape (see :func:`_hash_frame`)."""
MAX_FRAMES = 240
"""At most this many frames per video: one a second for 4 minutes, spread out over longer ones."""
SAME_FRAME = 8
"""A frame this close (bits) to the one kept before it adds nothing: a still shot."""
Pixels = np.ndarray[Any, Any]


@dataclass(frozen=True)
class FrameHash:
    """One PDQ hash: 64 hex digits (256 bits), its quality, and for a video frame its time."""

    hash: str
    quality: int
    ms: int | None = None


class _Reference:
    """Meta's reference C++ functions, called through ctypes from the pdqhash extension module.

    Why ctypes: the module holds the reference's own code (ThreatExchange ``pdq/cpp``) and
    exports its functions as dynamic symbols, but its Python ``compute`` makes the luma in
    numpy float64 and rounds it to float32, where the reference multiplies and adds in float32
    (``fillFloatLumaFromRGB``); a luma value then differs in its last bit and a DCT coefficient
    next to the median can flip. The bindings expose no entry point taking luma, so we call the
    reference's ``fillFloatLumaFromRGB``/``fillFloatLumaFromGrey`` (the ones ``pdqio.cpp`` uses)
    and ``pdqHash256FromFloatLuma`` ourselves: the very arithmetic of the reference.
    """

    _RGB = "_ZN8facebook3pdq11downscaling20fillFloatLumaFromRGBEPKhS3_S3_iiiiPf"
    _GREY = "_ZN8facebook3pdq11downscaling21fillFloatLumaFromGreyEPKhiiiiPf"
    _HASH = (
        "_ZN8facebook3pdq7hashing23pdqHash256FromFloatLumaEPfS2_iiPA64_fS4_PA16_fRNS1_7Hash256ERi"
    )

    def __init__(self, library: ctypes.CDLL) -> None:
        pointer, size = ctypes.c_void_p, ctypes.c_int
        self._rgb = getattr(library, self._RGB)
        self._rgb.argtypes = [pointer, pointer, pointer, size, size, size, size, pointer]
        self._grey = getattr(library, self._GREY)
        self._grey.argtypes = [pointer, size, size, size, size, pointer]
        self._hash = getattr(library, self._HASH)
        self._hash.argtypes = [pointer, pointer, size, size, pointer, pointer, pointer, pointer]
        self._hash.argtypes += [ctypes.POINTER(size)]
        for function in (self._rgb, self._grey, self._hash):
            function.restype = None

    def luma(self, pixels: Pixels) -> Pixels:
        """Float32 luma of grey or RGB pixels (rows x columns [x 3], uint8, C order)."""
        rows, cols = pixels.shape[:2]
        luma = np.empty((rows, cols), dtype=np.float32)
        if pixels.ndim == 2:
            self._grey(pixels.ctypes.data, rows, cols, cols, 1, luma.ctypes.data)
        else:
            base = pixels.ctypes.data
            self._rgb(base, base + 1, base + 2, rows, cols, 3 * cols, 3, luma.ctypes.data)
        return luma

    def hash(self, luma: Pixels) -> FrameHash:
        """``pdqHash256FromFloatLuma`` of a float32 luma image; it overwrites ``luma``."""
        rows, cols = luma.shape
        scratch = np.empty_like(luma)
        buffers = [np.empty(shape, dtype=np.float32) for shape in ((64, 64), (16, 64), (16, 16))]
        words = np.zeros(16, dtype=np.uint16)  # Hash256: uint16 w[16]
        quality = ctypes.c_int(0)
        full = (luma.ctypes.data, scratch.ctypes.data)
        small = (b.ctypes.data for b in buffers)
        self._hash(*full, rows, cols, *small, words.ctypes.data, ctypes.byref(quality))
        # Hash256::format() prints w[15] down to w[0], each as four hex digits.
        return FrameHash(words[::-1].astype(">u2").tobytes().hex(), quality.value)


def _load_reference() -> _Reference | None:
    try:
        return _Reference(ctypes.CDLL(pdqhash.bindings.__file__))
    except (OSError, AttributeError):  # another build of pdqhash, without these symbols
        return None


REFERENCE = _load_reference()
"""The reference's functions, or None (then :func:`hash_array` falls back on ``pdqhash.compute``,
whose luma may differ from the reference's in a last bit: see docs/similar.md)."""


def hash_array(pixels: Pixels) -> FrameHash:
    """PDQ of an RGB (height x width x 3) or grey (height x width) uint8 image, by the reference's
    own code (``pdqHash256FromFile`` after loading, for a picture of at most :data:`SIDE` a side).
    """
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] != 3):
        raise ValueError(f"PDQ hashes grey or RGB pixels, not an array of shape {pixels.shape}")
    if REFERENCE is not None:
        return REFERENCE.hash(REFERENCE.luma(pixels))
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    bits, quality = pdqhash.compute(pixels)
    return FrameHash(_hex(bits), int(quality))


def _hex(bits: Pixels) -> str:
    # pdqhash returns bit 255 first, which is how the reference writes its hex (most significant
    # nibble first), so packing in order gives the reference's hex string.
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def hash_image(path: Path) -> FrameHash:
    """PDQ of an image file as displayed (EXIF orientation applied), as Meta's reference hashes
    a file: a grey picture as grey, any other as RGB, squeezed as :data:`SIDE` says."""
    with Image.open(path) as opened:
        opened.load()
        ImageOps.exif_transpose(opened, in_place=True)
        image = opened if opened.mode in ("L", "RGB") else opened.convert("RGB")
        return hash_array(_squeezed(image))


def _squeezed(image: Image.Image) -> Pixels:
    """The picture squeezed to SIDE x SIDE if a side is longer, by CImg's nearest neighbour (the
    reference's ``resize(512, 512)``): output row ``i`` is input row ``floor(i * rows / SIDE)``,
    in double as CImg computes it, and likewise for columns."""
    cols, rows = image.size
    if rows <= SIDE and cols <= SIDE:
        return np.asarray(image)
    # Row by row: a 12-megapixel photo made one array costs a copy as long as its decoding, and
    # only SIDE of its rows are used.
    picked = [np.asarray(image.crop((0, row, cols, row + 1)))[0] for row in _nearest(rows)]
    return np.stack(picked)[:, _nearest(cols)]


def _nearest(size: int) -> list[int]:
    return [int(i * size / SIDE) for i in range(SIDE)]


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
