"""The verification pages: incidents, an incident explained, a claim, the review queue, harm.

The worked example of docs/verification.md is built in collection alpha through the store, as
the web account ``author`` (a reviewer, so that the four-eyes refusal is the author's own and
not a missing role); two other reviewers then decide through the queue's form, as a browser
posts it. A second incident in beta, named ``BETA-SECRET``, must never show to anyone not
granted beta: not in a list, a page, the queue or the harm table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gavah.intake.ingest import ingest
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah.verify.access import Asker
from gavah.verify.store import Verification

SECRET = "BETA-SECRET"
AUTHOR = "author"


def _item(vault: Vault, tmp_path: Path, collection: str, name: str) -> str:
    path = tmp_path / collection / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"synthetic {name} in {collection}\n", encoding="utf-8")
    made = ingest(vault, [os.fsencode(path)], collection=collection, source="synthetic")
    return str(made.items[0]["id"])


def build(vault: Vault, tmp_path: Path) -> dict[str, Any]:
    """docs/verification.md's worked example in alpha, by web:author; and a beta incident."""
    a = Verification(vault, Asker.operator(f"web:{AUTHOR}"))
    video = _item(vault, tmp_path, "alpha", "witness-video.txt")
    posts = [_item(vault, tmp_path, "alpha", f"post-{n}.txt") for n in (1, 2)]
    ngo = _item(vault, tmp_path, "alpha", "ngo-list.txt")
    for sid, name, kind, grade in (
        ("witness-w12", "Witness W-12 (synthetic)", "witness", "C"),
        ("channel-1", "Channel One (synthetic)", "channel", "C"),
        ("channel-2", "Channel Two (synthetic)", "channel", "D"),
        ("ngo-list", "NGO list (synthetic)", "ngo", "B"),
        ("official", "Governor's office (synthetic)", "official", "E"),
    ):
        a.add_source(name, kind, collection="alpha", grade=grade, reason="synthetic", source_id=sid)
    a.relate("channel-1", "relays", "witness-w12")
    a.relate("channel-2", "copies", "channel-1")
    a.add_incident(
        "Protesters shot at a square in Karaj (synthetic)",
        "killing-at-protest",
        collection="alpha",
        place="Karaj, Alborz",
        date="1401/07/08",
        killed=(2, 3),
        injured=(5, 12),
        incident_id="karaj-square",
    )
    a.add_claim(
        "Live rounds were fired (synthetic)",
        "occurred",
        incident_id="karaj-square",
        claim_id="karaj-occurred",
    )
    a.link_claim("karaj-occurred", "evidence", video)
    assessed = {}
    for sid, stance, cred, item in (
        ("witness-w12", "supports", 2, video),
        ("channel-1", "supports", 2, posts[0]),
        ("channel-2", "supports", 2, posts[1]),
        ("ngo-list", "supports", 2, ngo),
        ("official", "contradicts", 5, None),
    ):
        made = a.assess(
            "karaj-occurred",
            sid,
            stance=stance,
            credibility=cred,
            evidence=item,
            source_analysis=f"{sid}: synthetic",
        )
        assessed[sid] = made["assessment"]["id"]

    # Beta: seen only by those granted beta (the operator writes it, as the CLI would).
    b = Verification(vault, Asker.operator("beta-analyst"))
    beta_item = _item(vault, tmp_path, "beta", f"{SECRET}-ledger.txt")
    b.add_source(
        f"{SECRET} source", "ngo", collection="beta", grade="A", reason="x", source_id="beta-src"
    )
    b.add_incident(
        f"{SECRET} incident",
        "execution",
        collection="beta",
        place="Zanjan",
        date="2022-10",
        killed=(1, 1),
        incident_id="beta-inc",
    )
    b.add_claim(f"{SECRET} claim", "occurred", incident_id="beta-inc", claim_id="beta-claim")
    beta_asm = b.assess(
        "beta-claim", "beta-src", stance="supports", credibility=1, evidence=beta_item
    )["assessment"]["id"]
    # An alpha claim whose assessment cites an item held only in beta (the operator may):
    # alpha's readers see the assessment, never the beta item's name or id.
    a2 = Verification(vault, Asker.operator("operator"))
    a2.add_claim(
        "Shots came from the roof (synthetic)",
        "method",
        incident_id="karaj-square",
        claim_id="karaj-roof",
    )
    a2.assess("karaj-roof", "ngo-list", stance="supports", credibility=3, evidence=beta_item)
    return {"assessed": assessed, "video": video, "beta_item": beta_item, "beta_asm": beta_asm}


