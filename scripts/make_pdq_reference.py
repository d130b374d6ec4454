"""Write tests/fixtures/pdq/: small test pictures and the PDQ hash and quality that Meta's
reference C++ code gives each, so tests/similar/test_pdq_reference.py can check that gavah's
``hash_image`` gives the very same (issue 19).

The reference: ThreatExchange's ``pdq/cpp``, as vendored in the ``pdqhash`` source archive
(the version in requirements.lock, 0.2.8), unpacked anywhere:

    pip download --no-deps --no-binary :all: pdqhash==0.2.8 -d /tmp/pdqsd
    tar -xzf /tmp/pdqsd/pdqhash-0.2.8.tar.gz -C /tmp/pdqsd

This script compiles scripts/pdq_reference/pdq_ppm_hasher.cpp against it with g++ (a small
driver that reads a PPM/PGM and calls the reference's own functions as its CLI does; see its
comment for why) and runs it on each picture, as displayed:

    PYTHONPATH=src:. python scripts/make_pdq_reference.py /tmp/pdqsd/pdqhash-0.2.8/ThreatExchange

It writes each picture as a PNG, ``reference.json`` ({file: {hash, quality}}) and README.md.
The pictures are crops of scikit-image's bundled sample photographs (CC0 or public domain, see
:data:`PHOTOS`) and numpy-drawn ones, made the same way each time; all but four are at most 512
pixels a side, and those four the reference (and gavah) squeeze to 512x512 by nearest neighbour.
The reference hashes the pixels this script holds (a grey one as grey, as the reference CLI
loads a grey PNG), not the PNG it reads back, so the ones marked with an EXIF orientation are
hashed by the reference upright.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import skimage.data
from PIL import Image
from scipy.ndimage import gaussian_filter

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "pdq"
DRIVER = ROOT / "scripts" / "pdq_reference" / "pdq_ppm_hasher.cpp"
SOURCES = (
    "pdq/cpp/common/pdqhashtypes.cpp",
    "pdq/cpp/downscaling/downscaling.cpp",
    "pdq/cpp/hashing/pdqhashing.cpp",
    "pdq/cpp/hashing/torben.cpp",
    "pdq/cpp/io/pdqio.cpp",
)
PHOTOS = {
    "chelsea": "Chelsea the cat, CC0 by the photographer (Stefan van der Walt)",
    "coffee": "Coffee cup, CC0 by the photographer (Rachel Michetti)",
    "rocket": "Launch of DSCOVR on Falcon 9, SpaceX, released into the public domain",
    "coins": "Greek coins from Pompeii, Brooklyn Museum, no known copyright restrictions",
    "grass": "Grass, CC0 (DeviantArt, linolafett), scikit-image's greyscale crop",
    "camera": "Man with a camera, CC0 by the photographer (Lav Varshney)",
}
ORIENTATION = 0x0112
Pixels = np.ndarray[Any, Any]


def _photo(name: str) -> Pixels:
    return np.asarray(getattr(skimage.data, name)(), dtype=np.uint8)


def _coffee() -> Pixels:
    return _photo("coffee")


def _softened_cat() -> Pixels:
    # A quality-100 picture on which pdqhash's luma differs from the reference's (2 bits): found
    # by trying crops and blurs of the sample photos against the reference.
    small = _photo("chelsea")[::4, ::4].astype(np.float64)
    softened = np.clip(gaussian_filter(small, (0.5, 0.5, 0)), 0, 255).astype(np.uint8)
    return np.asarray(softened[7:, 7:])


def _gradient_shapes() -> Pixels:
    rows, cols = np.mgrid[0:96, 0:128]
    red = cols * 2
    green = rows * 2 + 40
    blue = np.where((rows - 40) ** 2 + (cols - 80) ** 2 < 500, 230, 30)
    picture = np.stack([red, green, blue], axis=-1)
    picture[10:30, 10:50] = (250, 250, 20)
    return picture.astype(np.uint8)


def _channels() -> Pixels:
    # Red rises left to right and blue top to bottom: a swap of R and B turns the picture.
    rows, cols = np.mgrid[0:64, 0:64]
    return np.stack([cols * 4, np.full_like(rows, 60), rows * 4], axis=-1).astype(np.uint8)


def _camera_and_grass() -> Pixels:
    # Grey and wider than 512: the reference squeezes it to 512x512 before hashing.
    return np.concatenate([_photo("camera"), _photo("grass")[:, :200]], axis=1)


def _flat() -> Pixels:
    return np.full((48, 64, 3), 128, dtype=np.uint8)


PICTURES: dict[str, tuple[str, Callable[[], Pixels]]] = {
    "chelsea-151x100.png": ("chelsea, every 3rd pixel", lambda: _photo("chelsea")[::3, ::3]),
    "coffee-150x100.png": ("coffee, every 4th pixel", lambda: _photo("coffee")[::4, ::4]),
    "rocket-100x143-portrait.png": (
        "rocket, every 3rd pixel, 100 columns",
        lambda: _photo("rocket")[::3, 60:360:3],
    ),
    "chelsea-40x30-tiny.png": (
        "chelsea, 30x40 crop of the face",
        lambda: _photo("chelsea")[90:120, 200:240],
    ),
    "chelsea-106x68-soft.png": (
        "chelsea, every 4th pixel, Gaussian blur 0.5 px, 7 cut off top and left",
        _softened_cat,
    ),
    "coins-192x152-grey.png": ("coins (grey), every 2nd pixel", lambda: _photo("coins")[::2, ::2]),
    "grass-512x64-grey.png": (
        "grass (grey), 64 rows, full width",
        lambda: _photo("grass")[200:264],
    ),
    "gradient-128x96.png": ("numpy: gradients, a disc and a bar", _gradient_shapes),
    "channels-64x64.png": ("numpy: red left to right, blue top to bottom", _channels),
    "flat-64x48.png": ("numpy: one grey (quality 0)", _flat),
    "coffee-100x150-exif6.png": (
        "coffee as above, stored turned a quarter left with EXIF orientation 6 (turn right)",
        lambda: _photo("coffee")[::4, ::4],
    ),
    "coffee-600x400-large.png": ("coffee, whole (squeezed to 512x512 to hash)", _coffee),
    "rocket-427x640-tall.png": (
        "rocket, whole, turned a quarter left (squeezed to 512x512 to hash)",
        lambda: np.rot90(_photo("rocket")),
    ),
    "camera-712x512-grey.png": (
        "camera (grey) with 200 columns of grass beside it (squeezed to 512x512 to hash)",
        _camera_and_grass,
    ),
    "coffee-400x600-exif6-large.png": (
        "coffee, whole, stored turned with EXIF orientation 6 (turned upright, then squeezed)",
        _coffee,
    ),
}
EXIF_TURNED = {"coffee-100x150-exif6.png": 6, "coffee-400x600-exif6-large.png": 6}


def build(threatexchange: Path, into: Path) -> Path:
    """The driver, compiled against the reference sources under ``threatexchange``."""
    binary = into / "pdq_ppm_hasher"
    sources = [str(threatexchange / s) for s in SOURCES]
    # pdqio.cpp includes "CImg.h" from pdq/cpp; no display, and CImg reads Netpbm by itself.
    includes = ["-I", str(threatexchange), "-I", str(threatexchange / "pdq" / "cpp")]
    command = ["g++", "-O2", "-std=c++11", "-Dcimg_display=0", *includes, "-o", str(binary)]
    subprocess.run([*command, str(DRIVER), *sources, "-lpthread"], check=True)
    return binary


def reference(binary: Path, pixels: Pixels, scratch: Path) -> dict[str, Any]:
    """The reference's hash and quality of these pixels (grey as P5, RGB as P6)."""
    pixels = np.ascontiguousarray(pixels)
    magic, suffix = ("P5", "pgm") if pixels.ndim == 2 else ("P6", "ppm")
    rows, cols = pixels.shape[:2]
    netpbm = scratch / f"picture.{suffix}"  # CImg picks its reader by the file's suffix
    netpbm.write_bytes(f"{magic}\n{cols} {rows}\n255\n".encode() + pixels.tobytes())
    out = subprocess.run([binary, netpbm], check=True, capture_output=True, text=True).stdout
    hash_hex, quality = out.strip().split(",")
    return {"hash": hash_hex, "quality": int(quality)}


