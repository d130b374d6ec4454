"""Fit the weights of the calibrated sanctions decision (developer script; needs the bench extra).

    .venv/bin/python scripts/fit_sanctions_weights.py [../shared/data/sanctions]

Reads src/gavah/sanctions/data/labelled_pairs.csv, computes each pair's features
(gavah.sanctions.match.features) from the real lists, fits a logistic regression per kind
(people, bodies) on the "fit" pairs, sets the bands from out-of-fold probabilities on the fit
pairs (five folds): "match" from the lowest probability above which precision stays >= 0.98,
"candidate" from the highest below which no more than 0.5% of true pairs fall. Then it measures
on the held-out pairs and writes src/gavah/sanctions/data/weights.json. Nothing here runs in
gavah itself: the package only reads the JSON.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.model_selection import cross_val_predict  # type: ignore[import-untyped]

from gavah.sanctions import calibration, labelled, match
from gavah.text.name_compare import compare

OUT = Path(labelled.__file__).parent / calibration.WEIGHTS_FILE
MATCH_PRECISION = 0.98  # on out-of-fold fit pairs, a margin over the 0.97 asked of held-out ones
# The precision above is of all the pairs from the band up: it lets in a pair that is itself more
# likely different than the same when many sure pairs sit above it (the people's band came out at
# 0.29). A pair called a match must itself be likely: four times as likely the same as not.
MATCH_FLOOR = 0.8
CANDIDATE_MISS = 0.005
MIN_SEEN = 5  # features non-zero on fewer fit pairs get the hand weight below instead
HAND_WEIGHTS = {  # (weight, why): facts too rare in the labelled pairs to fit
    "gender_clash": (-4.0, "male against female: as strong as a birth-year clash"),
    "legal_form_clash": (-1.0, "Ltd against PLC: often another company of a group"),
    "branch_clash": (-4.0, "Branch 15 is not Branch 26"),
    "branch_same": (1.0, "the same branch number"),
}
# A gender clash in the labelled pairs is mostly a list's error on a true pair; on a registry
# entity it is a real contradiction, so its weight is declared, not fitted.
ALWAYS_HAND = ("gender_clash",)
C = 3.0  # inverse regularisation strength


def feature_rows(folder: Path) -> list[tuple[labelled.LabelledPair, dict[str, float]]]:
    scratch = Path(tempfile.mkdtemp(prefix="gavah-fit-"))
    records = labelled.load_records(folder, labelled.ofac_folder(folder, scratch / "ofac"))
    by_list: dict[str, list[match.Record]] = defaultdict(list)
    for r in records.values():
        by_list[r.source].append(r)
    indexes = {name: match.Index(recs) for name, recs in by_list.items()}
    out = []
    for pair, a, b in labelled.resolve(labelled.read_pairs(), records):
        values, _ = match.features(a, b, compare(a.names, b.names), indexes[b.source])
        out.append((pair, values))
    return out


def fit(
    rows: Sequence[tuple[labelled.LabelledPair, dict[str, float]]], kind: str
) -> dict[str, Any]:
    names = [f.name for f in calibration.FEATURES if kind in f.kinds]
    fit_rows = [(p, v) for p, v in rows if p.tag == kind and p.split == "fit"]
    seen = {n: sum(1 for _, v in fit_rows if v[n]) for n in names}
    fitted = [n for n in names if seen[n] >= MIN_SEEN and n not in ALWAYS_HAND]
    x = [[v[n] for n in fitted] for _, v in fit_rows]
    y = [int(p.same) for p, _ in fit_rows]
    model = LogisticRegression(C=C, max_iter=5000)
    oof = cross_val_predict(model, x, y, cv=5, method="predict_proba")[:, 1]
    model.fit(x, y)
    weights = {n: round(float(w), 4) for n, w in zip(fitted, model.coef_[0], strict=True)}
    hand = {n: HAND_WEIGHTS[n] for n in names if n not in fitted and n in HAND_WEIGHTS}
    weights.update({n: w for n, (w, _) in hand.items()})
    # out-of-fold probabilities do not know the hand weights; they only touch rare facts
    match_band = _match_band(oof, y)
    bands = {"match": match_band, "candidate": min(match_band, _candidate_band(oof, y))}
    return {
        "intercept": round(float(model.intercept_[0]), 4),
        "weights": weights,
        "hand_weights": {n: why for n, (_, why) in hand.items()},
        "bands": bands,
        "fit_pairs": {"same": sum(y), "different": len(y) - sum(y)},
        "features_seen_on_fit_pairs": seen,
    }


def _match_band(p: Sequence[float], y: Sequence[int]) -> float:
    """The lowest probability at which the pairs from it up have precision >= MATCH_PRECISION,
    and not below MATCH_FLOOR."""
    ranked = sorted(zip(p, y, strict=True), reverse=True)
    best, tp = 1.0, 0
    for i, (prob, same) in enumerate(ranked, start=1):
        tp += same
        if tp / i >= MATCH_PRECISION and same:
            best = prob
    return round(max(float(best), MATCH_FLOOR), 4)


def _candidate_band(p: Sequence[float], y: Sequence[int]) -> float:
    positives = sorted(prob for prob, same in zip(p, y, strict=True) if same)
    k = int(len(positives) * CANDIDATE_MISS)
    return round(max(0.01, float(positives[k]) - 1e-4), 4)


def measure(
    rows: Sequence[tuple[labelled.LabelledPair, dict[str, float]]],
    models: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, raw in models.items():
        m = calibration._model(raw)
        held = [
            (p, v, m.probability(v)) for p, v in rows if p.tag == kind and p.split == "held-out"
        ]
        out[kind] = {
            "match": _pr([(_decide(m, kind, pr, v) == "match", p.same) for p, v, pr in held]),
            "candidate": _pr([(pr >= m.candidate, p.same) for p, v, pr in held]),
        }
    return out


def _decide(m: calibration.Model, kind: str, p: float, values: dict[str, float]) -> str:
    beyond = kind != "person" or any(values.get(k) for k in calibration.BEYOND_NAME)
    return "match" if p >= m.match and beyond else "candidate"


def _pr(rows: Sequence[tuple[bool, bool]]) -> dict[str, float]:
    tp = sum(1 for said, same in rows if said and same)
    fp = sum(1 for said, same in rows if said and not same)
    fn = sum(1 for said, same in rows if not said and same)
    return {
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
        "pairs": len(rows),
    }


def _reproducible() -> None:
    """Run again with PYTHONHASHSEED=0: the name comparison breaks some ties in set order, so
    only a fixed hash seed gives the same file twice."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


def main() -> None:
    _reproducible()
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/sanctions")
    rows = feature_rows(folder)
    models = {kind: fit(rows, kind) for kind in ("person", "body")}
    doc = {
        "about": "Weights of gavah.sanctions.calibration, fitted by scripts/fit_sanctions_weights.py "
        "on the 'fit' pairs of labelled_pairs.csv (logistic regression, C=3); bands from "
        "out-of-fold probabilities on the fit pairs; 'held_out' measured on the other pairs.",
        "models": models,
        "held_out": measure(rows, models),
    }
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(doc["held_out"], indent=1))
    for kind, m in models.items():
        print(kind, m["intercept"], m["bands"], m["weights"])


if __name__ == "__main__":
    main()
