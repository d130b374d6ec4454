"""Record linkage: which records, within and across lists, are the same person.

A Fellegi-Sunter model scores candidate pairs on the comparisons of
:mod:`gavah.casualties.comparisons`: names by the shared Persian-aware name comparison, ages as
intervals ("About 40" meets 41), dates with their precision, places through the gazetteer (a city
meets "city, province"), and gender. Only pairs that share a blocking key (same name keys and a
province, date or age; same family name and two of date, age and province; ...) are compared at
all, so the work grows with the lists, not with their product.

Splink holds the model and learns its weights (on DuckDB, in memory). The pairs are scored here,
in DuckDB and numpy, exactly as Splink's prediction scores them (a test holds the two equal to
the last bit), but faster: each pair's name level is computed once, and a pair is dropped as
soon as its other comparisons show it cannot reach the least score kept. On a large register
the name levels are computed in worker processes (:mod:`~gavah.casualties.name_workers`), to the
same result.

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

import gc
import logging
import math
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from gavah.casualties import comparisons
from gavah.casualties.comparisons import NameBook
from gavah.casualties.name_workers import name_workers, worker_count
from gavah.db import models
from gavah.errors import InputError, InternalError
from gavah.text.names import NameKey, latin_fold, name_key
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
    "unique_id", "source_dataset", "rix", "id_rank", "name_known", "name_text", "name_words", "name_sorted",
    "name_compact",
    "name_first", "name_last", "name_rare", "age_lo", "age_hi", "day", "month", "localities",
    "province", "gender",
)  # fmt: skip


def features(records: Sequence[models.VictimRecord], book: NameBook) -> dict[str, list[Any]]:
    """The columns the model compares, one row per record (as a column dict for Arrow); each
    record's names go into ``book``, under its row number ``rix``."""
    rank = _id_ranks([rec.id for rec in records])
    names = [(rec.name, rec.name_fa) for rec in records]
    fold = lru_cache(maxsize=None)(latin_fold)  # lists repeat names: each is read once
    keys = [book.key(fa or name or "") for name, fa in names]
    frequency: defaultdict[str, int] = defaultdict(int)
    for read in keys:
        frequency[read.sorted] += 1
    rows = []  # a tuple per record, in _COLUMNS' order, turned into columns at the end
    for n, (rec, (name, fa), key) in enumerate(zip(records, names, keys, strict=True)):
        rix = book.add((name, fa), rec.given_name, rec.family_name)
        place = locate(rec.place, rec.province)
        text = fold(name or fa or "")
        low, high = _age_interval(rec)
        day, month = _days(rec)
        rows.append(
            (
                rec.id,
                rec.list_id,
                rix,
                rank[n],
                True if book.entries[rix] is not None else None,
                text or None,
                len(text.split()) or None,
                key.sorted or None,
                key.compact or None,
                key.first or None,
                key.last or None,
                key.sorted if key.sorted and frequency[key.sorted] <= RARE_NAME else None,
                low,
                high,
                day,
                month,
                sorted(place.localities) or None,
                place.province,
                rec.gender,
            )
        )
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in _COLUMNS]
    return {k: list(column) for k, column in zip(_COLUMNS, columns, strict=True)}


def _id_ranks(ids: Sequence[str]) -> list[int]:
    """Each record's place in the order of record ids: pairs are oriented and sorted by it, as
    by the ids themselves (and as Splink orients them), with numbers in place of strings."""
    rank = [0] * len(ids)
    for n, i in enumerate(sorted(range(len(ids)), key=ids.__getitem__)):
        rank[i] = n
    return rank


def _arrow(columns: dict[str, list[Any]]) -> Any:
    """The columns as an Arrow table with declared types: a column that happens to be all empty
    (no list gives a place) must still be of its type for the model's SQL."""
    import pyarrow as pa

    types = {"rix": pa.int64(), "name_known": pa.bool_(), "localities": pa.list_(pa.string())}
    types |= {c: pa.int64() for c in ("id_rank", "name_words")}
    types |= {c: pa.int64() for c in ("age_lo", "age_hi", "day", "month")}
    schema = pa.schema([(c, types.get(c, pa.string())) for c in _COLUMNS])
    return pa.table(columns, schema=schema)


