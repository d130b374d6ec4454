"""Importing lists as real publishers write them: YAML, folders of one file per record, text
blocks, nested values, the ways lists write ages, dates, unknowns and sources, status filters,
name parts, rejected rows, and rows kept with an unreadable date or age left empty.

Every list made here is synthetic: names and places are invented, marked "(synthetic)" where a
name is given. The last tests read the real iran-2022 lists from ../shared/data/iran-2022 (never
copied here) and check aggregate facts computed independently in the test."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]
from sqlalchemy import select

from gavah.casualties import tables
from gavah.casualties.register import (
    AgeRead,
    ListInfo,
    Register,
    RowError,
    is_missing,
    parse_mapping,
    read_age,
    record_summary,
    records_digest,
    split_sources,
)
from gavah.db import models
from gavah.errors import InputError
from gavah.text.dates import parse_date
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah.workspace import Workspace
from gavah_cli import gavah

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "data" / "iran-2022"  # ../shared/data/iran-2022 from the repo


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _records(vault: Vault, list_id: str) -> list[models.VictimRecord]:
    with vault.db.read() as session:
        found = session.execute(
            select(models.VictimRecord)
            .where(models.VictimRecord.list_id == list_id)
            .order_by(models.VictimRecord.row)
        )
        return list(found.scalars())


# --- values as lists write them -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17", AgeRead(17, 17, 17)),
        ("۱۷", AgeRead(17, 17, 17)),
        ("۱۷ ساله", AgeRead(17, 17, 17)),
        ("17 years old", AgeRead(17, 17, 17)),
        ("17 yrs", AgeRead(17, 17, 17)),
        ("About 40", AgeRead(40, 38, 42)),
        ("about 1", AgeRead(1, 0, 3)),
        ("~40", AgeRead(40, 38, 42)),
        ("حدود ۴۰", AgeRead(40, 38, 42)),
        ("40s", AgeRead(None, 40, 49, "40s")),
        ("teen", AgeRead(None, 13, 19, "teen")),
        ("Teenager", AgeRead(None, 13, 19, "Teenager")),
        ("child", AgeRead(None, 0, 17, "child")),
        ("نوجوان", AgeRead(None, 13, 19, "نوجوان")),
        ("18-29", AgeRead(None, 18, 29, "18-29")),
        ("18 to 29", AgeRead(None, 18, 29, "18to29")),
        ("16/17", AgeRead(None, 16, 17, "16/17")),
        ("22 / 23", AgeRead(None, 22, 23, "22/23")),
        ("60+", AgeRead(None, 60, 125, "60+")),
        ("over 60", AgeRead(None, 61, 125, "over 60")),
        ("under 18", AgeRead(None, 0, 17, "under 18")),
        ("Unknown", AgeRead()),
        ("Unknow n", AgeRead()),  # a PDF extraction's space
        ("N/A", AgeRead()),
        ("نامعلوم", AgeRead()),
        ("-", AgeRead()),
        ("", AgeRead()),
    ],
)
def test_ages_as_lists_write_them(text: str, expected: AgeRead) -> None:
    assert read_age(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "is not an age"),
        ("29-18", "runs backwards"),
        ("200", "not plausible"),
        ("about 130", "not plausible"),
        ("40ss", "is not an age"),
    ],
)
def test_unreadable_ages_are_row_errors(text: str, message: str) -> None:
    with pytest.raises(RowError, match=message):
        read_age(text)


@pytest.mark.parametrize(
    "text",
    ["Unknown", "unknown", "UNKNOWN", "Un known", "N/A", "n/a", "NA", "none", "-", "—", "?"]
    + ["نامعلوم", "نامشخص", "نا معلوم", "(unknown)", "dateless", "  "],
)
def test_missing_markers(text: str) -> None:
    assert is_missing(text)


@pytest.mark.parametrize("text", ["Unknownabad (synthetic)", "Tehran", "0", "Na'im"])
def test_values_are_not_missing(text: str) -> None:
    assert not is_missing(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "https://a.example/x, https://b.example/y,",
            ["https://a.example/x", "https://b.example/y"],
        ),
        ("https://a.example/x,https://b.example/y", ["https://a.example/x", "https://b.example/y"]),
        ("https://a.example/x https://b.example/y", ["https://a.example/x", "https://b.example/y"]),
        (
            "https://a.example/x;\nhttps://b.example/y.",
            ["https://a.example/x", "https://b.example/y"],
        ),
        ("(https://w.example/wiki/A_(b)),", ["https://w.example/wiki/A_(b)"]),
        ("see https://a.example/x.", ["see", "https://a.example/x"]),
        (
            "Synthetic NGO report, p. 4; https://a.example/x",
            ["Synthetic NGO report", "p. 4", "https://a.example/x"],
        ),
        ("https://a.example/x; https://a.example/x", ["https://a.example/x"]),
        ("،؛ , ;", []),
    ],
)
def test_sources_lose_stray_punctuation(text: str, expected: list[str]) -> None:
    assert split_sources(text) == expected


# --- formats ------------------------------------------------------------------------------------
BLOCKS = """================================
SYNTHETIC LIST - not real people
================================
# a comment line
SOURCE REPORTS:
   URL: https://example.org/report
