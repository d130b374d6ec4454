"""Merkle tree hashing, proofs and proof verification exactly as RFC 6962 section 2.1 and
RFC 9162 section 2.1 specify.

Written by hand because no maintained Python library implements RFC 6962 proofs over a tree whose
nodes live in a database; the code follows the RFC text step by step so that an expert can check
it line by line.

A tree's nodes are addressed as ``(level, index)``: level 0 holds the leaf hashes, and node
``(level, i)`` is the root of the perfect subtree over leaves ``[i * 2**level, (i + 1) * 2**level)``.
Only such complete nodes are ever stored; everything else is derived with :func:`subtree_hash`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from gavah.errors import ProofError

HASH_SIZE = 32
NodeSource = Callable[[int, int], bytes]
"""Returns the stored hash of the complete node ``(level, index)``."""


def leaf_hash(entry: bytes) -> bytes:
    """RFC 6962 2.1: MTH({d(0)}) = SHA-256(0x00 || d(0))."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 2.1: SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))."""
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()
"""RFC 6962 2.1: the hash of an empty list is the hash of an empty string."""


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): RFC 6962's k."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_hash(start: int, end: int, node: NodeSource) -> bytes:
    """MTH(D[start:end]) for 0 <= start < end, from complete nodes only."""
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        return node(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(subtree_hash(start, start + k, node), subtree_hash(start + k, end, node))


def root_hash(size: int, node: NodeSource) -> bytes:
    """The tree head for the first ``size`` leaves."""
    return EMPTY_ROOT if size == 0 else subtree_hash(0, size, node)


def inclusion_path(index: int, size: int, node: NodeSource) -> list[bytes]:
    """RFC 6962 2.1.1 PATH(m, D[n]): the audit path for leaf ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    return _path(index, 0, size, node)


def _path(m: int, start: int, end: int, node: NodeSource) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return _path(m, start, start + k, node) + [subtree_hash(start + k, end, node)]
    return _path(m - k, start + k, end, node) + [subtree_hash(start, start + k, node)]


def consistency_path(old_size: int, new_size: int, node: NodeSource) -> list[bytes]:
    """RFC 6962 2.1.2 PROOF(m, D[n]): proves the tree of ``old_size`` is a prefix of ``new_size``."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    return _subproof(old_size, 0, new_size, True, node)


def _subproof(m: int, start: int, end: int, complete: bool, node: NodeSource) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if complete else [subtree_hash(start, end, node)]
    k = _split(n)
    if m <= k:
        return _subproof(m, start, start + k, complete, node) + [subtree_hash(start + k, end, node)]
    return _subproof(m - k, start + k, end, False, node) + [subtree_hash(start, start + k, node)]


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 2.1.3.2: check an inclusion proof. Raises :class:`ProofError` unless it holds.

    The leaf and root must be SHA-256 hashes: without that check an empty leaf and an empty root
    "verify" for a tree of one (transparency-dev/merkle, TestVerifyInclusionSingleEntry)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root hash")
    _check_hashes(path, "inclusion path")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("inclusion path is longer than the tree allows")
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion path is shorter than the tree requires (truncated proof?)")
    if r != root:
        raise ProofError("inclusion proof does not lead to the checkpoint's root hash")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> None:
    """RFC 9162 2.1.4.2: check a consistency proof. Raises :class:`ProofError` unless it holds."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"no consistency proof exists from size {old_size} to {new_size}")
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    _check_hashes(path, "consistency path")
    if old_size == new_size:
        if path:
            raise ProofError("a consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("equal tree sizes with different root hashes: the log has forked")
        return
    proof = list(path)
    if old_size & (old_size - 1) == 0:  # step 1: old tree is a complete subtree
        proof.insert(0, old_root)
    if not proof:
        raise ProofError("consistency path is empty")
    fn, sn = old_size - 1, new_size - 1
    while fn % 2 == 1:  # step 3
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:  # step 6
        if sn == 0:
            raise ProofError("consistency path is longer than the trees allow")
        if fn % 2 == 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency path is shorter than the trees require (truncated proof?)")
    if fr != old_root:
        raise ProofError("consistency proof does not reproduce the old root: the log has forked")
    if sr != new_root:
        raise ProofError("consistency proof does not reproduce the new root")


def _check_hashes(path: Sequence[bytes], what: str) -> None:
    for i, h in enumerate(path):
        _check_hash(h, f"{what} element {i}")


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, not a SHA-256 hash")


class MemoryTree:
    """All complete nodes of a tree, built bottom-up from leaf hashes (used by ``log verify``
    and tests; the database-backed log stores the same nodes)."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.levels: list[list[bytes]] = [list(leaves)]
        level = self.levels[0]
        while len(level) > 1:
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            self.levels.append(level)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def node(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self.size if size is None else size, self.node)
