"""The web workspace in a real browser (Debian's Chromium driven by Playwright), end to end.

One workspace and one ``gavah serve`` process per module, on a free port of 127.0.0.1, with
the default Secure session cookies (browsers send them to http://127.0.0.1). Every test opens
fresh browser contexts and, when it ends, checks that no page logged a console error, a CSP
violation or an uncaught exception, and that no request went anywhere but the test server.

The browser is /usr/bin/chromium; without it the module is skipped, unless
GAVAH_REQUIRE_BROWSER=1 (CI), which makes that a failure. With GAVAH_SCREENSHOTS=1 the tour
test also writes the PNGs in docs/screenshots/.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from gavah.accounts import Accounts
from gavah.settings import Settings
from gavah.workspace import open_workspace
from totp_codes import next_code

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",  # running as root in containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.environ.get("GAVAH_SCREENSHOTS") == "1"
SHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CHUNK = 5 * 1024 * 1024  # the upload form's data-chunk-size

PNG_NAME = "عکس کوچه شمالی.png"  # Persian letter forms: ک (U+06A9) and ی (U+06CC)
TEXT_NAME = "witness-statement-english.txt"
BETA_NAME = "zanjan-ledger-beta.txt"


def _require_browser() -> None:
    problem = None
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problem = f"{CHROMIUM} is missing"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem is None:
        return
    if os.environ.get("GAVAH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required (GAVAH_REQUIRE_BROWSER=1) but {problem}")
    pytest.skip(f"browser tests need Chromium and playwright: {problem}")


# ------------------------------------------------------------------------------ the server


@dataclass(frozen=True)
class Person:
    name: str
    password: str
    totp_secret: str


@dataclass
class Server:
    base: str
    env: dict[str, str]
    tmp: Path
    items: dict[str, str]  # file name -> evidence id
    people: dict[str, Person]

    def gavah(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _gavah(self.env, *args)


def _gavah(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "gavah", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"gavah {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _synthetic_png(path: Path) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 400), (225, 232, 240))
    draw = ImageDraw.Draw(image)
    for x in range(0, 640, 40):
        draw.line([(x, 0), (x, 400)], fill=(200, 208, 220))
    draw.rectangle([60, 220, 580, 380], fill=(150, 120, 90))  # a wall
    draw.rectangle([120, 120, 260, 220], fill=(110, 130, 150))  # a building
    draw.ellipse([470, 30, 550, 110], fill=(250, 200, 80))  # the sun
    draw.text((70, 30), "synthetic test image", fill=(40, 40, 40))
    image.save(path, format="PNG")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _require_browser()
    tmp = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAVAH_")}
    env.update(
        GAVAH_WORKSPACE=str(tmp / "ws"),
        GAVAH_ACTOR="e2e-setup",
        GAVAH_INGEST_WORKERS="2",
        GAVAH_PORT=str(port),  # so that setup links point at the test server
    )
    _gavah(env, "init")

    files = tmp / "files"
    (files / "alpha").mkdir(parents=True)
    (files / "beta").mkdir()
    _synthetic_png(files / "alpha" / PNG_NAME)
    (files / "alpha" / TEXT_NAME).write_text(
        "A synthetic English witness statement, made up for the browser tests.\n"
    )
    (files / "beta" / BETA_NAME).write_text("A synthetic ledger, only in collection beta.\n")
    items: dict[str, str] = {}
    for collection in ("alpha", "beta"):
        out = _gavah(
            env,
            "ingest",
            "--json",
            "-c",
            collection,
            "-s",
            "synthetic test source",
            collection,  # relative: the custody log records the path as given
            cwd=files,
        )
        for item in json.loads(out.stdout)["items"]:
            items[Path(item["path"]).name] = item["id"]
    assert set(items) == {PNG_NAME, TEXT_NAME, BETA_NAME}

    # The analyst the way an admin would make one on the server's command line; the others
    # in this process (each `gavah` process costs seconds on a busy machine).
    out = _gavah(
        env, "users", "add", "analyst1", "--role", "analyst", "-c", "alpha",
        "--print-credentials", "--json",
    )  # fmt: skip
    made = json.loads(out.stdout)
    assert made["account"] == "analyst1" and len(made["recovery_codes"]) == 10
    people = {"analyst1": Person("analyst1", made["password"], made["totp_secret"])}
    ws = open_workspace(
        Settings(workspace=tmp / "ws", database_url=None, store=None, actor="e2e-setup")
    )
    try:
        accounts = Accounts(ws)
        for name, role, grants in (
            ("shots-admin", "admin", []),
            ("intake1", "intake", ["alpha"]),
            ("viewer1", "viewer", ["alpha"]),
        ):
            made_ = accounts.create_with_credentials(name, role, grants, "e2e-setup")
            people[name] = Person(name, made_.password, made_.totp_secret)
    finally:
        ws.close()

    log = (tmp / "serve.log").open("w")
    # GAVAH_SECURE_COOKIES stays at its default (true).
    proc = subprocess.Popen(
        [sys.executable, "-m", "gavah", "serve", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, tmp / "serve.log")
        yield Server(base, env, tmp, items, people)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gavah serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as res:
                if json.load(res) == {"status": "ok"}:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gavah serve did not answer /healthz:\n{log.read_text()}")


# ----------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)  # a busy CI machine: htmx swaps and pages may lag
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What the pages of one test did that they should not have."""

    host: str
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    # URL parts whose failed loads (a refused page, an interrupted upload) the test expects
    expected_failures: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("request", self._request)

    def _console(self, msg: Any) -> None:
        text = msg.text
        if "Content Security Policy" in text:
            self.errors.append(f"CSP: {text}")
            return
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if text.startswith("Failed to load resource") and any(
            part in url for part in self.expected_failures
        ):
            return
        self.errors.append(f"console error on {url}: {text}")

    def _request(self, request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.scheme not in ("http", "https") or parts.netloc != self.host:
            self.foreign.append(request.url)


@dataclass
class UI:
    browser: Any
    server: Server
    watch: Watch
    contexts: list[Any] = field(default_factory=list)

    def page(self, viewport: dict[str, int] | None = None) -> Any:
        context = self.browser.new_context(
            base_url=self.server.base, viewport=viewport or DESKTOP, service_workers="block"
        )
        context.set_default_timeout(20_000)
        self.contexts.append(context)
        page = context.new_page()
        self.watch.attach(page)
        return page

    def signed_in(self, who: str, viewport: dict[str, int] | None = None) -> Any:
        page = self.page(viewport)
        sign_in(page, self.server.people[who])
        return page


@pytest.fixture
def ui(browser: Any, server: Server) -> Iterator[UI]:
    watch = Watch(host=urlsplit(server.base).netloc)
    made = UI(browser, server, watch)
    yield made
    for context in made.contexts:
        context.close()
    assert not watch.errors, "the pages logged errors:\n" + "\n".join(watch.errors)
    assert not watch.foreign, "requests left the test server:\n" + "\n".join(watch.foreign)


def sign_in(page: Any, who: Person, *, then: str = "/items") -> None:
    """Name and password, then the TOTP code if asked, as a person would type them."""
    from playwright.sync_api import expect

    page.goto("/login")
    page.fill("#name", who.name)
    page.fill("#password", who.password)
    page.click('form[action="/login"] button[type=submit]')
    page.wait_for_url(lambda url: urlsplit(url).path != "/login")
    if urlsplit(page.url).path == "/login/code":
        page.fill("#code", next_code(who.totp_secret))
        page.click('form[action="/login/code"] button[type=submit]')
    expect(page).to_have_url(re.compile(re.escape(then) + r"$"))
    page.wait_for_load_state("load")  # htmx and app.js have run


def choose_language(page: Any, code: str) -> None:
    from playwright.sync_api import expect

    page.click(f'form.lang button[value="{code}"]')
    expect(page.locator("html")).to_have_attribute("lang", code)
    page.wait_for_load_state()


def shoot(page: Any, name: str, *, full_page: bool = True) -> None:
    if not SCREENSHOTS:
        return
    page.evaluate("document.fonts.ready.then(() => true)")
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOT_DIR / f"{name}.png"), full_page=full_page)


