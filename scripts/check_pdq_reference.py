"""Compare gavah's ``hash_image`` with Meta's reference ``pdqHash256FromFile`` on many generated
pictures (issue 19): random crops of scikit-image's sample photos up to 512 px, the same blurred,
crops of up to 1500 px of the photos tiled 3x3 (which both squeeze to 512x512), and those blurred.
Each is written as a PNG for gavah and as a PPM/PGM for the reference (built as
scripts/make_pdq_reference.py builds it). Prints every difference and a count per kind:

    PYTHONPATH=src:. python scripts/check_pdq_reference.py /tmp/pdqsd/pdqhash-0.2.8/ThreatExchange

With ``--files``, the reference is built with CImg's libjpeg and libpng readers (needs
libjpeg-dev and libpng-dev) and reads the very file gavah reads, saved as a JPEG (quality 50-95)
or PNG: this checks the decoding too.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import skimage.data
from PIL import Image
from scipy.ndimage import gaussian_filter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_pdq_reference  # noqa: E402
from make_pdq_reference import Pixels, build, reference  # noqa: E402

from gavah.similar.hashing import distance, hash_image  # noqa: E402

PHOTOS = ("chelsea", "coffee", "rocket", "astronaut", "camera", "coins", "grass", "moon", "brick")


class Pictures:
    """Random pictures from a fixed seed, so a run can be repeated."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.photos = [np.asarray(getattr(skimage.data, n)(), dtype=np.uint8) for n in PHOTOS]

    def crop(self, large: bool) -> Pixels:
        photo = self.photos[self.rng.integers(len(self.photos))]
        if large:
            photo = np.tile(photo, (3, 3) + (1,) * (photo.ndim - 2))
        rows, cols = photo.shape[:2]
        most = 1500 if large else 512
        high = int(self.rng.integers(5, min(rows, most) + 1))
        wide = int(self.rng.integers(5, min(cols, most) + 1))
        top = int(self.rng.integers(0, rows - high + 1))
        left = int(self.rng.integers(0, cols - wide + 1))
        step = 1 if large else int(self.rng.integers(1, 4))
        return photo[top : top + high : step, left : left + wide : step]

    def blurred(self, pixels: Pixels) -> Pixels:
        sigma = float(self.rng.uniform(0.3, 2.0))
        sigmas = (sigma, sigma) + (0.0,) * (pixels.ndim - 2)
        return np.clip(gaussian_filter(pixels.astype(np.float64), sigmas), 0, 255).astype(np.uint8)

    def kinds(self) -> dict[str, Callable[[], Pixels]]:
        return {
            "crops": lambda: self.crop(False),
            "blurred crops": lambda: self.blurred(self.crop(False)),
            "large crops": lambda: self.crop(True),
            "blurred large crops": lambda: self.blurred(self.crop(True)),
        }


def build_reading_files(threatexchange: Path, into: Path) -> Path:
    """The driver, its CImg reading JPEG and PNG through libjpeg and libpng."""
    binary = into / "pdq_file_hasher"
    sources = [str(threatexchange / s) for s in make_pdq_reference.SOURCES]
    includes = ["-I", str(threatexchange), "-I", str(threatexchange / "pdq" / "cpp")]
    flags = ["-O2", "-std=c++11", "-Dcimg_display=0", "-Dcimg_use_jpeg", "-Dcimg_use_png"]
    command = ["g++", *flags, *includes, "-o", str(binary), str(make_pdq_reference.DRIVER)]
    subprocess.run([*command, *sources, "-ljpeg", "-lpng", "-lz", "-lpthread"], check=True)
    return binary


def file_reference(binary: Path, path: Path) -> dict[str, Any]:
    out = subprocess.run([binary, path], check=True, capture_output=True, text=True).stdout
    hash_hex, quality = out.strip().split(",")
    return {"hash": hash_hex, "quality": int(quality)}


def save(pixels: Pixels, scratch: Path, rng: np.random.Generator, files: bool) -> Path:
    if files and rng.integers(2):
        path = scratch / "picture.jpg"
        Image.fromarray(pixels).save(path, quality=int(rng.integers(50, 96)))
        return path
    path = scratch / "picture.png"
    Image.fromarray(pixels).save(path, compress_level=1)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("threatexchange", type=Path, help="the pdqhash sdist's ThreatExchange/")
    parser.add_argument("--each", type=int, default=400, help="pictures of each kind")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--files", action="store_true", help="the reference reads JPEG/PNG")
    args = parser.parse_args()
    pictures = Pictures(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        binary = (build_reading_files if args.files else build)(args.threatexchange, scratch)
        for kind, make in pictures.kinds().items():
            differ = squeezed = 0
            for _ in range(args.each):
                pixels = np.ascontiguousarray(make())
                squeezed += max(pixels.shape[:2]) > 512
                path = save(pixels, scratch, pictures.rng, args.files)
                ours = hash_image(path)
                if args.files:
                    theirs = file_reference(binary, path)
                else:
                    theirs = reference(binary, pixels, scratch)
                if (ours.hash, ours.quality) != (theirs["hash"], theirs["quality"]):
                    differ += 1
                    bits = distance(ours.hash, theirs["hash"])
                    print(f"{kind} {pixels.shape}: {bits} bits, quality {ours.quality}")
            print(f"{kind}: {args.each} pictures ({squeezed} squeezed), {differ} differ")


if __name__ == "__main__":
    main()
