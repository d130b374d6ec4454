"""A complete, sound bundle into the vault, exactly as `gavah ingest` takes files: each file is
acquired (hashed while copied into the blob store, type sniffed, metadata read from our copy) and
recorded, and one ``bundle.opened`` custody event in the same transaction names the bundle, its
field signer, when each piece arrived, and each file's claimed capture time beside the ingest
time. The bundle's id is remembered, so opening it again changes nothing.

The bundle-opening key is an age X25519 identity in its own file beside the log's signing key
(WORKSPACE/keys/bundle-opening.age, mode 0600, like every key of the workspace): a different key
for a different job, so losing one does not give away the other. It is in age's own identity file
format, so ``age -d -i`` opens a bundle's payload with it too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage

from gavah.bundles.open import (
    BUNDLE_OPENED,
    Assembly,
    Key,
    Piece,
    Unpacked,
    check_piece,
    gather,
    open_to_folder,
    remove,
)
from gavah.bundles.seal import HEADER
from gavah.custody.log import Appender, utcnow
from gavah.db import models
from gavah.errors import ConfigError, InputError
from gavah.intake import Progress
from gavah.intake.ingest import Candidate, acquire
from gavah.settings import Settings
from gavah.vault import Acquired, Vault


# --- the bundle-opening key ----------------------------------------------------------------------
def make_key(settings: Settings) -> str:
    """Create the workspace's bundle-opening key if it has none; its public recipient."""
    path = settings.bundle_key_path
    if not path.exists():
        identity = pyrage.x25519.Identity.generate()
        public = identity.to_public()
        text = f"# gavah bundle-opening key\n# public key: {public}\n{identity}\n"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    return recipient(settings)


def identity_text(path: Path) -> str:
    """The ``AGE-SECRET-KEY-1...`` line of an age identity file."""
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        raise ConfigError(
            f"there is no bundle-opening key at {path}",
            hint="make one with `gavah bundle keygen` (or restore it from your backup)",
        ) from None
    except (OSError, UnicodeDecodeError):
        raise ConfigError(f"cannot read the bundle-opening key {path}") from None
    keys = [line.strip() for line in lines if line.startswith("AGE-SECRET-KEY-1")]
    if len(keys) != 1:
        raise ConfigError(f"{path} is not an age identity file with one key")
    return keys[0]


def recipient(settings: Settings) -> str:
    """The public recipient (``age1...``) of the workspace's bundle-opening key."""
    text = identity_text(settings.bundle_key_path)
    return str(pyrage.x25519.Identity.from_str(text).to_public())


# --- pieces held between arrivals ----------------------------------------------------------------
BUNDLE_ID = re.compile(r"[0-9a-f]{64}")


def held_folder(settings: Settings, bundle_id: str, collection: str | None) -> Path:
    """Pieces are held per collection, as bundles are opened per collection."""
    scope = hashlib.sha256((collection or "").encode("utf-8")).hexdigest()[:16]
    return settings.bundles_dir / "pieces" / scope / bundle_id


def hold(
    vault: Vault,
    bundle: Assembly,
    collection: str | None,
    given_as: Mapping[int, str] | None = None,
) -> Assembly:
    """Keep ``bundle``'s sound pieces in the workspace, and complete it with those kept from
    earlier arrivals: pieces that come days apart, over different channels, need not be
    gathered by hand. A bundle already opened holds nothing. Each held piece keeps the time it
    first arrived (its copy's modification time), and beside it who gave it and under what
    file name (``given_as``, by piece index; else its file's own name), for the opening's
    custody event."""
    if already_opened(vault, bundle.bundle_id, collection) is not None:
        return bundle
    folder = held_folder(vault.ws.settings, bundle.bundle_id, collection)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _name_scope(folder.parent, collection)
    for index, piece in bundle.pieces.items():
        kept = folder / f"{index:08d}.piece"
        if not kept.exists():
            name = (given_as or {}).get(index, piece.path.name)
            _keep(folder, kept, piece.path, {"file": name, "by": vault.actor})
    for kept in sorted(folder.glob("*.piece")):
        index = int(kept.stem)
        if index not in bundle.pieces:
            found = check_piece(kept)
            if isinstance(found, Piece) and found.bundle_id == bundle.bundle_id:
                bundle.pieces[index] = found
    return bundle


SCOPE_NOTE = "collection.txt"


def _name_scope(scope: Path, collection: str | None) -> None:
    """Which collection a scope folder (named by a hash) holds pieces for, for the sweep's
    custody events."""
    note = scope / SCOPE_NOTE
    if not note.exists():
        temp = scope / f".{SCOPE_NOTE}.{secrets.token_hex(4)}"
        temp.write_text(collection or "", encoding="utf-8")
        os.replace(temp, note)


