"""Face-box review in the browser (pages/redaction.py): the page shows the derivative as the
boxes stand with the boxes drawn over it; its forms propose, change and approve through the
same library calls as ``gavah redact``, so each step is the same ``redaction.*`` custody event
(``log verify`` replays them), by ``web:NAME``; a changed box withdraws the approval. Seeing
needs the item's collection, changing needs the reviewer role. Synthetic pictures only."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from gavah.db import models
from gavah.intake.ingest import ingest
from gavah.publish.redact import APPROVED, BOXES_CHANGED, PROPOSED, Redactions
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
RECT = re.compile(r'<rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"')


@pytest.fixture
def photo(vault: Vault, tmp_path: Path) -> str:
    """The scikit-image astronaut (a public-domain NASA portrait) in collection alpha."""
    skimage = pytest.importorskip("skimage")
    path = tmp_path / "portrait.png"
    Image.fromarray(skimage.data.astronaut()).save(path)
    made = ingest(vault, [os.fsencode(path)], collection="alpha", source="synthetic")
    return str(made.items[0]["id"])


@pytest.fixture
def people(
    app: FastAPI, person: Callable[..., Any], signed_in: Callable[[FastAPI, Any], TestClient]
) -> dict[str, TestClient]:
    made = {
        "reviewer": person("reviewer", "reviewer", ("alpha",)),
        "analyst": person("analyst", "analyst", ("alpha",)),
        "outsider": person("outsider", "reviewer", ("beta",)),
    }
    return {name: signed_in(app, who) for name, who in made.items()}


def _post(client: TestClient, path: str, data: dict[str, str]) -> Any:
    page = client.get(path.rsplit("/", 1)[0]).text
    found = CSRF.search(page)
    token = found.group(1) if found else CSRF.search(client.get("/account").text).group(1)  # type: ignore[union-attr]
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def _events(vault: Vault, item: str) -> list[dict[str, Any]]:
    E = models.CustodyEvent
    with vault.db.read() as session:
        rows = session.execute(
            select(E.entry).where(E.kind.in_((PROPOSED, BOXES_CHANGED, APPROVED))).order_by(E.idx)
        ).scalars()
        return [json.loads(bytes(r)) for r in rows]


def test_a_reviewer_proposes_changes_and_approves_boxes_from_the_page(
    vault: Vault, people: dict[str, TestClient], photo: str
) -> None:
    reviewer = people["reviewer"]
    base = f"/items/{photo}/redaction"
    assert f'action="{base}/propose"' in reviewer.get(base).text  # nothing proposed yet
    assert _post(reviewer, f"{base}/propose", {"location": "province"}).status_code == 303
    page = reviewer.get(base).text
    found = [tuple(map(int, m)) for m in RECT.findall(page)]
    assert found, "the detector's box over the astronaut's face is drawn"
    assert 'viewBox="0 0 512 512"' in page
    # The picture is the derivative as the boxes stand: a PNG without metadata, by ticket only.
    image = re.search(r'href="(/items/[^"]+/redaction/image\?t=[^"&]+)', page)
    assert image is not None
    shown = reviewer.get(image.group(1))
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(shown.content)).info == {}
    assert reviewer.get(f"{base}/image").status_code == 403

    # Move box 1, add one: one change, version 2; then approve what was seen.
    x, y, w, h = found[0]
    moved = {"x-1": str(x + 5), "y-1": str(y), "w-1": str(w), "h-1": str(h)}
    added = {"x-new": "10", "y-new": "20", "w-new": "30", "h-new": "40"}
    assert _post(reviewer, f"{base}/boxes", {**moved, **added}).status_code == 303
    now = Redactions(vault).show(photo)
    assert now["version"] == 2 and now["boxes"][0]["x"] == x + 5
    assert now["boxes"][-1] == {
        "x": 10,
        "y": 20,
        "w": 30,
        "h": 40,
        "score": 100,
        "by": "web:reviewer",
    }
    assert _post(reviewer, f"{base}/approve", {"version": "2", "location": ""}).status_code == 303
    assert Redactions(vault).show(photo)["status"] == "approved"

    # A changed box withdraws the approval; approving the old version is refused.
    kept = dict(zip("xywh", (x + 5, y, w, h), strict=True))
    gone = {"remove-2": "1", **{f"{k}-1": str(v) for k, v in kept.items()}}
    assert _post(reviewer, f"{base}/boxes", gone).status_code == 303
    after = Redactions(vault).show(photo)
    assert after["status"] == "proposed" and after["derivative"] is None
    assert len(after["boxes"]) == len(found)
    assert _post(reviewer, f"{base}/approve", {"version": "2"}).status_code == 400
    assert _post(reviewer, f"{base}/boxes", {}).status_code == 400  # nothing to change

    kinds = [(e["kind"], e["actor"]) for e in _events(vault, photo)]
    assert kinds == [
        (PROPOSED, "web:reviewer"),
        (BOXES_CHANGED, "web:reviewer"),
        (APPROVED, "web:reviewer"),
        (BOXES_CHANGED, "web:reviewer"),
    ]
    assert verify_workspace(vault).ok


def test_seeing_needs_the_collection_and_changing_the_reviewer_role(
    vault: Vault, people: dict[str, TestClient], photo: str
) -> None:
    Redactions(vault).propose(photo)
    base = f"/items/{photo}/redaction"
    analyst, outsider = people["analyst"], people["outsider"]
    page = analyst.get(base)
    assert (
        page.status_code == 200
        and "<rect" in page.text
        and f'action="{base}/boxes"' not in page.text
    )
    assert (
        _post(
            analyst, f"{base}/boxes", {"x-new": "1", "y-new": "1", "w-new": "2", "h-new": "2"}
        ).status_code
        == 403
    )
    assert _post(analyst, f"{base}/approve", {"version": "1"}).status_code == 403
    assert outsider.get(base).status_code == 404
    assert _post(outsider, f"{base}/approve", {"version": "1"}).status_code == 404
    assert Redactions(vault).show(photo)["version"] == 1
    # The page's view of the item is logged, as the item page's is.
    E = models.CustodyEvent
    with vault.db.read() as session:
        views = session.execute(select(E.entry).where(E.kind == "evidence.viewed")).scalars()
        vias = [json.loads(bytes(v))["detail"].get("via") for v in views]
    assert "web redaction page" in vias