def upload_file(page: Any, path: Path, collection: str = "alpha") -> Any:
    """Fill the upload form and send ``path``; returns the new row's locator."""
    rows_before = page.locator("li.upload").count()
    field_ = page.locator("#collection")
    if field_.evaluate("el => el.tagName") == "SELECT":
        field_.select_option(collection)
    else:  # admins type a collection name (with suggestions)
        field_.fill(collection)
    page.set_input_files("#upload-files", str(path))
    page.click('#upload-form button[type="submit"]')
    return page.locator("li.upload").nth(rows_before)


# ------------------------------------------------------------------------------- the flows


def test_first_sign_in_from_the_setup_link_with_totp(ui: UI, server: Server) -> None:
    """1. An admin's setup link: password twice, TOTP from the secret shown, recovery codes,
    then a normal sign-in with password and a fresh code; and an analyst whose credentials
    the command line printed signs in too."""
    from playwright.sync_api import expect

    link = json.loads(server.gavah("users", "add", "admin1", "--role", "admin", "--json").stdout)
    url = link["setup_url"]
    assert url.startswith(f"{server.base}/setup/")
    page = ui.page()
    response = page.goto(url)
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_contain_text("admin1")
    password = "correct horse battery staple 12"
    page.fill("#password", password)
    page.fill("#password_again", password)
    secret = page.locator("#totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    page.fill("#code", next_code(secret))
    page.click('main form button[type="submit"]')

    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    assert all(re.fullmatch(r"[a-z0-9]{4}(-[a-z0-9]{4}){3}", c) for c in codes.all_inner_texts())
    page.click('main a.button.primary[href^="/login"]')
    expect(page).to_have_url(re.compile(r"/login\?done=set-up$"))
    expect(page.locator(".flash.success")).to_be_visible()

    page.fill("#name", "admin1")
    page.fill("#password", password)
    page.click('form[action="/login"] button[type=submit]')
    expect(page).to_have_url(re.compile(r"/login/code(\?.*)?$"))
    page.fill("#code", next_code(secret))
    page.click('form[action="/login/code"] button[type=submit]')
    expect(page).to_have_url(re.compile(r"/items$"))
    expect(page.locator(".topbar .who")).to_have_text("admin1")
    expect(page.locator('nav a[href="/admin/users"]')).to_be_visible()
    expect(page.locator("#results")).to_contain_text(BETA_NAME)  # an admin sees every collection

    analyst = ui.signed_in("analyst1")
    expect(analyst.locator(".topbar .who")).to_have_text("analyst1")
    expect(analyst.locator("#results")).to_contain_text(PNG_NAME)
    expect(analyst.locator('nav a[href="/admin/users"]')).to_have_count(0)


def test_upload_of_a_file_with_a_persian_name(ui: UI, server: Server) -> None:
    """2. A file named in Persian goes through /upload and its item page shows that name."""
    from playwright.sync_api import expect

    name = "گزارش شاهد ۱۲.txt"
    path = server.tmp / "upload-fa" / name
    path.parent.mkdir()
    path.write_text(f"synthetic witness report for the browser test {time.time_ns()}\n")
    page = ui.signed_in("intake1")
    page.goto("/upload")
    row = upload_file(page, path)
    expect(row).to_have_attribute("data-state", "done", timeout=30_000)
    expect(row.locator(".name")).to_have_text(name)
    assert row.get_attribute("data-percent") == "100"
    evidence_id = row.get_attribute("data-evidence-id")
    assert evidence_id and evidence_id.startswith("ev-")
    row.locator(f'.status a[href="/items/{evidence_id}"]').click()
    expect(page).to_have_url(re.compile(rf"/items/{evidence_id}$"))
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("ul.acquisitions")).to_contain_text("alpha")
    expect(page.locator("dd.hash")).to_have_text(hashlib.sha256(path.read_bytes()).hexdigest())


