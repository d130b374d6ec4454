"""Sealed bundles opened through the web workspace (issue 17; docs/bundles.md §5.5): pieces
uploaded with tus, from two accounts, shuffled, one twice, one corrupted, are held per collection
and named in each upload's receipt; the piece that completes the bundle opens it, and its files
become items of the collection as `gavah bundle open` makes them. An account of another
collection learns nothing of what this one holds.

Every file here is synthetic: random bytes made by the test.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.web.conftest import session_csrf
from tests.web.test_uploads_web import Uploader, account_folder, session_uploader

from gavah.bundles import seal as fmt
from gavah.bundles.ingest import held_folder, make_key
from gavah.bundles.open import BUNDLE_OPENED
from gavah.db import models
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah.web.i18n import gettext_for
from gavah.workspace import Workspace

PIECE = fmt.MIN_PIECE  # 64 KiB pieces: a few hundred KB of files make several


def _sealed(workspace: Workspace, tmp_path: Path) -> tuple[fmt.Sealed, dict[str, str]]:
    """Three synthetic files sealed to the workspace's bundle-opening key, and their SHA-256."""
    rng = random.Random(17)
    folder = tmp_path / "field"
    folder.mkdir()
    files = []
    for i, size in enumerate((150_000, 90_000, 7)):
        path = folder / f"synthetic-{i}.bin"
        path.write_bytes(rng.randbytes(size))
        files.append(path)
    recipient = fmt.Recipient(public_key=make_key(workspace.settings))
    sealed = fmt.seal(
        files, recipient, tmp_path / "out", key=Ed25519PrivateKey.generate(), piece_size=PIECE
    )
    return sealed, {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _give(uploader: Uploader, data: bytes, collection: str, name: str) -> dict[str, Any]:
    """One piece through tus; its upload's receipt's bundle part."""
    uid = uploader.send(
        data, filename=name, collection=collection, filetype="application/octet-stream"
    )
    receipt = uploader.client.get(f"/api/v1/uploads/{uid}")
    assert receipt.status_code == 200, receipt.text
    body: dict[str, Any] = receipt.json()
    assert body["evidence_id"] is None and body["bundle"] is not None, body
    bundle: dict[str, Any] = body["bundle"]
    return bundle


def _counts(workspace: Workspace, collection: str) -> tuple[int, int, int]:
    acq = models.Acquisition
    with workspace.db.read() as session:
        return (
            session.scalar(
                select(func.count()).select_from(acq).where(acq.collection == collection)
            )
            or 0,
            session.scalar(select(func.count()).select_from(models.BundleOpening)) or 0,
            session.scalar(select(func.count()).select_from(models.CustodyEvent)) or 0,
        )


def test_pieces_from_two_accounts_shuffled_duplicated_corrupted_then_completed(
    app: FastAPI,
    workspace: Workspace,
    vault: Vault,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
    tmp_path: Path,
) -> None:
    sealed, originals = _sealed(workspace, tmp_path)
    pieces = [p.read_bytes() for p in sealed.pieces]
    count = len(pieces)
    assert count >= 4
    senders = [
        session_uploader(signed_in(app, person(name, "intake", ("alpha",))))
        for name in ("intake-a", "intake-b")
    ]
    outsider = session_uploader(signed_in(app, person("intake-c", "intake", ("beta",))))
    lost = 2  # index of the piece that arrives last (number 3)
    order = [i for i in range(count) if i != lost] + [0]  # piece 1 twice
    random.Random(5).shuffle(order)
    before = _counts(workspace, "alpha")

    receipts = []
    for turn, index in enumerate(order):
        receipts.append(_give(senders[turn % 2], pieces[index], "alpha", f"p{index}.piece"))
    for r in receipts:
        assert r["state"] == "held" and r["bundle_id"] == sealed.bundle_id
        assert r["pieces"] == count and not r["items"]
    assert receipts[-1]["received"] == count - 1
    assert receipts[-1]["missing"] == [lost + 1]
    assert {r["piece"] for r in receipts} == {i + 1 for i in range(count) if i != lost}
    assert _counts(workspace, "alpha") == before  # held, not ingested, nothing logged

    # The lost piece arrives damaged first: refused, named, kept nowhere.
    corrupted = bytearray(pieces[lost])
    corrupted[fmt.HEADER + 4321] ^= 0x01
    refused = _give(senders[0], bytes(corrupted), "alpha", "damaged.piece")
    assert refused["state"] == "refused" and refused["piece"] == lost + 1
    assert "does not match" in refused["reason"] and refused["hint"]
    held = held_folder(workspace.settings, sealed.bundle_id, "alpha")
    kept = {f.read_bytes() for f in held.glob("*.piece")}
    assert len(kept) == count - 1 and bytes(corrupted) not in kept and kept <= set(pieces)
    assert _counts(workspace, "alpha") == before

    # Another collection's uploader gives a piece of the same bundle: learns nothing of alpha's.
    theirs = _give(outsider, pieces[0], "beta", "p0.piece")
    assert theirs["state"] == "held" and theirs["received"] == 1
    assert theirs["missing"] == list(range(2, count + 1))

    # The missing piece completes the bundle: opened, its files items of alpha.
    opened = _give(senders[1], pieces[lost], "alpha", f"p{lost}.piece")
    assert opened["state"] == "opened" and not opened["already"]
    assert opened["received"] == count and opened["missing"] == []
    assert {i["name"]: i["sha256"] for i in opened["items"]} == originals
    acquisitions, openings, _ = _counts(workspace, "alpha")
    assert (acquisitions, openings) == (before[0] + 3, 1)
    with workspace.db.read() as session:
        rows = session.execute(
            select(models.Acquisition).where(models.Acquisition.collection == "alpha")
        ).scalars()
        by_name = {a.filename: a.evidence_id for a in rows}
        event_row = session.execute(
            select(models.CustodyEvent).where(models.CustodyEvent.kind == BUNDLE_OPENED)
        ).scalar_one()
        event = json.loads(event_row.entry)
    assert by_name == {i["name"]: i["id"] for i in opened["items"]}
    assert event["collection"] == "alpha" and event["bundle"]["id"] == sealed.bundle_id
    assert event["actor"] == "web:intake-b"
    arrivals = event["bundle"]["arrivals"]
    assert [a["piece"] for a in arrivals] == list(range(1, count + 1))
    # Who gave each piece, under what name: the first sound copy of each.
    first_by = {}
    for turn, index in enumerate(order):
        first_by.setdefault(index, (f"p{index}.piece", f"web:intake-{'ab'[turn % 2]}"))
    first_by[lost] = (f"p{lost}.piece", "web:intake-b")
    assert {a["piece"] - 1: (a["file"], a["by"]) for a in arrivals} == first_by
    assert opened["log_index"] == event_row.idx
    assert not held.exists()  # released once opened
    page = senders[0].client.get(f"/items/{opened['items'][0]['id']}")
    assert page.status_code == 200

    # Re-uploads change nothing: the receipt says it was opened before.
    settled = _counts(workspace, "alpha")
    again = _give(senders[0], pieces[1], "alpha", "again.piece")
    assert again["state"] == "opened" and again["already"]
    assert again["items"] == opened["items"] and again["log_index"] == opened["log_index"]
    assert _counts(workspace, "alpha") == settled
    assert not held.exists()

    # beta still holds one piece and has opened nothing; its uploader sees no item of alpha's.
    theirs = _give(outsider, pieces[0], "beta", "p0-again.piece")
    assert theirs["state"] == "held" and theirs["received"] == 1 and not theirs["items"]
    assert outsider.client.get(f"/items/{opened['items'][0]['id']}").status_code == 404
    for who in ("intake-a", "intake-b", "intake-c"):
        assert not list(account_folder(workspace, who).glob("*.info"))  # no upload left over
    assert verify_workspace(vault).ok


def test_a_complete_bundle_without_the_opening_key_stays_held_and_says_why(
    app: FastAPI,
    workspace: Workspace,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
    tmp_path: Path,
) -> None:
    sealed, _ = _sealed(workspace, tmp_path)
    workspace.settings.bundle_key_path.unlink()  # lost, or not yet restored from backup
    sender = session_uploader(signed_in(app, person("intake-a", "intake", ("alpha",))))
    before = _counts(workspace, "alpha")
    receipts = [_give(sender, p.read_bytes(), "alpha", p.name) for p in sealed.pieces]
    last = receipts[-1]
    assert last["state"] == "not_opened" and last["missing"] == []
    assert "no bundle-opening key" in last["reason"] and "keygen" in last["hint"]
    assert _counts(workspace, "alpha") == before
    held = held_folder(workspace.settings, sealed.bundle_id, "alpha")
    assert len(list(held.glob("*.piece"))) == len(sealed.pieces)


def test_a_file_that_is_not_a_piece_is_still_ingested_as_evidence(
    app: FastAPI,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
) -> None:
    sender = session_uploader(signed_in(app, person("intake-a", "intake", ("alpha",))))
    data = b"gavahpc0 synthetic: close to the magic, but not it\n" * 100
    uid = sender.send(data, filename="near.txt", collection="alpha")
    body = sender.client.get(f"/api/v1/uploads/{uid}").json()
    assert body["bundle"] is None and body["sha256"] == hashlib.sha256(data).hexdigest()


def test_the_upload_page_says_a_bundle_s_state_in_persian_and_english(
    app: FastAPI,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
) -> None:
    client = signed_in(app, person("intake-a", "intake", ("alpha",)))
    fields = ("held", "missing", "refused", "refused-unknown", "opened", "already", "not-opened")
    persian = client.get("/upload").text  # Persian is the default
    held = re.search(r'data-msg-bundle-held="([^"]+)"', persian)
    assert held and "{received}" in held.group(1) and "بستهٔ مهروموم‌شده" in held.group(1)
    switched = client.post(
        "/account/language",
        data={"language": "en", "csrf_token": session_csrf(client)},
        follow_redirects=False,
    )
    assert switched.status_code == 303, switched.text
    english = client.get("/upload").text
    assert 'data-msg-bundle-held="Sealed bundle piece {piece} held' in english
    for field in fields:
        assert f'data-msg-bundle-{field}="' in persian and f'data-msg-bundle-{field}="' in english


def test_a_passphrase_bundle_opens_on_its_page_and_the_passphrase_is_kept_nowhere(
    app: FastAPI,
    workspace: Workspace,
    vault: Vault,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
    tmp_path: Path,
    caplog: Any,
) -> None:
    """Complete but sealed with a passphrase: held, and the receipt says it did not open; the
    page opens it with the passphrase, for someone who may upload into the collection only;
    the custody event says a passphrase opened it; the passphrase is in no page, event, row,
    log line or URL."""
    secret = "synthetic-passphrase-0d1f7e horse battery staple"
    folder = tmp_path / "field"
    folder.mkdir()
    (folder / "synthetic.bin").write_bytes(random.Random(3).randbytes(100_000))
    sealed = fmt.seal(
        [folder / "synthetic.bin"],
        fmt.Recipient(passphrase=secret),
        tmp_path / "out",
        piece_size=PIECE,
    )
    make_key(workspace.settings)  # the workspace's key exists, but this bundle is not for it
    client = signed_in(app, person("intake-a", "intake", ("alpha",)))
    sender = session_uploader(client)
    receipts = [_give(sender, p.read_bytes(), "alpha", p.name) for p in sealed.pieces]
    assert receipts[-1]["state"] == "not_opened"
    page = client.get(f"/bundles/open?collection=alpha&bundle={sealed.bundle_id}")
    assert page.status_code == 200 and 'type="password"' in page.text
    form = {"collection": "alpha", "bundle": sealed.bundle_id, "csrf_token": session_csrf(client)}
    # Another collection's uploader: not allowed into alpha, and beta holds nothing of it.
    outsider = signed_in(app, person("intake-c", "intake", ("beta",)))
    before = _counts(workspace, "alpha")
    theirs = {**form, "csrf_token": session_csrf(outsider), "passphrase": secret}
    assert outsider.post("/bundles/open", data=theirs).status_code == 403
    in_beta = outsider.post("/bundles/open", data={**theirs, "collection": "beta"})
    assert in_beta.status_code == 404 and "alpha" not in in_beta.text

    too_long = client.post("/bundles/open", data={**form, "passphrase": secret * 30})
    assert too_long.status_code == 422 and secret not in too_long.text  # not echoed in errors
    wrong = client.post("/bundles/open", data={**form, "passphrase": "not the passphrase"})
    assert wrong.status_code == 422 and "does not open" in wrong.text
    assert "not the passphrase" not in wrong.text
    assert _counts(workspace, "alpha") == before  # nothing ingested, nothing logged
    held = held_folder(workspace.settings, sealed.bundle_id, "alpha")
    assert len(list(held.glob("*.piece"))) == len(sealed.pieces)  # still held

    with caplog.at_level("DEBUG"):
        done = client.post("/bundles/open", data={**form, "passphrase": secret})
    assert done.status_code == 200, done.text
    assert secret not in done.text and secret not in caplog.text
    assert 'name="passphrase"' in done.text and f'value="{secret}"' not in done.text
    with workspace.db.read() as session:
        opening = session.get(models.BundleOpening, (sealed.bundle_id, "alpha"))
        assert opening is not None
        event = session.scalars(
            select(models.CustodyEvent).where(models.CustodyEvent.kind == BUNDLE_OPENED)
        ).one()
        logged = json.loads(event.entry)
    assert logged["bundle"]["opened_with"] == "passphrase"
    assert secret not in json.dumps(logged) and secret not in opening.items
    item = json.loads(opening.items)[0]
    assert f"/items/{item['id']}" in done.text
    assert _counts(workspace, "alpha")[0] == before[0] + 1
    again = client.post("/bundles/open", data={**form, "passphrase": secret})
    already = gettext_for("fa")("Sealed bundle already opened: nothing changed")
    assert again.status_code == 200 and already in again.text and "بسته" in already
    assert not held.exists()
    assert verify_workspace(vault).ok
