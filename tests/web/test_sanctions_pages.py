"""The sanctions pages: the gap report with its filters, screening one name, and the review of
match candidates, on the real list excerpts of tests/fixtures/sanctions.

The registry's entities are synthetic, or say only what the OFAC excerpt itself says of a listed
person (as tests/sanctions/test_gaps.py). The gap report and the candidates show the registry,
so only those granted its collection see them; screening searches the public lists alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from conftest import csrf_of, sign_in
from gavah.registry import COLLECTION
from gavah.registry.store import Registry
from gavah.sanctions.store import Judgements, Sanctions
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
SECRET = "Secret Synthetic Person"


@pytest.fixture
def world(vault: Vault) -> None:
    Sanctions(vault).import_list(FIXTURES / "ofac", "ofac", "ofac")
    registry = Registry(vault)
    # What OFAC's own entry says, spelt another way: a designation or a candidate.
    registry.add("Person", {"name": ["Esmail Ahmadi Moghadam"]}, source="synthetic test")
    registry.add("Person", {"name": [SECRET]}, source="synthetic test")


@pytest.fixture
def client_in(app: FastAPI, person: Callable[..., Any]) -> Callable[..., TestClient]:
    made: list[int] = []

    def make(role: str, collections: tuple[str, ...] = (COLLECTION,)) -> TestClient:
        made.append(1)
        return sign_in(app, person(f"{role}-{len(made)}", role, collections))

    return make


def test_the_gap_report_with_filters(world: None, client_in: Any) -> None:
    viewer = client_in("viewer")
    page = viewer.get("/sanctions")
    assert page.status_code == 200
    assert SECRET in page.text and "Moghadam" in page.text
    assert re.search(r'data-entity="[^"]+"', page.text)
    only_eu = viewer.get("/sanctions", params={"jurisdiction": "eu"})
    assert only_eu.status_code == 200 and ">US<" not in only_eu.text
    by_unit = viewer.get("/sanctions", params={"unit": "no such unit anywhere"})
    assert SECRET not in by_unit.text
    assert viewer.get("/sanctions", params={"regime": "piracy"}).status_code == 400
    assert viewer.get("/sanctions", params={"confidence": "2"}).status_code == 400


def test_screening_one_name_leaves_no_name_in_the_audit(
    world: None, client_in: Any, accounts: Any
) -> None:
    outsider = client_in("viewer", ("alpha",))  # the lists are shared: anyone may screen
    page = outsider.get("/sanctions/screen", params={"name": "Ahmadi-Moghaddam, Esmail"})
    assert page.status_code == 200
    assert 'section class="card screened"' in page.text and "ofac:" in page.text
    assert SECRET not in page.text
    events = accounts.events(limit=50)
    assert any("web-screen" in str(e) for e in events)
    assert not any("Moghaddam" in str(e) for e in events)


def test_the_registry_pages_are_closed_to_others(world: None, client_in: Any) -> None:
    outsider = client_in("reviewer", ("alpha",))
    for path in ("/sanctions", "/sanctions/review"):
        response = outsider.get(path)
        assert response.status_code == 403 and SECRET not in response.text


def test_candidates_are_judged_as_the_cli_judges(world: None, client_in: Any, vault: Vault) -> None:
    assert client_in("analyst").get("/sanctions/review").status_code == 403
    reviewer = client_in("reviewer")
    page = reviewer.get("/sanctions/review")
    assert page.status_code == 200
    found = re.search(r'data-left="([^"]+)" data-right="([^"]+)"', page.text)
    if found is None:
        pytest.skip("the excerpt gives no candidate for the synthetic registry")
    left, right = found.groups()
    decided = reviewer.post("/sanctions/review", data={"left": left, "right": right,
                            "decision": "different", "csrf_token": csrf_of(page.text)},
                            follow_redirects=False)  # fmt: skip
    assert decided.status_code == 303
    history = Judgements(vault).history()
    assert [(j["left"], j["right"], j["judgement"]) for j in history] == [
        tuple(sorted((left, right))) + ("different",)
    ]
    assert history[0]["actor"].startswith("web:reviewer")
    assert f'data-left="{left}" data-right="{right}"' not in reviewer.get("/sanctions/review").text
    assert verify_workspace(vault, check_blobs=False).problems == []


def test_allegations_and_their_grade_filter_by_what_one_sees(
    world: None, client_in: Any, vault: Vault
) -> None:
    """A claim of collection alpha tied to the secret person: shown, with its computed level, to
    a reader of the registry who also sees alpha; not to one who does not; and the grade
    filter keeps the entity only at a grade its claim reaches."""
    from gavah.verify.access import Asker
    from gavah.verify.store import Verification

    entity = next(e for e in Registry(vault).entities() if e.caption == SECRET)
    author = Verification(vault, Asker.operator("web:author"))
    for sid, grade in (("w", "B"), ("n", "B")):
        author.add_source(f"{sid} (synthetic)", "ngo", collection="alpha", grade=grade,
                          reason="synthetic", source_id=sid)  # fmt: skip
    author.add_claim("ALPHA-CLAIM ordered it (synthetic)", "perpetrator", collection="alpha",
                     claim_id="alleged")  # fmt: skip
    author.link_claim("alleged", "entity", str(entity.id))
    second = Verification(vault, Asker.operator("web:second"))
    for sid in ("w", "n"):
        made = author.assess("alleged", sid, stance="supports", credibility=2)
        second.review(made["assessment"]["id"], "agree", "checked")
    level = second.level("alleged").airwars
    assert level in ("fair", "confirmed")

    both = client_in("viewer", (COLLECTION, "alpha"))
    page = both.get("/sanctions").text
    assert "ALPHA-CLAIM" in page and 'href="/claims/alleged"' in page
    assert SECRET in both.get("/sanctions", params={"grade": "fair"}).text
    if level == "fair":
        assert SECRET not in both.get("/sanctions", params={"grade": "confirmed"}).text
    assert both.get("/sanctions", params={"grade": "contested"}).status_code == 400
    registry_only = client_in("viewer")
    page = registry_only.get("/sanctions").text
    assert SECRET in page and "ALPHA-CLAIM" not in page and "/claims/alleged" not in page
    assert SECRET not in registry_only.get("/sanctions", params={"grade": "weak"}).text


def _explanation(html: str) -> str:
    found = re.search(r'<ul class="explanation"[^>]*>.*?</ul>', html, re.DOTALL)
    assert found, "no explanation on the page"
    return found.group(0)


def test_the_reasons_in_persian_right_to_left_and_in_english_as_written(
    world: None, client_in: Any
) -> None:
    viewer = client_in("viewer")  # pages are Persian until the account chooses English
    asked = {"name": "Ahmadi-Moghaddam, Esmail"}
    persian = _explanation(viewer.get("/sanctions/screen", params=asked).text)
    assert persian.startswith('<ul class="explanation">') and "امتیاز نام" in persian
    assert "احتمال" in persian and "probability" not in persian
    assert '<bdi dir="auto">Ahmadi-Moghaddam, Esmail</bdi>' in persian
    switched = viewer.post(
        "/account/language",
        data={"language": "en", "csrf_token": csrf_of(viewer.get("/account").text)},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    english = _explanation(viewer.get("/sanctions/screen", params=asked).text)
    assert english.startswith('<ul class="explanation" lang="en" dir="ltr">')
    assert '<li><bdi dir="auto">name 1.00: ' in english and "امتیاز" not in english
