"""How `gavah log verify` checks accounts: who may do what must be what the signed log says.

Every account's creation and every change to its roles or its being disabled is an ``account.*``
custody event. Replaying them in log order gives each account's admin flag, grants and state;
the ``account`` and ``account_grant`` rows must equal that. Someone with write access to the
database who gives themselves a role, or makes an account, without going through gavah is
named here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.accounts.roles import ADMIN
from gavah.db import models

CREATED = "account.created"
ACCESS_CHANGED = "account.access-changed"
DISABLED = "account.disabled"
ENABLED = "account.enabled"

Add = Callable[[str, str, str], None]


@dataclass
class Expected:
    """An account as its log entries describe it."""

    admin: bool = False
    grants: dict[str, str] = field(default_factory=dict)
    disabled: bool = False


def replay(entries: Mapping[int, dict[str, Any]], add: Add) -> dict[str, Expected]:
    """Accounts as the ``account.*`` entries, in log order, leave them."""
    accounts: dict[str, Expected] = {}
    for idx in sorted(entries):
        kind, detail = entries[idx].get("kind"), entries[idx].get("account") or {}
        name = str(detail.get("name"))
        if kind == CREATED:
            role = detail.get("role")
            grants = {} if role == ADMIN else {c: str(role) for c in detail.get("collections", [])}
            accounts[name] = Expected(admin=role == ADMIN, grants=grants)
        elif name not in accounts:
            add(f"log entry {idx}", "account", f"{kind} for {name!r}, which no entry created")
        elif kind == ACCESS_CHANGED:
            _apply_grant(accounts[name], detail)
        elif kind in (DISABLED, ENABLED):
            accounts[name].disabled = kind == DISABLED
    return accounts


def _apply_grant(account: Expected, detail: dict[str, Any]) -> None:
    collection, role = str(detail.get("collection")), detail.get("role")
    if role is None:
        account.grants.pop(collection, None)
    else:
        account.grants[collection] = str(role)


def check(session: Session, entries: Mapping[int, dict[str, Any]], add: Add) -> None:
    """Every account row and its grants against the replayed log."""
    expected = replay(entries, add)
    grants: dict[int, dict[str, str]] = {}
    for grant in session.execute(select(models.AccountGrant)).scalars():
        grants.setdefault(grant.account_id, {})[grant.collection] = grant.role
    for account in session.execute(select(models.Account).order_by(models.Account.name)).scalars():
        where = f"account {account.name}"
        logged = expected.pop(account.name, None)
        if logged is None:
            add(where, "row", "no account.created entry in the log: made outside gavah")
            continue
        if account.is_admin != logged.admin:
            add(where, "is_admin", f"row says {account.is_admin}, the log says {logged.admin}")
        if account.disabled != logged.disabled:
            add(where, "disabled", f"row says {account.disabled}, the log says {logged.disabled}")
        held = grants.get(account.id, {})
        if held != logged.grants:
            add(where, "grants", f"rows give {_show(held)}, the log gives {_show(logged.grants)}")
    for name in sorted(expected):
        add(f"account {name}", "row", "logged as created, but its row is missing")


def _show(grants: dict[str, str]) -> str:
    return ", ".join(f"{role}@{c}" for c, role in sorted(grants.items())) or "nothing"
