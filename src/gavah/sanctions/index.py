"""The stored candidate index: one file per list snapshot, built on import, loaded in milliseconds.

:class:`gavah.sanctions.match.Index` holds a :class:`~gavah.sanctions.match.Record` per entry,
and reading the names of 10⁶ entries takes minutes. Here the same inverted index (blocking key →
entry numbers) is kept in the workspace as numpy arrays, and a Record is made only for the
entries a query meets, from the entry as stored (:data:`Payload`), by the running code's
:func:`match.record`. The answers are those of ``match.Index`` over the same records in the
same order.

The file (``WORKSPACE/index/sanctions/LIST.SNAPSHOT.npz``, 0600) holds:

==================  ===========================================================================
``key_hash``        the first 8 bytes of BLAKE2b of each blocking key, sorted (a collision only
                    adds a candidate, which is then scored like any other)
``key_start``       where each key's entries start in ``postings`` (one more than keys)
``postings``        entry numbers, ascending within each key
``kind``            each entry's kind, as its position in :data:`KINDS`
``payload``         each entry as compact JSON (:data:`Payload`: its FtM entity, reference,
``payload_start``   list and caption), concatenated, and where each starts
``manifest``        JSON: the list, snapshot, the snapshot's ``entries_sha256``, the entry count
                    and :func:`code_version` (a digest of the code that makes keys and records)
==================  ===========================================================================

It is read with ``allow_pickle=False``: a workspace file holds numbers and text, never code. It is
derived data: a file whose manifest does not name the snapshot's digest and the running code is
stale and is built again (:meth:`Indexes.of_list`), and so is one that cannot be read; ``gavah
sanctions index --rebuild`` rebuilds every one. Reading the file checks each array's CRC-32 (the
zip format's own).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import numpy as np
import numpy.typing as npt
from followthemoney import model

from gavah.errors import IntegrityError
from gavah.sanctions import match

if TYPE_CHECKING:
    from gavah.sanctions.store import Sanctions

FORMAT_VERSION = 1
KINDS: tuple[match.Kind, ...] = get_args(match.Kind)
PARALLEL_FROM = 20_000  # fewer entries than this are read in this process (a pool costs ~1 s)
CHUNK = 5_000
CACHE_RECORDS = 50_000  # records kept per loaded index, most recently met first
CACHE_COUNTS = 1_000_000  # keys' entry counts kept per loaded index
_ARRAYS = ("key_hash", "key_start", "postings", "kind", "payload", "payload_start", "manifest")
# The code whose change changes keys or records: a stored index made by other code is stale.
_CODE = (
    ("gavah.sanctions", "match.py"),
    ("gavah.sanctions", "bodies.py"),  # a body's other names are read for keys too
    ("gavah.sanctions", "index.py"),
    ("gavah.text", "name_compare.py"),
    ("gavah.text", "names.py"),
)

IntArray = npt.NDArray[np.int64]
_Found = tuple[int, str, npt.NDArray[np.integer[Any]]]  # entries holding a key, the key, them


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the modules that make blocking keys and records (:data:`_CODE`)."""
    h = hashlib.sha256(f"format {FORMAT_VERSION}\n".encode())
    for package, name in _CODE:
        source = resources.files(package) / name
        h.update(source.read_bytes() if source.is_file() else f"no {name}".encode())
    return h.hexdigest()[:32]


def key_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


# --- records as stored ---------------------------------------------------------------------------

Payload = dict[str, Any]
"""What a record is made from: ``entity`` (FtM JSON), ``ref``, ``source``, ``id`` and ``extra``
(programmes, listing date, jurisdiction). Stored as it is (with ``name``, the caption), and made
into a record again by :func:`record_of` (so the record is always the running code's
:func:`match.record`)."""


def record_of(payload: Payload) -> match.Record | None:
    """The record of one stored entry (None when it has no readable name)."""
    extra = {k: tuple(v) if isinstance(v, list) else v for k, v in payload["extra"].items()}
    return match.readable(
        model.get_proxy(payload["entity"]),
        payload["ref"],
        payload["source"],
        payload["id"],
        **extra,
    )


