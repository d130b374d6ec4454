"""Target 13: sealed bundles (issue 17): sealing and opening 1 GiB of media, side by side with
Debian's `age` encrypting and decrypting the same bytes in the same run (target: ratio <= 1.3).

The media are synthetic: random bytes (what compressed video and photos look like to a cipher)
in four files. Timed, each the median of ``runs``:

- seal: :func:`gavah.bundles.seal.seal` of the four files into 2 MB pieces, signed (tar, SHA-256
  of every file, manifest, Ed25519, age, pieces and their Merkle proofs); the baseline is `age -r`
  encrypting each of the four files;
- open: every piece checked alone, the payload decrypted and the archive unpacked and checked
  against its manifest and signature (:func:`gavah.bundles.open.open_to_folder`; ingest into a
  vault is `gavah ingest`'s cost, benchmarked in target 1); the baseline is `age -d` of each file.
"""

from __future__ import annotations

import random
import shutil
import statistics
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench._timing import Result, Say, run_timed, stopwatch
from bench.sizes import Sizes
from gavah.bundles import seal as sealing
from gavah.bundles.open import Key, choose, gather, open_to_folder, remove

TARGET_RATIO = 1.3
FILES = 4


def run(tmp: Path, sizes: Sizes, say: Say) -> list[Result]:
    age = shutil.which("age")
    if age is None:
        say("13. skipped: Debian's age is not installed (apt-get install age)")
        return []
    root = tmp / "bundles-bench"
    media = _media(root / "media", sizes.bundle_bytes)
    identity = pyrage.x25519.Identity.generate()
    key_file = root / "key.age"
    key_file.write_text(f"{identity}\n")
    recipient = str(identity.to_public())
    seal_s, open_s, age_enc, age_dec = [], [], [], []
    for run_no in range(sizes.bundle_runs):
        out = root / f"pieces-{run_no}"
        seal_s.append(_seal(media, recipient, out))
        open_s.append(_open(out, Key(identity=str(identity)), root / f"opened-{run_no}"))
        enc, dec = _age(age, media, recipient, key_file, root / f"age-{run_no}")
        age_enc.append(enc)
        age_dec.append(dec)
        shutil.rmtree(out)
        say(
            f"run {run_no + 1}: seal {seal_s[-1]:.2f} s (age {enc:.2f} s), "
            f"open {open_s[-1]:.2f} s (age {dec:.2f} s)"
        )
    total = sum(p.stat().st_size for p in media)
    return [
        _result("seal", total, seal_s, age_enc, "age -r, each file"),
        _result("open", total, open_s, age_dec, "age -d, each file"),
    ]


def _media(folder: Path, total: int) -> list[Path]:
    folder.mkdir(parents=True)
    rng = random.Random(17)
    paths = []
    for i in range(FILES):
        path = folder / f"synthetic-media-{i}.mp4"
        with path.open("wb") as f:
            left = total // FILES
            while left:
                block = rng.randbytes(min(left, 1 << 24))
                f.write(block)
                left -= len(block)
        paths.append(path)
    return paths


def _seal(media: list[Path], recipient: str, out: Path) -> float:
    key = Ed25519PrivateKey.generate()
    with stopwatch() as lap:
        sealing.seal(media, sealing.Recipient(public_key=recipient), out, key=key)
    return lap.seconds


def _open(pieces: Path, key: Key, work: Path) -> float:
    with stopwatch() as lap:
        bundle = choose(gather(sorted(pieces.iterdir())), None)
        opened = open_to_folder(bundle, key, work)
    assert len(opened.files) == FILES
    remove(work)
    return lap.seconds


def _age(
    age: str, media: list[Path], recipient: str, key: Path, folder: Path
) -> tuple[float, float]:
    folder.mkdir()
    enc = dec = 0.0
    for path in media:
        sealed = folder / (path.name + ".age")
        enc += run_timed([age, "-r", recipient, "-o", str(sealed), str(path)])[0]
        dec += run_timed([age, "-d", "-i", str(key), "-o", str(folder / path.name), str(sealed)])[0]
    shutil.rmtree(folder)
    return enc, dec


def _result(what: str, total: int, ours: list[float], theirs: list[float], baseline: str) -> Result:
    mine, base = statistics.median(ours), statistics.median(theirs)
    ratio = mine / base
    return Result(
        bench=f"13. bundles {what}",
        what=f"{what} {total / (1 << 20):,.0f} MiB of media (median of {len(ours)})",
        value=round(mine, 3),
        unit="s",
        baseline=baseline,
        baseline_value=round(base, 3),
        target=f"ratio <= {TARGET_RATIO}",
        met=ratio <= TARGET_RATIO,
        notes={
            "MiB_per_s": round(total / (1 << 20) / mine, 1),
            "baseline_MiB_per_s": round(total / (1 << 20) / base, 1),
        },
    )
