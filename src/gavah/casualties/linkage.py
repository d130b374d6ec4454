"""Record linkage: which records, within and across lists, are the same person.

A Fellegi-Sunter model in Splink (on DuckDB, in memory) scores candidate pairs on the comparisons
of :mod:`gavah.casualties.comparisons`: names by the shared Persian-aware name comparison, ages as
intervals ("About 40" meets 41), dates with their precision, places through the gazetteer (a city
meets "city, province"), and gender. Only pairs that share a blocking key (same name keys and a
province, date or age; same family name and two of date, age and province; ...) are compared at
all, so the work grows with the lists, not with their product.

Scores are stable: the prior probability of a match is declared, not estimated, and the weights
are either the declared ones (:data:`~gavah.casualties.comparisons.PRIORS`) or weights learned
once and stored with the run, which later runs reuse. So adding an unrelated list does not move
the score of a pair, and a list of 50 records links its obvious duplicates as one of 500,000 does.
Weights are learned (u from random pairs, m by expectation maximisation) only when asked, from
a register of at least :data:`MIN_RECORDS_TO_TRAIN` records; if learning fails, the declared
weights are used and the run says why. On the realistic synthetic lists the declared weights do
as well as learned ones at a tenth of the time (docs/victims.md). Records that are
identical in every compared field (a list published twice, a row repeated) are always linked.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from gavah.casualties import comparisons
from gavah.casualties.comparisons import NameBook
from gavah.db import models
from gavah.errors import InputError
from gavah.text.names import latin_fold, name_key
from gavah.text.places import locate

MIN_RECORDS_TO_TRAIN = 5_000
# Pairs scored below this probability are not kept: they would only add spurious merges to
# linkage draws, and nobody reviews them.
STORE_FROM = 0.05
DEFAULT_THRESHOLD = 0.9
RARE_NAME = 5  # a name held by at most this many records may block on its own
IDENTICAL = "identical records"
IDENTICAL_WEIGHT = 40.0  # stands for certainty: no comparison is needed
_EPOCH = date(1970, 1, 1).toordinal()

Weights = Literal["auto", "declared", "learn"]


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


def _age_interval(rec: models.VictimRecord) -> tuple[int | None, int | None]:
    low, high = rec.age_min, rec.age_max
    if low is not None or high is not None:
        return low, high if high is not None else low
    return rec.age, rec.age


def _days(rec: models.VictimRecord) -> tuple[int | None, int | None]:
    """The day (days since 1970) where the date gives one, and the month (months since 1970)
    where a Gregorian month is known: a Solar Hijri month straddles two Gregorian ones."""
    if not rec.date:
        return None, None
    day = date.fromisoformat(rec.date)
    month = (day.year - 1970) * 12 + day.month - 1
    if rec.date_precision in (None, "day"):
        return day.toordinal() - _EPOCH, month
    if rec.date_precision == "month" and rec.date_calendar != "solar_hijri":
        return None, month
    return None, None


_COLUMNS = (
    "unique_id", "source_dataset", "rix", "name_known", "name_text", "name_words", "name_sorted",
    "name_compact",
    "name_first", "name_last", "name_rare", "age_lo", "age_hi", "day", "month", "localities",
    "province", "gender",
)  # fmt: skip


def features(records: Sequence[models.VictimRecord], book: NameBook) -> dict[str, list[Any]]:
    """The columns the model compares, one row per record (as a column dict for Arrow); each
    record's names go into ``book``, under its row number ``rix``."""
    cols: dict[str, list[Any]] = {k: [] for k in _COLUMNS}
    names = [(rec.name, rec.name_fa) for rec in records]
    fold = lru_cache(maxsize=None)(latin_fold)  # lists repeat names: each is read once
    keys = [book.key(fa or name or "") for name, fa in names]
    frequency: defaultdict[str, int] = defaultdict(int)
    for read in keys:
        frequency[read.sorted] += 1
    for rec, (name, fa), key in zip(records, names, keys, strict=True):
        given, family = rec.given_name, rec.family_name
        rix = book.add((name, fa), given, family)
        place = locate(rec.place, rec.province)
        text = fold(name or fa or "")
        low, high = _age_interval(rec)
        day, month = _days(rec)
        row = {
            "unique_id": rec.id,
            "source_dataset": rec.list_id,
            "rix": rix,
            "name_known": True if book.entries[rix] is not None else None,
            "name_text": text or None,
            "name_words": len(text.split()) or None,
            "name_sorted": key.sorted or None,
            "name_compact": key.compact or None,
            "name_first": key.first or None,
            "name_last": key.last or None,
            "name_rare": key.sorted if key.sorted and frequency[key.sorted] <= RARE_NAME else None,
            "age_lo": low,
            "age_hi": high,
            "day": day,
            "month": month,
            "localities": sorted(place.localities) or None,
            "province": place.province,
            "gender": rec.gender,
        }
        for k, v in row.items():
            cols[k].append(v)
    return cols


