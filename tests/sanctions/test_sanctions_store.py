"""Sanctions snapshots in the workspace (SQLite and PostgreSQL): import whole or not at all,
identical re-imports change nothing, judgements are transitive custody events, verify checks
them. The list rows are real OFAC rows (public domain), cut from the shared data."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.sanctions.store import Judgements, Sanctions
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace

KEEP = {"12762", "12057", "12060"}  # IRAN-HR entries, among them MOGHADAM, Ismail Ahmadi


def shared_sanctions() -> Path:
    env = os.environ.get("GAVAH_SHARED_DATA")
    root = Path(env).parent if env else Path(__file__).resolve().parents[3] / "shared" / "data"
    folder = root / "sanctions"
    if not folder.is_dir():
        pytest.skip(f"shared sanctions data not found at {folder}")
    return folder


@pytest.fixture
def ofac(tmp_path: Path) -> Path:
    """sdn.csv with the first 40 rows and KEEP, and alt.csv with their alternate names."""
    src = shared_sanctions()
    folder = tmp_path / "ofac"
    folder.mkdir()
    with (src / "ofac_sdn_2024-05-03.csv").open(newline="", encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    rows = lines[:40] + [line for line in lines[40:] if line.split(",", 1)[0] in KEEP]
    (folder / "sdn.csv").write_text("".join(rows), encoding="utf-8")
    ids = {next(csv.reader([line])).pop(0) for line in rows}
    with (src / "ofac_alt_2025-12-24.csv").open(newline="", encoding="utf-8") as f:
        alt = [line for line in f.read().splitlines(keepends=True) if line.split(",", 1)[0] in ids]
    (folder / "alt.csv").write_text("".join(alt), encoding="utf-8")
    return folder


def counts(vault: Vault) -> tuple[int, int, int, int]:
    with vault.db.read() as session:
        return tuple(  # type: ignore[return-value]
            session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (
                models.SanctionsSnapshot,
                models.SanctionsEntry,
                models.Evidence,
                models.CustodyEvent,
            )
        )


def test_import_makes_a_snapshot_that_keeps_the_lists_own_ids(vault: Vault, ofac: Path) -> None:
    store = Sanctions(vault)
    result = store.import_list(ofac, "ofac", "ofac")
    assert result["unchanged"] is False and result["entry_count"] >= 42
    assert sorted(f["name"] for f in result["files"]) == ["alt.csv", "sdn.csv"]
    entry = store.entry("ofac", "12762")
    assert entry.ref == "list:ofac:12762"
    assert entry.jurisdiction == "us"
    assert "IRAN-HR" in entry.programs
    names = " ".join(entry.entity.get("name") + entry.entity.get("alias"))
    assert "MOGHADAM" in names.upper()
    (listed,) = store.lists()
    assert listed["name"] == "ofac" and len(listed["snapshots"]) == 1
    assert verify_workspace(vault).ok


def test_identical_files_change_nothing_and_a_new_edition_is_a_new_snapshot(
    vault: Vault, ofac: Path
) -> None:
    store = Sanctions(vault)
    first = store.import_list(ofac, "ofac", "ofac")
    before = counts(vault)
    again = store.import_list(ofac, "ofac", "ofac")
    assert again["unchanged"] is True and again["id"] == first["id"]
    assert counts(vault) == before
    sdn = ofac / "sdn.csv"
    sdn.write_text("\n".join(sdn.read_text(encoding="utf-8").splitlines()[:-1]) + "\n")
    second = store.import_list(ofac, "ofac", "ofac")
    assert second["id"] != first["id"] and second["entry_count"] == first["entry_count"] - 1
    assert [len(x["snapshots"]) for x in store.lists()] == [2]
    assert sum(1 for _ in store.entries("ofac", first["id"])) == first["entry_count"]
    assert verify_workspace(vault).ok


def test_a_malformed_row_stores_nothing(vault: Vault, ofac: Path) -> None:
    sdn = ofac / "sdn.csv"
    lines = sdn.read_text(encoding="utf-8").splitlines()
    lines[5] = "not-a-number,BROKEN"
    sdn.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = counts(vault)
    with pytest.raises(InputError) as caught:
        Sanctions(vault).import_list(ofac, "ofac", "ofac")
    assert "sdn.csv:6" in caught.value.message
    assert counts(vault) == before


def test_list_names_formats_and_jurisdictions_are_checked(vault: Vault, ofac: Path) -> None:
    store = Sanctions(vault)
    with pytest.raises(InputError, match="short name"):
        store.import_list(ofac, "ofac", "OFAC list!")
    with pytest.raises(InputError, match="unknown jurisdiction"):
        store.import_list(ofac, "ofac", "ofac", "xx")
    store.import_list(ofac, "ofac", "ofac")
    with pytest.raises(InputError, match=r"imported as ofac \(us\), not ofac \(eu\)"):
        store.import_list(ofac, "ofac", "ofac", "eu")
    with pytest.raises(NotFound):
        store.snapshot_id("nope")


def test_judgements_are_transitive_logged_and_verified(vault: Vault, ofac: Path) -> None:
    Sanctions(vault).import_list(ofac, "ofac", "ofac")
    ids = sorted(KEEP)
    a, b, c = (f"list:ofac:{i}" for i in ids)
    judge = Judgements(vault)
    judge.judge(a, b, "same", note="synthetic test judgement")
    judge.judge(b, c, "different")
    with pytest.raises(InputError, match="already judged different"):
        judge.judge(a, c, "same")
    with pytest.raises(NotFound):
        judge.judge(a, "list:ofac:0000", "same")
    with pytest.raises(InputError, match="as a record") as caught:
        judge.judge(a, "ofac-12762", "same")
    assert "registry:ENTITY_ID" in (caught.value.hint or "")
    history = judge.history()
    assert [h["judgement"] for h in history] == ["same", "different"]
    assert history[0]["note"] == "synthetic test judgement" and history[0]["actor"]
    assert judge.standing()[(a, b) if a < b else (b, a)] == "same"
    report = verify_workspace(vault)
    assert report.ok, report.problems


def test_verify_notices_a_changed_entry(vault: Vault, ofac: Path) -> None:
    Sanctions(vault).import_list(ofac, "ofac", "ofac")
    with vault.db.write() as session:
        row = session.execute(
            select(models.SanctionsEntry).where(models.SanctionsEntry.source_id == "12762")
        ).scalar_one()
        row.caption = "SOMEONE ELSE"
    report = verify_workspace(vault)
    assert not report.ok
    assert any("entries differ" in str(p) for p in report.problems)
