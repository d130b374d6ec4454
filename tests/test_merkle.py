"""RFC 6962 / 9162 Merkle tree: hashes, proofs and fail-closed verification."""

import hashlib
import itertools

import pytest

from gavah.custody import merkle
from gavah.custody.merkle import MemoryTree
from gavah.errors import ProofError


def reference_mth(entries: list[bytes]) -> bytes:
    """RFC 6962 2.1 MTH, transcribed literally over the entries themselves."""
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(
        b"\x01" + reference_mth(entries[:k]) + reference_mth(entries[k:])
    ).digest()


def entries(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


def tree(n: int) -> MemoryTree:
    return MemoryTree([merkle.leaf_hash(e) for e in entries(n)])


def test_known_answer_rfc6962_test_vectors() -> None:
    # Roots from the certificate-transparency-go test vectors for the leaves
    # "", 00, 10, 2021, 3031, 40414243, 5051525354555657, 606162636465666768696a6b6c6d6e6f
    leaves = [
        bytes.fromhex(h)
        for h in [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
    ]
    t = MemoryTree([merkle.leaf_hash(x) for x in leaves])
    assert t.root(1).hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert t.root(8).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert t.root(3).hex() == "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33])
def test_root_matches_literal_rfc_definition(n: int) -> None:
    assert tree(n).root() == reference_mth(entries(n))


def test_inclusion_proofs_verify_for_every_leaf_and_size() -> None:
    t = tree(21)
    for size in range(1, 22):
        root = t.root(size)
        for i in range(size):
            path = merkle.inclusion_path(i, size, t.node)
            merkle.verify_inclusion(t.node(0, i), i, size, path, root)


def test_consistency_proofs_verify_for_every_pair() -> None:
    t = tree(19)
    for old, new in itertools.combinations_with_replacement(range(1, 20), 2):
        path = merkle.consistency_path(old, new, t.node)
        merkle.verify_consistency(old, new, t.root(old), t.root(new), path)


def test_tampered_inclusion_proof_fails_closed() -> None:
    t = tree(13)
    path = merkle.inclusion_path(5, 13, t.node)
    root = t.root()
    with pytest.raises(ProofError, match="root"):
        merkle.verify_inclusion(merkle.leaf_hash(b"forged"), 5, 13, path, root)
    with pytest.raises(ProofError, match="shorter"):
        merkle.verify_inclusion(t.node(0, 5), 5, 13, path[:-1], root)
    with pytest.raises(ProofError, match="longer"):
        merkle.verify_inclusion(t.node(0, 5), 5, 13, path + [path[0]], root)
    with pytest.raises(ProofError, match="bytes"):
        merkle.verify_inclusion(t.node(0, 5), 5, 13, [path[0][:5]] + path[1:], root)
    with pytest.raises(ProofError, match="outside"):
        merkle.verify_inclusion(t.node(0, 5), 13, 13, path, root)


def test_forked_log_fails_consistency() -> None:
    honest = tree(10)
    forked = MemoryTree(honest.levels[0][:6] + [merkle.leaf_hash(b"rewritten")] * 4)
    path = merkle.consistency_path(7, 10, forked.node)
    with pytest.raises(ProofError):
        merkle.verify_consistency(7, 10, honest.root(7), forked.root(10), path)
    good = merkle.consistency_path(4, 10, honest.node)
    with pytest.raises(ProofError, match="shorter"):
        merkle.verify_consistency(4, 10, honest.root(4), honest.root(10), good[:-1])
    with pytest.raises(ProofError, match="forked"):
        merkle.verify_consistency(8, 8, honest.root(8), forked.root(8), [])
