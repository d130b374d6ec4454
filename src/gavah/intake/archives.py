"""Web archives at intake: WACZ and WARC files, as Browsertrix, ArchiveWeb.page and auto-archiver
write them.

The archive itself is always kept whole as the original (it was acquired like any file before it
gets here). :func:`expand` then reads *our stored copy* and returns, after the archive, one
:class:`~gavah.vault.Acquired` per captured page or media record (HTTP ``response`` and
``resource`` records holding HTML, images, video or audio), each its own item:

- the acquisition's path is the captured URL (``WARC-Target-URI``) and its mtime the capture time
  (``WARC-Date``); its note names the archive (SHA-256) and the WARC record id;
- its metadata gains a ``web_capture`` block (URL, capture time, record id, HTTP status and type,
  the archive's SHA-256, the WARC member, whether warcio found the record's digests sound);
- the archive's metadata gains a ``web_archive`` block: what was checked and how it came out.

A WACZ (a ZIP holding ``datapackage.json``, ``pages/pages.jsonl`` and ``archive/*.warc.gz``) is
read with :mod:`zipfile`, not py-wacz: py-wacz (``wacz`` on PyPI) needs frictionless, pywb-era
indexers and boilerpy3 to do what is here a few dozen lines (hash each listed resource and
compare). Its ``datapackage-digest.json`` signature is checked with ``cryptography`` following
the WACZ signing recommendation (specs.webrecorder.net/wacz-auth): an anonymous signature
(ECDSA key in the archive) is verified; a domain signature is checked against the certificate
the archive carries, but its chain and RFC 3161 timestamp are not, so it is never called
verified. WARC records are read with warcio, which also checks each record's block and payload
digests.

Hostile archives are expected: member names that climb out of a folder, declared or actual
unpacked sizes past ``archive_max_unpacked_bytes`` (zip and gzip bombs), records past
``archive_max_record_bytes``, more than ``archive_max_records`` records, and malformed WARC all
end the reading with a clear message in the archive's ``web_archive.error``; the archive is
still stored and recorded, and records read before the problem are kept.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from gavah.errors import GavahError
from gavah.media import extract_metadata, sniff_mime
from gavah.settings import Settings
from gavah.store import BlobStore
from gavah.vault import Acquired, Vault, display_path

WACZ = "wacz"
WARC = "warc"

# A header line of a WARC or HTTP block is a few hundred bytes. warcio reads a line until its
# newline, however long: a gzip member that unpacks to gigabytes without one would be held whole
# in memory. Binary payloads hold a newline every 256 bytes on average, so a run this long is
# either hostile or nothing a web archive holds.
MAX_RUN = 16 * 2**20
_META_MAX = 64 * 2**20  # datapackage.json, its digest, pages.jsonl: lists, not media
_KINDS = {
    "text/html": "page",
    "application/xhtml+xml": "page",
}
_MEDIA_PREFIXES = {"image/": "image", "video/": "video", "audio/": "audio"}


class ArchiveError(GavahError):
    """A web archive that cannot be read (further): the message says where and why."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_unpacked_bytes: int
    max_record_bytes: int
    max_records: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ArchiveLimits:
        return cls(
            settings.archive_max_unpacked_bytes,
            settings.archive_max_record_bytes,
            settings.archive_max_records,
        )


@dataclass
class Reading:
    """What was found in one archive; ``verdict`` goes into its metadata."""

    kind: str
    hashes: dict[str, Any] = field(default_factory=lambda: {"status": "absent"})
    signature: dict[str, Any] = field(default_factory=lambda: {"status": "absent"})
    pages_listed: int | None = None
    records: int = 0
    extracted: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    digests: dict[str, int] = field(default_factory=lambda: {"sound": 0, "failed": 0, "absent": 0})
    problems: list[str] = field(default_factory=list)
    error: str | None = None
    unpacked: int = 0  # payload bytes read out
    read_bytes: int = 0  # WARC data unpacked, all members together

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def verdict(self) -> dict[str, Any]:
        return {
            "format": self.kind,
            "hashes": self.hashes,
            "signature": self.signature,
            "pages_listed": self.pages_listed,
            "records": self.records,
            "extracted": self.extracted,
            "skipped": dict(sorted(self.skipped.items())),
            "record_digests": self.digests,
            "problems": self.problems,
            "error": self.error,
        }

    def check_line(self) -> str:
        """One line on what the archive's own checks say, for each extracted item."""
        if self.kind == WARC:
            return "a bare WARC: no package hashes or signature to check"
        return f"package hashes {self.hashes['status']}; signature {self.signature['status']}"


