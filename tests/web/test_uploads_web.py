"""Resumable uploads (tus 1.0 at /uploads/) through the app, as a browser and a script send them:
an interrupted upload resumes after a reconnect and is recorded once, with the name, collection,
source and note given; every refusal is a clear JSON error; nobody reaches another account's
upload; and hostile file names stay data, never paths.

Every file here is synthetic: made up by the test, naming no real person or event.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

TUS = {"Tus-Resumable": "1.0.0"}
CHUNK_TYPE = {"Content-Type": "application/offset+octet-stream"}
ERROR_KEYS = {"error", "message", "hint", "exit_code", "status"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN_SHOWN = re.compile(r'id="api-token"[^>]*>([^<]+)</code>')
UPLOAD_ID = re.compile(r"/uploads/([0-9a-f]{32})$")
PERSIAN_NAME = "گزارش شاهد ۱۲.txt"
# Synthetic witness statement: invented text, no real person or event.
SYNTHETIC_TEXT = ("گزارش ساختگی برای آزمون؛ هیچ شخص یا رویداد واقعی نیست.\n" * 400).encode()


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def upload_metadata(**fields: str) -> str:
    return ",".join(f"{key} {b64(value)}" for key, value in fields.items())


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is the one JSON error shape with this status."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["status"] == status and body["message"]
    return body


def session_csrf_of(client: TestClient) -> str:
    found = CSRF_FIELD.search(client.get("/account").text)
    assert found, "the account page has no CSRF field"
    return found.group(1)


def api_token(client: TestClient, name: str = "uploads script") -> str:
    page = client.post(
        "/account/tokens", data={"name": name, "csrf_token": session_csrf_of(client)}
    )
    found = TOKEN_SHOWN.search(page.text)
    assert page.status_code == 200 and found, page.text
    return found.group(1).strip()


@dataclass
class Uploader:
    """tus requests as one client sends them (session + CSRF header, or a bearer token)."""

    client: TestClient
    auth: dict[str, str]

    def create(self, length: int | None, meta: str | None, **headers: str) -> httpx.Response:
        sent = {**TUS, **self.auth, **headers}
        if length is not None:
            sent["Upload-Length"] = str(length)
        if meta is not None:
            sent["Upload-Metadata"] = meta
        return self.client.post("/uploads/", headers=sent)

    def start(self, data: bytes, **fields: str) -> str:
        """A new upload of ``data``'s size; its URL."""
        fields.setdefault("filetype", "text/plain")
        fields.setdefault("collection", "alpha")
        response = self.create(len(data), upload_metadata(**fields))
        assert response.status_code == 201, response.text
        location = response.headers["location"]
        assert UPLOAD_ID.search(location), location
        return location

    def patch(self, url: str, offset: int, chunk: bytes, **headers: str) -> httpx.Response:
        sent = {**TUS, **CHUNK_TYPE, **self.auth, "Upload-Offset": str(offset), **headers}
        return self.client.patch(url, content=chunk, headers=sent)

    def head(self, url: str) -> httpx.Response:
        return self.client.head(url, headers={**TUS, **self.auth})

    def delete(self, url: str) -> httpx.Response:
        return self.client.delete(url, headers={**TUS, **self.auth})

    def send(self, data: bytes, **fields: str) -> str:
        """A whole upload in one PATCH; its id."""
        url = self.start(data, **fields)
        response = self.patch(url, 0, data)
        assert response.status_code == 204, response.text
        found = UPLOAD_ID.search(url)
        assert found
        return found.group(1)


def session_uploader(client: TestClient) -> Uploader:
    return Uploader(client, {"X-CSRF-Token": session_csrf_of(client)})


def upload_id(url: str) -> str:
    found = UPLOAD_ID.search(url)
    assert found
    return found.group(1)


def acquisitions_of(workspace: Workspace, evidence_id: str) -> list[models.Acquisition]:
    with workspace.db.read() as session:
        rows = session.execute(
            select(models.Acquisition).where(models.Acquisition.evidence_id == evidence_id)
        ).scalars()
        found = list(rows)
        session.expunge_all()
        return found


