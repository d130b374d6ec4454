"""Files of random bytes for tests that seal, split or store them (nothing real in them)."""

from __future__ import annotations

import random
from pathlib import Path


def random_files(folder: Path, sizes: list[int], seed: int = 17) -> list[Path]:
    """``synthetic-N.bin`` in ``folder``, one per size, from a fixed seed."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, size in enumerate(sizes):
        path = folder / f"synthetic-{i}.bin"
        path.write_bytes(rng.randbytes(size))
        paths.append(path)
    return paths
