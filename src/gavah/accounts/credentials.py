"""Secrets: argon2id password hashes, TOTP (RFC 6238), and random tokens kept only as digests.

Passwords are the only low-entropy secret, so only they get a slow hash (argon2id, the OWASP
recommendation, through argon2-cffi). Session cookies, API tokens, setup links and recovery codes
are 128 bits or more of randomness: a SHA-256 digest is enough to make a stolen database useless
for signing in, and it lets every request find its session by primary key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime
from functools import cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gavah.errors import InputError

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 hashes any length; a cap stops a megabyte "password" costing CPU
_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (argon2-cffi's default)


@cache
def _dummy_hash() -> str:
    """Checked against when the account does not exist, so a wrong name costs as long as a
    wrong password and timing does not tell which names exist (made on first use: hashing
    costs tens of milliseconds, too much for every command's start)."""
    return _HASHER.hash(secrets.token_hex(16))


TOTP_ISSUER = "gavah"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    """A random token, ``prefix_`` followed by 256 bits in URL-safe base64."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"the password is too short: {len(password)} characters",
            hint=f"use at least {MIN_PASSWORD}; a few unrelated words make a good one",
        )
    if len(password) > MAX_PASSWORD:
        raise InputError(f"the password is longer than {MAX_PASSWORD} characters")


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True if ``password`` matches; constant work whether or not there is a stored hash."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return _HASHER.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=TOTP_ISSUER)


def totp_now(secret: str, at: float | None = None) -> str:
    return pyotp.TOTP(secret).at(at if at is not None else time.time())


def totp_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The 30-second time step (RFC 6238's T) whose code ``code`` is, looking at this step and
    the one either side (clock drift); None if it is none of them. Callers accept a step only
    once, so a code seen over someone's shoulder cannot be used again."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    step = totp.timecode(datetime.fromtimestamp(now, UTC))
    for candidate in (step, step - 1, step + 1):
        if same(totp.generate_otp(candidate), code):
            return candidate
    return None


def verify_totp(secret: str, code: str) -> bool:
    """A 6-digit code from this 30-second step or the one either side (clock drift)."""
    return totp_step(secret, code) is not None


def new_recovery_codes(count: int = 10) -> list[str]:
    """Codes people can write down: 4 groups of 4 lowercase letters and digits (80 bits)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(alphabet) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def normalise_recovery_code(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