def evidence_count(workspace: Workspace, sha256: str) -> int:
    with workspace.db.read() as session:
        count = session.execute(
            select(func.count())
            .select_from(models.Evidence)
            .where(models.Evidence.sha256 == sha256)
        ).scalar_one()
        return int(count)


def account_folder(workspace: Workspace, name: str) -> Path:
    with workspace.db.read() as session:
        account_id = session.execute(
            select(models.Account.id).where(models.Account.name == name)
        ).scalar_one()
    return workspace.settings.uploads_dir / f"account-{account_id}"


# --- the main path: interrupted, resumed, recorded once ------------------------------------------
def test_an_interrupted_upload_resumes_after_a_reconnect_and_is_recorded_once(
    app: FastAPI,
    workspace: Workspace,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
) -> None:
    who = person("intake-a", "intake", ("alpha",))
    first = signed_in(app, who)
    uploader = session_uploader(first)
    data = SYNTHETIC_TEXT
    cut = 10_000
    url = uploader.start(
        data,
        filename=PERSIAN_NAME,
        collection="alpha",
        source="منبع ساختگی: آزمون",
        note="یادداشت ساختگی",
    )
    assert url.startswith("https://testserver/uploads/")
    response = uploader.patch(url, 0, data[:cut])
    assert response.status_code == 204, response.text
    assert response.headers["upload-offset"] == str(cut)
    folder = account_folder(workspace, "intake-a")
    assert (folder / upload_id(url)).stat().st_size == cut
    first.close()  # the connection drops

    # A reconnect: a new client with the same session asks where the upload stands.
    again = TestClient(app, base_url="https://testserver", cookies=dict(first.cookies))
    resumed = session_uploader(again)
    head = resumed.head(url)
    assert head.status_code == 200, head.text
    assert head.headers["upload-offset"] == str(cut)
    assert head.headers["upload-length"] == str(len(data))
    assert head.headers["cache-control"] == "no-store"
    # A chunk sent for a stale offset is refused and changes nothing.
    assert resumed.patch(url, 0, data[:cut]).status_code == 409
    assert resumed.head(url).headers["upload-offset"] == str(cut)

    middle = cut + 20_000
    assert resumed.patch(url, cut, data[cut:middle]).status_code == 204
    last = resumed.patch(url, middle, data[middle:])
    assert last.status_code == 204, last.text
    assert last.headers["upload-offset"] == str(len(data))

    receipt = again.get(f"/api/v1/uploads/{upload_id(url)}")
    assert receipt.status_code == 200, receipt.text
    evidence_id = receipt.json()["evidence_id"]
    sha256 = hashlib.sha256(data).hexdigest()
    assert receipt.json()["sha256"] == sha256 and receipt.json()["new"] is True

    # Recorded once, as given.
    assert evidence_count(workspace, sha256) == 1
    (acquisition,) = acquisitions_of(workspace, evidence_id)
    assert acquisition.filename == PERSIAN_NAME
    assert acquisition.path == PERSIAN_NAME.encode("utf-8")
    assert acquisition.collection == "alpha"
    assert acquisition.source == "منبع ساختگی: آزمون"
    assert acquisition.note == "یادداشت ساختگی"
    assert acquisition.actor == "web:intake-a"
    with workspace.store.open(sha256) as blob:
        assert hashlib.sha256(blob.read()).hexdigest() == sha256

    # The upload's own copy is gone; only the receipt is left, and nothing can be sent again.
    left = sorted(p.name for p in folder.iterdir() if p.is_file())
    assert left == [f"{upload_id(url)}.done.json"]
    assert resumed.head(url).status_code == 404
    assert resumed.patch(url, len(data), b"x").status_code == 404
    assert evidence_count(workspace, sha256) == 1

    # It is evidence like any other: in the list, found by its name, on its page.
    assert evidence_id in again.get("/items").text
    found = again.get("/items", params={"q": "گزارش شاهد"})
    assert found.status_code == 200 and evidence_id in found.text
    assert evidence_id not in again.get("/items", params={"q": "nothing-like-this"}).text
    page = again.get(f"/items/{evidence_id}")
    assert page.status_code == 200 and PERSIAN_NAME in page.text
    assert again.get(f"/api/v1/items/{evidence_id}").json()["acquisitions"][0]["note"] == (
        "یادداشت ساختگی"
    )
    again.close()


