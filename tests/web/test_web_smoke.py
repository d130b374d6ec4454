"""The web workspace's main path works end to end: sign in with TOTP, list, search, view."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_viewer_lists_searches_and_views_and_the_view_is_on_the_timeline(
    client_for: Callable[[str], TestClient], items: dict[str, str]
) -> None:
    viewer = client_for("viewer")
    listing = viewer.get("/items")
    assert listing.status_code == 200
    assert items["alpha"] in listing.text
    assert items["beta"] not in listing.text  # need to know: no grant in beta
    found = viewer.get("/items", params={"q": "alpha-rep"})
    assert items["alpha"] in found.text
    page = viewer.get(f"/items/{items['alpha']}")
    assert page.status_code == 200
    assert 'data-kind="evidence.viewed"' in page.text
    assert "web:viewer-0" in page.text
    assert viewer.get(f"/items/{items['beta']}").status_code == 404
