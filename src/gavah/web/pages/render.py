"""Rendering a page: the language, the CSRF token and who is signed in, for every template."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from gavah.accounts import Can, Principal
from gavah.web.context import FORM_CSRF_COOKIE, language
from gavah.web.i18n import environment

# Messages a redirect may ask the next page to show (?done=KEY): fixed texts, so nothing a
# visitor types is ever reflected into a page by a link.
NOTICES = {
    "signed-out": "You are signed out.",
    "set-up": "Your account is ready. Sign in with your new password.",
    "described": "The description was saved.",
    "language": "The language was changed.",
    "session-revoked": "The session was signed out.",
    "token-revoked": "The API token was revoked.",
    "granted": "The access was changed.",
    "revoked": "The access was removed.",
    "unlocked": "The account was unlocked.",
    "disabled": "The account was disabled.",
    "enabled": "The account was enabled.",
    "reviewed": "Your decision was recorded in the custody log.",
    "added": "The entity was added; the change is in the custody log.",
    "added-namesake": "The entity was added; the change is in the custody log.",
    "edited": "The change was saved in the custody log.",
    "proposed": "Faces were looked for; the boxes found are in the custody log.",
    "boxes-changed": "The boxes were changed and any approval withdrawn; the change is in the custody log.",
    "approved": "The boxes were approved and the derivative made; the approval is in the custody log.",
}


def _(text: str) -> str:
    """Marks a message for extraction; it is translated when rendered."""
    return text


def principal_of(request: Request) -> Principal | None:
    found: Principal | None = getattr(request.state, "principal", None)
    return found


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    me = principal_of(request)
    lang = language(request, me)
    env = environment(lang)
    form_token = request.cookies.get(FORM_CSRF_COOKIE) or secrets.token_urlsafe(32)
    notice_key = request.query_params.get("done")
    html = env.get_template(template).render(
        request=request,
        me=me,
        Can=Can,
        csrf=me.csrf if me is not None and me.csrf else form_token,
        notice=NOTICES.get(notice_key or ""),
        **context,
    )
    response = HTMLResponse(html, status_code=status, headers=headers)
    if me is None and FORM_CSRF_COOKIE not in request.cookies:
        secure = request.app.state.gavah.settings.secure_cookies
        response.set_cookie(
            FORM_CSRF_COOKIE, form_token, httponly=True, secure=secure, samesite="strict"
        )
    return response
