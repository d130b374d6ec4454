"""``gavah sanctions`` end to end through the command, on the real list excerpts."""

from __future__ import annotations

import json
from pathlib import Path

from gavah.sanctions import match
from gavah_cli import gavah

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"


def registry_file(tmp_path: Path) -> Path:
    """A registry to screen: one person as OFAC's own entry 12762 describes him (name as the EU
    spells it, birth year), and one synthetic person at a real prison."""
    lines = [
        {
            "id": "p-moghaddam",
            "schema": "Person",
            "properties": {"name": ["Esmail Ahmadi-Moghaddam"], "birthDate": ["1961"]},
        },
        {
            "id": "p-synthetic",
            "schema": "Person",
            "properties": {"name": ["Kourosh Bahramvand (synthetic)"]},
        },
        {"id": "u-evin", "schema": "PublicBody", "properties": {"name": ["Evin Prison"]}},
        {
            "id": "m-1",
            "schema": "Membership",
            "properties": {"member": ["p-synthetic"], "organization": ["u-evin"]},
        },
    ]
    path = tmp_path / "registry.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_import_xref_decide_and_gaps(cli_env: dict[str, str], tmp_path: Path) -> None:
    run = gavah(cli_env, "init")
    assert run.returncode == 0, run.stderr
    ofac = gavah(cli_env, "sanctions", "import", str(FIXTURES / "ofac"), "--format", "ofac",
                 "--list", "ofac", "--json")  # fmt: skip
    assert ofac.returncode == 0, ofac.stderr
    snapshot = json.loads(ofac.stdout)
    assert snapshot["entry_count"] == 34 and snapshot["unchanged"] is False
    again = gavah(cli_env, "sanctions", "import", str(FIXTURES / "ofac"), "--format", "ofac",
                  "--list", "ofac")  # fmt: skip
    assert again.returncode == 0 and "nothing changed" in again.stdout
    eu = gavah(cli_env, "sanctions", "import", str(FIXTURES / "eu_oj_32011R0359_excerpt.csv"),
               "--format", "eu-csv", "--list", "eu-hr")  # fmt: skip
    assert eu.returncode == 0, eu.stderr

    listed = json.loads(gavah(cli_env, "sanctions", "lists", "--json").stdout)
    assert [(x["name"], x["jurisdiction"]) for x in listed] == [("eu-hr", "eu"), ("ofac", "us")]

    xref = gavah(cli_env, "sanctions", "xref", "eu-hr", "ofac", "--json")
    assert xref.returncode == 0, xref.stderr
    pairs = [json.loads(line) for line in xref.stdout.splitlines()]
    assert pairs, "the EU and OFAC excerpts share people"
    for p in pairs:
        assert set(p) == {"left", "right", "score", "decision", "explanation"}
        assert p["left"]["list"] == "eu-hr" and p["right"]["list"] == "ofac"
        assert p["score"] >= match.DEFAULT_THRESHOLD and p["decision"] in ("match", "candidate")

    imported = gavah(cli_env, "registry", "import", str(registry_file(tmp_path)))
    assert imported.returncode == 0, imported.stderr
    screened = gavah(cli_env, "sanctions", "screen", "--json")
    assert screened.returncode == 0, screened.stderr
    found = [json.loads(line) for line in screened.stdout.splitlines()]
    hit = [f for f in found if f["left"]["id"] == "p-moghaddam" and f["right"]["id"] == "12762"]
    assert hit and hit[0]["decision"] == "match"

    decided = gavah(cli_env, "sanctions", "decide", "registry:p-synthetic", "list:ofac:24586",
                    "different", "--note", "a person is not a prison", "--json")  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    bad = gavah(cli_env, "sanctions", "decide", "registry:p-synthetic", "list:ofac:99999", "same")
    assert bad.returncode != 0 and "no entry" in bad.stderr
    history = json.loads(gavah(cli_env, "sanctions", "decisions", "--json").stdout)
    assert history[0]["note"] == "a person is not a prison"

    report = gavah(cli_env, "sanctions", "gaps", "--format", "json", "--jurisdiction", "us,eu")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    by_id = {e["entity"]: e for e in data["entities"]}
    assert by_id["p-moghaddam"]["jurisdictions"]["us"]["status"] == "designated"
    assert by_id["p-synthetic"]["jurisdictions"]["us"]["status"] == "not designated"
    assert by_id["p-synthetic"]["units"] == ["Evin Prison"]
    html = gavah(cli_env, "sanctions", "gaps", "--format", "html", "-o", str(tmp_path / "g.html"))
    assert html.returncode == 0, html.stderr
    assert "<table>" in (tmp_path / "g.html").read_text(encoding="utf-8")

    verified = gavah(cli_env, "log", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_malformed_list_is_refused_with_file_and_line(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    assert gavah(cli_env, "init").returncode == 0
    bad = tmp_path / "sdn.csv"
    bad.write_text('123,"NAME, Some","individual","IRAN-HR"\nxyz,"BROKEN"\n', encoding="utf-8")
    run = gavah(cli_env, "sanctions", "import", str(bad), "--format", "ofac", "--list", "bad")
    assert run.returncode != 0
    assert "sdn.csv:2" in run.stderr
    listed = json.loads(gavah(cli_env, "sanctions", "lists", "--json").stdout)
    assert listed == []
    unknown = gavah(cli_env, "sanctions", "import", str(bad), "--format", "pdf", "--list", "x")
    assert unknown.returncode != 0 and "ofac, un-xml, eu-csv, ftm" in unknown.stderr