def test_pieces_of_a_sealed_bundle_uploaded_one_by_one_open_it(ui: UI, server: Server) -> None:
    """2b. Pieces of a sealed bundle (synthetic random files) uploaded on the upload page, in
    Persian: each row says how many pieces are held and which are missing, a damaged copy is
    refused, and the last piece opens the bundle with links to the items it became."""
    import random

    from playwright.sync_api import expect

    from gavah.bundles import seal as fmt

    recipient = server.gavah("bundle", "keygen").stdout.strip()
    field = server.tmp / "bundle-field"
    field.mkdir()
    rng = random.Random(11)
    for i, size in enumerate((140_000, 30_000)):
        (field / f"synthetic-{i}.bin").write_bytes(rng.randbytes(size))
    sealed = fmt.seal(
        sorted(field.iterdir()),
        fmt.Recipient(public_key=recipient),
        server.tmp / "bundle-out",
        piece_size=fmt.MIN_PIECE,
    )
    *first, last = sealed.pieces
    damaged = server.tmp / "bundle-damaged" / last.name
    damaged.parent.mkdir()
    data = bytearray(last.read_bytes())
    data[fmt.HEADER + 99] ^= 0x40
    damaged.write_bytes(bytes(data))

    page = ui.signed_in("intake1")
    page.goto("/upload")
    assert len(first) >= 2
    for piece in reversed(first):
        row = upload_file(page, piece)
        expect(row).to_have_attribute("data-bundle-state", "held", timeout=30_000)
        expect(row.locator(".status")).to_contain_text("نگه داشته شد")
        expect(row.locator(".status .hint")).to_contain_text("هنوز نرسیده")
    row = upload_file(page, damaged)
    expect(row).to_have_attribute("data-bundle-state", "refused", timeout=30_000)
    expect(row).to_have_attribute("data-state", "failed")
    expect(row.locator(".status")).to_contain_text("does not match")
    row = upload_file(page, last)
    expect(row).to_have_attribute("data-bundle-state", "opened", timeout=30_000)
    links = row.locator('.status a[href^="/items/ev-"]')
    expect(links).to_have_count(2)
    links.first.click()
    expect(page.locator("ul.acquisitions")).to_contain_text("alpha")


