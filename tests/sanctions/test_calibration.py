"""The calibrated decision on the labelled cross-list pairs kept in the package
(gavah.sanctions.labelled, data/labelled_pairs.csv and data/weights.json)."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from tests.sanctions.test_names import sanctions_data

from gavah.sanctions import calibration, labelled, match


def test_every_pair_says_how_it_was_labelled_and_entities_do_not_cross_the_split() -> None:
    pairs = labelled.read_pairs()
    assert len(pairs) > 1000
    assert all(p.rule and p.split in ("fit", "held-out") for p in pairs)
    assert Counter(p.checked for p in pairs)["by hand"] > 100
    positives = [(p.left, p.right) for p in pairs if p.same]
    group = labelled.groups(positives)
    split_of_group = {}
    for p in pairs:
        if p.same:
            assert split_of_group.setdefault(group[p.left], p.split) == p.split


def test_weights_name_declared_features_and_bands_are_ordered() -> None:
    for kind, model in calibration.models().items():
        assert set(model.weights) <= set(calibration.NAMES), kind
        assert 0 < model.candidate <= model.match < 1
    assert min(m.candidate for m in calibration.models().values()) >= match.DEFAULT_THRESHOLD


@pytest.mark.parametrize("kind", ["person"])
def test_held_out_precision_of_match(kind: str) -> None:
    """Recomputed from the real lists: held-out precision of "match" at least 0.97."""
    folder = sanctions_data()
    scratch = Path(tempfile.mkdtemp(prefix="gavah-test-"))
    records = labelled.load_records(folder, labelled.ofac_folder(folder, scratch / "ofac"))
    held = [p for p in labelled.read_pairs() if p.split == "held-out" and p.tag == kind]
    said = []
    for pair, a, b in labelled.resolve(held, records):
        m = match.score(a, b)
        said.append((m.decision == "match", pair.same))
    tp = sum(1 for s, y in said if s and y)
    fp = sum(1 for s, y in said if s and not y)
    fn = sum(1 for s, y in said if not s and y)
    assert tp / (tp + fp) >= 0.97
    assert tp / (tp + fn) >= 0.90  # without the index's name rarity; the bench measures with it


def test_the_docs_show_the_fitted_weights_and_bands() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "sanctions.md"
    text = docs.read_text(encoding="utf-8")
    shown = text.split("<!-- weights:", 1)[1].split("-->", 1)[1].split("<!-- /weights -->")[0]
    assert shown.strip() == calibration.markdown_table().strip(), (
        "regenerate the table in docs/sanctions.md from "
        "gavah.sanctions.calibration.markdown_table()"
    )
