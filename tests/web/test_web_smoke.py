"""The web workspace's main path works end to end: sign in with TOTP, list, search, view."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from gavah.workspace import Workspace


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


def test_every_worker_checks_the_preview_tickets_another_issued(workspace: Workspace) -> None:
    """`gavah serve --workers N` runs N apps on one workspace: a ticket one of them put in a
    page must open the preview in whichever of them the browser's next request reaches."""
    from gavah.web import create_app

    first, second = create_app(workspace.settings), create_app(workspace.settings)
    key = first.state.gavah.ticket_key
    assert key == second.state.gavah.ticket_key and len(key) == 32
    first.state.gavah.workspace.close()
    second.state.gavah.workspace.close()