def archive_kind(path: Path) -> str | None:
    """``wacz``, ``warc`` or None, judged from the content (names lie)."""
    with path.open("rb") as f:
        head = f.read(8)
        if head.startswith(b"PK\x03\x04"):
            try:
                with zipfile.ZipFile(f) as z:
                    names = set(z.namelist())
            except (zipfile.BadZipFile, ValueError, OSError, EOFError):
                return None
            if "datapackage.json" in names and any(n.startswith("archive/") for n in names):
                return WACZ
            return None
        f.seek(0)
        if head.startswith(b"\x1f\x8b"):
            try:
                with gzip.GzipFile(fileobj=f) as g:
                    head = g.read(8)
            except (OSError, EOFError, zlib.error):
                return None
        return WARC if head.startswith(b"WARC/") else None


def read_out(vault: Vault, acquired: Acquired, reports: list[dict[str, Any]]) -> list[Acquired]:
    """The one call from ingest: ``[acquired]``, or for a web archive the archive and its
    captured items, with a report of the archive appended to ``reports``."""
    if acquired.blob.size == 0 or not _may_hold_archive(acquired.mime):
        return [acquired]
    if not _looks_like_archive(vault.store, acquired):
        return [acquired]
    limits = ArchiveLimits.from_settings(vault.ws.settings)
    items, reading = expand(vault.store, acquired, limits)
    if reading is not None:
        name = display_path(acquired.path)
        items[1:] = [
            dataclasses.replace(item, note=archive_note(reading, acquired, item))
            for item in items[1:]
        ]
        reports.append({"path": name, "sha256": acquired.blob.sha256, **reading.verdict()})
    return items


# What sniffing calls a WACZ or WARC: a ZIP (often taken for an office file, which is a ZIP too),
# gzip, or text. Only these are opened to look, so other files cost no extra read.
_CONTAINER_MIMES = frozenset(
    {
        "application/zip",
        "application/x-zip-compressed",
        "application/gzip",
        "application/x-gzip",
        "application/warc",
        "application/octet-stream",
        "text/plain",
    }
)
MIMES = {WACZ: "application/wacz", WARC: "application/warc"}


def _looks_like_archive(store: BlobStore, acquired: Acquired) -> bool:
    """A cheap first look, so that other ZIP, gzip and text files cost only a few bytes' read:
    the head of our copy (a WARC, or gzip whose first bytes unpack to one), and for a ZIP the
    member names in the source file's directory (reading ours would mean copying it whole off
    S3). Only a hint: :func:`expand` decides from our copy."""
    with store.open(acquired.blob.sha256) as f:
        head = f.read(8)
        if head.startswith(b"\x1f\x8b"):
            head += f.read(1 << 16)
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
        except zlib.error:
            return False
    if head.startswith(b"WARC/"):
        return True
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(os.fsdecode(acquired.path)) as z:
            return "datapackage.json" in z.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return True  # the source is gone or changed: look at our copy


def _may_hold_archive(mime: str) -> bool:
    return mime in _CONTAINER_MIMES or mime.startswith(
        ("application/vnd.openxmlformats", "application/vnd.oasis", "application/epub")
    )


