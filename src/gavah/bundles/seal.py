"""Sealing an evidence bundle, on the field side: files in, equal-size pieces out.

This module is the whole of what a field laptop runs, so it is kept small enough to audit in one
sitting and imports nothing from the rest of gavah: the Python standard library, ``pyrage`` (the
age format, https://age-encryption.org/v1) and ``cryptography`` (Ed25519). docs/bundles.md is the
specification; the section numbers below (§) are that document's.

What is sealed (§3): a tar archive (POSIX ustar) of the files, then ``manifest.json`` (names,
sizes, SHA-256, the capture metadata the person chose to include) and, when a field key is given,
``manifest.sig`` (Ed25519 over the manifest), padded with zeros, then encrypted with age to the
organisation's X25519 recipient or to a passphrase (scrypt). Everything but the piece count is
inside the encryption.

How it travels (§4): the age ciphertext is cut into pieces of one size, the last padded with
zeros. Each piece carries an RFC 6962 inclusion proof of itself in a Merkle tree over all the
pieces, whose root is the bundle's id, so a receiver checks any piece alone, knows which are
missing, and refuses a corrupted or forged one before anything is decrypted.

Why the piece framing is written by hand: age is one stream with one authentication tag per 64 KiB
chunk, checkable only in order from the start and only with the key; it has no notion of pieces
arriving out of order over different channels. No standard container gives pieces that are each
checkable without the key and name the ones missing (tar, zip and PAR2 do not; split archives
need every part in order). The framing below is the only format of our own, and it is 64 bytes of
fixed fields and a proof; the cryptography is age's and RFC 6962's.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import multiprocessing
import os
import secrets
import tarfile
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO

import pyrage
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FORMAT = "gavah-bundle/1"
MAGIC = b"gavahpc1"  # §4.1: the first 8 bytes of every piece
FIXED = 64  # magic, id, index, count, body size, payload length, proof length, 3 zero bytes
PROOF_SLOTS = 24  # up to 2**24 pieces: proofs are never longer, so every piece is one size
HEADER = FIXED + 32 * PROOF_SLOTS  # 832 bytes before each piece's body
MIN_PIECE = 64 * 1024
DEFAULT_PIECE = 2 * 1000 * 1000  # "2MB": what messengers pass without complaint
AGE_CHUNK = 64 * 1024  # age's STREAM chunk: each adds a 16-byte tag
AGE_HEADER_ROOM = 1024  # room kept for age's header (one recipient and grease: ~200-400 bytes)
SIGNATURE_CONTEXT = b"gavah-bundle/1 manifest\n"  # §3.3: signed bytes = this + manifest.json
MEMBER_MODE = 0o600


class SealError(Exception):
    """Something the person sealing must put right; ``hint`` says what."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


# --- recipients and field keys -----------------------------------------------------------------
@dataclass(frozen=True)
class Recipient:
    """Who can open the bundle: an age X25519 public key (``age1...``) or a passphrase."""

    public_key: str | None = None
    passphrase: str | None = None

    def encrypt_io(self, reader: BinaryIO, writer: BinaryIO) -> None:
        if self.passphrase is not None:
            # pyrage has no streaming passphrase API; the field side seals what a laptop holds.
            writer.write(pyrage.passphrase.encrypt(reader.read(), self.passphrase))
            return
        pyrage.encrypt_io(reader, writer, [self.x25519()])

    def x25519(self) -> Any:
        """The public key parsed; a clear error if it is none."""
        try:
            return pyrage.x25519.Recipient.from_str(str(self.public_key))
        except pyrage.RecipientError:
            raise SealError(
                f"{self.public_key!r} is not an age public key",
                "ask the organisation for its recipient (it starts with age1)",
            ) from None


