"""C2SP signed notes and checkpoints: known answers and fail-closed parsing."""

from __future__ import annotations

import base64

import pytest

from gavah.custody.note import (
    Checkpoint,
    Signer,
    Verifier,
    generate_private_key,
    open_note,
)
from gavah.errors import ProofError

# Test vector from the signed-note reference implementation (golang.org/x/mod/sumdb/note).
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_NOTE = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_reference_signed_note_verifies() -> None:
    verifier = Verifier.from_text(GO_VKEY)
    assert verifier.to_text() == GO_VKEY
    assert open_note(GO_NOTE, verifier).startswith("If you think cryptography")


def test_reference_note_altered_by_one_character_fails() -> None:
    with pytest.raises(ProofError, match="altered"):
        open_note(GO_NOTE.replace("problem,", "problem;"), Verifier.from_text(GO_VKEY))


@pytest.fixture
def signer() -> Signer:
    return Signer("gavah/test-log", generate_private_key())


def test_checkpoint_round_trip(signer: Signer) -> None:
    note = signer.sign(Checkpoint("gavah/test-log", 42, b"\x07" * 32).to_text())
    assert note.splitlines()[:3] == [
        "gavah/test-log",
        "42",
        base64.b64encode(b"\x07" * 32).decode(),
    ]
    parsed = Checkpoint.from_note(
        note, Verifier.from_text(signer.verifier.to_text()), "gavah/test-log"
    )
    assert parsed == Checkpoint("gavah/test-log", 42, b"\x07" * 32)


def test_checkpoint_fails_closed(signer: Signer) -> None:
    note = signer.sign(Checkpoint("gavah/test-log", 42, b"\x07" * 32).to_text())
    other = Signer("gavah/test-log", generate_private_key()).verifier
    with pytest.raises(ProofError, match="no signature by key|altered"):
        Checkpoint.from_note(note, other)
    with pytest.raises(ProofError, match="altered"):
        Checkpoint.from_note(note.replace("\n42\n", "\n43\n"), signer.verifier)
    with pytest.raises(ProofError, match="not 'gavah/other'"):
        Checkpoint.from_note(note, signer.verifier, origin="gavah/other")
    with pytest.raises(ProofError, match="blank line"):
        Checkpoint.from_note(note.split("\n\n")[0], signer.verifier)
    with pytest.raises(ProofError, match="truncated|base64"):
        Checkpoint.from_note(note[: note.rindex(" ") + 4] + "\n", signer.verifier)


@pytest.mark.parametrize(
    "key, message",
    [
        ("nameonly", "NAME\\+KEYID\\+BASE64"),
        ("a b+00000000+AQ==", "space"),
        ("x+00000000+Ag" + "A" * 42, "algorithm"),
        ("x+00000000+!!!", "base64"),
        ("x+deadbeef+" + base64.b64encode(b"\x01" + b"\0" * 32).decode(), "key id"),
    ],
)
def test_bad_verifier_keys_are_refused(key: str, message: str) -> None:
    with pytest.raises(ProofError, match=message):
        Verifier.from_text(key)


def test_signer_never_shows_its_private_key(signer: Signer) -> None:
    assert "hidden" in repr(signer)
