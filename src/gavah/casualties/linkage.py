"""Record linkage: which records, within and across lists, are the same person.

A Fellegi-Sunter model in Splink (on DuckDB, in memory) scores candidate pairs. Names are compared
on Persian-aware keys from :mod:`gavah.text.names` (script folded, transliteration reduced to a
consonant skeleton, name order and missing parts handled by comparing the sorted parts and their
overlap); ages, dates of death, places and gender are compared with tolerance. Only pairs that share
a blocking key (same name parts; same surname and date; same given name and date; same surname
and age) are compared at all, so the work grows with the lists, not with their product.

Weights are learned from the data: u-probabilities from random pairs, m-probabilities by
expectation maximisation. A register too small to learn from (fewer than
:data:`MIN_RECORDS_TO_TRAIN` records) keeps the prior weights below and says so in the run.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from gavah.db import models
from gavah.errors import InputError
from gavah.text.names import name_key
from gavah.text.places import place_key

MIN_RECORDS_TO_TRAIN = 1_000
# Pairs scored below this probability are not kept. On the synthetic benchmark lists, fewer than
# 1% of true matches score below it, and the model's low probabilities run two to three times
# too high there, so keeping them would only add spurious merges to linkage draws.
STORE_FROM = 0.05
DEFAULT_THRESHOLD = 0.9
M_FLOOR = 0.01  # see floor_m
RARE_NAME = 5  # a name held by at most this many records may block on its own
_EPOCH = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class ScoredPair:
    left: str
    right: str
    probability: float
    match_weight: float
    levels: dict[str, str]


@dataclass
class LinkageResult:
    pairs: list[ScoredPair]
    model: dict[str, Any]
    training: dict[str, Any]
    records: int


def features(records: Sequence[models.VictimRecord]) -> dict[str, list[Any]]:
    """The columns the model compares, one row per record (as a column dict for Arrow)."""
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "unique_id",
            "source_dataset",
            "name_sorted",
            "name_compact",
            "name_first",
            "name_last",
            "name_parts",
            "name_rare",
            "age",
            "day",
            "place_key",
            "province_key",
            "gender",
        )
    }
    key = lru_cache(maxsize=None)(name_key)  # lists repeat names: key each spelling once
    keys = [key(rec.name_fa or rec.name or "") for rec in records]
    frequency = Counter(k.sorted for k in keys)
    for rec, primary in zip(records, keys, strict=True):
        other = key(rec.name) if rec.name_fa and rec.name else None
        parts = set(primary.tokens) | (set(other.tokens) if other else set())
        cols["unique_id"].append(rec.id)
        cols["source_dataset"].append(rec.list_id)
        cols["name_sorted"].append(primary.sorted or None)
        cols["name_compact"].append(primary.compact or None)
        cols["name_first"].append(primary.first or None)
        cols["name_last"].append(primary.last or None)
        cols["name_parts"].append(sorted(parts) or None)
        rare = primary.sorted and frequency[primary.sorted] <= RARE_NAME
        cols["name_rare"].append(primary.sorted if rare else None)
        cols["age"].append(rec.age)
        cols["day"].append(
            date.fromisoformat(rec.date).toordinal() - _EPOCH
            if rec.date and rec.date_precision in (None, "day")
            else None
        )
        cols["place_key"].append(place_key(rec.place) or None)
        cols["province_key"].append(place_key(rec.province) or None)
        cols["gender"].append(rec.gender)
    return cols


def _settings(link_type: Literal["dedupe_only", "link_and_dedupe"]) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    name = cl.CustomComparison(
        output_column_name="name",
        comparison_description="name (Persian-aware keys)",
        comparison_levels=[
            cll.NullLevel("name_sorted"),
            cll.ExactMatchLevel("name_sorted", term_frequency_adjustments=True).configure(
                label_for_charts="every name part agrees (any order, any script)",
                m_probability=0.6,
                u_probability=0.0005,
            ),
            cll.ExactMatchLevel("name_compact").configure(
                label_for_charts="same name, parts split differently",
                m_probability=0.1,
                u_probability=0.0005,
            ),
            cll.JaroWinklerLevel("name_sorted", 0.94).configure(
                label_for_charts="names nearly agree (a letter or two differ)",
                m_probability=0.12,
                u_probability=0.003,
            ),
            cll.ArrayIntersectLevel("name_parts", 2).configure(
                label_for_charts="two or more name parts agree",
                m_probability=0.08,
                u_probability=0.003,
            ),
            cll.JaroWinklerLevel("name_sorted", 0.85).configure(
                label_for_charts="names are similar",
                m_probability=0.05,
                u_probability=0.03,
            ),
            cll.ArrayIntersectLevel("name_parts", 1).configure(
                label_for_charts="one name part agrees",
                m_probability=0.04,
                u_probability=0.1,
            ),
            cll.ElseLevel().configure(
                label_for_charts="names differ", m_probability=0.01, u_probability=0.86
            ),
        ],
    )
    age = _numeric("age", "age", [(1, 0.25, 0.06), (3, 0.05, 0.12)], exact=(0.65, 0.02))
    day = _numeric(
        "day", "date of death", [(1, 0.15, 0.05), (7, 0.08, 0.2)], exact=(0.7, 0.02), unit="day"
    )
    place = cl.CustomComparison(
        output_column_name="place",
        comparison_description="place and province of death",
        comparison_levels=[
            cll.CustomLevel(
                "(place_key_l IS NULL OR place_key_r IS NULL) AND "
                "(province_key_l IS NULL OR province_key_r IS NULL)",
                label_for_charts="place unknown",
            ).configure(is_null_level=True),
            cll.ExactMatchLevel("place_key").configure(
                label_for_charts="same place", m_probability=0.7, u_probability=0.05
            ),
            cll.ExactMatchLevel("province_key").configure(
                label_for_charts="same province", m_probability=0.2, u_probability=0.1
            ),
            cll.ElseLevel().configure(
                label_for_charts="places differ", m_probability=0.1, u_probability=0.85
            ),
        ],
    )
    gender = cl.CustomComparison(
        output_column_name="gender",
        comparison_levels=[
            cll.NullLevel("gender"),
            cll.ExactMatchLevel("gender").configure(
                label_for_charts="same gender", m_probability=0.97, u_probability=0.5
            ),
            cll.ElseLevel().configure(
                label_for_charts="genders differ", m_probability=0.03, u_probability=0.5
            ),
        ],
    )
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        source_dataset_column_name="source_dataset",
        probability_two_random_records_match=0.0001,
        comparisons=[name, age, day, place, gender],
        blocking_rules_to_generate_predictions=[
            # A name alone only where it is rare: a common name ("Mohammad Mohammadi") would
            # pair thousands of records with each other. Common names need one more field.
            block_on("name_rare"),
            block_on("name_sorted", "province_key"),
            block_on("name_sorted", "day"),
            block_on("name_compact", "age"),
            block_on("name_last", "day", "province_key"),
            block_on("name_first", "day", "age"),
            block_on("name_last", "age", "province_key"),
            block_on("name_last", "day", "age"),
            block_on("substr(name_compact, 1, 4)", "day", "province_key"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,  # the gamma_ columns explain a score
    )


def _numeric(
    column: str,
    description: str,
    steps: Sequence[tuple[int, float, float]],
    *,
    exact: tuple[float, float],
    unit: str = "year",
) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    levels: list[Any] = [
        cll.NullLevel(column),
        cll.ExactMatchLevel(column).configure(
            label_for_charts=f"same {description}", m_probability=exact[0], u_probability=exact[1]
        ),
    ]
    rest_m, rest_u = 1 - exact[0], 1 - exact[1]
    for limit, m, u in steps:
        levels.append(
            cll.AbsoluteDifferenceLevel(column, limit).configure(
                label_for_charts=f"{description} within {limit} {unit}{'s' if limit > 1 else ''}",
                m_probability=m,
                u_probability=u,
            )
        )
        rest_m, rest_u = rest_m - m, rest_u - u
    levels.append(
        cll.ElseLevel().configure(
            label_for_charts=f"{description} differs",
            m_probability=max(rest_m, 0.001),
            u_probability=max(rest_u, 0.001),
        )
    )
    return cl.CustomComparison(
        output_column_name=column, comparison_description=description, comparison_levels=levels
    )


def link(records: Sequence[models.VictimRecord], *, seed: int) -> LinkageResult:
    """Score candidate pairs among ``records`` (within and across their lists)."""
    import pyarrow as pa
    from splink import DuckDBAPI, Linker, block_on

    if len(records) < 2:
        raise InputError("record linkage needs at least two records in the register")
    db = DuckDBAPI()
    table = db.register(pa.table(features(records)), dataset_display_name="records")
    linker = Linker(table, _settings("dedupe_only"), log_level=logging.ERROR)
    training: dict[str, Any] = {"records": len(records), "seed": seed}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train = linker.training
        # How likely two records are to match, from pairs that agree on name and date or
        # age; and the u-probabilities from random pairs (nearly all non-matches). Both work
        # on small registers too.
        train.estimate_probability_two_random_records_match(
            [block_on("name_sorted", "day"), block_on("name_compact", "age")], recall=0.7
        )
        train.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
        if len(records) >= MIN_RECORDS_TO_TRAIN:
            train.estimate_parameters_using_expectation_maximisation(
                block_on("name_sorted", "province_key"), estimate_without_term_frequencies=True
            )
            train.estimate_parameters_using_expectation_maximisation(
                block_on("day", "age", "province_key"), estimate_without_term_frequencies=True
            )
            training["weights"] = "learned (u: random pairs; m: expectation maximisation)"
        else:
            training["weights"] = (
                "u learned from random pairs; m prior (fewer than "
                f"{MIN_RECORDS_TO_TRAIN:,} records to learn it from)"
            )
    linker = Linker(table, floor_m(linker.misc.save_model_to_json()), log_level=logging.ERROR)
    predictions: Any = linker.inference.predict(threshold_match_probability=STORE_FROM)
    pairs = _pairs(predictions.as_pyarrow_table(), _level_weights(linker))
    model = linker.misc.save_model_to_json()
    return LinkageResult(pairs, model, training, len(records))


def floor_m(model: dict[str, Any], floor: float = M_FLOOR) -> dict[str, Any]:
    """Raise every learned m-probability to at least ``floor`` (then renormalise).

    Expectation maximisation drives to zero the m of a level it never sees among matches ("places
    differ" when the training lists never disagree on place), and a zero m makes that one field a
    veto: no agreement elsewhere could link the pair. Real lists get a province or an age wrong
    now and then, so no single disagreement may count as proof of two different people."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        raised = [max(float(lv.get("m_probability") or 0.0), floor) for lv in levels]
        total = sum(raised)
        for lv, m in zip(levels, raised, strict=True):
            lv["m_probability"] = m / total
    return model


def _level_weights(linker: Any) -> dict[str, list[tuple[float, str]]]:
    """Per comparison, each level's match weight (log2 of m/u) and its label. Splink 5 reports
    the weight each comparison contributed (``mw_<name>``), not the level, so the level is the
    one whose weight that is."""
    levels: dict[str, list[tuple[float, str]]] = {}
    for comparison in linker._settings_obj.comparisons:
        found = []
        for level in comparison.comparison_levels:
            if level.is_null_level:
                found.append((0.0, "not known on one side"))
                continue
            m, u = level.m_probability, level.u_probability
            if m and u:
                found.append((math.log2(m / u), level.label_for_charts))
        levels[comparison.output_column_name] = found
    return levels


def _pairs(table: Any, weights: dict[str, list[tuple[float, str]]]) -> list[ScoredPair]:
    """Scored pairs from Splink's prediction table, each with its explanation, in id order.
    Done column by column (numpy), not row by row: a run may keep a million pairs."""
    import numpy as np

    columns = table.column_names
    left = table.column("unique_id_l").to_pylist()
    right = table.column("unique_id_r").to_pylist()
    probability = table.column("match_probability").to_numpy(zero_copy_only=False)
    match_weight = np.nan_to_num(
        table.column("match_weight").to_numpy(zero_copy_only=False).astype(float)
    )
    explained: dict[str, list[str]] = {}
    for name, options in weights.items():
        level_weights = np.array([w for w, _ in options])
        mw = np.nan_to_num(table.column(f"mw_{name}").to_numpy(zero_copy_only=False).astype(float))
        level = np.abs(mw[:, None] - level_weights[None, :]).argmin(axis=1)
        total = mw
        if f"mw_tf_adj_{name}" in columns:  # common names weigh less, rare ones more
            adj = table.column(f"mw_tf_adj_{name}").to_numpy(zero_copy_only=False).astype(float)
            total = mw + np.nan_to_num(adj)
        labels = [label for _, label in options]
        explained[name] = [
            f"{labels[i]} ({t:+.1f})" for i, t in zip(level.tolist(), total.tolist(), strict=True)
        ]
    pairs = []
    names = list(explained)
    for i in range(len(left)):
        a, b = (left[i], right[i]) if left[i] <= right[i] else (right[i], left[i])
        levels = {name: explained[name][i] for name in names}
        pairs.append(ScoredPair(a, b, float(probability[i]), float(match_weight[i]), levels))
    pairs.sort(key=lambda p: (p.left, p.right))
    return pairs