def _arrow(columns: dict[str, list[Any]]) -> Any:
    """The columns as an Arrow table with declared types: a column that happens to be all empty
    (no list gives a place) must still be of its type for the model's SQL."""
    import pyarrow as pa

    types = {"rix": pa.int64(), "name_known": pa.bool_(), "localities": pa.list_(pa.string())}
    types["name_words"] = pa.int64()
    types |= {c: pa.int64() for c in ("age_lo", "age_hi", "day", "month")}
    schema = pa.schema([(c, types.get(c, pa.string())) for c in _COLUMNS])
    return pa.table(columns, schema=schema)


def _blocking_rules() -> list[Any]:
    from splink import block_on

    return [
        # A name alone only where it is rare: a common name ("Mohammad Mohammadi") would pair
        # thousands of records with each other. Common names need one more field.
        block_on("name_rare"),
        block_on("name_sorted", "province"),
        block_on("name_sorted", "day"),
        block_on("name_sorted", "month"),
        block_on("name_compact", "age_lo"),
        block_on("name_last", "day", "province"),
        block_on("name_first", "day", "age_lo"),
        block_on("name_last", "age_lo", "province"),
        block_on("name_last", "day", "age_lo"),
        block_on("substr(name_compact, 1, 4)", "day", "province"),
        # A name misspelled and a date a day off, together: any two days at most one apart
        # share one of the two-day windows (day / 2 or (day + 1) / 2, rounded down).
        *(
            block_on(*names, "province", window)
            for names in (("name_last",), ("name_first", "substr(name_last, 1, 2)"))
            for window in ("floor(day / 2)", "floor((day + 1) / 2)")
        ),
    ]


def settings(declared: Sequence[comparisons.Comparison] = comparisons.PRIORS) -> Any:
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        source_dataset_column_name="source_dataset",
        probability_two_random_records_match=comparisons.PRIOR_MATCH,
        comparisons=comparisons.splink_comparisons(declared),
        blocking_rules_to_generate_predictions=_blocking_rules(),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,  # the gamma_ columns explain a score
    )


def link(
    records: Sequence[models.VictimRecord],
    *,
    seed: int,
    model: dict[str, Any] | None = None,
    weights: Weights = "auto",
    keep_from: float = STORE_FROM,
) -> LinkageResult:
    """Score candidate pairs among ``records`` (within and across their lists).

    ``model``: a stored model to reuse as it is (its weights are not learned again). Else
    ``weights="learn"`` learns them from ``records`` (refused below
    :data:`MIN_RECORDS_TO_TRAIN` records), and anything else uses the declared ones.
    ``keep_from``: the least probability of a pair returned (a study of the model may want the
    pairs the register drops)."""
    import duckdb
    from splink import DuckDBAPI, Linker

    if len(records) < 2:
        raise InputError("record linkage needs at least two records in the register")
    if weights == "learn" and model is None and len(records) < MIN_RECORDS_TO_TRAIN:
        raise InputError(
            f"too few records to learn weights from ({len(records):,}; at least "
            f"{MIN_RECORDS_TO_TRAIN:,} are needed)",
            hint="link with the declared weights: --weights declared",
        )
    book = NameBook()
    connection = duckdb.connect()
    register_function: Any = connection.create_function  # its stubs lack the Arrow form
    register_function(
        comparisons.NAME_FUNCTION,
        book.duckdb_function(),
        ["BIGINT", "BIGINT"],
        "INTEGER",
        type="arrow",
        side_effects=False,
    )
    db = DuckDBAPI(connection)
    table = db.register(_arrow(features(records, book)), dataset_display_name="records")
    training: dict[str, Any] = {"records": len(records), "seed": seed}
    if model is not None and _reusable(model):
        chosen, training["weights"] = model["splink"], "reused from an earlier run (stored with it)"
    else:
        chosen, training["weights"] = _weights(table, seed, learn=weights == "learn")
    linker = Linker(table, chosen, log_level=logging.ERROR)
    predictions: Any = linker.inference.predict(threshold_match_probability=keep_from)
    frequency = NameFrequency.of(records)
    pairs = _pairs(predictions.as_pyarrow_table(), _level_weights(linker), frequency, keep_from)
    pairs = _with_identical(pairs, records)
    stored = model if model is not None and _reusable(model) else _stored(chosen)
    return LinkageResult(pairs, stored, training, len(records))


