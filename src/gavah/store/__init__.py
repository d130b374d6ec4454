"""Content-addressed, write-once blob store: local disk by default, S3 to scale out.

Blobs are addressed by the SHA-256 of their bytes. Writing is streamed (bounded memory) into a
staging file while hashing; committing is atomic and never overwrites. ``open_store`` picks the
backend from one setting.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from gavah.errors import ConfigError, StoreError

CHUNK_SIZE = 1 << 20
"""Bytes per chunk digest. Chunk digests let ``log verify`` name the damaged byte range."""


@dataclass(frozen=True)
class BlobInfo:
    """What staging learned about a blob's bytes."""

    sha256: str
    size: int
    chunk_digests: bytes  # SHA-256 of each CHUNK_SIZE piece, concatenated

    @property
    def chunks_sha256(self) -> str:
        """One digest over the chunk digests, recorded in the log entry."""
        return hashlib.sha256(self.chunk_digests).hexdigest()


@dataclass(frozen=True)
class Staged:
    """Bytes written to a private staging file, hashed, not yet in the store."""

    path: Path
    info: BlobInfo


class Sink(Protocol):
    def write(self, block: bytes, /) -> object: ...


def hash_stream(src: BinaryIO, sink: Sink | None = None) -> BlobInfo:
    """Hash a stream chunk by chunk (copying it to ``sink`` if given); memory stays bounded."""
    whole = hashlib.sha256()
    chunks = bytearray()
    size = 0
    while block := src.read(CHUNK_SIZE):
        whole.update(block)
        chunks += hashlib.sha256(block).digest()
        size += len(block)
        if sink is not None:
            sink.write(block)
    return BlobInfo(whole.hexdigest(), size, bytes(chunks))


def damaged_ranges(expected: bytes, actual: bytes, size: int) -> list[tuple[int, int]]:
    """Byte ranges ``[start, end)`` whose chunk digests differ (a longer or shorter blob counts)."""
    ranges: list[tuple[int, int]] = []
    n = max(len(expected), len(actual)) // 32
    for i in range(n):
        if expected[i * 32 : i * 32 + 32] != actual[i * 32 : i * 32 + 32]:
            start = i * CHUNK_SIZE
            end = min(start + CHUNK_SIZE, size) if i * 32 < len(expected) else start + CHUNK_SIZE
            if ranges and ranges[-1][1] == start:
                ranges[-1] = (ranges[-1][0], end)
            else:
                ranges.append((start, end))
    return ranges


def _store_io(action: Callable[[], object]) -> None:
    """Run a write to the staging area; its failures are the store's, not the source file's."""
    try:
        action()
    except OSError as exc:
        raise StoreError(f"cannot store: {exc.strerror}", errno=exc.errno) from None


class _StoreSink:
    """The staging file, with write errors (disk full, quota) reported as store errors."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f

    def write(self, block: bytes) -> None:
        _store_io(lambda: self.f.write(block))


def _abandoned(folder: Path) -> bool:
    try:
        fd = os.open(folder / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # its process is alive and staging
    finally:
        os.close(fd)  # closing drops our lock again
    return True


def is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


class BlobStore(ABC):
    """The narrow interface every backend implements."""

    def __init__(self, staging_dir: Path) -> None:
        self.staging_dir = staging_dir
        self._own: Path | None = None
        self._own_lock: int | None = None
        self._own_guard = threading.Lock()

    def _own_dir(self) -> Path:
        """This process's staging folder, held by an flock so other processes (and
        :meth:`clean_staging`) can tell it is alive; the kernel drops the lock if we are killed."""
        with self._own_guard:
            if self._own is None:
                # mkdir(parents=True) would give a missing blob folder the umask's mode
                self.staging_dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                self.staging_dir.mkdir(exist_ok=True, mode=0o700)
                own = Path(tempfile.mkdtemp(dir=self.staging_dir, prefix=f"{os.getpid()}-"))
                fd = os.open(own / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
                fcntl.flock(fd, fcntl.LOCK_EX)
                self._own, self._own_lock = own, fd
            return self._own

    def stage(self, src: BinaryIO) -> Staged:
        """Copy ``src`` into a staging file (fsynced), hashing as it goes."""
        try:
            fd, name = tempfile.mkstemp(dir=self._own_dir(), prefix="staging-")
        except OSError as exc:
            raise StoreError(f"cannot create a staging file in {self.staging_dir}: {exc}") from None
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as sink:
                info = hash_stream(src, _StoreSink(sink))
                _store_io(sink.flush)
                _store_io(lambda: os.fsync(sink.fileno()))
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Staged(path, info)

    def discard(self, staged: Staged) -> None:
        staged.path.unlink(missing_ok=True)

    def clean_staging(self) -> int:
        """Remove staging folders of processes that are gone (killed mid-ingest). Their files are
        referenced nowhere. Folders of live processes, whose lock is held, are left alone."""
        removed = 0
        if not self.staging_dir.is_dir():
            return 0
        for folder in self.staging_dir.iterdir():
            if folder == self._own or not folder.is_dir():
                continue
            if _abandoned(folder):
                removed += sum(1 for p in folder.iterdir() if p.name != ".lock")
                shutil.rmtree(folder, ignore_errors=True)
        return removed

    @abstractmethod
    def commit(self, staged: Staged) -> bool:
        """Move a staged blob to its address, atomically. False if it was already stored."""

    @abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """A binary stream of the blob; raises StoreError if it is missing."""

    @abstractmethod
    def addresses(self) -> Iterator[str]:
        """Every stored address, in no particular order."""

    @abstractmethod
    def describe(self) -> str:
        """Where the blobs are, for messages (never including credentials)."""

    def check(self, sha256: str) -> BlobInfo:
        """Re-hash a stored blob."""
        with self.open(sha256) as src:
            return hash_stream(src)


def open_store(
    location: str,
    *,
    staging_dir: Path,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> BlobStore:
    """The backend named by ``location``: ``s3://bucket/prefix`` or a folder path."""
    if location.startswith("s3://"):
        from gavah.store.s3 import S3Store

        return S3Store.from_url(
            location,
            staging_dir=staging_dir,
            endpoint_url=endpoint_url,
            region=region,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
        )
    if "://" in location:
        raise ConfigError(
            f"unknown blob store {location!r}", hint="use a folder or s3://bucket/prefix"
        )
    from gavah.store.local import LocalStore

    # Staging inside the store's own folder keeps the final link() on one filesystem.
    return LocalStore(Path(location))
