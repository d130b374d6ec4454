"""A TOTP code is accepted once (RFC 6238 section 5.2): one seen over a shoulder is useless."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from totp_codes import next_code


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _password_then_code(app: FastAPI, who: Any, code: str) -> int:
    client = TestClient(app, base_url="https://testserver")
    token = csrf_of(client.get("/login").text)
    form = {"name": who.name, "password": who.password, "csrf_token": token}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    token = csrf_of(client.get("/login/code").text)
    answer = client.post(
        "/login/code", data={"code": code, "csrf_token": token}, follow_redirects=False
    )
    return answer.status_code


def test_a_code_used_once_is_refused_the_second_time(
    app: FastAPI, person: Callable[..., Any]
) -> None:
    who = person("parisa", "analyst")
    code = next_code(who.totp_secret)
    assert _password_then_code(app, who, code) == 303
    assert _password_then_code(app, who, code) == 401  # the same code, another browser
    assert _password_then_code(app, who, next_code(who.totp_secret)) == 303