def expand(
    store: BlobStore, acquired: Acquired, limits: ArchiveLimits
) -> tuple[list[Acquired], Reading | None]:
    """``[acquired]`` for anything but a web archive; for one, the archive with its verdict in
    its metadata, then one item per captured page or media record (blobs already committed)."""
    with _local_copy(store, acquired.blob.sha256) as path:
        kind = archive_kind(path)
        if kind is None:
            return [acquired], None
        reading = Reading(kind)
        found: list[Acquired] = []
        reader = _Reader(store, acquired, limits, reading, found)
        try:
            if kind == WACZ:
                reader.wacz(path)
            else:
                with path.open("rb") as f:
                    reader.warc(f, display_path(acquired.path).rsplit("/", 1)[-1])
        except ArchiveError as exc:
            reading.error = exc.message
        except Exception as exc:  # noqa: BLE001 - the backstop: a reader's bug must not stop an ingest
            reading.error = f"unexpected problem reading the archive ({type(exc).__name__}: {exc})"
    metadata = {**acquired.metadata, "web_archive": reading.verdict()}
    acquired = dataclasses.replace(acquired, mime=MIMES[kind])
    line = reading.check_line()
    found = [
        dataclasses.replace(
            item,
            metadata={
                **item.metadata,
                "web_capture": {**item.metadata["web_capture"], "archive_checks": line},
            },
        )
        for item in found
    ]
    return [dataclasses.replace(acquired, metadata=metadata), *found], reading


@contextlib.contextmanager
def _local_copy(store: BlobStore, sha256: str) -> Iterator[Path]:
    """Our stored copy as a seekable local file (ZIP needs seeking; S3 streams do not)."""
    with store.open(sha256) as src:
        name = getattr(src, "name", None)
        if isinstance(name, str) and Path(name).is_file():
            yield Path(name)
            return
        # In this process's own staging folder: removed with it if the process is killed.
        folder = store._own_dir()  # noqa: SLF001
        with tempfile.NamedTemporaryFile(dir=folder, prefix="archive-") as tmp:
            shutil.copyfileobj(src, tmp, 1 << 20)
            tmp.flush()
            yield Path(tmp.name)


# --- WACZ ----------------------------------------------------------------------------------------
_SAFE_NAME = re.compile(r"^[^/\\\x00][^\\\x00]*$")


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return not _SAFE_NAME.match(name) or ".." in parts or ":" in parts[0]


