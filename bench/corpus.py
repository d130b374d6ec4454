"""A synthetic folder of mixed files, the shape of a field team's upload: a few large binaries,
many small files, real JPEG/PNG photos made with Pillow, real H.264 videos made with PyAV (so
intake decodes and perceptually hashes them, as it would a phone's video), and text notes.

Content is pseudo-random from a fixed seed, so runs are comparable. Nothing in it is real.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image

from bench.sizes import Sizes

_PIECE = 1 << 20
_WORDS = [
    "witness",
    "report",
    "checkpoint",
    "shelling",
    "market",
    "convoy",
    "statement",
    "village",
    "night",
    "morning",
    "hospital",
    "school",
    "bridge",
    "road",
    "testimony",
    "photograph",
]


@dataclass(frozen=True)
class Corpus:
    root: Path
    files: tuple[Path, ...]

    @property
    def total_bytes(self) -> int:
        return _total(self.files)


def build_corpus(root: Path, sizes: Sizes, seed: int = 6962) -> Corpus:
    """Write the folder; large files are added until it holds at least ``corpus_min_bytes``."""
    rng = random.Random(seed)
    files = [
        *(
            _random_file(
                root / "small" / f"s{i:04d}.bin", rng.randint(10 << 10, sizes.small_max), rng
            )
            for i in range(sizes.small_files)
        ),
        *(make_photo(root / "photos" / f"p{i:03d}", i, rng) for i in range(sizes.images)),
        *(_text(root / "notes" / f"n{i:03d}.txt", rng) for i in range(sizes.texts)),
        *(
            make_video(root / "videos" / f"v{i:02d}.mp4", sizes.video_seconds, rng)
            for i in range(sizes.videos)
        ),
    ]
    large = 0
    while large < sizes.large_files or _total(files) < sizes.corpus_min_bytes:
        size = rng.randint(sizes.large_min, sizes.large_max)
        files.append(_random_file(root / "large" / f"l{large:03d}.bin", size, rng))
        large += 1
    return Corpus(root, tuple(sorted(files)))


def _total(files: Iterable[Path]) -> int:
    return sum(f.stat().st_size for f in files)


def _random_file(path: Path, size: int, rng: random.Random) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        for start in range(0, size, _PIECE):
            f.write(rng.randbytes(min(_PIECE, size - start)))
    return path


def make_photo(stem: Path, i: int, rng: random.Random) -> Path:
    """A noisy gradient picture; JPEGs carry camera EXIF so the metadata readers do real work."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    width, height = rng.choice([(1600, 1200), (1200, 900), (800, 600)])
    image = Image.merge(
        "RGB",
        [
            Image.effect_noise((width, height), 40).convert("L"),
            Image.linear_gradient("L").resize((width, height)),
            Image.radial_gradient("L").resize((width, height)),
        ],
    )
    if i % 3 == 2:
        path = stem.with_suffix(".png")
        image.save(path, "PNG")
        return path
    path = stem.with_suffix(".jpg")
    exif = Image.Exif()
    exif[0x010F] = "SyntheticCam"  # Make
    exif[0x0110] = "Bench 1"  # Model
    exif[0x0132] = f"2024:03:{1 + i % 28:02d} 10:00:00"  # DateTime
    image.save(path, "JPEG", quality=90, exif=exif)
    return path


VIDEO_SIZE = (1280, 720)
VIDEO_FPS = 25
VIDEO_BIT_RATE = 6_000_000  # about what a phone records at 720p


def make_video(path: Path, seconds: int, rng: random.Random) -> Path:
    """An H.264 MP4 with a key frame a second (as phones record) and a new scene each second: a
    blurred random picture with grain, panning, so every frame is new work for the encoder and
    intake hashes one key frame a second. libx264's fastest preset keeps the build short."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(rng.randrange(1 << 32))
    width, height = VIDEO_SIZE
    pan = 4  # pixels a frame
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=VIDEO_FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = VIDEO_BIT_RATE
        stream.codec_context.gop_size = VIDEO_FPS
        stream.options = {"preset": "ultrafast"}
        for second in range(seconds):
            coarse = pixels.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8)
            wide = (width + pan * VIDEO_FPS, height)
            scene = np.asarray(Image.fromarray(coarse).resize(wide, Image.Resampling.BILINEAR))
            scene = scene // 2 + pixels.integers(0, 24, scene.shape, dtype=np.uint8)
            for i in range(VIDEO_FPS):
                shot = np.ascontiguousarray(scene[:, i * pan : i * pan + width])
                frame = av.VideoFrame.from_ndarray(shot, format="rgb24")
                frame.pts = second * VIDEO_FPS + i
                out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def _text(path: Path, rng: random.Random) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    words = rng.choices(_WORDS, k=rng.randint(1_500, 30_000))
    lines = (" ".join(words[i : i + 12]) for i in range(0, len(words), 12))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
