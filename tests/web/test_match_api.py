"""``POST /match/{dataset}``, the yente-compatible matching API (gavah.web.api.match), with
requests shaped exactly as yente's documentation shows them, against real list excerpts
(tests/fixtures/sanctions). The registry entity made here is synthetic."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gavah.accounts import Accounts
from gavah.sanctions.store import Sanctions
from gavah.vault import Vault

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
ERROR_KEYS = {"error", "message", "hint", "exit_code", "status"}
RESULT_KEYS = {
    # yente's ScoredEntityResponse
    "id", "caption", "schema", "properties", "datasets", "referents", "target", "first_seen",
    "last_seen", "last_change", "score", "match", "features",
    # and gavah's reasons
    "decision", "explanation", "regimes", "programs", "listed_on",
}  # fmt: skip
# The example in yente's /match documentation (yente/routers/match.py), word for word.
YENTE_EXAMPLE = {
    "queries": {
        "entity1": {
            "schema": "Person",
            "properties": {
                "name": ["John Doe"],
                "birthDate": ["1975-04-21"],
                "nationality": ["us"],
            },
        },
        "entity2": {
            "schema": "Company",
            "properties": {
                "name": ["Brilliant Amazing Limited"],
                "jurisdiction": ["hk"],
                "registrationNumber": ["84BA99810"],
            },
        },
    }
}
# What OFAC's own entry 12762 says of him, spelt as the EU spells the name.
MOGHADDAM = {"schema": "Person", "properties": {"name": ["Esmail Ahmadi-Moghaddam"], "birthDate": ["1961"]}}  # fmt: skip


@pytest.fixture
def lists(vault: Vault) -> None:
    store = Sanctions(vault)
    store.import_list(FIXTURES / "ofac", "ofac", "ofac")
    store.import_list(FIXTURES / "eu_oj_32011R0359_excerpt.csv", "eu-csv", "eu-hr")


@pytest.fixture
def token(accounts: Accounts, person: Callable[..., Any]) -> str:
    """An API token of a viewer of collection alpha: the least an account may be."""
    who = person("matcher", "viewer", ("alpha",))
    signed = accounts.sign_in(who.name, who.password, None, None)
    principal = accounts.principal_for_session(signed.token)
    assert principal is not None
    return accounts.create_token(principal, "yente client")


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as c:
        yield c


def post(
    client: TestClient, token: str, body: Any, path: str = "/match/default", scheme: str = "ApiKey"
) -> Any:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Authorization": f"{scheme} {token}", "Content-Type": "application/json"}
    return client.post(path, content=content, headers=headers)


def refused(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS and body["status"] == status
    assert "Traceback" not in response.text
    return str(body["message"])


def test_yente_documentation_example_answers_in_yente_shape(
    lists: None, client: TestClient, token: str
) -> None:
    response = post(client, token, YENTE_EXAMPLE)
    assert response.status_code == 200, response.text
    assert response.headers["x-batch-size"] == "2"
    body = response.json()
    assert set(body) == {"responses", "matcher", "limit"} and body["limit"] == 5
    assert set(body["responses"]) == {"entity1", "entity2"}
    for key, answer in body["responses"].items():
        assert set(answer) == {"status", "results", "total", "query"}
        assert answer["status"] == 200
        assert answer["total"] == {"value": len(answer["results"]), "relation": "eq"}
        assert answer["query"] == {"id": None, **YENTE_EXAMPLE["queries"][key]}
        assert answer["results"] == []  # nobody of these names is on the excerpts
    assert {"name", "birth_year", "identifier"} <= set(body["matcher"])
    assert all(
        set(doc) == {"description", "coefficient", "url"} for doc in body["matcher"].values()
    )


def test_a_listed_person_is_found_with_the_reasons(
    lists: None, client: TestClient, token: str
) -> None:
    response = post(client, token, {"queries": {"q1": MOGHADDAM}}, scheme="Bearer")
    assert response.status_code == 200, response.text
    results = response.json()["responses"]["q1"]["results"]
    best = results[0]
    assert set(best) == RESULT_KEYS
    assert best["referents"] == ["list:ofac:12762"] and best["datasets"] == ["ofac"]
    assert best["schema"] == "Person" and best["caption"] and best["target"] is True
    assert best["match"] is True and best["decision"] == "match"
    assert best["score"] >= 0.5 and all(isinstance(v, float) for v in best["features"].values())
    assert best["features"]["birth_year"] == 1.0
    assert any("birth year agrees: 1961" in line for line in best["explanation"])
    assert "human-rights" in best["regimes"] and "IRAN-HR" in best["programs"]
    assert best["last_seen"] is not None
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    # Only the lists are searched, never the workspace's own records.
    assert all(ref.startswith("list:") for r in results for ref in r["referents"])


def test_a_dataset_is_one_list_and_parameters_are_yentes(
    lists: None, client: TestClient, token: str
) -> None:
    body = {"queries": {"q1": MOGHADDAM}}
    only_eu = post(client, token, body, "/match/eu-hr").json()["responses"]["q1"]["results"]
    assert only_eu and {r["datasets"][0] for r in only_eu} == {"eu-hr"}
    included = post(client, token, body, "/match/default?include_dataset=eu-hr").json()
    assert {r["datasets"][0] for r in included["responses"]["q1"]["results"]} == {"eu-hr"}
    excluded = post(client, token, body, "/match/default?exclude_dataset=ofac").json()
    assert "ofac" not in {r["datasets"][0] for r in excluded["responses"]["q1"]["results"]}
    one = post(client, token, body, "/match/default?limit=1&algorithm=logic-v2").json()
    assert one["limit"] == 1 and len(one["responses"]["q1"]["results"]) == 1
    best = one["responses"]["q1"]["results"][0]
    high = post(client, token, body, "/match/ofac?threshold=0.999&cutoff=0.0").json()
    found = {r["referents"][0]: r for r in high["responses"]["q1"]["results"]}
    assert found[best["referents"][0]]["match"] is (best["score"] >= 0.999)
    gone = post(client, token, body, f"/match/default?exclude_entity_ids={best['id']}").json()
    assert best["id"] not in {r["id"] for r in gone["responses"]["q1"]["results"]}
    people = post(client, token, body, "/match/default?exclude_schema=Person").json()
    assert all(r["schema"] != "Person" for r in people["responses"]["q1"]["results"])
    assert "no sanctions list named" in refused(post(client, token, body, "/match/nope"), 404)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "not a yente match query"),
        (b"[]", "not a yente match query"),
        ({"query": {}}, "queries"),
        ({"queries": {}}, "no queries given"),
        ({"queries": {"a": None}}, "no queries given"),
        ({"queries": {"a": {"properties": {"name": ["x"]}}}}, "schema"),
        ({"queries": {"a": {"schema": "Person"}}}, "properties"),
        ({"queries": {"a": {"schema": "Persona", "properties": {"name": ["Ali"]}}}}, "unknown schema"),
        ({"queries": {"a": {"schema": "Person", "properties": {"colour": ["red"]}}}}, "no property 'colour'"),
        ({"queries": {"a": {"schema": "Person", "properties": {"name": [{"x": 1}]}}}}, "not text"),
        ({"queries": {"a": {"schema": "Person", "properties": {"birthDate": ["1961"]}}}}, "no name gavah can compare"),
        ({"queries": {"a": {"schema": "Person", "properties": {"name": ["..."]}}}}, "no name gavah can compare"),
        ({"queries": {str(i): MOGHADDAM for i in range(101)}}, "too many queries"),
    ],
)  # fmt: skip
def test_malformed_bodies_are_refused_with_a_clear_message(
    lists: None, client: TestClient, token: str, body: Any, says: str
) -> None:
    assert says in refused(post(client, token, body), 400)


def test_without_a_valid_token_nothing_is_answered(
    lists: None, client: TestClient, token: str
) -> None:
    refused(client.post("/match/default", json=YENTE_EXAMPLE), 401)
    refused(post(client, "gvh_" + "A" * 43, YENTE_EXAMPLE), 401)
    refused(post(client, token, YENTE_EXAMPLE, scheme="Basic"), 401)
    refused(post(client, token, YENTE_EXAMPLE, "/match/default?limit=0"), 422)


def test_every_match_is_in_the_audit_trail_without_the_names(
    lists: None, client: TestClient, token: str, accounts: Accounts
) -> None:
    body = {"queries": {"q1": MOGHADDAM}}
    raw = json.dumps(body).encode()
    assert post(client, token, raw, "/match/eu-hr").status_code == 200
    (event,) = accounts.events(kinds=["sanctions-match"])
    assert event["account"] == "matcher" and event["actor"] == "web:matcher"
    detail = event["detail"]
    assert detail["dataset"] == "eu-hr" and detail["lists"] == ["eu-hr"]
    assert detail["queries"] == 1 and detail["via"] == "token"
    assert detail["request_sha256"] == hashlib.sha256(raw).hexdigest()
    assert set(detail["snapshots"]) == {"eu-hr"}
    assert "Moghaddam" not in json.dumps(event)
    refused(post(client, token, {"queries": {}}), 400)
    assert len(accounts.events(kinds=["sanctions-match"])) == 1  # refused requests: no answer


def test_with_no_list_imported_nothing_is_found(client: TestClient, token: str) -> None:
    response = post(client, token, YENTE_EXAMPLE)
    assert response.status_code == 200, response.text
    assert all(a["results"] == [] for a in response.json()["responses"].values())
