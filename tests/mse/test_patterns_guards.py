"""Capture-pattern tables and the guard rails that refuse or warn, in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest

from gavah.casualties.mse import guards
from gavah.casualties.mse.patterns import CaptureHistories, read_strata
from gavah.errors import InputError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "patterns.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_strata_and_list_selection(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "A,B,C,province,count\n1,0,0,Tehran,10\n0,1,0,Tehran,7\n1,1,0,Tehran,3\n0,0,1,Tehran,4\n"
        "1,0,1,Tehran,2\n1,0,0,Zahedan,5\n0,1,1,Zahedan,6\n0,0,0,Zahedan,0\n",
    )
    tables = read_strata(path, ["province"])
    assert list(tables) == [("Tehran",), ("Zahedan",)]
    tehran = tables[("Tehran",)]
    assert tehran.lists == ("A", "B", "C") and tehran.observed == 26
    assert tehran.list_totals() == {"A": 15, "B": 10, "C": 6}
    ab = tehran.select(["A", "B"])
    # C-only victims are on neither A nor B, so they drop out; A+C collapses into A.
    assert dict(zip(ab.patterns, ab.counts, strict=True)) == {(0, 1): 7, (1, 0): 12, (1, 1): 3}
    assert int(tehran.table()[1, 1, 0]) == 3


@pytest.mark.parametrize(
    "text, message",
    [
        ("A,B\n1,0\n", "no count column"),
        ("A,B,count\n1,0,x\n", "line 2, column 'count'"),
        ("A,B,count\n2,0,3\n", "line 2, column 'A'"),
        ("A,B,count\n1,0,3\n1,0,4\n", "line 3: pattern"),
        ("A,B,count\n0,0,5\n", "all-zero"),
        ("A,B,count\n1,0,-1\n", "not allowed"),
    ],
)
def test_malformed_tables_are_refused_with_file_line_and_column(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        read_strata(write(tmp_path, text), [])


def test_unknown_list_is_named() -> None:
    table = CaptureHistories.from_counts(["A", "B"], {(1, 0): 3, (0, 1): 2, (1, 1): 1})
    with pytest.raises(InputError, match="'Z'"):
        table.select(["A", "Z"])


def test_refusals() -> None:
    with pytest.raises(InputError, match="at least two lists"):
        guards.check(CaptureHistories.from_counts(["A"], {(1,): 40}))
    isolated = CaptureHistories.from_counts(
        ["A", "B", "C"], {(1, 0, 0): 50, (0, 1, 0): 40, (1, 1, 0): 20, (0, 0, 1): 30}
    )
    with pytest.raises(InputError, match="'C' shares no victim"):
        guards.check(isolated)


def test_warnings_for_two_lists_copies_and_small_strata() -> None:
    two = CaptureHistories.from_counts(["A", "B"], {(1, 0): 60, (0, 1): 50, (1, 1): 20})
    assert [r.code for r in guards.two_lists(two)] == ["two-lists-only"]  # said on the whole
    copy = CaptureHistories.from_counts(
        ["A", "B", "C"], {(1, 0, 0): 70, (1, 1, 0): 25, (0, 0, 1): 40, (1, 0, 1): 9, (1, 1, 1): 3}
    )
    # A copy is a guard rail on the whole estimate (tests/mse/test_guard_rails.py), said once.
    rails = guards.dependence(copy)
    assert [r.message[:44] for r in rails] == ["100% of the people on list 'B' (28 of 28) ar"]
    small = CaptureHistories.from_counts(
        ["A", "B", "C"], {(1, 0, 0): 5, (1, 1, 0): 2, (0, 1, 1): 3}
    )
    assert any("only 10 documented victims" in w for w in guards.check(small))
    assert (
        guards.check(
            CaptureHistories.from_counts(
                ["A", "B", "C"],
                {
                    (1, 0, 0): 60,
                    (0, 1, 0): 50,
                    (0, 0, 1): 40,
                    (1, 1, 0): 20,
                    (1, 0, 1): 15,
                    (0, 1, 1): 12,
                },
            )
        )
        == []
    )
