"""FtM JSON lines in and out: whole-file imports kept in the vault, idempotent, errors as
file:line; exports that followthemoney loads back as they are.

All people here are invented (synthetic); the units are real public bodies."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model as ftm_model
from sqlalchemy import func, select

from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.registry.store import Registry
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace

ENTITIES: list[dict[str, Any]] = [
    # The occupancy comes first: it links to a person and a post further down the file.
    {
        "id": "occ-1",
        "schema": "Occupancy",
        "properties": {"holder": ["per-1"], "post": ["pos-1"], "startDate": ["1398/09/01"]},
    },
    {
        "id": "per-1",
        "schema": "Person",
        "properties": {
            "name": ["Kaveh Invented (synthetic)", "کاوه ساختگی"],
            "birthDate": ["1970-05"],
            "nationality": ["Iran"],
        },
    },
    {
        "id": "pos-1",
        "schema": "Position",
        "properties": {"name": ["Warden (synthetic)"], "organization": ["evin"]},
    },
    {"id": "evin", "schema": "PublicBody", "properties": {"name": ["Evin Prison", "زندان اوین"]}},
    {
        "id": "sanction-1",
        "schema": "Sanction",
        "properties": {"entity": ["per-1"], "authority": ["Synthetic Authority"]},
    },
]


def _write(tmp_path: Path, name: str, lines: list[Any]) -> Path:
    path = tmp_path / name
    text = "\n".join(
        line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines
    )
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _count(vault: Vault, model: type[models.Base]) -> int:
    with vault.db.read() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _export(registry: Registry) -> str:
    out = io.StringIO()
    registry.export(out)
    return out.getvalue()


def test_import_keeps_the_file_as_evidence_and_makes_it_the_source(
    vault: Vault, tmp_path: Path
) -> None:
    path = _write(tmp_path, "units.jsonl", ENTITIES)
    result = Registry(vault).import_file(path, source="synthetic partner NGO")
    assert result["entities"] == result["new_entities"] == 5
    assert not result["already_imported"]
    file_id = result["file"]["id"]
    item = vault.show(file_id)
    assert item["sha256"] == result["file"]["sha256"]
    assert item["acquisitions"][0]["collection"] == "registry-imports"
    assert item["acquisitions"][0]["source"] == "synthetic partner NGO"
    assert [e["kind"] for e in item["custody"]][:2] == ["evidence.ingested", "registry.imported"]
    shown = Registry(vault).show("per-1")
    assert {s["source"] for s in shown["statements"]} == {file_id}
    assert shown["properties"]["nationality"] == ["ir"]
    nationality = next(s for s in shown["statements"] if s["prop"] == "nationality")
    assert nationality["original_value"] == "Iran"
    assert Registry(vault).entity("occ-1").get("startDate") == ["2019-11-22"]
    assert verify_workspace(vault).ok


def test_importing_the_same_file_again_changes_nothing(vault: Vault, tmp_path: Path) -> None:
    path = _write(tmp_path, "units.jsonl", ENTITIES)
    first = Registry(vault).import_file(path)
    events = _count(vault, models.CustodyEvent)
    statements = _count(vault, models.RegistryStatement)
    again = Registry(vault).import_file(path)
    assert again["already_imported"] and again["log_index"] == first["log_index"]
    assert again["file"] == first["file"] and again["entities"] == 5
    assert _count(vault, models.CustodyEvent) == events
    assert _count(vault, models.RegistryStatement) == statements


def test_links_may_point_into_the_registry(vault: Vault, tmp_path: Path) -> None:
    Registry(vault).import_file(_write(tmp_path, "units.jsonl", ENTITIES[3:4]))
    rest = [e for e in ENTITIES if e["id"] != "evin"]
    result = Registry(vault).import_file(_write(tmp_path, "people.jsonl", rest))
    assert result["new_entities"] == 4
    assert Registry(vault).entity("pos-1").get("organization") == ["evin"]


def test_a_bad_file_is_refused_whole_with_file_and_line(vault: Vault, tmp_path: Path) -> None:
    before = set(vault.store.addresses())
    lines: list[Any] = [
        *ENTITIES,
        "{not json",
        {"schema": "Person", "properties": {"name": ["No Id (synthetic)"]}},
        {"id": "v1", "schema": "Vessel", "properties": {"name": ["Ship"]}},
        {"id": "p2", "schema": "Person", "properties": {"name": "x", "birthDate": [7]}},
    ]
    with pytest.raises(InputError) as caught:
        Registry(vault).import_file(_write(tmp_path, "bad.jsonl", lines))
    message = caught.value.message
    assert "3 line(s) of bad.jsonl are not FtM entities; nothing was imported" in message
    assert "bad.jsonl:6: not JSON" in message
    assert 'bad.jsonl:7: no "id"' in message
    assert "bad.jsonl:9: property 'birthDate': not a list of strings" in message
    meaning = [
        *ENTITIES[:4],
        {"id": "v1", "schema": "Vessel", "properties": {"name": ["Ship"]}},
        {"id": "p2", "schema": "Person", "properties": {"birthDate": ["1401/13/01"]}},
        {
            "id": "m1",
            "schema": "Membership",
            "properties": {"member": ["p9"], "organization": ["evin"]},
        },
        {"id": "evin", "schema": "Organization", "properties": {"name": ["Evin"]}},
    ]
    with pytest.raises(InputError) as caught:
        Registry(vault).import_file(_write(tmp_path, "meaning.jsonl", meaning))
    message = caught.value.message
    assert "nothing was imported" in message
    assert "meaning.jsonl:5: schema 'Vessel' is not used by the registry" in message
    assert "meaning.jsonl:6: p2: birthDate: month 13" in message
    assert "meaning.jsonl:6: p2: name: required for a Person" in message
    assert "meaning.jsonl:7: m1: member: there is no entity p9 in the registry" in message
    assert "meaning.jsonl:8: evin is a PublicBody in the registry, not a Organization" in message
    assert _count(vault, models.RegistryEntity) == 0
    assert _count(vault, models.CustodyEvent) == 1  # the workspace's creation
    assert set(vault.store.addresses()) == before  # refused files are not kept
    with pytest.raises(NotFound):
        Registry(vault).import_file(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="holds no entities"):
        Registry(vault).import_file(_write(tmp_path, "empty.jsonl", [""]))


def test_export_is_sorted_ftm_that_loads_back_as_it_is(vault: Vault, tmp_path: Path) -> None:
    registry = Registry(vault)
    registry.import_file(_write(tmp_path, "units.jsonl", ENTITIES))
    registry.edit("per-1", remove={"nationality": ["ir"]}, add={"alias": ["K. I."]})
    exported = _export(registry)
    lines = exported.splitlines()
    assert len(lines) == 5
    loaded = [ftm_model.get_proxy(json.loads(line)) for line in lines]
    assert [e.id for e in loaded] == sorted(e["id"] for e in ENTITIES)
    assert [e.to_dict() for e in loaded] == [e.to_dict() for e in registry.entities()]
    person = next(e for e in loaded if e.id == "per-1")
    assert person.get("nationality") == []  # retracted values are not exported
    assert person.get("name") == ["Kaveh Invented (synthetic)", "کاوه ساختگی"]
    assert all(set(json.loads(line)) == {"id", "schema", "properties"} for line in lines)
    with vault.db.read() as session:
        event = session.execute(
            select(models.CustodyEvent).order_by(models.CustodyEvent.idx.desc()).limit(1)
        ).scalar_one()
    logged = json.loads(event.entry)
    assert event.kind == "registry.exported" and logged["export"]["entities"] == 5
    # Imported again, the export adds a source to every value and changes no current value.
    path = tmp_path / "export.jsonl"
    path.write_text(exported, encoding="utf-8")
    result = registry.import_file(path)
    assert result["new_entities"] == 0
    assert _export(registry) == exported
    again = registry.show("per-1")
    current = {(prop, v) for prop, values in again["properties"].items() for v in values}
    sources = {
        (s["prop"], s["value"]) for s in again["statements"] if s["source"] == result["file"]["id"]
    }
    assert sources == current
    assert verify_workspace(vault).ok
