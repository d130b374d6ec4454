"""Multi-index hashing is exact: the same answer as scanning every hash, at the threshold's edge."""

from __future__ import annotations

import numpy as np
import pytest

from gavah.similar.index import HashIndex, brute_force


def _flip(words: np.ndarray, bits: int, rng: np.random.Generator) -> np.ndarray:
    out = words.copy()
    for b in rng.choice(256, size=bits, replace=False):
        out[b // 64] ^= np.uint64(1) << np.uint64(b % 64)
    return out


@pytest.mark.parametrize("stored", [1, 300, 20_000])
def test_same_answer_as_brute_force(stored: int) -> None:
    rng = np.random.default_rng(stored)
    words = rng.integers(0, 2**64, size=(stored, 4), dtype=np.uint64)
    planted = [
        _flip(words[i % stored], bits, rng) for i, bits in enumerate([0, 1, 15, 30, 31, 32, 33, 60])
    ]
    queries = np.vstack([np.stack(planted), rng.integers(0, 2**64, size=(20, 4), dtype=np.uint64)])
    index = HashIndex(words)
    found = index.search(queries, batch=7)
    assert found == sorted(brute_force(words, queries))
    near = {(q, d) for q, _, d in found if q < 8}
    assert {(0, 0), (1, 1), (2, 15), (3, 30), (4, 31)} <= near
    assert not {q for q, _, _ in found} & {5, 6, 7}  # 32 bits and more: no match


def test_radius_probes_are_enough_for_other_thresholds() -> None:
    rng = np.random.default_rng(5)
    words = rng.integers(0, 2**64, size=(5_000, 4), dtype=np.uint64)
    queries = np.stack([_flip(words[i], 10 + i, rng) for i in range(12)])
    for threshold in (10, 16, 21):
        found = HashIndex(words, threshold=threshold).search(queries)
        assert found == sorted(brute_force(words, queries, threshold))


def test_batches_and_threads_give_the_answers_of_single_lookups() -> None:
    rng = np.random.default_rng(19)
    words = rng.integers(0, 2**64, size=(3_000, 4), dtype=np.uint64)
    flipped = rng.integers(0, 40, 150)
    near = [_flip(words[i], int(bits), rng) for i, bits in enumerate(flipped)]
    queries = np.vstack([np.stack(near), words[:50], rng.integers(0, 2**64, (50, 4), np.uint64)])
    index = HashIndex(words)
    one_by_one = [
        (q, row, gap) for q in range(len(queries)) for _, row, gap in index.search(queries[q])
    ]
    batched = index.search(queries, batch=17, workers=3)
    assert batched == one_by_one == sorted(brute_force(words, queries))
    assert index.search(queries, workers=1) == batched  # one batch, no thread
    planted = {q for q, bits in enumerate(flipped) if bits <= 31} | set(range(150, 200))
    assert planted <= {q for q, _, _ in batched}
