"""Administration through the JSON API: accounts, grants, and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from gavah.accounts import Principal
from gavah.web.api import models as m
from gavah.web.context import admin, state
from gavah.web.failures import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["administration"], responses=ERROR_RESPONSES)


@router.get("/accounts", response_model=list[m.AccountOut])
def list_accounts(request: Request, who: Principal = Depends(admin)) -> Any:
    return state(request).accounts.overview()


@router.post("/accounts", response_model=m.SetupLinkOut, status_code=201)
def create_account(request: Request, body: m.NewAccount, who: Principal = Depends(admin)) -> Any:
    """A new account; its owner sets a password (and TOTP) with the one-time link returned."""
    web = state(request)
    link = web.accounts.create(body.name, body.role, body.collections, who.actor)
    return m.SetupLinkOut(
        account=link.account,
        setup_url=f"{web.settings.resolved_base_url}/setup/{link.token}",
        expires=link.expires,
    )


@router.put("/accounts/{name}/grants/{collection}", response_model=m.Done)
def put_grant(
    request: Request, name: str, collection: str, body: m.GrantIn, who: Principal = Depends(admin)
) -> m.Done:
    state(request).accounts.grant(name, collection, body.role, who.actor)
    return m.Done()


@router.delete("/accounts/{name}/grants/{collection}", response_model=m.Done)
def delete_grant(
    request: Request, name: str, collection: str, who: Principal = Depends(admin)
) -> m.Done:
    state(request).accounts.revoke(name, collection, who.actor)
    return m.Done()


@router.get("/audit", response_model=list[m.AuditEvent])
def audit(
    request: Request,
    who: Principal = Depends(admin),
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Any:
    """Sign-ins, failures, lockouts, grants and tokens, newest first."""
    return state(request).accounts.events(None, limit=limit)
