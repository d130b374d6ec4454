"""One piece given on its own, as the web workspace's uploads give them (docs/bundles.md §5.5).

A file that begins with the piece framing's magic is a bundle piece, not evidence: it is checked
alone (:func:`~gavah.bundles.open.check_piece`) and, if sound, held for its bundle in the
collection it was uploaded into (:func:`~gavah.bundles.ingest.hold`); the piece that completes the
bundle opens it with the workspace's bundle-opening key, exactly as `gavah bundle open` does
(:func:`~gavah.bundles.ingest.open_bundle`, one ``bundle.opened`` custody event). A piece that
fails its check is refused before anything is decrypted and kept nowhere.

What an :class:`Arrival` says comes only from the piece itself and from what is held for, or
opened into, that one collection: pieces and bundles are scoped per collection, so it cannot
tell the uploader what another collection holds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError as DBIntegrityError

from gavah.bundles import ingest as receiving
from gavah.bundles import seal as fmt
from gavah.bundles.open import Assembly, Damaged, Key, check_piece
from gavah.errors import GavahError
from gavah.vault import Vault

REFUSED = "refused"  # the piece failed its check; nothing of it was kept
HELD = "held"  # sound, kept; its bundle still lacks pieces
OPENED = "opened"  # its bundle is open in this collection (now, or before)
NOT_OPENED = "not_opened"  # complete, but it did not open; the pieces stay held


def is_piece(path: Path) -> bool:
    """Whether the file begins with the piece framing's magic (§4.1), as the opener reads it."""
    with path.open("rb") as f:
        return f.read(len(fmt.MAGIC)) == fmt.MAGIC


@dataclass(frozen=True)
class Arrival:
    """What became of one piece, and the state of its bundle in the collection it came to."""

    state: str
    bundle_id: str | None
    piece: int | None  # its number, from 1, where its header could be read
    pieces: int | None  # how many the bundle has
    received: int = 0  # sound pieces held (or used) for the bundle in this collection
    missing: list[int] = field(default_factory=list)
    reason: str | None = None  # why it was refused, or why the bundle did not open
    hint: str | None = None
    already: bool = False  # opened before this piece came
    signer: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    log_index: int | None = None  # the bundle.opened custody event

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def receive_piece(
    vault: Vault,
    path: Path,
    collection: str,
    *,
    given_as: str | None = None,
    source: str | None = None,
    note: str | None = None,
) -> Arrival:
    """Check one piece, hold it for its bundle in ``collection``, and open the bundle once it is
    complete. ``given_as`` is the name it came under (the opening's event keeps it, with the
    vault's actor as who gave it). The piece's own file is left where it is (the caller
    removes it)."""
    found = check_piece(path)
    if isinstance(found, Damaged):
        return _refused(found)
    bundle = Assembly(found.bundle_id, found.count, found.body_size, found.length)
    bundle.pieces[found.index] = found
    names = {found.index: given_as} if given_as else None
    bundle = receiving.hold(vault, bundle, collection, names)
    base = Arrival(HELD, found.bundle_id, found.index + 1, found.count, len(bundle.pieces))
    done = receiving.already_opened(vault, found.bundle_id, collection)
    if done is not None:
        return _opened(base, done)
    if not bundle.complete:
        return dataclasses.replace(base, missing=bundle.missing)
    return _open(vault, bundle, base, collection, source, note)


def _refused(damaged: Damaged) -> Arrival:
    number = None if damaged.index is None else damaged.index + 1
    return Arrival(
        REFUSED,
        damaged.bundle_id,
        number,
        None,
        reason=damaged.reason,
        hint="nothing of it was kept; ask for this piece again (any channel will do)",
    )


def _opened(base: Arrival, done: receiving.Opened) -> Arrival:
    return dataclasses.replace(
        base,
        state=OPENED,
        received=base.pieces or 0,
        already=done.already,
        signer=done.signer,
        items=done.items,
        log_index=done.log_index,
    )


def _open(
    vault: Vault,
    bundle: Assembly,
    base: Arrival,
    collection: str,
    source: str | None,
    note: str | None,
) -> Arrival:
    """Open a complete bundle with the workspace's key. Whatever stops it (no key, another
    recipient, a passphrase, a manifest that does not agree) leaves the pieces held and nothing
    ingested, and is said; `gavah bundle open --collection` can finish it from what is held."""
    try:
        key = Key(identity=receiving.identity_text(vault.ws.settings.bundle_key_path))
        done = receiving.open_bundle(
            vault, bundle, key, collection=collection, source=source, note=note
        )
    except (GavahError, DBIntegrityError) as exc:
        # Two uploads completing the same bundle at once: the second finds it opened.
        earlier = receiving.already_opened(vault, bundle.bundle_id, collection)
        if earlier is not None:
            return _opened(base, earlier)
        if not isinstance(exc, GavahError):
            raise
        return dataclasses.replace(base, state=NOT_OPENED, reason=exc.message, hint=exc.hint)
    return _opened(base, done)