def list_payload(
    list_name: str,
    jurisdiction: str | None,
    source_id: str,
    entity: Mapping[str, Any],
    programs: Sequence[str],
    listed_on: str | None,
) -> Payload:
    return {
        "entity": dict(entity),
        "ref": f"list:{list_name}:{source_id}",
        "source": list_name,
        "id": source_id,
        "extra": {
            "programs": list(programs),
            "listed_on": listed_on,
            "jurisdiction": jurisdiction,
        },
    }


# --- building ------------------------------------------------------------------------------------

_Read = tuple[int, list[str], bytes]  # kind, blocking keys, payload


def _read_one(payload: Payload) -> _Read | None:
    """An entry's kind, keys and stored form. Only the keys are read (match.blocking_keys), not
    the whole record a comparison needs: that halves the cost of a build; the record is made
    again from the stored form when the entry is met (:func:`record_of`)."""
    entity = model.get_proxy(payload["entity"])
    found = match.blocking_keys(entity)
    if found is None:
        return None
    kind, keys = found
    stored = {**payload, "name": entity.caption}  # for listings that read no names
    data = json.dumps(stored, ensure_ascii=False, separators=(",", ":")).encode()
    return KINDS.index(kind), sorted(keys), data


def _read_chunk(payloads: Sequence[Payload]) -> list[_Read | None]:
    return [_read_one(p) for p in payloads]


def _workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def read_all(payloads: Sequence[Payload], workers: int | None = None) -> Iterator[_Read | None]:
    """Each entry's kind, blocking keys and stored form, in order; in worker processes when there
    are many (reading names is the slow part: some 100 µs a name)."""
    workers = _workers() if workers is None else workers
    chunks = [payloads[i : i + CHUNK] for i in range(0, len(payloads), CHUNK)]
    if workers <= 1 or len(payloads) < PARALLEL_FROM:
        for chunk in chunks:
            yield from _read_chunk(chunk)
        return
    # spawn, not fork: the caller may hold database connections and threads.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        for done in pool.map(_read_chunk, chunks):
            yield from done


def build(
    path: Path,
    manifest: Mapping[str, Any],
    payloads: Sequence[Payload],
    workers: int | None = None,
) -> StoredIndex:
    """Write the index of the records of ``payloads`` (those without a readable name left out)
    to ``path``, atomically and readable by its owner only, and return it loaded."""
    kinds = bytearray()
    stored: list[bytes] = []
    key_ids: dict[str, int] = {}
    posting_key: list[int] = []
    posting_entry: list[int] = []
    for read in read_all(payloads, workers):
        if read is None:
            continue
        kind, keys, data = read
        number = len(stored)
        kinds.append(kind)
        stored.append(data)
        for k in keys:
            posting_key.append(key_ids.setdefault(k, len(key_ids)))
        posting_entry.extend([number] * len(keys))
    arrays = _arrays(key_ids, posting_key, posting_entry, kinds, stored)
    arrays["manifest"] = _bytes(
        json.dumps({**manifest, "entries": len(stored), "code": code_version()}).encode()
    )
    _save(path, arrays)
    return StoredIndex.load(path)


def _arrays(
    key_ids: Mapping[str, int],
    posting_key: list[int],
    posting_entry: list[int],
    kinds: bytearray,
    payloads: list[bytes],
) -> dict[str, npt.NDArray[Any]]:
    hashes = np.fromiter((key_hash(k) for k in key_ids), dtype=np.uint64, count=len(key_ids))
    by_key = hashes[np.asarray(posting_key, dtype=np.int64)]
    entries = np.asarray(posting_entry, dtype=np.int32)
    order = np.lexsort((entries, by_key))
    by_key, entries = by_key[order], entries[order]
    keep = np.ones(len(entries), dtype=bool)  # two keys of one hash: each entry once
    keep[1:] = (by_key[1:] != by_key[:-1]) | (entries[1:] != entries[:-1])
    by_key, entries = by_key[keep], entries[keep]
    unique, starts = np.unique(by_key, return_index=True)
    lengths = np.fromiter(map(len, payloads), dtype=np.int64, count=len(payloads))
    return {
        "key_hash": unique,
        "key_start": np.append(starts, len(entries)).astype(np.int64),
        "postings": entries,
        "kind": np.frombuffer(bytes(kinds), dtype=np.uint8),
        "payload": _bytes(b"".join(payloads)),
        "payload_start": np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
    }


def _bytes(data: bytes) -> npt.NDArray[np.uint8]:
    return np.frombuffer(data, dtype=np.uint8)