class _Reader:
    def __init__(
        self,
        store: BlobStore,
        archive: Acquired,
        limits: ArchiveLimits,
        reading: Reading,
        found: list[Acquired],
    ) -> None:
        self.store = store
        self.archive = archive
        self.limits = limits
        self.reading = reading
        self.found = found
        self.pages: set[str] = set()

    def wacz(self, path: Path) -> None:
        try:
            z = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise ArchiveError(f"not a readable WACZ (ZIP): {exc}") from None
        with z:
            members = z.infolist()
            for info in members:
                if _unsafe(info.filename):
                    raise ArchiveError(
                        f"member name {info.filename!r} points outside the archive's folders; "
                        "nothing was extracted"
                    )
            declared = sum(info.file_size for info in members)
            if declared > self.limits.max_unpacked_bytes:
                raise ArchiveError(
                    f"the archive declares {declared:,} unpacked bytes, more than "
                    f"archive_max_unpacked_bytes ({self.limits.max_unpacked_bytes:,}); "
                    "nothing was extracted"
                )
            names = {info.filename: info for info in members}
            package_bytes = self._small(z, names, "datapackage.json")
            self._check_package(z, names, package_bytes)
            if "datapackage-digest.json" in names:
                self._check_digest(self._small(z, names, "datapackage-digest.json"), package_bytes)
            if "pages/pages.jsonl" in names:
                self._read_pages(self._small(z, names, "pages/pages.jsonl"))
            for name in sorted(names):
                if name.startswith("archive/") and name.endswith((".warc", ".warc.gz")):
                    with self._open(z, name) as member:
                        self.warc(member, name)

    def _open(self, z: zipfile.ZipFile, name: str) -> IO[bytes]:
        try:
            return z.open(name)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError) as exc:
            raise ArchiveError(f"{name}: cannot be read from the ZIP: {exc}") from None

    def _small(self, z: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], name: str) -> bytes:
        info = names.get(name)
        if info is None:
            raise ArchiveError(f"no {name} in the WACZ")
        if info.file_size > _META_MAX:
            raise ArchiveError(f"{name} declares {info.file_size:,} bytes: too large to be one")
        try:
            with self._open(z, name) as f:
                return f.read(_META_MAX + 1)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise ArchiveError(f"{name}: damaged in the ZIP: {exc}") from None

    def _check_package(
        self, z: zipfile.ZipFile, names: dict[str, zipfile.ZipInfo], data: bytes
    ) -> None:
        try:
            package = json.loads(data)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ArchiveError(f"datapackage.json is not JSON: {exc}") from None
        resources = package.get("resources") if isinstance(package, dict) else None
        if not isinstance(resources, list):
            raise ArchiveError("datapackage.json lists no resources")
        problems: list[str] = []
        checked = 0
        for res in resources:
            if not isinstance(res, dict) or not isinstance(res.get("path"), str):
                problems.append("a resource without a path")
                continue
            name = res["path"]
            if name not in names:
                problems.append(f"{name}: listed but not in the archive")
                continue
            algo, _, expected = str(res.get("hash", "")).partition(":")
            if algo != "sha256" or not expected:
                problems.append(f"{name}: no sha256 hash listed ({res.get('hash')!r})")
                continue
            digest, size = self._hash_member(z, name)
            checked += 1
            if digest != expected.lower():
                problems.append(f"{name}: SHA-256 {digest} differs from the listed {expected}")
            if "bytes" in res and res["bytes"] != size:
                problems.append(f"{name}: {size} bytes, listed as {res['bytes']}")
        listed = {r.get("path") for r in resources if isinstance(r, dict)}
        extra = sorted(
            n
            for n in names
            if n not in listed
            and n not in ("datapackage.json", "datapackage-digest.json")
            and not n.endswith("/")
        )
        status = "failed" if problems else "verified"
        self.reading.hashes = {
            "status": status,
            "resources_checked": checked,
            "not_listed": extra[:50],
        }
        self.reading.problems += [f"hash: {p}" for p in problems]

    def _hash_member(self, z: zipfile.ZipFile, name: str) -> tuple[str, int]:
        h = hashlib.sha256()
        size = 0
        try:
            with self._open(z, name) as f:
                while block := f.read(1 << 20):
                    h.update(block)
                    size += len(block)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise ArchiveError(f"{name}: damaged in the ZIP: {exc}") from None
        return h.hexdigest(), size

    def _check_digest(self, data: bytes, package_bytes: bytes) -> None:
        try:
            digest = json.loads(data)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ArchiveError(f"datapackage-digest.json is not JSON: {exc}") from None
        if not isinstance(digest, dict):
            raise ArchiveError("datapackage-digest.json is not a JSON object")
        actual = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
        if digest.get("hash") != actual:
            self.reading.problems.append(
                f"hash: datapackage.json is {actual}, its digest file says {digest.get('hash')}"
            )
            self.reading.hashes["status"] = "failed"
        signed = digest.get("signedData")
        if signed is not None:
            self.reading.signature = check_signature(signed, actual)
            if self.reading.signature["status"] == "failed":
                self.reading.problems.append(f"signature: {self.reading.signature['reason']}")

    def _read_pages(self, data: bytes) -> None:
        count = 0
        for line in data.splitlines():
            try:
                page = json.loads(line)
            except (UnicodeDecodeError, ValueError, RecursionError):
                continue
            if isinstance(page, dict) and isinstance(page.get("url"), str):
                count += 1
                self.pages.add(page["url"])
        self.reading.pages_listed = count

    # --- WARC ------------------------------------------------------------------------------------
    def warc(self, raw: IO[bytes] | BinaryIO, member: str) -> None:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed
        from warcio.statusandheaders import StatusAndHeadersParserException

        _quiet_warcio()
        stream = _Bounded(raw, self.reading, self.limits.max_unpacked_bytes, member)
        checkers: list[Any] = []
        records = ArchiveIterator(stream, check_digests=True)
        try:
            for record in records:
                self.reading.records += 1
                if self.reading.records > self.limits.max_records:
                    raise ArchiveError(
                        f"{member}: more than archive_max_records "
                        f"({self.limits.max_records:,}) records; the rest were not read"
                    )
                checker = getattr(record, "digest_checker", None)
                got = self._record(record, member, checker)
                if got is not None and checker is not None:
                    checkers.append((checker, len(self.found) - 1))
        except (
            ArchiveLoadFailed,
            StatusAndHeadersParserException,
            ValueError,
            EOFError,
            OSError,
            zlib.error,
            IndexError,
            KeyError,
            AttributeError,  # warcio 1.8.1 on a response record without a WARC-Target-URI
            TypeError,
        ) as exc:
            raise ArchiveError(
                f"{member}: malformed WARC after {self.reading.records} record(s): "
                f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
            ) from None
        finally:
            self._digests(checkers)
            if records.err_count:
                self.reading.problems.append(
                    f"framing: {member}: {records.err_count} record(s) not followed by the blank "
                    "lines their Content-Length implies (a wrong length, or damage)"
                )

    def _digests(self, checkers: list[Any]) -> None:
        for checker, position in checkers:
            passed = checker.passed
            state = "absent" if passed is None else "sound" if passed else "failed"
            self.reading.digests[state] += 1
            item = self.found[position]
            capture = {**item.metadata["web_capture"], "record_digests": state}
            self.found[position] = dataclasses.replace(
                item, metadata={**item.metadata, "web_capture": capture}
            )
            if state == "failed":
                self.reading.problems.append(
                    f"digest: record {capture['record_id']} ({capture['url']}): "
                    + "; ".join(map(str, checker.problems))
                )

    def _record(self, record: Any, member: str, checker: Any) -> Acquired | None:
        if record.rec_type not in ("response", "resource"):
            self.reading.skip(f"{record.rec_type} record")
            return None
        headers = record.rec_headers
        url = headers.get_header("WARC-Target-URI") or ""
        date = headers.get_header("WARC-Date") or ""
        record_id = headers.get_header("WARC-Record-ID") or ""
        status = None
        if record.http_headers is not None and record.rec_type == "response":
            ctype = record.http_headers.get_header("Content-Type") or ""
            status = record.http_headers.get_statuscode()
            if not str(status).startswith("2"):
                self.reading.skip("HTTP status not 2xx")
                return None
        else:
            ctype = headers.get_header("Content-Type") or ""
        base = ctype.split(";", 1)[0].strip().lower()
        kind = _KINDS.get(base) or next(
            (k for p, k in _MEDIA_PREFIXES.items() if base.startswith(p)), None
        )
        if kind is None:
            self.reading.skip("not a page or media")
            return None
        length = int(headers.get_header("Content-Length") or 0)
        if length > self.limits.max_record_bytes:
            self._too_big(url)
            return None
        capped = _Capped(record.content_stream(), self.limits.max_record_bytes)
        try:
            staged = self.store.stage(capped)  # type: ignore[arg-type]
        except _TooBig:
            self._too_big(url)
            return None
        # Content-Length promised more than the file holds: a cut-off capture (warcio stops
        # quietly, and cannot check the digests of what is not there).
        missing = max(0, int(getattr(record.raw_stream, "limit", 0) or 0))
        try:
            self.reading.unpacked += staged.info.size
            if self.reading.unpacked > self.limits.max_unpacked_bytes:
                raise ArchiveError(
                    f"the records unpack to more than archive_max_unpacked_bytes "
                    f"({self.limits.max_unpacked_bytes:,}); the rest were not extracted"
                )
            mime = sniff_mime(staged.path)
            metadata = extract_metadata(staged.path, mime)
            self.store.commit(staged)
        finally:
            self.store.discard(staged)
        capture = {
            "url": url,
            "captured_at": date,
            "record_id": record_id,
            "record_type": record.rec_type,
            "kind": "page" if kind == "page" and (not self.pages or url in self.pages) else kind,
            "http_status": None if status is None else str(status),
            "content_type": ctype[:200],
            "listed_page": url in self.pages,
            "archive_sha256": self.archive.blob.sha256,
            "archive_member": member,
            "record_digests": "absent" if checker is None else "unchecked",
        }
        if missing:
            capture["truncated_bytes_missing"] = missing
            self.reading.problems.append(
                f"truncated: {url}: record {record_id} lacks {missing:,} of the bytes its "
                "Content-Length promises (kept, marked as cut off)"
            )
        got = Acquired(
            url.encode("utf-8", "surrogatepass"),
            _capture_time(date),
            None,
            staged.info,
            mime,
            {**metadata, "web_capture": capture},
        )
        self.found.append(got)
        self.reading.extracted += 1
        return got

    def _too_big(self, url: str) -> None:
        self.reading.skip("larger than archive_max_record_bytes")
        self.reading.problems.append(
            f"size: {url}: over archive_max_record_bytes ({self.limits.max_record_bytes:,}); "
            "not extracted (it stays inside the archive, which is kept whole)"
        )


