"""The upload size limit holds however the bytes are sent (issue 13, finding 2): a creation
request carrying the file as its body, a negative length, a chunk refused for its headers, a
chunk longer than what is left of its upload, a body longer than its Content-Length. Each is
refused before a byte of it is written, and what is stored is exactly what was accepted.

The workspace here accepts 1 KiB per file; the bodies are a few KiB over it. Every byte is
synthetic.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2 as httpx  # what starlette.testclient sends requests with
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gavah.accounts import Accounts
from gavah.db import models
from gavah.settings import Settings
from gavah.web import create_app
from gavah.workspace import Workspace, init_workspace
from totp_codes import next_code

LIMIT = 1024
OVER = LIMIT + 4096  # a few KiB over the limit
TUS = {"Tus-Resumable": "1.0.0"}
CHUNK = {"Content-Type": "application/offset+octet-stream"}


@dataclass
class Uploads:
    app: FastAPI
    workspace: Workspace
    client: TestClient
    auth: dict[str, str]

    def create(self, length: str, body: bytes = b"", **headers: str) -> httpx.Response:
        meta = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}"
            for k, v in {"filename": "limit.bin", "filetype": "x/y", "collection": "alpha"}.items()
        )
        sent = {**TUS, **self.auth, "Upload-Length": length, "Upload-Metadata": meta, **headers}
        return self.client.post("/uploads/", headers=sent, content=body)

    def start(self, size: int) -> str:
        made = self.create(str(size))
        assert made.status_code == 201, made.text
        return str(made.headers["location"]).removeprefix("https://testserver")

    def patch(self, url: str, offset: int, body: bytes, **headers: str) -> httpx.Response:
        sent = {**TUS, **CHUNK, **self.auth, "Upload-Offset": str(offset), **headers}
        return self.client.patch(url, content=body, headers=sent)

    def offset(self, url: str) -> int:
        head = self.client.head(url, headers={**TUS, **self.auth})
        assert head.status_code == 200, head.text
        return int(head.headers["upload-offset"])

    def stored(self) -> dict[str, int]:
        """Every file under the uploads folder with its size (the tus state files aside)."""
        root = self.workspace.settings.uploads_dir
        if not root.exists():
            return {}
        return {
            p.name: p.stat().st_size
            for p in root.rglob("*")
            if p.is_file() and p.suffix not in (".info", ".lock")
        }

    def evidence(self) -> int:
        with self.workspace.db.read() as session:
            count = session.execute(select(func.count()).select_from(models.Evidence)).scalar_one()
            return int(count)


@pytest.fixture
def uploads(settings_values: dict[str, Any]) -> Iterator[Uploads]:
    settings = Settings(**{**settings_values, "upload_max_bytes": LIMIT})
    ws = init_workspace(settings)
    made = Accounts(ws).create_with_credentials("intake-limit", "intake", ["alpha"], "test")
    app = create_app(settings, ws)
    client = TestClient(app, base_url="https://testserver")
    form = client.get("/login")
    token = str(client.cookies["gavah_form"])
    assert form.status_code == 200
    signed = client.post(
        "/login",
        data={"name": "intake-limit", "password": made.password, "csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    page = client.get("/login/code").text
    code_token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    done = client.post(
        "/login/code",
        data={"code": next_code(made.totp_secret), "csrf_token": code_token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    account = client.get("/account").text
    csrf = account.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    yield Uploads(app, ws, client, {"X-CSRF-Token": csrf})
    client.close()
    ws.close()


def test_a_creation_request_with_the_file_as_its_body_stores_nothing(uploads: Uploads) -> None:
    body = b"s" * OVER
    for length in ("0", str(LIMIT)):
        refused = uploads.create(length, body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"] == "InputError"
        assert "PATCH" in refused.json()["hint"]
    assert uploads.stored() == {}
    assert uploads.evidence() == 0


def test_a_length_that_is_no_whole_number_is_refused(uploads: Uploads) -> None:
    for length in ("-1", "+5", "1e3", " ", "99999999999999999999"):
        refused = uploads.create(length)
        assert refused.status_code == 400, (length, refused.text)
        assert "Upload-Length" in refused.json()["message"]
    too_big = uploads.create(str(LIMIT + 1))
    assert too_big.status_code == 413
    assert uploads.stored() == {} and uploads.evidence() == 0


def test_a_refused_chunk_writes_none_of_its_bytes(uploads: Uploads) -> None:
    url = uploads.start(LIMIT)
    chunk = b"c" * 512
    wrong_type = uploads.patch(url, 0, chunk, **{"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415, wrong_type.text
    no_version = uploads.client.patch(
        url,
        content=chunk,
        headers={**CHUNK, **uploads.auth, "Upload-Offset": "0"},
    )
    assert no_version.status_code == 412, no_version.text
    too_long = uploads.patch(url, 0, b"c" * OVER)
    assert too_long.status_code == 413, too_long.text
    assert "exceed" in too_long.json()["message"]
    assert list(uploads.stored().values()) == [0]  # the data file is there, and empty
    assert uploads.offset(url) == 0
    # The upload is intact: the right bytes complete it.
    data = b"d" * LIMIT
    assert uploads.patch(url, 0, data).status_code == 204
    assert uploads.evidence() == 1


def _raw_patch(uploads: Uploads, url: str, chunks: list[bytes], length: int) -> int:
    """A PATCH whose body arrives in several pieces, as from a network (the test client sends
    one), straight to the app."""
    cookie = "; ".join(f"{k}={v}" for k, v in uploads.client.cookies.items())
    headers = {
        **TUS,
        **CHUNK,
        **uploads.auth,
        "Upload-Offset": "0",
        "Content-Length": str(length),
        "Cookie": cookie,
        "Host": "testserver",
    }
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "https",
        "path": url,
        "raw_path": url.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443),
    }
    anyio.run(uploads.app, scope, receive, send)
    return status[0]


def test_a_chunk_longer_than_its_upload_leaves_no_bytes_behind(uploads: Uploads) -> None:
    """Refused when its first piece fits and a later one does not: nothing of it may stay in the
    file, or the next, correct chunk would be recorded after stray bytes."""
    url = uploads.start(LIMIT)
    pieces = [b"x" * 600, b"y" * 600]
    assert _raw_patch(uploads, url, pieces, 1200) == 413
    assert list(uploads.stored().values()) == [0]
    data = bytes(range(256)) * (LIMIT // 256)
    assert uploads.patch(url, 0, data).status_code == 204
    upload_id = url.rsplit("/", 1)[1]
    receipt = uploads.client.get(f"/api/v1/uploads/{upload_id}").json()
    assert receipt["sha256"] == hashlib.sha256(data).hexdigest()
    with uploads.workspace.store.open(receipt["sha256"]) as blob:
        assert blob.read() == data


def test_nothing_past_a_bodys_content_length_is_read(uploads: Uploads) -> None:
    url = uploads.start(LIMIT)
    assert _raw_patch(uploads, url, [b"a" * 100, b"b" * OVER], 100) == 204
    assert uploads.offset(url) == 100
    assert list(uploads.stored().values()) == [100]


def test_only_the_extensions_gavah_accepts_are_advertised(uploads: Uploads) -> None:
    options = uploads.client.options("/uploads/", headers={**TUS, **uploads.auth})
    assert options.status_code == 204
    assert options.headers["tus-extension"] == "creation,expiration,termination"
    assert options.headers["tus-max-size"] == str(LIMIT)
