"""Files that arrived through the web workspace's resumable uploads (tus 1.0), into the vault.

The tus server library keeps the bytes of an upload in progress in a folder of the uploading
account's own; when the last byte is in, :func:`record_upload` acquires that file exactly as
`gavah ingest` acquires a file on disk (hashed while copied into the blob store, type sniffed and
metadata read from our copy), records it with the name the browser gave, and deletes the
upload's own copy. The browser's name is kept as given, as data: it never becomes a path.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gavah.bundles.receive import Arrival, is_piece, receive_piece
from gavah.custody.log import Appender, utcnow
from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.intake import Progress
from gavah.intake.ingest import Candidate, acquire
from gavah.vault import Recorded, Vault

MAX_NAME_BYTES = 1024
MAX_FIELD = 4000
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


def account_folder(uploads_dir: Path, account_id: int) -> Path:
    """Where one account's uploads in progress live: nobody else's requests look there."""
    return uploads_dir / f"account-{account_id}"


def clean_metadata(metadata: dict[str, Any]) -> dict[str, str | None]:
    """The fields gavah takes from an upload's metadata, checked; anything else is ignored."""
    name = str(metadata.get("filename") or "").strip()
    if not name:
        raise InputError("the upload has no file name", hint="send metadata 'filename'")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES or "\x00" in name:
        raise InputError(f"the file name is longer than {MAX_NAME_BYTES} bytes or holds a NUL")
    collection = str(metadata.get("collection") or "").strip()
    if not collection:
        raise InputError("choose the collection the file goes into", hint="metadata 'collection'")
    fields: dict[str, str | None] = {"filename": name, "collection": collection}
    for key in ("source", "note"):
        value = str(metadata.get(key) or "").strip()
        if len(value) > MAX_FIELD:
            raise InputError(f"the {key} is longer than {MAX_FIELD} characters")
        fields[key] = value or None
    return fields


def record_upload(vault: Vault, data_path: Path, metadata: dict[str, Any]) -> Recorded | Arrival:
    """Acquire a completed upload into the vault and record it; the upload's copy is removed.
    A sealed bundle's piece is not evidence: it goes to the bundle opener for the collection
    (docs/bundles.md §5.5), and its receipt says where its bundle stands there."""
    fields = clean_metadata(metadata)
    if is_piece(data_path):
        return _receive_piece(vault, data_path, fields)
    raw = os.fsencode(data_path)
    acquired = acquire(vault.store, Candidate(raw, os.stat(raw).st_size), False, Progress())
    # The file as the browser named it; its times are unknown (a browser does not send them).
    name = str(fields["filename"]).encode("utf-8", "surrogatepass")
    acquired = dataclasses.replace(acquired, path=name, mtime=None, ctime=None)
    recorded = vault.record(
        [acquired], collection=fields["collection"], source=fields["source"], note=fields["note"]
    )[0]
    _write_receipt(data_path, recorded, _new_in(vault, recorded, str(fields["collection"])))
    _remove_upload(data_path)
    return recorded


def _receive_piece(vault: Vault, data_path: Path, fields: dict[str, str | None]) -> Arrival:
    arrival = receive_piece(
        vault,
        data_path,
        str(fields["collection"]),
        given_as=fields["filename"],
        source=fields["source"],
        note=fields["note"],
    )
    _write_json(data_path, {"bundle": arrival.to_dict()})
    _remove_upload(data_path)
    return arrival


def _remove_upload(data_path: Path) -> None:
    for leftover in (data_path, data_path.with_name(data_path.name + ".info")):
        leftover.unlink(missing_ok=True)


def _new_in(vault: Vault, recorded: Recorded, collection: str) -> bool:
    """Whether no earlier acquisition put this content into ``collection``. Content addressing
    must not become an oracle: whether *another* collection holds the same bytes is none of the
    uploader's business, so the receipt never says (``Recorded.new`` would)."""
    acq = models.Acquisition
    with vault.db.read() as session:
        earlier = session.execute(
            select(acq.log_index)
            .where(
                acq.evidence_id == recorded.evidence_id,
                acq.collection == collection,
                acq.log_index < recorded.log_index,
            )
            .limit(1)
        ).first()
    return earlier is None


