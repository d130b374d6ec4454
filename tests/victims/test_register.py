"""Importing victim lists: mapping, calendars, whole-or-nothing, custody events, verification.

All names here are synthetic."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from gavah.casualties.register import ListInfo, Register, parse_mapping
from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace

CSV = (
    "Full name,نام,Age,Sex,Date of death,City,Link\n"
    "Arash Karimi (synthetic),آرش کریمی,24,m,1404/10/18,Tehran,https://example.org/a\n"
    "Nazanin Rostami (synthetic),نازنین رستمی,۱۹,زن,۱۴۰۴/۱۰/۱۹,Rasht,\n"
    "\n"
    '"Karimi, Arash (synthetic)",,18-29,male,2026-01-08,Tehran,https://example.org/b; https://example.org/c\n'
)
MAP = [
    "name=Full name,name_fa=نام,age=Age,gender=Sex,date=Date of death",
    "place=City,sources=Link",
]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _count(vault: Vault, model: type[models.Base]) -> int:
    with vault.db.read() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_import_reads_fields_and_keeps_rows_as_published(vault: Vault, tmp_path: Path) -> None:
    path = _write(tmp_path, "list.csv", CSV)
    info = ListInfo("NGO-A", title="Synthetic list A", publisher="Synthetic NGO", url="https://x")
    result = Register(vault).import_list(path, info, parse_mapping(MAP))
    assert result["records"] == 3
    reg = Register(vault)
    first = reg.show("NGO-A:2")
    assert first["name_fa"] == "آرش کریمی"
    assert first["age"] == 24 and first["gender"] == "male"
    assert first["date"] == "2026-01-08" and first["date_calendar"] == "solar_hijri"
    assert first["date_original"] == "1404/10/18"
    assert first["original"]["Full name"] == "Arash Karimi (synthetic)"
    assert first["sources"] == ["https://example.org/a"]
    second = reg.show("NGO-A:3")
    assert second["age"] == 19 and second["gender"] == "female"
    assert second["date"] == "2026-01-09"
    # The blank line is not a row; row numbers stay the file's line numbers.
    third = reg.show("NGO-A:5")
    assert third["age"] is None and third["age_group"] == "18-29"
    assert third["date_calendar"] == "gregorian"
    assert third["sources"] == ["https://example.org/b", "https://example.org/c"]
    with pytest.raises(NotFound):
        reg.show("NGO-A:4")
    listed = reg.lists()
    assert [item["id"] for item in listed] == ["NGO-A"]
    assert listed[0]["publisher"] == "Synthetic NGO" and listed[0]["record_count"] == 3


def test_the_file_is_kept_in_the_vault_and_the_import_is_logged(
    vault: Vault, tmp_path: Path
) -> None:
    path = _write(tmp_path, "list.csv", CSV)
    result = Register(vault).import_list(path, ListInfo("NGO-A"), parse_mapping(MAP))
    item = vault.show(result["file"]["evidence_id"])
    assert item["sha256"] == result["file"]["sha256"]
    kinds = [event["kind"] for event in item["custody"]]
    assert kinds[:2] == ["evidence.ingested", "victims.list-imported"]
    report = verify_workspace(vault)
    assert report.ok, report.problems


def test_a_bad_row_stops_the_whole_import(vault: Vault, tmp_path: Path) -> None:
    bad = CSV + "Someone (synthetic),,abc,m,1404/13/40,Tehran,\n"
    path = _write(tmp_path, "bad.csv", bad)
    with pytest.raises(InputError) as caught:
        Register(vault).import_list(path, ListInfo("NGO-B"), parse_mapping(MAP))
    assert "bad.csv:6" in caught.value.message
    assert "nothing was imported" in caught.value.message
    assert _count(vault, models.VictimList) == 0
    assert _count(vault, models.VictimRecord) == 0
    assert _count(vault, models.CustodyEvent) == 1  # only the workspace's creation


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,a\n1,2\n", "appears twice"),
        ("name,age\nX,1,extra\n", "3 cells where the header has 2"),
        ("", "is empty"),
        ('name,age\n"unclosed,1\n', "not valid CSV"),
    ],
)
def test_malformed_csv_is_refused_with_the_line(
    vault: Vault, tmp_path: Path, text: str, expected: str
) -> None:
    path = _write(tmp_path, "m.csv", text)
    with pytest.raises(InputError, match=expected):
        Register(vault).import_list(path, ListInfo("M"))
    assert _count(vault, models.VictimRecord) == 0


def test_not_utf8_names_the_line(vault: Vault, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("name\nok\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1.csv:3: not UTF-8"):
        Register(vault).import_list(path, ListInfo("L"))


def test_mapping_errors_name_the_columns(vault: Vault, tmp_path: Path) -> None:
    path = _write(tmp_path, "list.csv", CSV)
    with pytest.raises(InputError, match="no column for --map name=Nom"):
        Register(vault).import_list(path, ListInfo("X"), parse_mapping(["name=Nom"]))
    with pytest.raises(InputError, match="unknown field 'nickname'"):
        parse_mapping(["nickname=Full name"])
    with pytest.raises(InputError, match="no column of list.csv is mapped to a name"):
        Register(vault).import_list(path, ListInfo("X"), parse_mapping(["age=Age"]))


def test_list_names_are_checked_and_never_reused(vault: Vault, tmp_path: Path) -> None:
    path = _write(tmp_path, "list.csv", CSV)
    with pytest.raises(InputError, match="not usable as a short name"):
        Register(vault).import_list(path, ListInfo("../etc"), parse_mapping(MAP))
    first = Register(vault).import_list(path, ListInfo("A"), parse_mapping(MAP))
    events = _count(vault, models.CustodyEvent)
    # The same file and mapping again: nothing changes (a re-run script is safe).
    again = Register(vault).import_list(path, ListInfo("A"), parse_mapping(MAP))
    assert again["already_imported"] and again["log_index"] == first["log_index"]
    assert _count(vault, models.CustodyEvent) == events
    assert _count(vault, models.VictimRecord) == 3
    other = _write(tmp_path, "other.csv", CSV.replace("Rasht", "Lahijan"))
    with pytest.raises(InputError, match="already in the register"):
        Register(vault).import_list(other, ListInfo("A"), parse_mapping(MAP))
    with pytest.raises(InputError, match="already in the register"):
        Register(vault).import_list(path, ListInfo("A"), parse_mapping(MAP[:1]))


def test_json_and_xlsx_lists(vault: Vault, tmp_path: Path) -> None:
    from openpyxl import Workbook

    rows = [
        {"name": "Sara Ahmadi (synthetic)", "age": 31, "date": "2026-01-09"},
        {"name": "Reza Moradi (synthetic)", "age": None, "date": "19 Dey 1404"},
    ]
    js = _write(tmp_path, "list.json", json.dumps({"victims": rows}, ensure_ascii=False))
    assert Register(vault).import_list(js, ListInfo("J"))["records"] == 2
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "date"])
    sheet.append(["Omid Shams (synthetic)", "1404/10/20"])
    sheet.append([None, None])
    sheet.append(["Leila Navabi (synthetic)", "1404/10/21"])
    book.save(tmp_path / "list.xlsx")
    result = Register(vault).import_list(tmp_path / "list.xlsx", ListInfo("X"))
    assert result["records"] == 2
    assert Register(vault).show("X:4")["date"] == "2026-01-11"
    assert Register(vault).show("J:2")["date"] == "2026-01-09"


def test_records_link_to_evidence_at_import_and_later(vault: Vault, tmp_path: Path) -> None:
    photo = tmp_path / "photo.txt"
    photo.write_text("synthetic evidence")
    from gavah.intake.ingest import ingest

    summary = ingest(vault, [os.fsencode(photo)])
    ev_id = summary.items[0]["id"]
    text = f"name,evidence\nA (synthetic),{ev_id}\nB (synthetic),\n"
    path = _write(tmp_path, "with-evidence.csv", text)
    result = Register(vault).import_list(path, ListInfo("E"))
    assert result["evidence_links"] == 1
    assert Register(vault).show("E:2")["links"][0]["target"] == ev_id
    Register(vault).attach("E:3", "incident", "incident-17")
    Register(vault).attach("E:3", "evidence", ev_id)
    kinds = [event["kind"] for event in vault.show(ev_id)["custody"]]
    assert kinds.count("victims.record-linked") == 2
    with pytest.raises(NotFound):
        Register(vault).attach("E:99", "incident", "x")
    bad = _write(tmp_path, "bad-evidence.csv", "name,evidence\nA,ev-0000000000000000\n")
    with pytest.raises(InputError, match="bad-evidence.csv:2: evidence"):
        Register(vault).import_list(bad, ListInfo("E2"))
    assert verify_workspace(vault).ok


def test_verify_finds_a_changed_record(vault: Vault, tmp_path: Path) -> None:
    path = _write(tmp_path, "list.csv", CSV)
    Register(vault).import_list(path, ListInfo("NGO-A"), parse_mapping(MAP))
    with vault.db.write() as session:
        session.execute(
            update(models.VictimRecord).where(models.VictimRecord.id == "NGO-A:2").values(age=25)
        )
    report = verify_workspace(vault, check_blobs=False)
    assert any(p.where == "victim list NGO-A" and p.field == "records" for p in report.problems)


def test_unknown_names_are_missing_not_a_shared_name(vault: Vault, tmp_path: Path) -> None:
    text = "name,name_fa,date\nunknown,نامعلوم,2026-01-08\nUnidentified,ناشناس,2026-01-08\n"
    path = _write(tmp_path, "unnamed.csv", text)
    result = Register(vault).import_list(path, ListInfo("U"))
    assert result["without_name"] == 2
    shown = Register(vault).show("U:2")
    assert shown["name"] is None and shown["name_fa"] is None
    assert shown["original"]["name"] == "unknown"  # the row as published is kept


def test_verify_finds_changed_runs_pairs_and_decisions(vault: Vault, tmp_path: Path) -> None:
    from gavah.casualties.people import People

    Register(vault).import_list(_write(tmp_path, "a.csv", CSV), ListInfo("A"), parse_mapping(MAP))
    Register(vault).import_list(_write(tmp_path, "b.csv", CSV), ListInfo("B"), parse_mapping(MAP))
    run = People(vault).run_linkage(None, seed=1)
    assert run["pairs"] > 0
    People(vault).decide("A:2", "B:2", "same", note="synthetic")
    assert verify_workspace(vault, check_blobs=False).ok
    with vault.db.write() as session:
        session.execute(update(models.LinkageRun).values(model="{}", record_count=1))
        session.execute(update(models.LinkagePair).values(levels="{}"))
        session.execute(update(models.LinkageDecision).values(actor="someone else"))
    problems = {(p.where, p.field) for p in verify_workspace(vault, check_blobs=False).problems}
    assert ("linkage run 1", "model_sha256") in problems
    assert ("linkage run 1", "records") in problems
    assert ("linkage run 1", "pairs_sha256") in problems
    assert any(w.startswith("decision A:2 / B:2") and f == "actor" for w, f in problems)


def test_a_refused_list_leaves_nothing_in_the_store(vault: Vault, tmp_path: Path) -> None:
    before = set(vault.store.addresses())
    bad = _write(tmp_path, "bad.csv", "name,age\nA (synthetic),abc\n")
    with pytest.raises(InputError):
        Register(vault).import_list(bad, ListInfo("B"))
    assert set(vault.store.addresses()) == before
    assert not verify_workspace(vault).warnings
