"""Near-duplicates in a workspace: found across the reader's collections only, grouped, the
earliest copy marked, and the hashes committed to by the ingest entry."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from gavah.db import models
from gavah.intake.ingest import ingest
from gavah.similar.query import clusters, similar_to
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah_cli import gavah
from scenes import repost, save, scene, video


def _ingest(vault: Vault, path: Path, collection: str, source: str) -> str:
    summary = ingest(vault, [os.fsencode(path)], collection=collection, source=source)
    assert not summary.failures, summary.failures
    return str(summary.items[0]["id"])


def _camera_time(image: Image.Image, when: str) -> Image.Exif:
    exif = image.getexif()
    exif.get_ifd(0x8769)[0x9003] = when  # DateTimeOriginal
    return exif


def _pictures(vault: Vault, tmp_path: Path) -> dict[str, str]:
    """A witness's picture in A, a Telegram repost of it in A (its camera time earlier than any
    ingest), an unrelated picture in A, and another repost of it in B."""
    copy = repost(scene(1))
    return {
        "original": _ingest(vault, save(scene(1), tmp_path / "in/witness.png"), "A", "witness"),
        "repost": _ingest(
            vault,
            save(
                copy,
                tmp_path / "in/tg.jpg",
                quality=60,
                exif=_camera_time(copy, "2024:05:01 09:30:00"),
            ),
            "A",
            "telegram",
        ),
        "other": _ingest(vault, save(scene(2), tmp_path / "in/other.png"), "A", "witness"),
        "in_b": _ingest(
            vault, save(repost(scene(1)).rotate(0), tmp_path / "in/x.jpg", quality=40), "B", "x.com"
        ),
    }


def test_found_only_in_collections_the_reader_sees(vault: Vault, tmp_path: Path) -> None:
    items = _pictures(vault, tmp_path)
    with vault.db.read() as session:
        in_a = similar_to(session, items["original"], frozenset({"A"}))
        both = similar_to(session, items["original"], frozenset({"A", "B"}))
        from_b = similar_to(session, items["in_b"], frozenset({"B"}))
        everything = similar_to(session, items["original"], None)
    assert [m.evidence_id for m in in_a] == [items["repost"]]
    assert {m.evidence_id for m in both} == {items["repost"], items["in_b"]}
    assert {m.evidence_id for m in everything} == {items["repost"], items["in_b"]}
    assert from_b == []  # the reader of B learns nothing of A, not even that it exists
    (match,) = in_a
    assert [(c.collection, c.source) for c in match.copies] == [("A", "telegram")]
    assert match.distance <= 31


def test_clusters_mark_the_earliest_known_copy(vault: Vault, tmp_path: Path) -> None:
    items = _pictures(vault, tmp_path)
    with vault.db.read() as session:
        (in_a,) = clusters(session, frozenset({"A"}))
        (whole,) = clusters(session, None)
        only_b = clusters(session, frozenset({"B"}))
    assert set(in_a.items) == {items["original"], items["repost"]}
    assert in_a.earliest.evidence_id == items["repost"]  # made 2024-05-01, says its camera
    assert in_a.earliest.captured_at == "2024-05-01T09:30:00"
    assert [c.source for c in in_a.copies] == ["telegram", "witness"]
    assert set(whole.items) == {items["original"], items["repost"], items["in_b"]}
    assert only_b == []  # one item alone is no cluster


def test_ingest_entry_names_the_hash_and_the_log_verifies(vault: Vault, tmp_path: Path) -> None:
    item = _ingest(vault, save(scene(5), tmp_path / "a.png"), "A", "witness")
    with vault.db.read() as session:
        ev = session.get(models.Evidence, item)
        assert ev is not None
        entry = json.loads(session.get(models.CustodyEvent, ev.log_index).entry)  # type: ignore[union-attr]
        stored = session.execute(select(models.PerceptualHash)).scalars().all()
    block = entry["evidence"]["perceptual"]
    assert block["algorithm"] == "pdq" and block["quality"] >= 50
    assert [s.hash.hex() for s in stored] == [block["hash"]]
    assert json.loads(ev.meta)["perceptual"]["hashes"][0]["hash"] == block["hash"]
    report = verify_workspace(vault, check_blobs=False)
    assert report.ok, report.problems


def test_a_reencoded_cropped_video_is_found(vault: Vault, tmp_path: Path) -> None:
    seeds = [21, 22, 23, 24, 25]
    original = _ingest(vault, video(tmp_path / "in/phone.mp4", seeds), "A", "witness")
    copy = _ingest(
        vault,
        video(tmp_path / "in/tg.mp4", seeds, codec="h264", size=(192, 144), crop=0.01, gop=5),
        "A",
        "telegram",
    )
    other = _ingest(vault, video(tmp_path / "in/other.mp4", [31, 32, 33]), "A", "witness")
    still = _ingest(vault, save(scene(23), tmp_path / "in/screenshot.png"), "A", "x.com")
    with vault.db.read() as session:
        found = {m.evidence_id: m for m in similar_to(session, original, frozenset({"A"}))}
        from_other = similar_to(session, other, frozenset({"A"}))
    assert set(found) == {copy, still}  # the screenshot of one scene finds the video too
    matched, frames = found[copy].frames
    assert frames == 5 and matched >= 3  # one a second, and most found again in the copy
    assert from_other == []


def test_cli_similar_and_clusters(vault: Vault, tmp_path: Path, cli_env: dict[str, str]) -> None:
    items = _pictures(vault, tmp_path)
    done = gavah(cli_env, "similar", items["original"], "--collection", "A", "--json")
    assert done.returncode == 0, done.stderr
    assert [m["id"] for m in json.loads(done.stdout)["matches"]] == [items["repost"]]
    done = gavah(cli_env, "clusters", "--json")
    (cluster,) = json.loads(done.stdout)["clusters"]
    assert cluster["earliest"]["evidence_id"] == items["repost"]
    assert len(cluster["items"]) == 3