def test_an_interrupted_upload_resumes_where_it_stopped(ui: UI, server: Server) -> None:
    """3. The connection drops during the second 5 MiB chunk: the upload asks the server how
    much it holds and carries on from 5 MiB (the first chunk is not sent again), and the
    stored SHA-256 is the file's."""
    from playwright.sync_api import expect

    path = server.tmp / "big-random.bin"
    path.write_bytes(os.urandom(12 * 1024 * 1024))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    page = ui.signed_in("intake1")
    ui.watch.expected_failures.append("/uploads/")  # the dropped PATCH
    page.goto("/upload")
    assert page.locator("#upload-form").get_attribute("data-chunk-size") == str(CHUNK)

    patches: list[int] = []  # Upload-Offset of every PATCH the page sent, in order
    heads: list[int] = []  # Upload-Offset the server answered to HEAD
    dropped: list[int] = []

    def on_request(request: Any) -> None:
        if request.method == "PATCH" and "/uploads/" in request.url:
            patches.append(int(request.headers["upload-offset"]))

    def on_response(response: Any) -> None:
        if response.request.method == "HEAD" and "/uploads/" in response.url:
            heads.append(int(response.headers.get("upload-offset", "-1")))

    def drop_second_chunk(route: Any) -> None:
        request = route.request
        offset = int(request.headers.get("upload-offset", "-1"))
        if request.method == "PATCH" and offset == CHUNK and not dropped:
            dropped.append(offset)
            route.abort("connectionreset")  # never reaches the server
        else:
            route.continue_()

    page.on("request", on_request)
    page.on("response", on_response)
    page.route("**/uploads/**", drop_second_chunk)
    row = upload_file(page, path)
    expect(row).to_have_attribute("data-state", "done", timeout=60_000)
    page.unroute("**/uploads/**")

    assert dropped == [CHUNK]
    assert patches == [0, CHUNK, CHUNK, 2 * CHUNK], patches
    assert CHUNK in heads, heads  # the server said it held exactly the first chunk
    assert row.get_attribute("data-sha256") == digest
    evidence_id = row.get_attribute("data-evidence-id")
    row.locator(f'.status a[href="/items/{evidence_id}"]').click()
    expect(page.locator("dd.hash")).to_have_text(digest)
    expect(page.locator("h1")).to_have_text(path.name)


