"""Sign-in throttling that a guesser cannot turn against others (issue 13, finding 3).

Behind the documented reverse proxy every browser shares one address. Thirty failed sign-ins
under made-up names from it used to answer 429 to everyone, the admin with the right password
and code included. Now a throttled address is refused only the names it failed on (names failed
on since their last sign-in), whether or not they are accounts, and ``trusted_proxies`` lets the
app see each browser's own address.

Every name and password here is synthetic.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gavah.accounts import Accounts, Credentials
from gavah.errors import ConfigError
from gavah.settings import load_settings
from gavah.web import create_app
from gavah.workspace import Workspace
from totp_codes import next_code

PROXY = "10.0.0.1"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def app_with(workspace: Workspace, **changes: Any) -> FastAPI:
    ws = dataclasses.replace(workspace, settings=workspace.settings.model_copy(update=changes))
    return create_app(ws.settings, ws)


def browser(app: FastAPI, ip: str, **headers: str) -> TestClient:
    return TestClient(
        app,
        base_url="https://testserver",
        client=(ip, 50000),
        cookies={"gavah_lang": "en"},
        headers=headers,
    )


def password_step(client: TestClient, name: str, password: str) -> Any:
    if "gavah_form" not in client.cookies:
        client.get("/login")
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": client.cookies["gavah_form"]},
        headers={"Accept": "application/json"},
        follow_redirects=False,
    )


def code_step(client: TestClient, code: str) -> Any:
    page = client.get("/login/code")
    found = CSRF_FIELD.search(page.text)
    assert found, page.text
    return client.post(
        "/login/code",
        data={"code": code, "csrf_token": found.group(1)},
        follow_redirects=False,
    )


def signs_in(client: TestClient, who: Credentials) -> bool:
    first = password_step(client, who.account, who.password)
    if first.status_code != 303 or not first.headers["location"].startswith("/login/code"):
        return False
    second = code_step(client, next_code(who.totp_secret))
    return bool(second.status_code == 303 and second.headers["location"] == "/items")


@pytest.fixture
def make(accounts: Accounts) -> Callable[..., Credentials]:
    def made(name: str, role: str = "viewer") -> Credentials:
        return accounts.create_with_credentials(
            name, role, [] if role == "admin" else ["alpha"], "test-admin"
        )

    return made


def test_failures_under_made_up_names_lock_nobody_else_out(
    workspace: Workspace, make: Callable[..., Credentials]
) -> None:
    app = create_app(workspace.settings, workspace)  # the defaults: 30 failures per address
    admin = make("head-admin", "admin")
    limit = workspace.settings.login_failures_per_address
    with browser(app, "192.0.2.10") as guesser:
        for i in range(limit):
            refused = password_step(guesser, f"made-up-{i}", "guess-password-123")
            assert refused.status_code == 401, (i, refused.text)
        # The address is throttled now: the names it guessed at are refused outright.
        again = password_step(guesser, "made-up-0", "guess-password-123")
        assert again.status_code == 429 and again.json()["error"] == "TooManyAttempts"
    # Someone else behind the same address, whose account nobody attacked, signs in.
    with browser(app, "192.0.2.10") as colleague:
        assert signs_in(colleague, admin)
        assert colleague.get("/admin/users", follow_redirects=False).status_code == 200


def test_a_throttled_address_gets_one_guess_per_name_and_names_look_alike(
    workspace: Workspace, make: Callable[..., Credentials]
) -> None:
    """Past the limit, each name gets one more failure from the address, then 429: an account
    and a made-up name answer alike, so the limit says nothing about which names exist."""
    app = app_with(workspace, login_failures_per_address=3, login_failures=50)
    target = make("target-person")
    with browser(app, "192.0.2.20") as guesser:
        for name in ("filler-a", "filler-b", "filler-c"):
            assert password_step(guesser, name, "guess-password-123").status_code == 401
        answers = {}
        for name in ("target-person", "nobody-at-all"):
            first = password_step(guesser, name, "guess-password-123")
            second = password_step(guesser, name, "guess-password-123")
            answers[name] = (first.status_code, second.status_code, second.json()["message"])
        assert answers["target-person"] == answers["nobody-at-all"]
        assert answers["target-person"][:2] == (401, 429)
        # Under attack from this address now: even the right password is refused here...
        assert password_step(guesser, "target-person", target.password).status_code == 429
    # ...but not from elsewhere, and the account is not locked.
    with browser(app, "192.0.2.21") as elsewhere:
        assert signs_in(elsewhere, target)


def test_a_sign_in_clears_a_names_failures_for_a_throttled_address(
    workspace: Workspace, make: Callable[..., Credentials]
) -> None:
    app = app_with(workspace, login_failures_per_address=2, login_failures=50)
    who = make("typo-person")
    with browser(app, "192.0.2.30") as shared:
        assert password_step(shared, "typo-person", "a typo in the password").status_code == 401
        assert signs_in(shared, who)  # the address is not throttled yet
    with browser(app, "192.0.2.30") as shared:
        assert password_step(shared, "someone-else", "guess-password-123").status_code == 401
        assert signs_in(shared, who)  # throttled now, but her failure came before her sign-in


def test_behind_a_trusted_proxy_each_browser_has_its_own_address(
    workspace: Workspace, make: Callable[..., Credentials], accounts: Accounts
) -> None:
    app = app_with(workspace, trusted_proxies=f"{PROXY}, 10.9.0.0/16", login_failures=50)
    who = make("behind-proxy")
    via_proxy = {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}
    with browser(app, PROXY, **via_proxy) as one:
        assert password_step(one, "behind-proxy", "wrong password here").status_code == 401
    # A client that is no proxy cannot claim an address.
    with browser(app, "192.0.2.40", **{"X-Forwarded-For": "203.0.113.77"}) as liar:
        assert password_step(liar, "behind-proxy", "wrong password again").status_code == 401
    failed = [e["ip"] for e in accounts.events(kinds=["sign-in-failed"])]
    assert failed == ["192.0.2.40", "203.0.113.5"]
    # Many failures from one browser behind the proxy throttle that browser, not the proxy.
    tight = app_with(workspace, trusted_proxies=PROXY, login_failures_per_address=2)
    with browser(tight, PROXY, **{"X-Forwarded-For": "203.0.113.5"}) as one:
        password_step(one, "behind-proxy", "wrong password, third")
        assert password_step(one, "behind-proxy", who.password).status_code == 429
    with browser(tight, PROXY, **{"X-Forwarded-For": "203.0.113.6"}) as other:
        assert signs_in(other, who)


@pytest.mark.parametrize("value", ["*", "proxy.example.org", "10.0.0.1;10.0.0.2"])
def test_trusted_proxies_are_addresses(workspace: Workspace, value: str) -> None:
    with pytest.raises(ConfigError, match="trusted_proxies: .*is not an IP address"):
        load_settings(workspace.settings.workspace, trusted_proxies=value)
