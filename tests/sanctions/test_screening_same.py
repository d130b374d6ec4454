"""Screening made faster gives the very same pairs: every candidate pair of the three fixture
lists screened against each other, with its exact score, decision and explanation, as the code
gave them when tests/fixtures/sanctions/screening_before.json was written by
scripts/make_screening_fixture.py (whose docstring says when it was run again, and why)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from gavah.sanctions import index, match

ROOT = Path(__file__).resolve().parents[2]
BEFORE = ROOT / "tests" / "fixtures" / "sanctions" / "screening_before.json"


def _maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_screening_fixture", ROOT / "scripts" / "make_screening_fixture.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(pairs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(p["index"], p["left"]["id"], p["right"]["id"]) for p in pairs]


def test_screening_gives_the_same_pairs_scores_and_decisions_as_before() -> None:
    before = json.loads(BEFORE.read_text())
    now = _maker().screened(_maker().fixture_records())
    assert len(before) > 250 and {p["decision"] for p in before} == {"match", "candidate"}
    assert _rows(now) == _rows(before)  # the same pairs, in the same order
    for got, expected in zip(now, before, strict=True):
        assert got == expected, (expected["left"], expected["right"])


def test_the_stored_index_screens_the_same_pairs(tmp_path: Path) -> None:
    maker = _maker()
    queries = maker.fixture_records()
    for name, entries in maker.fixture_payloads().items():
        stored = index.build(tmp_path / f"{name}.1.npz", {"list": name}, entries, workers=1)
        before = [p for p in json.loads(BEFORE.read_text()) if p["index"] == name]
        now = [
            {"index": name, **m.to_dict(), "exact_score": m.score}
            for found in queries.values()
            for m in match.screen(found, stored, threshold=0.0)
        ]
        assert now == before and before, name


def test_at_the_default_threshold_the_shown_pairs_are_those_of_before() -> None:
    """Screening words only the pairs it shows: the same pairs, scores and explanations."""
    maker = _maker()
    lists = maker.fixture_records()
    before = [p for p in json.loads(BEFORE.read_text()) if p["index"] == "eu-hr"]
    now = [
        {"index": "eu-hr", **m.to_dict(), "exact_score": m.score}
        for found in lists.values()
        for m in match.screen(found, match.Index(lists["eu-hr"]))
    ]
    shown = [p for p in before if p["exact_score"] >= match.DEFAULT_THRESHOLD]
    assert 0 < len(shown) < len(before)
    assert now == shown
