"""Roles and what each may do, as data (the table below is the whole policy).

A role is granted per collection: need to know. ``admin`` is the one workspace-wide role: it
manages accounts and grants, reads the audit trail and may do everything in every collection.
Every check is made on the server, by :func:`allowed`.
"""

from __future__ import annotations

from enum import StrEnum


class Can(StrEnum):
    """What a role may do within a collection it was granted."""

    SEE = "see"  # list, search, open an item and its preview, see its custody timeline
    UPLOAD = "upload"  # add files to the collection
    DOWNLOAD = "download"  # take the original bytes or an inclusion proof away
    EXPORT = "export"  # a custody report for a court
    DESCRIBE = "describe"  # change an item's description
    REVIEW = "review"  # decide on others' work (publication builds on this)


ROLES: dict[str, frozenset[Can]] = {
    "viewer": frozenset({Can.SEE}),
    "intake": frozenset({Can.SEE, Can.UPLOAD}),
    "analyst": frozenset({Can.SEE, Can.UPLOAD, Can.DOWNLOAD, Can.EXPORT, Can.DESCRIBE}),
    "reviewer": frozenset(
        {Can.SEE, Can.UPLOAD, Can.DOWNLOAD, Can.EXPORT, Can.DESCRIBE, Can.REVIEW}
    ),
}
ADMIN = "admin"
ALL_ROLES = (ADMIN, *ROLES)

# Roles whose holders can take evidence away or speak for the organisation must prove a second
# factor at every sign-in (the issue: "TOTP required for admin and any role that can publish
# or export").
_SECOND_FACTOR = frozenset({Can.DOWNLOAD, Can.EXPORT, Can.REVIEW})


def needs_second_factor(role: str) -> bool:
    return role == ADMIN or bool(ROLES.get(role, frozenset()) & _SECOND_FACTOR)


def allowed(role: str | None, can: Can) -> bool:
    """Whether ``role`` (None: no grant) may do ``can``; unknown roles may do nothing."""
    if role is None:
        return False
    return role == ADMIN or can in ROLES.get(role, frozenset())