def test_search_in_persian_and_english_within_ones_collections(ui: UI, server: Server) -> None:
    """4. The search box (htmx swaps #results): Arabic letter forms find a Persian name, an
    English word finds an English name, and a name only in beta is not found without beta."""
    from playwright.sync_api import expect

    page = ui.signed_in("analyst1")
    results = page.locator("#results")
    expect(results).to_contain_text(PNG_NAME)
    expect(results).to_contain_text(TEXT_NAME)

    page.fill("#q", "كوچه شمالي")  # Arabic kaf (U+0643) and yeh (U+064A)
    expect(page).to_have_url(re.compile(r"[?&]q="))  # hx-push-url: the swap happened
    expect(results.locator("table.items a")).to_have_text([PNG_NAME])

    page.fill("#q", "witness statement")
    expect(results.locator("table.items a")).to_have_text([TEXT_NAME])

    page.fill("#q", "zanjan")
    expect(results.locator("table.items")).to_have_count(0)
    expect(results.locator("p.muted")).to_be_visible()
    assert server.items[BETA_NAME] not in page.content()


def test_viewing_an_item_puts_the_view_on_its_custody_timeline(ui: UI, server: Server) -> None:
    """5. Opening an item shows its preview, and the view is on the timeline with the name."""
    from playwright.sync_api import expect

    page = ui.signed_in("viewer1")
    page.click(f'#results a[href="/items/{server.items[PNG_NAME]}"]')
    expect(page.locator("h1")).to_have_text(PNG_NAME)
    preview = page.locator("section.preview img")
    expect(preview).to_be_visible()
    page.wait_for_function("document.querySelector('section.preview img').complete")
    assert preview.evaluate("img => img.naturalWidth") > 0  # the server made a preview
    timeline = page.locator("ol.timeline")
    expect(timeline.locator('li[data-kind="evidence.ingested"]')).to_have_count(1)
    viewed = timeline.locator('li[data-kind="evidence.viewed"]')
    expect(viewed.filter(has_text="web:viewer1")).to_have_count(1)
    # a viewer may not take the original away: no download buttons
    expect(page.locator(f'a[href="/items/{server.items[PNG_NAME]}/download"]')).to_have_count(0)


def test_a_viewer_of_alpha_is_refused_beta_uploads_and_admin_pages(ui: UI, server: Server) -> None:
    """6. Need to know: beta's item is "not found", not listed, and the upload and admin pages
    are refused, with nothing of them in the navigation."""
    from playwright.sync_api import expect

    beta = server.items[BETA_NAME]
    refused = {f"/items/{beta}": 404, "/upload": 403, "/admin/users": 403, "/admin/audit": 403}
    ui.watch.expected_failures.extend(refused)
    page = ui.signed_in("viewer1")
    expect(page.locator("#results")).to_contain_text(PNG_NAME)
    assert BETA_NAME not in page.content() and beta not in page.content()
    expect(page.locator("#collection option")).to_have_count(2)  # "all I may see" and alpha
    for gone in ('a[href="/upload"]', 'a[href="/admin/users"]', 'a[href="/admin/audit"]'):
        expect(page.locator(gone)).to_have_count(0)

    for url, status in refused.items():
        response = page.goto(url)
        assert response is not None and response.status == status, url
        expect(page.locator("main .flash.error")).to_be_visible()
        assert BETA_NAME not in page.content()


