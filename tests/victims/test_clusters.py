"""People from scored pairs and decisions: transitive decisions, vetoes, order independence."""

from __future__ import annotations

import random

from gavah.casualties.clusters import Groups, cluster, human_groups, implied, sample


def _sets(groups: Groups) -> set[frozenset[str]]:
    return {frozenset(members) for members in groups.groups().values()}


def test_pairs_above_the_threshold_merge_transitively() -> None:
    scored = [("a", "b", 0.95), ("b", "c", 0.91), ("c", "d", 0.5)]
    groups = cluster("abcd", scored, {}, 0.9)
    assert _sets(groups) == {frozenset("abc"), frozenset("d")}
    assert _sets(cluster("abcd", scored, {}, 0.4)) == {frozenset("abcd")}
    assert _sets(cluster("abcd", scored, {}, 0.99)) == {frozenset(x) for x in "abcd"}


def test_same_decisions_are_transitive_and_override_the_model() -> None:
    decisions = {("a", "b"): "same", ("b", "c"): "same"}
    groups = cluster("abcd", [("a", "c", 0.01)], decisions, 0.9)
    assert _sets(groups) == {frozenset("abc"), frozenset("d")}


def test_different_blocks_merges_through_a_chain() -> None:
    # a=b by decision, b!=c by decision: the model's strong a-c pair must not join them,
    # nor may c join b through d.
    decisions = {("a", "b"): "same", ("b", "c"): "different"}
    scored = [("a", "c", 0.99), ("c", "d", 0.98), ("b", "d", 0.97)]
    groups = cluster("abcd", scored, decisions, 0.9)
    assert groups.find("a") == groups.find("b")
    assert groups.find("a") != groups.find("c")
    # d joins c first (stronger pair); then b-d would join b to c: refused.
    assert groups.find("c") == groups.find("d")
    assert groups.find("b") != groups.find("d")


def test_unsure_leaves_the_pair_to_the_model() -> None:
    groups = cluster("ab", [("a", "b", 0.95)], {("a", "b"): "unsure"}, 0.9)
    assert groups.find("a") == groups.find("b")


def test_implied_decisions() -> None:
    groups, conflicts = human_groups(
        "abcde", {("a", "b"): "same", ("b", "c"): "same", ("c", "d"): "different"}
    )
    assert conflicts == []
    assert implied(groups, "a", "c") == "same"
    assert implied(groups, "a", "d") == "different"
    assert implied(groups, "a", "e") is None


def test_contradictory_decisions_are_reported_not_applied() -> None:
    decisions = {("a", "b"): "same", ("b", "c"): "same", ("a", "c"): "different"}
    groups, conflicts = human_groups("abc", decisions)
    assert len(conflicts) == 1 and conflicts[0].pair == ("a", "c")
    assert implied(groups, "a", "c") == "same"


def test_result_does_not_depend_on_input_order() -> None:
    rng = random.Random(5)
    ids = [f"r{i:03d}" for i in range(60)]
    scored = [(a, b, rng.random()) for a in ids for b in ids if a < b and rng.random() < 0.05]
    decisions = {("r001", "r002"): "different", ("r003", "r004"): "same"}
    first = _sets(cluster(ids, scored, decisions, 0.5))
    for _ in range(5):
        shuffled = scored[:]
        rng.shuffle(shuffled)
        assert _sets(cluster(list(reversed(ids)), shuffled, decisions, 0.5)) == first


def test_sampling_accepts_pairs_with_their_probability() -> None:
    scored = [("a", "b", 0.3)]
    rng = random.Random(1)
    merged = sum(
        1
        for _ in range(4000)
        if (g := sample("ab", scored, {}, [rng.random()])).find("a") == g.find("b")
    )
    assert abs(merged / 4000 - 0.3) < 0.03
    # A reviewer's "different" holds in every draw.
    always_apart = sample("ab", [("a", "b", 1.0)], {("a", "b"): "different"}, [0.0])
    assert always_apart.find("a") != always_apart.find("b")


