"""Account security of the web workspace, through HTTP as a browser or a script would use it:
setup links, sign-in with lockout and throttling, the second factor, sessions, API tokens,
CSRF, password storage, the audit trail, and custody events for everything that shows or hands
out evidence."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select, update

from gavah.accounts import Accounts, Credentials
from gavah.accounts import credentials as cred
from gavah.custody.entry import EventKind
from gavah.db import models
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah.web import create_app
from gavah.workspace import Workspace
from gavah_cli import gavah
from totp_codes import next_code

BASE = "https://testserver"
ERROR_KEYS = {"error", "message", "hint", "exit_code", "status"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET_FIELD = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
RECOVERY_CODES = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")
API_TOKEN = re.compile(r'id="api-token" dir="ltr">(gvh_[^<]+)</code>')
GOOD_PASSWORD = "correct horse battery staple"
Person = Any  # tests/web/conftest.py's Person


# --- helpers ---------------------------------------------------------------------------------


def browser(app: FastAPI, ip: str = "testclient") -> TestClient:
    """A browser whose pages before signing in are in English (gavah's default is Persian)."""
    return TestClient(app, base_url=BASE, client=(ip, 50000), cookies={"gavah_lang": "en"})


def app_with(workspace: Workspace, **changes: Any) -> FastAPI:
    """The app on the same database and store, with some settings changed (Settings is frozen)."""
    ws = dataclasses.replace(workspace, settings=workspace.settings.model_copy(update=changes))
    return create_app(ws.settings, ws)


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def form_token(client: TestClient) -> str:
    """The sign-in form's double-submit token (its cookie and hidden field hold the same)."""
    if "gavah_form" not in client.cookies:
        assert client.get("/login").status_code == 200
    return str(client.cookies["gavah_form"])


def password_step(client: TestClient, name: str, password: str, **headers: str) -> Any:
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": form_token(client)},
        headers=headers,
        follow_redirects=False,
    )


