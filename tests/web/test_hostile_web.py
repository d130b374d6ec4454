"""Hostile input through the web workspace: script payloads in every field a person controls are
shown as text only; uploaded HTML and SVG are served so they cannot run; image previews carry no
metadata; every page forbids inline script and framing; paths and redirects stay on this site;
huge inputs are refused with an error, not a crash.

Every file and text here is synthetic: made up by the test, naming no real person or event.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
import re
from collections.abc import Callable, MutableMapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import anyio
import httpx2 as httpx  # what starlette.testclient sends requests with
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from PIL import Image

from gavah.accounts import Accounts
from gavah.intake.ingest import ingest
from gavah.vault import Vault
from totp_codes import next_code

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    "</textarea><svg onload=alert(1)>",
)
# Any of these in a page's source means a payload was written into it raw (an escaped payload
# still holds "onerror=" as text: attributes are checked on the parsed page instead).
RAW = ("<script>alert", "<img src=x", "<svg onload", "</textarea><svg")
TUS = {"Tus-Resumable": "1.0.0"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PREVIEW_URL = re.compile(r'src="(/items/[^"/]+/preview\?t=[^"]+)"')
ERROR_KEYS = {"error", "message", "hint", "exit_code", "status"}


# --- helpers -----------------------------------------------------------------------------------------
def csrf_in(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in_as(
    app: FastAPI, name: str, password: str, totp: str | None, **headers: str
) -> TestClient:
    """Sign in as a browser does (password, then the code if the account has one)."""
    client = TestClient(app, base_url="https://testserver", headers=headers)
    token = csrf_in(client.get("/login").text)
    response = client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    if response.headers["location"].startswith("/login/code"):
        assert totp is not None
        token = csrf_in(client.get("/login/code").text)
        response = client.post(
            "/login/code",
            data={"code": next_code(totp), "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
    return client


class Inspector(HTMLParser):
    """Everything in a page that would run script, or load or frame something active."""

    URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False
        self.tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            shown = (value or "").strip().lower()
            if name in self.URL_ATTRIBUTES and shown.startswith(("javascript:", "data:text")):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "http-equiv" and shown == "refresh":
                self.problems.append("<meta http-equiv=refresh>")
        if tag in ("iframe", "object", "embed", "base", "frame"):
            self.problems.append(f"<{tag}>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"<script src={src!r}>")
            self.in_script = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.problems.append(f"inline script {data.strip()[:40]!r}")


def inspect_html(html: str) -> list[str]:
    parser = Inspector()
    parser.feed(html)
    parser.close()
    assert parser.tags > 5, "not an HTML page"
    return parser.problems


def assert_inert(response: httpx.Response, where: str) -> None:
    """An HTML page in which no payload is raw and nothing would run."""
    assert response.headers["content-type"].startswith("text/html"), where
    html = response.text
    for raw in RAW:
        assert raw not in html, f"{where}: {raw!r} is in the page unescaped"
    assert not inspect_html(html), f"{where}: {inspect_html(html)}"


def shown(text: str) -> str:
    """``text`` as a page must show it: HTML-escaped."""
    return str(escape(text))


def tus_upload(client: TestClient, auth: dict[str, str], data: bytes, **fields: str) -> str:
    """A whole upload through tus; the evidence id it became."""
    meta = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {"filetype": "application/octet-stream", **fields}.items()
    )
    created = client.post(
        "/uploads/",
        headers={**TUS, **auth, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
    )
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    sent = client.patch(
        url,
        content=data,
        headers={
            **TUS,
            **auth,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert sent.status_code == 204, sent.text
    receipt = client.get(f"/api/v1/uploads/{url.rsplit('/', 1)[1]}")
    assert receipt.status_code == 200, receipt.text
    evidence_id: str = receipt.json()["evidence_id"]
    return evidence_id


def ingest_file(vault: Vault, folder: Path, name: str, data: bytes, **fields: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    summary = ingest(vault, [os.fsencode(folder / name)], **fields)  # type: ignore[arg-type]
    assert summary.items, summary
    evidence_id: str = summary.items[0]["id"]
    return evidence_id


@pytest.fixture
def admin(app: FastAPI, person: Callable[..., Any]) -> TestClient:
    """An admin signed in from a browser whose User-Agent is itself a payload."""
    who = person("root-admin", "admin")
    client = sign_in_as(
        app, who.name, who.password, who.totp_secret, **{"User-Agent": "<script>alert(1)</script>"}
    )
    return client


def csrf_of(client: TestClient) -> str:
    return csrf_in(client.get("/account").text)


# --- XSS: every field a person controls, on every page that shows it ----------------------------
def test_script_payloads_in_every_field_are_shown_as_text_only(
    app: FastAPI,
    admin: TestClient,
    vault: Vault,
    tmp_path: Path,
    person: Callable[..., Any],
) -> None:
    csrf = csrf_of(admin)
    auth = {"X-CSRF-Token": csrf}
    person("grantee", "viewer", ("alpha",))
    uploaded: dict[str, str] = {}
    for i, payload in enumerate(PAYLOADS):
        # File name, collection, source and note, through a resumable upload.
        uploaded[payload] = tus_upload(
            admin,
            auth,
            f"synthetic file {i}\n".encode(),
            filename=f"{payload}.txt",
            collection=payload,
            source=payload,
            note=payload,
        )
        # The description, through the item page's form.
        described = admin.post(
            f"/items/{uploaded[payload]}/description",
            data={"description": payload, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert described.status_code == 303, described.text
        # An API token's name: shown once when made, then on the account page.
        made = admin.post("/account/tokens", data={"name": payload, "csrf_token": csrf})
        assert made.status_code == 200 and shown(payload) in made.text
        assert_inert(made, f"token page for {payload!r}")
        # A grant in a collection named by the payload: admin pages and the audit trail.
        granted = admin.post(
            "/admin/users/grantee/grants",
            data={"collection": payload, "role": "viewer", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert granted.status_code == 303, granted.text
    # File names with no slash can be real names on disk: through `gavah ingest` too.
    ingested = {
        payload: ingest_file(
            vault,
            tmp_path / "on-disk" / str(i),
            f"{payload}.txt",
            f"synthetic ingested file {i}\n".encode(),
            collection=payload,
            source=f"ingested {payload}",
            note=f"ingested {payload}",
        )
        for i, payload in enumerate(PAYLOADS)
        if "/" not in payload
    }

    pages: dict[str, httpx.Response] = {
        "items": admin.get("/items"),
        "account": admin.get("/account"),
        "admin users": admin.get("/admin/users"),
        "audit": admin.get("/admin/audit"),
        "audit grants": admin.get("/admin/audit", params={"kind": "grant"}),
    }
    for payload in PAYLOADS:
        pages[f"item {payload}"] = admin.get(f"/items/{uploaded[payload]}")
        pages[f"search {payload}"] = admin.get("/items", params={"q": payload})
        pages[f"search partial {payload}"] = admin.get(
            "/items", params={"q": payload}, headers={"HX-Request": "true", "HX-Target": "results"}
        )
        pages[f"collection {payload}"] = admin.get("/items", params={"collection": payload})
        pages[f"source {payload}"] = admin.get("/items", params={"source": payload})
        pages[f"audit kind {payload}"] = admin.get("/admin/audit", params={"kind": payload})
        if payload in ingested:
            pages[f"ingested {payload}"] = admin.get(f"/items/{ingested[payload]}")
    for where, response in pages.items():
        assert response.status_code == 200, (where, response.status_code)
        assert_inert(response, where)

    # The payloads did reach the pages (escaped), so the checks above looked at them.
    for payload in PAYLOADS:
        item = pages[f"item {payload}"].text
        assert item.count(shown(payload)) >= 4, payload  # collection, source, note, description
        assert "<textarea" in item and shown(payload) + "</textarea>" in item
        assert shown(payload.rsplit("/", 1)[-1] + ".txt") in item  # the file name
        assert shown(payload) in pages[f"search {payload}"].text  # the query, in its box
        assert uploaded[payload] in pages[f"source {payload}"].text
        assert shown(payload) in pages["admin users"].text
        assert shown(payload) in pages["audit grants"].text
        assert shown(payload) in pages["account"].text  # the token's name
    assert shown("<script>alert(1)</script>") in pages["account"].text  # the User-Agent
    for payload, evidence_id in ingested.items():
        assert shown(f"{payload}.txt") in pages[f"ingested {payload}"].text
        assert evidence_id in pages["items"].text
    # Text is never evaluated as a template: {{7*7}} stays itself.
    assert "{{7*7}}" in pages["item {{7*7}}"].text
    assert "{{7*7}}" in pages["search {{7*7}}"].text
    assert uploaded["{{7*7}}"] in pages["search {{7*7}}"].text  # and is found as the words it is

    # The JSON API hands the same text back as data, unchanged.
    detail = admin.get(f"/api/v1/items/{uploaded[PAYLOADS[0]]}").json()
    assert detail["description"] == PAYLOADS[0]
    assert detail["acquisitions"][0]["path"] == f"{PAYLOADS[0]}.txt"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_error_pages_show_what_was_sent_as_text_only(
    app: FastAPI, admin: TestClient, payload: str
) -> None:
    csrf = csrf_of(admin)
    segment = payload.replace("/", "")
    anonymous = TestClient(app, base_url="https://testserver")
    responses = {
        "missing item": (admin.get(f"/items/{segment}"), 404),
        "unknown kind": (admin.get("/items", params={"kind": payload}), 400),
        "unreadable date": (admin.get("/items", params={"from": payload[:40]}), 400),
        "bad account name": (
            admin.post(
                "/admin/users", data={"name": payload, "role": "viewer", "csrf_token": csrf}
            ),
            400,
        ),
        "bad role": (
            admin.post(
                "/admin/users",
                data={"name": "someone", "role": payload[:20], "csrf_token": csrf},
            ),
            400,
        ),
        "unknown account": (
            admin.post(
                f"/admin/users/{segment}/grants",
                data={"collection": "alpha", "role": "viewer", "csrf_token": csrf},
            ),
            404,
        ),
        "setup link": (anonymous.get(f"/setup/{segment}"), 404),
        "language": (
            admin.post("/language", data={"language": payload, "csrf_token": csrf}),
            400,
        ),
    }
    for where, (response, status) in responses.items():
        assert response.status_code == status, (where, response.status_code, response.text[:300])
        assert_inert(response, where)
    assert shown(segment) in responses["missing item"][0].text
    assert shown(payload) in responses["unknown kind"][0].text
    assert shown(payload) in responses["bad account name"][0].text
    login = anonymous.get("/login", params={"next": payload})
    assert login.status_code == 200
    assert_inert(login, "login")
    anonymous.close()


def test_an_error_message_is_never_read_as_a_format_string(admin: TestClient) -> None:
    """Error texts hold what was sent; '%(x)s' or '%d' in them is text, not a format."""
    for text in ("%(x)s", "%d%s", "%", "100%"):
        response = admin.get("/items", params={"kind": text})
        assert response.status_code == 400, (text, response.text[:200])
        assert shown(text) in response.text
        response = admin.get(f"/items/{text.replace('%', '%25')}")
        assert response.status_code == 404, text


# --- what people uploaded cannot act in the browser ---------------------------------------------
ACTIVE_FILES = {
    "page.html": (
        b"<!doctype html><html><head><title>synthetic</title></head>"
        b"<body><script>alert(document.cookie)</script><p>synthetic test page</p></body></html>\n",
        "text/html",
    ),
    "drawing.svg": (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
        b'<script>alert(document.domain)</script><rect width="10" height="10"/></svg>\n',
        "image/svg+xml",
    ),
}


@pytest.mark.parametrize("name", sorted(ACTIVE_FILES))
def test_uploaded_html_and_svg_are_served_as_inert_attachments(
    client_for: Callable[[str], TestClient], name: str
) -> None:
    analyst = client_for("analyst")
    data, mime = ACTIVE_FILES[name]
    evidence_id = tus_upload(
        analyst,
        {"X-CSRF-Token": csrf_of(analyst)},
        data,
        filename=name,
        filetype=mime,  # what the browser claims; the server sniffs its own copy
        collection="alpha",
    )
    assert analyst.get(f"/api/v1/items/{evidence_id}").json()["mime"] == mime
    for url in (f"/items/{evidence_id}/download", f"/api/v1/items/{evidence_id}/content"):
        response = analyst.get(url)
        assert response.status_code == 200, response.text
        assert response.content == data
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["content-disposition"].startswith("attachment;")
        assert name in response.headers["content-disposition"]
        assert response.headers["x-content-type-options"] == "nosniff"
        csp = [d.strip() for d in response.headers["content-security-policy"].split(";")]
        assert "sandbox" in csp and "default-src 'none'" in csp, csp
    # No preview is offered for them (a preview would be rendered from them).
    page = analyst.get(f"/items/{evidence_id}")
    assert page.status_code == 200 and not PREVIEW_URL.search(page.text)
    refused = analyst.get(f"/items/{evidence_id}/preview", params={"t": "0.0"})
    assert refused.status_code in (400, 403)


def jpeg_with_exif() -> bytes:
    """A synthetic photo carrying a camera make and a GPS position, as a phone writes them."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SyntheticCam"  # Make
    exif[0x0110] = "Model-Synthetic-1"  # Model
    exif[0x0131] = "synthetic-software"  # Software
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (35.0, 41.0, 22.0)
    gps[3] = "E"
    gps[4] = (51.0, 25.0, 9.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_image_previews_carry_no_metadata_and_need_a_ticket(
    client_for: Callable[[str], TestClient], vault: Vault, tmp_path: Path
) -> None:
    photo = jpeg_with_exif()
    with Image.open(io.BytesIO(photo)) as original:  # the original does carry it
        tags = original.getexif()
        assert tags[0x010F] == "SyntheticCam" and tags.get_ifd(0x8825)[1] == "N"
    evidence_id = ingest_file(
        vault, tmp_path / "photos", "synthetic-photo.jpg", photo, collection="alpha"
    )
    viewer = client_for("viewer")
    page = viewer.get(f"/items/{evidence_id}")
    found = PREVIEW_URL.search(page.text)
    assert page.status_code == 200 and found, "the item page offers no preview"
    preview = viewer.get(found.group(1).replace("&amp;", "&"))
    assert preview.status_code == 200, preview.text
    assert preview.headers["content-type"] == "image/png"
    assert "sandbox" in preview.headers["content-security-policy"]
    assert preview.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in preview.headers["cache-control"]
    png = preview.content
    for marker in (b"SyntheticCam", b"Model-Synthetic", b"synthetic-software", b"Exif", b"eXIf"):
        assert marker not in png, marker
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"iCCP"):
        assert chunk not in png, chunk
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (64, 48)
        assert not image.getexif()
        assert not set(image.info) - {"dpi", "gamma", "aspect"}, image.info
        assert "exif" not in image.info
    assert hashlib.sha256(png).hexdigest() != hashlib.sha256(photo).hexdigest()

    # Without a valid ticket there is no preview.
    url = f"/items/{evidence_id}/preview"
    ticket = found.group(1).split("t=", 1)[1]
    expires, _, mac = ticket.partition(".")
    for params in (
        {},
        {"t": ""},
        {"t": "garbage"},
        {"t": f"{expires}.{'0' * len(mac)}"},
        {"t": f"{int(expires) + 3600}.{mac}"},
        {"t": f"1.{mac}"},
    ):
        assert viewer.get(url, params=params).status_code == 403, params
    # A ticket is for one person: another account's does not work.
    other = client_for("viewer")
    assert other.get(url, params={"t": ticket}).status_code == 403
    assert other.get(f"/items/{evidence_id}").status_code == 200


