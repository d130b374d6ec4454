"""The estimate's guard rails: each on data made to trip it, and silent on data that should not.

Tables are drawn from invented populations (numpy, fixed seeds); the register tests import
invented lists (unique made-up names, not real people) into a workspace on the test database
(SQLite, or PostgreSQL with GAVAH_TEST_DATABASE_URL) and link them as a user would."""

from __future__ import annotations

import csv
import datetime
import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gavah.casualties.mse import guards
from gavah.casualties.mse.patterns import CaptureHistories
from gavah.casualties.mse.run import Compared, assess, estimate_strata
from gavah.casualties.people import People
from gavah.casualties.register import ListInfo, Register, parse_mapping
from gavah.vault import Vault
from gavah_cli import gavah


def drawn(capture: Sequence[float], people: int = 2_000, seed: int = 1) -> np.ndarray:
    """Who each list records (one row per person, one column per list), each list on its own."""
    rng = np.random.default_rng(seed)
    return rng.random((people, len(capture))) < np.asarray(capture)


def table(seen: np.ndarray, names: str = "ABCD") -> CaptureHistories:
    return CaptureHistories.from_records(list(names[: seen.shape[1]]), seen.astype(int).tolist())


def codes(rails: Sequence[guards.GuardRail]) -> list[str]:
    return [r.code for r in rails]


# --- lists that are not independent -------------------------------------------------------


def test_independent_lists_raise_no_dependence_rail() -> None:
    assert guards.dependence(table(drawn((0.3, 0.4, 0.5)))) == []


def test_two_lists_alone_are_a_rail() -> None:
    rails = guards.two_lists(table(drawn((0.3, 0.4))))
    assert codes(rails) == ["two-lists-only"] and "'A' and 'B'" in rails[0].message
    assert guards.two_lists(table(drawn((0.3, 0.4, 0.5)))) == []


def test_a_copied_list_is_named_as_a_near_copy() -> None:
    seen = drawn((0.3, 0.4, 0.5))
    rng = np.random.default_rng(2)
    seen[:, 2] = seen[:, 0] & (rng.random(len(seen)) < 0.95)  # C: 95% of A's people, no others
    rails = guards.dependence(table(seen))
    assert codes(rails) == ["near-copy"]
    assert "list 'C'" in rails[0].message and "also on list 'A'" in rails[0].message
    assert "too low" in rails[0].message


def test_a_subset_is_a_near_copy_of_the_larger_list_not_the_reverse() -> None:
    seen = drawn((0.5, 0.4, 0.3))
    seen[:, 1] = seen[:, 1] & seen[:, 0]  # every person on B is on A
    rails = guards.dependence(table(seen))
    assert codes(rails) == ["near-copy"]
    assert rails[0].message.startswith("100% of the people on list 'B'")


def test_lists_drawing_on_the_same_sources_overlap_more_than_chance() -> None:
    rng = np.random.default_rng(3)
    visible = rng.random(3_000) < 0.3  # A and B both record mostly the visible 30%
    seen = np.column_stack(
        [
            visible & (rng.random(3_000) < 0.8),
            visible & (rng.random(3_000) < 0.7),
            rng.random(3_000) < 0.4,  # C records anyone
        ]
    )
    rails = guards.dependence(table(seen))
    assert codes(rails) == ["dependent-lists"]
    assert "lists 'A' and 'B'" in rails[0].message


# --- the number itself ----------------------------------------------------------------------


def test_an_estimate_many_times_the_documented_is_flagged() -> None:
    assert codes(guards.far_above_documented(5_337, 972)) == ["far-above-documented"]
    assert "5.5 times" in guards.far_above_documented(5_337, 972)[0].message
    assert guards.far_above_documented(1_500, 972) == []


def test_methods_that_disagree_beyond_their_intervals_are_shown_side_by_side() -> None:
    apart = [
        guards.MethodEstimate("loglinear", 5_337, (4_000, 7_000)),
        guards.MethodEstimate("lcmcr", 1_744, (1_400, 2_300)),
        guards.MethodEstimate("dga", 2_000, (1_500, 4_100)),
    ]
    rails = guards.methods_disagree(apart)
    assert codes(rails) == ["methods-disagree"]
    assert "loglinear 5,337 (4,000 to 7,000); lcmcr 1,744" in rails[0].message
    together = [apart[1], apart[2]]
    assert guards.methods_disagree(together) == []


def test_small_strata_are_said_once() -> None:
    rails = guards.small_strata([400, 30, 12, 900])
    assert codes(rails) == ["small-strata"]
    assert rails[0].message.startswith("2 of the 4 strata")
    assert guards.small_strata([400, 900]) == [] and guards.small_strata([12]) == []


# --- periods, places, people counted twice ---------------------------------------------------


def days(start: str, count: int, every: int = 1) -> list[datetime.date]:
    first = datetime.date.fromisoformat(start)
    return [first + datetime.timedelta(days=every * i) for i in range(count)]


