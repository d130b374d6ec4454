"""Administration: accounts, their roles per collection, and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gavah.accounts import ALL_ROLES, ROLES, Principal, SetupLink
from gavah.web.context import admin, state
from gavah.web.evidence import Evidence, recent_exports
from gavah.web.pages.render import render

router = APIRouter(prefix="/admin", include_in_schema=False)
AUDIT_KINDS = (
    "sign-in",
    "sign-in-failed",
    "locked",
    "grant",
    "revoke",
    "account-created",
    "account-reset",
    "disabled",
    "enabled",
    "unlocked",
    "token-created",
    "token-revoked",
)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, me: Principal = Depends(admin)) -> Response:
    collections = [n for n, _ in Evidence(state(request).workspace, me).collections() if n]
    return render(
        request,
        "admin_users.html",
        accounts=state(request).accounts.overview(),
        roles=ALL_ROLES,
        grantable=tuple(ROLES),
        collections=collections,
    )


@router.post("/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    name: Annotated[str, Form(max_length=80)],
    role: Annotated[str, Form(max_length=20)],
    collection: Annotated[str, Form(max_length=200)] = "",
    me: Principal = Depends(admin),
) -> Response:
    link = state(request).accounts.create(
        name.strip(), role, [collection] if collection else [], me.actor
    )
    return _setup_link_page(request, link)


@router.post("/users/{name}/reset", response_class=HTMLResponse)
def reset_user(request: Request, name: str, me: Principal = Depends(admin)) -> Response:
    return _setup_link_page(request, state(request).accounts.reset(name, me.actor))


def _setup_link_page(request: Request, link: SetupLink) -> Response:
    """The one-time link, shown once to the admin who made it."""
    url = f"{state(request).settings.resolved_base_url}/setup/{link.token}"
    return render(request, "setup_link.html", account=link.account, url=url, expires=link.expires)


@router.post("/users/{name}/grants")
def grant(
    request: Request,
    name: str,
    collection: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)],
    me: Principal = Depends(admin),
) -> Response:
    state(request).accounts.grant(name, collection.strip(), role, me.actor)
    return RedirectResponse("/admin/users?done=granted", status_code=303)


@router.post("/users/{name}/grants/revoke")
def revoke(
    request: Request,
    name: str,
    collection: Annotated[str, Form(max_length=200)],
    me: Principal = Depends(admin),
) -> Response:
    state(request).accounts.revoke(name, collection, me.actor)
    return RedirectResponse("/admin/users?done=revoked", status_code=303)


@router.post("/users/{name}/unlock")
def unlock(request: Request, name: str, me: Principal = Depends(admin)) -> Response:
    state(request).accounts.unlock(name, me.actor)
    return RedirectResponse("/admin/users?done=unlocked", status_code=303)


@router.post("/users/{name}/disable")
def disable(request: Request, name: str, me: Principal = Depends(admin)) -> Response:
    state(request).accounts.set_disabled(name, True, me.actor)
    return RedirectResponse("/admin/users?done=disabled", status_code=303)


@router.post("/users/{name}/enable")
def enable(request: Request, name: str, me: Principal = Depends(admin)) -> Response:
    state(request).accounts.set_disabled(name, False, me.actor)
    return RedirectResponse("/admin/users?done=enabled", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, kind: str = "", me: Principal = Depends(admin)) -> Response:
    kinds = [kind] if kind in AUDIT_KINDS else None
    web = state(request)
    events = web.accounts.events(kinds, limit=500)
    exports = recent_exports(web.workspace, limit=200)
    return render(
        request, "audit.html", events=events, exports=exports, kinds=AUDIT_KINDS, kind=kind
    )
