"""The victim register's pages in a real browser (Chromium through Playwright): the linkage review
by keyboard alone, importing a list through the mapping page, and every page in both languages.

Three synthetic lists of one synthetic population (gavah.casualties.synthetic: not real people)
are imported and linked through the store before the server starts, as ``gavah victims import``
and ``gavah victims link`` would. With GAVAH_SCREENSHOTS=1 it writes docs/screenshots/victims-*.

The server, the browser and the checks on every page (no console error, no CSP violation, no
request to another host) are those of tests/e2e/test_browser_e2e.py.
"""

from __future__ import annotations

import json
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
from test_verify_e2e import overflows

from gavah.accounts import Accounts
from gavah.casualties import synthetic
from gavah.casualties.people import People
from gavah.casualties.register import COLLECTION, ListInfo, Register, parse_mapping
from gavah.registry import COLLECTION as REGISTRY
from gavah.registry.store import Registry
from gavah.sanctions.store import Sanctions
from gavah.settings import Settings
from gavah.vault import Vault
from gavah.workspace import open_workspace

MAPPING = parse_mapping(
    ["id=record_id,name=name,name_fa=name_fa,age=age,age_group=age_group",
     "gender=gender,date=date,province=place"]
)  # fmt: skip
SANCTIONS = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
COURT = "Revolutionary Court of Example, Branch 9 (synthetic)"
LIST = (
    "Full name,نام,Age,Died,Province\n"
    "Reza Karimi (synthetic),رضا کریمی,31,1401/06/30,Tehran\n"
    "Leila Moradi (synthetic),لیلا مرادی,24,1401/07/08,Kurdistan\n"
)

ESTIMATE_MS = 300_000  # waiting for an estimate computed while the page loads


def _register(ws: Any, files: Path) -> None:
    vault = Vault(ws, actor="e2e-setup")
    population = synthetic.people(150, seed=11)
    register = Register(vault)
    for j, records in enumerate(synthetic.lists(population, [0.6, 0.5, 0.4], seed=12)):
        path = files / f"list-{j}.csv"
        synthetic.write_csv(records, path)
        register.import_list(path, ListInfo(synthetic.list_prefix(j), publisher="synthetic"),
                             MAPPING)  # fmt: skip
    People(vault).run_linkage(None, seed=1)
    # The OFAC excerpt, and registry entities: synthetic, or only what OFAC says of one person.
    Sanctions(vault).import_list(SANCTIONS / "ofac", "ofac", "ofac")
    registry = Registry(vault)
    court = registry.add("PublicBody", {"name": [COURT, "دادگاه انقلاب نمونه، شعبه ۹ (ساختگی)"]},
                         source="synthetic report")["id"]  # fmt: skip
    post = registry.add("Position", {"name": ["Judge, Branch 9 (synthetic)"],
                                     "organization": [court]}, source="synthetic report")["id"]  # fmt: skip
    judge = registry.add("Person", {"name": ["Farhad Sakhtegi (synthetic)", "فرهاد ساختگی"],
                                    "birthDate": ["1358/01/12"]}, source="synthetic report")["id"]  # fmt: skip
    registry.link("Occupancy", judge, post, start_date="1398/01/01", source="synthetic report")
    registry.add("Person", {"name": ["Esmail Ahmadi Moghadam"]}, source="OFAC excerpt")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _require_browser()
    tmp = tmp_path_factory.mktemp("victims-e2e")
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
            ("analyst-v", "analyst"),
            ("reviewer-v", "reviewer"),
            ("admin-v", "admin"),
        ):
            made = accounts.create_with_credentials(name, role, [COLLECTION, REGISTRY], "e2e-setup")
            people[name] = Person(name, made.password, made.totp_secret)
        _register(ws, files)
    finally:
        ws.close()
    log = (tmp / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gavah", "serve", "--port", str(port), "--workers", "1"],
        env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, tmp / "serve.log")
        yield Server(base, env, tmp, {}, people)
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


def _pair(page: Any) -> tuple[str, str]:
    pair = page.locator("section.pair")
    return pair.get_attribute("data-left"), pair.get_attribute("data-right")