@pytest.fixture
def case(vault: Vault, tmp_path: Path) -> dict[str, Any]:
    return build(vault, tmp_path)


@pytest.fixture
def people(
    app: FastAPI, person: Callable[..., Any], signed_in: Callable[[FastAPI, Any], TestClient]
) -> dict[str, TestClient]:
    made = {
        AUTHOR: person(AUTHOR, "reviewer", ("alpha",)),
        "reviewer-b": person("reviewer-b", "reviewer", ("alpha",)),
        "reviewer-c": person("reviewer-c", "reviewer", ("alpha",)),
        "viewer": person("viewer", "viewer", ("alpha",)),
        "analyst": person("analyst", "analyst", ("alpha",)),
        "admin": person("admin", "admin"),
    }
    return {name: signed_in(app, who) for name, who in made.items()}


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: TestClient, path: str = "/account") -> str:
    found = CSRF.search(client.get(path).text)
    assert found
    return found.group(1)


def decide(client: TestClient, assessment: str, decision: str, note: str = "") -> Any:
    return client.post(
        f"/review/{assessment}",
        data={"decision": decision, "note": note, "csrf_token": csrf(client, "/review")},
        follow_redirects=False,
    )


def to_english(client: TestClient) -> None:
    client.post("/account/language", data={"language": "en", "csrf_token": csrf(client)})


def test_the_worked_example_through_the_pages(
    case: dict[str, Any], people: dict[str, TestClient], vault: Vault
) -> None:
    b, c, viewer = people["reviewer-b"], people["reviewer-c"], people["viewer"]
    to_english(viewer)
    page = viewer.get("/incidents/karaj-square").text
    assert "ungraded" in page and "rule <bdi" in page
    assert "a second person's review of:" in page

    queue = b.get("/review").text
    assert all(aid in queue for aid in case["assessed"].values())
    assert queue.count(" autofocus") == 1  # the first form's note
    for aid in case["assessed"].values():
        done = decide(b, aid, "agree", "analyses checked")
        assert done.status_code == 303 and done.headers["location"] == "/review?done=reviewed"
    assert decide(c, case["assessed"]["witness-w12"], "agree").status_code == 303

    to_english(c)
    page = c.get("/incidents/karaj-square").text
    assert "level-fair" in page and "reasonable grounds to believe" in page
    assert "F1" in page
    # The two channels are one voice with the witness; the denial counts for nothing.
    assert "One group, not independent of one another:" in page
    assert "reliability E with credibility ۵" not in page  # English page: Latin digits
    assert "reliability E with credibility 5 counts for nothing under the rules" in page
    assert "independent sources supporting it credibly (strong or credible): 2 now, at least 3" in (
        page
    )
    assert f'href="/items/{case["video"]}"' in page  # the evidence, linked to its item page
    assert "web:reviewer-b" in page and "web:reviewer-c" in page  # reviewers and history
    assert 'data-kind="verify.reviewed"' in page
    # Every decision is a custody event that log verify replays.
    reviewed = Verification(vault).assessment(case["assessed"]["witness-w12"])["reviews"]
    assert [r["actor"] for r in reviewed] == ["web:reviewer-b", "web:reviewer-c"]
    assert verify_workspace(vault, check_blobs=False).problems == []
    # What is left in reviewer-b's queue: the operator's assessment of the other claim.
    assert "karaj-roof" in b.get("/review").text
    assert case["assessed"]["ngo-list"] not in b.get("/review").text


def test_persian_pages_say_it_in_persian(
    case: dict[str, Any], people: dict[str, TestClient]
) -> None:
    page = people["viewer"].get("/incidents/karaj-square").text
    assert '<html lang="fa" dir="rtl">' in page
    assert "بدون درجه" in page  # ungraded
    for english in ("What would raise it", "Not counted", "independent sources", "Claims"):
        assert english not in page, english
    assert "۱۴۰۱" in page  # the date in the Solar Hijri calendar, Persian digits


