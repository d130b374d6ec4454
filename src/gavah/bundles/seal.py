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
import os
import secrets
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pyrage
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

try:
    import fcntl
except ImportError:  # not POSIX: age runs in this process (see apart_possible)
    fcntl = None  # type: ignore[assignment]

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

    def encrypt(self, chunks: Iterator[bytes], writer: BinaryIO, *, apart: bool) -> None:
        """The archive's ``chunks``, encrypted, to ``writer``; with ``apart``, by age in a child
        process (X25519 only: a passphrase is never put on a command line)."""
        if self.passphrase is not None:
            # pyrage has no streaming passphrase API; the field side seals what a laptop holds.
            writer.write(pyrage.passphrase.encrypt(b"".join(chunks), self.passphrase))
        elif apart and apart_possible():
            error = pump(start(_ENCRYPT, str(self.public_key)), chunks, writer)
            if error:
                raise SealError(f"age could not encrypt the bundle: {error}")
        else:
            # buffered: age asks 8 KiB at a time; the C buffer answers most without Python
            reader = io.BufferedReader(_Stream(chunks), BLOCK)
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


# --- age in a process of its own -----------------------------------------------------------------
PARALLEL_FROM = 32 << 20  # bytes; below this, starting a second process costs more than it saves
PIPE_SIZE = 1 << 20  # Linux pipes hold 64 KiB unless asked: age and we would wait on each other
BLOCK = 1 << 20

# pyrage holds Python's interpreter lock for the whole of an encryption and reads and writes
# Python file objects 8 KiB at a time, so in this process nothing runs beside it and every 8 KiB
# passes through Python. Run in a child on its own file descriptors, it reads and writes in Rust
# alone, as fast as `age` itself, while this process hashes, reads files and writes pieces on the
# other core (hashlib and file I/O release the lock). The child is a plain `python -P -c` of these
# lines, the same interpreter and packages (no fork of a process that may have threads; -P: no
# module is taken from the current folder); what it is given on the command line is a public key.
_ENCRYPT = (
    "import sys, pyrage\n"
    "r = pyrage.x25519.Recipient.from_str(sys.argv[1])\n"
    "pyrage.encrypt_file('/dev/stdin', '/dev/stdout', [r])\n"
)


def apart_possible() -> bool:
    """Whether age can run in a child reading and writing pipes (POSIX: /dev/stdin)."""
    return os.name == "posix" and os.path.exists("/dev/stdin")


def widen(*files: Any) -> None:
    """Ask for pipe buffers of PIPE_SIZE (Linux); where that is refused, pipes stay as they are."""
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    for f in files:
        if setsize is not None:
            with suppress(OSError):
                fcntl.fcntl(f.fileno(), setsize, PIPE_SIZE)


def write_all(fd: int, data: Any) -> None:
    view = memoryview(data).cast("B")
    while view:
        view = view[os.write(fd, view) :]


def pump(child: subprocess.Popen[bytes], chunks: Iterator[Any], sink: Any) -> str:
    """Feed ``chunks`` to the child's input from a thread while its output goes to
    ``sink.write`` here; the child's error text, "" if it succeeded. An error on either side
    stops the child and is raised."""
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    widen(child.stdin, child.stdout)
    failed: list[BaseException] = []

    def feed() -> None:
        try:
            pipe = child.stdin.fileno()  # type: ignore[union-attr]
            for chunk in chunks:
                send = getattr(chunk, "send_to", None)  # a chunk that moves itself (open.py)
                if send is not None:
                    send(pipe)
                else:
                    write_all(pipe, chunk)
        except BaseException as exc:  # raised below, in the caller's thread
            failed.append(exc)
            child.kill()
        finally:
            with suppress(OSError):
                child.stdin.close()  # type: ignore[union-attr]

    feeder = threading.Thread(target=feed, name="bundle-feed", daemon=True)
    feeder.start()
    try:
        drain = getattr(sink, "drain", None)  # a sink that reads the child's output itself
        if drain is not None:
            drain(child.stdout)
        else:
            buffer = bytearray(BLOCK)
            view = memoryview(buffer)
            while n := child.stdout.readinto(buffer):  # type: ignore[attr-defined]
                sink.write(view[:n])
    except BaseException:
        child.kill()
        raise
    finally:
        feeder.join()
        error = child.stderr.read()
        child.wait()
        child.stdout.close()
        child.stderr.close()
    if failed and not isinstance(failed[0], BrokenPipeError):
        raise failed[0]
    if child.returncode:
        lines = error.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"age stopped (exit {child.returncode})"
    if failed:
        raise failed[0]
    return ""


