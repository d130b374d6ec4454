"""Face-box review in a real browser (Chromium through Playwright): a reviewer opens the
redaction page of a photograph (the scikit-image astronaut, a public-domain NASA portrait), sees
the derivative with the detector's box drawn over it, moves the box and adds one with the
numeric fields, and approves the version shown; in Persian, then in English. No console error,
no CSP violation (the picture is an SVG <image> under img-src 'self'), no request elsewhere.
With GAVAH_SCREENSHOTS=1 it writes docs/screenshots/redaction-fa.png and -en.png.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_browser_e2e import (
    CHROMIUM,
    LAUNCH_ARGS,
    UI,
    Person,
    Server,
    Watch,
    _free_port,
    _gavah,
    _require_browser,
    _wait_healthy,
    choose_language,
    shoot,
)

from gavah.accounts import Accounts
from gavah.intake.ingest import ingest
from gavah.publish.redact import Redactions
from gavah.settings import Settings
from gavah.vault import Vault
from gavah.workspace import open_workspace

CASE = "alpha"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _require_browser()
    skimage = pytest.importorskip("skimage")
    from PIL import Image

    tmp = tmp_path_factory.mktemp("redaction-e2e")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAVAH_")}
    env.update(GAVAH_WORKSPACE=str(tmp / "ws"), GAVAH_ACTOR="e2e-setup", GAVAH_PORT=str(port))
    _gavah(env, "init")
    photo = tmp / "portrait.png"
    Image.fromarray(skimage.data.astronaut()).save(photo)
    ws = open_workspace(
        Settings(workspace=tmp / "ws", database_url=None, store=None, actor="e2e-setup")
    )
    try:
        made = Accounts(ws).create_with_credentials("reviewer", "reviewer", [CASE], "e2e-setup")
        people = {"reviewer": Person("reviewer", made.password, made.totp_secret)}
        vault = Vault(ws)
        item = str(ingest(vault, [os.fsencode(photo)], collection=CASE).items[0]["id"])
        Redactions(vault).propose(item)
    finally:
        ws.close()
    log = (tmp / "serve.log").open("w")
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
        yield Server(base, env, tmp, {"photo": item}, people)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def ui(browser: Any, server: Server) -> Iterator[UI]:
    watch = Watch(host=urlsplit(server.base).netloc)
    made = UI(browser, server, watch)
    yield made
    for context in made.contexts:
        context.close()
    assert not watch.errors, "the pages logged errors:\n" + "\n".join(watch.errors)
    assert not watch.foreign, "requests left the test server:\n" + "\n".join(watch.foreign)


def _picture_loaded(page: Any) -> bool:
    """The SVG's <image> drew (a blocked or failed load leaves it with no size)."""
    return bool(
        page.evaluate("document.querySelector('svg.redaction-view image').getBBox().width > 0")
    )


def test_a_reviewer_moves_adds_and_approves_boxes_in_both_languages(ui: UI, server: Server) -> None:
    from playwright.sync_api import expect

    item = server.items["photo"]
    page = ui.signed_in("reviewer")
    page.goto(f"/items/{item}")
    page.click(f'a[href="/items/{item}/redaction"]')
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    boxes = page.locator("svg.redaction-view g.box")
    expect(boxes).to_have_count(1)
    page.wait_for_load_state("networkidle")
    assert _picture_loaded(page)
    shoot(page, "redaction-fa")

    x = int(page.input_value('input[name="x-1"]'))
    page.fill('input[name="x-1"]', str(x + 4))
    for name, value in (("x-new", "20"), ("y-new", "30"), ("w-new", "60"), ("h-new", "50")):
        page.fill(f'input[name="{name}"]', value)
    page.click('form.boxes button[type="submit"]')
    expect(page).to_have_url(re.compile(r"\?done=boxes-changed$"))
    expect(boxes).to_have_count(2)
    expect(page.locator('input[name="x-1"]')).to_have_value(str(x + 4))
    page.click('form[action$="/approve"] button[type="submit"]')
    expect(page).to_have_url(re.compile(r"\?done=approved$"))
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator("dd.hash")).to_have_count(1)  # the derivative's SHA-256

    choose_language(page, "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.wait_for_load_state("networkidle")
    assert _picture_loaded(page)
    assert "approved" in page.locator("main").inner_text()
    shoot(page, "redaction-en")
