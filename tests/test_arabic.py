"""Arabic-script names by Arabic conventions, and other scripts (gavah.text.arabic), through the
shared name comparison."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from tests.sanctions.test_names import sanctions_data

from gavah.text.arabic import looks_arabic, readings
from gavah.text.name_compare import MATCH_THRESHOLD, NameSet, compare


def score(a: str, b: str) -> float:
    return compare(NameSet.of([a]), NameSet.of([b])).score


@pytest.mark.parametrize(
    ("arabic", "latin"),
    [
        ("عثمان أحمد عثمان الغامدي", "OTHMAN AHMED OTHMAN AL-GHAMDI"),  # ث as th
        ("حسن ظاهرعويس", "HASSAN DAHIR AWEYS"),  # ظ as d
        ("شمس الدین", "SHAMSUDDIN"),  # al- before a sun letter
        ("جمال عكاشة", "DJAMEL AKKACHA"),  # French ch for ش
        ("قيس الخزعلي", "Qays al-Khazali"),
        ("ابو مهدي المهندس", "Abu Mahdi al-Muhandis"),
    ],
)
def test_arabic_names_meet_their_latin_spellings(arabic: str, latin: str) -> None:
    assert score(arabic, latin) >= MATCH_THRESHOLD


def test_persian_names_get_no_extra_reading() -> None:
    for name in ["اسماعیل احمدی مقدم", "محمدرضا نقدی", "زندان اوین", "Esmail Ahmadi-Moghaddam"]:
        assert not looks_arabic(name) or readings(name) == ()
        assert readings(name) == ()
    assert score("عثمان", "Osman") == 1.0  # the Persian reading stays


def test_other_scripts_are_transliterated() -> None:
    assert readings("Владимир Путин") == ("Vladimir Putin",)
    assert score("Владимир Путин", "PUTIN, Vladimir") >= MATCH_THRESHOLD
    assert readings("JÉRÔME KAKWAVU") == ()  # Latin with accents needs no reading


def test_un_names_in_arabic_script_against_their_own_latin_names() -> None:
    """The UN list gives each person's name in the original script and in Latin letters."""
    root = ET.parse(sanctions_data() / "un_sc_consolidated_2026-02-27.xml").getroot()
    scores = []
    for person in root.iter("INDIVIDUAL"):
        original = (person.findtext("NAME_ORIGINAL_SCRIPT") or "").strip()
        if not re.search("[\u0600-\u06ff]", original):
            continue
        parts = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
        latin = " ".join((person.findtext(p) or "").strip() for p in parts).strip()
        scores.append(score(original, latin))
    assert len(scores) > 300
    assert sum(s >= MATCH_THRESHOLD for s in scores) / len(scores) >= 0.85  # 0.76 before