def test_the_home_page_and_one_row_of_navigation(ui: UI) -> None:
    from playwright.sync_api import expect

    page = ui.signed_in("admin-v")
    for lang in ("en", "fa"):
        choose_language(page, lang)
        page.goto("/")
        expect(page.locator('[data-attention="pairs"]')).to_be_visible()
        links = page.locator("header nav a")
        tops = {
            round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count()))
        }
        assert len(tops) == 1, f"the {lang} navigation wraps onto {len(tops)} rows"
        assert not overflows(page), "the home page scrolls sideways"
        shoot(page, f"home-{lang}")


def test_the_registry_and_sanctions_pages_in_both_languages(ui: UI) -> None:
    from playwright.sync_api import expect

    page = ui.signed_in("reviewer-v")
    for lang in ("fa", "en"):
        choose_language(page, lang)
        page.click('header nav a[href="/registry"]')
        expect(page.locator("table.registry tbody tr")).to_have_count(5)
        shoot(page, f"registry-{lang}")
        page.click('nav.tabs a[href^="/registry?schema=Person"]')
        expect(page.locator("table.registry tbody tr")).to_have_count(2)
        page.click("text=Farhad Sakhtegi (synthetic)")
        expect(page.locator("table.statements tbody tr")).to_have_count(3)
        assert not overflows(page), "the entity page scrolls sideways"
        shoot(page, f"registry-entity-{lang}")
        page.click('a[href$="/edit"]')
        expect(page.locator("form.registry-form")).to_be_visible()
        shoot(page, f"registry-edit-{lang}")
        page.goto("/registry/new?schema=Person")
        page.select_option('select[name="prop-0"]', "name")
        page.fill('input[name="value-0"]', "Someone (synthetic)")
        page.select_option('select[name="prop-1"]', "birthDate")
        page.fill('input[name="value-1"]', "1401/13/01")
        ui.watch.expected_failures.append("/registry/new")
        page.click("form.registry-form button.primary")
        expect(page.locator(".flash.error")).to_contain_text("birthDate")
        assert not overflows(page), "the form scrolls sideways"
        shoot(page, f"registry-refused-{lang}")
        page.goto("/sanctions")
        expect(page.locator("table.gaps tbody tr").first).to_be_visible()
        assert not overflows(page), "the gap report scrolls sideways"
        shoot(page, f"sanctions-gaps-{lang}")
        page.goto("/sanctions/screen")
        page.fill("#name", "Ahmadi-Moghaddam, Esmail" if lang == "en" else "احمدی مقدم")
        page.click("form.filters button[type=submit]")
        expect(page.locator("p[role=status]")).to_be_visible()
        shoot(page, f"sanctions-screen-{lang}")
        page.goto("/sanctions/review")
        expect(page.locator("h1")).to_be_visible()
        assert not overflows(page), "the candidates page scrolls sideways"
        shoot(page, f"sanctions-review-{lang}")


def test_the_linkage_review_by_keyboard(ui: UI, server: Server) -> None:
    from playwright.sync_api import expect

    page = ui.signed_in("reviewer-v")
    choose_language(page, "en")
    page.click('header nav a[href="/victims"]')
    page.click('nav.subnav a[href="/victims/review"]')
    expect(page.locator("section.pair")).to_be_visible()
    shoot(page, "victims-review-en")
    decided = []
    # A note first: typing in it presses no decision, even with the letters S, D and U.
    page.click("#note")
    page.keyboard.type("dates sound unsure")
    assert urlsplit(page.url).query == ""
    page.keyboard.press("Tab")  # out of the note, onto Same person
    for key, decision in (("d", "different"), ("u", "unsure"), ("s", "same")):
        pair = _pair(page)
        page.keyboard.press(key)
        expect(page).to_have_url(re.compile(r"/victims/review\?done=reviewed$"))
        expect(page.locator(".flash.success")).to_be_visible()
        assert _pair(page) != pair, "the decided pair is asked again"
        decided.append((*pair, decision))
    history = json.loads(_gavah(server.env, "victims", "decisions", "--json").stdout)
    assert [(d["left"], d["right"], d["decision"]) for d in history] == decided
    assert {d["actor"] for d in history} == {"web:reviewer-v"}
    assert history[0]["note"] == "dates sound unsure"
    _gavah(server.env, "log", "verify")
    # In Persian, the same keys (whatever letter the layout gives them) decide too.
    choose_language(page, "fa")
    page.goto("/victims/review")
    pair = _pair(page)
    page.keyboard.press("KeyU")
    expect(page).to_have_url(re.compile(r"/victims/review\?done=reviewed$"))
    assert _pair(page) != pair
    assert not overflows(page), "the review page scrolls sideways"
    shoot(page, "victims-review-fa")


