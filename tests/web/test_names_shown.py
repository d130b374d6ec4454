"""Names cannot disguise themselves (issue 13, finding 10): a file name holding a right-to-left
override (U+202E) or another invisible character is shown isolated and with the character made
visible, on every page and in the terminal; the stored name is unchanged, and Persian's
zero-width non-joiner stays what it is.

Every file and name here is synthetic.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gavah.intake.ingest import ingest
from gavah.vault import Vault
from gavah.web.bidi import shown, shown_text
from gavah_cli import gavah

DISGUISED = "invoice\u202egpj.exe"  # reads as "invoiceexe.jpg"
COLLECTION = "field\u2067notes"  # a right-to-left isolate, never closed
SOURCE = "courier\u200b\u061cname"  # a zero-width space and an Arabic letter mark
PERSIAN = "گزارش\u200cشاهد.txt"  # the ZWNJ belongs to the word
CONTROLS = ("\u202e", "\u2067", "\u200b", "\u061c")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    """What a page shows as text (attribute values, such as a filter's exact value, aside)."""
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


@pytest.fixture
def disguised(vault: Vault, tmp_path: Path) -> dict[str, str]:
    made = {}
    for name in (DISGUISED, PERSIAN):
        folder = tmp_path / str(len(made))
        folder.mkdir()
        (folder / name).write_bytes(f"synthetic content of {name}\n".encode())
        summary = ingest(vault, [os.fsencode(folder / name)], collection=COLLECTION, source=SOURCE)
        made[name] = summary.items[0]["id"]
    return made


def test_pages_isolate_names_and_show_their_invisible_characters(
    app: FastAPI,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
    disguised: dict[str, str],
) -> None:
    admin = signed_in(app, person("looker", "admin"))
    pages = {
        "list": admin.get("/items").text,
        "item": admin.get(f"/items/{disguised[DISGUISED]}").text,
        "collections": admin.get("/collections").text,
        "upload": admin.get("/upload").text,
    }
    for where, html in pages.items():
        shown_as_text = text_of(html)
        assert not [c for c in CONTROLS if c in shown_as_text], where  # none acts on the page
        mark = "field⟨U+2067⟩notes" if where == "upload" else '"RIGHT-TO-LEFT ISOLATE">U+2067<'
        assert mark in html, where  # the collection's name, in markup or in an <option>
    override = '<bdi dir="auto">invoice<span class="ctl" title="RIGHT-TO-LEFT OVERRIDE">'
    for where in ("list", "item"):
        assert override in pages[where], where
        assert "U+200B" in pages[where] and "U+061C" in pages[where]  # the source
    assert f'<bdi dir="auto">{PERSIAN}</bdi>' in pages["list"]  # the ZWNJ stays in the word
    assert "field⟨U+2067⟩notes" in pages["list"]  # in the collection filter's <option>
    # The name itself is kept exactly; the API hands it back as data.
    detail = admin.get(f"/api/v1/items/{disguised[DISGUISED]}").json()
    assert detail["acquisitions"][0]["filename"] == DISGUISED
    admin.close()


def test_the_terminal_shows_escapes_and_json_keeps_the_name(
    disguised: dict[str, str], cli_env: dict[str, str]
) -> None:
    text = gavah(cli_env, "show", disguised[DISGUISED])
    assert text.returncode == 0, text.stderr
    assert not [c for c in CONTROLS if c in text.stdout]
    assert "invoice\\u202egpj.exe" in text.stdout
    as_json = gavah(cli_env, "show", disguised[DISGUISED], "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert not [c for c in CONTROLS if c in as_json.stdout]
    data = json.loads(as_json.stdout)
    assert data["acquisitions"][0]["filename"] == DISGUISED
    assert data["acquisitions"][0]["collection"] == COLLECTION


def test_shown_marks_only_what_hides() -> None:
    assert str(shown("plain name")) == '<bdi dir="auto">plain name</bdi>'
    assert str(shown("<b>")) == '<bdi dir="auto">&lt;b&gt;</bdi>'
    assert str(shown(PERSIAN)) == f'<bdi dir="auto">{PERSIAN}</bdi>'
    assert str(shown("a\nb\tc")) == '<bdi dir="auto">a\nb\tc</bdi>'
    assert shown_text("a\u202eb\u2029c") == "a⟨U+202E⟩b⟨U+2029⟩c"
    assert shown_text("tag\U000e0041") == "tag⟨U+E0041⟩"
