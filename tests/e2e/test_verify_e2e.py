"""The worked example of docs/verification.md in a real browser (Chromium through Playwright).

The material, the sources and the assessments are set up through the store, as the web account
``analyst-a`` (the command line would do the same, one process per step); the reviews are made
in the browser, through the review queue and by keyboard only: reviewer-c (in English) takes a
second look at the witness's video, reviewer-b (in Persian) agrees with the other four. The
incident page then shows the level and its explanation in both languages. With
GAVAH_SCREENSHOTS=1 it writes docs/screenshots/verify-*-fa.png and -en.png.

The server, the browser and the checks on every page (no console error, no CSP violation, no
request to another host) are those of tests/e2e/test_browser_e2e.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_browser_e2e import (
    CHROMIUM,
    LAUNCH_ARGS,
    PHONE,
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
from gavah.settings import Settings
from gavah.vault import Vault
from gavah.verify.access import Asker
from gavah.verify.store import Verification
from gavah.workspace import open_workspace

CASE = "karaj-1401"
INCIDENT = "karaj-square"
CLAIM = "karaj-occurred"


def _example(ws: Any, files: Path) -> dict[str, str]:
    """docs/verification.md's worked example up to the assessments, by web:analyst-a."""
    vault = Vault(ws, actor="web:analyst-a")
    items = {}
    for name, text in (
        ("witness-video.txt", "synthetic witness video of a shooting"),
        ("post-1.txt", "synthetic repost 1 of the witness video"),
        ("post-2.txt", "synthetic repost 2 of the witness video"),
        ("ngo-list.txt", "synthetic NGO list naming two dead"),
    ):
        (files / name).write_text(text, encoding="utf-8")
        made = ingest(vault, [os.fsencode(files / name)], collection=CASE)
        items[name] = str(made.items[0]["id"])
    a = Verification(vault, Asker.operator("web:analyst-a"))
    for sid, name, kind, grade, reason in (
        ("witness-w12", "Witness W-12 (synthetic)", "witness", "C", "first-hand"),
        ("channel-1", "Channel One (synthetic)", "channel", "C", "accurate in past reporting"),
        ("channel-2", "Channel Two (synthetic)", "channel", "D", "often reposts unchecked"),
        ("ngo-list", "NGO list (synthetic)", "ngo", "B", "documented, named methodology"),
        ("official", "Governor's office (synthetic)", "official", "E", "denials disproved"),
    ):
        a.add_source(name, kind, collection=CASE, grade=grade, reason=reason, source_id=sid)
    a.relate("channel-1", "relays", "witness-w12", "posted W-12's video first")
    a.relate("channel-2", "copies", "channel-1", "same video, Channel One's caption")
    a.add_incident(
        "Protesters shot at a square in Karaj (synthetic)",
        "killing-at-protest",
        collection=CASE,
        place="Karaj, Alborz",
        date="1401/07/08",
        killed=(2, 3),
        injured=(5, 12),
        incident_id=INCIDENT,
    )
    a.add_claim(
        "Security forces fired live rounds at protesters, killing at least two (synthetic)",
        "occurred",
        incident_id=INCIDENT,
        claim_id=CLAIM,
    )
    a.link_claim(CLAIM, "evidence", items["witness-video.txt"])
    assessed = {}
    for sid, stance, credibility, item, note in (
        ("witness-w12", "supports", 2, "witness-video.txt", "present at the square"),
        ("channel-1", "supports", 2, "post-1.txt", "reposted the witness's video"),
        ("channel-2", "supports", 2, "post-2.txt", "copied Channel One"),
        ("ngo-list", "supports", 2, "ngo-list.txt", "named methodology"),
        ("official", "contradicts", 5, None, "says no shots were fired"),
    ):
        made = a.assess(
            CLAIM,
            sid,
            stance=stance,
            credibility=credibility,
            evidence=items[item] if item else None,
            source_analysis=note,
            technical_analysis="metadata read at intake; no C2PA" if item else None,
            content_analysis="geolocated to the square by the clock tower" if item else None,
        )
        assessed[sid] = made["assessment"]["id"]
    return assessed


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _require_browser()
    tmp = tmp_path_factory.mktemp("verify-e2e")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAVAH_")}
    env.update(GAVAH_WORKSPACE=str(tmp / "ws"), GAVAH_ACTOR="e2e-setup", GAVAH_PORT=str(port))
    _gavah(env, "init")
    files = tmp / "files"
    files.mkdir()
    ws = open_workspace(
        Settings(workspace=tmp / "ws", database_url=None, store=None, actor="e2e-setup")
    )
    people: dict[str, Person] = {}
    try:
        accounts = Accounts(ws)
        for name, role in (
            ("analyst-a", "analyst"),
            ("reviewer-b", "reviewer"),
            ("reviewer-c", "reviewer"),
        ):
            made = accounts.create_with_credentials(name, role, [CASE], "e2e-setup")
            people[name] = Person(name, made.password, made.totp_secret)
        assessed = _example(ws, files)
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
        yield Server(base, env, tmp, assessed, people)  # items: source id -> assessment id
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

    expect.set_options(timeout=10_000)
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


