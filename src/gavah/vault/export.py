"""Proof bundles and exports of one item.

An export writes the original bytes unchanged, plus a custody report in JSON (machine-checkable
with ``gavah verify-proof``) and in plain text for people. Both are custody events themselves,
appended before the report is made, so the report covers its own export.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.custody.bundle import make_bundle, proof_record
from gavah.custody.entry import EventKind
from gavah.db import models
from gavah.errors import InputError, StoreError
from gavah.vault import Vault, display_path

_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_filename(name: str, fallback: str) -> str:
    """A file name that cannot escape its folder or hide itself: no separators, no control
    characters, no leading dots. Persian and other scripts survive."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")[:150]
    return cleaned or fallback


def _proofs(vault: Vault, session: Session, indexes: list[int], size: int) -> list[dict[str, Any]]:
    return [
        proof_record(i, vault.log.entry(session, i), vault.log.inclusion_path(session, i, size))
        for i in indexes
    ]


def _bundle(
    vault: Vault, session: Session, ev: models.Evidence, indexes: list[int], report: bool
) -> dict[str, Any]:
    checkpoint, note = vault.log.latest_checkpoint(session)
    return make_bundle(
        origin=vault.log.origin,
        checkpoint_note=note,
        tree_size=checkpoint.size,
        evidence={"id": ev.id, "sha256": ev.sha256, "size": ev.size, "mime": ev.mime},
        proofs=_proofs(vault, session, indexes, checkpoint.size),
        report=report,
    )


Keep = Callable[[dict[str, Any]], bool]
"""Which of an item's log entries (decoded) a report may hold: the web's need to know."""


def issue_proof(
    vault: Vault, ref: str, via: str = "gavah proof", *, of: int | None = None, **detail: Any
) -> dict[str, Any]:
    """The inclusion proof of an item's ingest event under the newest signed checkpoint: the
    first one, or the ingest entry at log index ``of`` (an item has one per collection)."""
    with vault.db.write() as session:
        ev = vault.resolve(session, ref)
        index = ev.log_index if of is None else of
        row = session.get(models.CustodyEvent, index)
        if row is None or row.evidence_id != ev.id or row.kind != EventKind.INGEST:
            raise InputError(f"log entry {index} is not an ingest event of {ev.id}")
        vault.log_access(session, ev, EventKind.PROOF, via=via, **detail)
        return _bundle(vault, session, ev, [index], report=False)


def _custody_report(
    vault: Vault, session: Session, ev: models.Evidence, keep: Keep | None = None
) -> dict[str, Any]:
    """Every custody event of ``ev`` (that ``keep`` keeps) with its proof, under the newest
    checkpoint."""
    rows = session.execute(
        select(models.CustodyEvent.idx, models.CustodyEvent.entry)
        .where(models.CustodyEvent.evidence_id == ev.id)
        .order_by(models.CustodyEvent.idx)
    )
    indexes = [idx for idx, entry in rows if keep is None or keep(json.loads(entry))]
    report = _bundle(vault, session, ev, indexes, report=True)
    report["verifier_key"] = vault.log.verifier.to_text()
    return report


def custody_report(
    vault: Vault, ref: str, *, keep: Keep | None = None, **detail: Any
) -> dict[str, Any]:
    """A custody report handed out (the web's export): logged first, so it covers itself.
    ``keep`` leaves out entries the reader may not see (each entry is kept whole or not at all:
    a signed entry cannot be cut)."""
    with vault.db.write() as session:
        ev = vault.resolve(session, ref)
        vault.log_access(session, ev, EventKind.EXPORT, **detail)
        return _custody_report(vault, session, ev, keep)


@dataclass(frozen=True)
class Exported:
    original: Path
    report_json: Path
    report_text: Path


def export_item(vault: Vault, ref: str, dest: Path) -> Exported:
    """Write the original bytes and a custody report into ``dest`` (created; must be empty)."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InputError(f"{dest} exists and is not an empty folder", hint="choose a new folder")
    with vault.db.write() as session:
        ev = vault.resolve(session, ref)
        vault.log_access(session, ev, EventKind.EXPORT, destination=os.path.abspath(dest))
        report = _custody_report(vault, session, ev)
        first = session.get(models.Acquisition, ev.log_index)
        name = first.filename if first else ev.id
        dest.mkdir(parents=True, exist_ok=True)
        original = dest / safe_filename(name, ev.id)
        _copy_blob(vault, ev.sha256, original)
        json_path = dest / "custody-report.json"
        json_path.write_text(
            json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        text_path = dest / "custody-report.txt"
        text_path.write_text(render_report(report, original.name), encoding="utf-8")
    return Exported(original, json_path, text_path)


def _copy_blob(vault: Vault, sha256: str, target: Path) -> None:
    try:
        with vault.store.open(sha256) as src, target.open("xb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror}") from None


def render_report(report: dict[str, Any], filename: str) -> str:
    """The custody report for people: every event, its log index, and how to check it."""
    ev = report["evidence"]
    lines = [
        "CUSTODY REPORT",
        "",
        f"Evidence id:  {ev['id']}",
        f"File:         {filename}",
        f"SHA-256:      {ev['sha256']}",
        f"Size:         {ev['size']} bytes",
        f"Type:         {ev['mime']}",
        f"Log:          {report['log_origin']}",
        f"Checkpoint:   tree size {report['tree_size']}",
        "",
        "Events (each included in the signed checkpoint below; proofs in custody-report.json):",
    ]
    for record in report["events"]:
        entry = json.loads(record["entry"])
        what = entry.get("acquisition") or entry.get("detail") or entry.get("changes") or {}
        summary = ", ".join(
            f"{k}={v}" for k, v in what.items() if v is not None and k != "path_b64"
        )
        lines.append(
            f"  #{record['leaf_index']:<8} {entry['at']}  {entry['kind']:<28} by {entry['actor']}"
        )
        if summary:
            lines.append(f"            {display_path(summary.encode())}")
    lines += [
        "",
        "Signed checkpoint (C2SP tlog-checkpoint):",
        report["checkpoint"],
        f"Verifier key: {report['verifier_key']}",
        "",
        "To check this report without gavah's database:",
        "  gavah verify-proof custody-report.json --key KEY.pub --file " + filename,
        "where KEY.pub holds the verifier key above, obtained from the workspace owner",
        "through a channel you trust (not from this report).",
        "",
    ]
    return "\n".join(lines)
