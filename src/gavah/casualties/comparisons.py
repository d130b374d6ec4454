"""What record linkage compares, level by level, and the declared weights of each level.

Each comparison (name, age, date of death, place, gender) has ordered levels, the most agreeing
first. Every level has a declared m-probability (how often the same person's two records fall in
it) and u-probability (how often two different people's records do). They are data, in
:data:`PRIORS`, set from the realistic synthetic lists of ``bench/linkage.py`` and checked against
the 2022 lists (docs/victims.md): a register too small to learn from uses them as they are, and so
do registers whose learned weights cannot be trusted. Learned or declared, the weights are kept in
order (:func:`monotone`): agreeing more can never count against a pair.

Names are compared by :mod:`gavah.text.name_compare`, the one Persian-aware name comparison that
sanctions screening uses too, through :class:`NameBook`: its levels of all candidate pairs at once
when pairs are scored, a DuckDB function when Splink's SQL learns weights. SQL cannot read names in
two scripts, and Python cannot score a million pairs' dates as fast as DuckDB. Places are compared
through the gazetteer (:mod:`gavah.text.places`).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from gavah.errors import InputError
from gavah.text.name_compare import NameScores
from gavah.text.names import NameKey, latin_fold, name_key, skeleton

NAME_FUNCTION = "gavah_name_level"
NAME_LEVEL = f"{NAME_FUNCTION}(rix_l, rix_r)"  # a pair's name level, in the levels' SQL
MODEL_VERSION = 2  # a stored model is reused only by code that reads its columns the same way


@dataclass(frozen=True)
class Level:
    label: str  # what a reviewer reads in the explanation
    sql: str  # the condition, on the columns of the two records (_l and _r)
    m: float
    u: float

    @property
    def weight(self) -> float:
        return math.log2(self.m / self.u)


@dataclass(frozen=True)
class Comparison:
    name: str
    description: str
    null: str  # SQL: the comparison says nothing about this pair
    levels: tuple[Level, ...]  # most agreeing first; the last is the "else" level


# Name levels, from the shared name comparison's score (see NameBook.level).
NAME_LEVELS = (
    (1, 0.99, "same name (every part agrees, in any order or script)"),
    (2, 0.90, "same name, spelled differently or with a part missing"),
    (3, 0.80, "names probably agree"),
    (4, 2.00, "one name is the family part of the other (given name missing)"),  # see _part_of
    (5, 0.60, "names partly agree"),
)
NAME_DIFFER = 6
_SAME_WORDS = "name_words_l = name_words_r"  # see name_comparison_levels


def _name() -> Comparison:
    levels = [
        Level(label, f"{NAME_LEVEL} = {n}", m, u)
        for (n, _, label), (m, u) in zip(
            NAME_LEVELS,
            [(0.68, 1e-4), (0.19, 4e-4), (0.04, 5e-4), (0.02, 2e-3), (0.02, 5e-3)],
            strict=True,
        )
    ]
    # A letter or two apart in one script, word for word (a typo: Ahmadi, Ahmayi), where the
    # shared comparison, strict on typos for screening's sake, sees different names. It weighs
    # little: only a date, a place or an age can make such a pair one person.
    # DuckDB's damerau_levenshtein is slow (7 µs a pair; most of a 200,000-record linkage's
    # comparisons in SQL): plain Levenshtein, five times faster, rules out first what it can.
    # A transposition is two of its edits, so a pair within n Damerau edits is within 2n.
    most = "CASE WHEN length(name_text_l) >= 12 THEN 2 ELSE 1 END"
    alike = (
        f"{NAME_LEVEL} = {NAME_DIFFER} AND {_SAME_WORDS} AND "
        f"levenshtein(name_text_l, name_text_r) <= 2 * {most} AND "
        f"damerau_levenshtein(name_text_l, name_text_r) <= {most}"
    )
    levels.insert(4, Level("names look alike (a letter or two differ)", alike, 0.02, 2e-3))
    rest = 1 - sum(level.u for level in levels)
    levels.append(Level("names differ", "ELSE", 0.03, rest))
    return Comparison(
        "name",
        "name (Persian-aware)",
        "name_known_l IS NULL OR name_known_r IS NULL",
        tuple(levels),
    )


_AGE_GAP = "GREATEST(age_lo_l, age_lo_r) - LEAST(age_hi_l, age_hi_r)"


def _age() -> Comparison:
    exact = "age_lo_l = age_hi_l AND age_lo_r = age_hi_r"
    return Comparison(
        "age",
        "age",
        "age_lo_l IS NULL OR age_lo_r IS NULL",
        (
            Level("same age", f"{exact} AND age_lo_l = age_lo_r", 0.55, 0.03),
            Level("ages within a year, or ranges that overlap", f"{_AGE_GAP} <= 1", 0.30, 0.10),
            Level("ages within 3 years", f"{_AGE_GAP} <= 3", 0.10, 0.12),
            Level("ages differ", "ELSE", 0.05, 0.75),
        ),
    )


def _date() -> Comparison:
    one_month_only = "(day_l IS NULL OR day_r IS NULL) AND month_l = month_r"
    return Comparison(
        "day",
        "date of death",
        "(day_l IS NULL OR day_r IS NULL) AND (month_l IS NULL OR month_r IS NULL)",
        (
            Level("same date", "day_l = day_r", 0.53, 0.02),
            Level("dates within a day", "abs(day_l - day_r) <= 1", 0.20, 0.04),
            # Exclusive of each other (one needs both days, the other lacks one): the month comes
            # first so that the weights stay in order.
            Level("same month (one list gives only the month)", one_month_only, 0.05, 0.06),
            Level("dates within a week", "abs(day_l - day_r) <= 7", 0.10, 0.14),
            # Lists of one killing disagree on its date far more often than on a name: one gives
            # the day of death, another the day it was reported (weeks apart on the 2022 lists).
            Level("dates differ", "ELSE", 0.12, 0.74),
        ),
    )


def _place() -> Comparison:
    # As gavah.text.places.compare_places: one name under two provinces is two places.
    both = "province_l IS NOT NULL AND province_r IS NOT NULL"
    same = (
        "coalesce(list_has_any(localities_l, localities_r), false) "
        f"AND NOT ({both} AND province_l <> province_r)"
    )
    return Comparison(
        "place",
        "place of death (gazetteer)",
        f"NOT ({same} OR ({both}))",
        (
            Level("same place", same, 0.70, 0.03),
            Level(
                "same province, another place or none given", "province_l = province_r", 0.22, 0.12
            ),
            Level("provinces differ", "ELSE", 0.08, 0.85),
        ),
    )


def _gender() -> Comparison:
    return Comparison(
        "gender",
        "gender",
        "gender_l IS NULL OR gender_r IS NULL",
        (
            Level("same gender", "gender_l = gender_r", 0.97, 0.5),
            Level("genders differ", "ELSE", 0.03, 0.5),
        ),
    )


PRIORS: tuple[Comparison, ...] = (_name(), _age(), _date(), _place(), _gender())
"""The comparisons and their declared weights."""

PRIOR_MATCH = 1e-4
"""Declared prior probability that two records are of one person. It is fixed, not estimated
from the register, so that a pair's score does not move when another list is added."""


