"""``gavah victims`` and ``gavah estimate`` on the register, end to end as separate processes.

All lists here are synthetic (gavah.casualties.synthetic)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from gavah.casualties import synthetic
from gavah.workspace import Workspace
from gavah_cli import gavah

MAP = "id=record_id,name=name,name_fa=name_fa,age=age,age_group=age_group,gender=gender,date=date,province=place"


@pytest.fixture
def lists(workspace: Workspace, cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    population = synthetic.people(400, seed=11)
    for j, records in enumerate(synthetic.lists(population, [0.55, 0.5, 0.45], seed=12)):
        path = tmp_path / f"list-{j}.csv"
        synthetic.write_csv(records, path)
        name = synthetic.list_prefix(j)
        run = gavah(
            cli_env,
            "victims",
            "import",
            str(path),
            "--list",
            name,
            "--map",
            MAP,
            "--publisher",
            f"Synthetic NGO {name}",
            "--json",
        )
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["records"] == len(records)
    return cli_env


def test_import_link_review_register_and_estimate(lists: dict[str, str], tmp_path: Path) -> None:
    env = lists
    listed = json.loads(gavah(env, "victims", "lists", "--json").stdout)
    assert [item["id"] for item in listed] == ["A", "B", "C"]
    assert listed[0]["publisher"] == "Synthetic NGO A"

    linked = gavah(env, "victims", "link", "--seed", "3", "--json")
    assert linked.returncode == 0, linked.stderr
    run = json.loads(linked.stdout)
    assert run["run"] == 1 and run["pairs"] > 0

    pending = json.loads(gavah(env, "victims", "review", "--lower", "0", "--json").stdout)
    assert pending, "a linkage of noisy lists leaves uncertain pairs"
    first = pending[0]
    assert {"left", "right", "probability", "explanation"} <= set(first)
    assert "name" in first["explanation"]

    # Interactive review: the first pair is "different", the second skipped, then quit.
    review = gavah(env, "victims", "review", "--lower", "0", input_text="d\nk\nq\n")
    assert review.returncode == 0, review.stderr
    assert "1 decision(s) recorded" in review.stdout
    history = json.loads(gavah(env, "victims", "decisions", "--json").stdout)
    assert [(d["left"], d["right"], d["decision"]) for d in history] == [
        (first["left"]["id"], first["right"]["id"], "different")
    ]

    table = gavah(env, "victims", "register", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    registered = json.loads(gavah(env, "victims", "register", "--json").stdout)
    assert len(rows) == registered["people"] == len(registered["register"])
    on_lists = {p["id"]: p["lists"] for p in registered["register"]}
    assert all(on_lists[r["id"]] == r["lists"].split(";") for r in rows)
    # Beside the count, the pairs awaiting review and the people if each were one person.
    assert registered["pairs_awaiting_review"] > 0
    assert registered["people_if_review_joins"] < registered["people"]
    header = gavah(env, "victims", "register").stdout.splitlines()[0]
    assert header.startswith(f"{registered['people']:,} distinct people from ")
    assert (
        f"; {registered['pairs_awaiting_review']:,} pairs of records scored 0.5 to 0.9 await "
        f"review: if each pair were one person, {registered['people_if_review_joins']:,} people"
    ) in header

    page = tmp_path / "report.html"
    est = gavah(
        env,
        "estimate",
        "--lists",
        "A,B,C",
        "--thresholds",
        "0.5,0.99",
        "--json",
        "--seed",
        "4",
        "--html",
        str(page),
    )
    assert est.returncode == 0, est.stderr
    result = json.loads(est.stdout)
    assert result["observed"] == registered["people"]
    assert result["interval"][0] <= result["estimate"] <= result["interval"][1]
    variants = result["linkage"]["variants"]
    assert [v["linkage"] for v in variants] == ["threshold 0.9", "threshold 0.5", "threshold 0.99"]
    assert result["linkage"]["ratio"] >= 1
    shown = page.read_text(encoding="utf-8")
    assert "How the estimate moves across linkage thresholds" in shown
    assert "threshold 0.99:" in shown

    text = gavah(env, "estimate", "--stratify", "gender", "--linkage-samples", "3")
    assert text.returncode == 0, text.stderr
    assert "pool 3 draws of the linkage" in text.stdout
    assert "How the estimate moves across draws of the linkage" in text.stdout
    assert gavah(env, "log", "verify").returncode == 0


def test_register_errors_are_clear_and_coded(lists: dict[str, str], tmp_path: Path) -> None:
    env = lists
    no_run = gavah(env, "estimate", "--json")
    assert no_run.returncode == 4
    assert json.loads(no_run.stdout)["message"] == "no linkage run yet"
    again = gavah(env, "victims", "import", str(tmp_path / "list-0.csv"), "--list", "A")
    assert again.returncode == 2 and "already in the register" in again.stderr
    missing = gavah(env, "victims", "import", str(tmp_path / "nope.csv"), "--list", "Z")
    assert missing.returncode == 4
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,date\nX (synthetic),1404/13/01\nY (synthetic),tomorrow\n", encoding="utf-8"
    )
    refused = gavah(env, "victims", "import", str(bad), "--list", "BAD", "--json", cwd=tmp_path)
    assert refused.returncode == 2
    message = json.loads(refused.stdout)["message"]
    assert "bad.csv:2" in message and "bad.csv:3" in message
    assert (tmp_path / "BAD-rejected.csv").read_text(encoding="utf-8").count("synthetic") == 2
    unknown = gavah(env, "victims", "show", "A:99999")
    assert unknown.returncode == 4 and "LIST:ROW" in unknown.stderr
    wrong = gavah(env, "victims", "decide", "A:2", "B:2", "maybe")
    assert wrong.returncode == 2 and "same, different, unsure" in wrong.stderr
    assert gavah(env, "estimate", "--lists", "A,Q").returncode == 4