# --- every page: headers and markup --------------------------------------------------------------
def test_every_html_page_forbids_inline_script_framing_and_caching(
    app: FastAPI, admin: TestClient, items: dict[str, str]
) -> None:
    anonymous = TestClient(app, base_url="https://testserver")
    pages = {
        "login": anonymous.get("/login"),
        "login with next": anonymous.get("/login", params={"next": "/items"}),
        "not found (anonymous)": anonymous.get("/setup/no-such-link"),
        "items": admin.get("/items"),
        "search": admin.get("/items", params={"q": "alpha"}),
        "search partial": admin.get(
            "/items", params={"q": "alpha"}, headers={"HX-Request": "true", "HX-Target": "results"}
        ),
        "item": admin.get(f"/items/{items['alpha']}"),
        "upload": admin.get("/upload"),
        "account": admin.get("/account"),
        "enrol": admin.get("/account/enrol"),
        "admin users": admin.get("/admin/users"),
        "audit": admin.get("/admin/audit"),
        "not found": admin.get("/items/ev-0000000000000000"),
        "bad input": admin.get("/items", params={"kind": "nonsense"}),
        "malformed": admin.get("/items", params={"before": "not-a-number"}),
        "no route": admin.get("/no/such/page"),
    }
    token = admin.post(
        "/account/tokens", data={"name": "headers check", "csrf_token": csrf_of(admin)}
    )
    pages["token created"] = token
    for where, response in pages.items():
        assert response.status_code < 500, where
        assert response.headers["content-type"].startswith("text/html"), where
        headers = response.headers
        csp = {
            d.strip().split(" ", 1)[0]: d.strip()
            for d in headers["content-security-policy"].split(";")
        }
        scripts = csp.get("script-src") or csp["default-src"]
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
        assert "'none'" in csp["frame-ancestors"] and "'none'" in csp["object-src"], where
        assert headers["x-frame-options"] == "DENY", where
        assert headers["x-content-type-options"] == "nosniff", where
        assert headers["cache-control"] == "no-store", where
        assert headers["referrer-policy"] == "no-referrer", where
        if where != "search partial":
            assert not inspect_html(response.text), (where, inspect_html(response.text))
        else:
            parser = Inspector()
            parser.feed(response.text)
            assert not parser.problems, parser.problems
    anonymous.close()


