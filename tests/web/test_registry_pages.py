"""The registry's pages: persons, units and posts, an entity with each value's source, and the
add and edit forms, which make the command line's checks through the same store.

Every entity here is synthetic. The registry is opened to those granted its collection; a source
naming an evidence item must be one the person sees (the form must not probe the vault).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from conftest import csrf_of, sign_in
from gavah.registry import COLLECTION
from gavah.registry.store import Registry
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace

COURT = "Revolutionary Court of Example, Branch 9 (synthetic)"


@pytest.fixture
def client_in(app: FastAPI, person: Callable[..., Any]) -> Callable[..., TestClient]:
    made: list[int] = []

    def make(role: str, collections: tuple[str, ...] = ("alpha", COLLECTION)) -> TestClient:
        made.append(1)
        return sign_in(app, person(f"{role}-{len(made)}", role, collections))

    return make


def _form(page: str, rows: list[tuple[str, str]], source: str, **extra: str) -> dict[str, str]:
    data = {"csrf_token": csrf_of(page), "source": source, **extra}
    for i, (prop, value) in enumerate(rows):
        data[f"prop-{i}"], data[f"value-{i}"] = prop, value
    return data


def test_add_show_and_edit_with_sources(
    client_in: Any, vault: Vault, items: dict[str, str]
) -> None:
    analyst = client_in("analyst")
    page = analyst.get("/registry/new", params={"schema": "PublicBody"})
    assert page.status_code == 200
    made = analyst.post("/registry/new", data=_form(page.text, [("name", COURT)], "synthetic report",
                        schema="PublicBody"), follow_redirects=False)  # fmt: skip
    assert made.status_code == 303, made.text[:500]
    court = made.headers["location"].split("/registry/entities/")[1].split("?")[0]
    page = analyst.get("/registry/new", params={"schema": "Person"})
    rows = [("name", "Farhad Sakhtegi (synthetic)"), ("name", "فرهاد ساختگی"),
            ("birthDate", "1358/01/12")]  # fmt: skip
    made = analyst.post("/registry/new", data=_form(page.text, rows, items["alpha"], schema="Person"),
                        follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    person = made.headers["location"].split("/registry/entities/")[1].split("?")[0]
    shown = analyst.get(f"/registry/entities/{person}").text
    assert "فرهاد ساختگی" in shown and "1358/01/12" in shown and "1979-04-01" in shown
    assert f'href="/items/{items["alpha"]}"' in shown  # the source, an item the analyst sees
    listed = analyst.get("/registry", params={"schema": "Person", "q": "ساختگی"}).text
    assert f'data-entity="{person}"' in listed and f'data-entity="{court}"' not in listed
    units = analyst.get("/registry", params={"schema": "PublicBody"}).text
    assert f'data-entity="{court}"' in units
    edit = analyst.get(f"/registry/entities/{person}/edit")
    data = _form(edit.text, [("nationality", "ir")], "synthetic report")
    data["remove"] = "birthDate=1979-04-01"
    saved = analyst.post(f"/registry/entities/{person}/edit", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:500]
    current = Registry(vault).show(person)["properties"]
    assert current.get("nationality") == ["ir"] and "birthDate" not in current
    actors = {st["actor"] for st in Registry(vault).show(person)["statements"]}
    assert actors == {"web:analyst-1"}
    assert verify_workspace(vault, check_blobs=False).problems == []


def test_the_forms_make_the_cli_checks_and_store_nothing_on_a_problem(
    client_in: Any, vault: Vault
) -> None:
    analyst = client_in("analyst")
    page = analyst.get("/registry/new", params={"schema": "Person"})
    bad = _form(page.text, [("name", "Someone (synthetic)"), ("birthDate", "1401/13/01")], "",
                schema="Person")  # fmt: skip
    refused = analyst.post("/registry/new", data=bad)
    assert refused.status_code == 400 and "birthDate" in refused.text
    assert 'value="Someone (synthetic)"' in refused.text  # what was typed is kept
    assert list(Registry(vault).entities()) == []


def test_an_evidence_source_must_be_one_the_person_sees(
    client_in: Any, vault: Vault, items: dict[str, str]
) -> None:
    analyst = client_in("analyst")  # alpha only: beta's item does not exist for them
    page = analyst.get("/registry/new", params={"schema": "Person"})
    data = _form(page.text, [("name", "Someone (synthetic)")], items["beta"], schema="Person")
    assert analyst.post("/registry/new", data=data).status_code == 404
    Registry(vault).add("Person", {"name": ["Other (synthetic)"]}, source=items["beta"])
    (entity,) = [e["id"] for e in Registry(vault).list("Person")]
    shown = analyst.get(f"/registry/entities/{entity}").text
    assert items["beta"] not in shown and "beta-report" not in shown


def test_who_may_read_and_who_may_change(client_in: Any, vault: Vault) -> None:
    made = Registry(vault).add("Person", {"name": ["Hidden Person (synthetic)"]}, source="x")
    outsider = client_in("reviewer", ("alpha",))
    for path in ("/registry", f"/registry/entities/{made['id']}", "/registry/new"):
        response = outsider.get(path)
        assert response.status_code == 403 and "Hidden Person" not in response.text
    viewer = client_in("viewer")
    assert viewer.get("/registry").status_code == 200
    assert viewer.get("/registry/new").status_code == 403
    assert viewer.get(f"/registry/entities/{made['id']}/edit").status_code == 403
    assert not re.search(r'href="/registry/new', viewer.get("/registry").text)


def test_evidence_documenting_an_entity_shows_only_to_those_who_see_it(
    client_in: Any, vault: Vault, items: dict[str, str]
) -> None:
    registry = Registry(vault)
    person = registry.add("Person", {"name": ["Documented (synthetic)"]}, source="x")["id"]
    seen = registry.link("Documentation", items["alpha"], person, role="photo")["id"]
    secret = registry.link("Documentation", items["beta"], person, role="video")["id"]
    analyst = client_in("analyst")  # alpha only
    page = analyst.get(f"/registry/entities/{person}").text
    assert seen in page and secret not in page and items["beta"] not in page
    everything = analyst.get("/registry").text
    assert f"doc-{items['alpha']}" in everything and items["beta"] not in everything
    for hidden in (secret, f"doc-{items['beta']}"):
        assert analyst.get(f"/registry/entities/{hidden}").status_code == 404
        assert analyst.get(f"/registry/entities/{hidden}/edit").status_code == 404
    document = analyst.get(f"/registry/entities/doc-{items['alpha']}").text
    assert f'href="/items/{items["alpha"]}"' in document
    admin = client_in("admin")
    assert secret in admin.get(f"/registry/entities/{person}").text