def save(name: str, pixels: Pixels) -> None:
    orientation = EXIF_TURNED.get(name)
    if orientation is None:
        Image.fromarray(pixels).save(OUT / name, optimize=True)
        return
    # Orientation 6: the stored picture is shown turned a quarter right, so store it turned left.
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(pixels)))
    exif = stored.getexif()
    exif[ORIENTATION] = orientation
    stored.save(OUT / name, optimize=True, exif=exif)


def write_readme() -> None:
    lines = [
        "# PDQ reference fixtures",
        "",
        "Made by `scripts/make_pdq_reference.py` (see its docstring to make them again); checked by",
        "`tests/similar/test_pdq_reference.py`. `reference.json` holds the hash and quality that",
        "Meta's reference C++ PDQ code (ThreatExchange `pdq/cpp`, as vendored in pdqhash 0.2.8)",
        "gives each picture as displayed.",
        "",
        "| file | what |",
        "|---|---|",
        *(f"| {name} | {what} |" for name, (what, _) in PICTURES.items()),
        "",
        "Sources: crops of scikit-image's bundled sample data (`skimage.data`):",
        "",
        *(f"- {name}: {credit}." for name, credit in PHOTOS.items()),
        "",
        "The others are drawn with numpy by the script.",
        "",
    ]
    (OUT / "README.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("threatexchange", type=Path, help="the pdqhash sdist's ThreatExchange/")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    hashes = {}
    with tempfile.TemporaryDirectory() as scratch:
        binary = build(args.threatexchange, Path(scratch))
        for name, (_, make) in PICTURES.items():
            pixels = make()
            save(name, pixels)
            hashes[name] = reference(binary, pixels, Path(scratch))
    text = json.dumps(hashes, indent=2, sort_keys=True) + "\n"
    (OUT / "reference.json").write_text(text, encoding="utf-8")
    write_readme()


if __name__ == "__main__":
    main()
