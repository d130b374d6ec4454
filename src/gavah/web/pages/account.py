"""One's own account: language, signed-in sessions, API tokens and the second factor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gavah.accounts import Principal, Standing
from gavah.accounts import credentials as cred
from gavah.web.context import partly_signed_in, signed_in, state
from gavah.web.pages.auth import qr_svg, session_cookie
from gavah.web.pages.render import render

router = APIRouter(prefix="/account", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def account_page(request: Request, me: Principal = Depends(signed_in)) -> Response:
    accounts = state(request).accounts
    return render(
        request,
        "account.html",
        sessions=accounts.sessions(me.account_id),
        tokens=accounts.tokens(me.account_id),
        current=(me.session_id or "")[:16],
    )


@router.post("/language")
def set_language(
    request: Request, language: Annotated[str, Form()], me: Principal = Depends(signed_in)
) -> Response:
    state(request).accounts.set_language(me, language)
    return RedirectResponse("/account?done=language", status_code=303)


@router.post("/sessions/{handle}/revoke")
def revoke_session(request: Request, handle: str, me: Principal = Depends(signed_in)) -> Response:
    state(request).accounts.revoke_session(me, handle)
    return RedirectResponse("/account?done=session-revoked", status_code=303)


@router.post("/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    name: Annotated[str, Form(max_length=80)],
    me: Principal = Depends(signed_in),
) -> Response:
    token = state(request).accounts.create_token(me, name)
    return render(request, "token_created.html", token=token, name=name)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, me: Principal = Depends(signed_in)) -> Response:
    state(request).accounts.revoke_token(me, token_id)
    return RedirectResponse("/account?done=token-revoked", status_code=303)


@router.get("/enrol", response_class=HTMLResponse)
def enrol_page(request: Request, me: Principal = Depends(partly_signed_in)) -> Response:
    """Set up TOTP: required before anything else for roles that need it, optional otherwise.
    Someone who still owes a code must give it first (replacing TOTP needs the old one)."""
    if me.standing is Standing.NEEDS_CODE:
        return RedirectResponse("/login/code", status_code=303)
    secret = state(request).accounts.enrolment_totp_secret(me)  # the server's, never the browser's
    uri = cred.totp_uri(secret, me.name)
    return render(request, "enrol.html", secret=secret, qr=qr_svg(uri), uri=uri)


@router.post("/enrol", response_class=HTMLResponse)
def enrol(
    request: Request,
    code: Annotated[str, Form(max_length=20)],
    me: Principal = Depends(partly_signed_in),
) -> Response:
    if me.standing is Standing.NEEDS_CODE:
        return RedirectResponse("/login/code", status_code=303)
    accounts = state(request).accounts
    enrolled = accounts.enrol_totp(me, code)
    if enrolled.token is None:
        return render(request, "recovery_codes.html", codes=enrolled.recovery_codes, then="/items")
    # The session that had no second factor is replaced: this page already speaks for the new.
    request.state.principal = accounts.principal_for_session(enrolled.token)
    page = render(request, "recovery_codes.html", codes=enrolled.recovery_codes, then="/items")
    session_cookie(request, page, enrolled.token)
    return page
