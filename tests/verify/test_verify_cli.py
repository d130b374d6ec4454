"""The verification commands as a user meets them: the worked example's steps through `gavah`,
JSON output, errors with their exit codes, and `log verify` catching a changed row. The commands
run in this process (``gavah.cli.main``) to spare the shared machine; the environment is the
user's (``GAVAH_ACTOR`` names who acts). Everything here is synthetic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from gavah.cli import main
from gavah.db import models
from gavah.settings import load_settings
from gavah.workspace import open_workspace


class Gavah:
    def __init__(self, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
        for key, value in env.items():
            if key.startswith("GAVAH_"):
                monkeypatch.setenv(key, value)
        self.monkeypatch, self.capsys = monkeypatch, capsys

    def run(self, *args: str, actor: str = "analyst-a") -> tuple[int, str, str]:
        self.monkeypatch.setenv("GAVAH_ACTOR", actor)
        with pytest.raises(SystemExit) as exit_:
            main(list(args))
        found = self.capsys.readouterr()
        return int(exit_.value.code or 0), found.out, found.err

    def json(self, *args: str, actor: str = "analyst-a") -> Any:
        code, out, err = self.run(*args, "--json", actor=actor)
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def gavah(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Gavah:
    g = Gavah(cli_env, monkeypatch, capsys)
    assert g.run("init")[0] == 0
    return g


def test_the_worked_example_at_the_command_line(gavah: Gavah, tmp_path: Path) -> None:
    video = tmp_path / "video.txt"
    video.write_text("synthetic witness video\n", encoding="utf-8")
    item = gavah.json("ingest", str(video), "--collection", "karaj-1401")["items"][0]["id"]
    for sid, kind, grade in (
        ("witness-w12", "witness", "C"),
        ("channel-1", "channel", "C"),
        ("ngo-list", "ngo", "B"),
        ("official", "official", "E"),
    ):
        gavah.json(
            "sources",
            "add",
            f"{sid} (synthetic)",
            "--kind",
            kind,
            "--grade",
            grade,
            "--reason",
            "synthetic example",
            "--collection",
            "karaj-1401",
            "--id",
            sid,
        )
    gavah.json("sources", "link", "channel-1", "witness-w12", "--as", "relays")
    incident = gavah.json(
        "incidents",
        "add",
        "Protesters shot in Karaj (synthetic)",
        "--kind",
        "killing-at-protest",
        "--collection",
        "karaj-1401",
        "--place",
        "کرج",
        "--date",
        "۸ مهر ۱۴۰۱",
        "--killed",
        "2-3",
    )["incident"]
    assert (incident["province"], incident["place_precision"]) == ("Alborz", "locality")
    assert (incident["date"], incident["date_calendar"]) == ("2022-09-30", "solar_hijri")
    claim = gavah.json(
        "claims",
        "add",
        "Live rounds killed at least two (synthetic)",
        "--kind",
        "occurred",
        "--incident",
        incident["id"],
    )["claim"]["id"]
    gavah.json("claims", "link", claim, item, "--as", "evidence")
    made = {}
    for sid, stance, cred in (
        ("witness-w12", "supports", "2"),
        ("channel-1", "supports", "2"),
        ("ngo-list", "supports", "2"),
        ("official", "contradicts", "5"),
    ):
        made[sid] = gavah.json(
            "assess", "add", claim, sid, "--stance", stance, "--credibility", cred
        )["assessment"]["id"]
    # four eyes: the author may not review; exit code 8 and one JSON error
    code, out, err = gavah.run("review", "add", made["ngo-list"], "agree", "--json")
    assert code == 8 and json.loads(out)["error"] == "AccessDenied"
    assert "cannot review it" in err and "Traceback" not in err
    queue = gavah.json("review", "list", actor="reviewer-b")
    assert sorted(a["id"] for a in queue) == sorted(made.values())
    assert gavah.json("review", "list") == []  # nothing of one's own
    for aid in made.values():
        gavah.json("review", "add", aid, "agree", actor="reviewer-b")
    explained = gavah.json("claims", "explain", claim)
    assert (explained["airwars"], explained["rule"]) == ("fair", "F1")
    code, out, _ = gavah.run("claims", "explain", claim)
    assert code == 0 and "level: fair / reasonable grounds to believe (rule F1)" in out
    assert "would raise it: confirmed (rule C1)" in out
    listed = gavah.json("incidents", "list")
    assert listed[0]["grade"]["airwars"] == "fair"
    harm = gavah.json("incidents", "harm", "--by", "month", "--calendar", "solar_hijri")
    assert [(r["period"], r["killed"]) for r in harm["rows"]] == [("1401/07", [2, 3])]
    events = tmp_path / "events.jsonl"
    assert gavah.json("incidents", "export", "--output", str(events))["entities"] == 2

    # the claim alleges a unit's role: the registry and the gap report carry its grade
    unit = gavah.json("registry", "add", "PublicBody", "-p", "name=Unit 7 (synthetic)")["id"]
    gavah.json("claims", "link", claim, unit, "--as", "entity")
    shown = gavah.json("registry", "show", unit)
    assert [(a["claim"], a["airwars"]) for a in shown["allegations"]] == [(claim, "fair")]
    code, out, _ = gavah.run("registry", "show", unit)
    assert code == 0 and f"alleged in claim {claim}" in out and "fair" in out
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions" / "ofac"
    gavah.json("sanctions", "import", str(fixture), "--format", "ofac", "--list", "ofac")
    for grade, expected in (("fair", [unit]), ("confirmed", [])):
        code, out, err = gavah.run("sanctions", "gaps", "--grade", grade, "--format", "json")
        assert code == 0, err
        found = json.loads(out)
        assert [e["entity"] for e in found["entities"]] == expected
    code, out, err = gavah.run("sanctions", "gaps", "--grade", "contested", "--json")
    assert code == 2 and json.loads(out)["error"] == "InputError"
    assert gavah.run("log", "verify", "--json")[0] == 0


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (
            (
                "sources",
                "add",
                "X",
                "--kind",
                "blogger",
                "--grade",
                "B",
                "--reason",
                "r",
                "--collection",
                "c",
            ),
            2,
            "is not a kind of source",
        ),
        (
            (
                "sources",
                "add",
                "X",
                "--kind",
                "ngo",
                "--grade",
                "G",
                "--reason",
                "r",
                "--collection",
                "c",
            ),
            2,
            "is not a reliability grade",
        ),
        (
            (
                "incidents",
                "add",
                "X",
                "--kind",
                "execution",
                "--collection",
                "c",
                "--date",
                "1401/13/01",
            ),
            2,
            "month 13",
        ),
        (
            (
                "incidents",
                "add",
                "X",
                "--kind",
                "execution",
                "--collection",
                "c",
                "--killed",
                "5-2",
            ),
            2,
            "above the maximum",
        ),
        (("claims", "explain", "clm-nothing"), 4, "no claim"),
        (
            (
                "assess",
                "add",
                "clm-nothing",
                "src-nothing",
                "--stance",
                "supports",
                "--credibility",
                "9",
            ),
            2,
            "is not a credibility",
        ),
        (("review", "add", "asm-nothing", "maybe"), 2, "is not a decision"),
        (("review", "add", "asm-nothing", "agree"), 4, "no assessment"),
    ],
)
def test_errors_say_what_and_exit_with_their_code(
    gavah: Gavah, args: tuple[str, ...], code: int, says: str
) -> None:
    found, out, err = gavah.run(*args, "--json")
    assert found == code, err
    error = json.loads(out)
    assert error["exit_code"] == code and says in error["message"]
    assert "hint:" in err or error["hint"] is None
    assert "Traceback" not in err


def test_log_verify_names_a_changed_claim(gavah: Gavah, cli_env: dict[str, str]) -> None:
    claim = gavah.json(
        "claims",
        "add",
        "Unit U was present (synthetic)",
        "--kind",
        "perpetrator",
        "--collection",
        "c",
    )["claim"]["id"]
    assert gavah.run("log", "verify")[0] == 0
    ws = open_workspace(load_settings(Path(cli_env["GAVAH_WORKSPACE"])))
    try:
        with ws.db.write() as session:
            session.execute(
                update(models.VerifyClaim)
                .where(models.VerifyClaim.id == claim)
                .values(statement="Unit V was present (synthetic)")
            )
    finally:
        ws.close()
    code, out, _ = gavah.run("log", "verify", "--json")
    assert code == 5
    problems = json.loads(out)["problems"]
    assert [(p["where"], p["field"]) for p in problems] == [(f"claim {claim}", "statement")]
