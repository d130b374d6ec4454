"""16. Near-duplicate lookups: PDQ hashes within 31 bits, by multi-index hashing (gavah.similar)
beside a brute-force numpy scan of the same stored hashes, in the same run.

The stored hashes are random 256-bit codes (real PDQ hashes are close to balanced bits too); the
queries are stored hashes with 0 to 31 bits flipped, so each has at least one answer, and the
answers of the scanned queries must be the same both ways. The lookups are one batched search,
shared among one thread per core. Figures are lookups per second of wall time and of processor
time (the machine is shared; with threads, processor time adds up both cores), with the index's
memory and the process's peak resident size."""

from __future__ import annotations

import os
import resource
import time
from typing import Any

import numpy as np

from bench._timing import Result, Say
from bench.sizes import Sizes
from gavah.similar.index import THRESHOLD, HashIndex, brute_force

TARGET = 4_000  # lookups/s at 10^7 stored hashes (issue 19)


def _queries(words: np.ndarray[Any, Any], count: int, rng: np.random.Generator) -> Any:
    queries = words[rng.integers(0, len(words), count)].copy()
    flips = rng.integers(0, THRESHOLD + 1, count)
    for row, bits in enumerate(flips):
        for bit in rng.choice(256, size=bits, replace=False):
            queries[row, bit // 64] ^= np.uint64(1) << np.uint64(bit % 64)
    return queries


def _timed(work: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _one_size(stored: int, sizes: Sizes, say: Say) -> Result:
    rng = np.random.default_rng(stored)
    words = rng.integers(0, 2**64, size=(stored, 4), dtype=np.uint64)
    queries = _queries(words, sizes.similar_queries, rng)
    say(f"16. similar: building the index over {stored:,} hashes")
    index, build_wall, _ = _timed(lambda: HashIndex(words))
    say(f"16. similar: {len(queries):,} lookups")
    found, wall, cpu = _timed(lambda: index.search(queries))
    scanned = queries[: sizes.similar_scans]
    say(f"16. similar: brute-force scan for {len(scanned)} of them")
    truth, scan_wall, scan_cpu = _timed(lambda: brute_force(words, scanned))
    same = [hit for hit in found if hit[0] < len(scanned)] == sorted(truth)
    answered = len({hit[0] for hit in found})
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = len(queries) / wall
    return Result(
        "16 similar",
        f"PDQ lookups within {THRESHOLD} bits, {stored:,} stored hashes",
        round(rate),
        "lookups/s",
        "brute-force numpy scan",
        round(len(scanned) / scan_wall, 1),
        target=f">= {TARGET:,}/s at 10^7" if stored >= 10_000_000 else None,
        met=(rate >= TARGET) if stored >= 10_000_000 else None,
        notes={
            "lookups/s of processor time": round(len(queries) / cpu),
            "baseline lookups/s of processor time": round(len(scanned) / scan_cpu, 1),
            "same answers as the scan": same,
            "queries answered": f"{answered:,} of {len(queries):,}",
            "index build s": round(build_wall, 1),
            "index MiB": round(index.nbytes / 2**20),
            "hashes alone MiB": round(words.nbytes / 2**20),
            "peak resident MiB (process)": round(peak_mib),
            "chunks x bits": f"{len(index.chunks)} x {index.chunks[0].bits}",
            "threads": os.cpu_count() or 1,
            "load average (1 min) at the end": round(os.getloadavg()[0], 1),
        },
    )


def run(sizes: Sizes, say: Say) -> list[Result]:
    return [_one_size(stored, sizes, say) for stored in sizes.similar_hashes]
