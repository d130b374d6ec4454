"""TOTP codes for tests that sign in, as an authenticator app would give them.

gavah accepts each 30-second step's code once per account (RFC 6238 section 5.2), so a test that
signs the same account in twice must not reuse a code. ``next_code`` gives, for each secret, a
code of a later step than the last one it gave, among the steps the server accepts (this one and
the one either side), and waits for the clock only when all three are used up.
"""

from __future__ import annotations

import time

import pyotp

_STEP = 30
_given: dict[str, int] = {}


def next_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    while True:
        now = int(time.time()) // _STEP
        step = max(_given.get(secret, now - 2) + 1, now - 1)
        if step <= now + 1:
            _given[secret] = step
            return totp.generate_otp(step)
        time.sleep(_STEP - time.time() % _STEP + 0.05)
