"""Opening sealed bundles, on the organisation's side (docs/bundles.md §5).

Pieces arrive in any order, over any channel, some twice, some damaged, some not at all. Each is
checked alone against the Merkle root it names (:func:`check_piece`), before any decryption; a
bundle is decrypted only when every piece is there and sound (:func:`assemble`), and its files are
ingested only when the archive inside, its manifest, the files' SHA-256 and the field signature
all agree (:func:`unpack`). Ingest (:func:`ingest_bundle`) is `gavah ingest`'s own acquire and
record, in one transaction with a ``bundle.opened`` custody event; a bundle already opened is
reported and left as it was.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import multiprocessing as mp
import os
import re
import shutil
import tarfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gavah.bundles import seal as fmt
from gavah.errors import InputError, IntegrityError

BUNDLE_OPENED = "bundle.opened"
_MEMBER = re.compile(r"files/\d{6}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


# --- one piece alone (§5.1) --------------------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    path: Path
    bundle_id: str
    index: int
    count: int
    body_size: int
    length: int
    arrived_at: str  # when the piece's file was last written here (its mtime)


@dataclass(frozen=True)
class Damaged:
    path: Path
    reason: str
    bundle_id: str | None = None  # what it claims, where its header could be read
    index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        number = None if self.index is None else self.index + 1
        return {
            "file": str(self.path),
            "piece": number,
            "bundle_id": self.bundle_id,
            "reason": self.reason,
        }


def verify_inclusion(leaf: bytes, index: int, count: int, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` (RFC 9162 §2.1.3.2); raises if the proof
    has the wrong length for a tree of ``count`` leaves."""
    fn, sn, r = index, count - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("proof too long")
        if fn & 1 or fn == sn:
            r = fmt.node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = fmt.node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("proof too short")
    return r


def check_piece(path: Path) -> Piece | Damaged:
    """One piece checked alone: its header's form, then its body and place against its proof."""
    try:
        with path.open("rb") as f:
            header = f.read(fmt.HEADER)
            return _check(path, header, f, os.fstat(f.fileno()))
    except OSError as exc:
        return Damaged(path, f"cannot read: {exc.strerror}")