# Only pairs that agree on every key of one of these rules are compared (each key is SQL on a
# record's columns), so the work grows with the lists, not with their product.
BLOCKING: tuple[tuple[str, ...], ...] = (
    # A name alone only where it is rare: a common name ("Mohammad Mohammadi") would pair
    # thousands of records with each other. Common names need one more field.
    ("name_rare",),
    ("name_sorted", "province"),
    ("name_sorted", "day"),
    ("name_sorted", "month"),
    ("name_compact", "age_lo"),
    ("name_last", "day", "province"),
    ("name_first", "day", "age_lo"),
    ("name_last", "age_lo", "province"),
    ("name_last", "day", "age_lo"),
    ("substr(name_compact, 1, 4)", "day", "province"),
    # A name misspelled and a date a day off, together: any two days at most one apart
    # share one of the two-day windows (day / 2 or (day + 1) / 2, rounded down).
    *(
        (*names, "province", window)
        for names in (("name_last",), ("name_first", "substr(name_last, 1, 2)"))
        for window in ("floor(day / 2)", "floor((day + 1) / 2)")
    ),
)


def _blocking_rules() -> list[Any]:
    from splink import block_on

    return [block_on(*keys) for keys in BLOCKING]


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
    workers: int = 0,
) -> LinkageResult:
    """Score candidate pairs among ``records`` (within and across their lists).

    ``model``: a stored model to reuse as it is (its weights are not learned again). Else
    ``weights="learn"`` learns them from ``records`` (refused below
    :data:`MIN_RECORDS_TO_TRAIN` records), and anything else uses the declared ones.
    ``keep_from``: the least probability of a pair returned (a study of the model may want the
    pairs the register drops). ``workers``: the processes that compare names (0: one per CPU
    core; see :mod:`~gavah.casualties.name_workers`); the result is the same with any number."""
    from splink import Linker

    if len(records) < 2:
        raise InputError("record linkage needs at least two records in the register")
    if weights == "learn" and model is None and len(records) < MIN_RECORDS_TO_TRAIN:
        raise InputError(
            f"too few records to learn weights from ({len(records):,}; at least "
            f"{MIN_RECORDS_TO_TRAIN:,} are needed)",
            hint="link with the declared weights: --weights declared",
        )
    with _collector_paused():
        book = NameBook()
        connection, table, frequency = _registered(records, book)
        with name_workers(book, worker_count(workers), len(records)):
            chosen, training = _model(table, seed, model, weights, len(records))
            scale = _Scale.of(Linker(table, chosen, log_level=logging.ERROR), connection)
            scored = _score(connection, table.physical_name, book, scale, keep_from)
        ids = sorted(rec.id for rec in records)  # by id_rank
        pairs = _pairs(scored, ids, scale, frequency, keep_from)
        pairs = _with_identical(pairs, records)
        stored = model if model is not None and _reusable(model) else _stored(chosen)
        return LinkageResult(pairs, stored, training, len(records))


