"""The offline field page (issue 17): sealed in headless Chromium with the network cut off,
opened by gavah. The files are synthetic."""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import pytest

from gavah.bundles.ingest import identity_text, make_key, open_bundle
from gavah.bundles.open import Damaged, Key, check_piece, choose, gather
from gavah.bundles.page import field_page
from gavah.vault import Vault

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


def _seal_in_browser(
    page_file: Path, files: list[Path], out: Path
) -> tuple[list[Path], str, list[str]]:
    """Seal ``files`` with the page, offline; the pieces it offers, its device key, and every
    request to anything but the page's own file or console error (a CSP refusal is one)."""
    from playwright.sync_api import sync_playwright

    complaints: list[str] = []
    out.mkdir()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(offline=True, accept_downloads=True)
        context.route(lambda url: not url.startswith("file:"), lambda route: route.abort())
        page = context.new_page()
        page.on(
            "request",
            lambda r: None if r.url.startswith(("file:", "blob:")) else complaints.append(r.url),
        )
        page.on("console", lambda m: complaints.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: complaints.append(str(e)))
        page.goto(page_file.as_uri())
        signer = page.text_content("#signer") or ""
        page.set_input_files("#files", [str(f) for f in files])
        page.fill("#note", "synthetic test bundle")
        page.click("#seal")
        page.wait_for_selector("body[data-sealed], body[data-failed]", timeout=120_000)
        assert page.get_attribute("body", "data-failed") is None, page.text_content("#status")
        pieces = []
        for link in page.query_selector_all("#pieces a"):
            with page.expect_download() as download:
                link.click()
            target = out / download.value.suggested_filename
            download.value.save_as(target)
            pieces.append(target)
        browser.close()
    return pieces, signer, complaints


def test_the_field_page_seals_offline_and_gavah_opens_it(vault: Vault, tmp_path: Path) -> None:
    _require_browser()
    recipient = make_key(vault.ws.settings)
    page_file = tmp_path / "field.html"
    page_file.write_text(field_page(recipient, piece_size=1_000_000), encoding="utf-8")
    rng = random.Random(9)
    field = tmp_path / "phone"
    field.mkdir()
    files = [field / "ویدیو کوچه.mp4", field / "note.txt"]
    files[0].write_bytes(rng.randbytes(2_300_000))
    files[1].write_text("synthetic witness note\n", encoding="utf-8")

    pieces, signer, complaints = _seal_in_browser(page_file, files, tmp_path / "pieces")
    assert complaints == []  # no request left the page, no CSP refusal, no error
    assert len(pieces) == 3 and {p.stat().st_size for p in pieces} == {1_000_000}

    arrived = pieces[::-1] + [pieces[1]]  # out of order, one twice
    bundle = choose(gather(arrived), None)
    assert bundle.complete and not bundle.damaged
    opened = open_bundle(
        vault, bundle, Key(identity=identity_text(vault.ws.settings.bundle_key_path))
    )
    assert opened.signer == signer and len(signer) == 64
    assert {i["name"]: i["sha256"] for i in opened.items} == {
        f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files
    }
    assert all(i["captured_at"] for i in opened.items)

    changed = bytearray(pieces[2].read_bytes())
    changed[-1] ^= 1
    pieces[2].write_bytes(bytes(changed))
    assert isinstance(check_piece(pieces[2]), Damaged)  # the page's framing covers every byte too


def test_the_field_page_is_one_file_that_loads_nothing(tmp_path: Path) -> None:
    """Without a browser: the page carries its script and style inline, pinned in its CSP, and
    names no URL to load anything from."""
    import pyrage

    from gavah.bundles.seal import DEFAULT_PIECE

    recipient = str(pyrage.x25519.Identity.generate().to_public())
    page = field_page(recipient)
    assert f'data-recipient="{recipient}"' in page and f'data-piece-size="{DEFAULT_PIECE}"' in page
    assert "connect-src 'none'" in page and "script-src 'sha256-" in page
    assert (
        " src=" not in page and "href=" not in page and "http://" not in page.split("</style>")[0]
    )
    assert "unsafe-inline" not in page and "@SCRIPT@" not in page and "@CSP@" not in page
