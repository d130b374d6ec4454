"""People who use the web workspace: accounts, roles per collection, sessions, tokens, audit."""

from gavah.accounts.principal import Principal, Standing
from gavah.accounts.roles import ADMIN, ALL_ROLES, ROLES, Can, allowed, needs_second_factor
from gavah.accounts.store import (
    LANGUAGES,
    Accounts,
    Credentials,
    Enrolment,
    SetupLink,
    SignIn,
    SignInRefused,
    TooManyAttempts,
)

__all__ = [
    "ADMIN",
    "ALL_ROLES",
    "LANGUAGES",
    "ROLES",
    "Accounts",
    "Can",
    "Credentials",
    "Enrolment",
    "Principal",
    "SetupLink",
    "SignIn",
    "SignInRefused",
    "Standing",
    "TooManyAttempts",
    "allowed",
    "needs_second_factor",
]