def _keep(folder: Path, kept: Path, source: Path, arrival: dict[str, str]) -> None:
    """Write a held piece and its arrival note, each whole or not at all (the note first: a
    piece counts as held once its file is there)."""
    note = folder / f".{kept.stem}.json.{secrets.token_hex(4)}"
    fd = os.open(note, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(arrival, sort_keys=True))
    os.replace(note, kept.with_suffix(".json"))
    temp = folder / f".{kept.stem}.{secrets.token_hex(4)}"
    shutil.copyfile(source, temp)
    os.chmod(temp, 0o600)
    os.replace(temp, kept)


def _arrival_note(folder: Path, index: int) -> dict[str, Any]:
    """Who gave a held piece and under what name, if it was held (pieces given with the last
    one, or by an earlier gavah, have none)."""
    try:
        found = json.loads((folder / f"{index:08d}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: str(found[k]) for k in ("file", "by") if isinstance(found, dict) and k in found}


def held_bundle(vault: Vault, bundle_id: str, collection: str | None) -> Assembly | None:
    """The bundle as held for ``collection`` (its sound pieces, each checked again), or None if
    nothing of it is held there. ``bundle_id`` must be the whole id (64 hex digits)."""
    if not BUNDLE_ID.fullmatch(bundle_id):
        raise InputError("a bundle's id is 64 hexadecimal digits", hint="copy it from the receipt")
    folder = held_folder(vault.ws.settings, bundle_id, collection)
    found = [b for b in gather(sorted(folder.glob("*.piece"))).bundles if b.bundle_id == bundle_id]
    return found[0] if found else None


def release(vault: Vault, bundle_id: str, collection: str | None) -> None:
    """Pieces held for a bundle now opened are no longer needed."""
    shutil.rmtree(held_folder(vault.ws.settings, bundle_id, collection), ignore_errors=True)


# --- opening into the vault ----------------------------------------------------------------------
@dataclass
class Opened:
    bundle_id: str
    signer: str | None
    already: bool
    items: list[dict[str, Any]]
    log_index: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def already_opened(vault: Vault, bundle_id: str, collection: str | None) -> Opened | None:
    """The opening of this bundle into this collection, if there was one."""
    with vault.db.read() as session:
        row = session.get(models.BundleOpening, (bundle_id, collection or ""))
        if row is None:
            return None
        return Opened(bundle_id, row.signer, True, json.loads(row.items), row.log_index)


def open_bundle(
    vault: Vault,
    bundle: Assembly,
    key: Key,
    *,
    collection: str | None = None,
    source: str | None = None,
    note: str | None = None,
    signers: Sequence[str] = (),
) -> Opened:
    """Decrypt, check and ingest ``bundle``; one already opened is reported as it was."""
    done = already_opened(vault, bundle.bundle_id, collection)
    if done is not None:
        return done
    work = vault.ws.settings.bundles_dir / f"{bundle.bundle_id[:16]}-{secrets.token_hex(4)}"
    work.parent.mkdir(mode=0o700, exist_ok=True)
    try:
        unpacked = open_to_folder(bundle, key, work, signers=signers)
        acquired = [_acquire(vault, item, path) for item, path in unpacked.files]
        opened = _record(vault, bundle, unpacked, acquired, collection, source, note, key)
    finally:
        remove(work)
    release(vault, bundle.bundle_id, collection)
    return opened


def _acquire(vault: Vault, item: dict[str, Any], path: Path) -> Acquired:
    raw = os.fsencode(path)
    got = acquire(vault.store, Candidate(raw, os.stat(raw).st_size), False, Progress())
    if got.blob.sha256 != item["sha256"]:
        raise InputError(f"{item['member']} changed in the workspace while it was ingested")
    # The file as the person named it; its times on this disk mean nothing (the claimed capture
    # time goes into the bundle's custody event, as a claim).
    return dataclasses.replace(
        got, path=str(item["name"]).encode("utf-8", "surrogatepass"), mtime=None, ctime=None
    )


def _record(
    vault: Vault,
    bundle: Assembly,
    unpacked: Unpacked,
    acquired: list[Acquired],
    collection: str | None,
    source: str | None,
    note: str | None,
    key: Key,
) -> Opened:
    source = source or f"sealed bundle {bundle.bundle_id[:16]}"
    items = []
    with vault.db.write() as session:
        appender = Appender(session)
        for (listed, _), got in zip(unpacked.files, acquired, strict=True):
            rec = vault.record_one(session, appender, got, collection, source, note)
            items.append(
                {
                    "id": rec.evidence_id,
                    "sha256": rec.sha256,
                    "name": listed["name"],
                    "size": listed["size"],
                    "captured_at": listed.get("captured_at"),
                    "log_index": rec.log_index,
                }
            )
        at = utcnow()
        held = held_folder(vault.ws.settings, bundle.bundle_id, collection)
        event = _event(vault.actor, bundle, unpacked, items, collection, held)
        # Which kind of key opened it, never the key: a passphrase is not kept anywhere.
        event["bundle"]["opened_with"] = "passphrase" if key.passphrase is not None else "key"
        index = appender.append(BUNDLE_OPENED, None, at, event).index
        session.add(
            models.BundleOpening(
                bundle_id=bundle.bundle_id,
                scope=collection or "",
                signer=unpacked.signer,
                items=json.dumps(items, sort_keys=True),
                log_index=index,
                actor=vault.actor,
                at=at,
            )
        )
        vault.finish(session, appender)
    return Opened(bundle.bundle_id, unpacked.signer, False, items, index)


def _event(
    actor: str,
    bundle: Assembly,
    unpacked: Unpacked,
    items: list[dict[str, Any]],
    collection: str | None,
    held: Path,
) -> dict[str, Any]:
    """What the log keeps of an opening: the bundle, who sealed it and when they say, each
    piece's arrival (when, under what file name, given by whom), and each file's claimed
    capture time beside its ingest entry."""
    arrivals = [
        {
            "piece": i + 1,
            "file": p.path.name,
            "by": actor,
            **_arrival_note(held, i),
            "arrived_at": p.arrived_at,
        }
        for i, p in sorted(bundle.pieces.items())
    ]
    return {
        "actor": actor,
        "collection": collection,
        "bundle": {
            "id": bundle.bundle_id,
            "signer": unpacked.signer,
            "sealed_at": unpacked.manifest.get("sealed_at"),
            "note": unpacked.manifest.get("note"),
            "pieces": bundle.count,
            "piece_size": bundle.body_size + HEADER,
            "arrivals": arrivals,
        },
        "items": [
            {
                "id": it["id"],
                "sha256": it["sha256"],
                "ingest_log_index": it["log_index"],
                "captured_at": it["captured_at"],
            }
            for it in items
        ],
    }


# --- sweeping bundles that never complete --------------------------------------------------------
BUNDLE_SWEPT = "bundle.swept"


@dataclass
class Swept:
    """The held bundles a sweep removed: each one's id, collection, pieces held of its count,
    the last arrival, and the ``bundle.swept`` custody event that records it."""

    keep_days: int
    bundles: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"keep_days": self.keep_days, "swept": len(self.bundles), "bundles": self.bundles}


def sweep(vault: Vault, keep_days: int, *, now: float | None = None) -> Swept:
    """Remove the pieces held for bundles that no piece has reached for ``keep_days`` days: a
    bundle that never completes (a piece lost for good, a test, a forgery) does not stay in the
    workspace for ever. One ``bundle.swept`` custody event per bundle names its id, collection
    and how many of its pieces were held, nothing of what is inside (that was never decrypted).
    Events first, files after: a crash leaves pieces behind, never a silent removal."""
    cutoff = (time.time() if now is None else now) - keep_days * 86400
    swept = Swept(keep_days)
    root = vault.ws.settings.bundles_dir / "pieces"
    found: list[tuple[Path, dict[str, Any]]] = []
    for scope in sorted(p for p in root.glob("*") if p.is_dir() and not p.is_symlink()):
        for folder in sorted(p for p in scope.iterdir() if p.is_dir() and not p.is_symlink()):
            entry = _stale(folder, cutoff)
            if entry is not None:
                entry["collection"] = _scope_name(scope)
                found.append((folder, entry))
    if not found:
        return swept
    with vault.db.write() as session:
        appender = Appender(session)
        at = utcnow()
        for _, entry in found:
            event = {"actor": vault.actor, "keep_days": keep_days, "bundle": entry}
            entry["log_index"] = appender.append(BUNDLE_SWEPT, None, at, event).index
            swept.bundles.append(entry)
        vault.finish(session, appender)
    for folder, _ in found:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):  # the scope's last bundle: its note and folder too
            if [p.name for p in folder.parent.iterdir()] == [SCOPE_NOTE]:
                (folder.parent / SCOPE_NOTE).unlink()
                folder.parent.rmdir()
    return swept


def _stale(folder: Path, cutoff: float) -> dict[str, Any] | None:
    """A held bundle's id, pieces held and their count, and its last arrival, if nothing in its
    folder is newer than ``cutoff``."""
    if not BUNDLE_ID.fullmatch(folder.name):
        return None
    files = [p for p in folder.iterdir() if p.is_file() and not p.is_symlink()]
    last = max((p.stat().st_mtime for p in files), default=folder.stat().st_mtime)
    if last >= cutoff:
        return None
    pieces = [p for p in files if p.suffix == ".piece" and not p.name.startswith(".")]
    count = None
    for piece in pieces[:1]:  # the count is in every piece's header (outside the encryption)
        found = check_piece(piece)
        count = found.count if isinstance(found, Piece) else None
    return {
        "id": folder.name,
        "held": len(pieces),
        "pieces": count,
        "last_arrival": datetime.fromtimestamp(last, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _scope_name(scope: Path) -> str | None:
    try:
        return (scope / SCOPE_NOTE).read_text(encoding="utf-8") or None
    except OSError:
        return None  # held by a gavah from before the note: the collection is not known
