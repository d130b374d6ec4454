"""The vault through its Python API: deduplication, custody events, resolving, describing."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from gavah.custody.bundle import verify_bundle
from gavah.errors import InputError, NotFound
from gavah.intake.ingest import ingest
from gavah.vault import Vault
from gavah.vault.export import export_item, issue_proof, safe_filename
from gavah.vault.verify import verify_workspace


def make_files(root: Path) -> dict[str, bytes]:
    files = {
        "a.txt": b"first synthetic file\n",
        "sub/b.txt": b"second synthetic file\n",
        "sub/copy-of-a.txt": b"first synthetic file\n",
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return files


def test_identical_content_is_stored_once_and_logged_each_time(
    vault: Vault, tmp_path: Path
) -> None:
    make_files(tmp_path / "in")
    summary = ingest(vault, [str(tmp_path / "in").encode()], collection="c1", source="synthetic")
    assert (summary.files, summary.new, summary.already_held) == (3, 2, 1)
    again = ingest(vault, [str(tmp_path / "in" / "a.txt").encode()], note="second look")
    assert (again.new, again.already_held) == (0, 1)
    assert len(list(vault.store.addresses())) == 2
    item = vault.show(again.items[0]["id"])
    kinds = [e["kind"] for e in item["custody"]]
    assert kinds == [
        "evidence.ingested",
        "evidence.reingested",
        "evidence.reingested",
        "evidence.viewed",
    ]
    assert [a["note"] for a in item["acquisitions"]] == [None, None, "second look"]
    assert base64.b64decode(item["acquisitions"][0]["path_b64"]).endswith(b"a.txt")
    assert verify_workspace(vault).ok


def test_resolve_by_id_and_unique_prefix(vault: Vault, tmp_path: Path) -> None:
    make_files(tmp_path / "in")
    items = ingest(vault, [str(tmp_path / "in").encode()]).items
    with vault.db.read() as session:
        first = items[0]
        assert vault.resolve(session, first["id"]).sha256 == first["sha256"]
        assert vault.resolve(session, first["sha256"][:10].upper()).id == first["id"]
        with pytest.raises(NotFound):
            vault.resolve(session, "ev-0000000000000000")
        with pytest.raises(InputError, match="neither"):
            vault.resolve(session, "xyz!")


def test_description_change_is_logged_and_checked(vault: Vault, tmp_path: Path) -> None:
    make_files(tmp_path / "in")
    item = ingest(vault, [str(tmp_path / "in" / "a.txt").encode()]).items[0]
    index = vault.describe(item["id"], "گزارش شاهد — synthetic")
    shown = vault.show(item["id"])
    assert shown["description"] == "گزارش شاهد — synthetic"
    assert shown["custody"][-2]["log_index"] == index
    assert shown["custody"][-2]["detail"] == {"description": "گزارش شاهد — synthetic"}
    assert verify_workspace(vault).ok


def test_proof_bundle_and_export_report_verify_offline(vault: Vault, tmp_path: Path) -> None:
    make_files(tmp_path / "in")
    item = ingest(vault, [str(tmp_path / "in" / "a.txt").encode()]).items[0]
    bundle = json.loads(json.dumps(issue_proof(vault, item["id"])))  # as written to disk
    verdict = verify_bundle(bundle, vault.log.verifier, tmp_path / "in" / "a.txt")
    assert verdict.events[0].index == item["log_index"] and verdict.file_checked
    done = export_item(vault, item["id"], tmp_path / "out")
    assert done.original.read_bytes() == b"first synthetic file\n"
    report = json.loads(done.report_json.read_text(encoding="utf-8"))
    kinds = [
        e.event["kind"] for e in verify_bundle(report, vault.log.verifier, done.original).events
    ]
    assert kinds == ["evidence.ingested", "evidence.proof-issued", "evidence.exported"]
    with pytest.raises(InputError, match="not an empty folder"):
        export_item(vault, item["id"], tmp_path / "out")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/passwd", "_.._etc_passwd"),
        ("گزارش.jpg", "گزارش.jpg"),
        ("a\nb", "a_b"),
        ("...", "fallback"),
        (".hidden", "hidden"),
        ("x/" * 200, "x_" * 75),
    ],
)
def test_export_names_cannot_escape_the_folder(name: str, expected: str) -> None:
    safe = safe_filename(name, "fallback")
    assert safe == expected
    assert "/" not in safe and not safe.startswith(".") and safe.isprintable()


def test_ingest_never_swallows_its_own_workspace(vault: Vault, tmp_path: Path) -> None:
    make_files(tmp_path / "in")
    # The workspace sits beside the inputs in tmp_path: ingest the parent of both.
    summary = ingest(vault, [str(tmp_path).encode()])
    assert summary.files == 3 and not summary.failures
    assert any("workspace" in w for w in summary.warnings)
    inside = ingest(vault, [str(vault.ws.settings.workspace).encode()])
    assert inside.files == 0 and "inside the gavah workspace" in inside.warnings[0]


def test_verify_checks_every_collections_ingest_against_the_item(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An item acquired into a second collection gets that collection's own ingest entry, which
    says what the bytes are; `log verify` holds it to the item's row, not only the first one."""
    import gavah.vault as vault_module

    make_files(tmp_path / "in")
    first = ingest(vault, [str(tmp_path / "in" / "a.txt").encode()], collection="c1")
    assert verify_workspace(vault).ok
    honest = vault_module.evidence_summary

    def misreported(ev: object) -> dict[str, object]:
        return {**honest(ev), "size": 1}  # type: ignore[arg-type]

    monkeypatch.setattr(vault_module, "evidence_summary", misreported)
    second = ingest(vault, [str(tmp_path / "in" / "a.txt").encode()], collection="c2")
    monkeypatch.undo()
    assert second.items[0]["id"] == first.items[0]["id"]
    report = verify_workspace(vault)
    assert not report.ok
    problems = [p for p in report.problems if p.field == "size"]
    assert len(problems) == 1
    assert problems[0].where.startswith("acquisition ")
    assert "signed log entry has 1" in problems[0].message
