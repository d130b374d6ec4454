"""Issue 13, findings 5 and 6: every importer bounds bytes, unpacked bytes, rows and columns
(the ``import_max_*`` settings) and refuses what exceeds them with a TooLarge that names the
setting, before the file costs memory or time; and leaves nothing behind when it does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from security_files import footprint, row, text_cell, xlsx

from gavah.casualties import tables
from gavah.casualties.register import ListInfo, Register
from gavah.errors import InputError, TooLarge
from gavah.intake.limits import ImportLimits
from gavah.registry import ftm
from gavah.registry.store import Registry
from gavah.sanctions import formats
from gavah.sanctions.store import Sanctions
from gavah.settings import Settings
from gavah.vault import Vault
from gavah.workspace import init_workspace
from work_bound import bounded_work

SMALL = ImportLimits(max_bytes=100_000, max_unpacked_bytes=1 << 20, max_rows=50, max_columns=20)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"


def refused(setting: str, read: Any, *args: Any, **kwargs: Any) -> str:
    """The message of the TooLarge ``read(*args)`` raises, checking its hint names ``setting``."""
    with pytest.raises(TooLarge) as info:
        read(*args, **kwargs)
    assert f"import_{setting}" in (info.value.hint or ""), info.value.hint
    assert f"GAVAH_IMPORT_{setting.upper()}" in (info.value.hint or "")
    return info.value.message


# --- XLSX: decompression bombs, rows by the million, cells far to the right ---------------------
def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_it_is_opened() -> None:
    bomb = xlsx(row(1, text_cell("A1", "name")) + row(2, text_cell("A2", "A" * 4_000_000)))
    assert len(bomb) < 40_000  # 4 MB of sheet in a few kilobytes
    message = refused(
        "max_unpacked_bytes", tables.read_table, bomb, "bomb.xlsx", "xlsx", limits=SMALL
    )
    assert message.startswith("bomb.xlsx unpacks to ")


def test_a_sheet_row_numbered_past_the_limit_is_refused_at_once() -> None:
    # Two rows in the file, but the second is numbered 1,048,576: openpyxl's iter_rows yields
    # every row in between, so the old reader walked a million empty rows, then imported.
    sheet = xlsx(row(1, text_cell("A1", "name")) + row(1_048_576, text_cell("A1048576", "x")))
    with bounded_work(2):
        message = refused("max_rows", tables.read_table, sheet, "far.xlsx", "xlsx")
        assert "more than 1,000,000 rows" in message


def test_rows_of_a_sheet_are_counted_as_they_stream() -> None:
    empty_rows = "".join(f'<row r="{n}"/>' for n in range(2, 200))
    sheet = xlsx(row(1, text_cell("A1", "name")) + empty_rows + row(200, text_cell("A200", "x")))
    assert "more than 50 rows" in refused(
        "max_rows", tables.read_table, sheet, "rows.xlsx", "xlsx", limits=SMALL
    )


def test_a_header_cell_far_to_the_right_is_refused_by_the_column_limit() -> None:
    sheet = xlsx(row(1, text_cell("A1", "name"), text_cell("XFD1", "far")))
    message = refused("max_columns", tables.read_table, sheet, "wide.xlsx", "xlsx")
    assert message.startswith("wide.xlsx:1 has more than 1,000 columns")


def test_a_lying_dimension_costs_nothing_and_changes_nothing() -> None:
    sheet = xlsx(
        row(1, text_cell("A1", "name")) + row(2, text_cell("A2", "Synthetic Person")),
        dimension="A1:XFD1048576",
    )
    table = tables.read_table(sheet, "dim.xlsx", "xlsx", limits=SMALL)
    assert table.columns == ("name",) and table.rows == [(2, {"name": "Synthetic Person"})]


# --- the text formats ---------------------------------------------------------------------
def _records(n: int) -> list[dict[str, str]]:
    return [{"name": f"Synthetic Person {i}"} for i in range(n)]


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        ("csv", "name\n" + "".join(f"Synthetic {i}\n" for i in range(60))),
        ("csv", "name\n" + "\n" * 60),  # blank lines cost time too
        ("json", json.dumps(_records(60))),
        ("jsonl", "".join(json.dumps(r) + "\n" for r in _records(60))),
        ("jsonl", "\n" * 60),
        ("yaml", "".join(f"- name: Synthetic {i}\n" for i in range(60))),
        ("yaml", "".join(f"---\nname: Synthetic {i}\n" for i in range(60))),
        ("blocks", "".join(f"NAME: Synthetic {i}\n---\n" for i in range(60))),
        ("blocks", "---\n" * 60),
    ],
)
def test_text_formats_count_rows(fmt: tables.Format, data: str) -> None:
    message = refused(
        "max_rows", tables.read_table, data.encode(), f"list.{fmt}", fmt, limits=SMALL
    )
    assert "more than 50 rows" in message


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        ("csv", ",".join(f"c{i}" for i in range(30)) + "\n"),
        ("json", json.dumps([{f"c{i}": "x" for i in range(30)}])),
        ("jsonl", "".join(json.dumps({f"c{i}": "x"}) + "\n" for i in range(30))),
        ("yaml", "".join(f"- c{i}: x\n" for i in range(30))),
        ("blocks", "".join(f"C{i}: x\n" for i in range(30)) + "---\n"),
    ],
)
def test_text_formats_count_columns(fmt: tables.Format, data: str) -> None:
    message = refused(
        "max_columns", tables.read_table, data.encode(), f"list.{fmt}", fmt, limits=SMALL
    )
    assert "more than 20 columns" in message


def test_a_folder_list_counts_its_files_and_their_bytes(tmp_path: Path) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for i in range(60):
        (many / f"{i:03d}.yaml").write_text(f"name: Synthetic {i}\n", encoding="utf-8")
    assert "more than 50 rows" in refused("max_rows", tables.read_folder, many, SMALL)
    big = tmp_path / "big"
    big.mkdir()
    for i in range(3):
        (big / f"{i}.yaml").write_text("name: " + "x" * 40_000 + "\n", encoding="utf-8")
    assert "is over 100,000 bytes" in refused("max_bytes", tables.read_folder, big, SMALL)


# --- sanctions lists and FtM files ---------------------------------------------------------
def test_sanctions_lists_count_their_rows(tmp_path: Path) -> None:
    ftm_file = tmp_path / "many.jsonl"
    ftm_file.write_text(
        "".join(
            json.dumps({"id": f"p{i}", "schema": "Person", "properties": {"name": ["X"]}}) + "\n"
            for i in range(60)
        ),
        encoding="utf-8",
    )
    assert "more than 50 rows" in refused("max_rows", formats.read, ftm_file, "ftm", SMALL)
    ofac = tmp_path / "sdn.csv"
    ofac.write_text(
        "".join(
            f'{i},"NAME {i}","individual","IRAN",' + '"-0-",' * 7 + '"-0-"\n' for i in range(60)
        ),
        encoding="utf-8",
    )
    assert "more than 50 rows" in refused("max_rows", formats.read, ofac, "ofac", SMALL)
    entries = "".join(
        f"<INDIVIDUAL><REFERENCE_NUMBER>IRi.{i:03d}</REFERENCE_NUMBER>"
        f"<FIRST_NAME>N{i}</FIRST_NAME></INDIVIDUAL>"
        for i in range(60)
    )
    un = tmp_path / "un.xml"
    un.write_text(f"<CONSOLIDATED_LIST><INDIVIDUALS>{entries}</INDIVIDUALS></CONSOLIDATED_LIST>")
    assert "more than 50 rows" in refused("max_rows", formats.read, un, "un-xml", SMALL)


def test_sanctions_files_over_the_byte_limit_are_refused(tmp_path: Path) -> None:
    message = refused(
        "max_bytes",
        formats.read,
        FIXTURES / "un_sc_consolidated_excerpt.xml",
        "un-xml",
        ImportLimits(1_000, 1 << 20, 50, 20),
    )
    assert "is over 1,000 bytes, the most an import reads" in message


def test_a_wide_eu_header_is_refused_by_the_column_limit(tmp_path: Path) -> None:
    header = (FIXTURES / "eu_oj_32011R0359_excerpt.csv").read_bytes().splitlines()[0]
    wide = tmp_path / "wide.csv"
    wide.write_bytes(header + b"," + b",".join(b"x%d" % i for i in range(100_000)) + b"\r\n")
    with bounded_work(2):
        message = refused("max_columns", formats.read, wide, "eu-csv")
        assert message.startswith(f"{wide}:1 has more than 1,000 columns")


def test_the_eu_duplicate_column_check_is_linear(tmp_path: Path) -> None:
    """Finding 6: 100,000 columns took over two minutes (header.count in a loop). Allowed that
    many columns, the reader now answers at once."""
    header = (FIXTURES / "eu_oj_32011R0359_excerpt.csv").read_bytes().splitlines()[0]
    wide = tmp_path / "wide.csv"
    extra = b",".join(b"x%d" % i for i in range(100_000))
    wide.write_bytes(header + b"," + extra + b",x7\r\n" + b"1,2,3\r\n")
    with bounded_work(5), pytest.raises(InputError, match=r"the column\(s\) x7 appear twice"):
        formats.read(wide, "eu-csv", ImportLimits(1 << 29, 1 << 28, 1000, 200_000))


def test_the_un_reader_numbers_repeated_fields_in_linear_time(tmp_path: Path) -> None:
    # 30,000 repeated fields of one entry: the old numbering tried "#2", "#3", ... for each.
    repeated = "".join(
        f"<LAST_DAY_UPDATED><VALUE>2016-10-{i % 28 + 1:02d}</VALUE></LAST_DAY_UPDATED>"
        for i in range(30_000)
    )
    un = tmp_path / "un.xml"
    un.write_text(
        "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>IRi.001</REFERENCE_NUMBER>"
        f"<FIRST_NAME>Synthetic</FIRST_NAME>{repeated}</INDIVIDUAL></INDIVIDUALS>"
        "</CONSOLIDATED_LIST>",
        encoding="utf-8",
    )
    with bounded_work(5):
        (entry,) = formats.read(un, "un-xml")
        assert entry.raw["LAST_DAY_UPDATED/VALUE#30000"] == "2016-10-12"


def test_one_entry_with_tens_of_thousands_of_values_is_refused_at_once(tmp_path: Path) -> None:
    """FtM adds each value of a property in time linear in those before it: 100,000 names of one
    entity took a minute and a half. Past formats.MAX_VALUES values the entry is a malformed row."""
    folder = tmp_path / "ofac"
    folder.mkdir()
    (folder / "sdn.csv").write_text(
        '7,"SYNTHETIC, Person","individual","IRAN",' + '"-0-",' * 7 + '"-0-"\n', encoding="utf-8"
    )
    (folder / "alt.csv").write_text(
        "".join(f'7,{i},"aka","ALIAS {i}",-0-\n' for i in range(60_000)), encoding="utf-8"
    )
    names = tmp_path / "names.jsonl"
    many = [f"Name {i}" for i in range(100_000)]
    names.write_text(
        json.dumps({"id": "p1", "schema": "Person", "properties": {"name": many}}) + "\n",
        encoding="utf-8",
    )
    with bounded_work(5):
        with pytest.raises(InputError, match="more than 1,000 values of alias in one entry"):
            formats.read(folder, "ofac")
        with pytest.raises(InputError, match="more than 1,000 values of name in one entity"):
            formats.read(names, "ftm")
        with pytest.raises(InputError, match="property 'name': more than 1,000 values"):
            ftm.read_lines(names.read_bytes(), "names.jsonl")


def test_the_un_reader_refuses_elements_nested_past_any_list(tmp_path: Path) -> None:
    un = tmp_path / "deep.xml"
    un.write_text("<CONSOLIDATED_LIST>" + "<A>" * 50_000 + "</A>" * 50_000 + "</CONSOLIDATED_LIST>")
    with pytest.raises(InputError, match="nested more than 32 deep"):
        formats.read(un, "un-xml")


def test_ftm_lines_are_counted_before_they_are_split() -> None:
    message = refused("max_rows", ftm.read_lines, b"\n" * 1_000_001, "blank.jsonl")
    assert "more than 1,000,000 rows" in message


# --- through the workspace: the settings apply, and a refused import leaves nothing ----------
@pytest.fixture
def limited(settings_values: dict[str, Any]) -> Iterator[Vault]:
    limits = {
        "import_max_bytes": 100_000,
        "import_max_unpacked_bytes": 1 << 20,
        "import_max_rows": 50,
        "import_max_columns": 20,
    }
    workspace = init_workspace(Settings(**settings_values, **limits))
    yield Vault(workspace)
    workspace.close()


def test_every_importer_applies_the_workspace_settings_and_leaves_nothing(
    limited: Vault, tmp_path: Path
) -> None:
    before = footprint(limited)
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(
        xlsx(row(1, text_cell("A1", "name")) + row(2, text_cell("A2", "A" * 4_000_000)))
    )
    long_csv = tmp_path / "long.csv"
    long_csv.write_text("name\n" + "".join(f"Synthetic {i}\n" for i in range(60)), encoding="utf-8")
    big_csv = tmp_path / "big.csv"
    big_csv.write_text("name\n" + "Synthetic\n" * 20_000, encoding="utf-8")
    register = Register(limited)
    for path, setting in [
        (bomb, "max_unpacked_bytes"),
        (long_csv, "max_rows"),
        (big_csv, "max_bytes"),
    ]:
        refused(setting, register.import_list, path, ListInfo("SYN"), {"name": "name"})
    sdn = tmp_path / "sdn.csv"
    sdn.write_text(
        "".join(
            f'{i},"NAME {i}","individual","IRAN",' + '"-0-",' * 7 + '"-0-"\n' for i in range(60)
        ),
        encoding="utf-8",
    )
    refused("max_rows", Sanctions(limited).import_list, sdn, "ofac", "ofac")
    entities = tmp_path / "registry.jsonl"
    entities.write_text(
        "".join(
            json.dumps({"id": f"p{i}", "schema": "Person", "properties": {"name": ["X"]}}) + "\n"
            for i in range(60)
        ),
        encoding="utf-8",
    )
    refused("max_rows", Registry(limited).import_file, entities)
    assert footprint(limited) == before
