"""Redaction end to end on a real workspace (SQLite or PostgreSQL, folder or S3): derivatives
carry no metadata trap of their originals, faces are blurred, reviewers' changes are custody
events, the approval entry does not reveal the original, and ``log verify`` checks it all.

The photograph is scikit-image's astronaut (NASA, public domain), shipped in its wheel; every
other file is made here. Synthetic data."""

from __future__ import annotations

import io
import json
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import ExifTags, Image, PngImagePlugin
from tests.gavah_cli import gavah
from tests.media.media_samples import XMP_PACKET, camera_exif

from gavah.custody.entry import decode_entry
from gavah.db import models
from gavah.errors import InputError
from gavah.intake.ingest import ingest
from gavah.publish import faces, redact
from gavah.publish.redact import Redactions, approved
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace

pytest.importorskip("skimage")

SERIAL = "SN-4481-TRAP"
COMMENT = b"Taken at grandmother's house, Balo"
ICC_TRAP = b"ICC-TRAP-profile-desc-Tehran-office"
TITLE = "Checkpoint north road TRAP"
LOCATION = "+35.6892+051.3890/"


def _astronaut() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.astronaut())


def _trap_jpeg(path: Path) -> Path:
    exif = camera_exif()
    exif[ExifTags.Base.ImageDescription] = "witness statement 7"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = SERIAL
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.MakerNote] = b"MAKERNOTE-TRAP"
    # An ICC profile is opaque bytes to Pillow: a text trap inside it must not survive either.
    _astronaut().save(
        path, "JPEG", exif=exif, xmp=XMP_PACKET, comment=COMMENT, icc_profile=ICC_TRAP
    )
    return path


def _trap_png(path: Path) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", COMMENT.decode())
    info.add_itxt("XML:com.adobe.xmp", XMP_PACKET.decode())
    _astronaut().resize((256, 256)).save(path, "PNG", pnginfo=info)
    return path


