"""What the workspace's accounts key (``keys/accounts.key``, beside the log signing key) is used
for. Three keys are derived from it (HKDF-SHA256, RFC 5869), one per purpose, so that none can
stand in for another:

- TOTP secrets are sealed at rest with AES-256-GCM. Unlike passwords they cannot be hashed (the
  server must compute codes from them), and the database is what gets copied, backed up and
  stolen: a copy of it alone must not let anyone make codes. The account's id is bound in as
  associated data, so a sealed secret moved to another account's row does not open there.
- A name typed at sign-in that is no account's is kept only as a keyed digest: people type
  passwords into the name field, and the audit trail must not keep them; the digest still lets
  failures against one name be counted and seen to repeat.
- A TOTP secret being set up is derived from what it is set up for (a setup link, a signed-in
  session): the server makes it and finds it again when the code comes back, and never takes a
  secret from the browser.

This module imports nothing of gavah's, so the workspace can use it while it opens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
SEALED_PREFIX = "aesgcm1:"
UNKNOWN_NAME = "#"
_NONCE_BYTES = 12  # NIST SP 800-38D's recommended IV length for GCM
_TOTP_SECRET_BYTES = 20  # 160 bits, RFC 4226 section 4's recommended length


class SealedSecretError(ValueError):
    """A sealed TOTP secret did not open: another workspace's key, or a tampered row."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _derive(master: bytes, purpose: str) -> bytes:
    info = f"gavah accounts key: {purpose}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)


@dataclass(frozen=True)
class AccountKeys:
    seal: bytes = field(repr=False)
    names: bytes = field(repr=False)
    setup: bytes = field(repr=False)
    tickets: bytes = field(repr=False)  # the web workspace's preview tickets, in every worker

    @classmethod
    def derive(cls, master: bytes) -> AccountKeys:
        if len(master) != KEY_BYTES:
            raise ValueError(f"an accounts key is {KEY_BYTES} bytes, not {len(master)}")
        return cls(
            seal=_derive(master, "totp-seal/v1"),
            names=_derive(master, "sign-in-names/v1"),
            setup=_derive(master, "totp-setup/v1"),
            tickets=_derive(master, "preview-tickets/v1"),
        )

    # --- TOTP secrets at rest ------------------------------------------------------------------
    def seal_totp(self, account_id: int, secret: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.seal).encrypt(nonce, secret.encode("ascii"), _bound(account_id))
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open_totp(self, account_id: int, stored: str) -> str:
        if not stored.startswith(SEALED_PREFIX):
            raise SealedSecretError("not a sealed TOTP secret")
        try:
            raw = base64.urlsafe_b64decode(stored.removeprefix(SEALED_PREFIX))
            nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            return AESGCM(self.seal).decrypt(nonce, sealed, _bound(account_id)).decode("ascii")
        except (InvalidTag, ValueError, UnicodeDecodeError):
            raise SealedSecretError("the sealed TOTP secret does not open with this key") from None

    # --- names typed at sign-in ----------------------------------------------------------------
    def unknown_name(self, name: str) -> str:
        """How the audit trail names a typed name that is no account's: ``#`` and a keyed
        digest, short enough to show (no account name starts with ``#``; equal names, equal
        digests, so repeated guesses at one name are seen and counted)."""
        mac = hmac.new(self.names, name.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return UNKNOWN_NAME + mac.hexdigest()[:32]

    # --- TOTP secrets being set up -------------------------------------------------------------
    def totp_secret_for(self, purpose: str) -> str:
        """The base32 TOTP secret for one setup (a setup link's digest, a session's digest and
        the account's current secret): the same every time it is asked for, unguessable without
        the key."""
        mac = hmac.new(self.setup, purpose.encode("utf-8"), hashlib.sha256).digest()
        return base64.b32encode(mac[:_TOTP_SECRET_BYTES]).decode("ascii")


def _bound(account_id: int) -> bytes:
    return f"gavah totp secret of account {account_id}".encode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)
