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
_MARGIN = 5.0  # seconds a test may take between making a code and the server checking it
_given: dict[str, int] = {}


def next_code(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    while True:
        now = time.time()
        step = int(now) // _STEP
        # The step before this one is taken only well inside this one: the server checks the
        # code a moment later, and by then a new step may have begun (its window moves on).
        earliest = step - 1 if _STEP - now % _STEP > _MARGIN else step
        chosen = max(_given.get(secret, earliest - 1) + 1, earliest)
        if chosen <= step + 1:
            _given[secret] = chosen
            return totp.generate_otp(chosen)
        time.sleep(_STEP - now % _STEP + 0.05)