def test_strata_from_imprecise_dates() -> None:
    from gavah.casualties.people import Person
    from gavah.db import models
    from gavah.text.dates import parse_date

    def person(text: str) -> Person:
        d = parse_date(text)
        rec = models.VictimRecord(
            id="L:2",
            list_id="L",
            row=2,
            original="{}",
            date=d.iso,
            date_calendar=d.calendar,
            date_precision=d.precision,
        )
        return Person("L:2", (rec,))

    assert (person("18 Dey 1404").value("month"), person("18 Dey 1404").value("year")) == (
        "2026-01",
        "2026",
    )
    # Dey 1404 runs from December 2025 into January 2026: no month, no year.
    assert (person("Dey 1404").value("month"), person("Dey 1404").value("year")) == (
        "unknown",
        "unknown",
    )
    # Mehr 1404 lies inside 2025; a Gregorian month is a month.
    assert (person("Mehr 1404").value("month"), person("Mehr 1404").value("year")) == (
        "unknown",
        "2025",
    )
    assert person("January 2026").value("month") == "2026-01"
    assert person("1404").value("year") == "unknown"


# --- records of one list the model kept apart are not joined through other lists -----------

LISTS = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "c1": "C"}


def test_two_records_of_one_list_scored_apart_are_not_joined_through_another_list() -> None:
    # a1 and a3 are namesakes on list A that the model compared and found different (0.3),
    # each linked to b1 on list B: without the lists known they become one person through b1;
    # with them, a3 stays apart (the weaker link loses).
    scored = [("a1", "b1", 0.99), ("a3", "b1", 0.95), ("a1", "a3", 0.3)]
    assert frozenset({"a1", "a3", "b1"}) in _sets(cluster(LISTS, scored, {}, 0.9))
    found = _sets(cluster(LISTS, scored, {}, 0.9, LISTS))
    assert frozenset({"a1", "b1"}) in found and frozenset({"a3"}) in found


def test_a_lists_own_duplicate_joins_when_linked_directly_or_never_compared() -> None:
    # a1-a2 linked directly; a3 never compared with a1 or a2 (no blocking rule paired them).
    scored = [("a1", "b1", 0.99), ("a2", "b1", 0.95), ("a1", "a2", 0.97), ("a3", "c1", 0.94),
              ("b1", "c1", 0.93)]  # fmt: skip
    found = _sets(cluster(LISTS, scored, {}, 0.9, LISTS))
    assert frozenset({"a1", "a2", "a3", "b1", "c1"}) in found


def test_every_pair_of_one_lists_records_is_checked() -> None:
    # a1=a2 directly; a3 links to b1 (with a1) and to a2, but the model kept a1 and a3 apart.
    scored = [("a1", "a2", 0.99), ("a1", "b1", 0.98), ("a3", "b1", 0.97), ("a2", "a3", 0.96),
              ("a1", "a3", 0.2)]  # fmt: skip
    found = _sets(cluster(LISTS, scored, {}, 0.9, LISTS))
    assert frozenset({"a1", "a2", "b1"}) in found and frozenset({"a3"}) in found


def test_a_reviewers_same_decision_stands_whatever_the_model_said() -> None:
    decisions = {("a1", "b1"): "same", ("a3", "b1"): "same"}
    found = _sets(cluster(LISTS, [("a1", "a3", 0.1)], decisions, 0.9, LISTS))
    assert frozenset({"a1", "a3", "b1"}) in found


def test_the_list_rule_does_not_depend_on_input_order() -> None:
    scored = [("a1", "b1", 0.99), ("a3", "b1", 0.95), ("a2", "b2", 0.94), ("b2", "c1", 0.92),
              ("a1", "a2", 0.91), ("b1", "c1", 0.9), ("a1", "a3", 0.4), ("a2", "a3", 0.6)]  # fmt: skip
    first = _sets(cluster(LISTS, scored, {}, 0.9, LISTS))
    rng = random.Random(5)
    for _ in range(20):
        shuffled = scored[:]
        rng.shuffle(shuffled)
        ids = sorted(LISTS, key=lambda _: rng.random())
        assert _sets(cluster(ids, shuffled, {}, 0.9, LISTS)) == first
