"""Verification from the browser: the forms that add sources, incidents, claims, links and
assessments, and grade and relate sources (pages/verify_forms.py), posted as a browser posts
them. Each change must be the same ``verify.*`` custody event the command line writes (``log
verify`` replays them), by ``web:NAME``; the same input is refused the same way; writing needs
the analyst or reviewer role in the collection, and nothing of a collection one may not see
can be reached. Everything here is synthetic."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah.verify.access import Asker
from gavah.verify.store import Verification

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, path: str = "/sources") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, path
    return found.group(1)


def post(client: TestClient, path: str, data: dict[str, str], page: str = "/account") -> Any:
    return client.post(
        path, data={**data, "csrf_token": csrf(client, page)}, follow_redirects=False
    )


@pytest.fixture
def people(
    app: FastAPI, person: Callable[..., Any], signed_in: Callable[[FastAPI, Any], TestClient]
) -> dict[str, TestClient]:
    made = {
        "analyst": person("analyst", "analyst", ("alpha",)),
        "reviewer": person("reviewer", "reviewer", ("alpha",)),
        "viewer": person("viewer", "viewer", ("alpha",)),
    }
    return {name: signed_in(app, who) for name, who in made.items()}


@pytest.fixture
def beta(vault: Vault) -> None:
    """An incident and a source in beta, which none of the people above may see."""
    b = Verification(vault, Asker.operator("beta-analyst"))
    b.add_source("BETA-SECRET src", "ngo", collection="beta", grade="A", reason="x", source_id="bs")
    b.add_incident("BETA-SECRET incident", "execution", collection="beta", incident_id="beta-inc")
    b.add_claim("BETA-SECRET claim", "occurred", incident_id="beta-inc", claim_id="beta-claim")


def _location(response: Any) -> str:
    assert response.status_code == 303, response.text[:500]
    return str(response.headers["location"])


def test_the_worked_example_through_the_forms(
    people: dict[str, TestClient], vault: Vault, items: dict[str, str], beta: None
) -> None:
    a = people["analyst"]
    a.post("/account/language", data={"language": "en", "csrf_token": csrf(a, "/account")})
    page = a.get("/sources").text
    assert 'action="/sources"' in page and "BETA-SECRET" not in page
    witness = _location(
        post(
            a,
            "/sources",
            {
                "name": "Witness W-12 (synthetic)",
                "kind": "witness",
                "collection": "alpha",
                "grade": "C",
                "reason": "first-hand; not known before",
            },
        )
    )
    channel = _location(
        post(
            a,
            "/sources",
            {
                "name": "Channel One (synthetic)",
                "kind": "channel",
                "collection": "alpha",
                "grade": "C",
                "reason": "accurate before",
            },
        )
    )
    witness_id, channel_id = witness.rsplit("/", 1)[1], channel.rsplit("/", 1)[1]
    _location(post(a, f"{channel}/relations", {"relation": "relays", "other": witness_id}))
    _location(post(a, f"{witness}/grade", {"grade": "B", "reason": "met in person"}))
    shown = a.get(witness).text
    assert "met in person" in shown and "first-hand; not known before" in shown
    assert "Channel One (synthetic)" in shown  # counts as one voice with the witness

    incident = _location(
        post(
            a,
            "/incidents",
            {
                "title": "Protesters shot in Karaj (synthetic)",
                "kind": "killing-at-protest",
                "collection": "alpha",
                "place": "کرج",
                "date": "۸ مهر ۱۴۰۱",
                "killed": "۲-۳",
                "injured": "",
            },
            "/incidents",
        )
    )
    incident_id = incident.rsplit("/", 1)[1]
    claim = _location(
        post(
            a,
            f"{incident}/claims",
            {"statement": "Live rounds killed at least two (synthetic)", "kind": "occurred"},
            incident,
        )
    )
    claim_id = claim.rsplit("/", 1)[1]
    _location(post(a, f"{claim}/links", {"kind": "evidence", "target": items["alpha"]}))
    for source in (witness_id, channel_id):
        _location(
            post(
                a,
                f"{claim}/assessments",
                {
                    "source": source,
                    "stance": "supports",
                    "credibility": "2",
                    "evidence": items["alpha"],
                    "content_analysis": "geolocated (synthetic)",
                },
                claim,
            )
        )

    store = Verification(vault)
    found = store.incident(incident_id)
    assert (found["province"], found["date"], found["killed"]) == ("Alborz", "2022-09-30", [2, 3])
    read, level = store.claims_read([claim_id])[0]
    assert read["actor"] == "web:analyst"
    assert {a["source"] for a in read["assessments"]} == {witness_id, channel_id}
    assert level.airwars == "ungraded"  # nobody else has agreed yet
    assert [link["target"] for link in read["links"]] == [items["alpha"]]
    queue = people["reviewer"].get("/review").text
    assert "Live rounds killed at least two" in queue  # in the reviewer's queue
    assert verify_workspace(vault, check_blobs=False).problems == []  # replayed from the log


def test_a_viewer_sees_no_form_and_may_not_post(
    people: dict[str, TestClient], vault: Vault
) -> None:
    v = people["viewer"]
    assert 'action="/sources"' not in v.get("/sources").text
    assert 'action="/incidents"' not in v.get("/incidents").text
    refused = post(
        v,
        "/incidents",
        {"title": "x", "kind": "execution", "collection": "alpha"},
        "/incidents",
    )
    assert refused.status_code == 403
    assert Verification(vault).incidents() == []


def test_nothing_lands_in_or_reveals_a_collection_one_may_not_see(
    people: dict[str, TestClient], vault: Vault, beta: None
) -> None:
    a = people["analyst"]
    for path, data in (
        ("/incidents", {"title": "x", "kind": "execution", "collection": "beta"}),
        (
            "/sources",
            {"name": "x", "kind": "ngo", "collection": "beta", "grade": "A", "reason": "x"},
        ),
    ):
        assert post(a, path, data).status_code == 403
    for path, data in (
        ("/incidents/beta-inc/claims", {"statement": "x", "kind": "other"}),
        ("/claims/beta-claim/links", {"kind": "entity", "target": "x"}),
        (
            "/claims/beta-claim/assessments",
            {"source": "bs", "stance": "supports", "credibility": "1"},
        ),
        ("/sources/bs/grade", {"grade": "F", "reason": "x"}),
        ("/sources/bs/relations", {"relation": "copies", "other": "bs"}),
    ):
        refused = post(a, path, data)
        assert refused.status_code == 404, path
        assert "BETA-SECRET" not in refused.text
    for path in ("/sources/bs", "/incidents/beta-inc", "/claims/beta-claim"):
        assert a.get(path).status_code == 404
    beta_claim, _ = Verification(vault).claims_read(["beta-claim"])[0]
    assert beta_claim["assessments"] == [] and beta_claim["links"] == []


def test_bad_input_is_refused_with_a_reason_and_stores_nothing(
    people: dict[str, TestClient], vault: Vault
) -> None:
    a = people["analyst"]
    a.post("/account/language", data={"language": "en", "csrf_token": csrf(a, "/account")})
    for data, says in (
        ({"killed": "many"}, "not a number or MIN-MAX"),
        ({"killed": "5-2"}, "killed"),
        ({"kind": "riot"}, "kind of incident"),
        ({"date": "1401/13/40"}, "date"),
    ):
        form = {"title": "x (synthetic)", "kind": "execution", "collection": "alpha", **data}
        refused = post(a, "/incidents", form, "/incidents")
        assert refused.status_code == 400, data
        assert says in refused.text, (data, refused.text[:800])
        assert "Traceback" not in refused.text
    assert Verification(vault).incidents() == []
    no_token = a.post(
        "/incidents",
        data={"title": "x", "kind": "execution", "collection": "alpha"},
        follow_redirects=False,
    )
    assert no_token.status_code == 403
    assert Verification(vault).incidents() == []