def _check(path: Path, header: bytes, f: BinaryIO, st: os.stat_result) -> Piece | Damaged:
    if len(header) < fmt.HEADER or header[:8] != fmt.MAGIC:
        return Damaged(path, "not a gavah bundle piece")
    root = header[8:40]
    index, count, body, length = (int.from_bytes(header[a:b], "big") for a, b in _FIELDS)
    k = header[60]
    bad = partial = Damaged(path, "", root.hex(), index if index < count else None)
    if (
        header[61:64] != bytes(3)
        or k > fmt.PROOF_SLOTS
        or any(header[64 + 32 * k : fmt.HEADER])
        or not index < count
        or body < fmt.MIN_PIECE - fmt.HEADER
    ):
        bad = replace(partial, reason="its header is malformed")
    elif not (count - 1) * body < length <= count * body:
        bad = replace(partial, reason="its header gives an impossible length")
    elif st.st_size != fmt.HEADER + body:
        bad = replace(partial, reason=f"it is {st.st_size} bytes, not {fmt.HEADER + body}")
    if bad.reason:
        return bad
    digest, padding_clean = _read_body(f, body, length - index * body)
    proof = [header[64 + 32 * i : 96 + 32 * i] for i in range(k)]
    leaf = fmt.leaf_hash(fmt.leaf_data(index, count, body, length, digest))
    try:
        sound = verify_inclusion(leaf, index, count, proof) == root
    except ValueError:
        sound = False
    if not sound:
        return replace(
            partial, reason="its content does not match the bundle's id (changed or forged)"
        )
    if not padding_clean:
        return replace(partial, reason="its padding is not zeros")
    arrived = datetime.fromtimestamp(st.st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Piece(path, root.hex(), index, count, body, length, arrived)


_FIELDS = ((40, 44), (44, 48), (48, 52), (52, 60))


def _read_body(f: BinaryIO, body: int, payload_here: int) -> tuple[bytes, bool]:
    """The body's SHA-256, and whether the bytes past the payload (the last piece's padding)
    are all zero."""
    digest, seen, clean = hashlib.sha256(), 0, True
    while block := f.read(1 << 20):
        digest.update(block)
        if seen + len(block) > payload_here:
            clean = clean and not any(block[max(0, payload_here - seen) :])
        seen += len(block)
    return digest.digest(), clean


# --- a bundle from its pieces (§5.2) -----------------------------------------------------------
@dataclass
class Assembly:
    """The pieces of one bundle that arrived sound, and those that claim it but are damaged."""

    bundle_id: str
    count: int
    body_size: int
    length: int
    pieces: dict[int, Piece] = field(default_factory=dict)
    damaged: list[Damaged] = field(default_factory=list)

    @property
    def missing(self) -> list[int]:
        """Piece numbers (from 1) with no sound copy."""
        return [i + 1 for i in range(self.count) if i not in self.pieces]

    @property
    def complete(self) -> bool:
        return not self.missing

    def report(self) -> dict[str, Any]:
        return {
            "bundle_id": self.bundle_id,
            "pieces": self.count,
            "received": len(self.pieces),
            "missing": self.missing,
            "damaged": [d.to_dict() for d in self.damaged],
        }

    def payload(self) -> Iterator[bytes]:
        """The age ciphertext, piece by piece in order, without the last piece's padding."""
        for view in self.views():
            yield bytes(view)

    def views(self) -> Iterator[memoryview]:
        """The payload as :meth:`payload` gives it, each block a view of one buffer that is
        read into again once the next is asked for (no fresh memory for every block)."""
        left = self.length
        view = memoryview(bytearray(fmt.BLOCK))
        for i in range(self.count):
            with self.pieces[i].path.open("rb", buffering=0) as f:
                f.seek(fmt.HEADER)
                want = min(left, self.body_size)
                while want and (n := f.readinto(view[: min(want, fmt.BLOCK)])):
                    want -= n
                    left -= n
                    yield view[:n]
                if want:
                    raise IntegrityError(f"{self.pieces[i].path} changed while it was read")

    def bodies(self) -> Iterator[_Body]:
        """The payload as :meth:`views` gives it, as spans of the piece files: what
        :func:`gavah.bundles.seal.pump` moves into age's child without reading it here."""
        left = self.length
        for i in range(self.count):
            want = min(left, self.body_size)
            left -= want
            yield _Body(self.pieces[i].path, want)


@dataclass(frozen=True)
class _Body:
    """The first ``length`` bytes of a piece's body."""

    path: Path
    length: int

    def send_to(self, pipe: int) -> None:
        """Into ``pipe``: on Linux moved by the kernel from the page cache (os.splice), never
        copied through this process; elsewhere read and written. The body was checked before
        (§5.1), and a change since is caught by age, which authenticates every byte."""
        splice = getattr(os, "splice", None)
        with self.path.open("rb", buffering=0) as f:
            offset, left = fmt.HEADER, self.length
            while left:
                if splice is not None:
                    n = splice(f.fileno(), pipe, min(left, fmt.PIPE_SIZE), offset_src=offset)
                else:
                    n = len(block := os.pread(f.fileno(), min(left, fmt.BLOCK), offset))
                    fmt.write_all(pipe, block)
                if not n:
                    raise IntegrityError(f"{self.path} changed while it was read")
                offset, left = offset + n, left - n


@dataclass
class Gathered:
    bundles: list[Assembly]
    unknown: list[Damaged]  # pieces whose header could not be read at all


def gather(paths: Sequence[Path]) -> Gathered:
    """Every piece checked and sorted by the bundle it belongs to; duplicates count once."""
    bundles: dict[str, Assembly] = {}
    unknown: list[Damaged] = []
    checked = _check_all(paths)
    for item in checked:
        if isinstance(item, Piece):
            found = bundles.setdefault(
                item.bundle_id, Assembly(item.bundle_id, item.count, item.body_size, item.length)
            )
            found.pieces.setdefault(item.index, item)
    for item in checked:
        if isinstance(item, Damaged):
            owner = bundles.get(item.bundle_id or "")
            (owner.damaged if owner is not None else unknown).append(item)
    return Gathered(sorted(bundles.values(), key=lambda b: b.bundle_id), unknown)


def _check_all(paths: Sequence[Path]) -> list[Piece | Damaged]:
    """Pieces checked on every core when there are many bytes to hash (forked: the child needs
    nothing but hashlib); a few, here."""
    size = 0
    for path in paths:
        with suppress(OSError):
            size += path.stat().st_size
    if size < fmt.PARALLEL_FROM or len(paths) < 2 or "fork" not in mp.get_all_start_methods():
        return [check_piece(p) for p in paths]
    workers = min(len(paths), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        return list(pool.map(check_piece, paths, chunksize=max(1, len(paths) // (4 * workers))))


def choose(gathered: Gathered, bundle_id: str | None) -> Assembly:
    """The one bundle the pieces are of (or the one asked for, by a prefix of its id)."""
    found = gathered.bundles
    if bundle_id:
        found = [b for b in found if b.bundle_id.startswith(bundle_id.lower())]
    if len(found) == 1:
        found[0].damaged.extend(d for d in gathered.unknown if d not in found[0].damaged)
        return found[0]
    if not found:
        names = "; ".join(f"{d.path.name}: {d.reason}" for d in gathered.unknown)
        raise IntegrityError(
            "no sound piece of "
            + (f"bundle {bundle_id}" if bundle_id else "any bundle")
            + (f" ({names})" if names else ""),
            hint="give the pieces' files (gavah-....piece)",
        )
    ids = ", ".join(b.bundle_id[:16] for b in found)
    raise InputError(
        f"the pieces are of {len(found)} bundles: {ids}", hint="choose one with --bundle"
    )


def refuse_unless_complete(bundle: Assembly) -> None:
    """Fail closed: nothing is decrypted from a bundle with a piece missing."""
    if bundle.complete:
        return
    missing = ", ".join(map(str, bundle.missing))
    damaged = "; ".join(
        f"{d.path.name}"
        + (f" (piece {d.index + 1})" if d.index is not None else "")
        + f": {d.reason}"
        for d in bundle.damaged
    )
    raise BundleIncomplete(
        f"bundle {bundle.bundle_id[:16]} is not complete: missing piece(s) {missing} of "
        f"{bundle.count}" + (f"; damaged: {damaged}" if damaged else ""),
        hint="ask for the missing pieces again (any channel will do) and give all the pieces "
        "together; nothing was decrypted or ingested",
        bundle=bundle,
    )


class BundleIncomplete(IntegrityError):
    def __init__(self, message: str, *, hint: str, bundle: Assembly) -> None:
        super().__init__(message, hint=hint)
        self.bundle = bundle


# --- decrypting and unpacking (§5.3) -----------------------------------------------------------
class _Joined(io.RawIOBase):
    def __init__(self, chunks: Iterator[memoryview]) -> None:
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


# pyrage decrypting in a child process of its own, for the reasons seal.py gives for encrypting.
# The identity is secret: it goes down the child's input ahead of the payload (its length on the
# command line), never on a command line or in the environment.
_DECRYPT = (
    "import os, sys, pyrage\n"
    "n, k = int(sys.argv[1]), b''\n"
    "while len(k) < n and (b := os.read(0, n - len(k))):\n"
    "    k += b\n"
    "i = pyrage.x25519.Identity.from_str(k.decode('ascii'))\n"
    "pyrage.decrypt_file('/dev/stdin', '/dev/stdout', [i])\n"
)


@dataclass(frozen=True)
class Key:
    """What opens a bundle: the organisation's age identity, or the bundle's passphrase."""

    identity: str | None = None
    passphrase: str | None = None


def decrypt(bundle: Assembly, key: Key, sink: BinaryIO) -> None:
    """The sealed archive, written to ``sink``; nothing before every piece is there."""
    refuse_unless_complete(bundle)
    try:
        if key.passphrase is not None:
            payload = b"".join(bundle.payload())
            sink.write(pyrage.passphrase.decrypt(payload, key.passphrase))
            return
        identity = pyrage.x25519.Identity.from_str(str(key.identity))
        if bundle.length >= fmt.PARALLEL_FROM and fmt.apart_possible():
            secret = str(key.identity).encode("ascii")
            child = fmt.start(_DECRYPT, str(len(secret)))
            error = fmt.pump(child, itertools.chain([secret], bundle.bodies()), sink)
            if error:
                raise pyrage.DecryptError(error.removeprefix("pyrage.DecryptError: "))
            return
        # buffered: age asks 8 KiB at a time; the C buffer answers most without Python
        source = io.BufferedReader(_Joined(bundle.views()), buffer_size=1 << 20)
        pyrage.decrypt_io(source, sink, [identity])
    except pyrage.IdentityError:
        raise InputError("the bundle-opening key is not an age identity") from None
    except pyrage.DecryptError as exc:  # (the sink's own errors come through as they are)
        raise IntegrityError(
            f"bundle {bundle.bundle_id[:16]} does not open with this key: {exc}",
            hint="it was sealed to another recipient or passphrase, or its sealer made an error",
        ) from None


@dataclass(frozen=True)
class Unpacked:
    manifest: dict[str, Any]
    files: list[tuple[dict[str, Any], Path]]  # each listed file and where its bytes are staged
    signer: str | None


MAX_MANIFEST = 16 << 20


class Unpacker(io.RawIOBase):
    """Where age writes the decrypted archive: each member goes straight to its place as it
    comes (files staged in ``folder`` and hashed, the manifest and signature kept), so the
    archive is never written whole. Each 512-byte header is parsed by the standard library's
    tar code (``TarInfo.frombuf``, which checks its checksum); only regular files with the
    names §3.1 allows are taken, anything else refuses the bundle."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.staged: dict[str, tuple[Path, str, int]] = {}
        self.small: dict[str, bytearray] = {}  # manifest.json and manifest.sig
        self.pending = bytearray()  # a header's bytes, until all 512 are in
        self.member: _Member | None = None
        self.ended = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        while view and not self.ended:
            if self.member is not None:
                view = self.member.take(view)
                if self.member.done:
                    self._close_member()
                continue
            part = view[: 512 - len(self.pending)]
            self.pending += part
            view = view[len(part) :]
            if len(self.pending) == 512:
                self._header(bytes(self.pending))
                self.pending.clear()
        return len(data)

    def _header(self, block: bytes) -> None:
        if not any(block):  # tar's end: what follows is padding (§4.3)
            self.ended = True
            return
        try:
            info = tarfile.TarInfo.frombuf(block, "utf-8", "strict")
        except (tarfile.HeaderError, UnicodeDecodeError) as exc:
            raise IntegrityError(f"the sealed archive is malformed: {exc}") from None
        name = info.name
        if not info.isreg():
            raise IntegrityError(f"the archive holds {name!r}, not a regular file")
        if _MEMBER.fullmatch(name) and name not in self.staged:
            path = self.folder / name.replace("/", "-")
            self.member = _Member(name, info.size, path)
        elif name in ("manifest.json", "manifest.sig") and name not in self.small:
            if info.size > MAX_MANIFEST:
                raise IntegrityError(f"the archive's {name} is too large")
            self.member = _Member(name, info.size, None)
        else:
            raise IntegrityError(f"the archive holds an unexpected member {name!r}")
        if self.member.done:
            self._close_member()

    def _close_member(self) -> None:
        assert self.member is not None
        member, self.member = self.member, None
        if member.path is None:
            self.small[member.name] = member.kept
        else:
            self.staged[member.name] = member.close()

    def abandon(self) -> None:
        """Close a member's file an error left open (the caller removes the folder)."""
        if self.member is not None and self.member.file is not None:
            self.member.file.close()

    def finish(self, signers: Sequence[str]) -> Unpacked:
        """Everything checked against the manifest and the signature, once age is done."""
        if self.member is not None or self.pending or not self.ended:
            raise IntegrityError("the sealed archive ends in the middle")
        raw = self.small.get("manifest.json")
        if raw is None:
            raise IntegrityError("the sealed archive has no manifest.json")
        manifest = _parse_manifest(bytes(raw))
        signature = self.small.get("manifest.sig")
        sig = bytes(signature) if signature is not None else None
        signer = _check_signature(manifest, bytes(raw), sig, signers)
        return Unpacked(manifest, _match(manifest, self.staged), signer)


class _Member:
    """One member's data being received: to a staged file (hashed), or kept in memory."""

    def __init__(self, name: str, size: int, path: Path | None) -> None:
        self.name, self.path = name, path
        self.left = size + -size % 512  # with the padding to the next block
        self.data_left = size
        self.kept = bytearray()
        self.digest = hashlib.sha256()
        self.file = None
        if path is not None:
            self.file = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")

    @property
    def done(self) -> bool:
        return self.left == 0

    def take(self, view: memoryview) -> memoryview:
        n = min(len(view), self.left)
        data = view[: min(n, self.data_left)]
        if self.file is not None:
            self.file.write(data)
            self.digest.update(data)
        else:
            self.kept += data
        self.data_left -= len(data)
        self.left -= n
        return view[n:]

    def close(self) -> tuple[Path, str, int]:
        assert self.file is not None and self.path is not None
        self.file.close()
        return self.path, self.digest.hexdigest(), self.path.stat().st_size


def _parse_manifest(raw: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise IntegrityError("the bundle's manifest is not UTF-8 JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != fmt.FORMAT:
        raise IntegrityError(f"the bundle's manifest is not {fmt.FORMAT}")
    files = manifest.get("files")
    if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
        raise IntegrityError("the bundle's manifest lists no files")
    return manifest


def _check_signature(
    manifest: dict[str, Any], raw: bytes, signature: bytes | None, signers: Sequence[str]
) -> str | None:
    signer = manifest.get("signer")
    if signer is None:
        if signature is not None:
            raise IntegrityError("the bundle carries a signature but its manifest names no signer")
        if signers:
            raise IntegrityError("the bundle is not signed, and a field signer was required")
        return None
    if not isinstance(signer, str) or not _HEX64.fullmatch(signer):
        raise IntegrityError("the manifest's signer is not an Ed25519 public key (64 hex digits)")
    if signature is None or len(signature) != 64:
        raise IntegrityError("the manifest names a signer, but the signature is missing")
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(signer)).verify(
            signature, fmt.SIGNATURE_CONTEXT + raw
        )
    except InvalidSignature:
        raise IntegrityError(
            f"the field signature does not verify (signer {signer[:16]})"
        ) from None
    if signers and signer not in {s.lower() for s in signers}:
        raise IntegrityError(f"the bundle is signed by {signer[:16]}, not by a required signer")
    return signer


def _match(
    manifest: dict[str, Any], staged: dict[str, tuple[Path, str, int]]
) -> list[tuple[dict[str, Any], Path]]:
    listed = manifest["files"]
    members = [f.get("member") for f in listed]
    if sorted(map(str, members)) != sorted(staged) or len(set(members)) != len(members):
        raise IntegrityError("the archive's files are not the ones its manifest lists")
    found = []
    for item in listed:
        path, sha256, size = staged[item["member"]]
        if item.get("sha256") != sha256 or item.get("size") != size:
            raise IntegrityError(f"{item['member']} does not match the SHA-256 its manifest gives")
        if not isinstance(item.get("name"), str) or not item["name"]:
            raise IntegrityError(f"{item['member']} has no name in the manifest")
        found.append((item, path))
    return found


def open_to_folder(
    bundle: Assembly, key: Key, work: Path, *, signers: Sequence[str] = ()
) -> Unpacked:
    """Decrypt and unpack ``bundle`` into the private folder ``work`` (made here). Nothing is
    returned unless age authenticated every byte and the archive holds together."""
    work.mkdir(mode=0o700, parents=True, exist_ok=False)
    files = work / "files"
    files.mkdir(mode=0o700)
    unpacker = Unpacker(files)
    try:
        decrypt(bundle, key, unpacker)  # type: ignore[arg-type]
    finally:
        unpacker.abandon()
    return unpacker.finish(signers)


def remove(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
