"""The sanctions-list readers on excerpts of the real lists (tests/fixtures/sanctions, see its
SOURCES.md), on malformed files built here, and on the full lists in the shared data folder."""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import pytest

from gavah.errors import InputError
from gavah.sanctions.formats import FORMATS, Entry, _name_variants, read, source_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
OFAC = FIXTURES / "ofac"
UN = FIXTURES / "un_sc_consolidated_excerpt.xml"
EU = FIXTURES / "eu_oj_32011R0359_excerpt.csv"
FTM = FIXTURES / "ftm_synthetic.jsonl"


def by_source(entries: list[Entry]) -> dict[str, Entry]:
    return {entry.source_id: entry for entry in entries}


def refused(path: Path, fmt: str) -> str:
    """The message of the InputError reading ``path`` raises."""
    with pytest.raises(InputError) as info:
        read(path, fmt)
    return info.value.message


def shared_sanctions() -> Path:
    """The real lists: ../shared/data/sanctions beside the checkout, or beside (or inside) the
    folder $GAVAH_SHARED_DATA names, which tests/mse/mse_data.py takes to be data/mse."""
    env = os.environ.get("GAVAH_SHARED_DATA")
    roots = (
        [Path(env), Path(env).parent]
        if env
        else [Path(__file__).resolve().parents[3] / "shared" / "data"]
    )
    for root in roots:
        if (root / "sanctions").is_dir():
            return root / "sanctions"
    pytest.skip(f"shared sanctions data not found under {', '.join(map(str, roots))}")


# --- OFAC ---------------------------------------------------------------------------------------


