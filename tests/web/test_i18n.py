"""The Persian catalog is complete and correct, and pages follow the language chosen.

- Every text the templates and routes mark for translation has a Persian translation, with the
  same ``%(name)s`` placeholders; the catalog compiles; the template (.pot) is in step with the
  sources, so a new text cannot slip in without ``make messages``.
- Pages are Persian and right-to-left by default, English after one switches; visitors who have
  not signed in get the language of their cookie.
- Dates are shown in both calendars, with Persian digits on Persian pages.
- Every page template renders in both languages.
"""

from __future__ import annotations

import ast
import http
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gavah.casualties import synthetic
from gavah.casualties.people import People
from gavah.casualties.register import ListInfo, Register
from gavah.registry.store import Registry
from gavah.sanctions.store import Sanctions
from gavah.vault import Vault
from gavah.verify.access import Asker
from gavah.verify.store import Verification
from gavah.web import i18n, messages
from gavah.web.pages import render as render_module
from totp_codes import next_code

WEB = Path(i18n.__file__).resolve().parent
SRC = WEB.parent
PO = WEB / "locale" / "fa" / "LC_MESSAGES" / "messages.po"
POT = WEB / "locale" / "messages.pot"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
HTML_TAG = re.compile(r'<html lang="(\w+)" dir="(\w+)">')
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
# Arabic letter forms that look like Persian ones (ي ك ى): Persian text uses ی and ک.
ARABIC_FORMS = frozenset("\u064a\u0643\u0649")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale="fa" if path.suffix == ".po" else None)


def extracted(root: Path = WEB) -> dict[str, list[str]]:
    """msgid -> where it is used, extracted as ``make messages`` does (babel.cfg's method map,
    pybabel's default keywords, which include ``_``)."""
    with (root / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map, options_map, keywords=DEFAULT_KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def untranslated(root: Path = WEB) -> list[str]:
    """The extracted texts without a Persian translation (missing, empty or fuzzy)."""
    catalog = _catalog(root / "locale" / "fa" / "LC_MESSAGES" / "messages.po")
    problems = []
    for msgid, where in sorted(extracted(root).items()):
        entry = catalog.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            problems.append(f"{msgid!r} ({where[0]})")
    return problems


# --- the catalog ---------------------------------------------------------------------------------
def test_every_text_has_a_persian_translation() -> None:
    assert "Evidence" in extracted(), "extraction found nothing: is babel.cfg still right?"
    missing = untranslated()
    assert not missing, (
        "texts without a Persian translation; run `make messages` and translate them in "
        f"{PO.relative_to(SRC.parent.parent)}:\n" + "\n".join(missing)
    )


def test_no_entry_is_fuzzy_and_placeholders_match() -> None:
    catalog = _catalog(PO)
    assert not catalog.fuzzy, "the catalog's header is marked fuzzy"
    for entry in catalog:
        if not entry.id:
            continue
        msgid, msgstr = str(entry.id), str(entry.string)
        assert not entry.fuzzy, f"fuzzy: {msgid!r}"
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid
        # Templates format translations with %: a stray % in a translation would break the page.
        assert PLACEHOLDER.sub("", msgstr).count("%") == PLACEHOLDER.sub("", msgid).count("%")


def test_translations_are_persian() -> None:
    for entry in _catalog(PO):
        if not entry.id:
            continue
        msgstr = str(entry.string)
        assert ARABIC_SCRIPT.search(msgstr), f"not translated into Persian: {entry.id!r}"
        assert not ARABIC_FORMS & set(msgstr), f"Arabic ي/ك/ى instead of Persian ی/ک: {msgstr!r}"
        assert "  " not in msgstr and msgstr == msgstr.strip(), f"stray spaces: {msgstr!r}"


def test_the_catalog_parses_and_compiles() -> None:
    catalog = _catalog(PO)
    assert catalog.locale is not None and str(catalog.locale) == "fa"
    assert not list(catalog.check()), "babel found problems in the catalog"
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert compiled.getvalue()
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("fa").gettext("Evidence") == catalog["Evidence"].string
    finally:
        i18n.translations.cache_clear()


def test_the_template_is_in_step_with_the_sources() -> None:
    pot = {str(m.id) for m in _catalog(POT) if m.id}
    now = set(extracted())
    hint = "run `make messages` (pybabel extract and update), then translate the new entries"
    assert not now - pot, f"texts missing from messages.pot ({hint}): {sorted(now - pot)}"
    assert not pot - now, f"texts in messages.pot no longer used ({hint}): {sorted(pot - now)}"
    po = {str(m.id) for m in _catalog(PO) if m.id}
    assert po == pot, f"messages.po is not updated from messages.pot ({hint})"


def _literals(path: Path) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_listed_messages_still_occur_in_the_sources() -> None:
    """gavah.web.messages copies error texts from where they are raised; a copy that drifts
    would never be translated."""
    used: set[str] = {status.phrase for status in http.HTTPStatus}
    for path in SRC.rglob("*.py"):
        if path != Path(messages.__file__).resolve():
            used |= _literals(path)
    stale = [text for text in messages.COMMON_ERRORS if text not in used]
    assert not stale, f"no longer raised anywhere: update gavah/web/messages.py: {stale}"
    assert set(messages.NOTICES) == set(render_module.NOTICES.values())


# --- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "fa", "en"),
    [
        (date(2026, 1, 8), "۱۸ دی ۱۴۰۴", "18 Dey 1404"),
        (datetime(2026, 1, 8, 9, 30, tzinfo=UTC), "۱۸ دی ۱۴۰۴", "18 Dey 1404"),
        (date(2022, 9, 16), "۲۵ شهریور ۱۴۰۱", "25 Shahrivar 1401"),
        ("2022-09-16T12:00:00Z", "۲۵ شهریور ۱۴۰۱", "25 Shahrivar 1401"),
        (date(2025, 3, 21), "۱ فروردین ۱۴۰۴", "1 Farvardin 1404"),
        (None, "", ""),
    ],
)
def test_solar_hijri(value: Any, fa: str, en: str) -> None:
    assert i18n.solar_hijri(value, "fa") == fa
    assert i18n.solar_hijri(value, "en") == en