def test_lists_covering_different_periods_are_flagged() -> None:
    autumn = guards.Coverage(
        {"A": days("2022-09-16", 40), "B": days("2022-11-01", 40)}, {"A": {}, "B": {}}
    )
    rails = guards.coverage(autumn)
    assert codes(rails) == ["periods-differ"]
    assert "--stratify month" in rails[0].message
    same = guards.Coverage(
        {"A": days("2022-09-16", 40), "B": days("2022-09-20", 40, every=1)}, {"A": {}, "B": {}}
    )
    assert guards.coverage(same) == []


def test_lists_covering_different_places_are_flagged() -> None:
    where = {
        "A": {"Tehran": 50, "Kurdistan": 40, "Sistan and Baluchestan": 30},
        "B": {"Tehran": 60, "Kurdistan": 20},
    }
    rails = guards.coverage(guards.Coverage({"A": [], "B": []}, where))
    assert codes(rails) == ["places-differ"]
    assert rails[0].message.startswith("30 of the 120 people list 'A' places (25%)")


def test_many_look_alike_pairs_left_apart_mean_an_under_linked_register() -> None:
    rails = guards.under_linked(40, 690, 0.9)
    assert codes(rails) == ["under-linked"]
    assert "40 pairs of records" in rails[0].message and "gavah victims review" in rails[0].message
    assert guards.under_linked(3, 690, 0.9) == []


# --- on the register -------------------------------------------------------------------------

_SYLLABLES = ("ba", "do", "ki", "mu", "ne", "ro", "sa", "tu", "vi", "ze", "lo", "fa")


def invented_names(count: int) -> list[tuple[str, str]]:
    """Made-up given and family names, each pair unique (no real person's name)."""
    words = ["".join(p).capitalize() for p in itertools.product(_SYLLABLES, repeat=3)]
    rng = np.random.default_rng(11)
    given = rng.permutation(words)[:count]
    family = [w + "zadeh" for w in rng.permutation(words)[:count]]
    return list(zip(given.tolist(), family, strict=True))


PROVINCES = ("Tehran", "Kurdistan", "Isfahan", "Fars", "Gilan")


def person_rows(count: int, start: str = "2026-01-01", span: int = 30) -> list[dict[str, str]]:
    first = datetime.date.fromisoformat(start)
    return [
        {
            "name": f"{given} {family}",
            "gender": "male",
            "date": (first + datetime.timedelta(days=i % span)).isoformat(),
            "province": PROVINCES[i % len(PROVINCES)],
        }
        for i, (given, family) in enumerate(invented_names(count))
    ]


def write_list(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ["id", "name", "gender", "date", "province"])
        writer.writeheader()
        writer.writerows({"id": str(i), **row} for i, row in enumerate(rows, start=1))
    return path


def on(rows: Sequence[dict[str, str]], share: float, seed: int) -> list[dict[str, str]]:
    keep = np.random.default_rng(seed).random(len(rows)) < share
    return [row for row, kept in zip(rows, keep.tolist(), strict=True) if kept]


def estimated(vault: Vault, tmp_path: Path, lists: dict[str, list[dict[str, str]]]) -> object:
    register = Register(vault)
    mapping = parse_mapping(["id=id,name=name,gender=gender,date=date,province=province"])
    for name, rows in lists.items():
        register.import_list(write_list(tmp_path / f"{name}.csv", rows), ListInfo(name), mapping)
    people = People(vault)
    people.run_linkage(None, seed=1)
    ((_, tables),) = people.histories(None, [])
    coverage, apart = people.checks(None)
    result = estimate_strata(tables, [], "loglinear")
    return assess(result, tables, coverage=coverage, looks_alike=(apart, 0.9))


def test_register_with_a_copied_list(vault: Vault, tmp_path: Path) -> None:
    everyone = person_rows(600)
    a, b = on(everyone, 0.5, 1), on(everyone, 0.4, 2)
    copied = on(a, 0.97, 3)
    result = estimated(vault, tmp_path, {"A": a, "B": b, "C": copied})
    assert "near-copy" in codes(result.guard_rails)  # type: ignore[attr-defined]


def test_register_with_lists_of_different_periods(vault: Vault, tmp_path: Path) -> None:
    early, late = person_rows(400, "2026-01-01", 20), person_rows(400, "2026-03-01", 20)
    late = [{**row, "name": row["name"] + "i"} for row in late]  # other people
    everyone = early + late
    lists = {"A": on(early, 0.6, 1), "B": on(late, 0.6, 2), "C": on(everyone, 0.5, 3)}
    result = estimated(vault, tmp_path, lists)
    assert "periods-differ" in codes(result.guard_rails)  # type: ignore[attr-defined]