NOTE: a preamble field that is not a record

================================
SECTION 1: FIRST PART
================================

NAME: Arash Karimi (synthetic)
AGE: About 30
DATE: 19-Sep-2022
LOCATION: Unknown
DETAILS: first line of details
  which continue on a second line
---
NAME: Sara Ahmadi (synthetic)
AGE: 16/17
DATE: Sep 21, 2022
LOCATION: Rasht
---

================================
END
================================
"""


def test_blocks_skip_banners_comments_and_headings() -> None:
    table = tables.read_table(BLOCKS.encode(), "list.txt", "blocks")
    assert [number for number, _ in table.rows] == [13, 20]
    first = dict(table.rows)[13]
    assert first["DETAILS"] == "first line of details\nwhich continue on a second line"
    assert "NOTE" not in table.columns and "URL" not in table.columns
    assert table.columns == ("NAME", "AGE", "DATE", "LOCATION", "DETAILS")


def test_blocks_without_separators_are_one_record_each() -> None:
    table = tables.read_table(b"NAME: A (synthetic)\nAGE: 3\n", "one.txt", "blocks")
    assert table.rows == [(1, {"NAME": "A (synthetic)", "AGE": "3"})]
    with pytest.raises(InputError, match="holds no records"):
        tables.read_table(b"just text\n", "none.txt", "blocks")


def test_txt_files_are_told_apart_by_their_content() -> None:
    assert tables.guess_format("a.txt", BLOCKS.encode()) == "blocks"
    assert tables.guess_format("a.txt", b"name,age\nA,3\n") == "csv"
    assert tables.guess_format("a.YML") == "yaml"
    with pytest.raises(InputError, match="cannot tell the format"):
        tables.guess_format("a.docx")


def test_nested_values_become_dotted_columns() -> None:
    records = [
        {
            "name": "A (synthetic)",
            "sources": [{"url": "https://a.example/1"}, {"url": "https://a.example/2"}],
            "aliases": ["A1", "A2"],
            "burial": {"place": "X (synthetic)", "date": None},
        }
    ]
    table = tables.read_table(json.dumps(records).encode(), "n.json", "json")
    row = table.rows[0][1]
    assert row["sources.url"] == "https://a.example/1; https://a.example/2"
    assert json.loads(row["sources"])[1] == {"url": "https://a.example/2"}
    assert row["aliases"] == "A1; A2"
    assert row["burial.place"] == "X (synthetic)"
    assert "burial.date" in table.columns and "burial.date" not in row


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("- name: A (synthetic)\n- name: B (synthetic)\n", 2),
        ("victims:\n  - name: A (synthetic)\n  - name: B (synthetic)\n", 2),
        ("a-1:\n  name: A (synthetic)\nb-2:\n  name: B (synthetic)\n", 2),
        ("name: A (synthetic)\nage: 3\n", 1),
        ("name: A (synthetic)\n---\nname: B (synthetic)\n", 2),
    ],
)
def test_yaml_lists_mappings_and_documents(text: str, rows: int) -> None:
    table = tables.read_table(text.encode(), "l.yaml", "yaml")
    assert len(table.rows) == rows
    assert table.rows[0][1]["name"] == "A (synthetic)"


def test_yaml_keyed_records_keep_their_key() -> None:
    table = tables.read_table(b"a-1:\n  name: A (synthetic)\n", "k.yaml", "yaml")
    assert table.rows[0][1]["_key"] == "a-1"


def test_invalid_yaml_file_names_the_line() -> None:
    with pytest.raises(InputError, match=r"bad.yaml:3: not valid YAML"):
        tables.read_table(b"- name: A\n- name: [B\n- x: 1\n", "bad.yaml", "yaml")


def test_yaml_aliases_cannot_explode() -> None:
    """Each key holds ten of the one before: 10**8 values from a few hundred bytes."""
    lines = ["- name: A (synthetic)", "  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for before, key in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"  {key}: &{key} [{', '.join(['*' + before] * 10)}]")
    with pytest.raises(InputError, match="values in one record"):
        tables.read_table("\n".join(lines).encode(), "bomb.yaml", "yaml")


# A folded text whose second line is less indented than its first: not valid YAML, as 25 files
# of the real Wikipedia folder are. The values are synthetic.
FOLDED_DEFECT = """id: a-1
name: "Arash Karimi (synthetic)"
date_of_death: 2022-09-20  # a comment
circumstances: >
    first part of the text,
  second part: less indented.