def test_gregorian() -> None:
    at = datetime(2026, 1, 8, 9, 30, tzinfo=UTC)
    assert i18n.gregorian(at, "en") == "2026-01-08 09:30 UTC"
    assert i18n.gregorian(at, "fa") == "۲۰۲۶-۰۱-۰۸ ۰۹:۳۰ UTC"
    assert i18n.gregorian(at, "fa", with_time=False) == "۲۰۲۶-۰۱-۰۸"
    assert i18n.gregorian("2022-09-16T12:00:00+03:30", "en") == "2022-09-16 08:30 UTC"
    assert i18n.gregorian(None, "fa") == ""


# --- pages ---------------------------------------------------------------------------------------
def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def session_csrf(client: TestClient) -> str:
    """The session's CSRF token, as pages carry it."""
    return csrf_of(client.get("/account").text)


def _lang(html: str) -> tuple[str, str]:
    found = HTML_TAG.search(html)
    assert found, "no <html lang dir> tag"
    return found.group(1), found.group(2)


def _persian(msgid: str) -> str:
    return str(_catalog(PO)[msgid].string)


def _switch(client: TestClient, language: str) -> None:
    response = client.post(
        "/account/language",
        data={"language": language, "csrf_token": session_csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_pages_are_persian_by_default_and_english_after_switching(
    client_for: Callable[[str], TestClient],
) -> None:
    client = client_for("viewer")
    page = client.get("/items")
    assert _lang(page.text) == ("fa", "rtl")
    assert f"<h1>{_persian('Evidence')}</h1>" in page.text
    assert _persian("The language was changed.") in client.get("/account?done=language").text
    _switch(client, "en")
    page = client.get("/items")
    assert _lang(page.text) == ("en", "ltr")
    assert "<h1>Evidence</h1>" in page.text
    assert "The language was changed." in client.get("/account?done=language").text
    _switch(client, "fa")
    assert _lang(client.get("/account").text) == ("fa", "rtl")


def test_error_pages_are_translated(client_for: Callable[[str], TestClient]) -> None:
    client = client_for("viewer")
    page = client.get("/admin/users")
    assert page.status_code == 403
    assert _lang(page.text) == ("fa", "rtl")
    assert _persian("only an admin may do this") in page.text
    assert _persian("Something went wrong") in page.text
    _switch(client, "en")
    assert "only an admin may do this" in client.get("/admin/users").text


def test_the_login_page_follows_the_language_cookie(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver") as visitor:
        page = visitor.get("/login")
        assert _lang(page.text) == ("fa", "rtl")
        assert _persian("Sign in") in page.text
        # Double submit: the form's token and the gavah_form cookie the client now holds.
        response = visitor.post(
            "/language",
            data={"language": "en", "next": "/login", "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/login"
        page = visitor.get("/login")
        assert _lang(page.text) == ("en", "ltr")
        assert "<h1>Sign in</h1>" in page.text
        refused = visitor.post(
            "/language", data={"language": "fa", "next": "/login", "csrf_token": "forged"}
        )
        assert refused.status_code == 403
        assert _lang(visitor.get("/login").text) == ("en", "ltr")


def test_an_item_page_shows_both_calendars(
    client_for: Callable[[str], TestClient], items: dict[str, str]
) -> None:
    client = client_for("viewer")
    before = datetime.now(UTC)
    page = client.get(f"/items/{items['alpha']}")
    after = datetime.now(UTC)
    assert page.status_code == 200
    assert 'class="date-hijri"' in page.text
    assert any(i18n.solar_hijri(at, "fa") in page.text for at in (before, after))
    assert any(i18n.gregorian(at, "fa", with_time=False) in page.text for at in (before, after))
    _switch(client, "en")
    page = client.get(f"/items/{items['alpha']}")
    assert any(i18n.solar_hijri(at, "en") in page.text for at in (before, after))


# --- every template, in both languages -----------------------------------------------------------
PAGE_TEMPLATES = frozenset(
    p.name
    for p in (WEB / "templates").glob("*.html")
    if not p.name.startswith("_") and p.name != "base.html"
)


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[tuple[str, str]]]:
    """The (language, template) pairs the pages render during the test."""
    seen: set[tuple[str, str]] = set()
    real = i18n.environment  # what the page renderer calls

    class Spy:
        def __init__(self, language: str) -> None:
            self.language = language
            self.env = real(language)

        def get_template(self, name: str) -> Any:
            seen.add((self.language, name))
            return self.env.get_template(name)

    monkeypatch.setattr(render_module, "environment", Spy)
    yield seen


def _ok(response: Any, language: str) -> str:
    assert response.status_code == 200, response.text[:2000]
    html: str = response.text
    assert _lang(html) == (language, i18n.DIRECTION[language])
    return html


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_template_renders_in_both_languages(
    language: str,
    app: FastAPI,
    person: Callable[..., Any],
    signed_in: Callable[[FastAPI, Any], TestClient],
    items: dict[str, str],
    rendered: set[tuple[str, str]],
    vault: Vault,
    tmp_path: Path,
) -> None:
    _one_incident(vault, items["alpha"])
    admin = signed_in(app, person("i18n-admin", "admin"))
    if language != "fa":
        _switch(admin, language)
    for path in (
        "/",
        "/items",
        "/items?q=report",
        f"/items/{items['alpha']}",
        f"/items/{items['alpha']}/redaction",
        "/upload",
        "/bundles/open",
        "/account",
        "/admin/users",
        "/admin/audit",
        "/account/enrol",
        "/collections",
        "/incidents",
        "/incidents/i18n-incident",
        "/claims/i18n-claim",
        "/sources",
        "/sources/i18n-source",
        "/review",
        "/harm",
    ):
        _ok(admin.get(path), language)
    missing = admin.get("/items/no-such-item")
    assert missing.status_code == 404 and _lang(missing.text)[0] == language
    token = session_csrf(admin)
    _victim_pages(admin, vault, tmp_path, token, language)
    _sanctions_pages(admin, vault, language)
    _ok(admin.post("/account/tokens", data={"name": "script", "csrf_token": token}), language)
    link = _ok(
        admin.post(
            "/admin/users",
            data={"name": "newcomer", "role": "viewer", "collection": "alpha", "csrf_token": token},
        ),
        language,
    )
    setup_path = re.search(r"(/setup/[\w-]+)", link)
    assert setup_path, "no setup link on the page"
    admin.close()

    with TestClient(app, base_url="https://testserver") as visitor:
        form = visitor.get("/login").text
        visitor.post(
            "/language",
            data={"language": language, "next": "/login", "csrf_token": csrf_of(form)},
        )
        _ok(visitor.get("/login"), language)
        setup = _ok(visitor.get(setup_path.group(1)), language)
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup)
        assert secret, "no TOTP secret on the setup page"
        codes = visitor.post(
            setup_path.group(1),
            data={
                "password": "a long enough test password",
                "password_again": "a long enough test password",
                "secret": secret.group(1),
                "code": next_code(secret.group(1)),
                "csrf_token": csrf_of(setup),
            },
        )
        _ok(codes, language)

    analyst = person("i18n-analyst", "analyst")
    with TestClient(app, base_url="https://testserver") as half:
        token = csrf_of(half.get("/login").text)
        half.post(
            "/login", data={"name": analyst.name, "password": analyst.password, "csrf_token": token}
        )
        code_page = half.get("/login/code")
        if language != "fa":  # the account's language, chosen from the header's switch
            half.post(
                "/language",
                data={
                    "language": language,
                    "next": "/login/code",
                    "csrf_token": csrf_of(code_page.text),
                },
            )
            code_page = half.get("/login/code")
        _ok(code_page, language)

    missed = {name for name in PAGE_TEMPLATES if (language, name) not in rendered}
    assert not missed, f"templates this test does not render (add a page for them): {missed}"


def _victim_pages(
    admin: TestClient, vault: Vault, tmp_path: Path, token: str, language: str
) -> None:
    """The victim register's pages, on three small synthetic lists linked as the CLI links them."""
    population = synthetic.people(30, seed=3)
    register = Register(vault)
    for j, records in enumerate(synthetic.lists(population, [0.7, 0.6, 0.5], seed=4)):
        path = tmp_path / f"victims-{j}.csv"
        synthetic.write_csv(records, path)
        register.import_list(path, ListInfo(synthetic.list_prefix(j)), {"name_fa": "name_fa"})
    People(vault).run_linkage(None, seed=1)
    record = f"{synthetic.list_prefix(0)}:2"
    for path in ("/victims", f"/victims/records/{record}", "/victims/review", "/victims/import",
                 "/victims/estimate", "/victims/estimate?run=true"):  # fmt: skip
        _ok(admin.get(path), language)
    staged = admin.post(
        "/victims/import",
        data={"list_name": "I18N", "calendar": "auto", "csrf_token": token},
        files={"file": ("list.csv", b"name,date\nSomeone (synthetic),1401/06/30\n")},
        follow_redirects=False,
    )
    where = staged.headers["location"]
    _ok(admin.get(where), language)
    _ok(admin.post(where, data={"col-0": "name", "col-1": "date", "csrf_token": token}), language)


def _sanctions_pages(admin: TestClient, vault: Vault, language: str) -> None:
    """The sanctions pages on the OFAC excerpt and a synthetic registry entity."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
    Sanctions(vault).import_list(fixtures / "ofac", "ofac", "ofac")
    made = Registry(vault).add("Person", {"name": ["Esmail Ahmadi Moghadam"]}, source="synthetic")
    entity = made["id"]
    for path in ("/sanctions", "/sanctions/screen?name=Ahmadi", "/sanctions/review", "/registry",
                 f"/registry/entities/{entity}", "/registry/new", f"/registry/entities/{entity}/edit"):  # fmt: skip
        _ok(admin.get(path), language)


def _one_incident(vault: Vault, evidence: str) -> None:
    """An incident with a claim and an assessment awaiting review, for the verification pages."""
    made = Verification(vault, Asker.operator("i18n-analyst"))
    made.add_source("A witness (synthetic)", "witness", collection="alpha", grade="C",
                    reason="synthetic", source_id="i18n-source")  # fmt: skip
    made.add_incident("An incident (synthetic)", "mass-arrest", collection="alpha",
                      place="Tehran", date="1404/10/18", incident_id="i18n-incident")  # fmt: skip
    made.add_claim("It happened (synthetic)", "occurred", incident_id="i18n-incident",
                   claim_id="i18n-claim")  # fmt: skip
    made.assess("i18n-claim", "i18n-source", stance="supports", credibility=2, evidence=evidence)


def test_numbers_take_persian_separators_between_persian_digits() -> None:
    """A threshold read "۰.۹" and a count "۱,۲۳۴": a Latin point or comma between Persian digits."""
    assert i18n.digits("0.9", "fa") == "۰٫۹"
    assert i18n.digits("12,345,678 records", "fa") == "۱۲٬۳۴۵٬۶۷۸ records"
    assert i18n.digits("2026-01-17 12:30", "fa") == "۲۰۲۶-۰۱-۱۷ ۱۲:۳۰"
    assert i18n.digits("Karaj, Alborz. 3.", "fa") == "Karaj, Alborz. ۳."  # no digit on both sides
    assert i18n.digits("0.9, 1,234", "en") == "0.9, 1,234"


def test_sizes_read_as_persian_in_persian() -> None:
    """Persian digits took a Latin point and an English unit ("۳.۵ KiB")."""
    assert i18n.filesize(3603, "fa") == "۳٫۵ کیلوبایت"
    assert i18n.filesize(3603, "en") == "3.5 KiB"
    assert i18n.filesize(12, "fa") == "۱۲ بایت"
    assert i18n.filesize(5 * 1024**4, "en") == "5120.0 GiB"


def test_event_details_speak_the_pages_language() -> None:
    """Custody and audit details showed their keys, Python lists and gavah's own words in
    English on Persian pages; someone's data (a collection's name) stays as it is."""
    detail = {"collections": ["alpha", "بتا"], "via": "web page", "mtime": "2026-12-07T08:40:00Z"}
    template = (
        '{% import "_detail.html" as d %}'
        "{% for k, v in detail.items() %}[{{ d.label(k) }}={{ d.value(k, v) }}]{% endfor %}"
        "{{ d.role('reviewer') }}"
    )
    fa = i18n.environment("fa").from_string(template).render(detail=detail)
    assert "[مجموعه‌ها=" in fa and "alpha</bdi>، <bdi" in fa and "[از راه=صفحه وب]" in fa
    assert "۲۰۲۶-۱۲-۰۷ ۰۸:۴۰ UTC" in fa and "بازبین" in fa and "['alpha'" not in fa
    en = i18n.environment("en").from_string(template).render(detail=detail)
    assert "[through=web page]" in en and "[modified=2026-12-07 08:40 UTC]" in en
    assert ">reviewer</span>" in en