def agree_by_keyboard(page: Any, assessment: str, note: str) -> None:
    """The first form of the queue has the focus: type the note, Tab to Agree, press Enter."""
    from playwright.sync_api import expect

    first = page.locator("section.review-item").first
    expect(first).to_have_attribute("data-assessment", assessment)
    expect(first.locator("textarea")).to_be_focused()
    page.keyboard.type(note)
    page.keyboard.press("Tab")
    expect(first.locator('button[value="agree"]')).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/review\?done=reviewed$"))
    expect(page.locator(".flash.success")).to_be_visible()


def test_the_worked_example_reviewed_in_the_browser(ui: UI, server: Server) -> None:
    from playwright.sync_api import expect

    assessed = server.items
    # The analyst made the assessments: no queue for that role, and nothing counts yet.
    analyst = ui.signed_in("analyst-a")
    expect(analyst.locator('header nav a[href="/review"]')).to_have_count(0)
    analyst.click('header nav a[href="/incidents"]')
    expect(analyst.locator(f'tr[data-incident="{INCIDENT}"] .level')).to_have_class(
        re.compile("level-ungraded")
    )

    # reviewer-c, in English: a second look at the witness's video, first in the queue.
    c = ui.signed_in("reviewer-c")
    choose_language(c, "en")
    c.click('header nav a[href="/review"]')
    expect(c.locator("section.review-item")).to_have_count(5)
    shoot(c, "verify-review-en")
    agree_by_keyboard(c, assessed["witness-w12"], "second look at the geolocation")
    expect(c.locator("section.review-item")).to_have_count(4)

    # reviewer-b, in Persian (the default): the other four.
    b = ui.signed_in("reviewer-b")
    expect(b.locator("html")).to_have_attribute("dir", "rtl")
    b.click('header nav a[href="/review"]')
    expect(b.locator("section.review-item")).to_have_count(4)
    shoot(b, "verify-review-fa")
    for sid in ("channel-1", "channel-2", "ngo-list", "official"):
        agree_by_keyboard(b, assessed[sid], "analyses checked")
    expect(b.locator("p.empty-queue")).to_be_visible()

    # The incident page: fair, rule F1, explained; in both languages.
    for page, lang in ((b, "fa"), (c, "en")):
        page.goto(f"/incidents/{INCIDENT}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        grade = page.locator(".incident-summary .level")
        expect(grade).to_have_class(re.compile("level-fair"))
        expect(page.locator(".explanation .voices > li")).to_have_count(2)
        expect(page.locator(".explanation .not-counted > li")).to_have_count(1)
        expect(page.locator('ol.timeline li[data-kind="verify.reviewed"]')).to_have_count(5)
        text = page.locator("main").inner_text()
        assert "F1" in text
        if lang == "en":
            assert "fair" in text and "reasonable grounds to believe" in text
            assert "One group, not independent of one another:" in text
            assert "2 now, at least 3" in text
        else:
            assert "نسبتاً معتبر" in text and "دلایل معقول برای باور" in text
            assert "اکنون ۲، دست‌کم ۳" in text
            for english in ("What would raise it", "Not counted", "Claims", "supports"):
                assert english not in text, english
        assert not overflows(page), "the incident page scrolls sideways"
        shoot(page, f"verify-incident-{lang}")
        page.locator(f'h3 a[href="/claims/{CLAIM}"]').click()
        expect(page.locator("article.assessment")).to_have_count(5)
        assert not overflows(page), "the claim page scrolls sideways"
        shoot(page, f"verify-claim-{lang}")

    # The list and civilian harm: the incident is fair, so its figures are added in.
    for page, lang in ((b, "fa"), (c, "en")):
        page.goto("/incidents")
        expect(page.locator(f'tr[data-incident="{INCIDENT}"] .level')).to_have_class(
            re.compile("level-fair")
        )
        shoot(page, f"verify-incidents-{lang}")
        page.goto("/harm")
        expect(page.locator(f'table.harm a[href="/incidents/{INCIDENT}"]')).to_be_visible()
        assert not overflows(page), "the harm page scrolls sideways"
        shoot(page, f"verify-harm-{lang}")

    phone = ui.signed_in("reviewer-b", viewport=PHONE)
    phone.goto(f"/incidents/{INCIDENT}")
    expect(phone.locator(".incident-summary .level")).to_have_class(re.compile("level-fair"))
    assert not overflows(phone), "the incident page scrolls sideways on a phone"
    shoot(phone, "verify-incident-fa-phone")


def overflows(page: Any) -> bool:
    """Whether the page is wider than the window (tables scroll inside their own box)."""
    return bool(
        page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )
