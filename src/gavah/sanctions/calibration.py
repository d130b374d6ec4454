"""The calibrated decision: a probability that two entries name one person or body, from declared
features, with weights fitted on labelled pairs.

Each feature is a number computed from the pair (most are 0 or 1) and explained in words;
:data:`FEATURES` declares them. The probability is the logistic function of the intercept plus
the sum of weight x value, with one set of weights for people and one for bodies. The weights
and the bands are data, in ``data/weights.json``: ``scripts/fit_sanctions_weights.py`` fits
them (logistic regression) on the "fit" half of ``data/labelled_pairs.csv``
(:mod:`gavah.sanctions.labelled`) and sets the bands on the held-out half:

- **match**: the probability from which held-out precision is at least 0.97;
- **candidate**: from the candidate band's lower bound up: a person reviews these.

``docs/sanctions.md`` shows the features, the weights and the bands.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

WEIGHTS_FILE = "data/weights.json"


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    meaning: str
    kinds: tuple[str, ...] = ("person", "body")


FEATURES: tuple[Feature, ...] = (
    Feature("name", "the name score, 0..1 (gavah.text.name_compare)"),
    Feature(
        "name_exact", "1 when the name score is 1: the same name up to spelling, script, order"
    ),
    Feature(
        "primary_name",
        "the score of the two primary names alone (an alias of a parent body "
        "on a unit's entry makes the best name agree, not the primary ones)",
    ),
    Feature(
        "primary_exact",
        "1 when the primary names' score is 1: each list's own name for it agrees in full",
        ("body",),
    ),
    Feature("primary_short", "how far the primary names' score is below 0.8 (0 from 0.8 up)"),
    Feature(
        "one_word",
        "one of the best-agreeing names has a single distinctive word (ADF, "
        "Faiz, سلمان): a weak basis",
    ),
    Feature("name_short", "how far the name score is below 0.8 (0 from 0.8 up)"),
    Feature(
        "common_name",
        "how common the shared name is on the list searched: "
        "log10(1 + entries sharing its rarest key) / 3, capped at 1",
    ),
    Feature("original_script", "the best-agreeing names are both in Arabic or Persian script"),
    Feature("shared_alias", "a whole name is written the same on both (case, accents aside)"),
    Feature("birth_day", "the same full birth date", ("person",)),
    Feature("birth_year", "the same birth year (not the same full date)", ("person",)),
    Feature("birth_near", "birth years one or two apart", ("person",)),
    Feature("birth_clash", "birth years three or more apart", ("person",)),
    Feature("gender_clash", "male against female", ("person",)),
    Feature("nationality_same", "a nationality given on both sides agrees"),
    Feature("nationality_clash", "nationalities given on both sides and disjoint"),
    Feature("identifier", "a passport, national ID or registration number agrees"),
    Feature("position", "a distinctive word of position, title or unit agrees"),
    Feature(
        "same_family",
        "both designations are under the same family of regimes "
        "(terrorism, human rights, proliferation), gavah.sanctions.regimes",
    ),
    Feature("both_human_rights", "both designations are under human-rights regimes", ("person",)),
    Feature("family_clash", "both have a family other than 'other', and they differ"),
    Feature("body_kind_clash", "the names say kinds of body, and none agrees", ("body",)),
    Feature("branch_same", "the same branch number", ("body",)),
    Feature("branch_clash", "branch numbers on both sides, and none agrees", ("body",)),
    Feature("place_clash", "cities or provinces named on both, and none agrees", ("body",)),
    Feature(
        "core_same",
        "the primary names have the same distinctive words once legal forms, generic words and "
        "acronyms are set aside (Ltd, Limited, Co., San ve Tic A.S.), words agreeing up to a "
        "short ending, one letter or their consonant skeleton (Parto, Partov; Kala, Kalaye)",
        ("body",),
    ),
    Feature(
        "unit_of",
        "one primary name is the other's with distinguishing words added (a unit "
        "or branch named after its parent: IRGC Regional Corps Karbala, IRGC)",
        ("body",),
    ),
    Feature("legal_form_clash", "legal forms on both (Ltd, PLC, ...), and none agrees", ("body",)),
    Feature(
        "legal_form_one_side",
        "a legal form (Ltd, PLC, ZAO, GmbH, ...) in one primary name and none in the other: "
        "often a company registered abroad under its parent's name (Bank Saderat PLC)",
        ("body",),
    ),
    Feature(
        "primary_alias",
        "one entry's primary name is written the same among the other's names (case, accents "
        "aside): the other list gives it as an alias",
        ("body",),
    ),
)
NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
# "common_name" when no index says how common the name is (a pair scored on its own): taken as
# about nine namesakes, log10(10) / 3, so that a name alone does not pass for a rare one.
UNKNOWN_COMMON = 1 / 3


@dataclass(frozen=True, slots=True)
class Model:
    """Weights and bands for one kind ("person" or "body")."""

    intercept: float
    weights: Mapping[str, float]
    match: float  # probability from which a pair is a match
    candidate: float  # probability from which a pair is a candidate
    _in_order: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def logit(self, values: Mapping[str, float]) -> float:
        # features of value 0 add nothing (and leaving them out changes no sum: x + 0.0 == x)
        if tuple(values) == NAMES:  # every feature, in order (match.features): one product each
            total: float = sum(map(operator.mul, self._in_order, values.values()))
            return self.intercept + total
        return self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in values.items() if v)

    def __post_init__(self) -> None:
        # The weights in the order of NAMES (0 for a feature without one). A product with a
        # value of 0 is 0.0 or -0.0, and adding either to the running sum, which starts at 0
        # and is never -0.0, leaves it as it was: the same sum as leaving them out.
        object.__setattr__(self, "_in_order", tuple(self.weights.get(k, 0.0) for k in NAMES))

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.logit(values)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


# For a person, something beyond the name must agree before the model's "match" stands: many
# people in Iran share a name, and naming the wrong one is the harm gavah is built to avoid.
# Bodies have no birth dates and rarely identifiers; their names, kinds and places carry them.
BEYOND_NAME: tuple[str, ...] = (
    "birth_day",
    "birth_year",
    "identifier",
    "position",
    "same_family",
    "nationality_same",
)


def decide(kind: str, p: float, values: Mapping[str, float]) -> str:
    """ "match", "candidate" or "below" for a probability and the pair's feature values."""
    model = models()[kind]
    if p >= model.match and (kind != "person" or any(values.get(k) for k in BEYOND_NAME)):
        return "match"
    return "candidate" if p >= model.candidate else "below"