def test_the_language_buttons_switch_between_persian_rtl_and_english_ltr(ui: UI) -> None:
    """7. Persian and right to left by default; English and left to right after the button;
    back again. The choice also works before signing in."""
    from playwright.sync_api import expect

    html = lambda page: page.locator("html")  # noqa: E731

    anonymous = ui.page()
    anonymous.goto("/login")
    expect(html(anonymous)).to_have_attribute("dir", "rtl")
    choose_language(anonymous, "en")
    expect(html(anonymous)).to_have_attribute("dir", "ltr")
    expect(anonymous.locator("h1")).to_have_text("Sign in")
    expect(anonymous).to_have_url(re.compile(r"/login$"))

    page = ui.signed_in("analyst1")
    expect(html(page)).to_have_attribute("lang", "fa")
    expect(html(page)).to_have_attribute("dir", "rtl")
    choose_language(page, "en")
    expect(html(page)).to_have_attribute("dir", "ltr")
    expect(page.locator("h1")).to_have_text("Evidence")
    expect(page.locator('form.lang button[value="en"]')).to_have_attribute("aria-current", "true")
    page.goto("/account")  # kept on the account, not just this page
    expect(html(page)).to_have_attribute("lang", "en")
    choose_language(page, "fa")
    expect(html(page)).to_have_attribute("dir", "rtl")
    expect(page).to_have_url(re.compile(r"/account$"))


def test_every_page_in_both_languages(ui: UI, server: Server) -> None:
    """8. A tour of the main pages in Persian and English as an admin (and the sign-in page
    before signing in): the ui fixture checks each for console errors, CSP violations and
    requests to other hosts. With GAVAH_SCREENSHOTS=1 it saves docs/screenshots/*.png."""
    from playwright.sync_api import expect

    png = server.items[PNG_NAME]
    for lang in ("fa", "en"):
        anonymous = ui.page()
        anonymous.goto("/login")
        if lang == "en":
            choose_language(anonymous, "en")
        expect(anonymous.locator("html")).to_have_attribute("lang", lang)
        anonymous.locator("#name").blur()
        shoot(anonymous, f"login-{lang}")

        page = ui.signed_in("shots-admin")
        if lang == "en":
            choose_language(page, "en")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("#results table.items")).to_be_visible()
        shoot(page, f"items-{lang}")

        page.fill("#q", "کوچه")
        expect(page.locator("#results table.items a")).to_have_text([PNG_NAME])
        shoot(page, f"search-{lang}")

        page.goto(f"/items/{png}")
        page.wait_for_function("document.querySelector('section.preview img').complete")
        expect(page.locator('ol.timeline li[data-kind="evidence.viewed"]').first).to_be_visible()
        shoot(page, f"item-{lang}")

        page.goto("/upload")
        notes = (
            server.tmp
            / f"notes-{lang}"
            / ("یادداشت میدانی.txt" if lang == "fa" else "field-notes.txt")
        )
        notes.parent.mkdir()
        notes.write_text(f"synthetic field notes ({lang}) for the screenshots\n")
        page.fill("#source", "synthetic test source")
        row = upload_file(page, notes)
        expect(row).to_have_attribute("data-state", "done", timeout=30_000)
        shoot(page, f"upload-{lang}")

        for path, shot in (
            ("/account", "account"),
            ("/admin/users", "admin-users"),
            ("/admin/audit", "audit"),
        ):
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            expect(page.locator("main h1").first).to_be_visible()
            shoot(page, f"{shot}-{lang}")

        if lang == "en":
            choose_language(page, "fa")  # leave the account as it was

    phone = ui.signed_in("shots-admin", viewport=PHONE)
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.locator("#results")).to_contain_text(PNG_NAME)
    shoot(phone, "items-fa-phone")
