"""Content addressing is no oracle (issue 13, finding 1).

Collection beta holds a file, described and looked at by beta's analyst. An intake user of
collection alpha uploads the same bytes. The upload's receipt, the item's page and API answer,
search, the proof and the custody report must then say nothing of beta: not that it held the
file, not its description, its people, its notes or the date it came in. Beta's people, in turn,
learn nothing of alpha's upload; an admin sees both.

Every file, name and text here is synthetic.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from gavah.custody.bundle import verify_bundle
from gavah.db import models
from gavah.intake.ingest import ingest
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah.workspace import Workspace

DATA = b"synthetic witness video stand-in, held by two collections\n" * 20
BETA_SECRETS = (
    "beta-witness-original.txt",  # beta's file name
    "betasource-courier",  # beta's source
    "betanote-safehouse",  # beta's note
    "betadescription-checkpoint",  # beta's description
    "analyst-b",  # beta's analyst (views, description)
    "test-analyst",  # who ingested it into beta
    "2024-01-01",  # when beta got it
    "beta",  # the collection's very name
)
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: TestClient) -> str:
    found = CSRF_FIELD.search(client.get("/account").text)
    assert found
    return found.group(1)


def describe(client: TestClient, ref: str, text: str, collection: str | None = None) -> Any:
    body: dict[str, Any] = {"description": text}
    if collection is not None:
        body["collection"] = collection
    return client.put(
        f"/api/v1/items/{ref}/description", json=body, headers={"X-CSRF-Token": csrf_of(client)}
    )


def upload(client: TestClient, data: bytes, collection: str, **fields: str) -> dict[str, Any]:
    """A whole tus upload as the browser sends it; its receipt."""
    auth = {"X-CSRF-Token": csrf_of(client), "Tus-Resumable": "1.0.0"}
    meta = {"filename": "alpha-upload.txt", "filetype": "text/plain", "collection": collection}
    meta.update(fields)
    encoded = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())
    made = client.post(
        "/uploads/", headers={**auth, "Upload-Length": str(len(data)), "Upload-Metadata": encoded}
    )
    assert made.status_code == 201, made.text
    url = made.headers["location"]
    sent = client.patch(
        url,
        content=data,
        headers={
            **auth,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
        },
    )
    assert sent.status_code == 204, sent.text
    receipt = client.get(f"/api/v1/uploads/{url.rsplit('/', 1)[1]}")
    assert receipt.status_code == 200, receipt.text
    found: dict[str, Any] = receipt.json()
    return found


@pytest.fixture
def held_by_beta(vault: Vault, tmp_path: Path) -> str:
    """The file in beta, ingested with beta's source and note."""
    folder = tmp_path / "beta"
    folder.mkdir()
    (folder / "beta-witness-original.txt").write_bytes(DATA)
    summary = ingest(
        vault,
        [os.fsencode(folder / "beta-witness-original.txt")],
        collection="beta",
        source="betasource-courier",
        note="betanote-safehouse",
    )
    evidence_id: str = summary.items[0]["id"]
    return evidence_id


def backdate(workspace: Workspace, evidence_id: str) -> None:
    """Beta got the file on 2024-01-01, as the item's rows say (its signed entry keeps the real
    date, so `log verify` would now object: only for the test that looks for the date)."""
    then = datetime(2024, 1, 1, 9, 30, tzinfo=UTC)
    with workspace.db.write() as session:
        session.execute(
            update(models.Evidence).where(models.Evidence.id == evidence_id).values(created_at=then)
        )
        session.execute(
            update(models.Acquisition)
            .where(models.Acquisition.evidence_id == evidence_id)
            .values(at=then)
        )


def leaks(text: str) -> list[str]:
    return [secret for secret in BETA_SECRETS if secret in text]


def test_uploading_bytes_another_collection_holds_reveals_nothing_of_it(
    app: FastAPI,
    workspace: Workspace,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
    held_by_beta: str,
) -> None:
    backdate(workspace, held_by_beta)
    beta_analyst = signed_in(app, person("analyst-b", "analyst", ("beta",)))
    described = describe(beta_analyst, held_by_beta, "betadescription-checkpoint")
    assert described.status_code == 200, described.text
    assert beta_analyst.get(f"/items/{held_by_beta}").status_code == 200  # a view by analyst-b

    intake = signed_in(app, person("intake-a", "intake", ("alpha",)))
    receipt = upload(intake, DATA, "alpha", source="alpha-source", note="alpha-note")
    assert receipt["evidence_id"] == held_by_beta  # one blob, one item: content addressing
    assert receipt["new"] is True  # new to alpha; whether beta holds it is not said

    detail = intake.get(f"/api/v1/items/{held_by_beta}")
    assert detail.status_code == 200
    assert leaks(detail.text) == [], detail.json()
    item = detail.json()
    assert item["collections"] == ["alpha"]
    assert item["description"] is None and item["descriptions"] == {}
    assert [a["collection"] for a in item["acquisitions"]] == ["alpha"]
    kinds = [e["kind"] for e in item["custody"]]
    assert kinds == ["evidence.ingested", "evidence.viewed"]  # as if the upload brought it
    assert item["log_index"] == item["custody"][0]["log_index"] == receipt["log_index"]
    assert not item["created_at"].startswith("2024")

    page = intake.get(f"/items/{held_by_beta}")
    assert page.status_code == 200 and leaks(page.text) == []
    assert "alpha-note" in page.text and "alpha-upload.txt" in page.text
    for words in ("betadescription", "beta-witness-original", "betasource"):
        listed = intake.get("/api/v1/items", params={"q": words}).json()["items"]
        assert listed == [], words
    listed = intake.get("/api/v1/items").json()["items"]
    assert [(i["id"], i["collection"]) for i in listed] == [(held_by_beta, "alpha")]
    assert not listed[0]["created_at"].startswith("2024")

    # Beta's analyst learns nothing of alpha's upload either, and keeps their description.
    theirs = beta_analyst.get(f"/api/v1/items/{held_by_beta}").json()
    assert theirs["description"] == "betadescription-checkpoint"
    assert [a["collection"] for a in theirs["acquisitions"]] == ["beta"]
    assert not any(s in json.dumps(theirs) for s in ("alpha-note", "intake-a", "alpha-upload"))
    beta_analyst.close()
    intake.close()


