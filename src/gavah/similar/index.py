"""Find every stored PDQ hash within a Hamming distance of a query: multi-index hashing.

Written here because no library on PyPI does exact radius search over 256-bit codes at this
scale for us: faiss-cpu (1.15, an 18 MB wheel) has binary indexes, but its multi-hash index is
built for k-nearest search and a radius search in it is exact only for hand-picked parameters,
while a brute-force scan (``IndexBinaryFlat``, or numpy below) reads every hash for every query:
some 20 lookups/s at 10^7 hashes. The method here is Norouzi, Punjani and Fleet, "Fast Exact
Search in Hamming Space with Multi-Index Hashing" (CVPR 2012), the one Meta's own ``pdq/cpp``
index uses (``mih.h``), vectorised with numpy:

- the 256 bits are cut into ``m`` chunks of ``b`` bits (``b`` about log2 of the number of
  hashes, so a bucket holds about one hash); by the pigeonhole principle, two hashes within
  distance ``t`` agree within ``t // m`` bits on at least one chunk;
- for each chunk, the rows are sorted by the chunk's value, with a table of where each value's
  rows start (a CSR layout), and the first two words of each row in that order, so a bucket's
  candidates are read from one place;
- a query probes, in each chunk, every value within ``t // m`` bits of its own, and each
  candidate found is checked on all 256 bits. The answer is exact, not approximate;
- where the pigeonhole leaves slack, some chunks are probed one bit less (the generalised
  pigeonhole of Qin, Xiao et al., "GPH", ICDE 2018): two hashes within ``t`` bits agree within
  ``r_i`` bits on some chunk ``i`` whenever the ``r_i + 1`` add up to more than ``t``.

Many queries are searched at once, vectorised across a batch, and batches are shared among
threads: numpy releases the GIL in its gathers, which is where the time goes (random reads).
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

THRESHOLD = 31
"""PDQ's published match threshold: 31 differing bits of 256 (ThreatExchange ``pdq/README.md``)."""
MIN_QUALITY = 50
"""PDQ's quality gate: below 50 a hash (a blank or flat frame) matches too much to mean anything."""

_U64 = np.uint64
_COUNT_BITS = 24
_COUNT_LIMIT = 1 << _COUNT_BITS
_HEAD = np.dtype((np.void, 16))  # a row's first two words as one item: one take copies both
Words = np.ndarray[Any, np.dtype[np.uint64]]
Rows = np.ndarray[Any, np.dtype[np.signedinteger[Any]]]


def words_from_hex(hexes: list[str]) -> Words:
    """Hashes as an (n, 4) array of uint64, most significant word first."""
    raw = np.frombuffer(b"".join(bytes.fromhex(h) for h in hexes), dtype=">u8")
    return raw.astype(_U64).reshape(-1, 4)


def words_from_bytes(raw: bytes) -> Words:
    return np.frombuffer(raw, dtype=">u8").astype(_U64).reshape(-1, 4)


def distances(words: Words, query: Words) -> np.ndarray[Any, Any]:
    """Hamming distance of each row of ``words`` to one query row (brute force)."""
    gaps: np.ndarray[Any, Any] = np.bitwise_count(words ^ query.reshape(1, 4)).sum(
        axis=1, dtype=np.int32
    )
    return gaps


@dataclass(frozen=True)
class _Chunk:
    word: int
    shift: int
    bits: int

    def values(self, words: Words) -> np.ndarray[Any, Any]:
        """This chunk of each row, as an integer (bits may straddle two words)."""
        low = words[:, self.word] >> _U64(self.shift)
        spill = self.shift + self.bits - 64
        if spill > 0:
            low |= words[:, self.word + 1] << _U64(64 - self.shift)
        return (low & _U64((1 << self.bits) - 1)).astype(np.int64)


