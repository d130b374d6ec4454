"""Proof bundles: everything a stranger needs to check that an event is in the signed log.

A bundle holds the signed checkpoint, the entry's exact bytes and its inclusion path. Checking it
needs only the log's public verifier key (and, optionally, the original file): no database, no
gavah workspace. The steps are numbered and each one fails closed with a :class:`ProofError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gavah.custody import merkle
from gavah.custody.entry import EventKind, decode_entry
from gavah.custody.note import Checkpoint, Verifier
from gavah.errors import ProofError

BUNDLE_FORMAT = "gavah.inclusion-proof.v1"
REPORT_FORMAT = "gavah.custody-report.v1"
CONSISTENCY_FORMAT = "gavah.consistency-proof.v1"
HASH_ALGORITHM = "sha256"
MAX_BUNDLE_BYTES = 64 << 20
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class ProvenEvent:
    """One log entry shown to be included under a signed checkpoint."""

    index: int
    event: dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    """What a successful check established. There is no 'failed' verdict: failures raise."""

    origin: str
    checkpoint_size: int
    evidence_sha256: str
    events: tuple[ProvenEvent, ...]
    file_checked: bool


def proof_record(index: int, entry: bytes, path: list[bytes]) -> dict[str, Any]:
    return {
        "leaf_index": index,
        "entry": entry.decode("utf-8"),
        "inclusion_path": [base64.b64encode(h).decode() for h in path],
    }


def make_bundle(
    *,
    origin: str,
    checkpoint_note: str,
    tree_size: int,
    evidence: dict[str, Any],
    proofs: list[dict[str, Any]],
    report: bool = False,
) -> dict[str, Any]:
    """A proof bundle (one event: the evidence's ingest) or a custody report (all its events)."""
    bundle: dict[str, Any] = {
        "format": REPORT_FORMAT if report else BUNDLE_FORMAT,
        "hash_algorithm": HASH_ALGORITHM,
        "log_origin": origin,
        "checkpoint": checkpoint_note,
        "tree_size": tree_size,
        "evidence": evidence,
    }
    if report:
        bundle["events"] = proofs
    else:
        (bundle["proof"],) = proofs
    return bundle


def load_bundle(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProofError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_BUNDLE_BYTES:
        raise ProofError(f"{path} is larger than a proof bundle can be")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProofError(f"{path} is not JSON: {exc}") from None
    except RecursionError:
        raise ProofError(f"{path} is nested deeper than any proof bundle") from None
    except ValueError as exc:  # json reads it, Python will not hold it (an int of 5,000 digits)
        raise ProofError(
            f"{path} holds a value no proof bundle holds: {str(exc).split(';')[0]}"
        ) from None
    if not isinstance(data, dict):
        raise ProofError(f"{path} is not a proof bundle (expected a JSON object)")
    return data


def _field(obj: dict[str, Any], name: str, kind: type, where: str) -> Any:
    if name not in obj:
        raise ProofError(f"{where} has no field {name!r} (truncated or not a gavah proof?)")
    value = obj[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProofError(f"{where} field {name!r} should be {kind.__name__}")
    return value


def _decode_path(items: list[Any]) -> list[bytes]:
    path = []
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise ProofError(f"inclusion path element {i} is not a string")
        try:
            path.append(base64.b64decode(item, validate=True))
        except (binascii.Error, ValueError):
            raise ProofError(f"inclusion path element {i} is not base64") from None
    return path


def verify_bundle(data: dict[str, Any], verifier: Verifier, file: Path | None = None) -> Verdict:
    """Check a proof bundle or custody report. Raises :class:`ProofError` at the first failure."""
    # 1. Known format and hash algorithm only.
    fmt = _field(data, "format", str, "bundle")
    if fmt not in (BUNDLE_FORMAT, REPORT_FORMAT):
        raise ProofError(f"unknown proof format {fmt!r}")
    alg = _field(data, "hash_algorithm", str, "bundle")
    if alg != HASH_ALGORITHM:
        raise ProofError(f"unsupported hash algorithm {alg!r}; only sha256")
    # 2. The checkpoint is signed by the given key, for the log the bundle names.
    origin = _field(data, "log_origin", str, "bundle")
    checkpoint = Checkpoint.from_note(_field(data, "checkpoint", str, "bundle"), verifier, origin)
    # 3. The proof is for that checkpoint's tree size.
    if _field(data, "tree_size", int, "bundle") != checkpoint.size:
        raise ProofError("bundle tree_size differs from its checkpoint's size")
    evidence = _field(data, "evidence", dict, "bundle")
    sha256 = _field(evidence, "sha256", str, "evidence")
    if not _SHA256_HEX.fullmatch(sha256):
        raise ProofError("evidence field 'sha256' is not a SHA-256 digest (64 hex digits)")
    records = (
        _field(data, "events", list, "report")
        if fmt == REPORT_FORMAT
        else [_field(data, "proof", dict, "bundle")]
    )
    if not records:
        raise ProofError("the bundle proves no event")
    # 4. Each entry's leaf is included under the checkpoint's root; 5. and names this evidence.
    events = tuple(_check_record(r, checkpoint, sha256) for r in records)
    if events[0].event.get("kind") != EventKind.INGEST and fmt == BUNDLE_FORMAT:
        raise ProofError("the proven entry is not the evidence's ingest event")
    # 6. The original file, if given, has exactly the recorded bytes.
    if file is not None:
        _check_file(file, sha256, _field(evidence, "size", int, "evidence"))
    return Verdict(origin, checkpoint.size, sha256, events, file is not None)


def _check_record(record: Any, checkpoint: Checkpoint, sha256: str) -> ProvenEvent:
    if not isinstance(record, dict):
        raise ProofError("proof record is not a JSON object")
    index = _field(record, "leaf_index", int, "proof")
    entry = _utf8(_field(record, "entry", str, "proof"), f"entry {index}")
    path = _decode_path(_field(record, "inclusion_path", list, "proof"))
    merkle.verify_inclusion(merkle.leaf_hash(entry), index, checkpoint.size, path, checkpoint.root)
    try:
        event = decode_entry(entry)
    except Exception as exc:
        raise ProofError(f"entry {index}: {exc}") from None
    named = event.get("evidence", {})
    if not isinstance(named, dict) or named.get("sha256") != sha256:
        raise ProofError(f"entry {index} does not concern evidence {sha256}")
    return ProvenEvent(index, event)


def _utf8(text: str, what: str) -> bytes:
    """A log entry's bytes. JSON can carry a lone surrogate ("\\ud800"), which no UTF-8 holds,
    so no entry of any log can be it."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ProofError(f"{what} is not valid UTF-8 (it holds a lone surrogate)") from None


def _check_file(file: Path, sha256: str, size: int) -> None:
    digest = hashlib.sha256()
    length = 0
    try:
        with file.open("rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
                length += len(block)
    except OSError as exc:
        raise ProofError(f"cannot read {file}: {exc.strerror}") from None
    if digest.hexdigest() != sha256 or length != size:
        raise ProofError(
            f"{file} is not the logged evidence: SHA-256 {digest.hexdigest()} "
            f"({length} bytes), expected {sha256} ({size} bytes)"
        )


def make_consistency_bundle(
    *, origin: str, old_note: str, new_note: str, path: list[bytes]
) -> dict[str, Any]:
    """Proof that the log under ``new_note`` extends the one under ``old_note`` (RFC 6962 2.1.2)."""
    return {
        "format": CONSISTENCY_FORMAT,
        "hash_algorithm": HASH_ALGORITHM,
        "log_origin": origin,
        "old_checkpoint": old_note,
        "new_checkpoint": new_note,
        "consistency_path": [base64.b64encode(h).decode() for h in path],
    }


def verify_consistency_bundle(
    data: dict[str, Any], verifier: Verifier, kept: str | None = None
) -> tuple[Checkpoint, Checkpoint]:
    """Check a consistency bundle; ``kept`` is a checkpoint note the checker saved earlier, which
    must be the bundle's old checkpoint. Raises :class:`ProofError` at the first failure."""
    # 1. Known format and hash algorithm only.
    if _field(data, "format", str, "bundle") != CONSISTENCY_FORMAT:
        raise ProofError("not a consistency proof bundle")
    if _field(data, "hash_algorithm", str, "bundle") != HASH_ALGORITHM:
        raise ProofError(f"unsupported hash algorithm {data['hash_algorithm']!r}; only sha256")
    # 2. Both checkpoints are signed by the given key, for the log the bundle names.
    origin = _field(data, "log_origin", str, "bundle")
    old = Checkpoint.from_note(_field(data, "old_checkpoint", str, "bundle"), verifier, origin)
    new = Checkpoint.from_note(_field(data, "new_checkpoint", str, "bundle"), verifier, origin)
    # 3. The old one is the one the checker kept, if they kept one.
    if kept is not None and Checkpoint.from_note(kept, verifier, origin) != old:
        raise ProofError("the bundle's old checkpoint is not the checkpoint you kept")
    # 4. The path proves the new tree extends the old one (RFC 9162 2.1.4.2).
    path = _decode_path(_field(data, "consistency_path", list, "bundle"))
    merkle.verify_consistency(old.size, new.size, old.root, new.root, path)
    return old, new
