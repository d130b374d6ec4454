"""The gap report's content (gavah.sanctions.gaps), on real list excerpts.

The lists are the real excerpts in tests/fixtures/sanctions. The registry entities are of two
kinds: for real listed people, only what the OFAC list itself says of them (name as another
list spells it, birth year, post), so the test invents nothing about them; everyone else is
synthetic and says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model
from followthemoney.proxy import EntityProxy

from gavah.errors import InputError
from gavah.sanctions import formats, gaps, index, match

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"


def entity(schema: str, eid: str, **props: Any) -> EntityProxy:
    e = model.make_entity(schema)
    e.id = eid
    for prop, values in props.items():
        for v in values if isinstance(values, list) else [values]:
            e.add(prop, v)
    return e


def list_index(name: str, jurisdiction: str, path: Path, fmt: str) -> gaps.ListIndex:
    records = [
        match.readable(
            e.entity,
            f"list:{name}:{e.source_id}",
            name,
            e.source_id,
            programs=e.programs,
            listed_on=e.listed_on,
        )
        for e in formats.read(path, fmt)
    ]
    return gaps.ListIndex(name, jurisdiction, match.Index(r for r in records if r))


@pytest.fixture(scope="module")
def lists() -> list[gaps.ListIndex]:
    return [
        list_index("ofac", "us", FIXTURES / "ofac", "ofac"),
        list_index("eu-hr", "eu", FIXTURES / "eu_oj_32011R0359_excerpt.csv", "eu-csv"),
    ]


@pytest.fixture(scope="module")
def registry() -> list[EntityProxy]:
    return [
        # What OFAC's own entry 12762 says, spelt as the EU spells the name.
        entity("Person", "p-moghaddam", name="Esmail Ahmadi-Moghaddam", birthDate="1961"),
        # OFAC 12251's name alone, without a birth date: only a candidate.
        entity("Person", "p-radan", name="Ahmad Reza Radan"),
        # Synthetic: an invented guard, at a real prison.
        entity("Person", "p-synthetic", name="Kourosh Bahramvand (synthetic)"),
        entity("PublicBody", "u-evin", name=["Evin Prison", "زندان اوین"]),
        entity("Membership", "m-1", member="p-synthetic", organization="u-evin"),
        entity("Document", "doc-1", title="synthetic witness statement", fileName="w1.pdf"),
        entity("Documentation", "d-1", document="doc-1", entity="p-synthetic", role="perpetrator"),
        entity("Person", "p-hostile", name="<script>alert(1)</script> Zand"),
    ]


@pytest.fixture(scope="module")
def report(registry: list[EntityProxy], lists: list[gaps.ListIndex]) -> gaps.Report:
    return gaps.build(registry, lists)


def rows(report: gaps.Report) -> dict[str, gaps.Row]:
    return {r.entity_id: r for r in report.rows}


def test_a_corroborated_match_is_designated_with_program_and_date(report: gaps.Report) -> None:
    row = rows(report)["p-moghaddam"]
    assert row.status["us"] == "designated"
    (d,) = row.designations["us"]
    assert (d.list_name, d.source_id) == ("ofac", "12762")
    assert "IRAN-HR" in d.programs
    assert any("birth year agrees: 1961" in x for x in d.explanation)


def test_a_name_alone_is_only_possible(report: gaps.Report) -> None:
    row = rows(report)["p-radan"]
    assert row.status["us"] == "possible"
    assert row.designations["us"][0].source_id == "12251"
    assert row.designations["us"][0].decision == "candidate"


def test_not_designated_rows_carry_units_roles_and_evidence(report: gaps.Report) -> None:
    row = rows(report)["p-synthetic"]
    assert row.status == {"eu": "not designated", "us": "not designated"}
    assert row.units == ["Evin Prison"]
    assert row.roles == ["perpetrator"]
    assert row.evidence == ["doc-1"]


def test_bodies_are_reported_and_matched_too(report: gaps.Report) -> None:
    evin = rows(report)["u-evin"]
    assert evin.schema == "PublicBody"
    assert [d.source_id for d in evin.designations.get("us", [])][:1] == ["24586"]


def test_filters_by_unit_and_role(registry: list[EntityProxy], lists: list[gaps.ListIndex]) -> None:
    by_unit = gaps.build(registry, lists, unit="Evin")
    assert {r.entity_id for r in by_unit.rows} == {"p-synthetic", "u-evin"}
    by_role = gaps.build(registry, lists, role="perpetrator")
    assert [r.entity_id for r in by_role.rows] == ["p-synthetic"]
    only_us = gaps.build(registry, lists, jurisdictions=["us"])
    assert only_us.jurisdictions == ["us"] and list(only_us.unmatched) == ["ofac"]


def test_the_reverse_lists_entries_that_match_no_entity(
    report: gaps.Report, lists: list[gaps.ListIndex]
) -> None:
    ofac_ids = {r.id for r in lists[0].index.records}
    unmatched = {e["id"] for e in report.unmatched["ofac"]}
    matched = {d.source_id for r in report.rows for d in r.designations.get("us", [])}
    assert unmatched == ofac_ids - matched
    assert "12762" not in unmatched and "3754" in unmatched


def test_outputs_escape_names_and_keep_every_column(report: gaps.Report) -> None:
    page = gaps.to_html(report)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert 'dir="auto"' in page
    table = gaps.to_csv(report).splitlines()
    assert table[0].split(",")[:6] == ["entity", "name", "schema", "units", "roles", "evidence"]
    assert "eu_status" in table[0] and "us_status" in table[0]
    assert len(table) == 1 + len(report.rows)
    data = report.to_dict()
    assert {"jurisdictions", "entities", "unmatched_entries"} <= set(data)


# --- the legal regime of each designation --------------------------------------------------------


def test_each_designation_says_its_regime(report: gaps.Report) -> None:
    row = rows(report)["p-moghaddam"]
    (d,) = row.designations["us"]
    assert "human-rights" in d.regimes  # OFAC's IRAN-HR programme
    assert row.regimes("us") == [r for r in gaps.REGIMES if r in d.regimes]
    assert "human-rights" not in row.not_for("us") and "other" not in row.not_for("us")
    assert row.regime_text("us").startswith("for human rights")
    assert rows(report)["p-synthetic"].regime_text("us") == ""
    radan = rows(report)["p-radan"]  # a candidate only: its regime, not yet a designation
    assert radan.status["us"] == "possible" and radan.regimes("us") == []
    assert radan.regime_text("us").startswith("possibly for human rights")
    jurisdiction = row.to_dict()["jurisdictions"]["us"]
    assert jurisdiction["regimes"] == row.regimes("us")
    assert jurisdiction["not_for"] == row.not_for("us")
    assert jurisdiction["entries"][0]["regimes"] == list(d.regimes)


def test_the_regime_is_in_every_output(report: gaps.Report) -> None:
    table = gaps.to_csv(report).splitlines()
    header = table[0].split(",")
    assert header.index("us_regimes") > header.index("us_status")
    assert "for human rights" in gaps.to_csv(report)
    assert "for human rights" in gaps.to_html(report)
    assert '"not_for"' in json.dumps(report.to_dict())


def test_only_the_regime_asked_for_makes_a_status(
    registry: list[EntityProxy], lists: list[gaps.ListIndex]
) -> None:
    for_terrorism = gaps.build(registry, lists, regime="terrorism")
    row = rows(for_terrorism)["p-moghaddam"]
    assert row.status["us"] == "not designated"  # designated for human rights only
    assert [d.source_id for d in row.designations["us"]] == ["12762"]  # still shown
    assert "terrorism regime" in gaps.to_html(for_terrorism)
    for_rights = gaps.build(registry, lists, regime="human-rights")
    assert rows(for_rights)["p-moghaddam"].status["us"] == "designated"
    with pytest.raises(InputError, match="unknown regime"):
        gaps.build(registry, lists, regime="piracy")


def test_a_stored_index_gives_the_same_report(
    registry: list[EntityProxy], report: gaps.Report, tmp_path: Path
) -> None:
    stored = []
    for name, jurisdiction, path, fmt in (
        ("ofac", "us", FIXTURES / "ofac", "ofac"),
        ("eu-hr", "eu", FIXTURES / "eu_oj_32011R0359_excerpt.csv", "eu-csv"),
    ):
        entries = [
            index.list_payload(name, None, e.source_id, e.entity.to_dict(), e.programs, e.listed_on)
            for e in formats.read(path, fmt)  # the order list_index reads them in
        ]
        built = index.build(tmp_path / f"{name}.1.npz", {"list": name}, entries, workers=1)
        stored.append(gaps.ListIndex(name, jurisdiction, built))
    again = gaps.build(registry, stored)
    assert again.to_dict() == report.to_dict()
