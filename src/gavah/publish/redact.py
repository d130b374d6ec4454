"""Redaction: the derivatives gavah publishes in place of evidence, never the originals.

An item's way to publication, each step a custody event:

1. ``propose``: faces are detected (:mod:`gavah.publish.faces`) and stored as boxes
   (``redaction.proposed``). Version 1.
2. ``change``: a reviewer adds, moves or removes boxes (``redaction.boxes-changed``, the whole
   box list as it then stands). Each change raises the version and withdraws any approval.
3. ``approve``: a reviewer approves one version of the boxes, the one they looked at; a stale
   version is refused. Only then is the derivative made: new pixels with the boxes blurred and no
   metadata (images), or a new WebM with faces blurred in every frame and no container tags
   (video, audio). It goes into the blob store and ``redaction.approved`` binds its SHA-256 to
   the recipe and to the original.

Who approves. Not four eyes: the proposer may approve, because a detector proposed the boxes
and the approver is the first person to vouch for them. Each entry names its actor, so a
reviewer other than the author can be asked for by policy and checked in the log.

What the approval entry exposes. It is the one entry a public site publishes with an inclusion
proof, so it names neither the item's id nor the original's SHA-256: whoever holds the original
(the phone it was seized from, a copy on a messenger) could otherwise confirm that this witness's
file was the source. It carries a commitment, ``SHA-256(nonce || original SHA-256)``, whose
32-byte random nonce stays in the workspace's database: gavah can open it to a court (give the
nonce) and ``log verify`` can check it, and nobody can test a guess without the nonce. The other
``redaction.*`` entries (proposal, box changes) name the item and stay private like every entry.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.custody.entry import canonical_json
from gavah.custody.log import Appender, isotime, utcnow
from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.publish import faces
from gavah.publish.location import PRECISIONS
from gavah.vault import Vault
from gavah.workspace import Workspace

# Custody event kinds (added to, never renamed).
PROPOSED = "redaction.proposed"
BOXES_CHANGED = "redaction.boxes-changed"
APPROVED = "redaction.approved"

RECIPE_VERSION = 1
JPEG_QUALITY = 90
MAX_IMAGE_PIXELS = 100_000_000  # as previews: larger images are refused (decompression bombs)
IMAGES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/bmp"}
)
RECORDINGS = ("video/", "audio/")


@dataclass(frozen=True)
class Derivative:
    """An approved derivative, as the site builder takes it."""

    item_id: str
    sha256: str
    mime: str
    size: int
    recipe: dict[str, Any]
    location: str  # the place precision the reviewer allowed: none|country|province|city|exact
    log_index: int  # its redaction.approved entry: the site ships its inclusion proof
    opener: Callable[[], BinaryIO]

    def open(self) -> BinaryIO:
        """The derivative's bytes (never the original's)."""
        return self.opener()


def commitment(nonce: bytes, original_sha256: str) -> str:
    """The commitment to the original that approval entries carry (see the module docstring)."""
    return hashlib.sha256(nonce + bytes.fromhex(original_sha256)).hexdigest()


def _boxes_text(boxes: Sequence[dict[str, Any]]) -> str:
    return canonical_json(list(boxes)).decode("utf-8")


def _box_dict(box: faces.Box, by: str) -> dict[str, Any]:
    return {**box.to_dict(), "by": by}


def parse_box(text: str) -> faces.Box:
    """``X,Y,W,H`` in pixels of the upright image, as the CLI takes it."""
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise InputError(
            f"{text!r} is not a box", hint="write it as X,Y,W,H in pixels, e.g. 120,80,64,64"
        ) from None
    if x < 0 or y < 0 or w < 1 or h < 1:
        raise InputError(f"box {text!r} must have x, y >= 0 and a positive width and height")
    return faces.Box(x, y, w, h)


class Redactions:
    """Redaction over one vault; its actor proposes, changes and approves."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.db = vault.db
        self.store = vault.store

    # --- writing -------------------------------------------------------------------------------
    def propose(self, ref: str, location: str = "none") -> dict[str, Any]:
        """Detect faces in an item and store them as version 1 of its boxes."""
        _precision(location)
        with self.db.read() as session:
            ev = self.vault.resolve(session, ref)
            ev_id, mime, sha = ev.id, ev.mime, ev.sha256
            if _redaction_of(session, ev_id) is not None:
                raise InputError(
                    f"{ev_id} already has a redaction",
                    hint=f"change its boxes: gavah redact boxes {ev_id} --add/--move/--remove",
                )
        kind = _kind(mime)
        found = self._detect(sha) if kind == "image" else []
        boxes = [_box_dict(b, "detector") for b in found]
        with self.db.write() as session:
            appender = Appender(session)  # first: it locks the log head, so writers take turns
            if _redaction_of(session, ev_id) is not None:  # proposed meanwhile by someone else
                raise InputError(f"{ev_id} already has a redaction")
            at, index = utcnow(), appender.size
            row = models.Redaction(
                id=f"rd-{secrets.token_hex(8)}",
                evidence_id=ev_id,
                boxes=_boxes_text(boxes),
                version=1,
                location=location,
                status="proposed",
                commitment_nonce=secrets.token_bytes(32),
                log_index=index,
                actor=self.vault.actor,
                created_at=at,
            )
            session.add(row)
            session.flush()
            self._log(session, appender, PROPOSED, row, at)
            return {**summary(row), "log_index": index}

    def change(
        self,
        ref: str,
        *,
        add: Iterable[faces.Box] = (),
        move: Iterable[tuple[int, faces.Box]] = (),
        remove: Iterable[int] = (),
    ) -> dict[str, Any]:
        """Add, move (replace box N, counted from 1) or remove boxes; withdraws any approval."""
        with self.db.write() as session:
            row = self._row(session, ref)
            boxes: list[dict[str, Any] | None] = list(json.loads(row.boxes))
            by = self.vault.actor
            for number, box in move:
                boxes[_slot(boxes, number)] = _box_dict(box, by)
            for number in sorted(set(remove), reverse=True):
                boxes[_slot(boxes, number)] = None
            kept = [b for b in boxes if b is not None] + [_box_dict(b, by) for b in add]
            appender = Appender(session)
            at = utcnow()
            row.boxes, row.version = _boxes_text(kept), row.version + 1
            row.status, row.derivative_sha256, row.log_index = "proposed", None, appender.size
            self._log(session, appender, BOXES_CHANGED, row, at)
            return {**summary(row), "log_index": row.log_index}

    def approve(self, ref: str, version: int, location: str | None = None) -> dict[str, Any]:
        """Approve version ``version`` of the boxes (the one reviewed), make the derivative, store
        it and log it. Refused if the boxes changed since that version."""
        if location is not None:
            _precision(location)
        with self.db.read() as session:
            row = self._row(session, ref)
            ev = session.get(models.Evidence, row.evidence_id)
            assert ev is not None  # a foreign key
            if version != row.version:
                raise InputError(
                    f"the boxes of {ev.id} are at version {row.version}, not {version}",
                    hint="look at them again (gavah redact show) and approve what you saw",
                )
            boxes = [_as_box(b) for b in json.loads(row.boxes)]
            original = (ev.id, ev.sha256, ev.mime)
        made = self._make(original[1], original[2], boxes)
        return self._record_approval(original, version, location, made)

    def _record_approval(
        self, original: tuple[str, str, str], version: int, location: str | None, made: _Made
    ) -> dict[str, Any]:
        staged = self.store.stage(io.BytesIO(made.data))
        self.store.commit(staged)
        with self.db.write() as session:
            row = self._row(session, original[0])
            if row.version != version:  # changed while the derivative was being made
                raise InputError(f"the boxes of {original[0]} changed meanwhile; look again")
            appender = Appender(session)
            at, index = utcnow(), appender.size
            row.location = location or row.location
            recipe = {**made.recipe, "boxes": json.loads(row.boxes), "location": row.location}
            derivative = {
                "sha256": staged.info.sha256,
                "size": staged.info.size,
                "mime": made.mime,
                "recipe": recipe,
            }
            if session.get(models.Derivative, staged.info.sha256) is None:
                session.add(
                    models.Derivative(
                        sha256=staged.info.sha256,
                        redaction_id=row.id,
                        mime=made.mime,
                        size=staged.info.size,
                        recipe=canonical_json(recipe).decode("utf-8"),
                        boxes_version=version,
                        log_index=index,
                        actor=self.vault.actor,
                        at=at,
                    )
                )
            row.status, row.derivative_sha256, row.log_index = "approved", staged.info.sha256, index
            event = {
                "actor": self.vault.actor,
                "redaction": row.id,
                "boxes_version": version,
                "derivative": derivative,
                "original": {"commitment": commitment(row.commitment_nonce, original[1])},
            }
            # Not indexed under the item either: the entry does not name it (log verify checks).
            appender.append(APPROVED, None, at, event)
            self.vault.finish(session, appender)
            return {**summary(row), "derivative": derivative, "log_index": index}

    def _log(
        self, session: Session, appender: Appender, kind: str, row: models.Redaction, at: datetime
    ) -> None:
        event = {
            "actor": self.vault.actor,
            "evidence": {"id": row.evidence_id},
            "redaction": {k: v for k, v in summary(row).items() if k != "item"},
        }
        appender.append(kind, row.evidence_id, at, event)
        self.vault.finish(session, appender)

    # --- reading -------------------------------------------------------------------------------
    def show(self, ref: str, preview: Path | None = None) -> dict[str, Any]:
        """An item's redaction; with ``preview``, a PNG of the original with its boxes drawn and
        numbered is written there for the reviewer (a view of the original: logged)."""
        with self.db.write() as session:
            row = self._row(session, ref)
            ev = session.get(models.Evidence, row.evidence_id)
            assert ev is not None
            result = summary(row)
            if preview is not None:
                self.vault.log_access(session, ev, "evidence.viewed", via="gavah redact show")
                sha, mime = ev.sha256, ev.mime
        if preview is not None:
            if _kind(mime) != "image":
                raise InputError("only images have a preview of their boxes")
            _write_preview(self._image(sha), [_as_box(b) for b in result["boxes"]], preview)
        return result

    def upright_size(self, ref: str) -> tuple[int, int]:
        """Width and height of an image item as its boxes measure it (EXIF orientation applied)."""
        from PIL import Image

        with self.db.read() as session:
            ev = self.vault.resolve(session, ref)
            sha = ev.sha256
        with self.store.open(sha) as src, Image.open(io.BytesIO(src.read())) as image:
            width, height = image.size
            turned = image.getexif().get(0x0112) in (5, 6, 7, 8)  # EXIF Orientation: a quarter turn
        return (height, width) if turned else (width, height)

    def review_image(self, ref: str, longest: int = 1280) -> tuple[bytes, int, int]:
        """The derivative as the boxes now stand, for a reviewer's eyes (the web workspace's
        redaction page): a PNG of the upright pixels with the boxes blurred, at most ``longest``
        on its longest side, no metadata; and the upright size the boxes are measured in. It is
        neither stored nor logged as a derivative: the caller logs the view of the item."""
        from PIL import Image

        with self.db.read() as session:
            row = self._row(session, ref)
            ev = session.get(models.Evidence, row.evidence_id)
            assert ev is not None
            sha, mime, boxes = ev.sha256, ev.mime, [_as_box(b) for b in json.loads(row.boxes)]
        if _kind(mime) != "image":
            raise InputError("only images have a preview of their boxes")
        pixels = faces.blur(self._image(sha), boxes)
        height, width = pixels.shape[:2]
        image = Image.frombytes("RGB", (width, height), np.ascontiguousarray(pixels).tobytes())
        image.thumbnail((longest, longest))
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue(), width, height

    def _row(self, session: Session, ref: str) -> models.Redaction:
        ev = self.vault.resolve(session, ref)
        row = _redaction_of(session, ev.id)
        if row is None:
            raise NotFound(
                f"{ev.id} has no redaction", hint=f"propose one: gavah redact propose {ev.id}"
            )
        return row

    # --- making derivatives ----------------------------------------------------------------------
    def _image(self, sha256: str) -> Any:
        with self.store.open(sha256) as src:
            return upright_pixels(src.read())

    def _detect(self, sha256: str) -> list[faces.Box]:
        return faces.detect(self._image(sha256))

    def _make(self, sha256: str, mime: str, boxes: Sequence[faces.Box]) -> _Made:
        kind = _kind(mime)
        if kind == "image":
            return image_derivative(self._image(sha256), boxes)
        with self.store.open(sha256) as src, tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / "original"
            with local.open("wb") as sink:
                while block := src.read(1 << 20):
                    sink.write(block)
            return recording_derivative(local, boxes, Path(tmp) / "derivative.webm")