def test_the_inspector_sees_what_it_must() -> None:
    """The page check itself: it would notice each way a payload could run."""
    page = "<html><head><title>t</title></head><body><p>a</p><p>b</p><div>c</div>{}</body></html>"
    for bad in (
        "<script>alert(1)</script>",
        "<script src='https://cdn.example/x.js'></script>",
        '<img src=x onerror="alert(1)">',
        "<svg onload=alert(1)>",
        '<a href=" JavaScript:alert(1)">x</a>',
        '<form action="javascript:alert(1)"></form>',
        "<iframe src='/items'></iframe>",
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    ):
        assert inspect_html(page.format(bad)), bad
    assert not inspect_html(page.format('<script src="/static/app.js" defer></script>'))
    assert not inspect_html(page.format("&lt;script&gt;alert(1)&lt;/script&gt;"))


# --- paths and redirects stay on this site -------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/items/..%2F..%2Fetc%2Fpasswd",
        "/items/..%2F..%2Fetc%2Fpasswd/download",
        "/items/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/static/../gavah.sqlite3",
        "/static/%2e%2e/gavah.sqlite3",
        "/static/..%2fapp.py",
        "/static/%2e%2e/app.py",
        "/static/%2e%2e/%2e%2e/settings.py",
        "/static/..%5capp.py",
        "/uploads/..%2F..",
        "/uploads/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/v1/items/..%2F..%2Fetc%2Fpasswd/content",
        "/api/v1/uploads/..%2F..%2F..%2Fdb",
    ],
)
def test_path_traversal_never_serves_a_file(
    client_for: Callable[[str], TestClient], path: str
) -> None:
    client = client_for("analyst")
    csrf = csrf_of(client)
    for method in ("GET", "HEAD"):
        response = client.request(method, path, headers={**TUS, "X-CSRF-Token": csrf})
        assert response.status_code != 200 or not response.content, (method, path)
        body = response.content
        for secret in (b"root:", b"SQLite format", b"create_app", b"BaseSettings"):
            assert secret not in body, (method, path)
    assert client.get("/static/app.css").status_code == 200  # the folder is served at all


