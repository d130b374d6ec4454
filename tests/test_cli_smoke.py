"""The user's path through the CLI: init, ingest, show, proof, verify-proof, export, log verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gavah.cli import main
from gavah_cli import gavah


def test_full_path_through_the_cli(cli_env: dict[str, str], tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "گزارش.txt").write_text("گواه: synthetic test report\n", encoding="utf-8")
    (files / "b.bin").write_bytes(bytes(range(256)) * 100)
    assert gavah(cli_env, "init").returncode == 0
    run = gavah(cli_env, "ingest", str(files), "--collection", "test", "--json")
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["new"] == 2 and not summary["failures"]
    persian = next(i for i in summary["items"] if i["path"].endswith("گزارش.txt"))

    shown = json.loads(gavah(cli_env, "show", persian["sha256"][:8], "--json").stdout)
    assert shown["id"] == persian["id"]
    assert [e["kind"] for e in shown["custody"]] == ["evidence.ingested", "evidence.viewed"]
    text = gavah(cli_env, "show", persian["id"]).stdout
    assert f"id: {persian['id']}" in text and "None" not in text  # no "description: None"

    key = tmp_path / "key.pub"
    key.write_text(gavah(cli_env, "log", "key").stdout)
    proof = tmp_path / "proof.json"
    assert gavah(cli_env, "proof", persian["id"], "-o", str(proof)).returncode == 0
    ok = gavah(
        cli_env,
        "verify-proof",
        str(proof),
        "--key",
        str(key),
        "--file",
        str(files / "گزارش.txt"),
        "--json",
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["verified"] is True

    wrong = gavah(
        cli_env, "verify-proof", str(proof), "--key", str(key), "--file", str(files / "b.bin")
    )
    assert wrong.returncode == 5 and "not the logged evidence" in wrong.stderr

    out = tmp_path / "export"
    assert gavah(cli_env, "export", persian["id"], "-o", str(out)).returncode == 0
    assert (out / "گزارش.txt").read_bytes() == (files / "گزارش.txt").read_bytes()
    report = json.loads((out / "custody-report.json").read_text(encoding="utf-8"))
    kinds = [json.loads(e["entry"])["kind"] for e in report["events"]]
    assert kinds[-1] == "evidence.exported"
    assert "CUSTODY REPORT" in (out / "custody-report.txt").read_text(encoding="utf-8")
    again = gavah(cli_env, "verify-proof", str(out / "custody-report.json"), "--key", str(key))
    assert again.returncode == 0, again.stderr

    verify = gavah(cli_env, "log", "verify", "--json")
    assert verify.returncode == 0, verify.stdout
    assert json.loads(verify.stdout)["ok"] is True
    checkpoint = gavah(cli_env, "log", "checkpoint").stdout
    assert checkpoint.splitlines()[1] == str(json.loads(verify.stdout)["log_size"])


def test_errors_have_one_json_shape_and_meaningful_exit_codes(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    missing = gavah(cli_env, "show", "abcdef", "--json")
    assert missing.returncode == 6  # no workspace yet: a configuration problem
    error = json.loads(missing.stdout)
    assert set(error) == {"error", "message", "hint", "exit_code"}
    assert error["error"] == "WorkspaceNotFound" and "gavah init" in error["hint"]
    gavah(cli_env, "init")
    assert gavah(cli_env, "show", "abcdef").returncode == 4
    assert gavah(cli_env, "show", "zz").returncode == 2
    assert gavah(cli_env, "ingest", str(tmp_path / "nope")).returncode == 3
    assert gavah(cli_env, "no-such-command").returncode == 2


def test_help_explains_every_command() -> None:
    for args in (
        ["--help"],
        ["ingest", "--help"],
        ["log", "verify", "--help"],
        ["verify-proof", "--help"],
    ):
        with pytest.raises(SystemExit) as exit_:
            main(args)
        assert exit_.value.code == 0


def test_consistency_proof_checks_offline_against_a_kept_checkpoint(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    gavah(cli_env, "init")
    (tmp_path / "a.txt").write_text("synthetic one\n")
    gavah(cli_env, "ingest", str(tmp_path / "a.txt"))
    kept = tmp_path / "kept.checkpoint"
    kept.write_text(gavah(cli_env, "log", "checkpoint").stdout)
    old_size = kept.read_text().splitlines()[1]
    (tmp_path / "b.txt").write_text("synthetic two\n")
    gavah(cli_env, "ingest", str(tmp_path / "b.txt"))
    key = tmp_path / "key.pub"
    key.write_text(gavah(cli_env, "log", "key").stdout)
    bundle = tmp_path / "consistency.json"
    bundle.write_text(gavah(cli_env, "log", "consistency", old_size).stdout)
    ok = gavah(
        cli_env, "verify-proof", str(bundle), "--key", str(key), "--checkpoint", str(kept), "--json"
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["old_size"] == int(old_size)

    data = json.loads(bundle.read_text())
    data["consistency_path"] = data["consistency_path"][:-1]
    bundle.write_text(json.dumps(data))
    truncated = gavah(cli_env, "verify-proof", str(bundle), "--key", str(key))
    assert truncated.returncode == 5 and "consistency" in truncated.stderr.lower()


def test_printable_keeps_persian_joiners_and_escapes_what_could_disguise() -> None:
    from gavah.cli._common import printable

    assert printable("محمد\u200cرضا") == "محمد\u200cرضا"
    assert printable("evil\u202etxt.exe") == "evil\\u202etxt.exe"
    assert printable("line\nbreak\x1b[31m") == "line\\nbreak\\x1b[31m"
