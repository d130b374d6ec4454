"""Ingest files and folders into the vault.

Work is split so that a crash at any point loses nothing and corrupts nothing:

1. discover: walk the inputs (symlinks not followed unless asked) and stat every file;
2. acquire, in parallel threads (hashlib and file I/O release the GIL): copy each file into a
   private staging file while hashing it, check the source did not change meanwhile, sniff its
   type and extract metadata from *our copy*, then commit the blob to its content address;
3. record, in the main thread, in batches: one database transaction appends the custody events
   and signs a checkpoint.

A blob is always committed before any log entry names it, so a kill leaves at worst an
unreferenced blob, which the next ingest of the same file simply records.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from gavah.errors import GavahError, InputError, NotFound, StoreError
from gavah.intake import Progress, archives
from gavah.intake.limits import ImportLimits, read_bounded
from gavah.media import extract_metadata, sniff_mime
from gavah.similar import with_perceptual_hashes
from gavah.store import BlobStore
from gavah.vault import Acquired, Recorded, Vault, display_path

_BATCH_ITEMS = 500
_BATCH_SECONDS = 2.0
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@dataclass(frozen=True)
class Candidate:
    path: bytes
    size: int


@dataclass(frozen=True)
class Failure:
    path: str
    reason: str


@dataclass
class IngestSummary:
    files: int = 0
    new: int = 0
    already_held: int = 0
    bytes: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    aborted: str | None = None
    checkpoint_size: int | None = None
    archives: list[dict[str, Any]] = field(default_factory=list)  # web archives read (archives.py)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "new": self.new,
            "already_held": self.already_held,
            "bytes": self.bytes,
            "items": self.items,
            "failures": [{"path": f.path, "reason": f.reason} for f in self.failures],
            "warnings": self.warnings,
            "aborted": self.aborted,
            "checkpoint_size": self.checkpoint_size,
            "archives": self.archives,
        }


class SourceChanged(GavahError):
    """The file changed while it was being read: what we read is not a stable original."""


def _stamp(ns: int) -> str:
    seconds, frac = divmod(ns, 1_000_000_000)
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%dT%H:%M:%S}.{frac:09d}Z"


def _inside(path: bytes, exclude: Sequence[bytes]) -> bool:
    real = os.path.realpath(path)
    return any(real == ex or real.startswith(ex + b"/") for ex in exclude)


def discover(
    inputs: Sequence[bytes],
    *,
    follow_symlinks: bool,
    warnings: list[str],
    exclude: Sequence[bytes] = (),
) -> Iterator[Candidate | Failure]:
    """Every regular file under ``inputs``, in a stable order; problems as :class:`Failure`.

    Paths in ``exclude`` (real paths) are never entered: ingesting the workspace's own database
    and blobs into itself would never end well."""
    for raw in inputs:
        if _inside(raw, exclude):
            warnings.append(f"{display_path(raw)}: inside the gavah workspace itself: skipped")
            continue
        try:
            st = os.stat(raw, follow_symlinks=follow_symlinks)
        except OSError as exc:
            yield Failure(display_path(raw), f"cannot read: {exc.strerror}")
            continue
        if stat.S_ISLNK(st.st_mode):
            warnings.append(
                f"{display_path(raw)}: symbolic link not followed (use --follow-symlinks)"
            )
        elif stat.S_ISDIR(st.st_mode):
            yield from _walk(raw, follow_symlinks, warnings, exclude)
        else:
            yield _candidate(raw, st)


def _candidate(raw: bytes, st: os.stat_result) -> Candidate | Failure:
    if not stat.S_ISREG(st.st_mode):
        return Failure(display_path(raw), "not a regular file (device, socket or pipe): skipped")
    return Candidate(raw, st.st_size)


def _walk(
    top: bytes, follow: bool, warnings: list[str], exclude: Sequence[bytes]
) -> Iterator[Candidate | Failure]:
    errors: list[OSError] = []
    for folder, dirs, files in os.walk(top, followlinks=follow, onerror=errors.append):
        for d in [d for d in dirs if _inside(os.path.join(folder, d), exclude)]:
            warnings.append(
                f"{display_path(os.path.join(folder, d))}: the gavah workspace: skipped"
            )
            dirs.remove(d)
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if _inside(path, exclude):
                warnings.append(f"{display_path(path)}: part of the gavah workspace: skipped")
                continue
            try:
                st = os.stat(path, follow_symlinks=follow)
            except OSError as exc:
                yield Failure(display_path(path), f"cannot read: {exc.strerror}")
                continue
            if stat.S_ISLNK(st.st_mode):
                warnings.append(
                    f"{display_path(path)}: symbolic link not followed (use --follow-symlinks)"
                )
                continue
            yield _candidate(path, st)
        if not follow:
            for d in [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                warnings.append(
                    f"{display_path(os.path.join(folder, d))}: symbolic link not followed"
                )
    for error in errors:
        yield Failure(
            display_path(os.fsencode(error.filename or top)),
            f"cannot read folder: {error.strerror}",
        )


class _CountingReader:
    """Passes reads through and reports bytes read, so large files move the progress bar."""

    def __init__(self, f: BinaryIO, advance: Callable[[int], None]) -> None:
        self.f = f
        self.advance = advance

    def read(self, n: int = -1) -> bytes:
        block = self.f.read(n)
        self.advance(len(block))
        return block


def read_whole(path: Path, what: str = "the file", limits: ImportLimits | None = None) -> bytes:
    """All of one file an import parses, with a clear error (``what`` names what was expected
    when a folder is given); a file larger than ``limits`` allow is refused."""
    try:
        return read_bounded(path, limits) if limits is not None else path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder; give {what}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def acquire_checked(store: BlobStore, path: Path, sha256: str) -> Acquired:
    """An imported file into the store, checked to be the bytes that were read and parsed
    (``sha256``): imports parse first and store after, so a file changed in between is refused."""
    raw = os.fsencode(path)
    try:
        acquired = acquire(store, Candidate(raw, os.stat(raw).st_size), False, Progress())
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    except SourceChanged as exc:
        raise InputError(f"{path}: {exc.message}") from None
    if acquired.blob.sha256 != sha256:
        raise InputError(f"{path} changed while it was being read; import it once it is stable")
    return acquired


def acquire(store: BlobStore, cand: Candidate, follow: bool, progress: Progress) -> Acquired:
    """Stage, check, sniff, extract and commit one file. Runs in a worker thread."""
    flags = os.O_RDONLY | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(cand.path, flags)
    with os.fdopen(fd, "rb") as f:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise SourceChanged("is no longer a regular file")
        staged = store.stage(_CountingReader(f, progress.advance))  # type: ignore[arg-type]
    try:
        after = os.stat(cand.path, follow_symlinks=follow)
        # ctime too: a same-size rewrite that puts the mtime back (touch -r, rsync --inplace)
        # still moves ctime, which user space cannot set.
        changed = _identity(after) != _identity(before)
        if changed or staged.info.size != before.st_size:
            raise SourceChanged(
                "changed while it was being read; ingest it again once it is stable"
            )
        mime = sniff_mime(staged.path)
        metadata = with_perceptual_hashes(staged.path, mime, extract_metadata(staged.path, mime))
        store.commit(staged)
    finally:
        store.discard(staged)
    return Acquired(
        cand.path,
        _stamp(before.st_mtime_ns),
        _stamp(before.st_ctime_ns),
        staged.info,
        mime,
        metadata,
    )


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, GavahError):
        return exc.message
    if isinstance(exc, OSError):
        if exc.errno == errno.ELOOP:
            return "is a symbolic link (not followed; use --follow-symlinks)"
        return f"cannot read: {exc.strerror}"
    return f"unexpected error: {exc!r}"


def _is_store_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError | StoreError) and getattr(exc, "errno", None) in _FULL


@dataclass
class _Batch:
    pending: list[Acquired] = field(default_factory=list)
    since: float = field(default_factory=time.monotonic)


def ingest(
    vault: Vault,
    inputs: Sequence[bytes],
    *,
    collection: str | None = None,
    source: str | None = None,
    note: str | None = None,
    follow_symlinks: bool = False,
    progress: Progress | None = None,
) -> IngestSummary:
    """Ingest files and folders. Per-file problems are reported, not raised; the rest goes on."""
    progress = progress or Progress()
    summary = IngestSummary()
    vault.store.clean_staging()
    found = list(
        discover(
            inputs,
            follow_symlinks=follow_symlinks,
            warnings=summary.warnings,
            exclude=_own_files(vault),
        )
    )
    candidates = [c for c in found if isinstance(c, Candidate)]
    summary.failures.extend(f for f in found if isinstance(f, Failure))
    progress.start(len(candidates), sum(c.size for c in candidates))
    batch = _Batch()

    def flush() -> None:
        items, batch.pending = batch.pending, []
        if items:
            _record(vault, items, summary, collection, source, note)
        batch.since = time.monotonic()

    workers = vault.ws.settings.ingest_workers
    with ThreadPoolExecutor(max_workers=workers) as pool:
        queue = iter(candidates)
        running: dict[Future[Acquired], Candidate] = {}
        try:
            _fill(pool, queue, running, vault.store, follow_symlinks, progress, workers * 4)
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    cand = running.pop(fut)
                    _collect(vault, fut, cand, batch.pending, summary, progress)
                if summary.aborted:
                    queue = iter(())
                if (
                    len(batch.pending) >= _BATCH_ITEMS
                    or time.monotonic() - batch.since > _BATCH_SECONDS
                ):
                    flush()
                _fill(pool, queue, running, vault.store, follow_symlinks, progress, workers * 4)
        finally:
            for fut in running:
                fut.cancel()
            flush()
    return summary


def _own_files(vault: Vault) -> list[bytes]:
    """The workspace folder, a local blob folder and SQLite files, wherever settings put them."""
    settings = vault.ws.settings
    own = [settings.workspace, settings.signing_key_path]
    if "://" not in settings.resolved_store:
        own.append(Path(settings.resolved_store))
    database = vault.db.engine.url.database
    if vault.db.is_sqlite and database:
        own += [Path(database + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    return [os.fsencode(os.path.realpath(p)) for p in own]


def _fill(
    pool: ThreadPoolExecutor,
    queue: Iterator[Candidate],
    running: dict[Future[Acquired], Candidate],
    store: BlobStore,
    follow: bool,
    progress: Progress,
    limit: int,
) -> None:
    while len(running) < limit:
        cand = next(queue, None)
        if cand is None:
            return
        running[pool.submit(acquire, store, cand, follow, progress)] = cand


def _collect(
    vault: Vault,
    fut: Future[Acquired],
    cand: Candidate,
    pending: list[Acquired],
    summary: IngestSummary,
    progress: Progress,
) -> None:
    progress.file_done()
    exc = fut.exception()
    if exc is None:
        acquired = fut.result()
        pending.extend(archives.read_out(vault, acquired, summary.archives))
        if acquired.blob.size == 0:
            summary.warnings.append(
                f"{display_path(cand.path)}: zero-byte file (stored, but it holds no content)"
            )
        return
    summary.failures.append(Failure(display_path(cand.path), _reason(exc)))
    if _is_store_full(exc):
        summary.aborted = (
            f"the blob store ran out of space while storing {display_path(cand.path)}; "
            "files already ingested are intact; free space and ingest the rest again"
        )


def _record(
    vault: Vault,
    pending: list[Acquired],
    summary: IngestSummary,
    collection: str | None,
    source: str | None,
    note: str | None,
) -> None:
    recorded: list[Recorded] = vault.record(
        pending, collection=collection, source=source, note=note
    )
    for acquired, rec in zip(pending, recorded, strict=True):
        summary.files += 1
        summary.bytes += acquired.blob.size
        if rec.new:
            summary.new += 1
        else:
            summary.already_held += 1
        summary.items.append(
            {
                "id": rec.evidence_id,
                "sha256": rec.sha256,
                "path": display_path(acquired.path),
                "size": acquired.blob.size,
                "mime": acquired.mime,
                "log_index": rec.log_index,
                "new": rec.new,
            }
        )
        summary.checkpoint_size = rec.log_index + 1