def load_field_key(path: Path) -> Ed25519PrivateKey:
    """An Ed25519 private key in PEM (PKCS#8), as `gavah bundle keygen --field` writes it."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise SealError(f"{path}: cannot read: {exc.strerror}") from None
    except ValueError:
        raise SealError(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SealError(
            f"{path} is not an Ed25519 key", "make one with `gavah bundle keygen --field`"
        )
    return key


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The field key's public half as the manifest names it: 64 hex digits (raw 32 bytes)."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


# --- hashing beside the encryption ---------------------------------------------------------------
PARALLEL_FROM = 32 << 20  # bytes; below this a second process costs more than it saves


def sha256_of(path: Path, offset: int, length: int) -> bytes:
    """SHA-256 of ``length`` bytes of a file from ``offset`` (run in the hashing process)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        f.seek(offset)
        while length and (block := f.read(min(length, 1 << 20))):
            digest.update(block)
            length -= len(block)
    if length:
        raise SealError(f"{path} became shorter while it was being sealed", "seal it again")
    return digest.digest()


class Hasher:
    """Hashes files on another core while age encrypts on this one: pyrage holds the
    interpreter lock for the whole encryption, so a thread would not run beside it; a process
    does. A plain process and a pipe, not a pool: a pool's helper threads would take the lock
    from this thread at every request. Requests are answered in order, by ticket. Small
    bundles are hashed here, in line."""

    def __init__(self, parallel: bool) -> None:
        self.answers: list[bytes | str] = []
        self.asked = 0
        self.conn: Connection | None = None
        if parallel and "fork" in multiprocessing.get_all_start_methods():
            # fork: the child needs nothing but hashlib, and starts at once (spawn would import
            # the caller's main module again, a CLI or a test runner).
            context = multiprocessing.get_context("fork")
            self.conn, child = context.Pipe()
            self.worker = context.Process(target=_hash_requests, args=(child,), daemon=True)
            self.worker.start()
            child.close()

    def submit(self, path: Path, offset: int, length: int) -> int:
        """A ticket for the SHA-256 of ``length`` bytes of ``path`` from ``offset``."""
        if self.conn is None:
            self.answers.append(_answer(path, offset, length))
        else:
            while self.conn.poll():  # keep the answers' pipe from filling up
                self.answers.append(self.conn.recv())
            self.conn.send((path, offset, length))
        self.asked += 1
        return self.asked - 1

    def result(self, ticket: int) -> bytes:
        while len(self.answers) <= ticket:
            assert self.conn is not None  # in line, every answer is there already
            self.answers.append(self.conn.recv())
        answer = self.answers[ticket]
        if isinstance(answer, str):
            raise SealError(answer, "seal it again")
        return answer

    def close(self) -> None:
        if self.conn is not None:
            with suppress(OSError):
                self.conn.send(None)
            self.conn.close()
            self.worker.join(timeout=10)
            if self.worker.is_alive():
                self.worker.terminate()


def _answer(path: Path, offset: int, length: int) -> bytes | str:
    try:
        return sha256_of(path, offset, length)
    except SealError as exc:
        return exc.message
    except OSError as exc:
        return f"{path}: cannot read: {exc.strerror}"


def _hash_requests(conn: Connection) -> None:
    """The hashing process: answers requests until it is sent None."""
    while (request := conn.recv()) is not None:
        conn.send(_answer(*request))
    conn.close()


# --- the sealed archive (§3) -------------------------------------------------------------------
@dataclass(frozen=True)
class FileEntry:
    path: Path
    name: str
    size: int
    captured_at: str | None


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entries(paths: Sequence[Path], *, with_times: bool) -> list[FileEntry]:
    """The files to seal; the claimed capture time is the file's modification time, if wanted."""
    found = []
    for path in paths:
        try:
            st = path.stat()
        except OSError as exc:
            raise SealError(f"{path}: cannot read: {exc.strerror}") from None
        if not path.is_file():
            raise SealError(f"{path} is not a file", "give files, not folders")
        found.append(
            FileEntry(path, path.name, st.st_size, _iso(st.st_mtime) if with_times else None)
        )
    if not found:
        raise SealError("no files to seal")
    return found


def member(index: int) -> str:
    """A file's name inside the archive: never the person's name for it (that is data)."""
    return f"files/{index:06d}"


