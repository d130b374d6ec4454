"""``gavah registry`` end to end as separate processes: add, edit, link, show, list, export,
import, and the errors a user meets. All people here are invented (synthetic)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model as ftm_model

from gavah.cli import main
from gavah_cli import gavah


def _run(env: dict[str, str], *args: str) -> Any:
    run = gavah(env, "registry", *args, "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_a_judge_in_a_court_documented_by_evidence(cli_env: dict[str, str], tmp_path: Path) -> None:
    env = cli_env
    assert gavah(env, "init").returncode == 0
    photo = tmp_path / "photo.txt"
    photo.write_text("synthetic photo of a courtroom\n", encoding="utf-8")
    evidence = json.loads(gavah(env, "ingest", str(photo), "--json").stdout)["items"][0]["id"]
    court = _run(
        env,
        "add",
        "PublicBody",
        "-p",
        "name=Revolutionary Court of Tehran",
        "-p",
        "name=دادگاه انقلاب تهران",
        "--id",
        "rev-court-tehran",
    )
    post = _run(
        env,
        "add",
        "Position",
        "-p",
        "name=Judge, Branch 15, Revolutionary Court of Tehran (synthetic)",
        "-p",
        f"organization={court['id']}",
    )
    assert post["same_name"] == []
    again = gavah(
        env,
        "registry",
        "add",
        "Position",
        "-p",
        "name=judge, branch 15, revolutionary court of tehran (synthetic)",
    )
    assert again.returncode == 0, again.stderr  # two posts may share a name: said, not refused
    assert f"note: {post['id']} is a Position of the same name" in again.stderr
    judge = _run(
        env,
        "add",
        "person",
        "-p",
        "name=Abolfazl Fictional (synthetic)",
        "-p",
        "name=ابوالفضل خیالی",
        "-p",
        "birthDate=۱۳۴۵/۰۲/۱۰",
        "--source",
        evidence,
    )
    assert judge["created"] and judge["schema"] == "Person"
    _run(env, "link", judge["id"], post["id"], "--as", "Occupancy", "--start", "1398/01/01")
    _run(env, "link", evidence, judge["id"], "--as", "Documentation", "--role", "photo (synthetic)")
    edited = _run(
        env, "edit", judge["id"], "--add", "alias=Judge A. F.", "--remove", "birthDate=1966-04-30"
    )
    assert edited["statements"] == {"added": 1, "seen": 0, "retracted": 1}

    shown = _run(env, "show", judge["id"])
    names = [(n["prop"], n["value"]) for n in shown["names"]]
    assert names == [
        ("name", "Abolfazl Fictional (synthetic)"),
        ("name", "ابوالفضل خیالی"),
        ("alias", "Judge A. F."),
    ]
    assert {r["schema"] for r in shown["referred_by"]} == {"Occupancy", "Documentation"}
    text = gavah(env, "registry", "show", judge["id"])
    assert "names: Abolfazl Fictional (synthetic) · ابوالفضل خیالی" in text.stdout
    assert "RETRACTED birthDate = 1966-04-30 (entered as ۱۳۴۵/۰۲/۱۰)" in text.stdout

    listed = _run(env, "list", "--query", "خیالی")
    assert [e["id"] for e in listed] == [judge["id"]]
    assert len(_run(env, "list", "--schema", "PublicBody")) == 1

    exported = gavah(env, "registry", "export")
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert len(lines) == 7  # court, two posts, judge, occupancy, documentation, evidence document
    assert all(ftm_model.get_proxy(json.loads(line)).id for line in lines)
    out = tmp_path / "registry.jsonl"
    assert _run(env, "export", "-o", str(out)) == {"entities": 7, "file": str(out)}
    assert out.read_text(encoding="utf-8") == exported.stdout
    imported = _run(env, "import", str(out), "--source", "our own export (synthetic)")
    assert imported["entities"] == 7 and imported["new_entities"] == 0
    assert _run(env, "import", str(out))["already_imported"] is True
    verify = gavah(env, "log", "verify")
    assert verify.returncode == 0, verify.stdout


def test_registry_errors_are_clear_and_coded(cli_env: dict[str, str], tmp_path: Path) -> None:
    env = cli_env
    gavah(env, "init")
    refused = gavah(
        env, "registry", "add", "Person", "-p", "birthDate=1401/13/01", "-p", "nmae=x", "--json"
    )
    assert refused.returncode == 2
    error = json.loads(refused.stdout)
    assert set(error) == {"error", "message", "hint", "exit_code"}
    assert "nothing was stored" in error["message"]
    assert "name: required for a Person" in error["message"]
    assert "nmae: a Person has no such property (did you mean name?)" in error["message"]
    text = gavah(env, "registry", "add", "Person", "-p", "birthDate=2150")
    assert "  birthDate: 2150 is in the future" in text.stderr and "hint:" in text.stderr
    assert gavah(env, "registry", "add", "Vessel", "-p", "name=x").returncode == 2
    assert gavah(env, "registry", "add", "Person", "-p", "name").returncode == 2
    assert gavah(env, "registry", "show", "nobody").returncode == 4
    assert gavah(env, "registry", "edit", "nobody", "--add", "name=x").returncode == 4
    assert (
        gavah(
            env, "registry", "link", "ev-0000000000000000", "x", "--as", "Documentation"
        ).returncode
        == 4
    )
    assert gavah(env, "registry", "import", str(tmp_path / "none.jsonl")).returncode == 4
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "p1", "schema": "Person", "properties": {"name": ["X"]}}\n[]\n')
    run = gavah(env, "registry", "import", str(bad))
    assert run.returncode == 2 and "bad.jsonl:2: not a JSON object" in run.stderr
    assert gavah(env, "registry", "export", "--json").returncode == 2
    assert gavah(env, "registry", "list").stdout.strip() == "the registry is empty"


@pytest.mark.parametrize("command", ["add", "edit", "link", "show", "list", "export", "import"])
def test_every_registry_command_has_help(command: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["registry", command, "--help"])
    assert exit_.value.code == 0