def test_a_script_uploads_with_an_api_token_and_no_csrf_header(
    app: FastAPI, workspace: Workspace, client_for: Callable[[str], TestClient]
) -> None:
    browser = client_for("intake")
    token = api_token(browser)
    script = TestClient(app, base_url="https://testserver")  # no cookies at all
    uploader = Uploader(script, {"Authorization": f"Bearer {token}"})
    data = b"synthetic bytes sent by a script\n" * 100
    url = uploader.start(data, filename="script-upload.txt", source="synthetic")
    assert uploader.patch(url, 0, data[:1000]).status_code == 204
    assert uploader.head(url).headers["upload-offset"] == "1000"
    assert uploader.patch(url, 1000, data[1000:]).status_code == 204
    receipt = script.get(
        f"/api/v1/uploads/{upload_id(url)}", headers={"Authorization": f"Bearer {token}"}
    )
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["sha256"] == hashlib.sha256(data).hexdigest()
    # The same receipt is the browser's too (the same account), and nobody else's.
    assert browser.get(f"/api/v1/uploads/{upload_id(url)}").status_code == 200
    other = client_for("intake")
    error_of(other.get(f"/api/v1/uploads/{upload_id(url)}"), 404)
    error_of(other.get("/api/v1/uploads/..%2F..%2Fgavah"), 404)
    # A wrong token is refused as not signed in.
    bad = Uploader(script, {"Authorization": "Bearer gvh_not-a-real-token"})
    error_of(bad.create(10, upload_metadata(filename="x.txt", collection="alpha")), 401)
    script.close()


# --- refusals --------------------------------------------------------------------------------------
def test_refusals_are_clear_json_errors(
    client_for: Callable[[str], TestClient], workspace: Workspace
) -> None:
    intake = session_uploader(client_for("intake"))
    meta = {"filename": "a.txt", "filetype": "text/plain"}
    no_collection = error_of(intake.create(10, upload_metadata(**meta)), 400)
    assert "collection" in no_collection["message"]
    no_name = error_of(intake.create(10, upload_metadata(collection="alpha")), 400)
    assert "file name" in no_name["message"]
    elsewhere = error_of(intake.create(10, upload_metadata(**meta, collection="beta")), 403)
    assert "beta" in elsewhere["message"]
    deferred = error_of(
        intake.create(
            None, upload_metadata(**meta, collection="alpha"), **{"Upload-Defer-Length": "1"}
        ),
        400,
    )
    assert "Upload-Length" in deferred["message"]
    for concat in ("partial", "final;/uploads/0123456789abcdef0123456789abcdef"):
        refused = error_of(
            intake.create(
                10, upload_metadata(**meta, collection="alpha"), **{"Upload-Concat": concat}
            ),
            400,
        )
        assert "concatenated" in refused["message"]
    long_note = error_of(
        intake.create(10, upload_metadata(**meta, collection="alpha", note="n" * 4001)), 400
    )
    assert "note" in long_note["message"]

    viewer = session_uploader(client_for("viewer"))
    refused = error_of(viewer.create(10, upload_metadata(**meta, collection="alpha")), 403)
    assert "upload" in refused["message"]
    # Nothing was created by any refused request.
    uploads = workspace.settings.uploads_dir
    assert not (uploads.exists() and [p for p in uploads.rglob("*") if p.is_file()])


