"""The worked example of docs/verification.md, step by step, on a real vault: one incident
documented by a witness video, two relayed posts of that video, an NGO list and an official
denial; graded, assessed by one person, reviewed by two others, explained; then checked by
`log verify`. Everything here is synthetic (invented people, channels and events)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from verify_example import as_, build, review_all

from gavah.errors import AccessDenied
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah.verify import report


def test_the_worked_example(vault: Vault, tmp_path: Path) -> None:
    case = build(vault, tmp_path)
    a = as_(vault, "analyst-a")
    before = a.explain(case["claim"])
    assert (before["airwars"], before["rule"]) == ("ungraded", "U1")
    assert len(before["not_counted"]) == 5  # all await a second person's review
    assert any("second person's review" in step for step in before["would_raise_it"])

    with pytest.raises(AccessDenied):  # four eyes: the author cannot review their own work
        a.review(case["assessed"]["witness-w12"], "agree")
    review_all(vault, case["assessed"])

    found = a.explain(case["claim"])
    assert (found["airwars"], found["proof"], found["rule"]) == (
        "fair",
        "reasonable grounds to believe",
        "F1",
    )
    assert found["counts"]["support_credible"] == 2  # the witness's group and the NGO
    assert found["counts"]["support_strong"] == 1  # the NGO (B2)
    voices = {v["source"]: v for v in found["counted"]}
    assert set(voices) == {"witness-w12", "ngo-list"}
    witness = voices["witness-w12"]
    assert witness["independent_group"] == ["channel-1", "channel-2", "witness-w12"]
    assert witness["same_group_not_counted"] == sorted(
        [case["assessed"]["channel-1"], case["assessed"]["channel-2"]]
    )
    assert witness["evidence"] == case["video"]
    assert "counts for nothing" in found["not_counted"][case["assessed"]["official"]]
    assert found["would_raise_it"][0].startswith("confirmed (rule C1)")
    assert "1 now" not in found["would_raise_it"][0]  # it names the count it needs: 2 of 3

    grade = a.incident(case["incident"])["grade"]
    assert grade["airwars"] == "fair" and grade["claim"] == case["claim"]
    harm = report.harm(a)
    assert harm["rows"] == [
        {
            "period": "2022-09",
            "province": "Alborz",
            "incidents": ["karaj-square"],
            "killed": [2, 3],
            "injured": [5, 12],
            "unknown_figures": 0,
        }
    ]
    assert verify_workspace(vault, check_blobs=False).problems == []


def test_undeclared_relays_would_have_confirmed_it(vault: Vault, tmp_path: Path) -> None:
    """The same material without the relays declared counts the reposts as voices of their
    own: what declaring dependence protects against (and proof this test can fail)."""
    case = build(vault, tmp_path, relays_declared=False)
    review_all(vault, case["assessed"])
    found = as_(vault, "analyst-a").explain(case["claim"])
    assert found["airwars"] == "confirmed" and found["counts"]["support_credible"] == 3


def test_a_disagreement_is_kept_and_keeps_the_assessment_out(vault: Vault, tmp_path: Path) -> None:
    case = build(vault, tmp_path)
    review_all(vault, case["assessed"])
    ngo = case["assessed"]["ngo-list"]
    as_(vault, "reviewer-c").review(ngo, "disagree", "the list names no place (synthetic)")
    v = as_(vault, "analyst-a")
    shown = v.assessment(ngo)
    assert shown["status"] == "disputed"
    assert [r["decision"] for r in shown["reviews"]] == ["agree", "disagree"]
    found = v.explain(case["claim"])
    assert found["airwars"] == "weak" and ngo in found["not_counted"]
    as_(vault, "reviewer-c").review(ngo, "agree", "the list's annex names the square")
    assert v.explain(case["claim"])["airwars"] == "fair"
    assert len(v.assessment(ngo)["reviews"]) == 3  # nothing overwritten


def test_exports_events_and_the_claims_report(vault: Vault, tmp_path: Path) -> None:
    case = build(vault, tmp_path)
    review_all(vault, case["assessed"])
    v = as_(vault, "analyst-a")
    lines = io.StringIO()
    report.export_events(v, lines)
    entities = [json.loads(line) for line in lines.getvalue().splitlines()]
    event = next(e for e in entities if e["schema"] == "Event")
    assert event["id"] == "karaj-square"
    assert event["properties"]["proof"] == [f"doc-{case['video']}"]
    # 1401/07/08 was written to the day: the Gregorian day it is
    assert event["properties"]["date"] == ["2022-09-30"]
    assert "grade fair" in event["properties"]["notes"][0]
    assert {e["schema"] for e in entities} == {"Event", "Document"}
    text = io.StringIO()
    report.claims_report(v, text)
    claims = json.loads(text.getvalue())["claims"]
    assert [c["id"] for c in claims] == [case["claim"]]
    assert claims[0]["level"]["airwars"] == "fair"
    assert verify_workspace(vault, check_blobs=False).problems == []


def test_a_new_grade_applies_at_once_and_the_old_one_stays(vault: Vault, tmp_path: Path) -> None:
    case = build(vault, tmp_path)
    review_all(vault, case["assessed"])
    a = as_(vault, "analyst-a")
    assert a.explain(case["claim"])["airwars"] == "fair"
    a.grade_source("ngo-list", "D", "its list was found to copy a channel (synthetic)")
    found = a.explain(case["claim"])
    assert (found["airwars"], found["counts"]["support_credible"]) == ("weak", 1)
    grades = a.source("ngo-list")["grades"]
    assert [g["grade"] for g in grades] == ["B", "D"]
    assert grades[0]["reason"] == "documented, named methodology"
    assert verify_workspace(vault, check_blobs=False).problems == []


def test_solar_hijri_months_keep_their_own_period_and_span(vault: Vault) -> None:
    a = as_(vault, "analyst-a")
    a.add_incident(
        "Mass arrest in Tabriz (synthetic)",
        "mass-arrest",
        collection="case",
        place="Tabriz",
        date="دی ۱۴۰۱",
        incident_id="tabriz-dey",
    )
    claim = a.add_claim("It happened (synthetic)", "occurred", incident_id="tabriz-dey")
    source = a.add_source("NGO (synthetic)", "ngo", collection="case", grade="A", reason="r")
    for who in ("one", "two"):
        sid = a.add_source(
            f"Witness {who} (synthetic)", "witness", collection="case", grade="B", reason="r"
        )
        made = a.assess(claim["claim"]["id"], sid["source"]["id"], stance="supports", credibility=2)
        as_(vault, "reviewer-b").review(made["assessment"]["id"], "agree")
    assert source["source"]["id"].startswith("src-")
    harm = report.harm(a, "month", "gregorian")
    assert [row["period"] for row in harm["rows"]] == ["1401/10 (solar_hijri)"]
    assert report.harm(a, "month", "solar_hijri")["rows"][0]["period"] == "1401/10"
    lines = io.StringIO()
    report.export_events(a, lines)
    event = json.loads(lines.getvalue())
    # Dey 1401 runs from 22 December 2022 to 20 January 2023
    assert event["properties"]["startDate"] == ["2022-12-22"]
    assert event["properties"]["endDate"] == ["2023-01-20"]
