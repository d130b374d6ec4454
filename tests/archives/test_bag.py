"""Court bags (issue 19; docs/bags.md): `gavah export ITEM... --bag OUT/` writes a BagIt bag that
the bagit library validates, and that fails after one changed byte; its custody reports verify
against the checkpoint and key it carries, with gavah and with the bag's own checker; the export
is a custody event; a web reader bags only what they may see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import bagit
import pytest
from sqlalchemy import select
from tests.archives import make_archives as mk
from tests.gavah_cli import gavah

from gavah.accounts import Principal
from gavah.custody.bundle import verify_bundle
from gavah.custody.entry import EventKind
from gavah.custody.note import Verifier
from gavah.db import models
from gavah.errors import InputError, NotFound, StoreError
from gavah.intake.ingest import ingest
from gavah.vault import Vault
from gavah.vault.bag import export_bag
from gavah.vault.verify import verify_workspace
from gavah.web.evidence import Evidence


def _items(vault: Vault, tmp_path: Path) -> list[str]:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "capture.wacz").write_bytes(mk.wacz_bytes(sign=mk.new_key()))
    (tmp_path / "in" / "note.txt").write_text("witness statement, synthetic\n")
    summary = ingest(vault, [bytes(tmp_path / "in")], collection="case-a")
    return [i["id"] for i in summary.items]


def test_bag_validates_and_fails_after_one_changed_byte(vault: Vault, tmp_path: Path) -> None:
    ids = _items(vault, tmp_path)
    out = tmp_path / "bag"
    done = export_bag(vault, ids, out)
    assert [i["id"] for i in done.items] == ids
    bagit.Bag(str(out)).validate()  # what bagit.py --validate runs (run as such below)
    readme = (out / "data" / "README.txt").read_text(encoding="utf-8")
    assert "bagit.py --validate" in readme and "sha256sum -c manifest-sha256.txt" in readme
    assert "راستی‌آزمایی" in readme  # and in Persian
    key = Verifier.from_text((out / "data" / "log" / "public-key.txt").read_text())
    assert key == vault.log.verifier
    note = (out / "data" / "log" / "checkpoint.txt").read_text()
    for item in done.items:
        folder = out / "data" / "items" / item["id"]
        report = json.loads((folder / "custody-report.json").read_text())
        assert report["checkpoint"] == note
        original = out / item["file"]
        verdict = verify_bundle(report, key, original)
        kinds = [e.event["kind"] for e in verdict.events]
        assert kinds[0] == EventKind.INGEST and kinds[-1] == EventKind.EXPORT  # proves its export
    checker = subprocess.run(
        [sys.executable, str(out / "data" / "log" / "check_proofs.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checker.returncode == 0, checker.stdout
    assert checker.stdout.count("OK  ev-") == len(ids)
    # one changed byte in an original: bagit says which file, and so does the checker
    target = out / done.items[0]["file"]
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    with pytest.raises(bagit.BagValidationError) as caught:
        bagit.Bag(str(out)).validate()
    assert {d.path for d in caught.value.details} == {done.items[0]["file"]}
    cli = subprocess.run(
        [sys.executable, "-m", "bagit", "--validate", str(out)],  # bagit.py --validate
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 1 and "is invalid" in cli.stderr
    checker = subprocess.run(
        [sys.executable, str(out / "data" / "log" / "check_proofs.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checker.returncode == 1 and "FAILED" in checker.stdout
    assert verify_workspace(vault).ok


def test_bag_export_is_a_custody_event_per_item(vault: Vault, tmp_path: Path) -> None:
    ids = _items(vault, tmp_path)
    with vault.db.read() as session:
        prefix = session.get(models.Evidence, ids[0]).sha256[:12]  # type: ignore[union-attr]
    export_bag(vault, [ids[0], prefix, ids[1]], tmp_path / "bag")  # the same item twice
    with vault.db.read() as session:
        rows = session.execute(
            select(models.CustodyEvent).where(models.CustodyEvent.kind == EventKind.EXPORT)
        ).scalars()
        exported = sorted(r.evidence_id for r in rows)
    assert exported == sorted(ids[:2])
    with pytest.raises(InputError):
        export_bag(vault, ids, tmp_path / "bag")  # not an empty folder


def test_web_reader_bags_only_what_they_may_see(vault: Vault, tmp_path: Path) -> None:
    ids = _items(vault, tmp_path)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "note.txt").write_text("witness statement, synthetic\n")  # same bytes
    (tmp_path / "b" / "secret.txt").write_text("held only by case-b\n")
    other = ingest(vault, [bytes(tmp_path / "b")], collection="case-b", note="case-b's note")
    by_name = {Path(i["path"]).name: i["id"] for i in other.items}  # in the order they finished
    shared, secret = by_name["note.txt"], by_name["secret.txt"]
    assert shared in ids
    reader = Principal(7, "leila", False, "fa", {"case-a": "analyst"})
    evidence = Evidence(vault.ws, reader)
    with pytest.raises(NotFound):
        evidence.bag([secret], tmp_path / "no", via="test")
    assert not (tmp_path / "no").exists()
    done = evidence.bag([shared], tmp_path / "bag", via="test")
    report = (tmp_path / "bag" / "data" / "items" / shared / "custody-report.json").read_text()
    assert "case-b" not in report and "case-a" in report
    assert done.items[0]["id"] == shared
    bagit.Bag(str(tmp_path / "bag")).validate()


def test_cli_bag(vault: Vault, tmp_path: Path, cli_env: dict[str, str]) -> None:
    ids = _items(vault, tmp_path)
    done = gavah(cli_env, "export", *ids, "--bag", str(tmp_path / "bag"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["checkpoint_size"] > 0
    bagit.Bag(str(tmp_path / "bag")).validate()
    both = gavah(cli_env, "export", *ids, "-o", str(tmp_path / "x"))
    assert both.returncode != 0 and "--bag" in both.stderr and "Traceback" not in both.stderr


def _lose_blob(vault: Vault, sha256: str) -> None:
    store: Any = vault.store
    if hasattr(store, "path_of"):
        path = store.path_of(sha256)
        path.chmod(0o600)
        path.unlink()
    else:
        store.client.delete_object(Bucket=store.bucket, Key=store.key_of(sha256))


def test_a_bag_that_cannot_be_made_leaves_no_folder_and_its_attempt_logged(
    vault: Vault, tmp_path: Path
) -> None:
    ids = _items(vault, tmp_path)
    with vault.db.read() as session:
        lost = session.get(models.Evidence, ids[-1]).sha256  # type: ignore[union-attr]
        before = session.query(models.CustodyEvent).count()
    _lose_blob(vault, lost)
    with pytest.raises(StoreError):
        export_bag(vault, ids, tmp_path / "bag")
    assert not (tmp_path / "bag").exists()
    with vault.db.read() as session:
        # Logged before the bag is written (the write lock is not held while originals are
        # copied): one export per item, the record of the attempt.
        assert session.query(models.CustodyEvent).count() == before + len(ids)
