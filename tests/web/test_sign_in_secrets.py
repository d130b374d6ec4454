"""Smaller sign-in findings of issue 13 (finding 10): the session is replaced once the second
factor is given; the TOTP secret being set up is the server's, never the browser's; a name
typed at a failed sign-in that is no account's (a password, often) is kept only as a keyed
digest.

Every name and password here is synthetic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pyotp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from gavah.accounts import Accounts, Credentials
from gavah.db import models
from gavah.workspace import Workspace, open_workspace
from totp_codes import next_code

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
SHOWN_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
PASSWORD = "a long synthetic password"


def browser(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="https://testserver", cookies={"gavah_lang": "en"})


def csrf_in(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, html
    return found.group(1)


def password_step(client: TestClient, name: str, password: str) -> Any:
    if "gavah_form" not in client.cookies:
        client.get("/login")
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": client.cookies["gavah_form"]},
        follow_redirects=False,
    )


def test_the_session_is_replaced_once_the_second_factor_is_given(
    app: FastAPI, accounts: Accounts
) -> None:
    who = accounts.create_with_credentials("rotated", "analyst", ["alpha"], "test-admin")
    with browser(app) as client:
        assert password_step(client, "rotated", who.password).status_code == 303
        before = client.cookies["gavah_session"]
        page = client.get("/login/code")
        done = client.post(
            "/login/code",
            data={"code": next_code(who.totp_secret), "csrf_token": csrf_in(page.text)},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == "/items"
        after = client.cookies["gavah_session"]
        assert after != before
        assert client.get("/items", follow_redirects=False).status_code == 200
    # The cookie from before the code (seen, or planted) is worth nothing now.
    assert accounts.principal_for_session(before) is None
    with TestClient(app, base_url="https://testserver", cookies={"gavah_session": before}) as old:
        refused = old.get("/items", follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login?")


def test_enrolling_a_second_factor_replaces_a_session_that_had_none(
    app: FastAPI, accounts: Accounts
) -> None:
    link = accounts.create("enrols", "viewer", ["alpha"], "test-admin")
    accounts.complete_setup(link.token, PASSWORD, None)
    accounts.grant("enrols", "alpha", "analyst", "test-admin")  # a role that needs TOTP
    with browser(app) as client:
        assert password_step(client, "enrols", PASSWORD).headers["location"] == "/account/enrol"
        before = client.cookies["gavah_session"]
        page = client.get("/account/enrol").text
        secret = SHOWN_SECRET.search(page)
        assert secret
        done = client.post(
            "/account/enrol",
            data={"code": next_code(secret.group(1)), "csrf_token": csrf_in(page)},
        )
        assert done.status_code == 200, done.text
        assert client.cookies["gavah_session"] != before
        assert csrf_in(done.text) != csrf_in(page)  # the page already speaks for the new session
        assert client.get("/items", follow_redirects=False).status_code == 200
    assert accounts.principal_for_session(before) is None


def test_the_totp_secret_is_made_by_the_server_and_never_taken_from_the_browser(
    app: FastAPI, accounts: Accounts
) -> None:
    link = accounts.create("new-analyst", "analyst", ["alpha"], "test-admin")
    chosen = pyotp.random_base32()  # a secret an attacker would like the account to have
    with browser(app) as client:
        page = client.get(f"/setup/{link.token}").text
        offered = SHOWN_SECRET.search(page)
        assert offered and 'name="secret"' not in page
        again = SHOWN_SECRET.search(client.get(f"/setup/{link.token}").text)
        assert again and again.group(1) == offered.group(1)  # a reload shows the same secret
        form = {"password": PASSWORD, "password_again": PASSWORD, "csrf_token": csrf_in(page)}
        for secret, code in (("!!!not base32 at all!!!", "123456"), (chosen, next_code(chosen))):
            refused = client.post(
                f"/setup/{link.token}", data={**form, "secret": secret, "code": code}
            )
            assert refused.status_code == 400, (secret, refused.status_code)
        accepted = client.post(
            f"/setup/{link.token}",
            data={**form, "secret": chosen, "code": next_code(offered.group(1))},
        )
        assert accepted.status_code == 200, accepted.text
    row = _account(accounts.ws, "new-analyst")
    assert row.totp_secret is None  # not in clear
    assert accounts.keys.open_totp(row.id, str(row.totp_sealed)) == offered.group(1)


def test_a_password_typed_as_a_name_is_kept_only_as_a_keyed_digest(
    app: FastAPI, accounts: Accounts, person: Callable[..., Any], signed_in: Callable[..., Any]
) -> None:
    typed = "my-real-Passw0rd-typed-in-the-name-field"
    with browser(app) as client:
        for _ in range(2):
            assert password_step(client, typed, "whatever goes here").status_code == 401
        assert password_step(client, "rotated", "not an account either").status_code == 401
    failures = [e for e in accounts.events() if e["kind"] == "sign-in-failed"]
    kept = [e["account"] for e in failures]
    assert typed not in str(accounts.events())
    assert kept[1] == kept[2] != kept[0]  # the same name, the same digest
    assert all(re.fullmatch(r"#[0-9a-f]{32}", k) for k in kept)
    admin = signed_in(app, person("auditor", "admin"))
    audit = admin.get("/admin/audit", params={"kind": "sign-in-failed"}).text
    assert typed not in audit
    assert "<code title=" in audit and kept[1][:13] in audit  # shown as the digest it is
    admin.close()


def test_names_typed_before_are_replaced_by_their_digests(workspace: Workspace) -> None:
    accounts = Accounts(workspace)
    creds: Credentials = accounts.create_with_credentials("kept", "viewer", ["alpha"], "x")
    typed = "an-old-Passw0rd-in-the-audit-trail"
    with workspace.db.write() as session:  # as gavah stored failures before this was fixed
        for name in (typed, creds.account):
            accounts.audit(session, "sign-in-failed", name, None, "192.0.2.1", step="password")
        row = _account_in(session, "kept")
        row.totp_secret, row.totp_sealed = creds.totp_secret, None  # and TOTP secrets in clear
    reopened = open_workspace(workspace.settings)
    try:
        kept = [e["account"] for e in Accounts(reopened).events(kinds=["sign-in-failed"])]
        assert kept == ["kept", Accounts(reopened).keys.unknown_name(typed)]
        row = _account(reopened, "kept")
        assert row.totp_secret is None and row.totp_sealed
        assert Accounts(reopened).keys.open_totp(row.id, row.totp_sealed) == creds.totp_secret
    finally:
        reopened.close()


def _account_in(session: Any, name: str) -> models.Account:
    found: models.Account = session.execute(
        select(models.Account).where(models.Account.name == name)
    ).scalar_one()
    return found


def _account(workspace: Workspace, name: str) -> models.Account:
    with workspace.db.read() as session:
        found = _account_in(session, name)
        session.expunge(found)
        return found