def code_step(client: TestClient, code: str) -> Any:
    page = client.get("/login/code")
    assert page.status_code == 200, page.text
    return client.post(
        "/login/code",
        data={"code": code, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


def wrong_code(secret: str) -> str:
    """Six digits that are not a code of ``secret`` in the window it accepts."""
    return next(c for c in ("123456", "654321", "111111") if not cred.verify_totp(secret, c))


def session_csrf(client: TestClient) -> str:
    return csrf_of(client.get("/account").text)


def goes_to(response: Any, where: str) -> bool:
    return bool(response.status_code == 303 and response.headers["location"].startswith(where))


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == ERROR_KEYS, body
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    assert body["hint"] is None or isinstance(body["hint"], str)
    assert isinstance(body["exit_code"], int) and not isinstance(body["exit_code"], bool)
    return body


def account_row(workspace: Workspace, name: str) -> models.Account:
    with workspace.db.read() as session:
        return session.execute(
            select(models.Account).where(models.Account.name == name)
        ).scalar_one()


def custody_rows(workspace: Workspace) -> list[tuple[int, str, str | None, dict[str, Any]]]:
    with workspace.db.read() as session:
        rows = session.execute(select(models.CustodyEvent).order_by(models.CustodyEvent.idx))
        return [(r.idx, r.kind, r.evidence_id, json.loads(r.entry)) for r in rows.scalars()]


def auth_kinds(accounts: Accounts, account: str | None = None) -> list[str]:
    return [
        e["kind"] for e in accounts.events(limit=1000) if account is None or e["account"] == account
    ]


def dump_database(workspace: Workspace) -> str:
    """Every value of every table, as text: what someone who stole the database would hold."""
    parts: list[str] = []
    with workspace.db.read() as session:
        meta = MetaData()
        meta.reflect(bind=session.connection())
        assert "account_session" in meta.tables and "api_token" in meta.tables
        for table in meta.sorted_tables:
            for row in session.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("utf-8", "replace"))
                    elif value is not None:
                        parts.append(str(value))
    return "\n".join(parts)


@pytest.fixture
def credentials(accounts: Accounts) -> Callable[..., Credentials]:
    """An account set up with password and TOTP, keeping its recovery codes."""

    def make(name: str, role: str, collections: tuple[str, ...] = ("alpha",)) -> Credentials:
        return accounts.create_with_credentials(
            name, role, [] if role == "admin" else list(collections), "test-admin"
        )

    return make


@pytest.fixture
def admin_client(
    app: FastAPI, person: Callable[..., Person], signed_in: Callable[..., TestClient]
) -> Iterator[TestClient]:
    client = signed_in(app, person("boss", "admin"))
    yield client
    client.close()


def setup_page(client: TestClient, token: str) -> tuple[str, str]:
    """The setup page's TOTP secret and form token."""
    page = client.get(f"/setup/{token}")
    assert page.status_code == 200, page.text
    secret = SECRET_FIELD.search(page.text)
    assert secret, "the setup page shows no TOTP secret"
    return secret.group(1), csrf_of(page.text)


def finish_setup(client: TestClient, token: str, code: str | None, secret: str) -> Any:
    _, csrf = setup_page(client, token)
    data = {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD, "csrf_token": csrf}
    if code is not None:
        data.update(secret=secret, code=code)
    return client.post(f"/setup/{token}", data=data, follow_redirects=False)


# --- setting an account up from its one-time link --------------------------------------------


def test_setup_link_from_gavah_users_add_sets_up_password_and_totp_once(
    app: FastAPI, cli_env: dict[str, str]
) -> None:
    made = gavah(cli_env, "users", "add", "layla", "--role", "analyst", "-c", "alpha", "--json")
    assert made.returncode == 0, made.stderr
    url = json.loads(made.stdout)["setup_url"]
    token = url.rsplit("/setup/", 1)[1]
    with browser(app) as client:
        secret, csrf = setup_page(client, token)
        assert "layla" in client.get(f"/setup/{token}").text
        # An analyst may download and export: no setup without a valid code from the app.
        for code in (None, wrong_code(secret)):
            refused = finish_setup(client, token, code, secret)
            assert refused.status_code == 400, refused.text
            assert setup_page(client, token)  # the link still works after a refusal
        done = finish_setup(client, token, next_code(secret), secret)
        assert done.status_code == 200, done.text
        codes = RECOVERY_CODES.findall(done.text)
        assert len(codes) == 10 and len(set(codes)) == 10
        # Used up: the link is dead for showing and for posting.
        assert client.get(f"/setup/{token}").status_code == 404
        again = client.post(
            f"/setup/{token}",
            data={
                "password": "x" * 20,
                "password_again": "x" * 20,
                "secret": secret,
                "code": next_code(secret),
                "csrf_token": csrf,
            },
            follow_redirects=False,
        )
        assert again.status_code == 404
        # The recovery codes were shown once: nothing shows them again.
        signed = password_step(client, "layla", GOOD_PASSWORD)
        assert goes_to(signed, "/login/code")
        assert goes_to(code_step(client, next_code(secret)), "/items")
        account = client.get("/account").text
        assert not any(code in account for code in codes)


@pytest.mark.parametrize(
    ("role", "needs_totp"),
    [("admin", True), ("analyst", True), ("reviewer", True), ("intake", False), ("viewer", False)],
)
def test_roles_that_need_totp_cannot_finish_setup_without_it(
    app: FastAPI, accounts: Accounts, role: str, needs_totp: bool
) -> None:
    link = accounts.create(f"new-{role}", role, [] if role == "admin" else ["alpha"], "test-admin")
    with browser(app) as client:
        secret, _ = setup_page(client, link.token)
        response = finish_setup(client, link.token, None, secret)
        if needs_totp:
            assert response.status_code == 400, response.text
            assert account_row(accounts.ws, f"new-{role}").password_hash is None
            assert client.get(f"/setup/{link.token}").status_code == 200
        else:
            assert goes_to(response, "/login?done=set-up")
            assert account_row(accounts.ws, f"new-{role}").totp_secret is None
            assert client.get(f"/setup/{link.token}").status_code == 404
            signed = password_step(client, f"new-{role}", GOOD_PASSWORD)
            assert goes_to(signed, "/items")  # no second factor set up, none required


# --- signing in --------------------------------------------------------------------------------


def test_one_refusal_for_unknown_name_wrong_password_and_locked_account(
    workspace: Workspace, credentials: Callable[..., Credentials]
) -> None:
    app = app_with(workspace, login_failures=2)
    who = credentials("sahar", "viewer")
    with browser(app) as client:
        json_accept = {"Accept": "application/json"}
        unknown = password_step(client, "nobody-here", who.password, **json_accept)
        wrong = password_step(client, "sahar", "wrong password, sorry", **json_accept)
        assert "locked" not in auth_kinds(app.state.gavah.accounts, "sahar")
        password_step(client, "sahar", "wrong password again")  # the second failure locks
        assert "locked" in auth_kinds(app.state.gavah.accounts, "sahar")
        locked = password_step(client, "sahar", who.password, **json_accept)
        bodies = [assert_error_shape(r, 401) for r in (unknown, wrong, locked)]
        assert bodies[0] == bodies[1] == bodies[2]
        assert "gavah_session" not in client.cookies
        page = password_step(client, "sahar", who.password)  # a browser gets the same words
        assert page.status_code == 401 and "text/html" in page.headers["content-type"]
        assert bodies[0]["message"] in page.text


def test_lockout_holds_against_the_right_password_until_unlocked_or_expired(
    workspace: Workspace, credentials: Callable[..., Credentials], accounts: Accounts
) -> None:
    app = app_with(workspace, login_failures=3, lockout_minutes=15)
    who = credentials("omid", "viewer")
    with browser(app) as client:
        for _ in range(3):
            assert password_step(client, "omid", "not the password").status_code == 401
        locked_until = account_row(workspace, "omid").locked_until
        assert locked_until is not None
        assert password_step(client, "omid", who.password).status_code == 401
        assert "gavah_session" not in client.cookies
        accounts.unlock("omid", "test-admin")
        assert goes_to(password_step(client, "omid", who.password), "/login/code")
        assert goes_to(code_step(client, next_code(who.totp_secret)), "/items")
    assert account_row(workspace, "omid").failed_logins == 0
    # Locked again; this time the lock runs out (moved into the past, no sleeping).
    with browser(app) as client:
        for _ in range(3):
            password_step(client, "omid", "not the password")
        assert password_step(client, "omid", who.password).status_code == 401
        with workspace.db.write() as session:
            session.execute(
                update(models.Account)
                .where(models.Account.name == "omid")
                .values(locked_until=datetime.now(UTC) - timedelta(seconds=1))
            )
        assert goes_to(password_step(client, "omid", who.password), "/login/code")
    kinds = auth_kinds(accounts, "omid")
    assert kinds.count("locked") == 2 and "unlocked" in kinds


def test_too_many_failures_from_one_address_are_throttled(
    workspace: Workspace, credentials: Callable[..., Credentials]
) -> None:
    app = app_with(workspace, login_failures=50, login_failures_per_address=3)
    who = credentials("nasrin", "viewer")
    with browser(app, ip="198.51.100.7") as guesser:
        for name in ("nasrin", "someone", "nasrin"):
            assert password_step(guesser, name, "a wrong password").status_code == 401
        page = password_step(guesser, "nasrin", who.password)
        assert page.status_code == 429 and "text/html" in page.headers["content-type"]
        api = password_step(guesser, "nasrin", who.password, Accept="application/json")
        body = assert_error_shape(api, 429)
        assert body["error"] == "TooManyAttempts"
        assert "gavah_session" not in guesser.cookies
    # The account itself is not locked: from another address the right password works.
    with browser(app, ip="198.51.100.8") as elsewhere:
        assert goes_to(password_step(elsewhere, "nasrin", who.password), "/login/code")
        # Guessing the second factor is throttled per address as well.
        for _ in range(3):
            assert code_step(elsewhere, wrong_code(who.totp_secret)).status_code == 401
        refused = code_step(elsewhere, next_code(who.totp_secret))
        assert refused.status_code == 429
        assert goes_to(elsewhere.get("/items", follow_redirects=False), "/login/code")
    with browser(app, ip="198.51.100.9") as third:
        assert goes_to(password_step(third, "nasrin", who.password), "/login/code")
        assert goes_to(code_step(third, next_code(who.totp_secret)), "/items")


def _fill_path(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


# Routes someone who has given only a password may use: they finish or abandon signing in.
PARTLY_SIGNED_IN = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/login/code"),
    ("POST", "/login/code"),
    ("POST", "/logout"),
    ("POST", "/language"),
    ("GET", "/setup/{token}"),
    ("POST", "/setup/{token}"),
    ("GET", "/healthz"),
    ("GET", "/api/v1/openapi.json"),
    ("HEAD", "/api/v1/openapi.json"),
}


def every_route(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(app.routes):
        for method in sorted(route.methods or ()):
            found.append((method, str(route.path)))
    return found


def test_password_alone_reaches_nothing_but_the_code_page(
    app: FastAPI, credentials: Callable[..., Credentials], items: dict[str, str]
) -> None:
    who = credentials("parisa", "analyst")
    values = {
        "ref": items["alpha"],
        "token": "setup_x",
        "handle": "0" * 16,
        "token_id": "1",
        "name": "parisa",
        "collection": "alpha",
        "upload_id": "0" * 32,
        "uuid": "0" * 32,
        "assessment_id": "asm-" + "0" * 12,  # the verification pages' review form
        "dataset": "default",  # the matching API
        "entity_id": "reg-" + "0" * 16,  # the registry's pages
    }
    with browser(app) as client:
        assert goes_to(password_step(client, "parisa", who.password), "/login/code")
        csrf = csrf_of(client.get("/login/code").text)
        tried = 0
        for method, path in every_route(app):
            if (method, path) in PARTLY_SIGNED_IN:
                continue
            url = _fill_path(path, values)
            response = client.request(
                method,
                url,
                headers={"X-CSRF-Token": csrf, "Tus-Resumable": "1.0.0"},
                data={"csrf_token": csrf, "secret": "A" * 32, "code": "1"}
                if method == "POST"
                else None,
                follow_redirects=False,
            )
            tried += 1
            if path.startswith(("/api/", "/uploads", "/match/")):
                assert response.status_code == 401, (method, path, response.status_code)
                if method != "HEAD":
                    assert_error_shape(response, 401)
            else:
                assert goes_to(response, "/login/code"), (method, path, response.status_code)
        assert tried >= 40
        assert goes_to(code_step(client, next_code(who.totp_secret)), "/items")
        assert client.get(f"/items/{items['alpha']}").status_code == 200


def test_wrong_codes_count_as_failures_and_lock_the_account(
    app: FastAPI, credentials: Callable[..., Credentials], accounts: Accounts
) -> None:
    who = credentials("kaveh", "reviewer")
    right = next_code(who.totp_secret)
    wrong = wrong_code(who.totp_secret)
    limit = accounts.settings.login_failures
    with browser(app) as client:
        assert goes_to(password_step(client, "kaveh", who.password), "/login/code")
        for failures in range(1, limit + 1):
            assert code_step(client, wrong).status_code == 401
            assert account_row(accounts.ws, "kaveh").failed_logins == failures
        assert account_row(accounts.ws, "kaveh").locked_until is not None
        # Locked: the right code and a recovery code are refused too.
        assert code_step(client, right).status_code == 401
        assert code_step(client, who.recovery_codes[0]).status_code == 401
        assert goes_to(client.get("/items", follow_redirects=False), "/login/code")
    events = [e for e in accounts.events(limit=100) if e["account"] == "kaveh"]
    assert [e["detail"].get("step") for e in events if e["kind"] == "sign-in-failed"][-1] == "code"
    assert "locked" in [e["kind"] for e in events]


def test_a_recovery_code_works_exactly_once(
    app: FastAPI, credentials: Callable[..., Credentials]
) -> None:
    who = credentials("roya", "reviewer")
    first, second = who.recovery_codes[:2]
    with browser(app) as client:
        assert goes_to(password_step(client, "roya", who.password), "/login/code")
        # Typed as people do: upper case, spaces instead of dashes.
        assert goes_to(code_step(client, first.upper().replace("-", " ")), "/items")
        assert client.get("/items").status_code == 200
        client.post("/logout", data={"csrf_token": session_csrf(client)})
    with browser(app) as client:
        assert goes_to(password_step(client, "roya", who.password), "/login/code")
        assert code_step(client, first).status_code == 401
        assert goes_to(code_step(client, second), "/items")


def test_a_second_factor_role_without_totp_is_sent_to_enrol_first(
    app: FastAPI,
    credentials: Callable[..., Credentials],
    accounts: Accounts,
    workspace: Workspace,
) -> None:
    admin = credentials("mina", "admin")
    # A setup without TOTP is impossible for an admin: simulate an admin whose TOTP is gone.
    with workspace.db.write() as session:
        account = session.execute(
            select(models.Account).where(models.Account.name == "mina")
        ).scalar_one()
        account.totp_secret = account.totp_sealed = None
    with browser(app) as client:
        assert goes_to(password_step(client, "mina", admin.password), "/account/enrol")
        for path in ("/items", "/admin/users", "/account", "/login/code", "/upload"):
            response = client.get(path, follow_redirects=False)
            assert goes_to(response, "/account/enrol"), (path, response.status_code)
        assert_error_shape(client.get("/api/v1/me"), 401)
        page = client.get("/account/enrol")
        assert page.status_code == 200
        secret = SECRET_FIELD.search(page.text)
        assert secret
        data = {"secret": secret.group(1), "csrf_token": csrf_of(page.text)}
        refused = client.post("/account/enrol", data={**data, "code": "12"})
        assert refused.status_code == 400
        done = client.post("/account/enrol", data={**data, "code": next_code(secret.group(1))})
        assert done.status_code == 200 and len(RECOVERY_CODES.findall(done.text)) == 10
        assert client.get("/admin/users", follow_redirects=False).status_code == 200
    row = account_row(workspace, "mina")
    assert row.totp_secret is None and row.totp_sealed is not None  # sealed, not in clear
    assert accounts.keys.open_totp(row.id, row.totp_sealed) == secret.group(1)


def test_a_viewer_granted_a_second_factor_role_must_enrol_at_once(
    app: FastAPI, accounts: Accounts, items: dict[str, str]
) -> None:
    link = accounts.create("arash", "viewer", ["alpha"], "test-admin")
    with browser(app) as client:
        secret, _ = setup_page(client, link.token)
        assert goes_to(finish_setup(client, link.token, None, secret), "/login?done=set-up")
        assert goes_to(password_step(client, "arash", GOOD_PASSWORD), "/items")
        assert client.get(f"/items/{items['alpha']}", follow_redirects=False).status_code == 200
        made = client.post(
            "/account/tokens", data={"name": "script", "csrf_token": session_csrf(client)}
        )
        token = API_TOKEN.search(made.text)
        assert token
        bearer = {"Authorization": f"Bearer {token.group(1)}"}
        assert client.get("/api/v1/me", headers=bearer).status_code == 200
        accounts.grant("arash", "beta", "analyst", "test-admin")
        # The very next request knows: no download before a second factor is enrolled, neither
        # in the session signed in without one nor with a token made in it.
        download = client.get(f"/items/{items['beta']}/download", follow_redirects=False)
        assert goes_to(download, "/account/enrol")
        with browser(app) as script:
            content = script.get(f"/api/v1/items/{items['beta']}/content", headers=bearer)
            assert_error_shape(content, 401)
        page = client.get("/account/enrol")
        secret = SECRET_FIELD.search(page.text)
        assert secret
        enrolled = client.post(
            "/account/enrol",
            data={
                "secret": secret.group(1),
                "code": next_code(secret.group(1)),
                "csrf_token": csrf_of(page.text),
            },
        )
        assert enrolled.status_code == 200
        assert client.get(f"/items/{items['beta']}/download").status_code == 200
        with browser(app) as script:
            content = script.get(f"/api/v1/items/{items['beta']}/content", headers=bearer)
            assert content.status_code == 200


# --- sessions ----------------------------------------------------------------------------------


def test_the_session_cookie_is_httponly_secure_and_samesite_strict(
    app: FastAPI, credentials: Callable[..., Credentials]
) -> None:
    who = credentials("dara", "viewer")
    with browser(app) as client:
        response = password_step(client, "dara", who.password)
        cookies = response.headers.get_list("set-cookie")
        session = [c for c in cookies if c.startswith("gavah_session=")]
        assert len(session) == 1
        flags = {part.strip().lower() for part in session[0].split(";")[1:]}
        assert {"httponly", "secure", "samesite=strict"} <= flags
        form = client.get("/login").headers.get_list("set-cookie")  # already has one: none new
        assert not form
    with browser(app) as fresh:
        form_cookie = [
            c for c in fresh.get("/login").headers.get_list("set-cookie") if "gavah_form=" in c
        ]
        flags = {part.strip().lower() for part in form_cookie[0].split(";")[1:]}
        assert {"httponly", "secure", "samesite=strict"} <= flags


def test_sessions_are_listed_and_another_can_be_signed_out(
    app: FastAPI, credentials: Callable[..., Credentials], accounts: Accounts
) -> None:
    who = credentials("shirin", "viewer")
    with browser(app) as laptop, browser(app) as phone:
        assert goes_to(password_step(laptop, "shirin", who.password), "/login/code")
        assert goes_to(code_step(laptop, next_code(who.totp_secret)), "/items")
        assert goes_to(password_step(phone, "shirin", who.password), "/login/code")
        assert goes_to(code_step(phone, who.recovery_codes[0]), "/items")
        page = laptop.get("/account").text
        handles = re.findall(r'action="/account/sessions/([0-9a-f]{16})/revoke"', page)
        assert len(handles) == 1  # the other one can be signed out; this one is marked
        assert cred.digest(laptop.cookies["gavah_session"])[:16] not in handles
        assert handles[0] == cred.digest(phone.cookies["gavah_session"])[:16]
        assert len(accounts.sessions(account_row(accounts.ws, "shirin").id)) == 2
        done = laptop.post(
            f"/account/sessions/{handles[0]}/revoke",
            data={"csrf_token": csrf_of(page)},
            follow_redirects=False,
        )
        assert goes_to(done, "/account?done=session-revoked")
        assert goes_to(phone.get("/items", follow_redirects=False), "/login?next=")
        assert laptop.get("/items").status_code == 200
        again = laptop.get("/account").text
        assert not re.findall(r'action="/account/sessions/([0-9a-f]{16})/revoke"', again)
        account_id = account_row(accounts.ws, "shirin").id
        live = accounts.sessions(account_id)
        assert [s["id"] for s in live] == [cred.digest(laptop.cookies["gavah_session"])[:16]]


def test_signing_out_ends_the_session_on_the_server(
    app: FastAPI, person: Callable[..., Person], signed_in: Callable[..., TestClient]
) -> None:
    client = signed_in(app, person("farid", "viewer"))
    cookie = client.cookies["gavah_session"]
    out = client.post("/logout", data={"csrf_token": session_csrf(client)}, follow_redirects=False)
    assert goes_to(out, "/login?done=signed-out")
    assert (
        'gavah_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    )
    # Replaying the old cookie (a copy kept by malware or a shared computer) opens nothing.
    with browser(app) as replay:
        replay.cookies.set("gavah_session", cookie)
        assert goes_to(replay.get("/items", follow_redirects=False), "/login?next=")
        assert_error_shape(replay.get("/api/v1/me"), 401)
    client.close()


def test_disabling_an_account_ends_its_sessions_and_tokens(
    app: FastAPI,
    person: Callable[..., Person],
    signed_in: Callable[..., TestClient],
    admin_client: TestClient,
    accounts: Accounts,
) -> None:
    who = person("bahar", "analyst")
    client = signed_in(app, who)
    made = client.post(
        "/account/tokens", data={"name": "laptop", "csrf_token": session_csrf(client)}
    )
    token = API_TOKEN.search(made.text)
    assert token
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    with browser(app) as script:
        assert script.get("/api/v1/me", headers=bearer).status_code == 200
    disabled = admin_client.post(
        "/admin/users/bahar/disable",
        data={"csrf_token": session_csrf(admin_client)},
        follow_redirects=False,
    )
    assert goes_to(disabled, "/admin/users?done=disabled")
    assert goes_to(client.get("/items", follow_redirects=False), "/login?next=")
    with browser(app) as script:
        assert_error_shape(script.get("/api/v1/me", headers=bearer), 401)
        assert password_step(script, "bahar", who.password).status_code == 401
    # Enabling again does not bring the old session or token back.
    accounts.set_disabled("bahar", False, "test-admin")
    with browser(app) as script:
        assert_error_shape(script.get("/api/v1/me", headers=bearer), 401)
        script.cookies.set("gavah_session", client.cookies["gavah_session"])
        assert goes_to(script.get("/items", follow_redirects=False), "/login?next=")
    client.close()


def test_sessions_tokens_setup_links_and_recovery_codes_are_stored_only_as_digests(
    app: FastAPI,
    accounts: Accounts,
    workspace: Workspace,
    admin_client: TestClient,
) -> None:
    link = accounts.create("golnar", "reviewer", ["alpha"], "test-admin")
    with browser(app) as client:
        secret, _ = setup_page(client, link.token)
        done = finish_setup(client, link.token, next_code(secret), secret)
        codes = RECOVERY_CODES.findall(done.text)
        assert goes_to(password_step(client, "golnar", GOOD_PASSWORD), "/login/code")
        assert goes_to(code_step(client, codes[0]), "/items")
        cookie = client.cookies["gavah_session"]
        made = client.post(
            "/account/tokens", data={"name": "script", "csrf_token": session_csrf(client)}
        )
        token = API_TOKEN.search(made.text)
        assert token
        api_token = token.group(1)
    unused = admin_client.post(
        "/api/v1/accounts",
        json={"name": "pending", "role": "viewer", "collections": ["alpha"]},
        headers={"X-CSRF-Token": session_csrf(admin_client)},
    )
    assert unused.status_code == 201
    unused_token = unused.json()["setup_url"].rsplit("/setup/", 1)[1]
    admin_cookie = admin_client.cookies["gavah_session"]

    dump = dump_database(workspace)
    secrets_ = {
        "session cookie": cookie,
        "admin's session cookie": admin_cookie,
        "API token": api_token,
        "API token without its prefix": api_token.split("_", 1)[1],
        "used setup link": link.token,
        "unused setup link": unused_token,
        "password": GOOD_PASSWORD,
    }
    for code in codes:
        secrets_[f"recovery code {code}"] = code
        secrets_[f"recovery code {code}, normalised"] = cred.normalise_recovery_code(code)
    leaked = [what for what, value in secrets_.items() if value in dump]
    assert not leaked, f"stored in clear: {leaked}"
    # What is stored instead: their digests.
    for value in (cookie, admin_cookie, api_token, unused_token):
        assert cred.digest(value) in dump


def test_passwords_are_argon2id_and_an_overlong_one_costs_no_hashing(
    app: FastAPI,
    accounts: Accounts,
    credentials: Callable[..., Credentials],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    who = credentials("elham", "viewer")
    stored = account_row(accounts.ws, "elham").password_hash
    assert stored is not None and stored.startswith("$argon2id$")
    assert who.password not in stored
    assert PasswordHasher().verify(stored, who.password)

    calls: list[str] = []

    real = cred._HASHER

    class Spy:
        def hash(self, password: str) -> str:
            calls.append("hash")
            return real.hash(password)

        def verify(self, stored: str, password: str) -> bool:
            calls.append("verify")
            return real.verify(stored, password)

    monkeypatch.setattr(cred, "_HASHER", Spy())
    link = accounts.create("long-one", "viewer", ["alpha"], "test-admin")
    overlong = "p" * (cred.MAX_PASSWORD + 1)
    with browser(app) as client:
        _, csrf = setup_page(client, link.token)
        setup = client.post(
            f"/setup/{link.token}",
            data={"password": overlong, "password_again": overlong, "csrf_token": csrf},
            headers={"Accept": "application/json"},
        )
        assert str(cred.MAX_PASSWORD) in assert_error_shape(setup, 400)["message"]
        assert password_step(client, "elham", overlong).status_code == 401
        assert password_step(client, "elham", "p" * 5000).status_code == 422
        assert calls == [], "an overlong password was hashed"
        assert client.get(f"/setup/{link.token}").status_code == 200  # not used up
        assert goes_to(password_step(client, "elham", who.password), "/login/code")
        assert calls == ["verify"]


# --- API tokens ----------------------------------------------------------------------------------


def test_api_tokens_are_shown_once_work_as_bearer_and_die_when_revoked(
    app: FastAPI,
    person: Callable[..., Person],
    signed_in: Callable[..., TestClient],
    items: dict[str, str],
) -> None:
    client = signed_in(app, person("hoda", "analyst"))
    made = client.post(
        "/account/tokens", data={"name": "nightly export", "csrf_token": session_csrf(client)}
    )
    assert made.status_code == 200
    found = API_TOKEN.search(made.text)
    assert found
    token = found.group(1)
    account = client.get("/account").text
    assert token not in account and token[:10] in account  # listed by its prefix only
    ids = re.findall(r'action="/account/tokens/(\d+)/revoke"', account)
    assert len(ids) == 1
    bearer = {"Authorization": f"Bearer {token}"}
    with browser(app) as script:
        me = script.get("/api/v1/me", headers=bearer)
        assert me.status_code == 200 and me.json()["via"] == "token"
        content = script.get(f"/api/v1/items/{items['alpha']}/content", headers=bearer)
        assert content.status_code == 200 and content.content == b"synthetic test file in alpha\n"
        assert_error_shape(script.get(f"/api/v1/items/{items['beta']}", headers=bearer), 404)
    revoked = client.post(
        f"/account/tokens/{ids[0]}/revoke",
        data={"csrf_token": session_csrf(client)},
        follow_redirects=False,
    )
    assert goes_to(revoked, "/account?done=token-revoked")
    with browser(app) as script:
        refused = script.get("/api/v1/me", headers=bearer)
        assert_error_shape(refused, 401)
        assert refused.headers["www-authenticate"] == "Bearer"
    client.close()


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer    ",
        "Token gvh_x",
        "Bearergvh_x",
        "Bearer gvh_forged",
    ],
)
def test_a_malformed_or_unknown_authorization_header_is_401_json(app: FastAPI, header: str) -> None:
    with browser(app) as client:
        for path in ("/api/v1/me", "/api/v1/items", "/items"):
            assert_error_shape(client.get(path, headers={"Authorization": header}), 401)


# --- CSRF --------------------------------------------------------------------------------------


def test_state_changing_requests_without_the_csrf_token_are_refused_and_change_nothing(
    app: FastAPI,
    person: Callable[..., Person],
    signed_in: Callable[..., TestClient],
    accounts: Accounts,
    workspace: Workspace,
    items: dict[str, str],
) -> None:
    client = signed_in(app, person("taha", "admin"))
    good = session_csrf(client)
    before_custody = len(custody_rows(workspace))
    before_accounts = accounts.count()
    ref = items["alpha"]
    attempts: list[tuple[str, str, dict[str, Any]]] = []
    for token in (None, "csrf_wrong", good[:-1]):
        form = {} if token is None else {"csrf_token": token}
        header = {} if token is None else {"X-CSRF-Token": token}
        attempts += [
            ("POST", f"/items/{ref}/description", {"data": {**form, "description": "forged"}}),
            ("POST", "/account/tokens", {"data": {**form, "name": "forged"}}),
            ("POST", "/admin/users", {"data": {**form, "name": "forged", "role": "admin"}}),
            ("POST", "/admin/users/taha/disable", {"data": form}),
            ("POST", "/logout", {"data": form}),
            (
                "PUT",
                f"/api/v1/items/{ref}/description",
                {"json": {"description": "forged"}, "headers": header},
            ),
            (
                "POST",
                "/api/v1/accounts",
                {"json": {"name": "forged", "role": "admin"}, "headers": header},
            ),
            (
                "POST",
                "/uploads/",
                {"headers": {**header, "Tus-Resumable": "1.0.0", "Upload-Length": "1"}},
            ),
        ]
    for method, path, kwargs in attempts:
        kwargs["headers"] = {**kwargs.get("headers", {}), "Accept": "application/json"}
        response = client.request(method, path, follow_redirects=False, **kwargs)
        body = assert_error_shape(response, 403)
        assert "CSRF" in body["message"], (method, path, body)
    assert len(custody_rows(workspace)) == before_custody
    assert accounts.count() == before_accounts
    assert accounts.tokens(account_row(workspace, "taha").id) == []
    with workspace.db.read() as session:
        assert session.get(models.Evidence, ref).description is None  # type: ignore[union-attr]
    assert client.get("/items").status_code == 200  # still signed in, still enabled
    # The right token in a header or a form field works.
    ok = client.post(
        f"/items/{ref}/description",
        data={"description": "real", "csrf_token": good},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    client.close()


def test_a_cross_site_form_without_the_double_submit_cookie_is_refused(
    app: FastAPI, credentials: Callable[..., Credentials], accounts: Accounts
) -> None:
    who = credentials("zhila", "viewer")
    link = accounts.create("later", "viewer", ["alpha"], "test-admin")
    with browser(app) as attacker_page:  # a form on another site: no gavah_form cookie
        fields = {"name": "zhila", "password": who.password, "csrf_token": "guessed"}
        assert attacker_page.post("/login", data=fields, follow_redirects=False).status_code == 403
        setup = {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD, "csrf_token": "x"}
        assert attacker_page.post(f"/setup/{link.token}", data=setup).status_code == 403
        language = {"language": "en", "csrf_token": "x"}
        assert attacker_page.post("/language", data=language).status_code == 403
        assert "gavah_session" not in attacker_page.cookies
    with browser(app) as client:  # the cookie is there, but the field does not match it
        form_token(client)
        fields["csrf_token"] = "not-the-cookie"
        assert client.post("/login", data=fields, follow_redirects=False).status_code == 403
        assert "gavah_session" not in client.cookies
    kinds = auth_kinds(accounts)
    assert "sign-in-failed" not in kinds and "password-ok" not in kinds and "sign-in" not in kinds
    assert account_row(accounts.ws, "later").password_hash is None  # the link was not used


# --- audit and custody -------------------------------------------------------------------------


def test_the_audit_trail_and_the_custody_log_record_account_activity(
    workspace: Workspace,
    person: Callable[..., Person],
    signed_in: Callable[..., TestClient],
    credentials: Callable[..., Credentials],
    items: dict[str, str],
) -> None:
    app = app_with(workspace, login_failures=2)
    admin = signed_in(app, person("nadia", "admin"))
    analyst = signed_in(app, person("sina", "analyst"))
    victim = credentials("yas", "viewer")
    with browser(app) as guesser:
        for _ in range(2):
            password_step(guesser, "yas", "wrong password here")
        assert password_step(guesser, "yas", victim.password).status_code == 401
    csrf = session_csrf(admin)
    for path, data in (
        ("/admin/users/sina/grants", {"collection": "beta", "role": "viewer"}),
        ("/admin/users/sina/grants/revoke", {"collection": "beta"}),
        ("/admin/users/yas/unlock", {}),
        ("/admin/users/yas/reset", {}),
        ("/admin/users/yas/disable", {}),
    ):
        response = admin.post(path, data={**data, "csrf_token": csrf}, follow_redirects=False)
        assert response.status_code in (200, 303), (path, response.text)
    created = admin.post(
        "/admin/users",
        data={"name": "newcomer", "role": "intake", "collection": "alpha", "csrf_token": csrf},
    )
    assert created.status_code == 200 and "/setup/setup_" in created.text
    made = analyst.post("/account/tokens", data={"name": "t", "csrf_token": session_csrf(analyst)})
    token = API_TOKEN.search(made.text)
    assert token
    ref = items["alpha"]
    assert analyst.get(f"/items/{ref}/download").status_code == 200
    assert analyst.get(f"/items/{ref}/custody-report").status_code == 200
    with browser(app) as script:
        proof = script.get(
            f"/api/v1/items/{ref}/proof", headers={"Authorization": f"Bearer {token.group(1)}"}
        )
        assert proof.status_code == 200

    page = admin.get("/admin/audit")
    assert page.status_code == 200
    for kind in ("sign-in", "sign-in-failed", "locked", "grant", "revoke", "unlocked",
                 "account-reset", "disabled", "account-created", "token-created"):  # fmt: skip
        assert f'class="audit-{kind}"' in page.text, kind
    # The "left the workspace" table: one row per download, proof and report, with who did it.
    left = [row for row in page.text.split("<tr") if f'href="/items/{ref}"' in row]
    assert len(left) == 3 and all("web:sina" in row for row in left)
    kinds_shown = {re.findall(r"<td>([^<]+)</td><td><a ", row)[0] for row in left}
    assert len(kinds_shown) == 3, kinds_shown  # a download, a proof and a custody report
    filtered = admin.get("/admin/audit", params={"kind": "locked"}).text
    assert 'class="audit-locked"' in filtered and 'class="audit-grant"' not in filtered

    api = admin.get("/api/v1/audit", params={"limit": 1000})
    assert api.status_code == 200
    events = api.json()
    kinds = {(e["kind"], e["account"]) for e in events}
    for expected in (("sign-in", "sina"), ("sign-in-failed", "yas"), ("locked", "yas"),
                     ("grant", "sina"), ("revoke", "sina"), ("disabled", "yas")):  # fmt: skip
        assert expected in kinds, expected
    grant = next(e for e in events if e["kind"] == "grant" and e["account"] == "sina")
    assert grant["actor"] == "web:nadia" and grant["detail"] == {
        "collection": "beta",
        "role": "viewer",
    }
    failed = next(e for e in events if e["kind"] == "sign-in-failed")
    assert failed["ip"] == "testclient" and failed["actor"] is None

    # Changes to who may do what are custody events, signed into the log like any other.
    account_events = [
        (kind, entry)
        for _, kind, _, entry in custody_rows(workspace)
        if kind.startswith("account.")
    ]
    by_web = {
        (kind, entry["account"].get("name"))
        for kind, entry in account_events
        if entry["actor"] == "web:nadia"
    }
    assert ("account.access-changed", "sina") in by_web
    assert ("account.reset", "yas") in by_web
    assert ("account.disabled", "yas") in by_web
    assert ("account.created", "newcomer") in by_web
    assert ("account.token-created", "sina") in {
        (kind, entry["account"].get("name")) for kind, entry in account_events
    }
    assert ("account.created", "sina") in {(k, e["account"]["name"]) for k, e in account_events}
    report = verify_workspace(Vault(workspace))
    assert report.ok, report.problems
    assert report.log_size == len(custody_rows(workspace))
    admin.close()
    analyst.close()


ACCESS = (
    ("/items/{ref}", EventKind.VIEW, "web page"),
    ("/items/{ref}/download", EventKind.DOWNLOAD, "web download"),
    ("/items/{ref}/proof", EventKind.PROOF, "web proof"),
    ("/items/{ref}/custody-report", EventKind.EXPORT, "web export"),
    ("/items/{ref}/bag", EventKind.EXPORT, "web bag"),
    ("/api/v1/items/{ref}", EventKind.VIEW, "api"),
    ("/api/v1/items/{ref}/content", EventKind.DOWNLOAD, "api"),
    ("/api/v1/items/{ref}/proof", EventKind.PROOF, "api"),
    ("/api/v1/items/{ref}/custody-report", EventKind.EXPORT, "api"),
)


def test_every_view_download_proof_and_export_is_exactly_one_custody_event(
    app: FastAPI,
    person: Callable[..., Person],
    signed_in: Callable[..., TestClient],
    workspace: Workspace,
    items: dict[str, str],
) -> None:
    analyst = signed_in(app, person("leila", "analyst"))
    viewer = signed_in(app, person("reza", "viewer"))
    made = analyst.post("/account/tokens", data={"name": "s", "csrf_token": session_csrf(analyst)})
    token = API_TOKEN.search(made.text)
    assert token
    script = browser(app)
    script.headers["Authorization"] = f"Bearer {token.group(1)}"
    ref = items["alpha"]
    done: dict[str, int] = {}
    for path, kind, via in ACCESS:
        # Through the pages or the API in a browser session, and through the API with a token.
        for client in (analyst, script) if path.startswith("/api/") else (analyst,):
            before = custody_rows(workspace)
            response = client.get(path.format(ref=ref))
            assert response.status_code == 200, (path, response.text)
            new = custody_rows(workspace)[len(before) :]
            assert len(new) == 1, (path, [k for _, k, _, _ in new])
            _, logged_kind, evidence_id, entry = new[0]
            assert (logged_kind, evidence_id) == (kind, ref), path
            assert entry["actor"] == "web:leila" and entry["detail"]["via"] == via, (path, entry)
            done[kind] = done.get(kind, 0) + 1
    # Refused: nothing is logged (not found elsewhere, forbidden for the viewer's role).
    logged = len(custody_rows(workspace))
    for path, kind, _ in ACCESS:
        assert analyst.get(path.format(ref=items["beta"])).status_code == 404
        assert script.get(path.format(ref=items["beta"])).status_code == 404
        if kind != EventKind.VIEW:
            assert viewer.get(path.format(ref=ref)).status_code == 403, path
    assert len(custody_rows(workspace)) == logged
    # The item page's timeline shows them all, with who did them (and the page's own view).
    page = analyst.get(f"/items/{ref}").text
    done[EventKind.VIEW] += 1
    timeline = page.split('<ol class="timeline">', 1)[1]
    for kind, times in done.items():
        assert timeline.count(f'data-kind="{kind}"') == times, kind
    assert timeline.count("web:leila") == sum(done.values())
    script.close()
    analyst.close()
    viewer.close()


# --- the one JSON error shape ------------------------------------------------------------------


def test_every_api_error_has_exactly_the_one_shape(
    app: FastAPI,
    person: Callable[..., Person],
    signed_in: Callable[..., TestClient],
    items: dict[str, str],
) -> None:
    viewer = signed_in(app, person("sara", "viewer"))
    admin = signed_in(app, person("ali", "admin"))
    csrf = session_csrf(admin)
    with browser(app) as anon:
        cases: list[tuple[Any, int, str]] = [
            (anon.get("/api/v1/me"), 401, "SignInRequired"),
            (anon.get("/api/v1/items", headers={"Authorization": "Bearer nope"}), 401, "SignInRequired"),
            (viewer.get(f"/api/v1/items/{items['alpha']}/content"), 403, "AccessDenied"),
            (viewer.get(f"/api/v1/items/{items['beta']}"), 404, "NotFound"),
            (viewer.get("/api/v1/items/ev-nothing-here"), 404, "NotFound"),
            (viewer.get("/api/v1/uploads/" + "0" * 32), 404, "NotFound"),
            (viewer.get("/api/v1/no-such-route"), 404, "NotFound"),
            (viewer.post("/api/v1/me", headers={"X-CSRF-Token": "x"}), 405, "HTTPError"),
            (viewer.get("/api/v1/items", params={"limit": 0}), 422, "InputError"),
            (viewer.get("/api/v1/items", params={"from": "not a date"}), 400, "InputError"),
            (viewer.get("/api/v1/accounts"), 403, "AccessDenied"),
            (admin.put("/api/v1/accounts/sara/grants/alpha", json={"role": "admin"},
                       headers={"X-CSRF-Token": csrf}), 400, "InputError"),
            (admin.post("/api/v1/accounts", json={"name": "sara", "role": "viewer", "collections": ["alpha"]},
                        headers={"X-CSRF-Token": csrf}), 400, "InputError"),
            (admin.delete("/api/v1/accounts/nobody/grants/alpha", headers={"X-CSRF-Token": csrf}), 404, "NotFound"),
            (admin.post("/api/v1/accounts", content=b"{not json", headers={"X-CSRF-Token": csrf,
                        "Content-Type": "application/json"}), 422, "InputError"),
            (admin.put(f"/api/v1/items/{items['alpha']}/description", json={"description": "x" * 20001},
                       headers={"X-CSRF-Token": csrf}), 422, "InputError"),
        ]  # fmt: skip
        for response, status, error in cases:
            body = assert_error_shape(response, status)
            assert body["error"] == error, (response.request.url, body)
    # The schema says so too.
    schema = app.openapi()["components"]["schemas"]["ErrorBody"]
    assert set(schema["properties"]) == ERROR_KEYS
    viewer.close()
    admin.close()
