"""What every request needs: the workspace, who is asking, and checks that fail closed.

FastAPI runs plain ``def`` endpoints in a thread pool, so database work (SQLAlchemy, sync)
never blocks the event loop; the dependencies here are ``async`` only because the CSRF check
may have to read a form body.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from gavah.accounts import Accounts, Principal, Standing
from gavah.errors import AccessDenied
from gavah.settings import Settings
from gavah.web.i18n import DEFAULT_LANGUAGE, LANGUAGES
from gavah.workspace import Workspace

SESSION_COOKIE = "gavah_session"
LANGUAGE_COOKIE = "gavah_lang"  # the language of pages shown before signing in
FORM_CSRF_COOKIE = "gavah_form"  # double-submit token for forms without a session (sign-in, setup)
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_SCHEMES = frozenset({"bearer", "apikey"})
PREVIEW_SECONDS = 600


class SignInRequired(AccessDenied):
    """No valid session or token."""


class SignInIncomplete(AccessDenied):
    """Signed in with a password, but the second factor is still due."""

    def __init__(self, standing: Standing) -> None:
        super().__init__("finish signing in first: the second factor is still due")
        self.standing = standing


@dataclass
class WebState:
    settings: Settings
    workspace: Workspace
    accounts: Accounts
    # Signs short-lived preview tickets (see preview_ticket); create_app derives it from the
    # accounts key, so that every worker process checks what another issued.
    ticket_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))


def state(request: Request) -> WebState:
    web: WebState = request.app.state.gavah
    return web


async def _resolve(request: Request) -> Principal | None:
    """The session cookie or bearer token's principal, once per request."""
    if hasattr(request.state, "principal"):
        found: Principal | None = request.state.principal
        return found
    accounts = state(request).accounts
    principal: Principal | None = None
    auth = request.headers.get("authorization")
    if auth is not None:
        scheme, _, token = auth.partition(" ")
        # ApiKey is how yente's clients send a key (gavah.web.api.match): the same API token.
        if scheme.lower() not in TOKEN_SCHEMES or not token.strip():
            raise SignInRequired("use 'Authorization: Bearer TOKEN' with an API token")
        principal = await run_in_threadpool(accounts.principal_for_token, token.strip())
        if principal is None:
            raise SignInRequired(
                "the API token is not valid (revoked, or never issued)",
                hint="create a new one on your account page",
            )
    elif cookie := request.cookies.get(SESSION_COOKIE):
        principal = await run_in_threadpool(accounts.principal_for_session, cookie)
    request.state.principal = principal
    return principal


async def check_csrf(request: Request, principal: Principal) -> None:
    """A browser session's state-changing request must carry the session's CSRF token (header
    for htmx and uploads, form field for plain forms). Bearer tokens are not sent by browsers
    on their own, so they need none."""
    if request.method in _SAFE_METHODS or principal.via != "session":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    if not sent or not principal.csrf or not hmac.compare_digest(sent, principal.csrf):
        raise AccessDenied(
            "the form's security token is missing or stale (CSRF check)",
            hint="reload the page and try again",
        )


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


async def check_form_token(request: Request) -> None:
    """CSRF for forms shown before there is a session: the form's hidden field must equal the
    cookie set with the form (double submit; SameSite=Strict keeps other sites from sending it)."""
    cookie = request.cookies.get(FORM_CSRF_COOKIE, "")
    sent = str((await request.form()).get(CSRF_FIELD) or "")
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise AccessDenied(
            "the form's security token is missing or stale (CSRF check)",
            hint="reload the page and try again; cookies must be enabled",
        )


async def maybe_signed_in(request: Request) -> Principal | None:
    return await _resolve(request)


async def partly_signed_in(request: Request) -> Principal:
    """Signed in with a password at least: for the pages that finish signing in."""
    principal = await _resolve(request)
    if principal is None:
        raise SignInRequired("sign in first")
    await check_csrf(request, principal)
    return principal


async def signed_in(request: Request) -> Principal:
    """A principal who has finished signing in, with the CSRF check done."""
    principal = await partly_signed_in(request)
    if principal.standing is not Standing.READY:
        raise SignInIncomplete(principal.standing)
    return principal


async def admin(request: Request) -> Principal:
    principal = await signed_in(request)
    if not principal.is_admin:
        raise AccessDenied("only an admin may do this")
    return principal


def language(request: Request, principal: Principal | None) -> str:
    if principal is not None and principal.language in LANGUAGES:
        return principal.language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    return DEFAULT_LANGUAGE


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def preview_ticket(web: WebState, principal: Principal, evidence_id: str) -> str:
    """A short-lived ticket the item page puts in its preview URLs: previews are part of the
    page's logged view, and cannot be fetched without one."""
    expires = int(time.time()) + PREVIEW_SECONDS
    return f"{expires}.{_ticket_mac(web, principal, evidence_id, expires)}"


def check_ticket(web: WebState, principal: Principal, evidence_id: str, ticket: str) -> None:
    expires_text, _, mac = ticket.partition(".")
    ok = expires_text.isdigit() and int(expires_text) >= time.time()
    expected = _ticket_mac(web, principal, evidence_id, int(expires_text) if ok else 0)
    if not ok or not hmac.compare_digest(mac, expected):
        raise AccessDenied(
            "previews are shown on the item's page only", hint="open the item page again"
        )


def _ticket_mac(web: WebState, principal: Principal, evidence_id: str, expires: int) -> str:
    message = f"{principal.account_id}:{evidence_id}:{expires}".encode()
    return hmac.new(web.ticket_key, message, hashlib.sha256).hexdigest()[:32]