def start(code: str, *args: str) -> subprocess.Popen[bytes]:
    pipe = subprocess.PIPE
    return subprocess.Popen(
        [sys.executable, "-P", "-c", code, *args], stdin=pipe, stdout=pipe, stderr=pipe, bufsize=0
    )


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
) -> Iterator[bytes | memoryview]:
    """The archive's bytes in order, ``padded`` long: files first, each hashed block by block
    as it is read (the very bytes encrypted), so the manifest that names their SHA-256 can
    follow them in one pass."""
    listed = []
    view = memoryview(bytearray(BLOCK))  # one buffer: fresh memory for every block costs more
    for i, f in enumerate(files, 1):
        yield _tar_header(member(i), f.size)
        digest = hashlib.sha256()
        try:
            with f.path.open("rb", buffering=0) as src:
                left = f.size
                while left and (n := src.readinto(view[: min(left, BLOCK)])):
                    left -= n
                    digest.update(view[:n])  # (releases the interpreter lock for large blocks)
                    yield view[:n]  # consumed before the next block is read into the buffer
                if left or src.read(1):
                    raise SealError(f"{f.path} changed while it was being sealed", "seal it again")
        except OSError as exc:
            raise SealError(f"{f.path}: cannot read: {exc.strerror}") from None
        yield bytes(-f.size % 512)
        listed.append(_listing(i, f, digest.hexdigest()))
    manifest = manifest_bytes(meta, listed, key)
    yield _tar_header("manifest.json", len(manifest)) + manifest + bytes(-len(manifest) % 512)
    written = sum(_blocks(f.size) for f in files) + _blocks(len(manifest))
    if key is not None:
        signature = key.sign(SIGNATURE_CONTEXT + manifest)
        yield _tar_header("manifest.sig", 64) + signature + bytes(512 - 64)
        written += 1024
    yield bytes(padded - written)  # tar's closing blocks, then zeros: tar readers stop there


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


class _BodyHashes:
    """§4.2: the SHA-256 of each piece's body, from the age ciphertext given in order; the
    last bodies' padding zeros are hashed by :meth:`finish`."""

    def __init__(self, count: int, body_size: int) -> None:
        self.count, self.body_size = count, body_size
        self.digests: list[bytes] = []
        self.digest = hashlib.sha256()
        self.filled = 0

    def update(self, data: Any) -> None:
        view = memoryview(data)
        while view:
            if self.filled == self.body_size:
                self._close()
            part = view[: self.body_size - self.filled]
            self.digest.update(part)  # (releases the interpreter lock for large blocks)
            self.filled += len(part)
            view = view[len(part) :]

    def _close(self) -> None:
        self.digest.update(bytes(self.body_size - self.filled))
        self.digests.append(self.digest.digest())
        self.digest, self.filled = hashlib.sha256(), 0

    def finish(self) -> list[bytes]:
        self._close()
        while len(self.digests) < self.count:  # see _PieceWriter.finish
            self._close()
        return self.digests


RING = 4  # blocks in flight between the thread that writes pieces and the one that hashes them


