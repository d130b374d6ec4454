"""Issue 13, finding 8: inputs that used to end in a traceback (exit 1, "failed unexpectedly")
now end in a clear error naming the file and the problem, with the documented exit code 2, and
leave nothing behind. Run as a user runs gavah: a separate process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from security_files import footprint, row, text_cell, xlsx

from gavah.casualties import tables
from gavah.errors import InputError
from gavah.vault import Vault
from gavah.workspace import Workspace
from gavah_cli import gavah

BIG = "1" * 5_000  # Python's int() refuses more than 4,300 digits (ValueError)
DEEP = "[" * 100_000 + "]" * 100_000  # json.loads recurses (RecursionError)


def _ftm_line(properties: str, extra: str = "") -> str:
    return '{"id": "p1", "schema": "Person", "properties": ' + properties + extra + "}\n"


CASES = [
    # (command, file name, content, what the message says)
    (["victims", "import", "--list", "SYN"], "big.json", f'[{{"name": "A", "age": {BIG}}}]',
     "big.json: not a usable JSON value"),
    (["victims", "import", "--list", "SYN"], "big.jsonl", f'{{"name": "A", "age": {BIG}}}\n',
     "big.jsonl:1: not a usable JSON value"),
    (["victims", "import", "--list", "SYN"], "big.yaml", f"- name: A\n  age: {BIG}\n",
     "big.yaml: not a usable YAML value"),
    (["victims", "import", "--list", "SYN"], "deep.json", DEEP, "deep.json: nested deeper"),
    (["sanctions", "import", "--format", "ftm", "--list", "syn"], "deep.jsonl",
     _ftm_line(DEEP), "deep.jsonl:1: nested deeper than any FtM entity"),
    (["sanctions", "import", "--format", "ftm", "--list", "syn"], "big.jsonl",
     _ftm_line('{"name": ["A"]}', f', "n": {BIG}'), "big.jsonl:1: not a usable JSON value"),
    (["sanctions", "import", "--format", "ofac", "--list", "syn"], "sdn.csv",
     f'{BIG},"NAME","individual","IRAN",' + '"-0-",' * 7 + '"-0-"\n', "is not a number"),
    (["sanctions", "import", "--format", "un-xml", "--list", "syn"], "un.xml",
     '<?xml version="1.0" encoding="x-no-such-encoding"?><CONSOLIDATED_LIST/>',
     "un.xml:1: cannot read the XML in the encoding it declares"),
    (["registry", "import"], "deep.jsonl", _ftm_line(DEEP), "nested deeper than any FtM entity"),
    (["registry", "import"], "big.jsonl", _ftm_line('{"name": ["A"]}', f', "n": {BIG}'),
     "not a usable JSON value"),
]  # fmt: skip


@pytest.mark.parametrize(("command", "name", "content", "says"), CASES)
def test_hostile_values_are_clear_errors_not_tracebacks(
    vault: Vault,
    cli_env: dict[str, str],
    tmp_path: Path,
    command: list[str],
    name: str,
    content: str,
    says: str,
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    before = footprint(vault)
    run = gavah(cli_env, *command[:2], str(path), *command[2:], "--json")
    assert "failed unexpectedly" not in run.stderr, run.stderr
    assert run.returncode == 2, run.stderr
    error = json.loads(run.stdout)
    assert error["error"] == "InputError" and error["exit_code"] == 2
    assert says in error["message"], error["message"]
    assert footprint(vault) == before


def test_linking_a_list_of_five_records_works(vault: Vault, cli_env: dict[str, str],
                                              tmp_path: Path) -> None:  # fmt: skip
    """Reported in issue 13 as a traceback; fixed before this pass (the model's tiny-register
    tests in tests/victims/test_linkage_model.py), kept here end to end through the command."""
    five = tmp_path / "five.csv"
    five.write_text(
        "id,name,age,gender,date,place\n"
        "1,Synthetic Rezaei,23,male,2026-01-08,Karaj\n"
        "2,Synthetic Rezaei,23,male,2026-01-08,Karaj\n"
        "3,Synthetic Ahmadi,31,female,2026-01-09,Tehran\n"
        "4,Unknown,,,,\n"
        "5,Synthetic Karimi,17,male,,Rasht\n",
        encoding="utf-8",
    )
    imported = gavah(cli_env, "victims", "import", str(five), "--list", "FIVE")
    assert imported.returncode == 0, imported.stderr
    linked = gavah(cli_env, "victims", "link", "--json")
    assert linked.returncode == 0, linked.stderr
    assert json.loads(linked.stdout)["records"] == 5
    learn = gavah(cli_env, "victims", "link", "--weights", "learn")
    assert learn.returncode == 2 and "too few records to learn" in learn.stderr


def _patched(data: bytes, field: dict[bytes, int], value: int | None) -> bytes:
    """Every ZIP header's byte at ``field[signature]`` set to ``value`` (None: flag bit 0 set)."""
    out = bytearray(data)
    for signature, offset in field.items():
        at = out.find(signature)
        while at >= 0:
            out[at + offset] = out[at + offset] | 1 if value is None else value
            at = out.find(signature, at + 4)
    return bytes(out)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ({b"PK\x01\x02": 8, b"PK\x03\x04": 6}, None, "is encrypted"),  # flag bit 0
        ({b"PK\x01\x02": 10, b"PK\x03\x04": 8}, 99, "compression method"),  # AES, unknown
    ],
)
def test_an_encrypted_or_unknown_compression_workbook_is_a_clear_error(
    field: dict[bytes, int], value: int | None, says: str
) -> None:
    # zipfile raises RuntimeError and NotImplementedError here; both escaped the old reader.
    workbook = _patched(xlsx(row(1, text_cell("A1", "name"))), field, value)
    with pytest.raises(InputError, match=f"not a readable XLSX workbook .*{says}"):
        tables.read_table(workbook, "locked.xlsx", "xlsx")


def test_a_sheet_the_parser_chokes_on_is_a_clear_error() -> None:
    # A shared string index past the table, XML cut short, an encoding Python does not know
    # (LookupError): all escaped the old reader.
    for rows, encoding in [
        ('<row r="1"><c r="A1" t="s"><v>99</v></c></row>', "UTF-8"),
        ('<row r="1"><c r="A1"', "UTF-8"),
        ('<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>', "x-no-such"),
    ]:
        with pytest.raises(InputError, match="not a readable XLSX"):
            tables.read_table(xlsx(rows, encoding=encoding), "broken.xlsx", "xlsx")


@pytest.mark.parametrize(
    "command",
    [
        ["victims", "import", "--list", "SYN"],
        ["sanctions", "import", "--format", "ofac", "--list", "syn"],
        ["registry", "import"],
    ],
)
def test_a_path_longer_than_the_system_allows_is_a_clear_error(
    workspace: Workspace, cli_env: dict[str, str], command: list[str]
) -> None:
    run = gavah(cli_env, *command[:2], "A" * 5_000 + ".csv", *command[2:])  # ENAMETOOLONG
    assert "failed unexpectedly" not in run.stderr, run.stderr
    assert run.returncode == 2 and "cannot read" in run.stderr, run.stderr