def test_ofac_excerpt_reads_every_row_with_alt_names(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        entries = read(OFAC, "ofac")
    assert len(entries) == 34
    assert "skipped 3 rows whose ent_num is not in sdn.csv" in caplog.text  # ent 17016
    moghadam = by_source(entries)["12762"]
    assert moghadam.line == 13
    assert moghadam.entity.id == "ofac-12762"
    assert moghadam.entity.schema.name == "Person"
    assert moghadam.entity.get("name") == ["MOGHADAM, Ismail Ahmadi"]
    assert moghadam.programs == ("SYRIA", "IRAN-HR", "IRAN-TRA")
    assert moghadam.listed_on is None  # OFAC's CSV has no designation dates
    assert moghadam.entity.get("alias") == [
        "MOGHADDAM, Ismail Ahmadi",
        "MOGHADDAM, Esameel Ahmadi",
        "AHMADI-MOGHADDAM, Esma'il",
        "AHMADI-MOQADDAM, Esma'il",
        "AHMADI MOGHADDAM, Esma'il",
        "AHMADI MOGHADAM, Ismail",
        "AHMADI-MOGHADDAM, Esmail",
    ]
    assert moghadam.entity.get("birthDate") == ["1961"]
    assert moghadam.entity.get("birthPlace") == ["Tehran, Iran"]
    assert moghadam.entity.get("position") == ["Head of Iranian Police"]
    assert moghadam.raw["SDN_Type"] == "individual"
    assert (
        moghadam.raw["alt.csv:21"]
        == '["12762", "13932", "aka", "MOGHADDAM, Ismail Ahmadi", "-0- "]'
    )


def test_ofac_remarks_dates_documents_and_weak_aliases() -> None:
    entries = by_source(read(OFAC, "ofac"))
    naqdi = entries[
        "12057"
    ].entity  # DOB 1951 to 1953; alt. DOB 1960 to 1962; alt. DOB Apr 1961; ...
    assert naqdi.get("birthDate") == ["1951", "1952", "1953", "1960", "1961", "1962", "1961-04"]
    assert naqdi.get("birthPlace") == ["Najaf, Iraq", "Tehran, Iran"]
    assert (naqdi.get("nationality"), naqdi.get("gender")) == (["ir"], ["male"])
    assert entries["15962"].entity.get("birthDate") == [
        "1961",
        "1962",
    ]  # 01 Jan 1961 to 31 Dec 1962
    assert entries["15962"].entity.get("passportNumber") == ["U14624657"]
    assert entries["11748"].entity.get("birthDate") == [
        "1979",
        "1980",
        "1981",
        "1982",
    ]  # circa 1979-1982
    assert entries["16539"].entity.get("birthDate") == ["1955-12"]
    assert entries["10479"].entity.get("citizenship") == ["ir"]
    assert entries["28922"].entity.get("idNumber") == ["11817387375", "1817387375"]
    assert entries["41197"].entity.get("incorporationDate") == ["2003-12-17"]
    assert entries["3754"].entity.get("weakAlias") == ["ABU-'UMAR"]
    assert entries["12111"].entity.get("weakAlias") == ["MOIS", "VEVAK"]
    assert "Linked To: IRANIAN MINISTRY OF INTELLIGENCE AND SECURITY" in entries[
        "29802"
    ].entity.get("notes")


def test_ofac_schemata_vessels_and_aircraft() -> None:
    entries = by_source(read(OFAC, "ofac"))
    assert entries["24586"].entity.schema.name == "LegalEntity"  # EVIN PRISON
    assert entries["24586"].programs == ("IRAN-HR",)
    tanker = entries["15036"].entity
    assert tanker.schema.name == "Vessel"
    assert tanker.get("flag") == ["ir"]
    assert tanker.get("imoNumber") == ["IMO 9187629"]
    assert tanker.get("previousName") == ["ALPHA", "ABADAN", "SHONA"]  # Remarks, then alt.csv
    plane = entries["15613"].entity
    assert plane.schema.name == "Airplane"
    assert (plane.get("model"), plane.get("buildDate")) == (["An-26B"], ["1981"])


def test_ofac_source_files_from_folder_or_sdn_file(tmp_path: Path) -> None:
    assert source_files(OFAC, "ofac") == [OFAC / "sdn.csv", OFAC / "alt.csv"]
    assert source_files(OFAC / "sdn.csv", "ofac") == [OFAC / "sdn.csv", OFAC / "alt.csv"]
    with pytest.raises(InputError, match="holds no sdn.csv"):
        source_files(tmp_path, "ofac")


def test_ofac_add_csv_adds_addresses(tmp_path: Path) -> None:
    shutil.copy(OFAC / "sdn.csv", tmp_path / "SDN.CSV")  # OFAC's own spelling
    # Synthetic rows in OFAC's add.csv layout; ent 99999999 is not in sdn.csv and is skipped.
    (tmp_path / "ADD.CSV").write_text(
        '24586,1,-0- ,"Tehran","Iran",-0- \r\n99999999,2,-0- ,-0- ,"Iran",-0- \r\n'
    )
    assert [f.name for f in source_files(tmp_path, "ofac")] == ["SDN.CSV", "ADD.CSV"]
    evin = by_source(read(tmp_path, "ofac"))["24586"]
    assert evin.entity.get("address") == ["Tehran, Iran"]
    assert evin.entity.get("country") == ["ir"]
    assert "ADD.CSV:1" in evin.raw


# --- UN -----------------------------------------------------------------------------------------


def test_un_excerpt() -> None:
    entries = read(UN, "un-xml")
    assert len(entries) == 20
    assert sum(e.entity.schema.name == "Person" for e in entries) == 12
    assert sum(e.entity.schema.name == "Organization" for e in entries) == 8
    abbasi = by_source(entries)["IRi.001"]
    assert (abbasi.line, abbasi.entity.id) == (86, "un-iri.001")
    assert abbasi.listed_on == "2007-03-24"
    assert abbasi.programs == ("Iran",)
    assert abbasi.entity.get("name") == ["FEREIDOUN ABBASI-DAVANI"]
    assert abbasi.entity.get("birthDate") == ["1958", "1959"]
    assert abbasi.entity.get("birthCountry") == ["ir"]
    assert abbasi.raw["REFERENCE_NUMBER"] == "IRi.001"


def test_un_aliases_dates_documents() -> None:
    entries = by_source(read(UN, "un-xml"))
    soleimani = entries["IRi.039"].entity
    assert soleimani.get("alias")[:2] == ["Qasim Soleimani", "Qasem Sulaimani"]  # one "Good" alias
    assert soleimani.get("weakAlias") == ["Haj Qasem", "Haji Qassem", "Sardar Soleimani"]  # "Low"
    assert soleimani.get("passportNumber") == ["008827"]
    assert soleimani.get("position") == ["Brigadier General", "Commander of Qods force"]
    akhund = entries["TAi.002"].entity
    assert akhund.get("alias") == ["محمد حسن آخوند"]  # NAME_ORIGINAL_SCRIPT, as written
    assert akhund.get("title") == ["Mullah", "Haji"]
    assert akhund.get("birthDate") == [*map(str, range(1955, 1959)), *map(str, range(1945, 1951))]
    assert entries["CDi.004"].entity.get("birthDate") == ["1973-11"]  # only a NOTE "Nov. 1973"
    assert "Date of birth: 24/06/1402 (Hijri Calendar)" in entries["QDi.291"].entity.get("notes")
    assert entries["TAe.014"].listed_on == "2015-03-27"  # written 2015-03-27-04:00
    assert entries["IRe.017"].entity.get("previousName") == ["Instrumentation Factory Plant"]
    assert entries["IRe.020"].entity.get("alias") == ["Faater Institute"]


# --- EU -----------------------------------------------------------------------------------------


def test_eu_excerpt() -> None:
    entries = read(EU, "eu-csv")
    assert len(entries) == 26
    first = entries[0]
    assert (first.source_id, first.line, first.entity.id) == ("I.A-1", 2, "eu-32011r0359-i.a-1")
    assert first.raw["recordId"] == "1"
    assert first.listed_on == "2011-04-12"  # startDate 12.4.2011
    assert first.programs == ("EU-IRN", "32011R0359")
    assert first.entity.get("name") == ["AHMADI-MOQADDAM Esmail"]
    # The EU numbers each annex from 1: the Cyber Police is entity 1 of annex I.B.
    cyber = by_source(entries)["I.B-1"]
    assert cyber.raw["recordId"] == "1"
    assert cyber.entity.schema.name == "LegalEntity"
    assert cyber.entity.get("name") == ["Cyber Police"]


def test_eu_persian_aliases_and_name_variants() -> None:
    entries = by_source(read(EU, "eu-csv"))
    shahvarpour = entries["I.A-94"]
    assert shahvarpour.raw["recordId"] == "94"
    assert shahvarpour.listed_on == "2021-04-12"
    assert shahvarpour.entity.get("alias") == ["حسن شاهوارپور"]
    assert entries["I.A-3"].entity.get("name") == ["ARAGHI (ERAGHI) Abdollah"]
    assert entries["I.A-3"].entity.get("alias") == ["ARAGHI Abdollah", "ERAGHI Abdollah"]
    assert entries["I.A-31"].entity.get("alias") == ["SEDAQAT Farajollah", "Sedaghat Farajollah"]


def test_eu_free_text_dates() -> None:
    entries = by_source(read(EU, "eu-csv"))
    assert entries["I.A-9"].entity.get("birthDate") == ["1952"]  # Circa 1952
    assert entries["I.A-48"].entity.get("birthDate") == ["1959", "1960"]  # 1959/1960
    assert entries["I.A-65"].entity.get("birthDate") == ["1960", "1961-08"]  # 1960 or August 1961
    assert entries["I.A-66"].entity.get("birthDate") == ["1946-09-08"]
    assert entries["I.A-88"].entity.get("birthDate") == ["1964", "1965"]  # beside Hijri 1343
    yekta = entries["I.A-275"].entity  # "27.11.1967; Qom, Iran": a place in the date column
    assert yekta.get("birthDate") == ["1967-11-27"]
    assert "birthDate: 27.11.1967; Qom, Iran" in yekta.get("notes")
    assert entries["I.B-38"].entity.get("incorporationDate") == ["2012-06-30"]  # June 30, 2012


def test_name_variants() -> None:
    assert _name_variants("Fater (or Faater) Institute") == ["Fater Institute", "Faater Institute"]
    assert _name_variants("Milad JAFARI (Milad JAFERI)") == ["Milad JAFARI", "Milad JAFERI"]
    assert _name_variants("Islamic Republic of Iran Broadcasting (IRIB)") == [
        "Islamic Republic of Iran Broadcasting"
    ]
    assert _name_variants("KARIMI Farzin") == []


# --- FtM ----------------------------------------------------------------------------------------


def test_ftm_synthetic() -> None:
    entries = read(FTM, "ftm")
    assert [e.source_id for e in entries] == ["test-person-1", "test-org-1", "test-company-1"]
    person, org, company = entries
    assert person.line == 1
    assert person.entity.id == "test-person-1"
    assert person.programs == ("Example human-rights regime", "GB-IRAN", "Example Sanctions Office")
    assert person.listed_on == "2022-10-10"  # the earlier of listingDate and startDate
    assert person.raw["sanctions"] == '["test-sanction-1"]'
    assert (org.programs, org.listed_on) == (("CA-SEMA",), "2023-01")
    assert (company.programs, company.listed_on) == (("AU-IRAN",), None)  # topic "sanction"


def test_ftm_without_sanctions_lists_people_and_organisations(tmp_path: Path) -> None:
    path = tmp_path / "plain.jsonl"
    path.write_text(
        '{"id": "p-1", "schema": "Person", "properties": {"name": ["Fictional Person"]}}\n'
        '{"id": "a-1", "schema": "Address", "properties": {"full": ["1 Example Street"]}}\n'
        '{"id": "o-1", "schema": "Organization", "properties": {"name": ["Fictional Org"]}}\n'
    )
    assert [(e.source_id, e.line, e.programs) for e in read(path, "ftm")] == [
        ("p-1", 1, ()),
        ("o-1", 3, ()),
    ]


# --- malformed files ----------------------------------------------------------------------------

SDN_ROWS = (OFAC / "sdn.csv").read_bytes().splitlines(keepends=True)


def ofac_folder(tmp_path: Path, sdn: bytes, alt: bytes | None = None) -> Path:
    (tmp_path / "sdn.csv").write_bytes(sdn)
    if alt is not None:
        (tmp_path / "alt.csv").write_bytes(alt)
    return tmp_path


def test_truncated_and_short_rows(tmp_path: Path) -> None:
    short = b'12762,"MOGHADAM, Ismail Ahmadi","individual","SYRIA] [IRAN-HR"\r\n'
    cut = b'12763,"LAW ENFORCEMENT FORCES","-0- ","SYRIA] [IRAN'
    folder = ofac_folder(tmp_path, b"".join(SDN_ROWS[:2]) + short + b"".join(SDN_ROWS[2:4]) + cut)
    message = refused(folder, "ofac")
    assert f"{folder / 'sdn.csv'}:3: 4 fields where OFAC's sdn.csv has 12" in message
    assert f"{folder / 'sdn.csv'}:6: not valid CSV" in message


def test_bad_dates(tmp_path: Path) -> None:
    eu = tmp_path / "eu.csv"
    eu.write_bytes(
        EU.read_bytes().replace(
            b"32011R0359,2,EU-IRN,I.A,Asset freeze,12.4.2011",
            b"32011R0359,2,EU-IRN,I.A,Asset freeze,31.2.2011",
        )
    )
    assert f"{eu}:3: '31.2.2011' is not a real date" in refused(eu, "eu-csv")
    sdn = SDN_ROWS[12].replace(b"DOB 1961;", b"DOB 31 Feb 1961;")  # ent 12762
    folder = ofac_folder(tmp_path, sdn)
    assert f"{folder / 'sdn.csv'}:1: Remarks 'DOB 31 Feb 1961'" in refused(folder, "ofac")


def test_non_numeric_ent_num(tmp_path: Path) -> None:
    alt = b'12762,13932,"aka","MOGHADDAM, Ismail Ahmadi",-0- \r\nX12762,13933,"aka","X",-0- \r\n'
    folder = ofac_folder(tmp_path, b"".join(SDN_ROWS), alt)
    assert f"{folder / 'alt.csv'}:2: ent_num 'X12762' is not a number" in refused(folder, "ofac")


def test_duplicate_ids(tmp_path: Path) -> None:
    folder = ofac_folder(tmp_path, b"".join(SDN_ROWS[:3]) + SDN_ROWS[1])
    assert f"{folder / 'sdn.csv'}:4: '6925' is listed twice (first on line 2)" in refused(
        folder, "ofac"
    )
    eu_lines = EU.read_bytes().splitlines(keepends=True)
    eu = tmp_path / "eu.csv"
    eu.write_bytes(b"".join(eu_lines[:3]) + eu_lines[1])
    assert f"{eu}:4: 'I.A-1' is listed twice (first on line 2)" in refused(eu, "eu-csv")
    un_lines = UN.read_bytes().splitlines(keepends=True)
    un = tmp_path / "un.xml"
    closing = b"  </INDIVIDUALS>\n</CONSOLIDATED_LIST>\n"
    un.write_bytes(b"".join(un_lines[:85] + un_lines[3:41]) + closing)  # CDi.001 twice
    assert f"{un}:86: 'CDi.001' is listed twice (first on line 4)" in refused(un, "un-xml")
    ftm = tmp_path / "twice.jsonl"
    ftm.write_text(FTM.read_text().splitlines()[0] + "\n" + FTM.read_text().splitlines()[0] + "\n")
    assert f"{ftm}:2: id 'test-person-1' appears twice (first on line 1)" in refused(ftm, "ftm")


def test_billion_laughs_is_refused_not_expanded(tmp_path: Path) -> None:
    path = tmp_path / "laughs.xml"
    lol = "".join(f'  <!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n  <!ENTITY lol0 "lol">\n'
        f"{lol}]>\n<CONSOLIDATED_LIST>&lol9;</CONSOLIDATED_LIST>\n"
    )
    message = refused(path, "un-xml")
    assert message.startswith(f"{path}:2: refused")


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_bytes(b"".join(UN.read_bytes().splitlines(keepends=True)[:50]))
    assert refused(path, "un-xml").startswith(f"{path}:51: not well-formed XML")


def test_invalid_json_and_unknown_property(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = FTM.read_text().splitlines()
    path.write_text(
        "\n".join(
            [
                good[0],
                good[1],
                '{"id": "x-1", "schema": "Person", "properties": {',
                '{"id": "x-2", "schema": "Person", "properties": {"favouriteColour": ["blue"]}}',
                '{"id": "x-3", "schema": "Spaceship", "properties": {}}',
                '{"id": "x-4", "schema": "Person", "properties": {"birthDate": ["yesterday"]}}',
            ]
        )
    )
    message = refused(path, "ftm")
    assert f"{path}:3: not valid JSON" in message
    assert f"{path}:4: unknown property 'favouriteColour' for schema Person" in message
    assert f"{path}:5: unknown schema 'Spaceship'" in message
    assert f"{path}:6: birthDate: 'yesterday' is not a valid date" in message


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(b"\r\n")
    assert refused(path, fmt) == f"{path} is empty"


@pytest.mark.parametrize(
    ("fmt", "source"), [("ofac", OFAC / "sdn.csv"), ("eu-csv", EU), ("un-xml", UN), ("ftm", FTM)]
)
def test_utf16_is_refused(tmp_path: Path, fmt: str, source: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(source.read_bytes().decode("utf-8").encode("utf-16"))
    assert refused(path, fmt).startswith(f"{path}:1: UTF-16 text")


def test_binary_and_latin1_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "list.xml"
    binary.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\n\x00\x01")
    assert refused(binary, "un-xml").startswith(f"{binary}:1: a NUL byte")
    latin1 = tmp_path / "eu.csv"
    latin1.write_bytes(EU.read_bytes().splitlines(keepends=True)[0] + "1,é".encode("latin-1"))
    assert refused(latin1, "eu-csv").startswith(f"{latin1}:2: not UTF-8 text")


def test_many_problems_are_reported_together(tmp_path: Path) -> None:
    rows = b"".join(b'%d,"NAME","individual"\r\n' % n for n in range(1, 26))
    folder = ofac_folder(tmp_path, rows)
    lines = refused(folder, "ofac").splitlines()
    assert lines[0] == "25 malformed row(s); nothing was read:"
    assert lines[1] == f"{folder / 'sdn.csv'}:1: 3 fields where OFAC's sdn.csv has 12"
    assert len(lines) == 22
    assert lines[-1] == "and 5 more"


def test_eu_header_and_field_counts(tmp_path: Path) -> None:
    header, row = EU.read_bytes().splitlines(keepends=True)[:2]
    no_record = tmp_path / "no_record.csv"
    no_record.write_bytes(header.replace(b"recordId,", b"record,") + row)
    assert refused(no_record, "eu-csv").startswith(
        f"{no_record}:1: the header lacks the column(s) recordId"
    )
    short = tmp_path / "short.csv"
    short.write_bytes(header + b"32011R0359,1,EU-IRN\r\n")
    assert f"{short}:2: 3 fields where the header has 45" in refused(short, "eu-csv")


def test_oversized_inputs_are_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as f:  # sparse: no disk is used, but the size is over the limit
        f.truncate(600 * 2**20)
    assert "huge.xml is over 512 MiB, the most an import reads" in refused(huge, "un-xml")
    long_line = tmp_path / "long.jsonl"
    long_line.write_bytes(b'{"id": "' + b"x" * (5 * 2**20) + b'"}\n')
    assert refused(long_line, "ftm").startswith(f"{long_line}:1: a line longer than")
    long_field = tmp_path / "long.csv"
    long_field.write_bytes(b'1,"' + b"x" * (5 * 2**20) + b'"\r\n')
    assert "a field longer than" in refused(long_field, "eu-csv")


def test_unknown_format_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read(EU, "csv")
    assert (
        info.value.message
        == "unknown sanctions list format 'csv' (known: ofac, un-xml, eu-csv, ftm)"
    )
    with pytest.raises(InputError, match="does not exist"):
        read(tmp_path / "missing.xml", "un-xml")


# --- the full lists -----------------------------------------------------------------------------


def test_full_real_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = shared_sanctions()
    (tmp_path / "sdn.csv").symlink_to(data / "ofac_sdn_2024-05-03.csv")
    (tmp_path / "alt.csv").symlink_to(data / "ofac_alt_2025-12-24.csv")
    lists = [
        (tmp_path, "ofac", 14_965),
        (data / "un_sc_consolidated_2026-02-27.xml", "un-xml", 730 + 273),
        (data / "eu_oj_32011R0359_iran_human_rights.csv", "eu-csv", 321),
        (data / "eu_oj_32012R0267_iran_nonproliferation.csv", "eu-csv", 339),
        (data / "eu_oj_32023R1529_iran_military_support.csv", "eu-csv", 49),
    ]
    timings = []
    for path, fmt, count in lists:
        start = time.perf_counter()
        entries = read(path, fmt)
        seconds = time.perf_counter() - start
        name = "sdn.csv + alt.csv" if fmt == "ofac" else path.name
        timings.append(f"{fmt} {name}: {len(entries)} entries in {seconds:.2f} s")
        assert len(entries) == count
        if fmt == "un-xml":
            persons = sum(e.entity.schema.name == "Person" for e in entries)
            assert (persons, len(entries) - persons) == (730, 273)
            assert sum(e.source_id.startswith("IR") for e in entries) == 121
        if fmt == "ofac":
            assert sum("IRAN-HR" in e.programs for e in entries) == 200
            assert len(by_source(entries)["12762"].entity.get("alias")) == 7
    with capsys.disabled():
        print("\n" + "\n".join(timings))
