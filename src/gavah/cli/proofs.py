"""``gavah verify-proof``: check a proof bundle or custody report with the public key alone.
Opens no workspace and no database, so it works on a stranger's laptop."""

from __future__ import annotations

from pathlib import Path

import typer

from gavah.cli._common import JSON_OPTION, print_json, say
from gavah.custody.bundle import load_bundle, verify_bundle
from gavah.custody.note import Verifier
from gavah.errors import ProofError


def verify_proof(
    bundle: Path = typer.Argument(
        ..., help="Proof bundle (gavah proof) or custody-report.json (gavah export)."
    ),
    key: str = typer.Option(
        ..., "--key", "-k", help="Verifier key, or a file holding it (gavah log key)."
    ),
    file: Path | None = typer.Option(
        None, "--file", "-f", help="The original file: check it is the logged one."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check an inclusion proof: checkpoint signature, Merkle path, entry, and optionally the file.

    Exit code 0 if it verifies, 5 if it does not (the reason is printed)."""
    verdict = verify_bundle(load_bundle(bundle), _verifier(key), file)
    events = [
        {
            "leaf_index": e.index,
            "kind": e.event.get("kind"),
            "at": e.event.get("at"),
            "actor": e.event.get("actor"),
        }
        for e in verdict.events
    ]
    result = {
        "verified": True,
        "log_origin": verdict.origin,
        "checkpoint_size": verdict.checkpoint_size,
        "evidence_sha256": verdict.evidence_sha256,
        "file_checked": verdict.file_checked,
        "events": events,
    }
    if as_json:
        print_json(result)
        return
    say(f"VERIFIED: {len(verdict.events)} event(s) for SHA-256 {verdict.evidence_sha256}")
    say(
        f"  are in log {verdict.origin} under its signed checkpoint of size {verdict.checkpoint_size}"
    )
    for e in events:
        say(f"  #{e['leaf_index']} {e['at']} {e['kind']} by {e['actor']}")
    if verdict.file_checked:
        say(f"  and {file} has exactly the logged bytes")


def _verifier(key: str) -> Verifier:
    path = Path(key)
    if "+" not in key and path.exists():
        try:
            key = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProofError(f"cannot read key file {path}: {exc}") from None
    return Verifier.from_text(key)


def register(app: typer.Typer) -> None:
    app.command("verify-proof")(verify_proof)