def test_an_author_may_not_review_their_own(
    case: dict[str, Any], people: dict[str, TestClient]
) -> None:
    author = people[AUTHOR]
    to_english(author)
    queue = author.get("/review").text
    assert not any(aid in queue for aid in case["assessed"].values())  # never one's own
    refused = decide(author, case["assessed"]["ngo-list"], "agree")
    assert refused.status_code == 403
    assert "you made this assessment: another person must review it (four eyes)" in refused.text


def test_only_reviewers_have_a_queue_and_a_disagreement_needs_a_note(
    case: dict[str, Any], people: dict[str, TestClient]
) -> None:
    for name in ("viewer", "analyst"):
        assert people[name].get("/review").status_code == 403
        assert "/review" not in people[name].get("/incidents").text.split("<main>")[0]
    assert 'href="/review"' in people["reviewer-b"].get("/incidents").text
    b = people["reviewer-b"]
    assert decide(b, case["assessed"]["official"], "disagree").status_code == 400
    no_csrf = b.post(f"/review/{case['assessed']['official']}", data={"decision": "agree"})
    assert no_csrf.status_code == 403
    assert decide(b, case["assessed"]["official"], "maybe").status_code == 400


def test_nothing_of_a_collection_one_may_not_see(
    case: dict[str, Any], people: dict[str, TestClient]
) -> None:
    for name in ("viewer", "reviewer-b", AUTHOR):
        client = people[name]
        for path in (
            "/incidents",
            "/incidents/karaj-square",
            "/claims/karaj-occurred",
            "/claims/karaj-roof",
            "/harm",
            "/harm?by=year&calendar=gregorian",
        ):
            response = client.get(path)
            assert response.status_code == 200, (name, path)
            assert SECRET not in response.text, (name, path)
            assert case["beta_item"] not in response.text, (name, path)
            assert "beta-inc" not in response.text and "beta-src" not in response.text
        for path in ("/incidents/beta-inc", "/claims/beta-claim"):
            assert client.get(path).status_code == 404, (name, path)
    b = people["reviewer-b"]
    assert SECRET not in b.get("/review").text
    assert decide(b, case["beta_asm"], "agree").status_code == 404
    roof = b.get("/claims/karaj-roof").text
    assert "مدرکی بیرون از مجموعه‌های شما" in roof  # "an item outside your collections"
    # The admin sees every collection.
    admin = people["admin"]
    assert SECRET in admin.get("/incidents").text
    assert admin.get("/incidents/beta-inc").status_code == 200
    assert case["beta_item"] in admin.get("/claims/karaj-roof").text


def test_harm_counts_fair_and_confirmed_only(
    case: dict[str, Any], people: dict[str, TestClient]
) -> None:
    viewer = people["viewer"]
    to_english(viewer)
    assert "No fair or confirmed incident yet." in viewer.get("/harm").text
    for aid in case["assessed"].values():
        assert decide(people["reviewer-b"], aid, "agree").status_code == 303
    page = viewer.get("/harm").text
    assert "1401/07" in page and "karaj-square" in page
    assert viewer.get("/harm?by=week").status_code == 400


def test_a_disagreement_is_shown_with_who_disagreed(
    case: dict[str, Any], people: dict[str, TestClient]
) -> None:
    b = people["reviewer-b"]
    official = case["assessed"]["official"]
    assert decide(b, official, "disagree", "the denial was not weighed").status_code == 303
    assert official not in b.get("/review").text  # decided: no longer awaiting
    to_english(b)
    page = b.get("/claims/karaj-occurred").text
    assert 'disputed: <bdi dir="auto">web:reviewer-b</bdi> disagreed' in page
    assert "the denial was not weighed" in page
    assert decide(b, official, "agree", "weighed after all").status_code == 303  # latest stands
    page = b.get("/claims/karaj-occurred").text
    assert "replaced by a later decision" in page
    assert "disputed:" not in page