def _trap_video(path: Path) -> Path:
    """Twelve frames of the astronaut with title, location, comment and creation time tags."""
    with av.open(str(path), "w", format="mp4") as out:
        out.metadata.update(
            {
                "title": TITLE,
                "location": LOCATION,
                "comment": COMMENT.decode(),
                "creation_time": "2024-03-01T09:30:05.000000Z",
                "artist": SERIAL,
            }
        )
        stream = out.add_stream("mpeg4", rate=12)
        stream.width, stream.height, stream.pix_fmt = 256, 256, "yuv420p"
        stream.metadata["handler_name"] = "TRAP camera handler"
        frame_image = _astronaut().resize((256, 256))
        for _ in range(12):
            for packet in stream.encode(av.VideoFrame.from_image(frame_image)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


TRAPS = [
    b"Canon",
    b"EOS R6",
    SERIAL.encode(),
    b"MAKERNOTE-TRAP",
    b"witness statement",
    b"Exif",
    b"GPS",
    b"photoshop:City",
    b"adobe",
    b"xmpmeta",
    COMMENT,
    b"Balo",
    ICC_TRAP,
    b"ICC_PROFILE",
    TITLE.encode(),
    LOCATION.encode(),
    b"+35.68",
    b"2024-03-01",
    b"2024:03:01",
    b"TRAP",
]


def _ingest(vault: Vault, path: Path) -> str:
    summary = ingest(vault, [str(path).encode()], collection="c1", source="synthetic")
    assert not summary.failures, summary.failures
    return str(summary.items[0]["id"])


def _derivative_bytes(vault: Vault, item: str) -> bytes:
    (found,) = approved(vault, [item])
    with found.open() as src:
        return src.read()


def _face_sharpness(pixels: np.ndarray, box: dict[str, int]) -> float:
    import cv2

    region = pixels[box["y"] : box["y"] + box["h"], box["x"] : box["x"] + box["w"]]
    return float(cv2.Laplacian(cv2.cvtColor(region, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def test_photo_full_of_traps_becomes_a_clean_blurred_derivative(
    vault: Vault, tmp_path: Path
) -> None:
    item = _ingest(vault, _trap_jpeg(tmp_path / "photo.jpg"))
    redactions = Redactions(vault)
    proposed = redactions.propose(item, location="province")
    assert proposed["status"] == "proposed" and proposed["version"] == 1
    assert proposed["boxes"], "the detector found no face on the astronaut"
    face = proposed["boxes"][0]
    assert 150 < face["x"] + face["w"] / 2 < 250 and 50 < face["y"] + face["h"] / 2 < 160

    assert approved(vault, [item]) == []  # nothing before a reviewer approves
    done = redactions.approve(item, version=1)
    data = _derivative_bytes(vault, item)
    assert done["derivative"]["sha256"] == approved(vault, [item])[0].sha256
    for trap in TRAPS:
        assert trap not in data, trap
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and not image.getexif() and "icc_profile" not in image.info
        assert not any(k in image.info for k in ("comment", "xmp", "exif"))
        blurred = np.asarray(image.convert("RGB"))
    original = np.asarray(_astronaut())
    assert _face_sharpness(blurred, face) < 0.1 * _face_sharpness(original, face)
    # far from the face the picture is the original's (JPEG re-encoding aside)
    assert np.abs(blurred[400:, :100].astype(int) - original[400:, :100]).mean() < 6


def test_png_text_chunks_do_not_survive(vault: Vault, tmp_path: Path) -> None:
    item = _ingest(vault, _trap_png(tmp_path / "photo.png"))
    Redactions(vault).propose(item)
    Redactions(vault).approve(item, version=1)
    data = _derivative_bytes(vault, item)
    for trap in (COMMENT, b"xmpmeta", b"iTXt", b"tEXt", b"Balo"):
        assert trap not in data, trap


def test_video_loses_its_tags_and_its_faces(vault: Vault, tmp_path: Path) -> None:
    item = _ingest(vault, _trap_video(tmp_path / "clip.mp4"))
    redactions = Redactions(vault)
    assert redactions.propose(item)["boxes"] == []  # video: faces are found frame by frame
    redactions.approve(item, version=1)
    (found,) = approved(vault, [item])
    assert found.mime == "video/webm"
    data = _derivative_bytes(vault, item)
    for trap in TRAPS:
        assert trap not in data, trap
    with av.open(io.BytesIO(data)) as container:
        tags = dict(container.metadata)
        assert {k.lower() for k in tags} <= {"encoder"}, tags
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert frame.shape[:2] == (256, 256)
    boxes = faces.detect(np.asarray(_astronaut().resize((256, 256))))
    assert boxes, "no face to blur in the test clip"
    face = boxes[0].to_dict()
    original = np.asarray(_astronaut().resize((256, 256)))
    assert _face_sharpness(frame, face) < 0.2 * _face_sharpness(original, face)


def test_reviewer_changes_are_logged_and_withdraw_approval(vault: Vault, tmp_path: Path) -> None:
    item = _ingest(vault, _trap_jpeg(tmp_path / "photo.jpg"))
    redactions = Redactions(vault)
    first = redactions.propose(item)
    redactions.approve(item, version=1)
    assert len(approved(vault, [item])) == 1
    n = len(first["boxes"])
    changed = redactions.change(
        item, add=[faces.Box(10, 10, 40, 40)], move=[(1, faces.Box(150, 60, 120, 130))]
    )
    assert changed["version"] == 2 and changed["status"] == "proposed"
    assert len(changed["boxes"]) == n + 1 and changed["boxes"][0]["x"] == 150
    assert changed["boxes"][-1]["by"] == vault.actor
    assert approved(vault, [item]) == []  # the approval was of version 1
    with pytest.raises(InputError, match="version 2, not 1"):
        redactions.approve(item, version=1)
    removed = redactions.change(item, remove=[n + 1])
    assert removed["version"] == 3 and len(removed["boxes"]) == n
    with pytest.raises(InputError, match="no box 9"):
        redactions.change(item, remove=[9])
    redactions.approve(item, version=3, location="city")
    (found,) = approved(vault, [item])
    assert found.location == "city" and found.recipe["boxes"] == removed["boxes"]
    with vault.db.read() as session:
        kinds = [
            e.kind for e in session.query(models.CustodyEvent).order_by(models.CustodyEvent.idx)
        ]
    assert kinds.count(redact.BOXES_CHANGED) == 2 and kinds.count(redact.APPROVED) == 2
    report = verify_workspace(vault)
    assert report.ok, report.problems
    assert not report.warnings, report.warnings  # derivatives are known blobs, not orphans


def test_approval_entry_does_not_reveal_the_original(vault: Vault, tmp_path: Path) -> None:
    item = _ingest(vault, _trap_jpeg(tmp_path / "photo.jpg"))
    Redactions(vault).propose(item)
    result = Redactions(vault).approve(item, version=1)
    with vault.db.read() as session:
        ev = session.get(models.Evidence, item)
        row = session.get(models.CustodyEvent, result["log_index"])
        assert ev is not None and row is not None
        entry, nonce, sha = bytes(row.entry), None, ev.sha256
        red = session.query(models.Redaction).one()
        nonce = red.commitment_nonce
    assert sha.encode() not in entry and item.encode() not in entry
    event = decode_entry(entry)
    assert event["kind"] == redact.APPROVED
    assert event["original"]["commitment"] == redact.commitment(nonce, sha)
    assert event["original"]["commitment"] != redact.commitment(bytes(32), sha)


def test_log_verify_catches_a_tampered_redaction(vault: Vault, tmp_path: Path) -> None:
    item = _ingest(vault, _trap_jpeg(tmp_path / "photo.jpg"))
    Redactions(vault).propose(item)
    Redactions(vault).change(item, add=[faces.Box(1, 1, 5, 5)])
    with vault.db.write() as session:
        row = session.query(models.Redaction).one()
        row.boxes = "[]"  # someone removes the boxes behind the log's back
    problems = verify_workspace(vault, check_blobs=False).problems
    assert any(p.where.startswith("redaction") and p.field == "boxes" for p in problems)


def test_refusals_say_what_to_do(vault: Vault, tmp_path: Path) -> None:
    text = tmp_path / "note.txt"
    text.write_text("a witness note", encoding="utf-8")
    item = _ingest(vault, text)
    with pytest.raises(InputError, match="cannot make a publishable derivative"):
        Redactions(vault).propose(item)
    photo = _ingest(vault, _trap_png(tmp_path / "p.png"))
    with pytest.raises(InputError, match="unknown location precision"):
        Redactions(vault).propose(photo, location="street")
    Redactions(vault).propose(photo)
    with pytest.raises(InputError, match="already has a redaction"):
        Redactions(vault).propose(photo)


def test_cli_round_trip(cli_env: dict[str, str], vault: Vault, tmp_path: Path) -> None:
    item = _ingest(vault, _trap_jpeg(tmp_path / "photo.jpg"))
    proposed = json.loads(gavah(cli_env, "redact", "propose", item, "--json").stdout)
    preview = tmp_path / "private" / "boxes.png"
    shown = gavah(cli_env, "redact", "show", item, "--preview", str(preview))
    assert shown.returncode == 0 and preview.exists()
    moved = gavah(cli_env, "redact", "boxes", item, "--move", "1=150,60,120,130", "--json")
    assert json.loads(moved.stdout)["version"] == 2
    stale = gavah(cli_env, "redact", "approve", item, "--version", "1")
    assert stale.returncode != 0 and "hint:" in stale.stderr and "Traceback" not in stale.stderr
    ok = gavah(cli_env, "redact", "approve", item, "--version", "2", "--json")
    assert json.loads(ok.stdout)["status"] == "approved", ok.stderr
    assert proposed["id"] == json.loads(ok.stdout)["id"]
    bad = gavah(cli_env, "redact", "boxes", item, "--add", "1,2,3")
    assert bad.returncode == 2 and "X,Y,W,H" in bad.stderr


def test_audio_loses_its_tags(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "call.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        out.metadata.update({"title": TITLE, "location": LOCATION, "artist": SERIAL})
        stream = out.add_stream("aac", rate=16000)
        samples = (np.sin(np.arange(16000) / 5) * 8000).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = 16000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    item = _ingest(vault, path)
    assert Redactions(vault).propose(item)["boxes"] == []
    Redactions(vault).approve(item, version=1)
    (found,) = approved(vault, [item])
    data = _derivative_bytes(vault, item)
    assert found.mime == "audio/webm"
    for trap in (TITLE.encode(), LOCATION.encode(), SERIAL.encode(), b"TRAP"):
        assert trap not in data, trap
    with av.open(io.BytesIO(data)) as container:
        assert [s.type for s in container.streams] == ["audio"]
        assert sum(f.samples for f in container.decode(audio=0)) > 40000  # about 1 s at 48 kHz