def _model(
    table: Any, seed: int, model: dict[str, Any] | None, weights: Weights, records: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Splink model to score with, and how it came to be."""
    training: dict[str, Any] = {"records": records, "seed": seed}
    if model is not None and _reusable(model):
        training["weights"] = "reused from an earlier run (stored with it)"
        return model["splink"], training
    chosen, training["weights"] = _weights(table, seed, learn=weights == "learn")
    return chosen, training


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while linking: a run makes millions of objects that live
    as long as it does (names read, name levels, pairs), and each full collection walked all of
    them and every record again (17 s of a run on 200,000 records). Reference counting still
    frees what is dropped; any cycle left is collected once the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _registered(
    records: Sequence[models.VictimRecord], book: NameBook
) -> tuple[Any, Any, _FrequencyColumns]:
    """A DuckDB connection with the records' columns (as a Splink table) and the name function
    that Splink's SQL calls while it learns weights; and the records' name frequencies, read
    from the same columns."""
    import duckdb
    from splink import DuckDBAPI

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
    columns = features(records, book)
    table = DuckDBAPI(connection).register(_arrow(columns), dataset_display_name="records")
    return connection, table, _FrequencyColumns.of_features(columns)


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
    published twice, or a row repeated, is one person however common the name. ``pairs`` are
    in id order, and so is the result."""
    groups: defaultdict[tuple[Any, ...], list[str]] = defaultdict(list)
    for rec in records:
        key = _identity(rec)
        if key is not None:
            groups[key].append(rec.id)
    identical: dict[tuple[str, str], ScoredPair] = {}
    for ids in groups.values():
        ids.sort()
        for other in ids[1:]:  # a star, not every pair: the group is one person either way
            a, b = ids[0], other
            identical[(a, b)] = ScoredPair(a, b, 1.0, IDENTICAL_WEIGHT, {"record": IDENTICAL})
    if not identical:
        return pairs
    merged = [identical.pop((p.left, p.right), p) for p in pairs]
    if identical:  # pairs not scored, or scored below keep_from
        merged += identical.values()
        merged.sort(key=lambda p: (p.left, p.right))
    return merged


def _identity(rec: models.VictimRecord) -> tuple[Any, ...] | None:
    if not (rec.name or rec.name_fa) or not (rec.date or rec.place or rec.province):
        return None
    fields = ("name", "name_fa", "age", "age_min", "age_max", "gender", "date", "place", "province")
    return tuple(" ".join(str(getattr(rec, f) or "").split()).casefold() for f in fields)


def _weight_of(probability: float) -> float:
    """A probability as a match weight (log2 of its odds), as Splink reckons it."""
    return math.log2(probability / (1 - probability)) if probability != 1 else math.inf


def _read_as_sql(connection: Any, numbers: Sequence[float]) -> list[float]:
    """Numbers as DuckDB reads them written out in SQL, as Splink's scoring wrote each weight:
    DuckDB does not always read a decimal as its nearest double (0.9560566524124029 as
    0.9560566524124028), and scores stay, to the last bit, those Splink gave."""
    finite = [float(n) for n in numbers if math.isfinite(n)]
    sql = ", ".join(f"CAST({n!r} AS DOUBLE)" for n in finite) or "NULL"
    read = iter(connection.execute(f"SELECT {sql}").fetchone() or ())
    return [float(next(read)) if math.isfinite(n) else float(n) for n in numbers]


@dataclass(frozen=True)
class _Scale:
    """A model's weights as pairs are scored with them: the prior's match weight, and per
    comparison each level's match weight and label, "not known on one side" first (level 0),
    then the levels from the most agreeing (1) on."""

    prior: float
    levels: dict[str, list[tuple[float, str]]]

    @classmethod
    def of(cls, linker: Any, connection: Any) -> _Scale:
        settings = linker._settings_obj
        found = [(c.output_column_name, c.comparison_levels) for c in settings.comparisons]
        if [(name, len(levels)) for name, levels in found] != [
            (c.name, len(c.levels) + 1) for c in comparisons.PRIORS
        ]:
            raise InternalError("the linkage model does not have the comparisons' levels")
        prior = _weight_of(settings._probability_two_random_records_match)
        weights = iter(
            _read_as_sql(
                connection, [prior, *(lv._match_weight for _, levels in found for lv in levels)]
            )
        )
        prior = next(weights)
        labels = {
            name: [
                "not known on one side" if lv.is_null_level else lv.label_for_charts
                for lv in levels
            ]
            for name, levels in found
        }
        return cls(prior, {n: [(next(weights), label) for label in ls] for n, ls in labels.items()})

    def weights(self, name: str) -> Any:
        """The match weight of each level of a comparison (numpy), by level number."""
        import numpy as np

        return np.array([weight for weight, _ in self.levels[name]])


@dataclass(frozen=True)
class _Scored:
    """Candidate pairs, each with its level of each comparison and its match weight (before the
    name-frequency adjustment), as numpy columns."""

    left: Any  # id ranks, the lower first
    right: Any
    levels: dict[str, Any]  # comparison -> each pair's level number (see _Scale)
    match_weight: Any


def _score(
    connection: Any, records: str, book: NameBook, scale: _Scale, keep_from: float
) -> _Scored:
    """The candidate pairs scoring at least ``keep_from``, scored as Splink's prediction scores
    them (the same conditions, weights and sum, in the same order), with two shortcuts: each
    pair's name level is computed once, in one call for all pairs, not once per level tried;
    and a pair is dropped as soon as it cannot reach ``keep_from`` whatever its other levels:
    its name level is computed only if the best name could carry it."""
    import numpy as np

    least = _read_as_sql(connection, [_weight_of(keep_from)])[0] if keep_from > 0 else -math.inf
    name, *rest = comparisons.PRIORS
    # Joined to millions of pairs: a table of DuckDB's own, not a view of the Arrow columns.
    connection.execute(f"CREATE OR REPLACE TEMP TABLE gavah_records AS SELECT * FROM {records}")
    best = scale.prior + float(max(scale.weights(name.name)))
    column = _maybe_kept(connection, "gavah_records", rest, scale, least - best)
    by_rank = connection.execute(
        "SELECT rix, coalesce(name_words, -1) AS words FROM gavah_records ORDER BY id_rank"
    ).fetchnumpy()
    rix, words = by_rank["rix"], by_rank["words"]
    name_level = book.levels(rix[column["l"]], rix[column["r"]])
    same_words = (words[column["l"]] == words[column["r"]]) & (words[column["l"]] >= 0)
    best_by_level = np.array(
        [
            [
                max(scale.weights(name.name)[list(comparisons.name_comparison_levels(n, same))])
                for same in (False, True)
            ]
            for n in range(int(name_level.max(initial=0)) + 1)
        ]
    )
    bound = scale.prior + best_by_level[name_level, same_words.astype(np.int8)]
    for c in rest:
        bound = bound + scale.weights(c.name)[column[c.name]]
    maybe = np.flatnonzero(bound >= least - 1e-9)  # as in _maybe_kept
    column = {c: values[maybe] for c, values in column.items()}
    column[name.name] = _name_levels(
        connection, "gavah_records", name, column, name_level[maybe], same_words[maybe]
    )
    match_weight = np.full(len(maybe), scale.prior)
    for compared in scale.levels:  # Splink's order of the sum
        match_weight = match_weight + scale.weights(compared)[column[compared]]
    keep = np.flatnonzero(match_weight >= least)
    levels = {compared: column[compared][keep] for compared in scale.levels}
    return _Scored(column["l"][keep], column["r"][keep], levels, match_weight[keep])


def _maybe_kept(
    connection: Any,
    records: str,
    compared: Sequence[comparisons.Comparison],
    scale: _Scale,
    least: float,
) -> dict[str, Any]:
    """The candidate pairs whose levels of ``compared`` weigh at least ``least`` together, with
    those levels (numpy columns l, r and one per comparison)."""
    weights = [
        f"(CAST([{', '.join(map(repr, scale.weights(c.name).tolist()))}] AS DOUBLE[]))"
        f"[{c.name} + 1]"
        for c in compared
    ]
    # 1e-9: summed in another order than the score, this may differ from it in the last bit.
    sql = (
        f"SELECT * FROM ({_compare_sql(records, f'({_candidates_sql(records)})', compared)}) "
        f"WHERE {' + '.join(['0.0', *weights])} >= CAST('{float(least) - 1e-9!r}' AS DOUBLE)"
    )
    found: dict[str, Any] = connection.execute(sql).fetchnumpy()
    return found


def _name_levels(
    connection: Any,
    records: str,
    name: comparisons.Comparison,
    pairs: dict[str, Any],
    name_level: Any,
    same_words: Any,
) -> Any:
    """The name comparison's level of each pair (numpy), from its name level and whether its
    names have as many words. Most pairs can fall in one comparison level only
    (:func:`~gavah.casualties.comparisons.name_comparison_levels`), which is then theirs; only
    the others (names that differ but may look alike) are asked of the comparison's SQL."""
    import numpy as np
    import pyarrow as pa

    top = int(name_level.max(initial=0)) + 1
    options = [
        [comparisons.name_comparison_levels(n, same) for same in (False, True)] for n in range(top)
    ]
    same = same_words.astype(np.int8)
    first = np.array([[found[0] for found in both] for both in options], dtype=np.int8)
    levels = first[name_level, same]
    open_ = np.array([[len(found) > 1 for found in both] for both in options])
    ask = np.flatnonzero(open_[name_level, same])
    if not len(ask):
        return levels
    numbered = pa.table(
        {"k": ask, "l": pairs["l"][ask], "r": pairs["r"][ask], "name_level": name_level[ask]}
    )
    connection.register("gavah_named_pairs", numbered)
    try:
        found = connection.execute(
            _compare_sql(records, "gavah_named_pairs", [name], "k")
        ).fetchnumpy()
    finally:
        connection.unregister("gavah_named_pairs")
    levels[found["k"]] = found[name.name]
    return levels


def _candidates_sql(records: str) -> str:
    """Each pair of records that agree on every key of a blocking rule, once, by id rank (the
    lower first), as columns l and r."""
    rules = []
    for keys in BLOCKING:
        named = ", ".join(f"{key} AS k{n}" for n, key in enumerate(keys))
        same = " AND ".join(f"l.k{n} = r.k{n}" for n in range(len(keys)))
        side = f"(SELECT id_rank, {named} FROM {records})"
        rules.append(
            f"SELECT l.id_rank AS l, r.id_rank AS r FROM {side} AS l JOIN {side} AS r "
            f"ON {same} AND l.id_rank < r.id_rank"
        )
    return "\nUNION\n".join(rules)


def _compare_sql(
    records: str, pairs: str, compared: Sequence[comparisons.Comparison], keep: str = "l, r"
) -> str:
    """The level of each of ``compared`` of each pair of ``pairs`` (columns l and r: id ranks,
    and name_level where a comparison needs it), with the columns ``keep``."""
    sides = ", ".join(f'{s}."{c}" AS "{c}_{s}"' for c in _COLUMNS for s in ("l", "r"))
    level = {c.name: comparisons.level_sql(c, "name_level") for c in compared}
    levels = ", ".join(f"CAST({sql} AS TINYINT) AS {name}" for name, sql in level.items())
    return (
        f"SELECT {keep}, {levels} FROM (SELECT p.*, {sides} FROM {pairs} AS p "
        f"JOIN {records} AS l ON l.id_rank = p.l JOIN {records} AS r ON r.id_rank = p.r)"
    )


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
    def of(
        cls,
        records: Sequence[models.VictimRecord],
        read_key: Callable[[str], NameKey] | None = None,
    ) -> NameFrequency:
        """``read_key``: :func:`~gavah.text.names.name_key`, or a cache of it."""
        read = read_key or lru_cache(maxsize=None)(name_key)  # names repeat: each is read once
        keys = {r.id: read(r.name_fa or r.name or "").sorted for r in records}
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
        same_key = self.key[left] == self.key[right]
        same_list = same_key and left.split(":", 1)[0] == right.split(":", 1)[0]
        table = self.within if same_list else self.share
        a, b = table[left], table[right]
        found = a if a >= b else b
        return (math.log2(found / u) if found > u else 0.0), found

    def columns(self, ids: Sequence[str]) -> _FrequencyColumns:
        """The same for the records ``ids``, as numpy columns in their order."""
        import numpy as np

        def numbered(values: Iterable[str]) -> Any:
            numbers: dict[str, int] = {}
            found = [numbers.setdefault(v, len(numbers)) for v in values]
            return np.array(found, dtype=np.int64)

        return _FrequencyColumns(
            numbered(self.key[i] for i in ids),
            numbered(i.split(":", 1)[0] for i in ids),  # a record's list, as penalty() reads it
            np.array([self.share[i] for i in ids], dtype=float),
            np.array([self.within[i] for i in ids], dtype=float),
        )


@dataclass(frozen=True)
class _FrequencyColumns:
    key: Any  # numpy, by record: a number per name key
    list: Any  # a number per list
    share: Any
    within: Any

    @classmethod
    def of_features(cls, columns: dict[str, list[Any]]) -> _FrequencyColumns:
        """:meth:`NameFrequency.columns` of every record in id order, counted in numpy from
        the columns :func:`features` read (the same keys: no record is read again; on two
        lists of 100,000 records this took 3.4 s of processor time record by record)."""
        import numpy as np

        def numbered(values: Iterable[Any]) -> Any:
            _, number = np.unique(np.array(list(values), dtype=object), return_inverse=True)
            return number.reshape(-1)

        order = np.argsort(np.array(columns["id_rank"], dtype=np.int64), kind="stable")
        key = numbered(k or "" for k in columns["name_sorted"])[order]  # no name: the key ""
        counted = numbered(columns["source_dataset"])[order]  # a record's list_id
        size = np.bincount(counted)
        pair = counted * (int(key.max(initial=0)) + 1) + key
        _, which, count = np.unique(pair, return_inverse=True, return_counts=True)
        count, size = count[which.reshape(-1)], size[counted]
        prefix = numbered(str(i).split(":", 1)[0] for i in columns["unique_id"])[order]
        return cls(
            key,
            prefix,  # a record's list, as penalty() reads it
            np.maximum(count - 1, 0) / size,
            np.maximum(count - 2, 0) / size,
        )

    def penalties(self, left: Any, right: Any, u: Any) -> tuple[Any, Any]:
        """:meth:`NameFrequency.penalty` of each pair of records (numpy columns of their
        numbers, and of each pair's u): the bits, and the share used."""
        import numpy as np

        same_list = (self.key[left] == self.key[right]) & (self.list[left] == self.list[right])
        # Each record's two shares as numbers of the distinct shares, in order: the larger of
        # two shares is the larger number, and a logarithm is taken once per distinct share
        # (a few hundred), not sorted out of millions of pairs.
        distinct = np.unique(np.concatenate([self.share, self.within]))
        share = np.searchsorted(distinct, self.share)
        within = np.searchsorted(distinct, self.within)
        a = np.where(same_list, within[left], share[left])
        b = np.where(same_list, within[right], share[right])
        which = np.maximum(a, b)
        found = distinct[which]
        bits = np.zeros(len(found))
        for one in np.unique(u).tolist():
            over = np.flatnonzero((u == one) & (found > one))
            # math.log2 of each distinct share, as penalty() computes it, not numpy's.
            logs = np.array([math.log2(x / one) if x > one else 0.0 for x in distinct.tolist()])
            bits[over] = logs[which[over]]
        return bits, found


# Name levels whose agreement is on the name's value: their weight is adjusted for frequency.
_FREQUENCY_LEVELS = (1, 2)


def _frequency_adjusted(scored: _Scored, frequency: _FrequencyColumns) -> tuple[Any, Any]:
    """Bits to take off each pair's weight for its name's frequency, and the share of records
    with its name (NaN where the name's level is not adjusted)."""
    import numpy as np

    u_of = np.array([math.nan, *(lv.u for lv in comparisons.PRIORS[0].levels)])
    name_level = scored.levels["name"]
    at = np.flatnonzero(np.isin(name_level, _FREQUENCY_LEVELS))
    taken, found = frequency.penalties(scored.left[at], scored.right[at], u_of[name_level[at]])
    bits, shares = np.zeros(len(name_level)), np.full(len(name_level), math.nan)
    bits[at], shares[at] = taken, found
    return bits, shares


def _pairs(
    scored: _Scored,
    ids: Sequence[str],
    scale: _Scale,
    frequency: _FrequencyColumns,
    keep_from: float = STORE_FROM,
) -> list[ScoredPair]:
    """Scored pairs with the name-frequency adjustment, each with its explanation, in id order.
    Done column by column (numpy), not row by row, where it can: a run may keep a million
    pairs, and most share one of a few hundred explanations."""
    import numpy as np

    bits, shares = _frequency_adjusted(scored, frequency)
    match_weight = scored.match_weight - bits
    probability = 1.0 / (1.0 + np.exp2(-match_weight))
    # Most scored pairs fall below keep_from once adjusted: explain only the pairs kept.
    kept = np.flatnonzero(probability >= keep_from)
    kept = kept[np.lexsort((scored.right[kept], scored.left[kept]))]
    explanations, which = _explanations({n: lv[kept] for n, lv in scored.levels.items()}, scale)
    columns = (
        scored.left[kept].tolist(),
        scored.right[kept].tolist(),
        probability[kept].tolist(),
        match_weight[kept].tolist(),
        which.tolist(),
        bits[kept].tolist(),
        shares[kept].tolist(),
    )
    # Pairs with one explanation (and one name-frequency note) share its dict: nothing changes
    # a pair's levels once made, and a million copies, each note written out again, cost
    # seconds on a large run. The notes are few: a share is a count of records in a list.
    noted: dict[tuple[int, float, float], dict[str, str]] = {}
    pairs = []
    for a, b, p, w, n, taken, found in zip(*columns, strict=True):
        levels = explanations[n]
        if taken > 0:
            with_note = noted.get((n, taken, found))
            if with_note is None:
                note = f"a common name: 1 in {round(1 / found):,} records of its list"
                with_note = noted[(n, taken, found)] = {
                    **levels,
                    "name frequency": f"{note} ({_signed(-taken)})",
                }
            levels = with_note
        pairs.append(ScoredPair(ids[a], ids[b], p, w, levels))
    return pairs


def _signed(weight: float) -> str:
    """A weight as people read it: ``+3.3``, ``-1.2``, and ``0.0`` for what rounds to nothing
    (``-0.0`` read as a penalty in `victims review`)."""
    shown = f"{weight:+.1f}"
    return "0.0" if shown in ("+0.0", "-0.0") else shown


def _explanations(levels: dict[str, Any], scale: _Scale) -> tuple[list[dict[str, str]], Any]:
    """The distinct explanations of pairs with these levels (numpy columns), and each pair's."""
    import numpy as np

    code = np.zeros(len(next(iter(levels.values()), [])), dtype=np.int64)
    for name, options in scale.levels.items():
        code = code * len(options) + levels[name]
    _, first, which = np.unique(code, return_index=True, return_inverse=True)
    explained = []
    for k in first.tolist():
        explained.append(
            {
                name: f"{options[int(levels[name][k])][1]} ({_signed(options[int(levels[name][k])][0])})"
                for name, options in scale.levels.items()
            }
        )
    return explained, which