def _save(path: Path, arrays: Mapping[str, npt.NDArray[Any]]) -> None:
    _private_folder(path.parent)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:  # mkstemp makes the file 0600
        with os.fdopen(fd, "wb") as f:
            np.savez(f, allow_pickle=False, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _private_folder(folder: Path) -> None:
    """``folder`` and every missing folder above it, 0700 (mkdir's ``parents`` would make the
    upper ones with the umask's mode)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir(mode=0o700, exist_ok=True)


# --- querying -----------------------------------------------------------------------------------


class StoredIndex(match.Index):
    """``match.Index``'s ``candidates`` and ``namesakes`` over one or more stored files (several
    lists screened at once: their entries numbered one after the other, as if in one index).
    A subclass so that ``match.screen`` and ``match.score`` take it; it holds no ``records``
    list and cannot ``add`` (:meth:`payloads` lists the entries)."""

    def __init__(self, parts: Sequence[_Part]) -> None:  # no super(): nothing in memory
        self.parts = list(parts)
        self.offsets = np.cumsum([0, *(len(p) for p in self.parts)])
        self._kinds = b"".join(p.kind.tobytes() for p in self.parts)  # by entry number
        self._rarest: match.RarestKeys = (None, ())  # the last query's keys (namesakes)
        self._cache: OrderedDict[int, match.Record] = OrderedDict()
        self._numbers: dict[str, int] = {}  # ref -> entry number, of the records in _cache
        self._counts: dict[str, int] = {}  # key -> entries holding it (namesakes asks often)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> StoredIndex:
        return cls([_Part.load(path)])

    @classmethod
    def union(cls, indexes: Iterable[StoredIndex]) -> StoredIndex:
        return cls([p for index in indexes for p in index.parts])

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def add(self, rec: match.Record) -> None:
        raise TypeError("a stored index is built whole (gavah.sanctions.index.build)")

    @property
    def manifests(self) -> list[dict[str, Any]]:
        return [p.manifest for p in self.parts]

    def candidates(
        self, query: match.Record, limit: int = match.MAX_CANDIDATES
    ) -> list[match.Record]:
        """As :meth:`match.Index.candidates`: records of a compatible kind sharing a key with
        ``query``, those sharing the rarest keys first."""
        # In order of size, then of key, as match.Index.candidates (not the set's hash order).
        found = sorted(self._lookup(sorted(query.names.keys)), key=lambda t: t[:2])
        self._rarest = (query, tuple((size, key) for size, key, _ in found))
        if not found:
            return []
        usable = [t for t in found if t[0] <= match.MAX_POSTINGS] or found[:1]
        numbers = np.concatenate([p for _, _, p in usable])
        weights = np.repeat([1.0 / size for size, _, _ in usable], [size for size, _, _ in usable])
        entries, at = np.unique(numbers, return_inverse=True)
        total = np.bincount(at, weights=weights)  # summed in key order, as match.Index does
        best = _best(entries, total, limit * 2)
        kinds, fits = self._kinds, _fitting(query.kind)
        out = []
        for i in best:
            if kinds[i] not in fits:
                continue
            rec = self.record(i)
            if rec.ref != query.ref:
                out.append(rec)
                if len(out) >= limit:
                    break
        return out

    def _lookup(self, keys: Sequence[str]) -> list[_Found]:
        """Each of ``keys`` held by some entry: how many hold it, the key, and their numbers
        (every part's, numbered as one index); one search of each part for all the keys."""
        if not self.parts:  # no list imported: nothing holds any key
            return []
        hashes = np.fromiter(map(key_hash, keys), dtype=np.uint64, count=len(keys))
        spans = [part.spans_of(hashes) for part in self.parts]
        out: list[_Found] = []
        for n, key in enumerate(keys):
            found = [
                part.postings[starts[n] : ends[n]]
                for part, (starts, ends) in zip(self.parts, spans, strict=True)
            ]
            if len(found) == 1:
                numbers = found[0]
            else:
                numbers = np.concatenate(
                    [
                        p.astype(np.int64) + int(at)
                        for p, at in zip(found, self.offsets, strict=False)
                    ]
                )
            if len(numbers):
                out.append((len(numbers), key, numbers))
        return out

    def _locate(self, i: int) -> tuple[_Part, int]:
        if len(self.parts) == 1:
            return self.parts[0], i
        n = int(np.searchsorted(self.offsets, i, side="right")) - 1
        return self.parts[n], i - int(self.offsets[n])

    def record(self, i: int) -> match.Record:
        """Entry ``i``'s record, built once and kept while it is among the recently met."""
        with self._lock:
            if (rec := self._cache.get(i)) is not None:
                self._cache.move_to_end(i)
                return rec
        part, j = self._locate(i)
        rec = record_of(json.loads(part.payload_of(j)))
        if rec is None:  # it had a readable name when the index was built, by this code
            raise IntegrityError(f"entry {j} of the stored index {part.manifest} has no name")
        with self._lock:
            self._cache[i] = rec
            self._numbers[rec.ref] = i
            if len(self._cache) > CACHE_RECORDS:
                _, old = self._cache.popitem(last=False)
                self._numbers.pop(old.ref, None)
        return rec

    def payload_of(self, rec: match.Record) -> Payload:
        """The stored entry of a record this index has just given (its FtM entity, ...)."""
        with self._lock:
            i = self._numbers.get(rec.ref)
        if i is None:
            raise KeyError(f"{rec.ref} was not met recently in this index")
        part, j = self._locate(i)
        payload: Payload = json.loads(part.payload_of(j))
        return payload

    def payloads(self) -> Iterator[Payload]:
        """Every entry as stored (:data:`Payload`), without reading names."""
        for part in self.parts:
            for j in range(len(part)):
                yield json.loads(part.payload_of(j))

    def namesakes(self, query: match.Record, found: match.Record) -> int:
        """As :meth:`match.Index.namesakes`: how many entries hold the rarest key the two share."""
        if (rarest := match.rarest_shared(self._rarest, query, found)) is not None:
            return rarest
        shared = query.names.keys & found.names.keys
        return min((n for k in shared if (n := self._count(k))), default=0)

    def _count(self, key: str) -> int:
        """How many entries hold ``key``, looked up once per key (the same keys of a query are
        asked about for each of its candidates)."""
        found = self._counts.get(key)
        if found is None:
            h = key_hash(key)
            found = sum(part.count_of(h) for part in self.parts)
            if len(self._counts) >= CACHE_COUNTS:
                self._counts.clear()
            self._counts[key] = found
        return found


@lru_cache(maxsize=len(KINDS))
def _fitting(kind: match.Kind) -> frozenset[int]:
    """The kinds (positions in :data:`KINDS`) of entries that a query of ``kind`` may meet."""
    return frozenset(n for n, other in enumerate(KINDS) if match.compatible(kind, other))


def _best(entries: IntArray, total: npt.NDArray[Any], n: int) -> list[int]:
    """The ``n`` entries of highest weight, ties to the lower number (as match.Index's
    ``heapq.nlargest`` with the key (weight, -number))."""
    # ``entries`` ascend (np.unique), so a stable sort by weight alone breaks ties by number
    order = np.argsort(-total, kind="stable")[:n]
    best: list[int] = entries[order].tolist()
    return best


@dataclass(frozen=True)
class _Part:
    """One stored file, its arrays in memory."""

    manifest: dict[str, Any]
    key_hash: npt.NDArray[np.uint64]
    key_start: IntArray
    postings: npt.NDArray[np.int32]
    kind: npt.NDArray[np.uint8]
    payload: npt.NDArray[np.uint8]
    payload_start: IntArray

    @classmethod
    def load(cls, path: Path) -> _Part:
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in _ARRAYS}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise IntegrityError(
                f"the stored index {path} cannot be read: {exc}",
                hint="gavah sanctions index --rebuild builds it again from the lists",
            ) from None
        manifest = json.loads(arrays.pop("manifest").tobytes())
        return cls(manifest=manifest, **arrays)

    def __len__(self) -> int:
        return len(self.kind)

    def _span(self, h: int) -> tuple[int, int]:
        at = int(np.searchsorted(self.key_hash, np.uint64(h)))
        if at == len(self.key_hash) or int(self.key_hash[at]) != h:
            return 0, 0
        return int(self.key_start[at]), int(self.key_start[at + 1])

    def spans_of(self, hashes: npt.NDArray[np.uint64]) -> tuple[list[int], list[int]]:
        """Where the entries of each of ``hashes`` start and end in ``postings`` (0, 0 for a
        hash no key has)."""
        if not len(self.key_hash):
            return [0] * len(hashes), [0] * len(hashes)
        at = self.key_hash.searchsorted(hashes)
        inside = np.minimum(at, len(self.key_hash) - 1)
        held = (at < len(self.key_hash)) & (self.key_hash[inside] == hashes)
        starts = np.where(held, self.key_start[inside], 0)
        ends = np.where(held, self.key_start[inside + 1], 0)
        return starts.tolist(), ends.tolist()

    def count_of(self, h: int) -> int:
        start, end = self._span(h)
        return end - start

    def payload_of(self, j: int) -> bytes:
        start, end = int(self.payload_start[j]), int(self.payload_start[j + 1])
        return self.payload[start:end].tobytes()