def _tar_header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, MEMBER_MODE, 0
    return info.tobuf(format=tarfile.USTAR_FORMAT, encoding="ascii", errors="strict")


def _blocks(size: int) -> int:
    return 512 + -(-size // 512) * 512


def archive_size(files: Sequence[FileEntry], manifest_room: int) -> int:
    """Bytes of the archive before padding: files, manifest (at most ``manifest_room``), the
    signature, and tar's two closing zero blocks."""
    return sum(_blocks(f.size) for f in files) + _blocks(manifest_room) + _blocks(64) + 1024


def _archive(
    files: Sequence[FileEntry],
    meta: dict[str, Any],
    key: Ed25519PrivateKey | None,
    padded: int,
    hasher: Hasher,
) -> Iterator[bytes]:
    """The archive's bytes in order, ``padded`` long: files first, hashed while they are read,
    so the manifest that names their SHA-256 can follow them in one pass."""
    hashed = []
    for i, f in enumerate(files, 1):
        yield _tar_header(member(i), f.size)
        with f.path.open("rb") as src:
            before = os.fstat(src.fileno())
            hashed.append(hasher.submit(f.path, 0, f.size))
            left = f.size
            while left and (block := src.read(min(left, 1 << 20))):
                left -= len(block)
                yield block
            # What was hashed and what was encrypted are one if the file did not change: any
            # write moves ctime, which user space cannot set back.
            if left or src.read(1) or _identity(os.stat(f.path)) != _identity(before):
                raise SealError(f"{f.path} changed while it was being sealed", "seal it again")
        yield bytes(-f.size % 512)
    listed = [
        _listing(i, f, hasher.result(d).hex())
        for i, (f, d) in enumerate(zip(files, hashed, strict=True), 1)
    ]
    manifest = manifest_bytes(meta, listed, key)
    yield _tar_header("manifest.json", len(manifest)) + manifest + bytes(-len(manifest) % 512)
    written = sum(_blocks(f.size) for f in files) + _blocks(len(manifest))
    if key is not None:
        signature = key.sign(SIGNATURE_CONTEXT + manifest)
        yield _tar_header("manifest.sig", 64) + signature + bytes(512 - 64)
        written += 1024
    yield bytes(padded - written)  # tar's closing blocks, then zeros: tar readers stop there


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _listing(index: int, f: FileEntry, sha256: str) -> dict[str, Any]:
    item: dict[str, Any] = {"member": member(index), "name": f.name, "size": f.size}
    item["sha256"] = sha256
    if f.captured_at is not None:
        item["captured_at"] = f.captured_at
    return item


def manifest_bytes(
    meta: dict[str, Any], files: list[dict[str, Any]], key: Ed25519PrivateKey | None
) -> bytes:
    """§3.2: UTF-8 JSON, keys sorted, no spaces."""
    body = {"format": FORMAT, **meta, "files": files}
    body["signer"] = public_key_text(key) if key is not None else None
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class _Stream(io.RawIOBase):
    """A byte generator as a file that age reads from."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks, self.rest = chunks, memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.rest:
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.rest = memoryview(chunk)
        n = min(len(buffer), len(self.rest))
        buffer[:n] = self.rest[:n]
        self.rest = self.rest[n:]  # a view: no copy of what is left
        return n


# --- pieces (§4) -------------------------------------------------------------------------------
def leaf_data(index: int, count: int, body_size: int, length: int, body_sha256: bytes) -> bytes:
    """§4.2: what a piece's Merkle leaf commits to: its place, the bundle's shape, its body."""
    return MAGIC + _fields(index, count, body_size, length) + body_sha256


def _fields(index: int, count: int, body_size: int, length: int) -> bytes:
    return (
        index.to_bytes(4, "big")
        + count.to_bytes(4, "big")
        + body_size.to_bytes(4, "big")
        + length.to_bytes(8, "big")
    )


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleTree:
    """RFC 6962 §2.1 Merkle Tree Hash over leaf hashes. Subtree hashes are kept, so all the
    proofs of a bundle cost n hashes, not n for each."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = list(leaves)
        self._kept: dict[tuple[int, int], bytes] = {}

    def root(self, lo: int = 0, hi: int | None = None) -> bytes:
        hi = len(self.leaves) if hi is None else hi
        if hi - lo == 1:
            return self.leaves[lo]
        if (lo, hi) not in self._kept:
            k = lo + _split(hi - lo)
            self._kept[lo, hi] = node_hash(self.root(lo, k), self.root(k, hi))
        return self._kept[lo, hi]

    def proof(self, index: int) -> list[bytes]:
        """RFC 6962 §2.1.1 audit path of leaf ``index``, deepest sibling first."""
        path: list[bytes] = []
        lo, hi = 0, len(self.leaves)
        while hi - lo > 1:
            k = lo + _split(hi - lo)
            if index < k:
                path.append(self.root(k, hi))
                hi = k
            else:
                path.append(self.root(lo, k))
                lo = k
        return path[::-1]


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << (n - 1).bit_length() - 1


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    return MerkleTree(leaves).root()


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    return MerkleTree(leaves).proof(index)


def piece_header(
    bundle_id: bytes, index: int, count: int, body_size: int, length: int, proof: list[bytes]
) -> bytes:
    """§4.1: 64 fixed bytes, then 24 proof slots of 32 bytes, the unused ones zero."""
    fixed = MAGIC + bundle_id + _fields(index, count, body_size, length)
    fixed += bytes([len(proof)]) + bytes(3)
    return fixed + b"".join(proof) + bytes(32 * (PROOF_SLOTS - len(proof)))


def piece_name(bundle_id: bytes, index: int, count: int) -> str:
    width = len(str(count))
    return f"gavah-{bundle_id.hex()[:16]}-{index + 1:0{width}d}-of-{count}.piece"


class _PieceWriter(io.RawIOBase):
    """Receives the age ciphertext and lays it into piece files after room for their headers,
    hashing each body as it goes (the headers, which need every body's hash, come last)."""

    def __init__(self, folder: Path, count: int, body_size: int, hasher: Hasher) -> None:
        self.folder, self.count, self.body_size = folder, count, body_size
        self.hasher = hasher
        self.token = secrets.token_hex(8)
        self.files: list[Path] = []
        self.tickets: list[int] = []
        self.length = 0
        self._open_next()

    def _open_next(self) -> None:
        path = self.folder / f".sealing-{self.token}-{len(self.files)}"
        self.files.append(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self.current = os.fdopen(fd, "wb")
        self.current.seek(HEADER)
        self.filled = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        while view:
            if self.filled == self.body_size:
                self._close_current()
                if len(self.files) == self.count:
                    raise SealError("the sealed bundle came out longer than planned (a bug)")
                self._open_next()
            part = view[: self.body_size - self.filled]
            self.current.write(part)
            self.filled += len(part)
            self.length += len(part)
            view = view[len(part) :]
        return len(data)

    def _close_current(self) -> None:
        self.current.write(bytes(self.body_size - self.filled))
        self.current.close()
        self.tickets.append(self.hasher.submit(self.files[-1], HEADER, self.body_size))

    def finish(self) -> list[bytes]:
        self._close_current()
        while len(self.files) < self.count:  # the padding of the archive never leaves a piece
            self._open_next()  # empty, but a stream cut exactly at a piece's end might
            self._close_current()
        return [self.hasher.result(t) for t in self.tickets]

    def discard(self) -> None:
        if not self.current.closed:
            self.current.close()
        for path in self.files:
            path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Sealed:
    bundle_id: str
    pieces: list[Path]
    files: int
    bytes: int
    piece_size: int
    signer: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "bundle_id": self.bundle_id,
            "pieces": [str(p) for p in self.pieces],
            "files": self.files,
            "bytes": self.bytes,
            "piece_size": self.piece_size,
            "signer": self.signer,
        }


def plan(archive: int, piece_size: int) -> tuple[int, int]:
    """§4.3: the piece count, and the padded archive length that fills those pieces (less room
    for age's header), so that the ciphertext's length depends on the count alone."""
    body = piece_size - HEADER

    def ciphertext(plain: int) -> int:
        return AGE_HEADER_ROOM + 16 + plain + 16 * max(1, math.ceil(plain / AGE_CHUNK))

    count = math.ceil(ciphertext(archive) / body)
    padded = archive + (count * body - ciphertext(archive)) // 512 * 512
    while ciphertext(padded) > count * body:  # chunk tags added by the padding itself
        padded -= 512
    return count, padded


def seal(
    paths: Sequence[Path],
    recipient: Recipient,
    out: Path,
    *,
    key: Ed25519PrivateKey | None = None,
    piece_size: int = DEFAULT_PIECE,
    note: str | None = None,
    with_times: bool = True,
) -> Sealed:
    """Seal ``paths`` into pieces in folder ``out``; returns the bundle id and the pieces."""
    if piece_size < MIN_PIECE:
        raise SealError(f"pieces must be at least {MIN_PIECE} bytes", "give a larger --piece-size")
    if recipient.passphrase is None:
        recipient.x25519()  # refused before anything is read or written
    files = entries(paths, with_times=with_times)
    meta: dict[str, Any] = {"sealed_at": _iso(datetime.now(UTC).timestamp())}
    if note:
        meta["note"] = note
    room = len(
        manifest_bytes(meta, [_listing(i, f, "0" * 64) for i, f in enumerate(files, 1)], key)
    )
    count, padded = plan(archive_size(files, room), piece_size)
    if count >= 1 << PROOF_SLOTS:
        raise SealError("too many pieces", "give a larger --piece-size")
    out.mkdir(parents=True, exist_ok=True)
    hasher = Hasher(parallel=sum(f.size for f in files) >= PARALLEL_FROM)
    writer = _PieceWriter(out, count, piece_size - HEADER, hasher)
    try:
        # buffered: age asks 8 KiB at a time; the C buffer answers most without Python
        archive = io.BufferedReader(_Stream(_archive(files, meta, key, padded, hasher)), 1 << 20)
        recipient.encrypt_io(archive, writer)  # type: ignore[arg-type]
        digests = writer.finish()
    except BaseException:
        writer.discard()
        raise
    finally:
        hasher.close()
    if writer.length > count * (piece_size - HEADER):
        writer.discard()
        raise SealError("age's header was longer than the room kept for it (a bug)")
    return _frame(writer, digests, files, piece_size, key)


def _frame(
    writer: _PieceWriter,
    digests: list[bytes],
    files: list[FileEntry],
    piece_size: int,
    key: Ed25519PrivateKey | None,
) -> Sealed:
    count, body, length = writer.count, piece_size - HEADER, writer.length
    tree = MerkleTree(
        [leaf_hash(leaf_data(i, count, body, length, d)) for i, d in enumerate(digests)]
    )
    root = tree.root()
    final = []
    for i, temp in enumerate(writer.files):
        with temp.open("r+b") as f:
            f.write(piece_header(root, i, count, body, length, tree.proof(i)))
        path = writer.folder / piece_name(root, i, count)
        os.replace(temp, path)
        final.append(path)
    signer = public_key_text(key) if key is not None else None
    return Sealed(root.hex(), final, len(files), sum(f.size for f in files), piece_size, signer)


def parse_size(text: str) -> int:
    """``2MB``, ``512KiB``, ``1000000``: a piece size in bytes."""
    units = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3}
    units |= {"KIB": 1024, "MIB": 1024**2, "GIB": 1024**3}
    text = text.strip().upper()
    number = text.rstrip("KMGIB")
    unit = text[len(number) :]
    if not number.isdigit() or unit not in units:
        raise SealError(f"{text!r} is not a size", "write it like 2MB, 512KiB or 1000000")
    return int(number) * units[unit]