def _stored(splink_model: dict[str, Any]) -> dict[str, Any]:
    """What a run keeps of its model: Splink's JSON and the version of gavah's columns."""
    return {"version": comparisons.MODEL_VERSION, "splink": splink_model}


def _reusable(model: dict[str, Any]) -> bool:
    return model.get("version") == comparisons.MODEL_VERSION and "splink" in model


def _weights(table: Any, seed: int, learn: bool) -> tuple[dict[str, Any], str]:
    """The model to score with, and how its weights came to be."""
    from splink import Linker

    linker = Linker(table, settings(), log_level=logging.ERROR)
    declared: dict[str, Any] = linker.misc.save_model_to_json()
    if not learn:
        return declared, "declared"
    try:
        learned = _learn(linker, seed)
    except Exception as exc:  # noqa: BLE001 - Splink raises many kinds; the declared weights stand
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return declared, f"declared (learning failed: {reason})"
    return learned, "learned (u: random pairs; m: expectation maximisation), kept in order"


U_SAMPLE = 1e6  # random pairs from which u is learned


def _learn(linker: Any, seed: int) -> dict[str, Any]:
    """u from random pairs, m by expectation maximisation on two blocking rules (a rule that
    finds no pairs is skipped; if both do, learning failed). A level too rare among random pairs
    to be measured (fewer than 10 expected in the sample: an exact full name) keeps its declared
    u, so that it cannot get an unbounded weight from a count of zero."""
    from splink import block_on

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train = linker.training
        train.estimate_u_using_random_sampling(
            max_pairs=U_SAMPLE, seed=seed, min_count_per_level=None, num_chunks=1
        )
        failures = []
        for rule in (block_on("name_sorted", "province"), block_on("day", "age_lo", "province")):
            try:
                train.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True
                )
            except Exception as exc:  # noqa: BLE001 - Splink raises many kinds
                failures.append(exc)
        if len(failures) == 2:
            raise failures[0]
    model: dict[str, Any] = linker.misc.save_model_to_json()
    model["probability_two_random_records_match"] = comparisons.PRIOR_MATCH
    return comparisons.monotone(_measured_u(model))


def _measured_u(model: dict[str, Any]) -> dict[str, Any]:
    declared = {c.name: c.levels for c in comparisons.PRIORS}
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for lv, prior in zip(levels, declared[comparison["output_column_name"]], strict=True):
            if float(lv.get("u_probability") or 0.0) * U_SAMPLE < 10:
                lv["u_probability"] = prior.u
        total = sum(float(lv["u_probability"]) for lv in levels)
        for lv in levels:
            lv["u_probability"] = float(lv["u_probability"]) / total
    return model


def _with_identical(
    pairs: list[ScoredPair], records: Sequence[models.VictimRecord]
) -> list[ScoredPair]:
    """Link records identical in every compared field, with a name and a date or place: a list
    published twice, or a row repeated, is one person however common the name."""
    groups: defaultdict[tuple[Any, ...], list[str]] = defaultdict(list)
    for rec in records:
        key = _identity(rec)
        if key is not None:
            groups[key].append(rec.id)
    found = {(p.left, p.right): p for p in pairs}
    for ids in groups.values():
        ids.sort()
        for other in ids[1:]:  # a star, not every pair: the group is one person either way
            a, b = ids[0], other
            found[(a, b)] = ScoredPair(a, b, 1.0, IDENTICAL_WEIGHT, {"record": IDENTICAL})
    return sorted(found.values(), key=lambda p: (p.left, p.right))


def _identity(rec: models.VictimRecord) -> tuple[Any, ...] | None:
    if not (rec.name or rec.name_fa) or not (rec.date or rec.place or rec.province):
        return None
    fields = ("name", "name_fa", "age", "age_min", "age_max", "gender", "date", "place", "province")
    return tuple(" ".join(str(getattr(rec, f) or "").split()).casefold() for f in fields)


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


