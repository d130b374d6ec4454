"""Issue 13, findings 8 and 9: ``gavah verify-proof`` and the checkpoint and Merkle code read no
more than C2SP and RFC 9162 allow, and every malformed proof ends in exit 5, "not verified",
with the reason; never a traceback.

Proofs here are made by hand with a fresh key, as a stranger holding only the public key sees
them: no workspace is needed."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from gavah.custody import merkle
from gavah.custody.bundle import make_bundle, proof_record
from gavah.custody.entry import EventKind, encode_entry
from gavah.custody.note import Checkpoint, Signer, Verifier, generate_private_key
from gavah.errors import ProofError
from gavah_cli import gavah

ORIGIN = "gavah/security-test"
ROOT = base64.b64encode(b"\x07" * 32).decode()


@pytest.fixture(scope="module")
def signer() -> Signer:
    return Signer(ORIGIN, generate_private_key())


def bundle(signer: Signer, *, size: str = "1", entry_text: str | None = None) -> dict[str, Any]:
    """A proof of one ingest event in a log of one entry, its checkpoint signed by ``signer``.
    ``size`` is written as the checkpoint's tree size line, whatever it is."""
    sha256 = hashlib.sha256(b"synthetic evidence\n").hexdigest()
    entry = encode_entry(
        {"kind": EventKind.INGEST, "evidence": {"id": "ev-1", "sha256": sha256}, "actor": "a"}
    )
    root = base64.b64encode(merkle.leaf_hash(entry)).decode()
    note = signer.sign(f"{ORIGIN}\n{size}\n{root}\n")
    made = make_bundle(
        origin=ORIGIN,
        checkpoint_note=note,
        tree_size=1,
        evidence={"id": "ev-1", "sha256": sha256, "size": 19},
        proofs=[proof_record(0, entry, [])],
    )
    if entry_text is not None:
        made["proof"]["entry"] = entry_text
    return made


def verify(tmp_path: Path, signer: Signer, data: dict[str, Any] | str) -> tuple[int, str]:
    path = tmp_path / "bundle.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAVAH_")}  # no workspace
    run = gavah(env, "verify-proof", str(path), "--key", signer.verifier.to_text())
    assert "failed unexpectedly" not in run.stderr, run.stderr
    return run.returncode, run.stdout + run.stderr


def test_a_well_formed_bundle_verifies(tmp_path: Path, signer: Signer) -> None:
    code, said = verify(tmp_path, signer, bundle(signer))
    assert code == 0 and "VERIFIED" in said


def test_a_lone_surrogate_in_the_checkpoint_is_not_verified(tmp_path: Path, signer: Signer) -> None:
    data = bundle(signer)
    data["checkpoint"] = data["checkpoint"].replace(ORIGIN, ORIGIN + "\ud800", 1)
    data["log_origin"] = ORIGIN + "\ud800"
    code, said = verify(tmp_path, signer, data)  # json.dumps writes it as the escape \ud800
    assert code == 5 and "lone surrogate" in said


def test_a_key_longer_than_any_file_name_is_not_verified(tmp_path: Path, signer: Signer) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(signer)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAVAH_")}
    run = gavah(env, "verify-proof", str(path), "--key", "A" * 5_000)  # ENAMETOOLONG as a path
    assert run.returncode == 5 and "NAME+KEYID+BASE64" in run.stderr, run.stderr


def test_a_lone_surrogate_in_the_entry_is_not_verified(tmp_path: Path, signer: Signer) -> None:
    good = bundle(signer)["proof"]["entry"]
    code, said = verify(tmp_path, signer, bundle(signer, entry_text=good[:-1] + '"\ud800"}'))
    assert code == 5 and "entry 0 is not valid UTF-8" in said


@pytest.mark.parametrize(
    ("size", "why"),
    [
        ("\u06f1", "read as 1 by int()"),  # Extended Arabic-Indic digit one
        ("\u00b9", "isdigit() but int() raises ValueError"),  # superscript one
        ("01", "leading zero"),
        ("+1", "sign"),
    ],
)
def test_a_tree_size_that_is_not_ascii_decimal_is_not_verified(
    tmp_path: Path, signer: Signer, size: str, why: str
) -> None:
    code, said = verify(tmp_path, signer, bundle(signer, size=size))
    assert code == 5 and "is not a decimal number from 0 to 2**64-1" in said, why


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"tree_size": ' + "1" * 5_000 + "}"],
    ids=["deep", "long-integer"],
)
def test_a_bundle_json_that_python_cannot_hold_is_not_verified(
    tmp_path: Path, signer: Signer, text: str
) -> None:
    code, said = verify(tmp_path, signer, text)
    assert code == 5 and "bundle.json" in said


