"""Signed notes and checkpoints in the C2SP formats.

- ``signed-note`` (https://c2sp.org/signed-note): text, a blank line, then signature lines
  ``— <key name> <base64(key id || signature)>``; Ed25519 keys (signature type 0x01), key id =
  first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), verifier keys written
  ``<name>+<hex key id>+<base64(0x01 || public key)>``.
- ``tlog-checkpoint`` (https://c2sp.org/tlog-checkpoint): the note text is ``<origin>``,
  ``<tree size>``, ``<base64 root hash>``, one per line, then optional extension lines.

Parsing is as strict as the specs: a note must be UTF-8 without control characters other than
newline; a tree size is ASCII decimal digits without leading zeroes, at most 2**64 - 1 (the
reference implementations read it as a uint64; Python's ``str.isdigit`` and ``int`` would also take
"۱۲۳" and "²"); extension lines must not be empty; the root hash is 32 bytes in canonical base64.

Hand-written because no maintained Python package implements these formats; the cryptography
itself is the ``cryptography`` package's Ed25519.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gavah.errors import ProofError

ALG_ED25519 = 0x01
SIG_PREFIX = "\u2014 "  # em dash and a space open every signature line
MAX_NOTE_BYTES = 1 << 20
MAX_TREE_SIZE = 2**64 - 1  # the reference implementations' uint64
_TREE_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")  # ASCII only: [0-9], never \d


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ProofError(f"{what} is not valid base64") from None


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise ProofError(f"key name {name!r} is empty or holds a space or '+'")


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key id the signed-note spec derives from a key's name and public bytes."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key that checks signed notes."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def to_text(self) -> str:
        """The signed-note verifier key encoding."""
        blob = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    @classmethod
    def from_text(cls, text: str) -> Verifier:
        """Parse ``name+keyid+base64``. Unknown algorithms and mismatched ids are refused."""
        _check_characters(text.strip(), "verifier key")
        parts = text.strip().split("+", 2)  # base64 may itself hold "+"
        if len(parts) != 3:
            raise ProofError("verifier key must look like NAME+KEYID+BASE64 (see `gavah log key`)")
        name, hex_id, b64 = parts
        _check_name(name)
        raw = _b64decode(b64, "verifier key")
        if not raw or raw[0] != ALG_ED25519:
            alg = raw[0] if raw else None
            raise ProofError(f"verifier key uses signature algorithm {alg!r}; only Ed25519 (1)")
        if len(raw) != 33:
            raise ProofError("an Ed25519 verifier key holds 32 bytes of public key")
        verifier = cls(name, raw[1:])
        if verifier.key_id.hex() != hex_id.lower():
            raise ProofError("verifier key id does not match its name and public key")
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key that signs notes. Never printed, never logged."""

    name: str
    private_key: Ed25519PrivateKey

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, private_key=<hidden>)"

    @property
    def verifier(self) -> Verifier:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return Verifier(self.name, raw)

    def sign(self, text: str) -> str:
        """Return ``text`` as a signed note."""
        _check_text(text)
        sig = self.private_key.sign(text.encode())
        blob = base64.b64encode(self.verifier.key_id + sig).decode()
        return f"{text}\n{SIG_PREFIX}{self.name} {blob}\n"


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise ProofError("note text must end with a newline")
    _check_characters(text, "note text")


def _check_characters(text: str, what: str) -> None:
    """signed-note: "MUST be valid UTF-8 and MUST NOT contain any ASCII control characters
    (those below U+0020) other than newline". A str from JSON may hold a lone surrogate
    (``"\\ud800"``), which no UTF-8 holds."""
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise ProofError(f"{what} holds a control character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ProofError(f"{what} is not valid UTF-8 (it holds a lone surrogate)") from None


def open_note(note: str, verifier: Verifier) -> str:
    """Check that ``note`` carries a valid signature by ``verifier`` and return its text.

    Fails closed: a malformed note, no signature by this key, or a bad signature all raise.
    Signatures by other keys are allowed (witness cosignatures) but never trusted here.
    """
    _check_characters(note, "signed note")
    if len(note.encode()) > MAX_NOTE_BYTES:
        raise ProofError("signed note is larger than 1 MiB")
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise ProofError("signed note has no blank line before its signatures")
    text += "\n"
    _check_text(text)
    if not sigs.endswith("\n"):
        raise ProofError("signed note must end with a newline")
    found = False
    for line in sigs[:-1].split("\n"):
        name, sig = _parse_signature_line(line)
        if name != verifier.name or sig[:4] != verifier.key_id:
            continue
        found = True
        if not verifier.verify(text.encode(), sig[4:]):
            raise ProofError(f"signature by {name} does not verify: the note was altered")
    if not found:
        raise ProofError(f"signed note carries no signature by key {verifier.name}")
    return text


def _parse_signature_line(line: str) -> tuple[str, bytes]:
    if not line.startswith(SIG_PREFIX):
        raise ProofError(f"malformed signature line {line[:40]!r}")
    name, space, b64 = line[len(SIG_PREFIX) :].partition(" ")
    if not space:
        raise ProofError(f"malformed signature line {line[:40]!r}")
    _check_name(name)
    sig = _b64decode(b64, f"signature by {name}")
    if len(sig) < 5:
        raise ProofError(f"signature by {name} is truncated")
    return name, sig


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: origin, size and root hash (C2SP tlog-checkpoint)."""

    origin: str
    size: int
    root: bytes

    def to_text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint's note text (C2SP tlog-checkpoint, "Note text"). Extension lines
        are allowed, as the spec says, and ignored: gavah writes none."""
        _check_characters(text, "checkpoint")
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise ProofError("checkpoint must have an origin, a size and a root hash line")
        origin, size, root, extensions = lines[0], lines[1], lines[2], lines[3:-1]
        if not origin:
            raise ProofError("checkpoint origin is empty")
        if not _TREE_SIZE.fullmatch(size) or int(size) > MAX_TREE_SIZE:
            raise ProofError(
                f"checkpoint tree size {size[:40]!r} is not a decimal number from 0 to 2**64-1 "
                "(ASCII digits, no leading zero)"
            )
        raw = _b64decode(root, "checkpoint root hash")
        if len(raw) != 32:
            raise ProofError("checkpoint root hash is not 32 bytes (SHA-256)")
        if base64.b64encode(raw).decode() != root:
            raise ProofError("checkpoint root hash is not in canonical base64")
        if not all(extensions):
            raise ProofError("checkpoint has an empty extension line (C2SP: they must not be)")
        return cls(origin, int(size), raw)

    @classmethod
    def from_note(cls, note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
        """Verify a signed checkpoint note and parse it. ``origin`` pins the expected log."""
        checkpoint = cls.from_text(open_note(note, verifier))
        if origin is not None and checkpoint.origin != origin:
            raise ProofError(f"checkpoint is for log {checkpoint.origin!r}, not {origin!r}")
        return checkpoint


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ProofError("the signing key is not an Ed25519 private key")
    return key
