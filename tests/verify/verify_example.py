"""The worked example of docs/verification.md as a function, shared by the tests: one incident
documented by a witness video, two relayed posts of that video, an NGO list and an official
denial. Everything here is synthetic (invented people, channels and events)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gavah.intake.ingest import ingest
from gavah.vault import Vault
from gavah.verify.access import Asker
from gavah.verify.store import Verification

CASE = "karaj-1401"  # the collection


def as_(vault: Vault, actor: str) -> Verification:
    return Verification(vault, Asker.operator(actor))


def _item(vault: Vault, tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(ingest(vault, [os.fsencode(path)], collection=CASE).items[0]["id"])


def build(vault: Vault, tmp_path: Path, *, relays_declared: bool = True) -> dict[str, Any]:
    """The example up to the assessments (all by analyst-a), as the docs tell it."""
    video = _item(vault, tmp_path, "video.txt", "synthetic witness video of a shooting")
    post_1 = _item(vault, tmp_path, "post1.txt", "synthetic repost 1 of the witness video")
    post_2 = _item(vault, tmp_path, "post2.txt", "synthetic repost 2 of the witness video")
    ngo_list = _item(vault, tmp_path, "list.txt", "synthetic NGO list naming two dead")
    a = as_(vault, "analyst-a")
    sources = [
        ("witness-w12", "Witness W-12 (synthetic)", "witness", "C", "first-hand; not known before"),
        ("channel-1", "Channel One (synthetic)", "channel", "C", "accurate in past reporting"),
        ("channel-2", "Channel Two (synthetic)", "channel", "D", "often reposts unchecked"),
        ("ngo-list", "NGO list (synthetic)", "ngo", "B", "documented, named methodology"),
        (
            "official",
            "Provincial governor's office (synthetic)",
            "official",
            "E",
            "denials later disproved",
        ),
    ]
    for sid, name, kind, grade, reason in sources:
        a.add_source(name, kind, collection=CASE, grade=grade, reason=reason, source_id=sid)
    if relays_declared:
        a.relate("channel-1", "relays", "witness-w12", "posted W-12's video first")
        a.relate("channel-2", "copies", "channel-1", "same video, channel 1's caption")
    incident = a.add_incident(
        "Protesters shot at a square in Karaj (synthetic)",
        "killing-at-protest",
        collection=CASE,
        place="Karaj, Alborz",
        date="1401/07/08",
        killed=(2, 3),
        injured=(5, 12),
        incident_id="karaj-square",
    )["incident"]["id"]
    claim = a.add_claim(
        "Security forces fired live rounds at protesters, killing at least two (synthetic)",
        "occurred",
        incident_id=incident,
        claim_id="karaj-occurred",
    )["claim"]["id"]
    a.link_claim(claim, "evidence", video)
    assessed = {}
    for sid, stance, cred, item in (
        ("witness-w12", "supports", 2, video),
        ("channel-1", "supports", 2, post_1),
        ("channel-2", "supports", 2, post_2),
        ("ngo-list", "supports", 2, ngo_list),
        ("official", "contradicts", 5, None),
    ):
        made = a.assess(
            claim,
            sid,
            stance=stance,
            credibility=cred,
            evidence=item,
            source_analysis=f"{sid}: who and how they know (synthetic)",
            technical_analysis="metadata read at intake; no C2PA" if item else None,
            content_analysis="geolocated to the square; shadows fit the afternoon"
            if item
            else None,
        )
        assessed[sid] = made["assessment"]["id"]
    return {"incident": incident, "claim": claim, "assessed": assessed, "video": video}


def review_all(vault: Vault, assessed: dict[str, str]) -> None:
    """reviewer-b agrees with every assessment; reviewer-c with the witness's too."""
    for aid in assessed.values():
        as_(vault, "reviewer-b").review(aid, "agree", "checked the analyses")
    as_(vault, "reviewer-c").review(assessed["witness-w12"], "agree", "second look at the video")