def test_csrf_header_is_required_for_a_session_and_anonymous_is_refused(
    app: FastAPI, workspace: Workspace, client_for: Callable[[str], TestClient]
) -> None:
    client = client_for("intake")
    uploader = session_uploader(client)
    meta = upload_metadata(filename="a.txt", filetype="text/plain", collection="alpha")
    without = Uploader(client, {})
    stale = Uploader(client, {"X-CSRF-Token": "not-the-session-token"})
    assert "csrf" in error_of(without.create(10, meta), 403)["message"].lower()
    error_of(stale.create(10, meta), 403)
    url = uploader.start(b"0123456789", filename="a.txt")
    error_of(without.patch(url, 0, b"01234"), 403)
    error_of(stale.patch(url, 0, b"01234"), 403)
    error_of(without.delete(url), 403)
    # HEAD changes nothing and needs no token; the refused requests left the upload as it was.
    assert without.head(url).headers["upload-offset"] == "0"
    assert uploader.patch(url, 0, b"01234").status_code == 204
    # A form field is no substitute for the header on a tus request.
    assert (
        client.post(
            "/uploads/", headers={**TUS, "Upload-Length": "3", "Upload-Metadata": meta}
        ).status_code
        == 403
    )

    anonymous = Uploader(TestClient(app, base_url="https://testserver"), {})
    for response in (
        anonymous.create(10, meta),
        anonymous.patch(url, 5, b"56789"),
        anonymous.delete(url),
    ):
        body = error_of(response, 401)
        assert response.headers["www-authenticate"] == "Bearer", body
    assert anonymous.head(url).status_code == 401
    assert uploader.head(url).headers["upload-offset"] == "5"
    anonymous.client.close()


def test_nobody_reaches_another_accounts_upload(
    client_for: Callable[[str], TestClient], workspace: Workspace
) -> None:
    owner = session_uploader(client_for("intake"))
    other = session_uploader(client_for("intake"))  # same role, same collection
    admin = session_uploader(client_for("admin"))
    url = owner.start(b"synthetic private upload", filename="mine.txt")
    assert owner.patch(url, 0, b"synthetic").status_code == 204
    for intruder in (other, admin):
        assert intruder.head(url).status_code == 404
        error_of(intruder.patch(url, 9, b" private upload"), 404)
        error_of(intruder.delete(url), 404)
    head = owner.head(url)
    assert head.status_code == 200 and head.headers["upload-offset"] == "9"
    assert owner.delete(url).status_code == 204
    assert owner.head(url).status_code == 404


@pytest.mark.parametrize("name", [".", "..", ".locks", "%2e", "%2e%2e", "x" * 32 + ".info"])
def test_odd_upload_ids_are_not_found(client_for: Callable[[str], TestClient], name: str) -> None:
    """Only the upload ids the server hands out name an upload: not the account's folder, its
    lock folder or a state file, even in the uploader's own folder."""
    uploader = session_uploader(client_for("intake"))
    uploader.send(b"synthetic", filename="first.txt")  # the folder and its locks exist
    url = f"https://testserver/uploads/{name}"
    for response in (uploader.head(url), uploader.patch(url, 0, b"x"), uploader.delete(url)):
        assert 400 <= response.status_code < 500, (response.status_code, response.text)


def test_a_chunk_beyond_the_declared_size_is_refused(
    client_for: Callable[[str], TestClient], workspace: Workspace
) -> None:
    uploader = session_uploader(client_for("intake"))
    url = uploader.start(b"0123456789", filename="ten.txt")
    over = uploader.patch(url, 0, b"0123456789AB")
    assert over.status_code in (400, 413)
    assert "exceed" in error_of(over, over.status_code)["message"]
    assert uploader.head(url).headers["upload-offset"] == "0"
    assert uploader.patch(url, 0, b"0123456789").status_code == 204


@dataclass(frozen=True)
class Someone:
    name: str
    role: str
    password: str
    totp_secret: str


@pytest.fixture
def small_app(settings_values: dict[str, Any]) -> Iterator[tuple[FastAPI, Someone]]:
    """A workspace whose uploads may be 1,000 bytes at most, with one intake account."""
    settings = Settings(**{**settings_values, "upload_max_bytes": 1000})
    ws = init_workspace(settings)
    made = Accounts(ws).create_with_credentials("intake-small", "intake", ["alpha"], "test")
    yield (
        create_app(settings, ws),
        Someone("intake-small", "intake", made.password, made.totp_secret),
    )
    ws.close()


