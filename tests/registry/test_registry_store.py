"""The registry over a real vault: statements with provenance, whole-or-nothing changes, custody
events, and `log verify` finding every kind of tampering with the rows.

All people here are invented (synthetic); the units are real public bodies."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.intake.ingest import ingest
from gavah.registry.store import Registry
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace

HOSSEIN = {
    "name": ["Hossein Example (synthetic)", "حسین نمونه"],
    "birthDate": ["۱۳۵۸/۰۱/۱۲"],
}


def _count(vault: Vault, model: type[models.Base]) -> int:
    with vault.db.read() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _evidence(vault: Vault, tmp_path: Path) -> tuple[str, str]:
    """An evidence item: its id and SHA-256."""
    path = tmp_path / "photo.txt"
    path.write_text("synthetic witness photo", encoding="utf-8")
    item = ingest(vault, [os.fsencode(path)]).items[0]
    return str(item["id"]), str(item["sha256"])


def _statement(shown: dict[str, Any], prop: str, value: str) -> dict[str, Any]:
    return next(s for s in shown["statements"] if s["prop"] == prop and s["value"] == value)


@pytest.fixture
def registry(vault: Vault) -> Registry:
    return Registry(vault)


@pytest.fixture
def unit(registry: Registry) -> str:
    names = {"name": ["Islamic Revolutionary Guard Corps", "سپاه پاسداران انقلاب اسلامی"]}
    return str(registry.add("PublicBody", names, source="public record", entity_id="irgc")["id"])


def test_an_entity_keeps_both_scripts_and_each_values_provenance(
    vault: Vault, registry: Registry
) -> None:
    added = registry.add("Person", HOSSEIN, source="synthetic report 1")
    assert added["created"] and added["statements"]["added"] == 3
    shown = registry.show(added["id"])
    assert shown["caption"] == "Hossein Example (synthetic)"
    assert [(n["value"], n["lang"]) for n in shown["names"]] == [
        ("Hossein Example (synthetic)", None),
        ("حسین نمونه", "fas"),
    ]
    birth = _statement(shown, "birthDate", "1979-04-01")
    assert birth["original_value"] == "۱۳۵۸/۰۱/۱۲" and birth["source"] == "synthetic report 1"
    assert birth["first_seen"] == birth["last_seen"] and birth["actor"] == "test-analyst"
    assert birth["log_index"] == added["log_index"]
    entity = registry.entity(added["id"])
    assert entity.get("name") == sorted(HOSSEIN["name"])
    with vault.db.read() as session:
        event = session.get(models.CustodyEvent, added["log_index"])
        assert event is not None and event.kind == "registry.entity-added"


def test_asserting_a_value_again_moves_last_seen_and_another_source_adds_a_statement(
    registry: Registry,
) -> None:
    eid = registry.add("Person", HOSSEIN, source="report 1")["id"]
    again = registry.add("Person", {"name": ["حسین نمونه"]}, source="report 1", entity_id=eid)
    assert not again["created"] and again["statements"] == {"added": 0, "seen": 1, "retracted": 0}
    other = registry.edit(eid, add={"name": ["حسین نمونه"]}, source="report 2")
    assert other["statements"]["added"] == 1
    shown = registry.show(eid)
    first, second = (
        s for s in shown["statements"] if s["value"] == "حسین نمونه" and s["prop"] == "name"
    )
    assert {first["source"], second["source"]} == {"report 1", "report 2"}
    seen = first if first["source"] == "report 1" else second
    assert seen["last_seen"] > seen["first_seen"]
    assert shown["properties"]["name"] == sorted(HOSSEIN["name"])  # one value, two statements
    assert verify_workspace(registry.vault, check_blobs=False).ok


def test_removing_retracts_and_keeps_the_statement(registry: Registry) -> None:
    eid = registry.add("Person", {**HOSSEIN, "alias": ["H. E."]}, source="report 1")["id"]
    result = registry.edit(eid, remove={"birthDate": ["1358/01/12"]}, add={"alias": ["Haj H."]})
    assert result["statements"] == {"added": 1, "seen": 0, "retracted": 1}
    shown = registry.show(eid)
    assert "birthDate" not in shown["properties"]
    assert _statement(shown, "birthDate", "1979-04-01")["retracted"] is True
    registry.edit(eid, set={"alias": ["Haj H."]})
    assert registry.show(eid)["properties"]["alias"] == ["Haj H."]
    registry.edit(eid, set={"alias": []})
    assert "alias" not in registry.show(eid)["properties"]
    with pytest.raises(InputError, match="nothing to change"):
        registry.edit(eid, set={"alias": []})
    # The retracted value asserted again from its source is current again.
    registry.edit(eid, add={"birthDate": ["1979-04-01"]}, source="report 1")
    assert registry.show(eid)["properties"]["birthDate"] == ["1979-04-01"]
    with pytest.raises(InputError, match="alias: 'nobody' is not a current value"):
        registry.edit(eid, remove={"alias": ["nobody"]})
    with pytest.raises(InputError, match="name: required for a Person"):
        registry.edit(eid, set={"name": []})
    assert verify_workspace(registry.vault, check_blobs=False).ok


def test_invalid_input_stores_nothing_and_names_every_problem(
    vault: Vault, registry: Registry, unit: str
) -> None:
    events = _count(vault, models.CustodyEvent)
    statements = _count(vault, models.RegistryStatement)
    with pytest.raises(InputError) as caught:
        registry.add(
            "Person",
            {"name": ["Ali Invented (synthetic)"], "birthDate": ["1401/13/01", "2199"], "x": ["1"]},
            source=None,
        )
    message = caught.value.message
    assert message.startswith("the new Person: 3 problem(s), nothing was stored")
    assert "birthDate: month 13" in message and "x: a Person has no such property" in message
    assert "birthDate: 2199 is in the future" in message
    with pytest.raises(InputError, match="post: there is no entity ghost"):
        registry.link("Occupancy", "irgc", "ghost")
    post = registry.add("Position", {"name": ["Commander (synthetic)"]}, source=None)["id"]
    with pytest.raises(InputError, match="holder: irgc is a PublicBody, but a Occupancy's holder"):
        registry.link("Occupancy", unit, post)
    with pytest.raises(InputError, match="irgc is a PublicBody in the registry, not a Person"):
        registry.add("Person", {"name": ["x"]}, source=None, entity_id=unit)
    with pytest.raises(NotFound, match="no evidence item"):
        registry.add("Person", {"name": ["x"]}, source="ev-0000000000000000")
    with pytest.raises(NotFound, match="no registry entity"):
        registry.edit("ghost", add={"name": ["x"]})
    with pytest.raises(InputError, match="Event is not a relationship"):
        registry.link("Event", unit, unit)
    # Only the Position was stored, by its own event.
    assert _count(vault, models.CustodyEvent) == events + 1
    assert _count(vault, models.RegistryStatement) == statements + 1


def test_posts_units_and_evidence_link_up(
    vault: Vault, registry: Registry, unit: str, tmp_path: Path
) -> None:
    court = registry.add(
        "PublicBody",
        {"name": ["Revolutionary Court of Tehran, Branch 15", "دادگاه انقلاب تهران، شعبه ۱۵"]},
        source="public record",
    )["id"]
    post = registry.add(
        "Position", {"name": ["Judge, Branch 15 (synthetic)"], "organization": [court]}, source=None
    )["id"]
    judge = registry.add("Person", HOSSEIN, source="report 1")["id"]
    held = registry.link("Occupancy", judge, post, start_date="1395/01/01", end_date="1401/06/25")
    again = registry.link("Occupancy", judge, post, start_date="2016-03-20", end_date="2022-09-16")
    assert again["id"] == held["id"] and again["statements"]["seen"] == 4
    member = registry.link("Membership", judge, unit, role="member (synthetic)", start_date="1380")
    assert registry.entity(member["id"]).get("startDate") == ["2001", "2002"]
    ev, sha256 = _evidence(vault, tmp_path)
    doc = registry.link(
        "Documentation", sha256[:10], judge, role="photo of the accused (synthetic)"
    )
    documentation = registry.entity(doc["id"])
    assert documentation.get("document") == [f"doc-{ev}"]
    assert documentation.get("entity") == [judge]
    document = registry.show(f"doc-{ev}")
    assert document["properties"]["fileName"] == [ev]
    assert all(s["source"] == ev for s in document["statements"])
    # The evidence item's own history shows it was used, as any access is.
    assert "registry.linked" in [e["kind"] for e in vault.show(ev)["custody"]]
    shown = registry.show(judge)
    assert {(r["prop"], r["schema"]) for r in shown["referred_by"]} == {
        ("holder", "Occupancy"),
        ("member", "Membership"),
        ("entity", "Documentation"),
    }
    assert [r["id"] for r in registry.show(post)["refers_to"]] == [court]
    people = [e.id for e in registry.entities(["Person"])]
    assert people == [judge]
    assert [e["id"] for e in registry.list(query="نمونه")] == [judge]
    assert [e["id"] for e in registry.list(query="branch 15")] == sorted([court, post])
    assert {e["schema"] for e in registry.list(schema="publicbody")} == {"PublicBody"}
    assert court in [e["id"] for e in registry.list(query=court.upper())]
    assert verify_workspace(vault).ok


def test_a_source_that_is_evidence_must_exist_and_is_logged(
    vault: Vault, registry: Registry, tmp_path: Path
) -> None:
    ev, _ = _evidence(vault, tmp_path)
    added = registry.add("Person", HOSSEIN, source=ev)
    assert registry.show(added["id"])["statements"][0]["source"] == ev
    assert "registry.entity-added" in [e["kind"] for e in vault.show(ev)["custody"]]


def _tamper(vault: Vault, statement: Any = None, entity: Any = None) -> set[tuple[str, str]]:
    with vault.db.write() as session:
        if statement is not None:
            session.execute(statement)
        if entity is not None:
            session.execute(entity)
    return {(p.where, p.field) for p in verify_workspace(vault, check_blobs=False).problems}


@pytest.fixture
def judged(vault: Vault, registry: Registry, unit: str) -> dict[str, Any]:
    eid = registry.add("Person", HOSSEIN, source="report 1")["id"]
    registry.link("Membership", eid, unit, start_date="1380")
    registry.edit(eid, add={"alias": ["H. E."]}, remove={"birthDate": ["1979-04-01"]})
    assert verify_workspace(vault, check_blobs=False).ok
    return registry.show(eid)


def _where(shown: dict[str, Any], prop: str, value: str) -> tuple[Any, str, str]:
    st = _statement(shown, prop, value)
    row = models.RegistryStatement
    return row.id == st["id"], f"registry statement {st['id']} ({shown['id']} {prop})", st["id"]


def test_verify_finds_a_changed_value(vault: Vault, judged: dict[str, Any]) -> None:
    match, _, _ = _where(judged, "name", "حسین نمونه")
    row = models.RegistryStatement
    problems = _tamper(vault, update(row).where(match).values(value="حسن نمونه"))
    index = _statement(judged, "name", "حسین نمونه")["log_index"]
    assert (f"log entry {index}", "statements") in problems
    assert any(w.startswith("registry statement") and f == "id" for w, f in problems)
    assert (f"registry entity {judged['id']}", "caption") not in problems  # Latin name is caption


def test_verify_finds_an_unretracted_value_and_a_moved_date(
    vault: Vault, judged: dict[str, Any]
) -> None:
    row = models.RegistryStatement
    match, where, _ = _where(judged, "birthDate", "1979-04-01")
    assert _tamper(vault, update(row).where(match).values(retracted=False)) >= {
        (where, "retracted")
    }
    match, where, _ = _where(judged, "alias", "H. E.")
    moved = update(row).where(match).values(last_seen=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert (where, "last_seen") in _tamper(vault, moved)


def test_verify_finds_deleted_and_added_rows_and_a_changed_entity(
    vault: Vault, judged: dict[str, Any]
) -> None:
    row, entity = models.RegistryStatement, models.RegistryEntity
    match, _, sid = _where(judged, "birthDate", "1979-04-01")
    problems = _tamper(vault, delete(row).where(match))
    assert (f"registry statement {sid}", "row") in problems  # its retraction was logged
    created = _statement(judged, "birthDate", "1979-04-01")["log_index"]
    assert (f"log entry {created}", "statements") in problems
    renamed = update(entity).where(entity.id == judged["id"]).values(caption="someone else")
    assert (f"registry entity {judged['id']}", "caption") in _tamper(vault, None, renamed)


def test_verify_finds_a_statement_no_change_logged(vault: Vault, judged: dict[str, Any]) -> None:
    from sqlalchemy import insert

    row = models.RegistryStatement
    first = _statement(judged, "alias", "H. E.")
    forged = {
        **{k: first[k] for k in ("entity_id", "schema", "prop", "lang", "source", "actor")},
        "id": "f" * 40,
        "value": "Forged alias",
        "original_value": None,
        "retracted": False,
        "log_index": 0,  # the workspace's creation
    }
    with vault.db.write() as session:
        added = session.execute(
            select(row.first_seen, row.last_seen).where(row.id == first["id"])
        ).one()
        session.execute(insert(row).values(**forged, first_seen=added[0], last_seen=added[1]))
    problems = {(p.where, p.field) for p in verify_workspace(vault, check_blobs=False).problems}
    assert (f"registry statement {'f' * 40} ({judged['id']} alias)", "log_index") in problems


def test_verify_finds_a_whole_change_deleted(vault: Vault, registry: Registry, unit: str) -> None:
    eid = registry.add("Person", HOSSEIN, source="report 1")["id"]
    link = registry.link("Membership", eid, unit)
    row = models.RegistryStatement
    problems = _tamper(vault, delete(row).where(row.log_index == link["log_index"]))
    assert (f"log entry {link['log_index']}", "statements") in problems
    assert (f"registry entity {link['id']}", "statements") in problems


def test_an_import_with_many_problems_lists_the_first_twenty(
    vault: Vault, registry: Registry, tmp_path: Path
) -> None:
    lines = [
        {"id": f"p{i}", "schema": "Person", "properties": {"gender": ["?"]}} for i in range(30)
    ]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        registry.import_file(path)
    message = caught.value.message
    assert message.startswith("60 problem(s) in many.jsonl (the first 20 shown)")
    assert len(message.splitlines()) == 21 and "many.jsonl:1: p0: gender" in message
