"""The name levels record linkage computes quickly (:class:`NameBook`: entries shared by records
with the same names, levels kept by pair of entries, names read and scored once per reading, a
vectorised DuckDB function) are exactly those of their plain definition, and so are the pairs
and probabilities of a linkage. Every name here is synthetic."""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from splink import Linker

from gavah.casualties import comparisons, linkage, synthetic
from gavah.casualties.comparisons import NAME_DIFFER, NAME_LEVELS, NameBook, _part_of, readings
from gavah.casualties.register import RowError, convert_row, default_mapping
from gavah.db import models
from gavah.errors import InputError
from gavah.text.name_compare import NameScores, NameSet, compare
from gavah.text.names import latin_fold, name_key


@pytest.fixture(scope="module")
def records() -> list[models.VictimRecord]:
    """About 3,000 records of two realistic lists of the same people (the benchmark's kind)."""
    population = synthetic.realistic_people(2_300, seed=31)
    lists = synthetic.realistic_lists(population, (0.67, 0.67), seed=32)
    out = []
    for j, rows in enumerate(lists):
        prefix = synthetic.list_prefix(j)
        named = [c for c in rows[0] if c not in ("record_id", "truth_id")]
        mapping = {"id": "record_id", **default_mapping(named)}
        for number, row in enumerate(rows, start=2):
            try:
                fields, _ = convert_row(row, mapping, "auto", str)
            except RowError:  # a value the import refuses: the row is not needed here
                continue
            out.append(
                models.VictimRecord(
                    id=f"{prefix}:{number}", list_id=prefix, row=number, original="{}", **fields
                )
            )
    out += [  # no name at all, and a name with no letter in it
        models.VictimRecord(id="C:2", list_id="C", row=2, original="{}", name=None),
        models.VictimRecord(id="C:3", list_id="C", row=3, original="{}", name="--"),
    ]
    return out


# --- the plain definition -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlainNames:
    names: tuple[str, ...]
    folded: frozenset[tuple[str, ...]]
    given: str | None
    family: str | None
    skeletons: frozenset[str]
    words: tuple[tuple[str, ...], ...]


def plain_names(rec: models.VictimRecord) -> PlainNames | None:
    written = tuple(v for n in (rec.name, rec.name_fa) if n and n.strip() for v in readings(n))
    if not written:
        return None
    words = tuple(key.tokens for n in written if (key := name_key(n)).tokens)
    skeletons = {s for w in words for s in w}
    skeletons |= {s[:3] for s in skeletons if len(s) >= 4}
    given, family = rec.given_name, rec.family_name
    both = given and family and given.strip() and family.strip()
    return PlainNames(
        written,
        frozenset(tuple(sorted(latin_fold(n).split())) for n in written),
        given.strip() if both and given else None,
        family.strip() if both and family else None,
        frozenset(skeletons),
        words,
    )


