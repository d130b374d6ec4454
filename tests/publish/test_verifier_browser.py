"""The in-page verifier in Chromium, offline: a site built from the trap workspace (synthetic),
opened from disk with the network cut off; a published file is "verified", the same file with one
byte changed is "not verified", in WebCrypto's Ed25519 and in the vendored noble-ed25519 fallback.

Uses the browser helpers of tests/e2e/test_browser_e2e.py (Chromium path, launch arguments, the
skip or fail when it is missing). With GAVAH_SCREENSHOTS=1 it writes docs/screenshots/site-*.png.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from publish_example import build

from e2e.test_browser_e2e import CHROMIUM, LAUNCH_ARGS, SCREENSHOTS, SHOT_DIR, _require_browser
from gavah.publish import site
from gavah.vault import Vault
from gavah.verify.store import Verification

NO_WEBCRYPTO_ED25519 = """
(() => {
  const subtle = crypto.subtle, importKey = subtle.importKey.bind(subtle);
  subtle.importKey = (format, key, alg, ...rest) =>
    alg && (alg === "Ed25519" || alg.name === "Ed25519")
      ? Promise.reject(new DOMException("no Ed25519 here", "NotSupportedError"))
      : importKey(format, key, alg, ...rest);
})();
"""


@pytest.fixture
def built(vault: Vault, tmp_path: Path) -> Path:
    _require_browser()
    build(vault, tmp_path)
    out = tmp_path / "SITE"
    site.build(Verification(vault), out)
    return out


@pytest.fixture
def offline() -> Iterator[Any]:
    """A browser context with the network cut off: offline, and every request that is not a
    file of the site aborted and recorded; console errors and CSP reports recorded too."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(
            service_workers="block", viewport={"width": 1280, "height": 900}
        )
        context.set_offline(True)
        seen: dict[str, list[str]] = {"foreign": [], "errors": []}

        def cut(route: Any) -> None:
            if urlsplit(route.request.url).scheme in ("file", "data", "blob"):
                route.continue_()
            else:
                seen["foreign"].append(route.request.url)
                route.abort("internetdisconnected")

        context.route("**/*", cut)
        context.seen = seen  # type: ignore[attr-defined]
        yield context
        context.close()
        browser.close()
        assert not seen["foreign"], f"requests left the disk: {seen['foreign']}"
        assert not seen["errors"], "\n".join(seen["errors"])


def _console(errors: list[str], msg: Any) -> None:
    """Console errors, but the failed load of a proof that does not exist: that is how the
    verifier learns a file was not published (the "not verified" case)."""
    url = (msg.location or {}).get("url", "")
    expected = msg.text.startswith("Failed to load resource") and "/integrity/proofs/" in url
    if msg.type == "error" and not expected or "Content Security Policy" in msg.text:
        errors.append(f"{msg.text} ({url})")


def _page(context: Any, url: str) -> Any:
    page = context.new_page()
    page.on("console", lambda m: _console(context.seen["errors"], m))
    page.on("pageerror", lambda exc: context.seen["errors"].append(f"uncaught: {exc}"))
    page.goto(url)
    return page


def _check(page: Any, path: Path) -> str:
    from playwright.sync_api import expect

    page.evaluate("document.getElementById('verdict').removeAttribute('data-result')")
    page.set_input_files("#file", str(path))
    verdict = page.locator("#verdict[data-result]")
    expect(verdict).to_be_visible(timeout=20_000)
    return str(verdict.get_attribute("data-result"))


def _changed_copy(source: Path, tmp: Path) -> Path:
    data = bytearray(source.read_bytes())
    data[len(data) // 2] ^= 0x01
    target = tmp / source.name
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize("ed25519", ["webcrypto", "noble"])
def test_verified_for_a_published_file_and_not_for_one_changed_byte(
    built: Path, offline: Any, tmp_path: Path, ed25519: str
) -> None:
    if ed25519 == "noble":
        offline.add_init_script(NO_WEBCRYPTO_ED25519)
    page = _page(offline, (built / "en" / "verify.html").as_uri())
    published = next((built / "en" / "incidents").glob("i-*.html"))
    assert _check(page, published) == "verified"
    steps = page.locator("#steps").inner_text()
    assert "inclusion proof" in steps
    assert ("noble-ed25519" if ed25519 == "noble" else "WebCrypto Ed25519") in steps
    figures = built / "figures" / "harm.json"
    assert _check(page, figures) == "verified"
    changed = _changed_copy(published, tmp_path)
    assert _check(page, changed) == "not verified"
    assert "no file with this SHA-256" in page.locator("#steps").inner_text()


def test_persian_page_says_it_in_persian_and_pages_render_from_disk(
    built: Path, offline: Any
) -> None:
    from playwright.sync_api import expect

    page = _page(offline, (built / "fa" / "verify.html").as_uri())
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert _check(page, built / "static" / "site.css") == "verified"
    expect(page.locator("#verdict")).to_have_text("تأیید شد")
    for lang in ("fa", "en"):
        page = _page(
            offline,
            (built / "index.html").as_uri()
            if lang == "fa"
            else (built / "en" / "index.html").as_uri(),
        )
        expect(page.locator("html")).to_have_attribute("lang", lang)
        incident = next((built / lang / "incidents").glob("i-*.html"))
        page.goto(incident.as_uri())
        expect(page.locator("main h1")).to_contain_text("Karaj")
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Vazirmatn" in font
        if SCREENSHOTS:
            page.evaluate("document.fonts.ready.then(() => true)")
            SHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOT_DIR / f"site-incident-{lang}.png"), full_page=True)
            page.goto((built / lang / "verify.html").as_uri())
            page.set_input_files("#file", str(incident))
            expect(page.locator("#verdict[data-result]")).to_be_visible(timeout=20_000)
            page.screenshot(path=str(SHOT_DIR / f"site-verify-{lang}.png"), full_page=True)


def test_chromium_is_really_there_when_required() -> None:
    if os.environ.get("GAVAH_REQUIRE_BROWSER") == "1":
        assert CHROMIUM.is_file()