aliases: ['A. K.', "Arash K."]
sources:
  - url: "https://a.example/1"
    type: encyclopedia
  - url: "https://a.example/2"
family:
  father: null
last_updated: 2026-02-09
"""


def test_invalid_yaml_is_read_line_by_line() -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(FOLDED_DEFECT)
    record = tables.yaml_lines(FOLDED_DEFECT)
    assert record["circumstances"] == "first part of the text, second part: less indented."
    assert record["date_of_death"] == "2022-09-20"
    assert record["aliases"] == ["A. K.", "Arash K."]
    assert record["sources"] == [
        {"url": "https://a.example/1", "type": "encyclopedia"},
        {"url": "https://a.example/2"},
    ]
    assert record["family"] == {"father": None}


def test_line_by_line_reads_valid_yaml_as_yaml_does() -> None:
    valid = FOLDED_DEFECT.replace("  second part", "    second part")
    assert tables.yaml_lines(valid)["sources"] == yaml.safe_load(valid)["sources"]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "people"
    folder.mkdir()
    _write(folder, "b-person.yaml", 'name: "B (synthetic)"\nage: 31\nstatus: killed\n')
    _write(folder, "a-person.yaml", FOLDED_DEFECT.replace("a-1", "a-0") + "status: Killed\n")
    _write(folder, "c-person.json", json.dumps({"name": "C (synthetic)", "status": "arrested"}))
    _write(folder, "README.md", "not a record")
    _write(folder, ".hidden.yaml", "name: hidden")
    (folder / "sub").mkdir()
    return folder


def test_a_folder_is_one_record_per_file_in_name_order(tmp_path: Path) -> None:
    folder = tables.read_folder(_folder(tmp_path))
    rows = dict(folder.table.rows)
    assert [rows[n]["_file"] for n in (1, 2, 3)] == [
        "a-person.yaml",
        "b-person.yaml",
        "c-person.json",
    ]
    assert folder.table.read_line_by_line == ("a-person.yaml",)
    assert set(folder.ignored) == {"README.md", ".hidden.yaml", "sub"}
    names = zipfile.ZipFile(io.BytesIO(folder.packed)).namelist()
    assert names == ["a-person.yaml", "b-person.yaml", "c-person.json"]
    assert tables.read_folder(tmp_path / "people").packed == folder.packed  # same bytes again


def test_a_folder_file_that_yields_nothing_is_unreadable(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    _write(folder, "d-broken.yaml", "[unclosed\n  : :\n")
    (folder / "e-latin1.yaml").write_bytes("name: Jos\xe9\n".encode("latin-1"))
    table = tables.read_folder(folder).table
    assert [(u.row, u.file) for u in table.unreadable] == [
        (4, "d-broken.yaml"),
        (5, "e-latin1.yaml"),
    ]
    assert "not UTF-8" in table.unreadable[1].problem


# --- importing ----------------------------------------------------------------------------------
SHAPES = (
    "Name,Age,Date,City,Province,Links,Status\n"
    'A (synthetic),About 40,19-Sep-2022,Unknown,unknown,"https://a.example/1, https://a.example/2,",Killed\n'
    "B (synthetic),۱۷ ساله,19 September 2022,N/A,نامعلوم,https://b.example/1;,died\n"
    'C (synthetic),40s,"Sep 19, 2022",Rasht (synthetic),-,,killed\n'
    "D (synthetic),teenager,2022-11,Tehran,,,executed\n"
    "E (synthetic),child,2022,Unknown,,,  DIED \n"
    "F (synthetic),17 years old,۲۶ شهریور ۱۴۰۱,,,,arrested\n"
    "G (synthetic),18-29,۱۴۰۱/۰۶/۲۶,,,,\n"
)
SHAPES_MAP = [
    "name=Name,age=Age,date=Date,place=City,province=Province,sources=Links,status=Status"
]


def test_values_are_read_as_lists_write_them(vault: Vault, tmp_path: Path) -> None:
    path = _write(tmp_path, "shapes.csv", SHAPES)
    Register(vault).import_list(path, ListInfo("S"), parse_mapping(SHAPES_MAP))
    recs = {r.row: r for r in _records(vault, "S")}
    assert (recs[2].age, recs[2].age_min, recs[2].age_max) == (40, 38, 42)
    assert (recs[3].age, recs[3].age_min, recs[3].age_max) == (17, 17, 17)
    assert (recs[4].age, recs[4].age_min, recs[4].age_max, recs[4].age_group) == (
        None,
        40,
        49,
        "40s",
    )
    assert (recs[5].age_min, recs[5].age_max) == (13, 19)
    assert (recs[6].age_min, recs[6].age_max) == (0, 17)
    assert (recs[8].age_min, recs[8].age_max, recs[8].age_group) == (18, 29, "18-29")
    assert [recs[n].date for n in (2, 3, 4)] == ["2022-09-19"] * 3
    assert (recs[5].date, recs[5].date_precision) == ("2022-11-01", "month")
    assert (recs[6].date, recs[6].date_precision) == ("2022-01-01", "year")
    assert recs[7].date == recs[8].date == "2022-09-17"
    assert recs[7].date_calendar == "solar_hijri"
    # "Unknown" is never a place or a province.
    assert all(r.place is None for n, r in recs.items() if n != 4 and n != 5)
    assert all(r.province is None for r in recs.values())
    assert json.loads(recs[2].sources or "") == ["https://a.example/1", "https://a.example/2"]
    assert json.loads(recs[3].sources or "") == ["https://b.example/1"]
    assert [recs[n].status for n in (2, 6, 8)] == ["Killed", "DIED", None]
    assert json.loads(recs[2].original)["City"] == "Unknown"  # kept as published
    assert verify_workspace(vault, check_blobs=False).ok


def test_status_filter_keeps_only_those_rows(vault: Vault, tmp_path: Path) -> None:
    path = _write(tmp_path, "shapes.csv", SHAPES)
    result = Register(vault).import_list(
        path, ListInfo("K"), parse_mapping(SHAPES_MAP), statuses=["killed", " Died"]
    )
    assert result["records"] == 4 and result["left_out"] == 3
    assert [r.row for r in _records(vault, "K")] == [2, 3, 4, 6]
    listed = Register(vault).lists()[0]
    assert listed["status_filter"] == ["died", "killed"] and listed["left_out"] == 3
    assert verify_workspace(vault, check_blobs=False).ok
    again = Register(vault).import_list(
        path, ListInfo("K"), parse_mapping(SHAPES_MAP), statuses=["killed", "died"]
    )
    assert again["already_imported"]
    with pytest.raises(InputError, match="already in the register"):
        Register(vault).import_list(path, ListInfo("K"), parse_mapping(SHAPES_MAP))


def test_status_filter_needs_a_status_column(vault: Vault, tmp_path: Path) -> None:
    path = _write(tmp_path, "shapes.csv", SHAPES)
    with pytest.raises(InputError, match="--status needs the column"):
        Register(vault).import_list(
            path, ListInfo("K"), parse_mapping(["name=Name"]), statuses=["killed"]
        )
    with pytest.raises(InputError, match="left out by --status"):
        Register(vault).import_list(
            path, ListInfo("K"), parse_mapping(SHAPES_MAP), statuses=["wounded"]
        )


def test_names_are_composed_from_parts_by_script(vault: Vault, tmp_path: Path) -> None:
    text = (
        "given,family\n"
        "Arash (synthetic),Karimi\n"
        "آرش,کریمی\n"
        "Arash (synthetic),کریمی\n"
        "unknown,Karimi (synthetic)\n"
    )
    path = _write(tmp_path, "parts.csv", text)
    Register(vault).import_list(
        path, ListInfo("P"), parse_mapping(["given_name=given,family_name=family"])
    )
    recs = {r.row: r for r in _records(vault, "P")}
    assert (recs[2].name, recs[2].name_fa) == ("Arash (synthetic) Karimi", None)
    assert (recs[3].name, recs[3].name_fa) == (None, "آرش کریمی")
    assert (recs[4].name, recs[4].name_fa) == ("Arash (synthetic)", "کریمی")
    assert (recs[5].name, recs[5].given_name, recs[5].family_name) == (
        "Karimi (synthetic)",
        None,
        "Karimi (synthetic)",
    )
    assert verify_workspace(vault, check_blobs=False).ok


def test_a_mapped_name_is_not_replaced_by_parts(vault: Vault, tmp_path: Path) -> None:
    path = _write(tmp_path, "both.csv", "full,given\nA B (synthetic),A\n")
    Register(vault).import_list(path, ListInfo("N"), parse_mapping(["name=full,given_name=given"]))
    rec = _records(vault, "N")[0]
    assert (rec.name, rec.name_fa, rec.given_name) == ("A B (synthetic)", None, "A")


def _many_bad_rows(tmp_path: Path) -> Path:
    lines = ["name,age,date"]
    lines += [f"Good {i} (synthetic),{20 + i},2022-09-{10 + i}" for i in range(5)]
    lines += [f"Bad {i} (synthetic),abc,2022-09-20" for i in range(25)]
    lines += ["Late (synthetic),30,Until 22 October"]
    return _write(tmp_path, "many.csv", "\n".join(lines) + "\n")


def test_every_rejected_row_is_written_and_nothing_is_imported(
    vault: Vault, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "many-rejected.csv"
    out.parent.mkdir()
    with pytest.raises(InputError) as caught:
        Register(vault).import_list(_many_bad_rows(tmp_path), ListInfo("M"), rejected_csv=out)
    message = caught.value.message
    assert message.startswith("26 row(s) of many.csv cannot be read; nothing was imported")
    assert "many.csv:7: age 'abc'" in message and "… and 6 more" in message
    assert str(out) in message and caught.value.hint and "--skip-rejected" in caught.value.hint
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 26
    assert list(rows[0]) == ["name", "age", "date", "line", "problem"]
    assert rows[-1]["line"] == "32" and "Until 22 October" in rows[-1]["problem"]
    assert Register(vault).lists() == []


def test_skip_rejected_imports_the_rest_and_records_the_count(vault: Vault, tmp_path: Path) -> None:
    out = tmp_path / "rejected.csv"
    result = Register(vault).import_list(
        _many_bad_rows(tmp_path), ListInfo("M"), skip_rejected=True, rejected_csv=out
    )
    assert (result["records"], result["rejected"], result["rejected_file"]) == (5, 26, str(out))
    event = vault.show(result["file"]["evidence_id"])["custody"][1]
    assert event["kind"] == "victims.list-imported"
    assert Register(vault).lists()[0]["rejected"] == 26
    assert verify_workspace(vault, check_blobs=False).ok


# Dates as real lists botch them: without a year, split by a PDF extraction; "Unknown" is missing.
UNREADABLE = (
    "name,age,date\n"
    "A (synthetic),30,2022-09-20\n"
    "B (synthetic),31,Until 22 October\n"
    "C (synthetic),32,2 8-Oct-2022\n"
    "D (synthetic),33,Unknown\n"
)


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _import_entry(vault: Vault, list_id: str) -> dict[str, Any]:
    with vault.db.read() as session:
        vl = session.get(models.VictimList, list_id)
        assert vl is not None
        event = session.get(models.CustodyEvent, vl.log_index)
        assert event is not None and event.kind == "victims.list-imported"
        entry: dict[str, Any] = json.loads(event.entry)
        return entry


def test_blank_unreadable_dates_keep_the_row(vault: Vault, tmp_path: Path) -> None:
    out = tmp_path / "U-rejected.csv"
    path = _write(tmp_path, "unreadable.csv", UNREADABLE)
    result = Register(vault).import_list(
        path, ListInfo("U"), blank_unreadable=["date"], rejected_csv=out
    )
    assert (result["records"], result["rejected"]) == (4, 0)
    assert result["left_empty"] == {"date": 2} and result["rejected_file"] == str(out)
    recs = {r.row: r for r in _records(vault, "U")}
    assert recs[2].date == "2022-09-20"
    for row, text in ((3, "Until 22 October"), (4, "2 8-Oct-2022")):
        assert (recs[row].date, recs[row].date_calendar, recs[row].date_precision) == (None,) * 3
        assert recs[row].date_original == text
        assert json.loads(recs[row].original)["date"] == text
        assert recs[row].age == 28 + row  # the rest of the row is read as usual
    assert (recs[5].date, recs[5].date_original) == (None, None)  # not known: not counted
    rows = _csv_rows(out)
    assert [(r["line"], r["date"]) for r in rows] == [
        ("3", "Until 22 October"),
        ("4", "2 8-Oct-2022"),
    ]
    assert all(r["problem"].startswith("kept, date left empty: ") for r in rows)
    assert "Until 22 October" in rows[0]["problem"]
    assert _import_entry(vault, "U")["left_empty"] == {"date": 2}
    assert Register(vault).show("U:3")["date_original"] == "Until 22 October"
    assert verify_workspace(vault, check_blobs=False).ok


def test_an_import_with_nothing_left_empty_logs_no_count(vault: Vault, tmp_path: Path) -> None:
    good = _write(tmp_path, "good.csv", "name,age,date\nA (synthetic),30,2022-09-20\n")
    result = Register(vault).import_list(good, ListInfo("G"), blank_unreadable=["date", "age"])
    assert result["left_empty"] == {"date": 0, "age": 0} and result["rejected_file"] is None
    assert "left_empty" not in _import_entry(vault, "G")
    plain = Register(vault).import_list(
        _write(tmp_path, "u.csv", UNREADABLE.replace("Until 22 October", "2022-09-21")),
        ListInfo("P"),
        skip_rejected=True,
    )
    assert (plain["records"], plain["rejected"], plain["left_empty"]) == (3, 1, {})
    assert "left_empty" not in _import_entry(vault, "P")


def test_a_field_not_named_still_rejects_its_row(vault: Vault, tmp_path: Path) -> None:
    out = tmp_path / "rejected.csv"
    path = _write(tmp_path, "ages.csv", UNREADABLE + "E (synthetic),abc,Until 23 October\n")
    with pytest.raises(InputError, match=r"^1 row\(s\) of ages.csv cannot be read") as caught:
        Register(vault).import_list(
            path, ListInfo("A"), blank_unreadable=["date"], rejected_csv=out
        )
    assert "ages.csv:6: age 'abc'" in caught.value.message
    assert [(r["line"], r["problem"][:22]) for r in _csv_rows(out)] == [
        ("3", "kept, date left empty:"),
        ("4", "kept, date left empty:"),
        ("6", "age 'abc' is not an ag"),
    ]
    assert Register(vault).lists() == []
    both = Register(vault).import_list(
        path, ListInfo("A"), blank_unreadable=["age", "date"], rejected_csv=out
    )
    assert (both["records"], both["rejected"], both["left_empty"]) == (5, 0, {"date": 3, "age": 1})
    last = _records(vault, "A")[-1]
    assert (last.age, last.age_min, last.age_max, last.date, last.date_original) == (
        None,
        None,
        None,
        None,
        "Until 23 October",
    )
    assert [r["problem"].split(":")[0] for r in _csv_rows(out)][2:] == [
        "kept, date left empty",
        "kept, age left empty",
    ]
    assert _import_entry(vault, "A")["left_empty"] == {"date": 3, "age": 1}
    assert verify_workspace(vault, check_blobs=False).ok


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (["place"], "--blank-unreadable 'place': only date, age, gender can be left empty"),
        (["date", "dates"], "--blank-unreadable 'dates'"),
        (["", " "], "--blank-unreadable names no field"),
    ],
)
def test_blank_unreadable_names_only_date_age_or_gender(
    vault: Vault, tmp_path: Path, fields: list[str], message: str
) -> None:
    path = _write(tmp_path, "unreadable.csv", UNREADABLE)
    with pytest.raises(InputError, match=re.escape(message)) as caught:
        Register(vault).import_list(path, ListInfo("X"), blank_unreadable=fields)
    assert caught.value.hint
    assert Register(vault).lists() == []


def test_a_folder_imports_with_its_files_kept_as_one_zip(vault: Vault, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    mapping = parse_mapping(
        ["id=id,name=name,date=date_of_death,sources=sources.url,status=status"]
    )
    result = Register(vault).import_list(folder, ListInfo("F"), mapping)
    assert result["records"] == 3 and result["read_line_by_line"] == ["a-person.yaml"]
    assert result["ignored_files"] == 3
    first = Register(vault).show("F:1")
    assert first["original"]["_file"] == "a-person.yaml"
    assert first["sources"] == ["https://a.example/1", "https://a.example/2"]
    item = vault.show(result["file"]["evidence_id"])
    assert item["sha256"] == hashlib.sha256(tables.read_folder(folder).packed).hexdigest()
    assert Register(vault).import_list(folder, ListInfo("F"), mapping)["already_imported"]
    assert verify_workspace(vault).ok


def test_an_unreadable_folder_file_is_rejected_by_name(vault: Vault, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    _write(folder, "d-broken.yaml", "[unclosed\n")
    with pytest.raises(InputError, match=r"people/d-broken.yaml: not valid YAML"):
        Register(vault).import_list(folder, ListInfo("F"), parse_mapping(["name=name"]))
    result = Register(vault).import_list(
        folder, ListInfo("F"), parse_mapping(["name=name"]), skip_rejected=True
    )
    assert (result["records"], result["rejected"], result["unreadable"]) == (
        3,
        1,
        ["d-broken.yaml"],
    )


def test_yaml_and_blocks_files_import(vault: Vault, tmp_path: Path) -> None:
    yml = _write(tmp_path, "list.yaml", "- name: A (synthetic)\n  date: 2022-09-19\n  age: ~30\n")
    assert Register(vault).import_list(yml, ListInfo("Y"))["records"] == 1
    assert _records(vault, "Y")[0].date == "2022-09-19"
    txt = _write(tmp_path, "list.txt", BLOCKS)
    mapping = parse_mapping(["name=NAME,age=AGE,date=DATE,place=LOCATION"])
    assert Register(vault).import_list(txt, ListInfo("B"), mapping)["records"] == 2
    recs = _records(vault, "B")
    assert [r.row for r in recs] == [13, 20] and recs[0].place is None
    assert (recs[1].age_min, recs[1].age_max) == (16, 17)


def test_digests_of_records_from_before_the_new_fields_do_not_change() -> None:
    old = {"id": "L:2", "row": 2, "original": "{}", "name": "A (synthetic)"}
    new = {**old, "age_min": None, "age_max": None, "status": None}
    assert records_digest([old]) == records_digest([new])
    assert "age_min" in record_summary({**old, "age_min": 0})


# --- the command line ---------------------------------------------------------------------------
def test_cli_json_error_for_a_broken_file(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    bad = _write(tmp_path, "broken.yaml", "- name: A (synthetic)\n- name: [B\n")
    run = gavah(cli_env, "victims", "import", str(bad), "--list", "BROKEN", "--json", cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    error = json.loads(run.stdout)
    assert set(error) == {"error", "message", "hint", "exit_code"}
    assert error["error"] == "InputError" and error["exit_code"] == 2
    assert error["message"].startswith("broken.yaml:3: not valid YAML")


def test_cli_writes_rejected_rows_beside_the_user_and_can_skip_them(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = _write(tmp_path, "shapes.csv", SHAPES + "H (synthetic),abc,2022,,,,killed\n")
    args = ["victims", "import", str(path), "--list", "CLI", "--map", SHAPES_MAP[0]]
    refused = gavah(cli_env, *args, "--json", cwd=tmp_path)
    assert refused.returncode == 2
    assert "CLI-rejected.csv" in json.loads(refused.stdout)["message"]
    assert (tmp_path / "CLI-rejected.csv").is_file()
    done = gavah(
        cli_env, *args, "--skip-rejected", "--status", "killed,died", "--json", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert (result["records"], result["rejected"], result["left_out"]) == (4, 1, 3)
    shown = gavah(
        cli_env,
        "victims",
        "import",
        str(path),
        "--list",
        "CLI2",
        "--map",
        SHAPES_MAP[0],
        "--skip-rejected",
        cwd=tmp_path,
    )
    assert "1 rows could not be read" in shown.stdout + shown.stderr
    assert gavah(cli_env, "log", "verify").returncode == 0


def test_cli_blank_unreadable(
    workspace: Workspace, cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = _write(tmp_path, "unreadable.csv", UNREADABLE)
    args = ["victims", "import", str(path), "--list", "U", "--blank-unreadable", "date"]
    done = gavah(cli_env, *args, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert (result["records"], result["rejected"], result["left_empty"]) == (4, 0, {"date": 2})
    assert result["rejected_file"] == "U-rejected.csv"
    assert len(_csv_rows(tmp_path / "U-rejected.csv")) == 2
    shown = gavah(cli_env, *args[:4], "U2", *args[5:], cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert (
        "2 dates could not be read and were left empty (kept as published): see U2-rejected.csv"
        in " ".join((shown.stdout + shown.stderr).split())
    )
    wrong = gavah(cli_env, *args[:4], "U3", "--blank-unreadable", "place", "--json", cwd=tmp_path)
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert json.loads(wrong.stdout)["message"].startswith("--blank-unreadable 'place'")
    assert gavah(cli_env, "log", "verify").returncode == 0


# --- the real iran-2022 lists -------------------------------------------------------------------
def _real(name: str) -> Path:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"the real lists are not here: {path} is missing (see SOURCES.md there)")
    return path


HRANA_MAP = ["name=NAME,age=AGE,date=DATE,place=LOCATION,cause=CAUSE,circumstances=DETAILS"]
IHR_MAP = [
    "name=NAME_EN,name_fa=NAME_FA,age=AGE,date=DATE,place=LOCATION,cause=CAUSE,circumstances=DETAILS"
]
WIKI_MAP = [
    "id=id,name=name_latin,name_fa=name_farsi,age=age_at_death,gender=gender,date=date_of_death",
    "place=place_of_death,province=province,cause=cause_of_death,circumstances=circumstances",
    "status=status,sources=sources.url",
]


def _independent_blocks(path: Path) -> list[dict[str, str]]:
    """The list's records by a parse of its own: text between lines of ---, KEY: value lines."""
    chunks = re.split(r"^---$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    found = [dict(re.findall(r"^([A-Z_]+): ?(.*)$", chunk, flags=re.MULTILINE)) for chunk in chunks]
    return [block for block in found if "AGE" in block]


def _no_unknown_places(recs: list[models.VictimRecord]) -> None:
    for rec in recs:
        for value in (rec.place, rec.province):
            assert value is None or "unknown" not in value.replace(" ", "").lower()


def _import_real(vault: Vault, path: Path, name: str, mapping: list[str], tmp: Path) -> Any:
    return Register(vault).import_list(
        path, ListInfo(name), parse_mapping(mapping), skip_rejected=True, rejected_csv=tmp / "r.csv"
    )


def test_real_hrana_list(vault: Vault, tmp_path: Path) -> None:
    path = _real("wlf2022_hrana_extracted_victims.txt")
    blocks = _independent_blocks(path)
    readable = re.compile(r"\d{1,2}-[A-Z][a-z]{2}-\d{4}|[A-Z][a-z]+ \d{1,2}, \d{4}|Unknown")
    kept = [b for b in blocks if readable.fullmatch(b["DATE"].strip())]
    result = _import_real(vault, path, "HRANA", HRANA_MAP, tmp_path)
    assert len(blocks) == len(re.findall(r"^---$", path.read_text(), flags=re.MULTILINE))
    assert (result["records"], result["rejected"]) == (len(kept), len(blocks) - len(kept))
    recs = _records(vault, "HRANA")
    _no_unknown_places(recs)
    about = [b for b in kept if b["AGE"].startswith("About")]
    assert sum(1 for r in recs if r.age_min is not None and r.age_min != r.age_max) == len(about)
    unknown_places = [b for b in kept if b["LOCATION"].strip().lower() == "unknown"]
    assert sum(1 for r in recs if r.place is None) == len(unknown_places)
    assert sum(1 for r in recs if r.date is None) == sum(1 for b in kept if b["DATE"] == "Unknown")
    assert verify_workspace(vault, check_blobs=False).ok


def test_real_ihr_list(vault: Vault, tmp_path: Path) -> None:
    path = _real("wlf2022_ihr_extracted_victims.txt")
    blocks = _independent_blocks(path)
    kept = [b for b in blocks if re.search(r"\d{4}", b["DATE"]) or b["DATE"] == "dateless"]
    result = _import_real(vault, path, "IHR", IHR_MAP, tmp_path)
    assert (result["records"], result["rejected"]) == (len(kept), len(blocks) - len(kept))
    recs = _records(vault, "IHR")
    _no_unknown_places(recs)
    intervals = [b for b in kept if re.fullmatch(r"\d+ ?[-/] ?\d+", b["AGE"])]
    assert sum(1 for r in recs if r.age is None and r.age_min is not None) == len(intervals)
    months = [b for b in kept if re.fullmatch(r"\d{4}-\d{2}", b["DATE"])]
    assert sum(1 for r in recs if r.date_precision == "month") == len(months)
    with_fa = [b for b in kept if b["NAME_FA"].strip()]
    assert sum(1 for r in recs if r.name_fa) == len(with_fa)
    assert verify_workspace(vault, check_blobs=False).ok


def test_real_wikipedia_folder(vault: Vault) -> None:
    folder = _real("wlf2022_wikipedia_yaml")
    files = sorted(p.name for p in folder.glob("*.yaml"))
    invalid = []
    statuses: dict[str, int] = {}
    for name in files:
        try:
            record = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
        except yaml.YAMLError:
            invalid.append(name)
            continue
        statuses[record["status"]] = statuses.get(record["status"], 0) + 1
    result = Register(vault).import_list(folder, ListInfo("WIKI"), parse_mapping(WIKI_MAP))
    assert result["records"] == len(files) and result["rejected"] == 0
    assert result["read_line_by_line"] == invalid and result["unreadable"] == []
    recs = _records(vault, "WIKI")
    assert [json.loads(r.original)["_file"] for r in recs] == files
    _no_unknown_places(recs)
    valid = {r.status for r in recs if json.loads(r.original)["_file"] not in invalid}
    assert valid == set(statuses)
    assert all(r.sources and "://" in r.sources for r in recs)
    assert verify_workspace(vault).ok


def _reads_as_date(text: str) -> bool:
    try:
        parse_date(text)
    except InputError:
        return False
    return True


def test_real_ihr_list_with_unreadable_dates_left_empty(vault: Vault, tmp_path: Path) -> None:
    path = _real("wlf2022_ihr_extracted_victims.txt")
    blocks = _independent_blocks(path)
    unreadable = [b["DATE"] for b in blocks if not _reads_as_date(b["DATE"])]
    botched = [text for text in unreadable if text != "dateless"]  # "dateless" is not known
    out = tmp_path / "r.csv"
    result = Register(vault).import_list(
        path, ListInfo("IHR"), parse_mapping(IHR_MAP), blank_unreadable=["date"], rejected_csv=out
    )
    assert len(blocks) == 444 and botched
    assert (result["records"], result["rejected"]) == (444, 0)
    assert result["left_empty"] == {"date": len(botched)}
    recs = _records(vault, "IHR")
    assert sum(1 for r in recs if r.date is None) == len(unreadable)
    assert sorted(r.date_original for r in recs if r.date is None and r.date_original) == sorted(
        botched
    )
    assert len(_csv_rows(out)) == len(botched)
    assert _import_entry(vault, "IHR")["left_empty"] == {"date": len(botched)}
    assert verify_workspace(vault, check_blobs=False).ok