def no_second_factor_account(app: FastAPI) -> tuple[str, str]:
    """A viewer who signs in with a password alone (no TOTP): sign-in ends at `next`."""
    accounts: Accounts = app.state.gavah.accounts
    link = accounts.create("plain-viewer", "viewer", ["alpha"], "test-admin")
    password = "a synthetic password 8d1f"
    accounts.complete_setup(link.token, password, None)
    return "plain-viewer", password


EVIL_NEXT = [
    "https://evil.example",
    "//evil.example",
    "//evil.example/items",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    " //evil.example",
]


def is_local(location: str) -> bool:
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith(("//", "/\\"))
        and not any(c in location for c in "\t\r\n\\")
    )


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_sign_in_never_redirects_off_site(app: FastAPI, target: str) -> None:
    name, password = no_second_factor_account(app)
    client = TestClient(app, base_url="https://testserver")
    login = client.get("/login", params={"next": target})
    found = re.search(r'name="next" value="([^"]*)"', login.text)
    assert found and is_local(quote(html.unescape(found.group(1)), safe="/?=&"))
    response = client.post(
        "/login",
        data={
            "name": name,
            "password": password,
            "csrf_token": csrf_in(login.text),
            "next": target,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert is_local(response.headers["location"]), response.headers["location"]
    switched = client.post(
        "/language",
        data={"language": "en", "next": target, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert switched.status_code == 303 and is_local(switched.headers["location"])
    client.close()


def test_sign_in_keeps_a_local_next(app: FastAPI) -> None:
    """The check above is not vacuous: a path on this site is where sign-in goes."""
    name, password = no_second_factor_account(app)
    client = TestClient(app, base_url="https://testserver")
    token = csrf_in(client.get("/login").text)
    response = client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token, "next": "/items?q=x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/items?q=x"
    client.close()


# --- huge inputs -------------------------------------------------------------------------------------
def asgi_get(
    app: FastAPI, path: str, query: dict[str, str], headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """A GET straight into the app: HTTP clients (this test client too) refuse URLs over 64 KiB
    before sending them, but the app must not depend on that."""
    messages: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "server": ("testserver", 443),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": urlencode(query).encode(),
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }

    async def call() -> None:
        await app(scope, receive, send)

    anyio.run(call)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    found = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], found, body


def test_huge_inputs_are_refused_with_an_error_not_a_crash(
    app: FastAPI, client_for: Callable[[str], TestClient], items: dict[str, str]
) -> None:
    client = client_for("analyst")
    csrf = csrf_of(client)
    huge = "گزارش " * 200_000  # over 1 MB of UTF-8
    assert len(huge.encode()) > 1_000_000
    cookie = {"Cookie": f"gavah_session={client.cookies['gavah_session']}"}
    status, headers, body = asgi_get(app, "/items", {"q": huge}, cookie)
    assert status == 422 and headers["content-type"].startswith("text/html"), status
    page = httpx.Response(status, headers=headers, content=body)
    assert_inert(page, "huge search")
    assert len(body) < 50_000  # the refusal does not echo the megabyte back
    status, headers, body = asgi_get(app, "/api/v1/items", {"q": huge}, cookie)
    assert status == 422 and set(json.loads(body)) == ERROR_KEYS
    assert len(body) < 50_000
    # As much as a client sends in a URL: the same refusal.
    page = client.get("/items", params={"q": "x" * 60_000})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert_inert(page, "long search")
    described = client.post(
        f"/items/{items['alpha']}/description", data={"description": huge, "csrf_token": csrf}
    )
    assert described.status_code in (400, 422), described.text[:200]
    assert_inert(described, "huge description")  # Starlette's form limit: 1 MB a field
    put = client.put(f"/api/v1/items/{items['alpha']}/description", json={"description": huge})
    assert put.status_code in (403, 422)  # a session's PUT needs the CSRF header first
    put = client.put(
        f"/api/v1/items/{items['alpha']}/description",
        json={"description": huge},
        headers={"X-CSRF-Token": csrf},
    )
    assert put.status_code == 422 and set(put.json()) == ERROR_KEYS
    token = client.post("/account/tokens", data={"name": huge, "csrf_token": csrf})
    assert token.status_code in (400, 422)
    assert_inert(token, "huge token name")
    token = client.post("/account/tokens", data={"name": "n" * 5000, "csrf_token": csrf})
    assert token.status_code == 422
    for ref in ("a" * 60_000, "ev-" + "a" * 60_000, "a" * 65):  # no id, no SHA-256 prefix
        assert client.get(f"/items/{ref}").status_code == 404
        assert set(client.get(f"/api/v1/items/{ref}").json()) == ERROR_KEYS
    meta = f"filename {base64.b64encode(huge.encode()).decode()}"
    upload = client.post(
        "/uploads/",
        headers={**TUS, "X-CSRF-Token": csrf, "Upload-Length": "10", "Upload-Metadata": meta},
    )
    assert upload.status_code == 400 and set(upload.json()) == ERROR_KEYS
    # The item is as it was.
    assert client.get(f"/api/v1/items/{items['alpha']}").json()["description"] is None