def plain_score(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    try:
        left, right = NameSet.of(a), NameSet.of(b)
    except InputError:
        return 0.0
    return compare(left, right).score


def plain_level(a: PlainNames | None, b: PlainNames | None) -> int:
    if a is None or b is None:
        return 0
    if a.given and a.family and b.given and b.family:
        score = min(plain_score((a.given,), (b.given,)), plain_score((a.family,), (b.family,)))
    elif not a.folded.isdisjoint(b.folded):
        return 1
    elif a.skeletons.isdisjoint(b.skeletons):
        return NAME_DIFFER
    else:
        score = plain_score(a.names, b.names)
    if score < 0.80 and _part_of(a.words, b.words):
        return 4
    return next((n for n, least, _ in NAME_LEVELS if score >= least), NAME_DIFFER)


class PlainBook:
    """A NameBook by the plain definition, one record at a time: the reference."""

    def __init__(self) -> None:
        self.entries: list[PlainNames | None] = []
        self.records: list[models.VictimRecord] = []

    def add(
        self, names: Sequence[str | None], given: str | None = None, family: str | None = None
    ) -> int:
        rec = models.VictimRecord(
            name=names[0], name_fa=names[1], given_name=given, family_name=family
        )
        self.entries.append(plain_names(rec))
        return len(self.entries) - 1

    def key(self, name: str) -> Any:
        return name_key(name)

    def level(self, i: int, j: int) -> int:
        low, high = sorted((i, j))
        return plain_level(self.entries[low], self.entries[high])

    def levels(self, left: Any, right: Any) -> Any:
        pairs = zip(left.tolist(), right.tolist(), strict=True)
        return np.array([self.level(a, b) for a, b in pairs], dtype=np.int32)

    def duckdb_function(self) -> Any:
        def levels(left: Any, right: Any) -> Any:
            pairs = zip(left.to_pylist(), right.to_pylist(), strict=True)
            return pa.array([self.level(a, b) for a, b in pairs], type=pa.int32())

        return levels


# --- candidate pairs ----------------------------------------------------------------------------


def candidate_pairs(records: Sequence[models.VictimRecord], n: int) -> list[tuple[int, int]]:
    """Pairs as blocking finds them (a name part in common), both ways round, and some at
    random; the same records come back often, as in a linkage."""
    rng = random.Random(5)
    by_part: dict[str, list[int]] = {}
    for i, rec in enumerate(records):
        key = name_key(rec.name_fa or rec.name or "")
        for part in {key.first, key.last} - {""}:
            by_part.setdefault(part, []).append(i)
    groups = [g for g in by_part.values() if len(g) > 1]
    pairs = []
    while len(pairs) < n:
        i, j = rng.sample(rng.choice(groups), 2)
        pairs.append((i, j))
    pairs += [(rng.randrange(len(records)), rng.randrange(len(records))) for _ in range(n // 10)]
    pairs += [(len(records) - 1, 0), (0, len(records) - 2), (len(records) - 2, len(records) - 1)]
    return pairs


def _booked(records: Sequence[models.VictimRecord], book: Any) -> None:
    for rec in records:
        book.add((rec.name, rec.name_fa), rec.given_name, rec.family_name)


def test_levels_are_those_of_the_plain_definition(records: list[models.VictimRecord]) -> None:
    book, plain = NameBook(), PlainBook()
    _booked(records, book)
    _booked(records, plain)
    pairs = candidate_pairs(records, 4_000)
    found = [book.level(i, j) for i, j in pairs]
    assert found == [plain.level(i, j) for i, j in pairs]
    assert set(found) >= {0, 1, NAME_DIFFER}  # the test reaches the levels that matter
    assert len(set(found)) >= 5


def test_given_and_family_names_are_scored_apart() -> None:
    people = [
        ("Ali Rezaei", "Ali", "Rezaei"),
        ("Ali Rezaie", "Ali", "Rezaie"),
        ("Reza Alavi", "Reza", "Alavi"),
        ("Rezaei", None, "Rezaei"),
        ("Ali Rezaei", None, None),
    ]
    book, plain = NameBook(), PlainBook()
    for name, given, family in people:
        book.add((name, None), given, family)
        plain.add((name, None), given, family)
    pairs = [(i, j) for i in range(len(people)) for j in range(len(people))]
    assert [book.level(i, j) for i, j in pairs] == [plain.level(i, j) for i, j in pairs]


def test_levels_of_many_pairs_at_once_are_level(records: list[models.VictimRecord]) -> None:
    book = NameBook()
    _booked(records, book)
    pairs = candidate_pairs(records, 3_000)
    left, right = (np.array(side, dtype=np.int64) for side in zip(*pairs, strict=True))
    assert book.levels(left, right).tolist() == [book.level(i, j) for i, j in pairs]
    assert book.levels(left[:0], right[:0]).tolist() == []


def test_the_duckdb_function_answers_as_level(records: list[models.VictimRecord]) -> None:
    """Chunks as DuckDB sends them: a new chunk, then the part of it an earlier level did not
    take (answered from the chunk kept), then a chunk that overlaps it."""
    book = NameBook()
    _booked(records, book)
    function = book.duckdb_function()
    pairs = candidate_pairs(records, 3_000)

    def call(chunk: Sequence[tuple[int, int]]) -> list[int]:
        left = pa.array([i for i, _ in chunk], pa.int64())
        right = pa.array([j for _, j in chunk], pa.int64())
        result: list[int] = function(left, right).to_pylist()
        return result

    for chunk in _chunks(pairs):
        expected = [book.level(i, j) for i, j in chunk]
        assert call(chunk) == expected
        rest = [p for p, level in zip(chunk, expected, strict=True) if level != 1]
        assert call(rest) == [book.level(i, j) for i, j in rest]
        assert call(rest[::-1]) == [book.level(i, j) for i, j in rest[::-1]]
    assert call([]) == []
    assert call(pairs[:50]) == [book.level(i, j) for i, j in pairs[:50]]
    first = book.duckdb_function()  # a thread whose first chunk is empty
    empty, one, two = (pa.array(x, pa.int64()) for x in ([], [0], [1]))
    assert first(empty, empty).to_pylist() == []
    assert first(one, two).to_pylist() == [book.level(0, 1)]


def _chunks(pairs: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    start = 0
    while start < len(pairs):
        yield pairs[start : start + 700]
        start += 500  # chunks overlap


def test_name_scores_equal_compare() -> None:
    names = [
        ("Mohammad Rezaei", "محمد رضایی"),
        ("MOHAMMAD REZAEI",),
        ("Mohamad Rezaee",),
        ("Mohammadreza Rezaei",),
        ("Rezaei, Mohammad",),
        ("Seyed Ali Hosseini",),
        ("Ali Hosseini",),
        ("Hossein Hosseini Nejad",),
        ("Zahra (Mahsa) Amini",),
        ("Branch 15 Revolutionary Court",),
    ]
    scores = NameScores()
    sets = [NameSet.of(n) for n in names]
    mine = [scores.name_set(n) for n in names]
    assert all(m.keys == frozenset() and m.parsed for m in mine)
    for a, x in zip(sets, mine, strict=True):
        for b, y in zip(sets, mine, strict=True):
            assert scores.score(x, y) == compare(a, b).score
            assert scores.score(a, b) == compare(a, b).score
    with pytest.raises(InputError):
        scores.name_set(["--"])


def test_name_frequency_penalty_is_the_plain_one(records: list[models.VictimRecord]) -> None:
    frequency = linkage.NameFrequency.of(records)
    ids = [r.id for r in records]
    rng = random.Random(3)
    pairs = [(rng.choice(ids), rng.choice(ids)) for _ in range(3_000)]
    for left, right in pairs + [(a, a) for a in ids[:200]]:
        same_list = left.split(":", 1)[0] == right.split(":", 1)[0]
        same_key = frequency.key[left] == frequency.key[right]
        table = frequency.within if same_list and same_key else frequency.share
        share = max(table[left], table[right])
        for u in (1e-4, 4e-4):
            bits = math.log2(share / u) if share > u else 0.0
            assert frequency.penalty(left, right, u) == (bits, share)


def test_many_penalties_at_once_are_penalty(records: list[models.VictimRecord]) -> None:
    frequency = linkage.NameFrequency.of(records)
    ids = sorted(r.id for r in records)
    rng = random.Random(4)
    by_key: dict[str, list[int]] = {}
    for n, i in enumerate(ids):
        by_key.setdefault(frequency.key[i], []).append(n)
    common = [g for g in by_key.values() if len(g) > 2]
    pairs = [tuple(rng.sample(rng.choice(common), 2)) for _ in range(2_000)]  # the same name
    pairs += [(rng.randrange(len(ids)), rng.randrange(len(ids))) for _ in range(2_000)]
    left, right = (np.array(side) for side in zip(*pairs, strict=True))
    u = np.array([rng.choice((1e-4, 4e-4)) for _ in pairs])
    bits, found = frequency.columns(ids).penalties(left, right, u)
    expected = [
        frequency.penalty(ids[a], ids[b], w) for a, b, w in zip(left, right, u, strict=True)
    ]
    assert list(zip(bits.tolist(), found.tolist(), strict=True)) == expected
    assert (bits > 0).sum() > 100  # common names are reached


def test_frequencies_read_from_the_features_are_the_plain_ones(
    records: list[models.VictimRecord],
) -> None:
    """link() counts names in numpy from the columns it read; the penalties are, to the last
    bit, those of NameFrequency, which reads each record again."""
    plain = linkage.NameFrequency.of(records)
    ids = sorted(r.id for r in records)
    fast = linkage._FrequencyColumns.of_features(linkage.features(records, NameBook()))
    expected = plain.columns(ids)
    assert fast.share.tolist() == expected.share.tolist()
    assert fast.within.tolist() == expected.within.tolist()
    rng = random.Random(5)
    left = np.array([rng.randrange(len(ids)) for _ in range(5_000)])
    right = np.array([rng.randrange(len(ids)) for _ in range(5_000)])
    for u in (1e-4, 4e-4):
        many = np.full(len(left), u)
        bits, found = fast.penalties(left, right, many)
        assert (bits.tolist(), found.tolist()) == tuple(
            x.tolist() for x in expected.penalties(left, right, many)
        )
        same = (fast.key[left] == fast.key[right]) & (fast.list[left] == fast.list[right])
        plain_same = [
            plain.key[ids[a]] == plain.key[ids[b]]
            and ids[a].split(":", 1)[0] == ids[b].split(":", 1)[0]
            for a, b in zip(left.tolist(), right.tolist(), strict=True)
        ]
        assert same.tolist() == plain_same
        assert (bits > 0).any()


def test_scores_are_those_of_splinks_own_prediction(records: list[models.VictimRecord]) -> None:
    """linkage scores pairs itself, with each pair's name level computed once; the pairs and
    each one's weights are, to the last bit, those Splink's prediction gives."""
    book = NameBook()
    connection, table, _ = linkage._registered(records, book)
    linker = Linker(table, linkage.settings(), log_level=logging.ERROR)
    scale = linkage._Scale.of(linker, connection)
    ours = linkage._score(connection, table.physical_name, book, scale, linkage.STORE_FROM)
    ids = sorted(r.id for r in records)
    found = {
        (ids[a], ids[b]): (w, *(scale.weights(n)[ours.levels[n][k]] for n in scale.levels))
        for k, (a, b, w) in enumerate(zip(ours.left, ours.right, ours.match_weight, strict=True))
    }
    predicted = linker.inference.predict(threshold_match_probability=linkage.STORE_FROM)
    theirs = predicted.as_pyarrow_table().to_pylist()
    names = [f"mw_{n}" for n in scale.levels]
    expected = {
        tuple(sorted((p["unique_id_l"], p["unique_id_r"]))): (
            p["match_weight"],
            *(p[n] for n in names),
        )
        for p in theirs
    }
    assert found == expected
    assert len(found) > 1_000


def test_name_comparison_levels_hold_every_level_the_sql_gives() -> None:
    """Scoring drops a pair by the best name comparison level its name level allows."""
    texts = [("ali rezaei", "ali rezaie"), ("ali rezaei", "reza alavi"), ("mohammad", "mohamad")]
    texts += [("ali rezaei", "ali reza rezaei"), ("rezaei", "ali rezaie")]
    rows = [
        {"name_level": n, "name_known_l": n > 0 or None, "name_known_r": True}
        | {"name_text_l": a, "name_text_r": b}
        | {"name_words_l": len(a.split()), "name_words_r": len(b.split())}
        for n in range(NAME_DIFFER + 1)
        for a, b in texts
    ]
    sql = comparisons.level_sql(comparisons.PRIORS[0], "name_level")
    connection = duckdb.connect()
    connection.register("pairs", pa.Table.from_pylist(rows))
    found = connection.execute(
        f"SELECT name_level, name_words_l = name_words_r, {sql} FROM pairs"
    ).fetchall()
    assert all(level in comparisons.name_comparison_levels(n) for n, _, level in found)
    # Names of different numbers of words: the levels that ask for as many words are ruled out.
    assert all(level in comparisons.name_comparison_levels(n, same) for n, same, level in found)
    assert any(not same for _, same, _ in found)
    assert {level for *_, level in found} == set(range(len(comparisons.PRIORS[0].levels) + 1))


def test_linkage_is_that_of_the_plain_names(
    records: list[models.VictimRecord], monkeypatch: pytest.MonkeyPatch
) -> None:
    def pairs() -> list[tuple[str, str, float, float, dict[str, str]]]:
        result = linkage.link(records, seed=1)
        return [(p.left, p.right, p.probability, p.match_weight, p.levels) for p in result.pairs]

    fast = pairs()
    monkeypatch.setattr(linkage, "NameBook", PlainBook)
    plain = pairs()
    assert fast == plain
    assert len(fast) > 500