@cache
def models() -> dict[str, Model]:
    """The fitted models by kind, read once from the package's ``data/weights.json``."""
    raw = json.loads(
        resources.files("gavah.sanctions").joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
    )
    return {kind: _model(raw["models"][kind]) for kind in ("person", "body")}


def _model(raw: Mapping[str, Any]) -> Model:
    unknown = set(raw["weights"]) - set(NAMES)
    if unknown:
        raise ValueError(f"{WEIGHTS_FILE}: unknown features {sorted(unknown)}")
    return Model(
        float(raw["intercept"]),
        {k: float(v) for k, v in raw["weights"].items()},
        float(raw["bands"]["match"]),
        float(raw["bands"]["candidate"]),
    )


def document() -> dict[str, Any]:
    """The whole weights file (fitted on, measured, bands), as the docs and bench show it."""
    text = resources.files("gavah.sanctions").joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def markdown_table() -> str:
    """The features with their weights and the bands, as docs/sanctions.md shows them (a test
    checks that the page holds exactly this)."""
    fitted = models()
    rows = ["| feature | what it is | weight, people | weight, bodies |", "|---|---|---|---|"]
    rows.append(
        f"| (intercept) | the log-odds with every feature 0 | {fitted['person'].intercept:+.2f} "
        f"| {fitted['body'].intercept:+.2f} |"
    )
    for f in FEATURES:
        weights = [
            f"{fitted[k].weights[f.name]:+.2f}" if f.name in fitted[k].weights else "—"
            for k in ("person", "body")
        ]
        rows.append(f"| `{f.name}` | {f.meaning} | {weights[0]} | {weights[1]} |")
    rows.append(
        f"| **match** from | probability | {fitted['person'].match:.2f} | {fitted['body'].match:.2f} |"
    )
    rows.append(
        f"| **candidate** from | probability | {fitted['person'].candidate:.2f} "
        f"| {fitted['body'].candidate:.2f} |"
    )
    return "\n".join(rows)
