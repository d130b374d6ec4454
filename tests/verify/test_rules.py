"""The declared rules: they read, they agree with docs/verification.md, and dependent sources
never add independent voices. Pure functions on small made-up inputs; no database."""

from __future__ import annotations

import random
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from gavah.errors import ConfigError
from gavah.verify import rules
from gavah.verify.rules import Weighed

DOCS = Path(__file__).resolve().parents[2] / "docs" / "verification.md"
RULES = rules.load()
GRADES = "ABCDEF"


def _doc_block() -> str:
    text = DOCS.read_text(encoding="utf-8")
    return text.split("<!-- rules.toml: start -->\n")[1].split("<!-- rules.toml: end -->")[0]


def test_the_docs_show_the_rules_as_shipped() -> None:
    shipped = resources.files("gavah.verify").joinpath("rules.toml").read_text(encoding="utf-8")
    assert _doc_block() == f"```toml\n{shipped}```\n", (
        "docs/verification.md must show src/gavah/verify/rules.toml as it is: paste it between "
        "the rules.toml markers"
    )
    assert tomllib.loads(_doc_block()[len("```toml\n") : -len("```\n")]) == tomllib.loads(shipped)


def test_every_rule_can_fire_and_every_claim_gets_a_level() -> None:
    fired = set()
    rng = random.Random(15)
    for _ in range(3000):
        found = _level(_random_assessments(rng, rng.randrange(0, 8)), {})
        fired.add(found.rule.id)
    assert fired == {r.id for r in RULES.rules}


def test_rules_that_cannot_be_read_are_refused() -> None:
    shipped = resources.files("gavah.verify").joinpath("rules.toml").read_text(encoding="utf-8")
    broken = [
        shipped.replace("support_credible = 3", "support_credibel = 3"),  # an unknown count
        shipped.replace('airwars = "fair"', 'airwars = "fairish"'),  # an unknown level
        shipped.replace(
            'id = "U1"\nairwars = "ungraded"\nproof = "not met"\nat_least = {}',
            'id = "U1"\nairwars = "ungraded"\nproof = "not met"\nat_least = { reviewed = 0 }',
        ),
        shipped.replace('reliability = ["A", "B"]', 'reliability = ["A", "G"]'),
        shipped + "\n[[rule]]\nid = 3",  # a rule missing its fields
    ]
    for text in broken:
        assert text != shipped
        with pytest.raises(ConfigError):
            rules.parse(text)


def test_strengths_follow_the_table() -> None:
    assert RULES.strength("B", 2) == "strong"
    assert RULES.strength("C", 3) == "credible"
    assert RULES.strength("F", 1) == "credible"  # content verified on its own
    assert RULES.strength("F", 2) == "weak"
    assert RULES.strength("A", 5) is None  # improbable: counts for nothing


def _random_assessments(rng: random.Random, n: int, prefix: str = "s") -> list[Weighed]:
    return [
        Weighed(
            assessment=f"{prefix}a{i}",
            source=f"{prefix}{rng.randrange(0, 5)}",
            evidence=None,
            stance=rng.choice(("supports", "contradicts")),
            reliability=rng.choice(GRADES),
            credibility=rng.randrange(1, 7),
        )
        for i in range(n)
    ]


def _level(weighed: list[Weighed], related: dict[str, str]) -> rules.Level:
    sources = {w.source for w in weighed}
    return rules.level(RULES, weighed, rules.groups(sources, related.items()))


def test_a_dependent_source_never_adds_a_voice() -> None:
    """Whatever is already there, an assessment from a source declared dependent on one that
    already speaks for the same stance adds no independent voice; if it is no stronger than
    that group's voice, it changes nothing at all."""
    rng = random.Random(6962)
    for trial in range(2000):
        base = _random_assessments(rng, rng.randrange(1, 7))
        related: dict[str, str] = {}
        for w in base:  # some sources already declared dependent
            if rng.random() < 0.3:
                related[w.source] = f"s{rng.randrange(0, 5)}"
        before = _level(base, related)
        anchor = rng.choice(base)
        relay = Weighed(
            f"relay{trial}",
            f"relay-source{trial}",
            None,
            anchor.stance,
            rng.choice(GRADES),
            rng.randrange(1, 7),
        )
        after = _level([*base, relay], {**related, relay.source: anchor.source})
        for stance in ("support", "contradict"):
            if RULES.strength(anchor.reliability, anchor.credibility) is not None:
                assert after.counts[f"{stance}_any"] == before.counts[f"{stance}_any"]
        weaker_or_equal = _no_stronger(relay, anchor)
        if weaker_or_equal and RULES.strength(anchor.reliability, anchor.credibility):
            assert {k: v for k, v in after.counts.items() if k != "reviewed"} == {
                k: v for k, v in before.counts.items() if k != "reviewed"
            }
            assert after.rule == before.rule


def _no_stronger(relay: Weighed, anchor: Weighed) -> bool:
    order = ("strong", "credible", "weak", None)
    mine = order.index(RULES.strength(relay.reliability, relay.credibility))
    theirs = order.index(RULES.strength(anchor.reliability, anchor.credibility))
    return mine >= theirs


def test_the_same_relay_undeclared_is_a_voice() -> None:
    """The check above can fail: undeclared, the relay is counted."""
    witness = Weighed("a1", "witness", None, "supports", "C", 2)
    relay = Weighed("a2", "channel", None, "supports", "C", 2)
    assert _level([witness, relay], {}).counts["support_credible"] == 2
    assert _level([witness, relay], {"channel": "witness"}).counts["support_credible"] == 1


def test_groups_are_transitive() -> None:
    found = rules.groups(["a", "b", "c", "d"], [("c", "b"), ("b", "a")])
    assert found == {"a": "a", "b": "a", "c": "a", "d": "d"}


def test_what_would_raise_a_contested_claim_names_what_pre_empts_it() -> None:
    support = [Weighed(f"s{i}", f"src{i}", None, "supports", "B", 2) for i in range(2)]
    denial = Weighed("d", "office", None, "contradicts", "B", 2)
    found = _level([*support, denial], {})
    assert (found.airwars, found.rule.id) == ("contested", "X1")
    fair = next(step for step in found.raise_by if step.startswith("fair"))
    assert "rule X1 (contested) no longer holding" in fair  # more support alone would not do
    assert _level(support, {}).airwars == "fair"