# --- in the workspace ----------------------------------------------------------------------------

Row = tuple[str, str | None, str, str, str, str | None]
"""A stored entry as the index reads it: list, jurisdiction, source id, the entity's FtM JSON,
the programmes' JSON, the listing date."""


def row_payload(row: Row) -> Payload:
    name, jurisdiction, source_id, entity, programs, listed_on = row
    return list_payload(
        name, jurisdiction, source_id, json.loads(entity), json.loads(programs), listed_on
    )


@dataclass(frozen=True)
class Snapshot:
    """What a stored index is built from and checked against."""

    list_name: str
    jurisdiction: str | None
    id: int
    entries_sha256: str

    def manifest(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "list": self.list_name,
            "jurisdiction": self.jurisdiction,
            "snapshot": self.id,
            "entries_sha256": self.entries_sha256,
        }


class Indexes:
    """The stored indexes of a workspace's lists (latest snapshots), built when missing or
    stale, and kept loaded while they are current."""

    def __init__(self, sanctions: Sanctions, workers: int | None = None) -> None:
        self.sanctions = sanctions
        self.folder = sanctions.vault.ws.settings.workspace / "index" / "sanctions"
        self.workers = workers
        self._loaded: dict[Path, StoredIndex] = {}
        self._lock = threading.Lock()

    def path(self, snap: Snapshot) -> Path:
        return self.folder / f"{snap.list_name}.{snap.id}.npz"

    def of_list(self, name: str, *, rebuild: bool = False) -> StoredIndex:
        """The index of list ``name``'s latest snapshot."""
        snap = self.sanctions.snapshot(name)
        path = self.path(snap)
        with self._lock:  # one build at a time in a process (the web server's threads)
            current = None if rebuild else self._current(path, snap)
            if current is None:
                current = self.build(snap, self.sanctions.entry_rows(snap.list_name, snap.id))
            self._loaded[path] = current
            return current

    def of_lists(self, names: Sequence[str], *, rebuild: bool = False) -> StoredIndex:
        """One index over several lists, their entries in the order given."""
        return StoredIndex.union(self.of_list(n, rebuild=rebuild) for n in names)

    def _current(self, path: Path, snap: Snapshot) -> StoredIndex | None:
        """The stored index of ``snap`` if it is there and current; None if it must be built
        (missing, stale, or unreadable: it is derived data, built again from the entries)."""
        found = self._loaded.get(path)
        if found is None and path.exists():
            try:
                found = StoredIndex.load(path)
            except IntegrityError:
                return None
        if found is None or found.manifests[0] != {**snap.manifest(), **_built(found)}:
            return None
        return found

    def build(self, snap: Snapshot, rows: Iterable[Row]) -> StoredIndex:
        """Build the index of ``snap`` from its entries (in source-id order, as
        ``Sanctions.entries`` gives them) and drop the list's older index files."""
        payloads = [row_payload(r) for r in sorted(rows, key=lambda r: r[2])]
        built = build(self.path(snap), snap.manifest(), payloads, self.workers)
        for old in self.folder.glob("*.npz"):
            head, _, number = old.name.removesuffix(".npz").rpartition(".")
            if head == snap.list_name and number.isdigit() and old != self.path(snap):
                old.unlink(missing_ok=True)
        return built


def _built(index: StoredIndex) -> dict[str, Any]:
    """The manifest's fields that describe the build, not the snapshot: they must be this code's."""
    manifest = index.manifests[0]
    return {"entries": manifest.get("entries"), "code": code_version()}