_WARC_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


def _capture_time(date: str) -> str | None:
    """WARC-Date as the acquisition's time (ISO 8601 UTC, as the WARC gives it), or None."""
    return date if _WARC_DATE.match(date) else None


def archive_note(reading: Reading, acquired: Acquired, item: Acquired) -> str:
    """The acquisition note of an extracted item: the archive and record it came from."""
    capture = item.metadata["web_capture"]
    name = display_path(acquired.path).rsplit("/", 1)[-1]
    member = "" if capture["archive_member"] == name else f" of {capture['archive_member']}"
    return (
        f"web capture of {capture['url']} at {capture['captured_at']}, record "
        f"{capture['record_id']}{member} in web archive {name} (SHA-256 "
        f"{acquired.blob.sha256}; {reading.check_line()})"
    )


# --- signatures (WACZ signing recommendation) ----------------------------------------------------
def check_signature(signed: Any, digest_hash: str) -> dict[str, Any]:
    """The ``signedData`` of ``datapackage-digest.json``, checked as far as gavah can:
    ``verified`` (anonymous: the archive's own ECDSA key signed this datapackage), ``failed``
    (it does not match), or ``unverified`` with the reason (never claimed verified)."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    if not isinstance(signed, dict):
        return {"status": "failed", "reason": "signedData is not a JSON object"}
    info = {
        k: signed[k] for k in ("created", "software", "domain") if isinstance(signed.get(k), str)
    }
    if signed.get("hash") != digest_hash:
        return {**info, "status": "failed", "reason": "the signed hash is not datapackage.json's"}
    try:
        signature = base64.b64decode(str(signed.get("signature", "")), validate=True)
    except (binascii.Error, ValueError):
        return {**info, "status": "failed", "reason": "the signature is not base64"}
    message = digest_hash.encode("ascii")

    def ec_ok(key: ec.EllipticCurvePublicKey) -> bool:
        candidates = [signature]
        half = (key.curve.key_size + 7) // 8
        if len(signature) == 2 * half:  # WebCrypto's raw r||s (IEEE P1363)
            from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

            r, s = int.from_bytes(signature[:half]), int.from_bytes(signature[half:])
            candidates.append(encode_dss_signature(r, s))
        for sig in candidates:
            try:
                key.verify(sig, message, ec.ECDSA(hashes.SHA256()))
                return True
            except InvalidSignature:
                continue
        return False

    try:
        if "publicKey" in signed:
            der = base64.b64decode(str(signed["publicKey"]), validate=True)
            key = serialization.load_der_public_key(der)
            if not isinstance(key, ec.EllipticCurvePublicKey):
                return {**info, "status": "unverified", "reason": "the public key is not ECDSA"}
            if not ec_ok(key):
                return {**info, "status": "failed", "reason": "the signature does not match"}
            return {
                **info,
                "status": "verified",
                "kind": "anonymous",
                "public_key_sha256": hashlib.sha256(der).hexdigest(),
                "meaning": "the datapackage (and so every hashed file) is as the holder of this "
                "key signed it; who holds the key is not said by the archive",
            }
        if "domainCert" in signed:
            certs = x509.load_pem_x509_certificates(str(signed["domainCert"]).encode("ascii"))
            leaf = certs[0].public_key()
            if isinstance(leaf, ec.EllipticCurvePublicKey):
                ok = ec_ok(leaf)
            elif isinstance(leaf, rsa.RSAPublicKey):
                try:
                    leaf.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
                    ok = True
                except InvalidSignature:
                    ok = False
            else:
                return {**info, "status": "unverified", "reason": "a key type gavah cannot check"}
            if not ok:
                return {
                    **info,
                    "status": "failed",
                    "reason": "the signature does not match the certificate the archive carries",
                }
            return {
                **info,
                "status": "unverified",
                "kind": "domain",
                "reason": "the signature matches the certificate the archive carries for "
                f"{info.get('domain', 'its domain')}, but gavah does not check that certificate's "
                "chain to a trusted authority at the signing time nor the RFC 3161 timestamp: "
                "the signer's identity is NOT verified",
            }
    except (binascii.Error, ValueError, UnsupportedAlgorithm, TypeError, IndexError) as exc:
        return {**info, "status": "failed", "reason": f"unreadable key or certificate: {exc}"}
    return {**info, "status": "unverified", "reason": "a signature of a kind gavah does not know"}


# --- warcio's own warnings -------------------------------------------------------------------------
class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


class _QuietSys:
    """What warcio's reading modules see as ``sys``: they use it only to write warnings to
    stderr, mid-progress-bar; gavah reports the same problems itself (``problems``)."""

    stderr = _Discard()


def _quiet_warcio() -> None:
    import warcio.archiveiterator
    import warcio.bufferedreaders

    for module in (warcio.archiveiterator, warcio.bufferedreaders):
        module.sys = _QuietSys
    logging.getLogger("warcio").setLevel(logging.ERROR)  # "Replacing spaces in invalid URI"


# --- bounded streams -----------------------------------------------------------------------------
class _TooBig(Exception):
    pass


class _Capped:
    """At most ``limit`` bytes of a record's payload; one more raises :class:`_TooBig`."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream = stream
        self.left = limit

    def read(self, n: int = -1) -> bytes:
        block: bytes = self.stream.read(1 << 20 if n < 0 else n)
        self.left -= len(block)
        if self.left < 0:
            raise _TooBig
        return block


