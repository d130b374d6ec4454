"""Capture histories: for each pattern of lists (which lists recorded a victim), how many
victims have exactly that pattern. The all-zero pattern is, by definition, unobserved."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from gavah.errors import InputError

COUNT_COLUMNS = ("count", "Freq", "freq", "n")


@dataclass(frozen=True)
class CaptureHistories:
    """Counts per capture pattern over ``lists`` (names, in column order).

    ``patterns[i]`` is a tuple of 0/1, one per list; ``counts[i]`` how many victims have it.
    Patterns are unique, never all zero, and counts are non-negative integers.
    """

    lists: tuple[str, ...]
    patterns: tuple[tuple[int, ...], ...]
    counts: tuple[int, ...]

    def __post_init__(self) -> None:
        k = len(self.lists)
        if len(self.patterns) != len(self.counts):
            raise InputError("capture histories: patterns and counts differ in length")
        if len(set(self.patterns)) != len(self.patterns):
            raise InputError("capture histories: a pattern appears twice")
        for pattern, count in zip(self.patterns, self.counts, strict=True):
            if len(pattern) != k or any(x not in (0, 1) for x in pattern):
                raise InputError(f"capture pattern {pattern} is not {k} zeros and ones")
            if not any(pattern):
                raise InputError("the all-zero pattern is unobserved by definition; drop it")
            if count < 0:
                raise InputError(f"capture pattern {pattern} has a negative count")

    @property
    def observed(self) -> int:
        """Victims on at least one list."""
        return sum(self.counts)

    def table(self) -> npt.NDArray[np.int64]:
        """Counts as a 2 x 2 x ... array indexed by pattern (list 0 is the first axis); the
        all-zero cell is 0."""
        table = np.zeros((2,) * len(self.lists), dtype=np.int64)
        for pattern, count in zip(self.patterns, self.counts, strict=True):
            table[pattern] += count
        return table

    def as_matrix(self) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int64]]:
        """Patterns as an (n_patterns, n_lists) 0/1 matrix and the matching counts."""
        return np.array(self.patterns, dtype=np.int8), np.array(self.counts, dtype=np.int64)

    def list_totals(self) -> dict[str, int]:
        return {
            name: sum(c for p, c in zip(self.patterns, self.counts, strict=True) if p[i])
            for i, name in enumerate(self.lists)
        }

    @classmethod
    def from_counts(
        cls, lists: Sequence[str], counts: Mapping[tuple[int, ...], int]
    ) -> CaptureHistories:
        """From a pattern -> count mapping; zero counts and the all-zero pattern are dropped."""
        kept = sorted((p, c) for p, c in counts.items() if any(p) and c)
        return cls(tuple(lists), tuple(p for p, _ in kept), tuple(c for _, c in kept))

    @classmethod
    def from_records(
        cls, lists: Sequence[str], records: Iterable[Sequence[int]]
    ) -> CaptureHistories:
        """From one 0/1 row per victim; rows on no list are dropped."""
        counts: dict[tuple[int, ...], int] = {}
        for row in records:
            pattern = tuple(int(x) for x in row)
            counts[pattern] = counts.get(pattern, 0) + 1
        return cls.from_counts(lists, counts)

    def select(self, lists: Sequence[str]) -> CaptureHistories:
        """The same victims seen by only some of the lists (the others are ignored)."""
        missing = [name for name in lists if name not in self.lists]
        if missing:
            raise InputError(
                f"no list named {', '.join(map(repr, missing))}; the lists are "
                f"{', '.join(self.lists)}"
            )
        index = [self.lists.index(name) for name in lists]
        counts: dict[tuple[int, ...], int] = {}
        for pattern, count in zip(self.patterns, self.counts, strict=True):
            sub = tuple(pattern[i] for i in index)
            counts[sub] = counts.get(sub, 0) + count
        return CaptureHistories.from_counts(lists, counts)

    @classmethod
    def read_csv(cls, path: Path) -> CaptureHistories:
        """A capture-pattern table: one 0/1 column per list and a ``count`` column."""
        ((_, histories),) = read_strata(path, ()).items()
        return histories


def read_strata(path: Path, strata: Sequence[str]) -> dict[tuple[str, ...], CaptureHistories]:
    """A capture-pattern table with one 0/1 column per list, a ``count`` column, and the stratum
    columns named in ``strata`` (province, month, ...). Returns one table per stratum value.

    Every other column is taken as a list; a column named ``r_array_index`` is ignored. Errors
    name the file, line and column."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            return _parse(path, csv.DictReader(f), tuple(strata))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None


def _parse(
    path: Path, reader: csv.DictReader[str], strata: tuple[str, ...]
) -> dict[tuple[str, ...], CaptureHistories]:
    header = [h.strip() for h in (reader.fieldnames or [])]
    count_col = next((c for c in COUNT_COLUMNS if c in header), None)
    if count_col is None:
        raise InputError(f"{path}: no count column (one of {', '.join(COUNT_COLUMNS)})")
    absent = [s for s in strata if s not in header]
    if absent:
        raise InputError(f"{path}: no stratum column {', '.join(map(repr, absent))}")
    lists = [h for h in header if h not in (count_col, "r_array_index", *strata)]
    if not lists:
        raise InputError(f"{path}: no list columns beside {count_col!r}")
    tables: dict[tuple[str, ...], dict[tuple[int, ...], int]] = {}
    for line, row in enumerate(reader, start=2):
        key = tuple((row.get(s) or "").strip() for s in strata)
        pattern = tuple(_cell(path, line, row, name, (0, 1)) for name in lists)
        count = _cell(path, line, row, count_col, None)
        counts = tables.setdefault(key, {})
        if pattern in counts:
            raise InputError(f"{path}, line {line}: pattern {pattern} appears twice")
        if not any(pattern) and count:
            raise InputError(
                f"{path}, line {line}: the all-zero pattern is unobserved; it must be 0"
            )
        counts[pattern] = count
    if not tables:
        raise InputError(f"{path}: no rows")
    return {key: CaptureHistories.from_counts(lists, c) for key, c in sorted(tables.items())}


def _cell(
    path: Path, line: int, row: dict[str, Any], name: str, allowed: tuple[int, ...] | None
) -> int:
    raw = (row.get(name) or "").strip()
    where = f"{path}, line {line}, column {name!r}"
    hint = f"if {name!r} is a stratum, add --stratify {name}" if allowed else None
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{where}: {raw!r} is not a whole number", hint=hint) from None
    if (allowed is not None and value not in allowed) or value < 0:
        raise InputError(f"{where}: {value} is not allowed here", hint=hint)
    return value


@dataclass(frozen=True)
class Estimate:
    """What a method says about the total N = observed + unobserved.

    ``draws`` holds posterior draws of N (Bayesian methods) or is empty; ``interval`` is the 95%
    interval; ``diagnostics`` carries method-specific facts (model weights, convergence checks)
    as plain JSON values; ``warnings`` are plain-language caveats.
    """

    method: str
    lists: tuple[str, ...]
    observed: int
    estimate: float  # the point estimate of N (posterior median for Bayesian methods)
    interval: tuple[float, float]
    draws: tuple[float, ...] = ()
    diagnostics: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "observed": self.observed,
            "estimate": self.estimate,
            "interval": list(self.interval),
            "method": self.method,
            "lists": list(self.lists),
            "diagnostics": self.diagnostics,
            "warnings": list(self.warnings),
        }