def level_sql(comparison: Comparison, name_level: str = NAME_LEVEL) -> str:
    """The comparison's level of a pair as one SQL expression on the two records' columns: 0
    where it says nothing, else the number of the first level whose condition holds (1: the
    most agreeing), as Splink orders them. ``name_level``: SQL for the pair's name level, for
    a caller that has computed it once already (see :meth:`NameBook.levels`)."""
    whens = [f"WHEN {comparison.null} THEN 0"]
    for n, level in enumerate(comparison.levels[:-1], start=1):
        whens.append(f"WHEN {level.sql} THEN {n}")
    sql = f"CASE {' '.join(whens)} ELSE {len(comparison.levels)} END"
    return sql.replace(NAME_LEVEL, name_level)


def name_comparison_levels(name_level: int, same_words: bool = True) -> tuple[int, ...]:
    """The levels of the name comparison (numbered as :func:`level_sql` numbers them) that a
    pair can fall in when its name level is ``name_level`` (0: one record has no name).
    ``same_words``: False when the two names are known to have different numbers of words
    (or one has none), which rules out the levels that ask for as many words on each side."""
    if name_level == 0:
        return (0,)
    found: list[int] = []
    for n, level in enumerate(PRIORS[0].levels, start=1):
        if level.sql == f"{NAME_LEVEL} = {name_level}":
            return (*found, n)
        possible = same_words or f" AND {_SAME_WORDS} AND " not in level.sql
        if level.sql == "ELSE" or (
            level.sql.startswith(f"{NAME_LEVEL} = {name_level} AND ") and possible
        ):
            found.append(n)
    return tuple(found)