def test_the_size_limit_is_enforced_and_named(
    small_app: tuple[FastAPI, Someone], signed_in: Callable[..., TestClient]
) -> None:
    app, who = small_app
    client = signed_in(app, who)
    uploader = session_uploader(client)
    meta = upload_metadata(
        filename="big.bin", filetype="application/octet-stream", collection="alpha"
    )
    too_big = error_of(uploader.create(2000, meta), 413)
    assert "1,000" in too_big["message"] and "2,000" in too_big["message"]
    error_of(uploader.create(1001, meta), 413)
    options = client.options("/uploads/", headers={**TUS, **uploader.auth})
    assert options.headers["tus-max-size"] == "1000"
    url = uploader.start(b"z" * 1000, filename="exactly-the-limit.bin")
    assert uploader.patch(url, 0, b"z" * 400).status_code == 204
    over = uploader.patch(url, 400, b"z" * 601)
    assert over.status_code in (400, 413), over.text
    assert uploader.head(url).headers["upload-offset"] == "400"
    assert uploader.patch(url, 400, b"z" * 600).status_code == 204
    assert client.get(f"/api/v1/uploads/{upload_id(url)}").status_code == 200
    client.close()


# --- hostile file names ----------------------------------------------------------------------------
HOSTILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\boot.ini",
    "/abs/path.txt",
    "line one\nline two.txt",
    "evil\u202egpj.exe",
    "<script>alert(1)</script>.html",
    "n" * 296 + ".txt",
    "../" * 20 + "gavah-escape.txt",
]
FRAGMENTS = ("passwd", "boot.ini", "path.txt", "line two", "gpj", "script", "nnnnnnnnnn", "escape")


def files_under(root: Path) -> dict[Path, int]:
    return {p: p.stat().st_size for p in root.rglob("*") if p.is_file()}


def test_hostile_file_names_stay_data(
    client_for: Callable[[str], TestClient], workspace: Workspace, tmp_path: Path
) -> None:
    client = client_for("analyst")  # may upload and download
    uploader = session_uploader(client)
    passwd = os.stat("/etc/passwd")
    before = files_under(tmp_path)
    recorded: dict[str, str] = {}
    for i, name in enumerate(HOSTILE_NAMES):
        data = f"synthetic file {i} with a hostile name\n".encode()
        uid = uploader.send(data, filename=name, source=name, note=name)
        receipt = client.get(f"/api/v1/uploads/{uid}")
        assert receipt.status_code == 200, (name, receipt.text)
        recorded[name] = receipt.json()["evidence_id"]

    # Refused outright: a NUL, and a name too long to be a name.
    for name in ("evil\x00.txt", "x" * 1025):
        refused = error_of(
            uploader.create(5, upload_metadata(filename=name, collection="alpha")), 400
        )
        assert "NUL" in refused["message"]

    # No file was made outside this account's upload folder and the workspace's own places,
    # and every file in the upload folder is named by the server, not by the browser.
    uploads = workspace.settings.uploads_dir
    made = set(files_under(tmp_path)) - set(before)
    for path in made:
        assert not any(f in path.name for f in FRAGMENTS), path
        if uploads in path.parents:
            assert re.fullmatch(r"[0-9a-f]{32}(\.done\.json|\.lock)?", path.name), path
    assert not Path("/abs").exists()
    assert not (Path.cwd() / "gavah-escape.txt").exists() and not Path("/gavah-escape.txt").exists()
    assert not Path("/boot.ini").exists()
    after = os.stat("/etc/passwd")
    assert (after.st_mtime_ns, after.st_size) == (passwd.st_mtime_ns, passwd.st_size)

    # Each name is kept exactly as data, and shown escaped.
    for name, evidence_id in recorded.items():
        (acquisition,) = acquisitions_of(workspace, evidence_id)
        assert acquisition.path == name.encode("utf-8")
        assert acquisition.source == name.strip() and acquisition.note == name.strip()
        detail = client.get(f"/api/v1/items/{evidence_id}").json()
        assert detail["acquisitions"][0]["path"] == name
        page = client.get(f"/items/{evidence_id}")
        assert page.status_code == 200
        assert "<script>alert(1)" not in page.text
        download = client.get(f"/items/{evidence_id}/download")
        assert download.status_code == 200
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        for bad in ("/", "\\", "\n", "\r", "\u202e", "%2F", "%5C", "%0A", "%E2%80%AE"):
            assert bad not in disposition.split(";", 1)[1], (name, disposition)
    script_page = client.get(f"/items/{recorded['<script>alert(1)</script>.html']}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.html" in script_page  # the note, escaped
    long_name = "n" * 296 + ".txt"
    assert acquisitions_of(workspace, recorded[long_name])[0].filename == long_name
