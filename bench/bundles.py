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

Each figure is reported as wall time and processor time (user + system, of this process and of
the processes it starts: the age child gavah runs, or the `age` command), with the load average
at the end: other work on the machine moves wall times, not processor times.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench._timing import Result, Say, run_timed
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
    seal_s: list[Lap] = []
    open_s: list[Lap] = []
    age_enc: list[Lap] = []
    age_dec: list[Lap] = []
    for run_no in range(sizes.bundle_runs):
        out = root / f"pieces-{run_no}"
        seal_s.append(_seal(media, recipient, out))
        open_s.append(_open(out, Key(identity=str(identity)), root / f"opened-{run_no}"))
        enc, dec = _age(age, media, recipient, key_file, root / f"age-{run_no}")
        age_enc.append(enc)
        age_dec.append(dec)
        shutil.rmtree(out)
        say(
            f"run {run_no + 1}: seal {seal_s[-1]} (age {enc}), open {open_s[-1]} (age {dec}); "
            f"load average {os.getloadavg()[0]:.1f}"
        )
    total = sum(p.stat().st_size for p in media)
    return [
        _result("seal", total, seal_s, age_enc, "age -r, each file"),
        _result("open", total, open_s, age_dec, "age -d, each file"),
    ]


@dataclass
class Lap:
    """Wall seconds, and processor seconds of this process and its children."""

    wall: float = 0.0
    cpu: float = 0.0

    def __str__(self) -> str:
        return f"{self.wall:.2f} s ({self.cpu:.2f} s processor)"


def _cpu() -> float:
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def _clock() -> Iterator[Lap]:
    lap = Lap()
    wall, cpu = time.perf_counter(), _cpu()
    try:
        yield lap
    finally:
        lap.wall, lap.cpu = time.perf_counter() - wall, _cpu() - cpu


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


def _seal(media: list[Path], recipient: str, out: Path) -> Lap:
    key = Ed25519PrivateKey.generate()
    with _clock() as lap:
        sealing.seal(media, sealing.Recipient(public_key=recipient), out, key=key)
    return lap


def _open(pieces: Path, key: Key, work: Path) -> Lap:
    with _clock() as lap:
        bundle = choose(gather(sorted(pieces.iterdir())), None)
        opened = open_to_folder(bundle, key, work)
    assert len(opened.files) == FILES
    remove(work)
    return lap


def _age(age: str, media: list[Path], recipient: str, key: Path, folder: Path) -> tuple[Lap, Lap]:
    folder.mkdir()
    enc, dec = Lap(), Lap()
    for path in media:
        sealed = folder / (path.name + ".age")
        with _clock() as lap:
            run_timed([age, "-r", recipient, "-o", str(sealed), str(path)])
        enc.wall, enc.cpu = enc.wall + lap.wall, enc.cpu + lap.cpu
        with _clock() as lap:
            run_timed([age, "-d", "-i", str(key), "-o", str(folder / path.name), str(sealed)])
        dec.wall, dec.cpu = dec.wall + lap.wall, dec.cpu + lap.cpu
    shutil.rmtree(folder)
    return enc, dec


def _result(what: str, total: int, ours: list[Lap], theirs: list[Lap], baseline: str) -> Result:
    mine = statistics.median(lap.wall for lap in ours)
    base = statistics.median(lap.wall for lap in theirs)
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
            "processor_s": round(statistics.median(lap.cpu for lap in ours), 3),
            "baseline_processor_s": round(statistics.median(lap.cpu for lap in theirs), 3),
            "load_average": round(os.getloadavg()[0], 2),
        },
    )