@dataclass(frozen=True)
class NameFrequency:
    """How common each record's name is in its own list, for the name-frequency adjustment.

    Agreeing on "Ali Mohammadi" says far less than agreeing on a rare name. The u-probability of
    agreeing on a name is at least the share of records of either pair's list that carry it
    (counted by the name key, the pair itself left out); where that share is larger than the
    level's declared u, the name weighs that much less. Agreement never weighs more than
    declared. It is measured within the two records' own lists, so adding another list does not
    move a pair's score."""

    share: dict[str, float]  # record id -> share of the other records of its list with its name
    key: dict[str, str]
    within: dict[str, float]  # record id -> the same, two records (a pair) left out

    @classmethod
    def of(cls, records: Sequence[models.VictimRecord]) -> NameFrequency:
        read_key = lru_cache(maxsize=None)(name_key)  # names repeat: each is read once
        keys = {r.id: read_key(r.name_fa or r.name or "").sorted for r in records}
        counts: defaultdict[tuple[str, str], int] = defaultdict(int)
        sizes: defaultdict[str, int] = defaultdict(int)
        for r in records:
            counts[(r.list_id, keys[r.id])] += 1
            sizes[r.list_id] += 1
        share, within = {}, {}
        for r in records:
            count, size = counts[(r.list_id, keys[r.id])], sizes[r.list_id]
            share[r.id] = max(count - 1, 0) / size
            within[r.id] = max(count - 2, 0) / size
        return cls(share, keys, within)

    def penalty(self, left: str, right: str, u: float) -> tuple[float, float]:
        """Bits to take off a name agreement whose declared u is ``u``, and the share used."""
        # Called for millions of pairs: the list is compared only where the key agrees.
        same_key = self.key[left] == self.key[right]
        same_list = same_key and left.split(":", 1)[0] == right.split(":", 1)[0]
        table = self.within if same_list else self.share
        a, b = table[left], table[right]
        found = a if a >= b else b
        return (math.log2(found / u) if found > u else 0.0), found


# Name levels whose agreement is on the name's value: their weight is adjusted for frequency.
_FREQUENCY_LEVELS = {1, 2}


def _frequency_adjusted(
    name_level: Any, left: list[str], right: list[str], frequency: NameFrequency
) -> tuple[Any, dict[int, str]]:
    """Bits to take off each pair's weight for its name's frequency (``name_level``: each
    pair's name level, 0 where unknown), and the explanation of each pair that loses any."""
    import numpy as np

    u_of = {n: lv.u for n, lv in enumerate(comparisons.PRIORS[0].levels, start=1)}
    bits = np.zeros(len(left))
    notes: dict[int, str] = {}
    for i in np.nonzero(np.isin(name_level, list(_FREQUENCY_LEVELS)))[0].tolist():
        taken, found = frequency.penalty(left[i], right[i], u_of[int(name_level[i])])
        if taken > 0:
            bits[i] = taken
            notes[i] = (
                f"a common name: 1 in {round(1 / found):,} records of its list ({-taken:+.1f})"
            )
    return bits, notes


def _pairs(
    table: Any,
    weights: dict[str, list[tuple[float, str]]],
    frequency: NameFrequency,
    keep_from: float = STORE_FROM,
) -> list[ScoredPair]:
    """Scored pairs from Splink's prediction table, with the name-frequency adjustment, each with
    its explanation, in id order. Done column by column (numpy), not row by row: a run may keep
    a million pairs."""
    import numpy as np

    left = table.column("unique_id_l").to_pylist()
    right = table.column("unique_id_r").to_pylist()
    match_weight = np.nan_to_num(
        table.column("match_weight").to_numpy(zero_copy_only=False).astype(float)
    )
    level_of: dict[str, Any] = {}
    weight_of: dict[str, Any] = {}
    for name, options in weights.items():
        level_weights = np.array([w for w, _ in options])
        mw = np.nan_to_num(table.column(f"mw_{name}").to_numpy(zero_copy_only=False).astype(float))
        level_of[name] = np.abs(mw[:, None] - level_weights[None, :]).argmin(axis=1)
        weight_of[name] = mw
    # The name's options are its null level (0), then NAME_LEVELS from the top (1).
    bits, notes = _frequency_adjusted(level_of["name"], left, right, frequency)
    match_weight = match_weight - bits
    probability = 1.0 / (1.0 + np.exp2(-match_weight))
    # Most predicted rows fall below keep_from once adjusted: explain only the pairs kept.
    kept = np.flatnonzero(probability >= keep_from)
    explained = {
        name: [
            f"{options[level][1]} ({weight:+.1f})"
            for level, weight in zip(
                level_of[name][kept].tolist(), weight_of[name][kept].tolist(), strict=True
            )
        ]
        for name, options in weights.items()
    }
    pairs = []
    for k, i in enumerate(kept.tolist()):
        a, b = (left[i], right[i]) if left[i] <= right[i] else (right[i], left[i])
        levels = {name: lines[k] for name, lines in explained.items()}
        if i in notes:
            levels["name frequency"] = notes[i]
        pairs.append(ScoredPair(a, b, float(probability[i]), float(match_weight[i]), levels))
    pairs.sort(key=lambda p: (p.left, p.right))
    return pairs
