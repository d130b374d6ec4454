"""How ``gavah log verify`` checks redaction against the custody log.

Each redaction row stands at the log index of its latest ``redaction.*`` entry: its boxes,
version and status must be those the entry logged, and an approval's commitment must open with
the row's nonce to the SHA-256 of the item it names. Each derivative row must equal the
``redaction.approved`` entry that made it, and every approval entry must have its row. The
derivatives' blobs are returned so that their bytes are re-hashed with the evidence's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.db import models
from gavah.publish.redact import APPROVED, commitment, summary

Report = Callable[[str, str, str], None]  # (where, field, message), as VerifyReport.add


def check(
    session: Session, entries: Mapping[int, dict[str, Any]], report: Report
) -> list[tuple[str, str, int, bytes]]:
    """Compare rows with ``entries`` (log index -> ``redaction.*`` entry); returns the
    derivatives' blobs as (label, sha256, size, chunk digests unknown)."""
    for row in session.execute(select(models.Redaction)).scalars():
        _check_redaction(session, row, entries.get(row.log_index), report)
    blobs = []
    made = set()
    for d in session.execute(select(models.Derivative)).scalars():
        made.add(d.log_index)
        _check_derivative(d, entries.get(d.log_index), report)
        blobs.append((f"derivative {d.sha256[:12]}", d.sha256, d.size, b""))
    for idx, entry in sorted(entries.items()):
        if entry.get("kind") == APPROVED and idx not in made:
            report(f"log entry {idx}", "row", "an approved derivative's row is missing")
    return blobs


def _check_redaction(
    session: Session, row: models.Redaction, entry: dict[str, Any] | None, report: Report
) -> None:
    where = f"redaction {row.id}"
    if entry is None:
        report(where, "log_index", f"log entry {row.log_index} is not a redaction event")
        return
    if entry.get("kind") == APPROVED:
        ev = session.get(models.Evidence, row.evidence_id)
        logged = entry.get("original", {}).get("commitment")
        if ev is None or logged != commitment(row.commitment_nonce, ev.sha256):
            report(where, "commitment", "the approval's commitment does not open to its item")
        if row.status != "approved" or entry.get("derivative", {}).get("sha256") != (
            row.derivative_sha256
        ):
            report(where, "derivative", "differs from the approval logged at its index")
        if entry.get("boxes_version") != row.version or entry.get("redaction") != row.id:
            report(where, "version", "differs from the approval logged at its index")
        return
    logged = entry.get("redaction") or {}
    mine = {k: v for k, v in summary(row).items() if k != "item"}
    for field, value in mine.items():
        if logged.get(field) != value:
            report(where, field, f"row has {value!r}, the log has {logged.get(field)!r}")


def _check_derivative(d: models.Derivative, entry: dict[str, Any] | None, report: Report) -> None:
    where = f"derivative {d.sha256}"
    if entry is None or entry.get("kind") != APPROVED:
        report(where, "log_index", f"log entry {d.log_index} is not a redaction.approved event")
        return
    row = {"sha256": d.sha256, "size": d.size, "mime": d.mime, "recipe": json.loads(d.recipe)}
    if entry.get("derivative") != row or entry.get("actor") != d.actor:
        report(where, "entry", "differs from the redaction.approved entry that made it")
