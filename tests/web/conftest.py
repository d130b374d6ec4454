"""Fixtures for the web workspace: the app on this run's database and store, accounts of every
role, and signed-in clients. Clients talk HTTPS to the in-process app (TestClient), so Secure
cookies behave as in a browser."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gavah.accounts import Accounts
from gavah.intake.ingest import ingest
from gavah.vault import Vault
from gavah.web import create_app
from gavah.workspace import Workspace
from totp_codes import next_code

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ROLES = ("admin", "intake", "analyst", "reviewer", "viewer")


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    password: str
    totp_secret: str


@pytest.fixture
def app(workspace: Workspace) -> FastAPI:
    return create_app(workspace.settings, workspace)


@pytest.fixture
def accounts(workspace: Workspace) -> Accounts:
    return Accounts(workspace)


@pytest.fixture
def person(accounts: Accounts) -> Callable[..., Person]:
    """Make an account that is set up (password and TOTP) with a role in the collections given."""

    def make(name: str, role: str, collections: tuple[str, ...] = ("alpha",)) -> Person:
        made = accounts.create_with_credentials(
            name, role, [] if role == "admin" else list(collections), "test-admin"
        )
        return Person(name, role, made.password, made.totp_secret)

    return make


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(app: FastAPI, who: Person) -> TestClient:
    """A client that has signed in with password and TOTP, as a browser would."""
    client = TestClient(app, base_url="https://testserver")
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"name": who.name, "password": who.password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    if response.headers["location"].startswith("/login/code"):
        token = csrf_of(client.get("/login/code").text)
        response = client.post(
            "/login/code",
            data={"code": next_code(who.totp_secret), "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
    return client


def session_csrf(client: TestClient) -> str:
    """The session's CSRF token, as pages carry it."""
    return csrf_of(client.get("/account").text)


@pytest.fixture
def signed_in() -> Callable[[FastAPI, Person], TestClient]:
    return sign_in


@pytest.fixture
def items(vault: Vault, tmp_path: Path) -> dict[str, str]:
    """Synthetic items: one in collection alpha, one in beta; returns name -> evidence id."""
    made: dict[str, str] = {}
    for collection, name, body in (
        ("alpha", "alpha-report.txt", b"synthetic test file in alpha\n"),
        ("beta", "beta-report.txt", b"synthetic test file in beta\n"),
    ):
        folder = tmp_path / "items" / collection
        folder.mkdir(parents=True)
        (folder / name).write_bytes(body)
        summary = ingest(
            vault,
            [os.fsencode(folder / name)],
            collection=collection,
            source="synthetic test source",
        )
        made[collection] = summary.items[0]["id"]
    return made


@pytest.fixture
def client_for(
    app: FastAPI, person: Callable[..., Person]
) -> Iterator[Callable[[str], TestClient]]:
    """A signed-in client for a new account of ``role`` with access to collection alpha."""
    clients: list[TestClient] = []

    def make(role: str) -> TestClient:
        who = person(f"{role}-{len(clients)}", role, ("alpha",))
        client = sign_in(app, who)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