def test_every_victims_page_in_both_languages(ui: UI, server: Server) -> None:
    from playwright.sync_api import expect

    page = ui.signed_in("analyst-v")
    for lang in ("fa", "en"):
        choose_language(page, lang)
        page.goto("/victims")
        expect(page.locator("table.victims tbody tr")).to_have_count(50)
        assert not overflows(page), "the register scrolls sideways"
        shoot(page, f"victims-register-{lang}")
        page.fill("#q", "Mohammad" if lang == "en" else "محمد")
        page.click("form.filters button[type=submit]")
        expect(page.locator("table.victims tbody tr").first).to_be_visible()
        shoot(page, f"victims-search-{lang}")
        page.locator("table.victims tbody a").first.click()
        expect(page.locator("dl.detail").first).to_be_visible()
        assert not overflows(page), "the record page scrolls sideways"
        shoot(page, f"victims-record-{lang}")
        page.goto("/victims/estimate")
        # The estimate is computed as the page loads: minutes on a loaded CI machine.
        page.click("form.filters button[type=submit]", timeout=ESTIMATE_MS)
        expect(page.locator(".charts svg").first).to_be_visible(timeout=ESTIMATE_MS)
        assert not overflows(page), "the estimate scrolls sideways"
        shoot(page, f"victims-estimate-{lang}")
    page.goto("/victims/estimate")
    page.check('input[name="compare"]')
    page.click("form.filters button[type=submit]", timeout=ESTIMATE_MS)
    expect(page.locator("table.methods")).to_be_visible(timeout=ESTIMATE_MS)
    shoot(page, "victims-estimate-methods-en")


def test_a_list_imported_through_the_mapping_page(ui: UI, server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    path = tmp_path / "browser-list.csv"
    path.write_text(LIST, encoding="utf-8")
    bad = tmp_path / "bad-list.csv"
    bad.write_text(LIST + "Someone (synthetic),کسی,31,1401/13/45,Tehran\n", encoding="utf-8")
    ui.watch.expected_failures.append("/victims/import/")  # the refused list answers 400
    page = ui.signed_in("analyst-v")
    for lang, file, name in (
        ("en", bad, "BROWSER-BAD"),
        ("fa", bad, "BROWSER-BAD-FA"),
        ("en", path, "BROWSER-EN"),
        ("fa", path, "BROWSER-1"),
    ):
        choose_language(page, lang)
        page.goto("/victims/import")
        shoot(page, f"victims-import-{lang}")
        page.set_input_files("#file", str(file))
        page.fill("#list_name", name)
        page.fill("#publisher", "synthetic")
        page.click('form[action="/victims/import"] button[type=submit]')
        expect(page.locator("table.mapping")).to_be_visible()
        for i, field in enumerate(("name", "name_fa", "age", "date", "province")):
            page.select_option(f'select[name="col-{i}"]', field)
        page.click("#mapping button[type=submit]")
        expect(page.locator("table.read-as tbody tr")).to_have_count(LIST.count("\n") - 1
                                                                     + (file == bad))  # fmt: skip
        assert not overflows(page), "the mapping page scrolls sideways"
        shoot(page, f"victims-import-preview-{lang}")
        page.click('form[method="post"] button.primary >> nth=-1')
        if file == bad:
            expect(page.locator(".flash.error")).to_contain_text("nothing was imported")
            with page.expect_download() as download:
                page.click('a[href$="/rejected.csv"]')
            saved = tmp_path / "rejected.csv"
            download.value.save_as(saved)
            assert "Someone (synthetic)" in saved.read_text(encoding="utf-8-sig")
            shoot(page, f"victims-import-refused-{lang}")
        else:
            expect(page.locator(f'a[href="/victims?list={name}"]')).to_be_visible()
            shoot(page, f"victims-imported-{lang}")
    lists = json.loads(_gavah(server.env, "victims", "lists", "--json").stdout)
    assert "BROWSER-1" in {x["id"] for x in lists} and "BROWSER-BAD" not in {x["id"] for x in lists}
    # The estimate now names the list the linkage run did not include, instead of a number.
    page.goto("/victims/estimate?run=true")
    expect(page.locator(".flash.error")).to_contain_text("BROWSER-1")
