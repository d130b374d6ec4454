"""Near-duplicates: the same picture or video received several times (the witness's original, a
re-encoded messenger copy, a cropped repost, a screenshot), found by perceptual hashes.

- :mod:`.hashing` computes PDQ hashes at intake (images, and sampled video frames);
- they go into the item's metadata (``perceptual``), so the ingest entry commits to them, and its
  ``evidence`` block names them (:func:`entry_block`); :func:`store_hashes` indexes them in the
  ``perceptual_hash`` table;
- :mod:`.index` finds every hash within PDQ's threshold (multi-index hashing over numpy);
- :mod:`.query` answers "what else is this?" and groups clusters, only ever over collections the
  asker may see.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from gavah.db import models

if TYPE_CHECKING:
    from gavah.similar.hashing import FrameHash

SECTION = "perceptual"
ALGORITHM_IMAGE = "pdq"
ALGORITHM_VIDEO = "pdq-keyframes"


def _hashes(path: Path, mime: str) -> tuple[str, list[FrameHash]] | None:
    # Imported here, not above: every command imports the vault, which imports this package,
    # and most never hash a picture; PyAV, numpy, Pillow and pdqhash add about 0.15 s to the
    # start of each.
    from gavah.similar.hashing import hash_image, hash_video

    if mime.startswith("image/"):
        return ALGORITHM_IMAGE, [hash_image(path)]
    if mime.startswith("video/"):
        return ALGORITHM_VIDEO, hash_video(path)
    return None


def with_perceptual_hashes(path: Path, mime: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """``metadata`` with a ``perceptual`` section for an image or a video (at intake, in a worker
    thread); a file that cannot be decoded gets an ``errors`` line instead, like other sections."""
    try:
        found = _hashes(path, mime)
    except Exception as error:  # decoders report damaged input through many error classes
        errors = [*metadata.get("errors", []), f"{SECTION}: {type(error).__name__}"]
        return {**metadata, "errors": errors}
    if found is None or not found[1]:
        return metadata
    algorithm, frames = found
    hashes = [
        {"hash": f.hash, "quality": f.quality} | ({} if f.ms is None else {"ms": f.ms})
        for f in frames
    ]
    return {**metadata, SECTION: {"algorithm": algorithm, "hashes": hashes}}


def section_of(meta: str) -> dict[str, Any] | None:
    """The ``perceptual`` section of an item's metadata (canonical JSON), if it has one."""
    section = json.loads(meta).get(SECTION)
    return section if isinstance(section, dict) else None


def entry_block(meta: str) -> dict[str, Any] | None:
    """What an ingest entry's ``evidence`` block says of the hashes: an image's hash itself; for
    a video, the number of frames and a digest of their hashes (all of them are in the metadata,
    which the entry's ``metadata_sha256`` commits to)."""
    section = section_of(meta)
    if section is None:
        return None
    hashes = section["hashes"]
    if section["algorithm"] == ALGORITHM_IMAGE:
        return {"algorithm": ALGORITHM_IMAGE, **hashes[0]}
    joined = json.dumps(hashes, sort_keys=True, separators=(",", ":")).encode()
    return {
        "algorithm": section["algorithm"],
        "frames": len(hashes),
        "hashes_sha256": hashlib.sha256(joined).hexdigest(),
    }


def store_hashes(session: Session, evidence_id: str, meta: str) -> None:
    """Index a new item's hashes (from its metadata) in ``perceptual_hash``."""
    section = section_of(meta)
    for seq, found in enumerate(section["hashes"] if section else []):
        session.add(
            models.PerceptualHash(
                evidence_id=evidence_id,
                seq=seq,
                hash=bytes.fromhex(found["hash"]),
                quality=found["quality"],
                ms=found.get("ms"),
            )
        )