def _chunks(bits: int) -> list[_Chunk]:
    count = 256 // bits
    return [_Chunk(i * bits // 64, i * bits % 64, bits) for i in range(count)]


def _bits_for(n: int, threshold: int) -> int:
    """Chunk width: about log2(n) + 2 bits, so most buckets probed are empty (one array read),
    but no wider than keeps the probe radius (``threshold // chunks``) where it is: at 31, 23
    bits make 11 chunks probed within 2 bits (277 probes each); 24 bits would make 10 chunks
    probed within 3 (2,325 each)."""
    widest = max(b for b in range(8, 33) if threshold // (256 // b) == threshold // 11)
    return min(widest, max(8, round(math.log2(max(n, 2))) + 2))


def _radii(chunks: int, threshold: int) -> list[int]:
    """Probe radius of each chunk: the fewest bits such that the radii plus one add up to more
    than the threshold (pigeonhole). At 31 with 11 chunks: ten within 2 bits, one within 1."""
    radii = [threshold // chunks] * chunks
    slack = sum(r + 1 for r in radii) - (threshold + 1)
    for i in range(slack):  # slack < chunks; a radius of -1 means the chunk is not probed
        radii[chunks - 1 - i] -= 1
    return radii


def _flips(bits: int, radius: int) -> np.ndarray[Any, Any]:
    """Every mask of at most ``radius`` set bits among ``bits``: the probes around a value
    (none for a radius of -1). In increasing order: masks that differ only in their low three
    bits then probe the same 64-byte line of a bucket table one after the other, so the second
    read finds it in cache (211 lines for 277 probes at 23 bits, measured 7-10% faster)."""
    masks = [0] if radius >= 0 else []
    for r in range(1, radius + 1):
        masks += [sum(1 << i for i in combo) for combo in itertools.combinations(range(bits), r)]
    return np.array(sorted(masks), dtype=np.int64)


class HashIndex:
    """An exact radius index over PDQ hashes (rows of an (n, 4) uint64 array)."""

    def __init__(self, words: Words, threshold: int = THRESHOLD, bits: int | None = None) -> None:
        words = np.ascontiguousarray(words, dtype=_U64)
        # Kept as four columns: the few candidates left after two words are checked a word at a
        # time (see _search), and rows() reads them.
        self.columns = [np.ascontiguousarray(words[:, i]) for i in range(4)]
        self.threshold = threshold
        n = len(words)
        bits = bits or _bits_for(n, threshold)
        self.chunks = _chunks(bits)
        self.flips = [_flips(bits, r) for r in _radii(len(self.chunks), threshold)]
        self.order: list[np.ndarray[Any, Any]] = []
        self.buckets: list[np.ndarray[Any, Any]] = []
        self.heads: list[np.ndarray[Any, Any]] = []
        row_type = np.int32 if n < 2**31 else np.int64
        heads = np.ascontiguousarray(words[:, :2]).view(_HEAD).ravel()
        for chunk in self.chunks:
            values = chunk.values(words)
            order: Rows = np.argsort(values).astype(row_type)  # within a bucket: any order
            self.order.append(order)
            # The first two words of each row, in this chunk's order: a bucket's candidates are
            # then read from one place, instead of three random reads each (order, two words).
            # The price is 16 bytes a hash per chunk (176 at 11 chunks); at 10^7 hashes the
            # candidate reads, not the probes, are most of a lookup's time.
            self.heads.append(heads.take(order))
            counts = np.bincount(values, minlength=1 << bits)
            starts = np.cumsum(counts) - counts
            # One int64 per value, start << 24 | count: a probe is one array read (two reads of
            # separate start and end arrays cost four times as much, measured). An empty bucket
            # is 0, so the empty ones (most of those probed) are dropped without arithmetic.
            if len(counts) and int(counts.max()) >= _COUNT_LIMIT:
                raise ValueError(f"over {_COUNT_LIMIT - 1:,} stored hashes share one chunk value")
            self.buckets.append(np.where(counts > 0, (starts << _COUNT_BITS) | counts, 0))

    def __len__(self) -> int:
        return len(self.columns[0])

    def rows(self, rows: Sequence[int]) -> Words:
        """Stored hashes by row, as an (n, 4) array."""
        return np.stack([column[list(rows)] for column in self.columns], axis=1)

    @property
    def nbytes(self) -> int:
        arrays = [*self.columns, *self.order, *self.buckets, *self.heads]
        return sum(a.nbytes for a in arrays)

    def search(
        self, queries: Words, batch: int = 1024, workers: int | None = None
    ) -> list[tuple[int, int, int]]:
        """Every (query row, stored row, distance) within the threshold, in query order.

        Queries are searched ``batch`` at a time, the batches shared among ``workers`` threads
        (default: one per core); the answer does not depend on either."""
        queries = np.ascontiguousarray(queries, dtype=_U64).reshape(-1, 4)
        firsts = range(0, len(queries), batch)
        workers = min(len(firsts), workers or os.cpu_count() or 1)
        if workers <= 1:
            parts = [self._search(queries[f : f + batch], f) for f in firsts]
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix="similar") as pool:
                parts = list(pool.map(lambda f: self._search(queries[f : f + batch], f), firsts))
        return [hit for part in parts for hit in part]

    def _search(self, queries: Words, offset: int) -> list[tuple[int, int, int]]:
        asked_by_word = [np.ascontiguousarray(queries[:, word]) for word in range(4)]
        found = [
            self._near_on_two_words(i, queries, asked_by_word)
            for i, flips in enumerate(self.flips)
            if len(flips)  # a radius of -1: the pigeonhole needs no probe in this chunk
        ]
        asked, rows = np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])
        gaps = np.concatenate([f[2] for f in found]).astype(np.uint16)
        # Random hashes are some 64 bits away after two words, so few candidates are left here.
        for word in (2, 3):
            gaps += np.bitwise_count(self.columns[word][rows] ^ asked_by_word[word][asked])
            near = gaps <= self.threshold
            asked, rows, gaps = asked[near], rows[near], gaps[near]
        # A hash found through several chunks is one hit; np.unique also sorts them.
        _, first = np.unique(asked.astype(np.int64) * len(self) + rows, return_index=True)
        asked, rows, gaps = asked[first] + offset, rows[first], gaps[first]
        return list(zip(asked.tolist(), rows.tolist(), gaps.tolist(), strict=True))

    def _near_on_two_words(
        self, chunk: int, queries: Words, asked_by_word: list[Words]
    ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """(query index, stored row, distance on the first two words) of every hash in a bucket
        probed in one chunk and within the threshold on those two words."""
        flips = self.flips[chunk]
        probes = (self.chunks[chunk].values(queries)[:, None] ^ flips[None, :]).ravel()
        found = self.buckets[chunk][probes]
        filled = np.flatnonzero(found)  # most buckets probed are empty
        found = found[filled]
        begin, lengths = found >> _COUNT_BITS, found & (_COUNT_LIMIT - 1)
        # Positions begin..begin+length-1 of every bucket, flattened without a Python loop.
        total = int(lengths.sum())
        positions = np.repeat(begin - (np.cumsum(lengths) - lengths), lengths)
        positions += np.arange(total, dtype=positions.dtype)
        asked = np.repeat(filled // len(flips), lengths)
        heads = self.heads[chunk].take(positions).view(_U64).reshape(-1, 2)
        gaps = np.bitwise_count(heads[:, 0] ^ asked_by_word[0][asked])
        gaps += np.bitwise_count(heads[:, 1] ^ asked_by_word[1][asked])
        near = np.flatnonzero(gaps <= self.threshold)
        return asked[near], self.order[chunk][positions[near]], gaps[near]


def brute_force(
    words: Words, queries: Words, threshold: int = THRESHOLD
) -> list[tuple[int, int, int]]:
    """The same answer as :meth:`HashIndex.search` by scanning every row: the baseline."""
    found = []
    for q, query in enumerate(np.ascontiguousarray(queries, dtype=_U64).reshape(-1, 4)):
        gaps = distances(words, query)
        for row in np.flatnonzero(gaps <= threshold):
            found.append((q, int(row), int(gaps[row])))
    return found