def test_register_with_duplicates_left_apart(vault: Vault, tmp_path: Path) -> None:
    everyone = person_rows(300)
    a, c = on(everyone, 0.6, 1), on(everyone, 0.5, 3)
    # B writes every other person with another province: the same name and date, another
    # place, which the linkage scores between 0.5 and 0.9 (kept apart, offered for review).
    moved = [
        {**row, "province": PROVINCES[(PROVINCES.index(row["province"]) + i % 2) % 5]}
        for i, row in enumerate(on(everyone, 0.5, 2))
    ]
    result = estimated(vault, tmp_path, {"A": a, "B": moved, "C": c})
    assert "under-linked" in codes(result.guard_rails)  # type: ignore[attr-defined]


def test_register_with_independent_lists_raises_no_rail(vault: Vault, tmp_path: Path) -> None:
    everyone = person_rows(600)
    lists = {"A": on(everyone, 0.5, 1), "B": on(everyone, 0.4, 2), "C": on(everyone, 0.45, 3)}
    result = estimated(vault, tmp_path, lists)
    assert result.guard_rails == ()  # type: ignore[attr-defined]


# --- through the command line ----------------------------------------------------------------


def test_estimate_cli_reports_rails_methods_and_unestimated_strata(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    seen = drawn((0.3, 0.4, 0.5), people=1_500)
    seen[:, 2] = seen[:, 0] & (np.random.default_rng(4).random(len(seen)) < 0.95)
    lines = ["A,B,C,province,count"]
    patterns, counts = np.unique(seen.astype(int), axis=0, return_counts=True)
    for pattern, count in zip(patterns, counts, strict=True):
        if pattern.any():
            lines.append(f"{','.join(map(str, pattern))},North,{count}")
    lines += ["1,0,0,South,5", "0,1,0,South,4"]  # South: no victim on two lists
    path = tmp_path / "patterns.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    html = tmp_path / "report.html"
    run = gavah(
        cli_env,
        "estimate",
        "--patterns",
        str(path),
        "--stratify",
        "province",
        "--json",
        "--html",
        str(html),
        "--samples",
        "500",
        "--burnin",
        "500",
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert "near-copy" in [r["code"] for r in out["guard_rails"]]
    assert [u["stratum"] for u in out["unestimated_strata"]] == [{"province": "South"}]
    assert out["observed"] == int(seen.any(axis=1).sum()) + 9  # South counted as documented
    assert [m["method"] for m in out["methods"]] == ["loglinear", "lcmcr", "dga"]
    assert all(m["estimate"] for m in out["methods"])
    page = html.read_text(encoding="utf-8")
    assert "Read this first" in page and "near copy" not in page  # the message, not the code
    assert page.count("<svg") >= 3  # methods, strata, overlaps
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")


def test_unstratified_compare_runs_the_two_other_methods(tmp_path: Path) -> None:
    seen = drawn((0.3, 0.4, 0.5), people=800)
    tables = {(): table(seen)}
    from gavah.casualties.mse.run import compare

    found = compare(tables, "loglinear", stratified=False, options={"lcmcr": {"samples": 200}})
    assert [c.method for c in found] == ["lcmcr", "dga"]
    assert all(isinstance(c, Compared) and c.result is not None for c in found)


# --- the model an estimate leans on ----------------------------------------------------------


def test_a_poorly_fitting_or_most_complex_model_is_a_rail() -> None:
    poor = {"most_weighted": {"terms": ["A×B"], "fit_p": 0.0015}}
    assert codes(guards.model_fit("the estimate", poor)) == ["poor-fit"]
    assert "(A×B) does not fit" in guards.model_fit("the estimate", poor)[0].message
    complex_ = {
        "most_weighted": {"terms": ["A×B", "B×C"], "fit_p": 0.4},
        "most_weighted_is_most_complex": True,
    }
    assert codes(guards.model_fit("the estimate", complex_)) == ["most-complex-model"]
    fine = {"most_weighted": {"terms": [], "fit_p": 0.4}, "most_weighted_is_most_complex": False}
    assert guards.model_fit("the estimate", fine) == []
    assert guards.model_fit("the estimate", {}) == []  # not a log-linear estimate


def test_loglinear_reports_whether_its_most_weighted_model_is_the_most_complex() -> None:
    from gavah.casualties.mse import loglinear

    result = loglinear.estimate(table(drawn((0.3, 0.4, 0.5))), seed=1)
    flag = result.diagnostics["most_weighted_is_most_complex"]
    terms = result.diagnostics["most_weighted"]["terms"]
    assert flag == (len(terms) == 3)  # on three lists the most complex has every pair


def test_strata_raising_one_fit_rail_are_said_once() -> None:
    from gavah.casualties.mse.run import _said_once

    many = [
        guards.GuardRail(
            "poor-fit", f"province=P{i}: the model (A×B) does not fit", f"province=P{i}"
        )
        for i in range(5)
    ]
    (once,) = _said_once(many)
    assert once.message.startswith("5 strata (province=P0, province=P1,")
    assert _said_once(many[:2]) == many[:2]
