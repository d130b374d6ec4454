"""The estimate's guard rails on a Persian page: every rail the library raises is said in
Persian, with Persian digits and dates and each list's name isolated, never left in English.

Each rail is raised by the library itself on tables drawn from invented populations (as in
tests/mse/test_guard_rails.py), not written by hand, so a rail whose values change shape fails
here."""

from __future__ import annotations

import datetime
import re

import numpy as np
from markupsafe import Markup

from gavah.casualties.mse import guards
from gavah.casualties.mse.patterns import CaptureHistories
from gavah.casualties.mse.run import _said_once
from gavah.web import rails

LATIN_DIGIT = re.compile(r"[0-9]")


def table(seen: np.ndarray, names: tuple[str, ...]) -> CaptureHistories:
    return CaptureHistories.from_records(list(names), seen.astype(int).tolist())


def drawn(capture: tuple[float, ...], seed: int = 1, people: int = 2_000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.random((people, len(capture))) < np.asarray(capture)


def every_rail() -> list[guards.GuardRail]:
    """One of each rail the library raises, made by the library."""
    names = ("فهرست الف", "List B 2022", "C")
    copied = drawn((0.3, 0.4, 0.5))
    copied[:, 2] = copied[:, 0] & (np.random.default_rng(2).random(len(copied)) < 0.95)
    rng = np.random.default_rng(3)
    visible = rng.random(3_000) < 0.3  # A and B both record mostly the visible 30%
    together = np.column_stack(
        [
            visible & (rng.random(3_000) < 0.8),
            visible & (rng.random(3_000) < 0.7),
            rng.random(3_000) < 0.4,
        ]  # fmt: skip
    )
    found = guards.two_lists(table(drawn((0.3, 0.4)), names[:2]))
    found += guards.dependence(table(copied, names))
    found += guards.dependence(table(together, names))
    day = datetime.date(2022, 9, 16)
    span = [day + datetime.timedelta(days=i) for i in range(40)]
    later = [day + datetime.timedelta(days=200 + i) for i in range(40)]
    found += guards.coverage(
        guards.Coverage(
            dates={names[0]: span, names[1]: later},
            provinces={names[0]: {"Tehran": 80}, names[1]: {"Kurdistan": 50}},
        )
    )
    found += guards.under_linked(400, 3_000, 0.9)
    found += guards.far_above_documented(12_345.6, 1_000)
    found += guards.small_strata([12, 30, 400])
    fit = {
        "most_weighted": {"terms": ["A*B"], "fit_p": 0.001},
        "most_weighted_is_most_complex": True,
    }
    found += guards.model_fit("the estimate", fit)
    found += _said_once(
        [
            r
            for place in ("Tehran", "Kurdistan", "Fars", "Gilan")
            for r in guards.model_fit(f"province={place}", fit)
        ]  # fmt: skip
    )
    found += guards.methods_disagree(
        [
            guards.MethodEstimate("loglinear", 1_200.4, (1_000, 1_400)),
            guards.MethodEstimate("lcmcr", 2_334, (1_800, 6_513)),
        ]  # fmt: skip
    )
    return found


def test_every_rail_the_library_raises_has_a_persian_text() -> None:
    found = every_rail()
    assert {r.code for r in found} == {
        "two-lists-only", "near-copy", "dependent-lists", "periods-differ", "places-differ",
        "under-linked", "far-above-documented", "small-strata", "poor-fit",
        "most-complex-model", "methods-disagree",
    }  # fmt: skip
    for rail in found:
        said = rails.said(rail.code, rail.params, "fa")
        assert isinstance(said, Markup), rail.code
        words = re.sub(r"<[^>]+>", "", str(said))
        ours = re.sub(r"<bdi[^>]*>.*?</bdi>", "", str(said))  # names are shown as given
        assert not LATIN_DIGIT.search(ours), (rail.code, words)
        assert re.search("[\u0600-\u06ff]{3}", words), rail.code
        assert "{" not in words and "%(" not in words, (rail.code, words)


def test_list_names_are_isolated_and_escaped() -> None:
    (rail,) = guards.two_lists(table(drawn((0.3, 0.4)), ("<b>A</b>", "لیست\u202eب")))
    said = str(rails.said(rail.code, rail.params, "fa"))
    assert "<b>A</b>" not in said and "&lt;b&gt;A&lt;/b&gt;" in said
    assert '<bdi dir="auto">' in said and "\u202e" not in said and "U+202E" in said


def test_numbers_dates_and_shares_are_persian() -> None:
    (far,) = guards.far_above_documented(12_345.6, 1_000)
    said = str(rails.said(far.code, far.params, "fa"))
    assert "۱۲٬۳۴۶" in said and "۱۲٫۳" in said and "۱٬۰۰۰" in said
    (periods,) = guards.coverage(
        guards.Coverage(
            dates={
                "A": [datetime.date(2022, 9, 16) + datetime.timedelta(days=i) for i in range(20)],
                "B": [datetime.date(2023, 6, 1) + datetime.timedelta(days=i) for i in range(20)],
            },
            provinces={},
        )
    )
    assert "شهریور ۱۴۰۱" in str(rails.said(periods.code, periods.params, "fa"))


def test_english_and_unknown_rails_fall_back_to_the_library_message() -> None:
    (rail,) = guards.far_above_documented(5_000, 1_000)
    assert rails.said(rail.code, rail.params, "en") is None
    assert rails.said("a-rail-from-a-newer-library", {"x": 1}, "fa") is None
    assert rails.said(rail.code, {"estimate": "not a number"}, "fa") is None


def test_rails_keep_their_values_in_json() -> None:
    (rail,) = guards.coverage(
        guards.Coverage(
            dates={"A": [datetime.date(2022, 9, 16)] * 20, "B": [datetime.date(2023, 6, 1)] * 20},
            provinces={},
        )
    )
    plain = rail.to_dict()
    assert plain["params"]["a0"] == "2022-09-16" and plain["params"]["b"] == "B"