class _Bounded:
    """The WARC as it unpacks (gzip members are unpacked here, one block at a time): refuses more
    than ``limit`` unpacked bytes in all, and a run of more than :data:`MAX_RUN` bytes without a
    newline, which warcio would try to hold as one header line."""

    def __init__(self, raw: Any, reading: Reading, limit: int, member: str) -> None:
        head = raw.read(2)
        rest = _Prefixed(head, raw)
        self.stream: Any = gzip.GzipFile(fileobj=rest) if head == b"\x1f\x8b" else rest  # type: ignore[call-overload]
        self.reading = reading
        self.limit = limit
        self.member = member
        self.total = 0
        self.run = 0

    def tell(self) -> int:
        return self.total

    def read(self, n: int = -1) -> bytes:
        try:
            block: bytes = self.stream.read(1 << 16 if n < 0 else min(n, 1 << 20))
        except (OSError, EOFError, zlib.error) as exc:
            raise ArchiveError(f"{self.member}: damaged compression: {exc}") from None
        self.total += len(block)
        self.reading.read_bytes += len(block)
        if self.reading.read_bytes > self.limit:
            raise ArchiveError(
                f"{self.member}: the WARC data unpacks to more than archive_max_unpacked_bytes "
                f"({self.limit:,}); the rest was not read"
            )
        newline = block.rfind(b"\n")
        self.run = len(block) - newline - 1 if newline >= 0 else self.run + len(block)
        if self.run > MAX_RUN:
            raise ArchiveError(
                f"{self.member}: {MAX_RUN:,} bytes without a line break where a WARC header "
                "was expected; not a WARC this reader will hold in memory"
            )
        return block


class _Prefixed:
    """``head`` then the rest of ``raw`` (the two bytes read to tell gzip from plain)."""

    def __init__(self, head: bytes, raw: Any) -> None:
        self.head = head
        self.raw = raw

    def read(self, n: int = -1) -> bytes:
        if self.head:
            block, self.head = (
                (self.head, b"")
                if n < 0 or n >= len(self.head)
                else (
                    self.head[:n],
                    self.head[n:],
                )
            )
            return block
        data: bytes = self.raw.read(n)
        return data