def approved(source: Vault | Workspace, item_ids: Iterable[str]) -> list[Derivative]:
    """The approved derivatives of these items, for the site builder; items with none (never
    proposed, or boxes changed since approval) are left out. Fails closed: a derivative whose
    blob is missing raises when opened, never returns other bytes."""
    vault = source if isinstance(source, Vault) else Vault(source)
    wanted = list(dict.fromkeys(item_ids))
    with vault.db.read() as session:
        rows = session.execute(
            select(models.Redaction, models.Derivative)
            .join(models.Derivative, models.Derivative.sha256 == models.Redaction.derivative_sha256)
            .where(models.Redaction.evidence_id.in_(wanted), models.Redaction.status == "approved")
        ).all()
        found = [
            Derivative(
                item_id=r.evidence_id,
                sha256=d.sha256,
                mime=d.mime,
                size=d.size,
                recipe=json.loads(d.recipe),
                location=r.location,
                log_index=r.log_index,
                opener=_opener(vault, d.sha256),
            )
            for r, d in rows
        ]
    order = {item: n for n, item in enumerate(wanted)}
    return sorted(found, key=lambda d: order[d.item_id])


def _opener(vault: Vault, sha256: str) -> Callable[[], BinaryIO]:
    return lambda: vault.store.open(sha256)


