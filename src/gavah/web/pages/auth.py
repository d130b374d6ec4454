"""Signing in and out, the second factor, setting up an account from its link, and the
language of pages shown before signing in."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from gavah.accounts import Principal, Standing
from gavah.accounts import credentials as cred
from gavah.errors import InputError
from gavah.web.context import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    check_form_token,
    client_ip,
    maybe_signed_in,
    partly_signed_in,
    state,
)
from gavah.web.i18n import LANGUAGES
from gavah.web.pages.render import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/items"
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return "/items"
    return target


def session_cookie(request: Request, response: Response, token: str) -> None:
    settings = state(request).settings
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
    )


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (markup, not script: allowed by the CSP)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next))


@router.post("/login", dependencies=[Depends(check_form_token)])
def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=2000)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    accounts = state(request).accounts
    signed = accounts.sign_in(
        name.strip(), password, client_ip(request), request.headers.get("user-agent")
    )
    target = {
        Standing.READY: _safe_next(next),
        Standing.NEEDS_CODE: f"/login/code?next={quote(_safe_next(next), safe='')}",
        Standing.NEEDS_ENROLMENT: "/account/enrol",
    }[signed.standing]
    response = RedirectResponse(target, status_code=303)
    session_cookie(request, response, signed.token)
    return response


@router.get("/login/code", response_class=HTMLResponse)
def code_page(
    request: Request, next: str | None = None, me: Principal = Depends(partly_signed_in)
) -> Response:
    if me.standing is Standing.READY:
        return RedirectResponse(_safe_next(next), status_code=303)
    if me.standing is Standing.NEEDS_ENROLMENT:  # no TOTP to ask for: set one up first
        return RedirectResponse("/account/enrol", status_code=303)
    return render(request, "login_code.html", next=_safe_next(next))


@router.post("/login/code")
def code(
    request: Request,
    code: Annotated[str, Form(max_length=100)],
    next: Annotated[str | None, Form(max_length=2000)] = None,
    me: Principal = Depends(partly_signed_in),
) -> Response:
    token = state(request).accounts.second_factor(me, code, client_ip(request))
    response = RedirectResponse(_safe_next(next), status_code=303)
    if token is not None:  # a new session replaces the one that had only the password
        session_cookie(request, response, token)
    return response


@router.post("/logout")
def logout(request: Request, me: Principal = Depends(partly_signed_in)) -> Response:
    state(request).accounts.sign_out(me)
    response = RedirectResponse("/login?done=signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language")
async def choose_language(
    request: Request, language: Annotated[str, Form()], next: Annotated[str | None, Form()] = None
) -> Response:
    """The language switch in every page's header: kept on the account when signed in."""
    if language not in LANGUAGES:
        raise InputError(f"unknown language {language!r}", hint="choose fa or en")
    me = await maybe_signed_in(request)
    if me is None:
        await check_form_token(request)
    else:
        await check_csrf(request, me)
        await run_in_threadpool(state(request).accounts.set_language, me, language)
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = state(request).settings.secure_cookies
    response.set_cookie(LANGUAGE_COOKIE, language, secure=secure, samesite="strict")
    return response


# --- setting up an account from its one-time link ------------------------------------------------
@router.get("/setup/{token}", response_class=HTMLResponse)
def setup_page(request: Request, token: str) -> Response:
    accounts = state(request).accounts
    account = accounts.setup_account(token)
    secret = accounts.setup_totp_secret(account)  # the server's: a browser never sends one
    uri = cred.totp_uri(secret, account.name)
    return render(
        request,
        "setup.html",
        token=token,
        account=account.name,
        secret=secret,
        qr=qr_svg(uri),
        uri=uri,
        headers={"Referrer-Policy": "no-referrer"},
    )


@router.post("/setup/{token}", dependencies=[Depends(check_form_token)])
def setup(
    request: Request,
    token: str,
    password: Annotated[str, Form(max_length=2000)],
    password_again: Annotated[str, Form(max_length=2000)],
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    if password != password_again:
        raise InputError("the two passwords differ", hint="type the same password twice")
    codes = state(request).accounts.complete_setup(token, password, code or None)
    if not codes:
        return RedirectResponse("/login?done=set-up", status_code=303)
    return render(request, "recovery_codes.html", codes=codes, then="/login?done=set-up")