def _write_receipt(data_path: Path, recorded: Recorded, new: bool) -> None:
    receipt = {
        "evidence_id": recorded.evidence_id,
        "sha256": recorded.sha256,
        "log_index": recorded.log_index,
        "new": new,
    }
    _write_json(data_path, receipt)


def _write_json(data_path: Path, receipt: dict[str, Any]) -> None:
    path = data_path.with_name(data_path.name + ".done.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the workspace is private
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(receipt))


@dataclass(frozen=True)
class Declared:
    """What an upload in progress was created with, and how far it has got."""

    size: int
    offset: int


def declared(folder: Path, upload_id: str) -> Declared:
    """The declared length and current offset of one of this account's uploads, from the tus
    server's own state file; :class:`NotFound` if there is no such upload."""
    if not _UPLOAD_ID.fullmatch(upload_id):
        raise NotFound(f"no upload {upload_id[:40]!r}")
    try:
        info = json.loads((folder / f"{upload_id}.info").read_text())
        size, offset = info["size"], info["offset"]
    except (OSError, ValueError, KeyError, TypeError):
        raise NotFound(f"no upload {upload_id}") from None
    if not isinstance(size, int) or not isinstance(offset, int):
        raise NotFound(f"no upload {upload_id}")
    return Declared(size, offset)


def is_upload_id(text: str) -> bool:
    """Whether ``text`` has the form of the upload ids the tus server hands out."""
    return _UPLOAD_ID.fullmatch(text) is not None


def receipt(folder: Path, upload_id: str) -> dict[str, Any]:
    """What became of a finished upload of this account's (the browser asks after the last byte)."""
    if not _UPLOAD_ID.fullmatch(upload_id):
        raise NotFound(f"no finished upload {upload_id!r}")
    path = folder / f"{upload_id}.done.json"
    try:
        found: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise NotFound(
            f"no finished upload {upload_id}", hint="it may still be in progress"
        ) from None
    return found


# --- sweeping abandoned uploads ------------------------------------------------------------------

UPLOADS_SWEPT = "uploads.swept"
_UPLOAD_FILE = re.compile(r"([0-9a-f]{32})(\..+)?")


@dataclass
class Swept:
    """What a sweep removed: per upload, its account folder, id, bytes and whether it had
    finished (only its receipt was left)."""

    uploads: list[dict[str, Any]] = field(default_factory=list)
    log_index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "swept": len(self.uploads),
            "bytes": sum(u["bytes"] for u in self.uploads),
            "uploads": self.uploads,
            "log_index": self.log_index,
        }


def sweep(vault: Vault, keep_days: int, *, now: float | None = None) -> Swept:
    """Remove uploads no byte reached for ``keep_days`` days, and receipts of finished ones as
    old, from every account's folder; one custody event names them (ids and sizes: the browser's
    file names stay out of the log). An upload any of whose files is newer is left alone, so a
    slow upload that is still moving is never cut."""
    root = vault.ws.settings.uploads_dir
    cutoff = (time.time() if now is None else now) - keep_days * 86400
    swept = Swept()
    if not root.is_dir():
        return swept
    doomed: list[Path] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        groups: dict[str, list[Path]] = defaultdict(list)
        for path in folder.iterdir():
            found = _UPLOAD_FILE.fullmatch(path.name)
            if found and path.is_file() and not path.is_symlink():
                groups[found.group(1)].append(path)
        for uid, paths in sorted(groups.items()):
            stats = [p.stat() for p in paths]
            if max(st.st_mtime for st in stats) >= cutoff:
                continue
            data = [st.st_size for p, st in zip(paths, stats, strict=True) if p.name == uid]
            swept.uploads.append(
                {
                    "account_folder": folder.name,
                    "upload": uid,
                    "bytes": data[0] if data else 0,
                    "finished": any(p.name.endswith(".done.json") for p in paths),
                }
            )
            doomed.extend(paths)
    if not swept.uploads:
        return swept
    with vault.db.write() as session:
        appender = Appender(session)
        event = {"actor": vault.actor, "keep_days": keep_days, "uploads": swept.uploads}
        swept.log_index = appender.append(UPLOADS_SWEPT, None, utcnow(), event).index
        appender.flush()
        vault.log.sign_checkpoint(session, appender.size, appender.root())
    for path in doomed:  # after the event is committed: a crash leaves files, never a silent gap
        path.unlink(missing_ok=True)
    return swept
