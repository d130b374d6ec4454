"""The item page's "also received as": near-duplicates from the reader's collections only.

A witness's picture is in alpha; a repost of it in alpha too, another in beta. Alpha's viewer
sees the alpha repost and nothing of beta's; beta's viewer sees alpha's picture nowhere; the
admin sees both, in Persian and in English. Every picture is made by the test."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from gavah.intake.ingest import ingest
from gavah.vault import Vault
from scenes import repost, save, scene


def _ingest(vault: Vault, path: Path, collection: str, source: str) -> str:
    return str(
        ingest(vault, [os.fsencode(path)], collection=collection, source=source).items[0]["id"]
    )


def _csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/account").text)
    assert found
    return found.group(1)


def test_also_received_as(
    app: FastAPI,
    vault: Vault,
    person: Callable[..., object],
    signed_in: Callable[..., object],
    tmp_path: Path,
) -> None:
    original = _ingest(vault, save(scene(1), tmp_path / "witness-alpha.png"), "alpha", "witness")
    alpha_copy = _ingest(
        vault,
        save(repost(scene(1)), tmp_path / "telegram-alpha.jpg", quality=60),
        "alpha",
        "telegram-alpha",
    )
    beta_copy = _ingest(
        vault, save(repost(scene(1)), tmp_path / "x-beta.jpg", quality=40), "beta", "xcom-beta"
    )
    viewer = signed_in(app, person("viewer-a", "viewer", ("alpha",)))
    page = viewer.get(f"/items/{original}")  # type: ignore[attr-defined]
    assert page.status_code == 200
    assert "telegram-alpha.jpg" in page.text and f"/items/{alpha_copy}" in page.text
    assert (
        "x-beta.jpg" not in page.text
        and "xcom-beta" not in page.text
        and beta_copy not in page.text
    )
    assert "نیز دریافت شده" in page.text  # Persian by default
    beta = signed_in(app, person("viewer-b", "viewer", ("beta",)))
    page = beta.get(f"/items/{beta_copy}")  # type: ignore[attr-defined]
    assert "witness-alpha.png" not in page.text and original not in page.text
    assert "telegram-alpha" not in page.text
    admin = signed_in(app, person("admin-1", "admin"))
    switched = admin.post(  # type: ignore[attr-defined]
        "/account/language",
        data={"language": "en", "csrf_token": _csrf(admin)},  # type: ignore[arg-type]
        follow_redirects=False,
    )
    assert switched.status_code == 303
    page = admin.get(f"/items/{original}")  # type: ignore[attr-defined]
    assert "Also received as" in page.text
    assert "telegram-alpha.jpg" in page.text and "x-beta.jpg" in page.text
