"""Who is acting in a request, and what they may see and do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from gavah.accounts.roles import ADMIN, Can, allowed, needs_second_factor


class Standing(StrEnum):
    """How far a signed-in browser has got: only ``READY`` may do anything but finish signing in."""

    READY = "ready"
    NEEDS_CODE = "needs-code"  # password given; the TOTP or a recovery code is still due
    NEEDS_ENROLMENT = "needs-enrolment"  # the role requires TOTP and none is set up yet


@dataclass(frozen=True)
class Principal:
    account_id: int
    name: str
    is_admin: bool
    language: str
    grants: Mapping[str, str] = field(default_factory=dict)  # collection -> role
    standing: Standing = Standing.READY
    via: str = "session"  # "session" (a browser) or "token" (a script)
    session_id: str | None = None  # the session's digest (never the cookie itself)
    csrf: str | None = None

    @property
    def actor(self) -> str:
        """How custody events name this person: the web account, not the server's OS user."""
        return f"web:{self.name}"

    def role_in(self, collection: str | None) -> str | None:
        if self.is_admin:
            return ADMIN
        return self.grants.get(collection or "")

    def can(self, can: Can, collection: str | None) -> bool:
        return allowed(self.role_in(collection), can)

    def can_anywhere(self, can: Can) -> bool:
        return self.is_admin or any(allowed(role, can) for role in self.grants.values())

    def collections(self, can: Can = Can.SEE) -> frozenset[str] | None:
        """The collections where ``can`` is allowed; None means all of them (an admin)."""
        if self.is_admin:
            return None
        return frozenset(c for c, role in self.grants.items() if allowed(role, can))

    @property
    def needs_second_factor(self) -> bool:
        return self.is_admin or any(needs_second_factor(r) for r in self.grants.values())