def splink_comparisons(comparisons: Sequence[Comparison] = PRIORS) -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    built = []
    for comparison in comparisons:
        levels: list[Any] = [
            cll.CustomLevel(comparison.null, label_for_charts="not known on one side").configure(
                is_null_level=True
            )
        ]
        for level in comparison.levels:
            made = cll.ElseLevel() if level.sql == "ELSE" else cll.CustomLevel(level.sql)
            levels.append(
                made.configure(
                    label_for_charts=level.label, m_probability=level.m, u_probability=level.u
                )
            )
        built.append(
            cl.CustomComparison(
                output_column_name=comparison.name,
                comparison_description=comparison.description,
                comparison_levels=levels,
            )
        )
    return built


def monotone(model: dict[str, Any], floor: float = 0.01) -> dict[str, Any]:
    """Keep learned weights in the order of their levels, and no level a veto.

    Expectation maximisation may give a weaker level more weight than a stronger one ("two parts
    agree" above "every part agrees") or drive an m to zero (a level it never sees among matches
    then vetoes any link). Each m is raised to at least ``floor``; then, from the weakest level
    up, a level's weight is raised to that of the level below it where it fell short, and the m
    are renormalised, which moves every weight of the comparison by the same amount."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        m = [max(float(lv.get("m_probability") or 0.0), floor) for lv in levels]
        u = [max(float(lv.get("u_probability") or 0.0), 1e-9) for lv in levels]
        weights = [math.log2(a / b) for a, b in zip(m, u, strict=True)]
        for i in range(len(weights) - 2, -1, -1):
            weights[i] = max(weights[i], weights[i + 1])
        raised = [b * 2**w for b, w in zip(u, weights, strict=True)]
        total = sum(raised)
        for lv, value, uu in zip(levels, raised, u, strict=True):
            lv["m_probability"] = value / total
            lv["u_probability"] = uu
    return model


@dataclass
class _Names:
    names: tuple[str, ...]  # the record's names, each script as given
    folded: frozenset[tuple[str, ...]]  # each name's sorted folded words
    given: str | None
    family: str | None
    skeletons: frozenset[str]  # every word's consonant skeleton and its first three letters
    words: tuple[tuple[str, ...], ...]  # each name's skeletons, in order
    lengths: frozenset[int]  # how many words each name has (see _may_be_part_of)
    # The names read for the shared comparison (NameScores.readings), when first compared: the
    # full names, and the given and family names.
    read: tuple[Any, ...] | None = None
    read_given: tuple[Any, ...] | None = None
    read_family: tuple[Any, ...] | None = None


@dataclass
class NameBook:
    """The names of the records being linked, and the level of any two of them.

    ``level(i, j)`` is what the DuckDB function returns for records ``i`` and ``j``: 0 when one
    has no name, else a level of :data:`NAME_LEVELS` or :data:`NAME_DIFFER`. The score is the
    shared name comparison's, on given and family names separately where both records give them
    (the lower of the two counts, so a shared given name cannot carry two family names), else on
    the full names.

    Lists repeat names (the benchmark's 200,000 records give 78,000), so records that give the
    same names share one entry, and a level is computed once per pair of entries, when DuckDB
    first asks for it. Name sets are read lazily and cached, and two names that read alike are
    scored once (:class:`~gavah.text.name_compare.NameScores`). Records are added first, from
    one thread; DuckDB's threads may then ask for levels at once."""

    entries: list[_Names | None] = field(default_factory=list)  # by record
    _sets: dict[tuple[str, ...], tuple[Any, ...]] = field(default_factory=dict)  # readings
    _scores: NameScores = field(default_factory=NameScores)
    _given: dict[tuple[Any, ...], int] = field(default_factory=dict)  # as written -> distinct
    _read: dict[tuple[Any, ...], int] = field(default_factory=dict)  # as read -> distinct
    _distinct: list[_Names | None] = field(default_factory=lambda: [None])  # 0: no name
    _record: list[int] = field(default_factory=list)  # record -> its entry in _distinct
    _levels: dict[int, int] = field(default_factory=dict)  # _pair_key(a, b) -> level
    _array: Any = None  # _record as a numpy array, for the DuckDB function
    _keys: dict[str, NameKey] = field(default_factory=dict)  # see key()
    # Worker processes for large batches of new levels (gavah.casualties.name_workers), while
    # a linkage scores its pairs.
    workers: Any = None

    @classmethod
    def of_entries(cls, entries: Sequence[_Names | None]) -> NameBook:
        """A book of distinct entries alone (a worker's copy), for :meth:`compute`."""
        return cls(_distinct=list(entries))

    def distinct_entries(self) -> list[_Names | None]:
        """The distinct entries, numbered as the pair keys number them (0: no name)."""
        return list(self._distinct)

    def add(
        self, names: Sequence[str | None], given: str | None = None, family: str | None = None
    ) -> int:
        as_given = (tuple(names), given, family)
        found = self._given.get(as_given)
        if found is None:
            found = self._given[as_given] = self._distinct_entry(names, given, family)
        self._record.append(found)
        self.entries.append(self._distinct[found])
        return len(self.entries) - 1

    def _distinct_entry(
        self, names: Sequence[str | None], given: str | None, family: str | None
    ) -> int:
        written = tuple(v for n in names if n and n.strip() for v in readings(n))
        if not written:
            return 0
        both = given and family and given.strip() and family.strip()
        first = given.strip() if both and given else None
        last = family.strip() if both and family else None
        found = self._read.get((written, first, last))
        if found is None:
            found = self._read[(written, first, last)] = len(self._distinct)
            self._distinct.append(_names(written, first, last, self.key))
        return found

    def key(self, name: str) -> NameKey:
        """``name_key(name)``, read once per book: lists repeat names."""
        found = self._keys.get(name)
        if found is None:
            found = self._keys[name] = name_key(name)
        return found

    def level(self, i: int, j: int) -> int:
        low, high = (i, j) if i <= j else (j, i)
        return self._level_of(_pair_key(self._record[low], self._record[high]))

    def _level_of(self, pair: int) -> int:
        found = self._levels.get(pair)
        if found is None:
            a, b = self._distinct[pair >> 32], self._distinct[pair & _LOW]
            found = self._levels[pair] = self._level(a, b)
        return found

    def _level(self, a: _Names | None, b: _Names | None) -> int:
        if a is None or b is None:
            return 0
        best = self._scores.best
        if a.given and a.family and b.given and b.family:
            if a.read_given is None or a.read_family is None:
                a.read_given, a.read_family = (
                    self._readings((a.given,)),
                    self._readings((a.family,)),
                )
            if b.read_given is None or b.read_family is None:
                b.read_given, b.read_family = (
                    self._readings((b.given,)),
                    self._readings((b.family,)),
                )
            score = min(best(a.read_given, b.read_given), best(a.read_family, b.read_family))
        elif not a.folded.isdisjoint(b.folded):
            return 1
        elif a.skeletons.isdisjoint(b.skeletons):
            return NAME_DIFFER  # no word, nor the start of one, in common: nothing to score
        else:
            if a.read is None:
                a.read = self._readings(a.names)
            if b.read is None:
                b.read = self._readings(b.names)
            score = best(a.read, b.read)
        if score < 0.80 and _may_be_part_of(a, b) and _part_of(a.words, b.words):
            return 4
        for n, least, _ in NAME_LEVELS:
            if score >= least:
                return n
        return NAME_DIFFER

    def score(self, a: tuple[str, ...], b: tuple[str, ...]) -> float:
        """The shared name comparison's score of two sets of names."""
        return self._scores.best(self._readings(a), self._readings(b))

    def _readings(self, names: tuple[str, ...]) -> tuple[Any, ...]:
        """The names read for the shared comparison, each with the number of its reading; none
        for names with no letter or digit in them (they compare as no name)."""
        found = self._sets.get(names)
        if found is None:
            try:
                found = self._scores.readings(self._scores.name_set(names))
            except InputError:
                found = ()
            found = self._sets.setdefault(names, found)
        return found

    def duckdb_function(self) -> Callable[[Any, Any], Any]:
        """The vectorised (Arrow) function DuckDB calls with two columns of record numbers,
        while Splink learns weights (scoring uses :meth:`levels`).

        Splink's SQL calls it once per level it tries, up to six times a pair: each DuckDB
        thread takes a chunk of pairs, asks for all their levels, then again for the pairs the
        first level did not take, and so on. So each thread's last new chunk is kept, sorted,
        with its levels, and a call on pairs all in it is answered from it (numpy); only a new
        chunk's distinct pairs of entries are looked up, and computed the first time."""
        import numpy as np
        import pyarrow as pa

        recent: dict[int, tuple[Any, Any]] = {}  # thread -> its last chunk's pairs and levels

        def levels(left: Any, right: Any) -> Any:
            pairs = self._entry_pairs(
                left.to_numpy(zero_copy_only=False), right.to_numpy(zero_copy_only=False)
            )
            thread = threading.get_ident()
            if thread in recent:
                known, found = recent[thread]
                at = np.searchsorted(known, pairs).clip(max=len(known) - 1)
                if (known[at] == pairs).all():
                    return pa.array(found[at], type=pa.int32())
            known, where = np.unique(pairs, return_inverse=True)
            found = self._lookup(known)
            if len(known):
                recent[thread] = (known, found)
            return pa.array(found[where], type=pa.int32())

        return levels

    def levels(self, left: Any, right: Any) -> Any:
        """``level(i, j)`` of each two record numbers of two numpy arrays, as a numpy array."""
        import numpy as np

        known, where = np.unique(self._entry_pairs(left, right), return_inverse=True)
        return self._lookup(known)[where]

    def _entry_pairs(self, left: Any, right: Any) -> Any:
        import numpy as np

        entry = self._record_entries()
        return _pair_key(entry[np.minimum(left, right)], entry[np.maximum(left, right)])

    def _lookup(self, pairs: Any) -> Any:
        """The levels of distinct pairs of entries (numpy), computed where not known yet."""
        import numpy as np

        keys = pairs.tolist()
        known, distinct, level = self._levels, self._distinct, self._level
        found = np.fromiter(map(known.get, keys, repeat(-1)), np.int32, len(keys))
        new = np.flatnonzero(found < 0)
        workers = self.workers
        if workers is not None and len(new) >= workers.least_pairs:
            computed = workers.levels(pairs[new]).tolist()
        else:
            computed = [level(distinct[p >> 32], distinct[p & _LOW]) for p in pairs[new].tolist()]
        found[new] = computed
        known.update(zip(pairs[new].tolist(), computed, strict=True))
        return found

    def compute(self, pairs: Any) -> Any:
        """The levels of pairs of entries (numpy pair keys), computed, as a numpy array."""
        import numpy as np

        distinct, level = self._distinct, self._level
        found = [level(distinct[p >> 32], distinct[p & _LOW]) for p in pairs.tolist()]
        return np.array(found, dtype=np.int32)

    def _record_entries(self) -> Any:
        """Each record's entry, as a numpy array (made again only when records were added)."""
        import numpy as np

        if self._array is None or len(self._array) != len(self._record):
            self._array = np.asarray(self._record, dtype=np.int64)
        return self._array


_LOW = (1 << 32) - 1


def _pair_key(a: Any, b: Any) -> Any:
    """Two entries of a NameBook as one int (or each two of two numpy arrays): the key of
    their level. The order counts: the entry of the lower record number comes first."""
    return a << 32 | b


def _names(
    written: tuple[str, ...], given: str | None, family: str | None, read: Callable[[str], NameKey]
) -> _Names:
    folded = frozenset(tuple(sorted(latin_fold(n).split())) for n in written)
    words = tuple(key.tokens for n in written if (key := read(n)).tokens)
    skeletons = {s for w in words for s in w}
    skeletons |= {s[:3] for s in skeletons if len(s) >= 4}
    lengths = frozenset(len(w) for w in words)
    return _Names(written, folded, given, family, frozenset(skeletons), words, lengths)


def _may_be_part_of(a: _Names, b: _Names) -> bool:
    """Whether :func:`_part_of` can hold, told cheaply: it needs a name of one record with fewer
    words than a name of the other."""
    return len(a.lengths) > 1 or a.lengths != b.lengths


# "Abdol Majid", "Abdul Vahid": the first half of a compound given name (Abdolmajid), never a
# name alone; read apart, "Abdol" meets "Abdollah" and Abdolmajid becomes Abdollah.
_ABDOL = re.compile(r"\b(abd[ouae]l|abd-ol)[\s-]+(?=[^\W\d_])", re.I)
_PARENTHESIS = re.compile(r"\s*[(\[（]([^)\]）]*)[)\]）]\s*")


def readings(name: str) -> tuple[str, ...]:
    """The names a record's written name stands for, without parentheses.

    A list's parenthesis holds another name for one part: a clan or second family name at the
    end ("Majid Baloch Zehi (Sheh Bakhsh)"), another given name in the middle ("Mahsa (Zhina)
    Amini"). It is never a person's whole name: read as one (the sanctions reading of a
    trailing parenthesis as an alias), relatives who share the clan name became one person. So
    the name is read without the parenthesis, and, where the parenthesis stands between words,
    also with it in place of the word before it ("Zhina Amini"). "Abdol" and "Abdul" are joined
    to the word after them; "/" separates spellings (:func:`_alternatives`)."""
    name = _ABDOL.sub(lambda m: m.group(1).replace("-", ""), name)
    if "/" in name:
        return tuple(dict.fromkeys(r for alt in _alternatives(name) for r in readings(alt)))
    found = _PARENTHESIS.search(name)
    if found is None:
        return (name,)
    before, inner, after = name[: found.start()], found.group(1), name[found.end() :]
    plain = " ".join(f"{before} {after}".split())
    words = before.split()
    if not after.strip() or not words or not inner.strip():
        return (plain,) if plain else ()
    return (plain, " ".join(" ".join([*words[:-1], inner, after]).split()))


def _alternatives(name: str) -> list[str]:
    """ "Nematollah Kabedani / Kubdani" and "Zaniar Aboubekri / Abu Bakri": a list's way of
    giving two spellings. An alternative that starts with the name's given name is a whole name;
    any other replaces the family name (the last word)."""
    first, *others = [part.strip() for part in name.split("/")]
    found = [first] if first else []
    words = first.split()
    for other in others:
        given = other.split()[:1]
        if not given or not words:
            continue
        if len(words) > 1 and skeleton(given[0]) != skeleton(words[0]):
            found.append(" ".join([*words[:-1], other]))  # a family name's other spelling
        else:
            found.append(other)
    return found


def _part_of(a: tuple[tuple[str, ...], ...], b: tuple[tuple[str, ...], ...]) -> bool:
    """Whether one record's name is the other's without its given name: every word of the
    shorter is in the longer, and both end with the same word ("Rasouli" and "Ahmad Rasouli").
    A given name alone ("Ahmad") is not enough: too many people share one."""
    for x, y in ((x, y) for x in a for y in b):
        short, full = (x, y) if len(x) < len(y) else (y, x)
        if len(short) < len(full) and short[-1] == full[-1] and set(short) <= set(full):
            return True
    return False