def summary(row: models.Redaction) -> dict[str, Any]:
    return {
        "id": row.id,
        "item": row.evidence_id,
        "version": row.version,
        "boxes": json.loads(row.boxes),
        "location": row.location,
        "status": row.status,
        "derivative": row.derivative_sha256,
        "by": row.actor,
        "at": isotime(row.created_at),
    }


def _redaction_of(session: Session, evidence_id: str) -> models.Redaction | None:
    return session.execute(
        select(models.Redaction).where(models.Redaction.evidence_id == evidence_id)
    ).scalar_one_or_none()


def _slot(boxes: Sequence[object], number: int) -> int:
    if not 1 <= number <= len(boxes) or boxes[number - 1] is None:
        raise InputError(f"there is no box {number}", hint="see the numbers: gavah redact show")
    return number - 1


def _as_box(b: dict[str, Any]) -> faces.Box:
    return faces.Box(int(b["x"]), int(b["y"]), int(b["w"]), int(b["h"]), int(b.get("score", 100)))


def _precision(location: str) -> None:
    if location not in PRECISIONS:
        raise InputError(
            f"unknown location precision {location!r}", hint=f"one of {', '.join(PRECISIONS)}"
        )


def _kind(mime: str) -> str:
    if mime in IMAGES:
        return "image"
    if mime.startswith(RECORDINGS):
        return "recording"
    raise InputError(
        f"gavah cannot make a publishable derivative of {mime} files",
        hint="images (JPEG, PNG, GIF, WebP, TIFF, BMP), video and audio can be redacted",
    )


