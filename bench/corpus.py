"""A synthetic folder of mixed files, the shape of a field team's upload: a few large binaries
(stand-ins for video), many small files, real JPEG/PNG photos made with Pillow, and text notes.

Content is pseudo-random from a fixed seed, so runs are comparable. Nothing in it is real.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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


def _text(path: Path, rng: random.Random) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    words = rng.choices(_WORDS, k=rng.randint(1_500, 30_000))
    lines = (" ".join(words[i : i + 12]) for i in range(0, len(words), 12))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