class _PieceWriter(io.RawIOBase):
    """Receives the age ciphertext and lays it into piece files after room for their headers,
    hashing each body (the headers, which need every body's hash, come last)."""

    def __init__(self, folder: Path, count: int, body_size: int) -> None:
        self.folder, self.count, self.body_size = folder, count, body_size
        self.token = secrets.token_hex(8)
        self.files: list[Path] = []
        self.hashes = _BodyHashes(count, body_size)
        self.length = 0
        self._open_next()

    def _open_next(self) -> None:
        path = self.folder / f".sealing-{self.token}-{len(self.files)}"
        self.files.append(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self.current = os.fdopen(fd, "wb", buffering=0)
        self.current.seek(HEADER)
        self.filled = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._lay(data)
        self.hashes.update(data)
        return len(data)

    def drain(self, source: Any) -> None:
        """All of ``source`` (the age child's output) laid into the pieces, each block hashed
        on a thread of its own while the next is read and written: hashing and file I/O both
        release the interpreter lock, so they run side by side, and no stage of the pipeline
        (files read and hashed, age, pieces written, pieces hashed) holds up the others."""
        ring = _Ring()
        failed: list[BaseException] = []
        hasher = threading.Thread(
            target=self._hash_blocks, args=(ring, failed), name="bundle-hash", daemon=True
        )
        hasher.start()
        try:
            while n := _fill(source, block := ring.free_block()):
                self._lay(block[:n])
                ring.put(n)
        finally:
            ring.end()
            hasher.join()
        if failed:
            raise failed[0]

    def _hash_blocks(self, ring: _Ring, failed: list[BaseException]) -> None:
        while block := ring.take():
            if not failed:
                try:
                    self.hashes.update(block)
                except BaseException as exc:  # raised by drain, in the caller's thread
                    failed.append(exc)
            ring.give_back()  # (even then: the writing thread never waits for nothing)

    def _lay(self, data: Any) -> None:
        view = memoryview(data)
        while view:
            if self.filled == self.body_size:
                self._close_current()
                if len(self.files) == self.count:
                    raise SealError("the sealed bundle came out longer than planned (a bug)")
                self._open_next()
            part = view[: self.body_size - self.filled]
            write_all(self.current.fileno(), part)
            self.filled += len(part)
            self.length += len(part)
            view = view[len(part) :]

    def _close_current(self) -> None:
        write_all(self.current.fileno(), bytes(self.body_size - self.filled))
        self.current.close()

    def finish(self) -> list[bytes]:
        self._close_current()
        while len(self.files) < self.count:  # the padding of the archive never leaves a piece
            self._open_next()  # empty, but a stream cut exactly at a piece's end might
            self._close_current()
        return self.hashes.finish()

    def discard(self) -> None:
        if not self.current.closed:
            self.current.close()
        for path in self.files:
            path.unlink(missing_ok=True)


class _Ring:
    """RING reused buffers passed, in order, from the thread that fills them to the one that
    consumes them: two semaphores count the free and the filled ones."""

    def __init__(self) -> None:
        self.blocks = [memoryview(bytearray(BLOCK)) for _ in range(RING)]
        self.sizes = [0] * RING
        self.free = threading.Semaphore(RING)
        self.ready = threading.Semaphore(0)
        self.put_at = self.take_at = 0

    def free_block(self) -> memoryview:
        """The next buffer to fill, once the consumer has given it back."""
        self.free.acquire()
        return self.blocks[self.put_at % RING]

    def put(self, n: int) -> None:
        """The first ``n`` bytes of the buffer from free_block are the consumer's."""
        self.sizes[self.put_at % RING] = n
        self.put_at += 1
        self.ready.release()

    def end(self) -> None:
        """No more: the consumer's next block is empty."""
        self.put(0)

    def take(self) -> memoryview:
        """The next filled block (empty at the end); give_back once done with it."""
        self.ready.acquire()
        i = self.take_at % RING
        return self.blocks[i][: self.sizes[i]]

    def give_back(self) -> None:
        self.take_at += 1
        self.free.release()


def _fill(source: Any, block: memoryview) -> int:
    """Read ``source`` into ``block`` until it is full or ``source`` ends: blocks of one size
    for the code after it, however little each read of a pipe gives."""
    n = 0
    while n < len(block) and (k := source.readinto(block[n:])):
        n += k
    return n


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
    writer = _PieceWriter(out, count, piece_size - HEADER)
    try:
        apart = sum(f.size for f in files) >= PARALLEL_FROM
        archive = _archive(files, meta, key, padded)
        recipient.encrypt(archive, writer, apart=apart)  # type: ignore[arg-type]
        digests = writer.finish()
    except BaseException:
        writer.discard()
        raise
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