# --- images ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Made:
    data: bytes
    mime: str
    recipe: dict[str, Any]


def upright_pixels(data: bytes) -> Any:
    """The first frame's RGB pixels, turned as its EXIF orientation says (boxes are on these)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise InputError("the image is too large to redact")
            image.seek(0)
            upright = ImageOps.exif_transpose(image).convert("RGB")
            return np.asarray(upright)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise InputError(f"this image cannot be read: {exc}") from None


def image_derivative(pixels: Any, boxes: Sequence[faces.Box]) -> _Made:
    """A JPEG of the pixels alone with the boxes blurred: a new image object made from raw
    bytes, so no EXIF, XMP, GPS, maker note, ICC profile or comment can come along."""
    from PIL import Image

    blurred = faces.blur(pixels, boxes)
    fresh = Image.frombytes("RGB", (blurred.shape[1], blurred.shape[0]), blurred.tobytes())
    out = io.BytesIO()
    fresh.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    recipe = {
        "v": RECIPE_VERSION,
        "steps": [
            "decode first frame",
            "apply EXIF orientation",
            "blur boxes",
            "encode JPEG from pixels only",
        ],
        "blur": faces.recipe(),
        "format": f"JPEG quality {JPEG_QUALITY}",
    }
    return _Made(out.getvalue(), "image/jpeg", recipe)


def _write_preview(pixels: Any, boxes: Sequence[faces.Box], path: Path) -> None:
    from PIL import Image, ImageDraw

    image = Image.fromarray(np.asarray(pixels))
    draw = ImageDraw.Draw(image)
    for number, box in enumerate(boxes, start=1):
        draw.rectangle([box.x, box.y, box.x + box.w, box.y + box.h], outline=(255, 0, 0), width=3)
        draw.text((box.x + 3, box.y + 3), str(number), fill=(255, 255, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "PNG")


# --- video and audio ---------------------------------------------------------------------------
def recording_derivative(src: Path, boxes: Sequence[faces.Box], dest: Path) -> _Made:
    """A WebM (VP8 and Opus) of the recording's first video and audio streams, with faces
    detected and blurred in every frame (and the reviewer's boxes in every frame too), and no
    container or stream tags: FFmpeg writes only its own encoder name."""
    from gavah.publish import _recording

    has_video = _recording.transcode(src, dest, lambda frame: _blur_frame(frame, boxes))
    recipe = {
        "v": RECIPE_VERSION,
        "steps": [
            "decode first video and audio stream",
            "detect and blur faces in every frame",
            "blur the reviewed boxes in every frame",
            "encode WebM without tags",
        ],
        "blur": faces.recipe(),
        "format": "WebM VP8/Opus",
    }
    mime = "video/webm" if has_video else "audio/webm"
    return _Made(dest.read_bytes(), mime, recipe)


def _blur_frame(pixels: Any, boxes: Sequence[faces.Box]) -> Any:
    # Upright only in video, for time (three searches a frame triple it): a face tilted past
    # about 20 degrees can be missed in video; docs/redaction.md says so.
    return faces.blur(pixels, [*faces.detect(pixels, turns=()), *boxes])
