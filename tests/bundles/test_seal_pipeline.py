"""Sealing a large bundle (docs/bundles.md §7): age's output is laid into pieces on one thread
and hashed on another, through a ring of reused buffers. Small buffers here make the ring go
round many times, with blocks that straddle pieces. All files are synthetic (random bytes)."""

from __future__ import annotations

import hashlib
import io
import os
import random
import threading
from pathlib import Path

import pyrage
import pytest

from gavah.bundles import seal as fmt
from gavah.bundles.open import Damaged, Key, check_piece, choose, gather, open_to_folder
from gavah.errors import IntegrityError
from synthetic_files import random_files

PIECE = fmt.MIN_PIECE


_files = random_files


@pytest.fixture
def apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """The large-bundle path for small files, with 10,000-byte blocks (not a divisor of a
    piece's body) in a ring of 2."""
    monkeypatch.setattr(fmt, "PARALLEL_FROM", 0)
    monkeypatch.setattr(fmt, "BLOCK", 10_000)
    monkeypatch.setattr(fmt, "RING", 2)


@pytest.mark.usefixtures("apart")
def test_pieces_hashed_on_their_own_thread_are_sound_and_open(tmp_path: Path) -> None:
    files = _files(tmp_path / "f", [400_000, 1, 130_000])
    identity = pyrage.x25519.Identity.generate()
    recipient = fmt.Recipient(public_key=str(identity.to_public()))
    sealed = fmt.seal(files, recipient, tmp_path / "out", piece_size=PIECE)
    assert len(sealed.pieces) > 4 * fmt.RING  # the ring went round
    assert not [p for p in sealed.pieces if isinstance(check_piece(p), Damaged)]
    bundle = choose(gather(sealed.pieces), None)
    opened = open_to_folder(bundle, Key(identity=str(identity)), tmp_path / "opened")
    assert [staged.read_bytes() for _, staged in opened.files] == [f.read_bytes() for f in files]


@pytest.mark.usefixtures("apart")
def test_a_failure_while_hashing_pieces_stops_the_seal_and_leaves_no_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hashing thread's error reaches the caller; the writing thread is not left waiting
    for buffers, age's child is stopped, and no piece is left behind."""
    files = _files(tmp_path / "f", [300_000])
    recipient = fmt.Recipient(public_key=str(pyrage.x25519.Identity.generate().to_public()))
    real = fmt._BodyHashes.update
    calls = []

    def fail_third(self: fmt._BodyHashes, data: memoryview) -> None:
        calls.append(threading.current_thread().name)
        if len(calls) == 3:
            raise MemoryError("synthetic")
        real(self, data)

    monkeypatch.setattr(fmt._BodyHashes, "update", fail_third)
    with pytest.raises(MemoryError, match="synthetic"):
        fmt.seal(files, recipient, tmp_path / "out", piece_size=PIECE)
    assert set(calls) == {"bundle-hash"}
    assert not list((tmp_path / "out").iterdir())


def test_body_hashes_are_those_of_the_padded_bodies() -> None:
    """§4.2: each body's SHA-256 over its bytes and, for the last, the zeros after them; a
    stream given in pieces of any size; pieces left empty by the stream are all zeros."""
    rng = random.Random(5)
    body, count = 1000, 5
    for length in (1, 999, 1000, 1001, 3500, 4000):
        stream = rng.randbytes(length)
        hashes = fmt._BodyHashes(count, body)
        source = io.BytesIO(stream)
        while chunk := source.read(rng.randint(1, 2500)):
            hashes.update(chunk)
        padded = stream + bytes(count * body - length)
        expected = [
            hashlib.sha256(padded[i * body : (i + 1) * body]).digest() for i in range(count)
        ]
        assert hashes.finish() == expected, length


@pytest.mark.parametrize("kernel_moves", [True, False], ids=["splice", "read-and-write"])
@pytest.mark.usefixtures("apart")
def test_a_large_bundle_opens_with_its_pieces_moved_into_age(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_moves: bool
) -> None:
    """Opening gives age the pieces' bodies by os.splice where there is one (Linux), by
    reading and writing elsewhere: the same archive comes out either way."""
    if not kernel_moves:
        monkeypatch.delattr(os, "splice", raising=False)
    files = _files(tmp_path / "f", [300_000, 70_000])
    identity = pyrage.x25519.Identity.generate()
    recipient = fmt.Recipient(public_key=str(identity.to_public()))
    sealed = fmt.seal(files, recipient, tmp_path / "out", piece_size=PIECE)
    bundle = choose(gather(sealed.pieces), None)
    opened = open_to_folder(bundle, Key(identity=str(identity)), tmp_path / "opened")
    assert [staged.read_bytes() for _, staged in opened.files] == [f.read_bytes() for f in files]


@pytest.mark.usefixtures("apart")
def test_a_piece_cut_short_after_its_check_is_refused_when_opened(tmp_path: Path) -> None:
    """A piece that loses bytes between its check and the decryption: said plainly (the
    caller removes the work folder, as for any refusal)."""
    files = _files(tmp_path / "f", [300_000])
    identity = pyrage.x25519.Identity.generate()
    recipient = fmt.Recipient(public_key=str(identity.to_public()))
    sealed = fmt.seal(files, recipient, tmp_path / "out", piece_size=PIECE)
    bundle = choose(gather(sealed.pieces), None)
    second = sealed.pieces[1]
    second.write_bytes(second.read_bytes()[: fmt.HEADER + 100])
    with pytest.raises(IntegrityError, match="changed while it was read"):
        open_to_folder(bundle, Key(identity=str(identity)), tmp_path / "opened")
