"""A text file's page shows its start (issue 18: "a Persian .txt has no preview"): escaped, never
interpreted, invisible direction controls made visible, and a hint when there is more."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from gavah.intake.ingest import ingest
from gavah.media import preview
from gavah.vault import Vault


def _item(vault: Vault, folder: Path, name: str, data: bytes) -> str:
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    summary = ingest(vault, [os.fsencode(folder / name)], collection="alpha")
    evidence_id: str = summary.items[0]["id"]
    return evidence_id


def test_a_persian_text_is_shown_escaped_on_its_page(
    app: FastAPI,
    vault: Vault,
    tmp_path: Path,
    person: Callable[..., Any],
    signed_in: Callable[..., TestClient],
) -> None:
    body = "گزارش ساختگی شاهد\n<script>alert(1)</script>\nنام\u202eمعکوس\n"
    short = _item(vault, tmp_path / "in", "report.txt", body.encode())
    long = _item(vault, tmp_path / "in", "long.csv", b"a,b,c\n" + b"1,2,3\n" * 20_000)
    viewer = signed_in(app, person("reader", "viewer"))
    page = viewer.get(f"/items/{short}").text
    assert '<pre class="text-preview" dir="auto">' in page
    assert "گزارش ساختگی شاهد" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "\u202e" not in page and "⟨" in page  # the override is shown as a mark, not obeyed
    assert "Only the start" not in page and "تنها آغاز فایل" not in page
    more = viewer.get(f"/items/{long}").text
    assert "تنها آغاز فایل" in more  # the account's language is Persian by default
    assert more.count("1,2,3") < 20_000
    viewer.close()


def test_the_start_of_a_text_ends_on_a_whole_line() -> None:
    lines, more = preview.text_preview("یک\nدو\nسه".encode()[:-1], complete=False)
    assert lines == ["یک", "دو"] and more
    lines, more = preview.text_preview("یک\nدو\n".encode(), complete=True)
    assert lines == ["یک", "دو"] and not more
    assert preview.kind_of("text/csv", 10**12) == "text"