# --- C2SP tlog-checkpoint, "Note text" -------------------------------------------------------
@pytest.mark.parametrize(("size", "parsed"), [("0", 0), ("42", 42), (str(2**64 - 1), 2**64 - 1)])
def test_tree_sizes_the_spec_allows(size: str, parsed: int) -> None:
    assert Checkpoint.from_text(f"{ORIGIN}\n{size}\n{ROOT}\n").size == parsed


@pytest.mark.parametrize(
    "size",
    [str(2**64), "9" * 21, "\u06f1\u06f2\u06f3", "\u00b2", "\uff11", "1_000", " 1", "1 ", "", "-1",
     "00", "0x10", "1" * 5_000],
)  # fmt: skip
def test_tree_sizes_the_spec_forbids(size: str) -> None:
    with pytest.raises(ProofError, match="tree size"):
        Checkpoint.from_text(f"{ORIGIN}\n{size}\n{ROOT}\n")


def test_extension_lines_must_not_be_empty() -> None:
    assert Checkpoint.from_text(f"{ORIGIN}\n1\n{ROOT}\nextension\n").size == 1
    with pytest.raises(ProofError, match="empty extension line"):
        Checkpoint.from_text(f"{ORIGIN}\n1\n{ROOT}\n\n")
    with pytest.raises(ProofError, match="empty extension line"):
        Checkpoint.from_text(f"{ORIGIN}\n1\n{ROOT}\nextension\n\nmore\n")


def test_the_root_hash_has_one_spelling() -> None:
    loose = ROOT[:-2] + "x="  # decodes to 32 bytes with trailing bits set: not canonical
    assert len(base64.b64decode(loose)) == 32
    with pytest.raises(ProofError, match="canonical base64"):
        Checkpoint.from_text(f"{ORIGIN}\n1\n{loose}\n")


def test_a_signed_note_with_a_control_character_in_a_signature_line_is_refused(
    signer: Signer,
) -> None:
    note = signer.sign(f"{ORIGIN}\n1\n{ROOT}\n").replace(" ", "\t", 1)
    with pytest.raises(ProofError, match="control character"):
        Checkpoint.from_note(note, signer.verifier)


def test_a_verifier_key_holding_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(ProofError, match="lone surrogate"):
        Verifier.from_text("name\udcff+00000000+" + base64.b64encode(b"\x01" + b"\0" * 32).decode())


# --- RFC 9162 2.1.3.2: the leaf and the root are hashes -----------------------------------------
# transparency-dev/merkle, proof/verify_test.go, TestVerifyInclusionSingleEntry and
# TestVerifyInclusion: an empty leaf or root never verifies, whatever the sizes.
HASH = merkle.leaf_hash(b"data")
EMPTY = b""
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


@pytest.mark.parametrize(
    ("root", "leaf", "ok"),
    [(HASH, HASH, True), (HASH, EMPTY, False), (EMPTY, HASH, False), (EMPTY, EMPTY, False)],
    ids=["hash-hash", "hash-empty", "empty-hash", "empty-empty"],
)
def test_inclusion_single_entry_vectors(root: bytes, leaf: bytes, ok: bool) -> None:
    if ok:
        merkle.verify_inclusion(leaf, 0, 1, [], root)
    else:
        with pytest.raises(ProofError, match="not a SHA-256 hash"):
            merkle.verify_inclusion(leaf, 0, 1, [], root)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_inclusion_probe_vectors(index: int, size: int) -> None:
    for leaf, root in [
        (SOME_HASH, EMPTY),
        (EMPTY, merkle.EMPTY_ROOT),
        (SOME_HASH, merkle.EMPTY_ROOT),
    ]:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(leaf, index, size, [], root)


def test_consistency_roots_must_be_hashes() -> None:
    with pytest.raises(ProofError, match="old root hash is 0 bytes"):
        merkle.verify_consistency(1, 1, EMPTY, EMPTY, [])
    with pytest.raises(ProofError, match="new root hash is 0 bytes"):
        merkle.verify_consistency(1, 1, HASH, EMPTY, [])
