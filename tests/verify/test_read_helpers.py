"""The read helpers the web pages use: a claim's level as data (what would raise it, the reviews
owed), the evidence names an asker may see, and an incident's history from the rows."""

from __future__ import annotations

from pathlib import Path

from verify_example import CASE, as_, build, review_all

from gavah.accounts import Principal
from gavah.vault import Vault
from gavah.verify import store
from gavah.verify.access import Asker
from gavah.verify.store import Verification


def test_what_would_raise_it_as_data_says_what_the_text_says(vault: Vault, tmp_path: Path) -> None:
    case = build(vault, tmp_path)
    a = as_(vault, "analyst-a")
    before = a.level(case["claim"])
    assert before.awaiting == tuple(sorted(case["assessed"].values()))
    review_all(vault, case["assessed"])
    level = a.level(case["claim"])
    assert level.awaiting == ()
    assert [str(step) for step in level.steps] == list(level.raise_by)
    confirmed = level.steps[0]
    assert (confirmed.airwars, confirmed.rule.id) == ("confirmed", "C1")
    short = {s.measure: (s.now, s.bound, s.at_least) for s in confirmed.short}
    assert short == {"support_credible": (2, 3, True)}
    assert a.explain(case["claim"])["would_raise_it"] == list(level.raise_by)


def test_evidence_names_only_from_collections_one_sees(vault: Vault, tmp_path: Path) -> None:
    case = build(vault, tmp_path)
    operator = as_(vault, "analyst-a")
    assert operator.evidence_names([case["video"]]) == {case["video"]: "video.txt"}
    outsider = Principal(1, "outsider", False, "en", {"elsewhere": "reviewer"})
    assert Verification(vault, Asker.of(outsider)).evidence_names([case["video"]]) == {}
    insider = Principal(2, "insider", False, "en", {CASE: "viewer"})
    assert Verification(vault, Asker.of(insider)).evidence_names([case["video"]]) == {
        case["video"]: "video.txt"
    }


def test_an_incidents_history_is_its_changes_in_log_order(vault: Vault, tmp_path: Path) -> None:
    case = build(vault, tmp_path)
    review_all(vault, case["assessed"])
    history = as_(vault, "anyone").history(case["incident"])
    kinds = [e["kind"] for e in history]
    assert kinds == [
        store.INCIDENT_ADDED,
        store.CLAIM_ADDED,
        store.CLAIM_LINKED,
        *[store.ASSESSED] * 5,
        *[store.REVIEWED] * 6,
    ]
    indexes = [e["log_index"] for e in history]
    assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes)
    assert history[-1]["actor"] == "reviewer-c" and history[-1]["detail"] == "agree"
