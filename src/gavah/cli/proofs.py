"""``gavah verify-proof``: check a proof bundle, custody report or consistency proof with the
public key alone. Opens no workspace and no database, so it works on a stranger's laptop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from gavah.cli._common import JSON_OPTION, print_json, say
from gavah.custody.bundle import (
    CONSISTENCY_FORMAT,
    load_bundle,
    verify_bundle,
    verify_consistency_bundle,
)
from gavah.custody.note import Verifier
from gavah.errors import ProofError


def verify_proof(
    bundle: Path = typer.Argument(
        ...,
        help="Proof bundle (gavah proof), custody-report.json (gavah export) "
        "or consistency proof (gavah log consistency).",
    ),
    key: str = typer.Option(
        ..., "--key", "-k", help="Verifier key, or a file holding it (gavah log key)."
    ),
    file: Path | None = typer.Option(
        None, "--file", "-f", help="The original file: check it is the logged one."
    ),
    checkpoint: Path | None = typer.Option(
        None,
        "--checkpoint",
        help="For a consistency proof: a checkpoint you kept earlier, which must be its old one.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a proof: checkpoint signatures, Merkle paths, entries, and optionally the file.

    Exit code 0 if it verifies, 5 if it does not (the reason is printed)."""
    data = load_bundle(bundle)
    verifier = _verifier(key)
    if data.get("format") == CONSISTENCY_FORMAT:
        result, lines = _consistency(data, verifier, checkpoint)
    else:
        result, lines = _inclusion(data, verifier, file)
    if as_json:
        print_json(result)
    else:
        for line in lines:
            say(line)


Outcome = tuple[dict[str, Any], list[str]]


def _inclusion(data: dict[str, Any], verifier: Verifier, file: Path | None) -> Outcome:
    verdict = verify_bundle(data, verifier, file)
    events = [
        {
            "leaf_index": e.index,
            "kind": e.event.get("kind"),
            "at": e.event.get("at"),
            "actor": e.event.get("actor"),
        }
        for e in verdict.events
    ]
    lines = [
        f"VERIFIED: {len(events)} event(s) for SHA-256 {verdict.evidence_sha256}",
        f"  are in log {verdict.origin} under its signed checkpoint of size "
        f"{verdict.checkpoint_size}",
        *(f"  #{e['leaf_index']} {e['at']} {e['kind']} by {e['actor']}" for e in events),
    ]
    if verdict.file_checked:
        lines.append(f"  and {file} has exactly the logged bytes")
    result = {
        "verified": True,
        "log_origin": verdict.origin,
        "checkpoint_size": verdict.checkpoint_size,
        "evidence_sha256": verdict.evidence_sha256,
        "file_checked": verdict.file_checked,
        "events": events,
    }
    return result, lines


def _consistency(data: dict[str, Any], verifier: Verifier, kept: Path | None) -> Outcome:
    kept_note = _read_text(kept, "checkpoint") if kept else None
    old, new = verify_consistency_bundle(data, verifier, kept_note)
    lines = [
        f"VERIFIED: log {old.origin} at size {new.size} extends its checkpoint of size {old.size}"
    ]
    if kept_note:
        lines.append("  and that old checkpoint is the one you kept")
    result = {
        "verified": True,
        "log_origin": old.origin,
        "old_size": old.size,
        "new_size": new.size,
        "kept_checkpoint_checked": kept_note is not None,
    }
    return result, lines


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProofError(f"cannot read {what} file {path}: {exc}") from None


def _verifier(key: str) -> Verifier:
    """The key itself, or the key in the file it names."""
    path = Path(key)
    try:
        named = path.is_file()
    except OSError:  # a key text longer than any file name (ENAMETOOLONG) names no file
        named = False
    return Verifier.from_text(_read_text(path, "key") if named else key)


def register(app: typer.Typer) -> None:
    app.command("verify-proof")(verify_proof)