def test_proof_custody_report_and_bag_hold_only_the_readers_collections(
    app: FastAPI,
    workspace: Workspace,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
    held_by_beta: str,
    tmp_path: Path,
) -> None:
    beta_analyst = signed_in(app, person("analyst-b", "analyst", ("beta",)))
    assert describe(beta_analyst, held_by_beta, "betadescription-checkpoint").status_code == 200
    alpha_analyst = signed_in(app, person("analyst-alpha", "analyst", ("alpha",)))
    upload(alpha_analyst, DATA, "alpha", note="alpha-note")
    verifier = workspace.log.verifier

    proof = alpha_analyst.get(f"/api/v1/items/{held_by_beta}/proof")
    assert proof.status_code == 200 and leaks(proof.text) == []
    verdict = verify_bundle(proof.json(), verifier)
    (proven,) = verdict.events
    assert proven.event["kind"] == "evidence.ingested"
    assert proven.event["acquisition"]["collection"] == "alpha"

    report = alpha_analyst.get(f"/api/v1/items/{held_by_beta}/custody-report")
    assert report.status_code == 200 and leaks(report.text) == []
    checked = verify_bundle(report.json(), verifier)
    assert {e.event["kind"] for e in checked.events} >= {"evidence.ingested", "evidence.exported"}

    # The court bag holds alpha's side only, and validates as a bag.
    bag = alpha_analyst.get(f"/items/{held_by_beta}/bag")
    assert bag.status_code == 200 and bag.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(bag.content)) as zipped:
        texts = [(n, zipped.read(n).decode("utf-8", "replace")) for n in zipped.namelist()]
        zipped.extractall(tmp_path / "bag")
    assert [(n, leak) for n, text in texts for leak in leaks(text)] == []
    (top,) = (tmp_path / "bag").iterdir()
    bagit.Bag(str(top)).validate()
    assert not any((workspace.settings.workspace / "exports").iterdir())  # removed once sent

    download = alpha_analyst.get(f"/items/{held_by_beta}/download")
    assert download.status_code == 200 and download.content == DATA
    assert "alpha-upload.txt" in download.headers["content-disposition"]

    # An admin sees every collection: both acquisitions, beta's description, the whole log.
    admin = signed_in(app, person("boss", "admin"))
    everything = admin.get(f"/api/v1/items/{held_by_beta}").json()
    assert sorted(everything["collections"]) == ["alpha", "beta"]
    assert everything["descriptions"] == {"beta": "betadescription-checkpoint"}
    full = admin.get(f"/api/v1/items/{held_by_beta}/custody-report").text
    assert "betanote-safehouse" in full and "alpha-note" in full
    # One file, one row in the list, naming both collections (it was listed twice).
    listing = admin.get("/items").text
    assert listing.count(f'href="/items/{held_by_beta}"') == 1
    assert re.search(r">alpha</bdi>[،,] <bdi[^>]*>beta<|>beta</bdi>[،,] <bdi[^>]*>alpha<", listing)
    assert verify_workspace(Vault(workspace)).ok
    for client in (beta_analyst, alpha_analyst, admin):
        client.close()


def test_each_collection_keeps_its_own_description(
    app: FastAPI,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
    held_by_beta: str,
) -> None:
    alpha_analyst = signed_in(app, person("analyst-alpha", "analyst", ("alpha",)))
    upload(alpha_analyst, DATA, "alpha")
    beta_analyst = signed_in(app, person("analyst-b", "analyst", ("beta",)))
    both = signed_in(app, person("analyst-both", "analyst", ("alpha", "beta")))
    for client, text in ((alpha_analyst, "alpha says"), (beta_analyst, "beta says")):
        assert describe(client, held_by_beta, text).status_code == 200
    assert alpha_analyst.get(f"/api/v1/items/{held_by_beta}").json()["description"] == "alpha says"
    assert beta_analyst.get(f"/api/v1/items/{held_by_beta}").json()["description"] == "beta says"
    seen = both.get(f"/api/v1/items/{held_by_beta}").json()
    assert seen["descriptions"] == {"alpha": "alpha says", "beta": "beta says"}
    # Describing in a collection one may not describe in is refused, named or not held.
    refused = describe(alpha_analyst, held_by_beta, "overwrite", "beta")
    assert refused.status_code == 403
    assert beta_analyst.get(f"/api/v1/items/{held_by_beta}").json()["description"] == "beta says"
    assert describe(both, held_by_beta, "for alpha only", "alpha").status_code == 200
    assert beta_analyst.get(f"/api/v1/items/{held_by_beta}").json()["description"] == "beta says"
    page = both.get(f"/items/{held_by_beta}").text
    assert 'name="collection"' in page  # the form asks which collection
    for client in (alpha_analyst, beta_analyst, both):
        client.close()
