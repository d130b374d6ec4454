"""Candidates, scores, explanations and human judgements (gavah.sanctions.match).

The people here are synthetic: invented names in the shapes the lists use."""

from __future__ import annotations

from typing import Any

import pytest
from followthemoney import model
from followthemoney.proxy import EntityProxy

from gavah.sanctions import bodies, match
from gavah.text.name_compare import compare


def entity(schema: str, eid: str, **props: Any) -> EntityProxy:
    e = model.make_entity(schema)
    e.id = eid
    for prop, values in props.items():
        for v in values if isinstance(values, list) else [values]:
            e.add(prop, v)
    return e


def rec(schema: str, eid: str, source: str = "a", **props: Any) -> match.Record:
    return match.record(entity(schema, eid, **props), f"list:{source}:{eid}", source, eid)


def test_record_keeps_names_in_both_scripts_and_the_corroborating_facts() -> None:
    r = rec(
        "Person",
        "1",
        name="KARIMPOUR, Behzad",
        alias=["Behzad Karimpour", "بهزاد کریم‌پور"],
        birthDate="1971-03-02",
        passportNumber="X-123 456",
        position="Judge, Branch 15, Revolutionary Court of Tehran",
        gender="male",
    )
    assert r.kind == "person"
    # FtM's name cleaning drops the ZWNJ; the name keys read the parts as one word either way
    assert "بهزاد کریمپور" in r.names.names
    assert r.birth == {"1971-03-02"}
    assert r.identifiers == {"X123456"}
    assert "15" in r.units  # Branch 15 is not Branch 26
    assert "branch" not in r.units and "brnC" not in r.units  # generic words left out


def test_the_same_name_across_scripts_with_a_birth_date_is_a_match() -> None:
    left = rec("Person", "1", name="KARIMPOUR, Behzad", birthDate="1971")
    right = rec("Person", "2", "b", name="بهزاد کریم‌پور", birthDate="1971-03-02")
    m = match.score(left, right)
    assert m.decision == "match" and m.corroborated
    assert m.score >= match.DEFAULT_THRESHOLD
    assert any("birth year agrees: 1971" in line for line in m.explanation)


def test_an_exact_name_alone_is_only_a_candidate() -> None:
    left = rec("Person", "1", name="Behzad Karimpour")
    right = rec("Person", "2", "b", name="Behzad Karimpour")
    m = match.score(left, right)
    assert m.score >= 0.95
    assert m.decision == "candidate"
    assert m.explanation[-1].startswith("nothing beyond the name corroborates it")


def test_contradicting_facts_lower_the_score() -> None:
    base = rec("Person", "1", name="Behzad Karimpour", birthDate="1971", gender="male")
    same = match.score(base, rec("Person", "2", "b", name="Behzad Karimpour", birthDate="1971"))
    other_year = match.score(
        base, rec("Person", "3", "b", name="Behzad Karimpour", birthDate="1984")
    )
    other_gender = match.score(
        base, rec("Person", "4", "b", name="Behzad Karimpour", gender="female")
    )
    assert other_year.score < same.score - 0.2
    assert any("birth date disagrees: 1971 vs 1984" in x for x in other_year.explanation)
    assert other_gender.score < same.score - 0.2


def test_a_shared_identifier_lifts_a_spelling_variant() -> None:
    left = rec("Person", "1", name="Behzad Karimpour", passportNumber="K1234567")
    right = rec("Person", "2", "b", name="Behzad Karimpoor", passportNumber="k 1234567")
    m = match.score(left, right)
    without = match.score(
        rec("Person", "3", name="Behzad Karimpour"),
        rec("Person", "4", "b", name="Behzad Karimpoor"),
    )
    assert m.decision == "match" and without.decision == "candidate"
    assert m.score > without.score
    assert any("identifier agrees: K1234567" in x for x in m.explanation)


def test_index_finds_reordered_and_variant_spellings_but_not_other_kinds() -> None:
    people = [
        rec("Person", "12762", "ofac", name="MOGHADAM, Ismail Ahmadi"),
        rec("Person", "2", "ofac", name="Reza Tavakoli"),
        rec("Organization", "3", "ofac", name="Ahmadi Moghaddam Trading Co."),
    ]
    index = match.Index(people)
    query = rec("Person", "q", "eu", name="Esmail Ahmadi-Moghaddam")
    found = [r.id for r in index.candidates(query)]
    assert found[0] == "12762"
    assert "3" not in found  # a company is not a candidate for a person
    m = match.score(query, index.records[0])
    assert m.score >= match.DEFAULT_THRESHOLD


def test_judgements_are_transitive_and_remove_pairs_judged_different() -> None:
    a = rec("Person", "a", "x", name="Behzad Karimpour")
    b = rec("Person", "b", "y", name="Behzad Karimpour")
    c = rec("Person", "c", "z", name="Behzad Karimpoor")
    index = match.Index([b, c])
    plain = {m.right.id: m.decision for m in match.screen([a], index)}
    assert plain == {"b": "candidate", "c": "candidate"}
    judged = {
        (a.ref, b.ref) if a.ref < b.ref else (b.ref, a.ref): "same",
        (b.ref, c.ref) if b.ref < c.ref else (c.ref, b.ref): "different",
    }
    after = {m.right.id: m for m in match.screen([a], index, judgements=judged)}
    assert set(after) == {"b"}  # a = b and b != c, so a != c
    assert after["b"].decision == "match"
    assert "a reviewer judged them the same" in after["b"].explanation


def test_xref_output_has_the_documented_shape() -> None:
    left = [rec("Person", "1", "eu", name="Behzad Karimpour", birthDate="1971")]
    right = [rec("Person", "9", "ofac", name="KARIMPOUR, Behzad", birthDate="1971-03-02")]
    (m,) = list(match.xref(left, right))
    d = m.to_dict()
    assert d["left"] == {"list": "eu", "id": "1", "name": "Behzad Karimpour"}
    assert d["right"]["list"] == "ofac" and d["right"]["id"] == "9"
    assert d["decision"] == "match" and 0 <= d["score"] <= 1
    assert isinstance(d["explanation"], list) and d["explanation"]


def test_court_branches_meet_in_words_and_digits_but_not_across_numbers() -> None:
    eu = rec("LegalEntity", "1", "eu", name="1st branch of the Revolutionary Court of Shiraz")
    ofac = rec("Organization", "2", "ofac", name="BRANCH 1 OF THE SHIRAZ REVOLUTIONARY COURT")
    other = rec("Organization", "3", "ofac", name="BRANCH 2 OF THE SHIRAZ REVOLUTIONARY COURT")
    persian = rec("Organization", "4", "x", name="شعبه اول دادگاه انقلاب شیراز")
    index = match.Index([ofac, other])
    assert [r.id for r in index.candidates(eu)][:1] == ["2"]
    same, different = match.score(eu, ofac), match.score(eu, other)
    assert same.score > different.score + 0.5
    assert any("branch agrees: 1" in line for line in same.explanation)
    assert any("branch disagrees" in line for line in different.explanation)
    assert "1" in persian.body.branches and "court" in persian.body.kinds


def test_a_body_with_and_without_its_country_word_meets() -> None:
    a = rec("Organization", "1", "eu", name="Cyber Police of the Islamic Republic of Iran")
    b = rec("Organization", "2", "ofac", name="CYBER POLICE")
    assert match.Index([b]).candidates(a)
    assert match.score(a, b).explanation[0].startswith("name 1.00")


def test_known_bodies_table_joins_translations() -> None:
    a = rec("Organization", "1", "eu", name="Morality Police")
    b = rec("Organization", "2", "x", name="گشت ارشاد")
    assert match.score(a, b).explanation[0].startswith("name 1.00")
    (found,) = match.screen([a], match.Index([b, rec("Organization", "3", "x", name="Evin")]))
    assert found.right.id == "2" and found.decision == "match"


@pytest.mark.parametrize("mark", ["\u2019", "\u2018", "\u02bc", "`"])
def test_a_body_name_reads_every_apostrophe_as_the_ascii_one(mark: str) -> None:
    """Issue 14: "Iran’s Morality Police" (EU) and "IRAN'S MORALITY POLICE" (OFAC) are one name;
    the kind, the known-bodies table and the distinctive words read them alike."""
    typed, ascii_ = f"Sepah{mark}s Intelligence Organization", "SEPAH'S INTELLIGENCE ORGANIZATION"
    assert bodies.facts([typed]).kinds == bodies.facts([ascii_]).kinds == {"irgc"}
    assert bodies.same_core(
        f"Shahid Ba{mark}eri Industrial Group", "SHAHID BA'ERI INDUSTRIAL GROUP"
    )
    assert bodies.same_core(f"Shahid Ba{mark}eri Industrial Group", "Shahid Baeri Industrial Group")
    assert bodies.known_names(f"Evin{mark}s Prison") == bodies.known_names("Evin Prison") != ()
    a = rec("Organization", "1", "eu", name=typed)
    b = rec("Organization", "2", "ofac", name=ascii_)
    assert match.score(a, b).explanation[0].startswith("name 1.00")


def test_the_same_name_and_the_same_human_rights_programme_is_a_match() -> None:
    """Issue 14: the same full name on two human-rights lists, one without a birth date."""
    eu = match.record(
        entity("Person", "1", name="KHORAMABADI Abdolsamad"),
        "list:eu-hr:1",
        "eu-hr",
        "1",
        programs=("EU-IRN", "32011R0359"),
        jurisdiction="eu",
    )
    us = match.record(
        entity("Person", "2", name="KHORAMABADI, Abdolsamad", birthDate="1960-07-01"),
        "list:ofac:2",
        "ofac",
        "2",
        programs=("IRAN-HR",),
        jurisdiction="us",
    )
    m = match.score(eu, us)
    assert m.decision == "match"
    assert any("both designated under human-rights regimes" in x for x in m.explanation)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("EDBI Stock Brokerage Company", "EDBI STOCK BROKERAGE"),  # a company word on one side
        ("MACPAR Makina San Ve Tic", "MACPAR MAKINA SAN VE TIC A.S."),  # Turkish legal form
        ("Paya Parto", "PAYA PARTOV CO."),  # a transliteration's ending
        ("Kala-Electric", "KALAYE ELECTRIC COMPANY"),  # the ezafe
        ("Power Plants’ Equipment Manufacturing Company", "POWER PLANT EQUIPMENT MANUFACTURING"),
        ("Atomic Energy Organisation of Iran (AEOI)", "ATOMIC ENERGY ORGANIZATION OF IRAN"),
        (
            "Organisation of Defensive Innovation and Research (SPND)",
            "DEFENSIVE INNOVATION AND RESEARCH ORGANIZATION",
        ),
        ("Hanseatic Trade Trust & Shipping (HTTS) GmbH", "HTTS HANSEATIC TRADE TRUST & SHIPPING"),
        ("Fajr Industrial Group", "FAJR INDUSTRIES GROUP"),
        ("Shahid Satarri Industries", "SHAHID SATTARI INDUSTRIES"),  # one consonant skeleton
    ],
)
def test_bodies_names_agree_without_legal_forms_and_company_words(a: str, b: str) -> None:
    """Issue 14 (bodies' recall): legal forms, company words and acronyms set aside, the
    distinctive words agree up to a short ending, a letter or their consonant skeleton."""
    assert bodies.same_core(a, b) and bodies.same_core(b, a)
    assert not bodies.unit_of(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Bank Saderat", "Bank Sepah"),
        ("Paya Parto", "Paya Pars"),
        ("Kala Naft", "Kala Electric"),
        ("AL-HARAMAIN : KENYA BRANCH", "AL-HARAMAIN"),
        ("AL-HARAMAYN FOUNDATION (KENYA)", "AL-HARAMAYN FOUNDATION (TANZANIA)"),
        ("Shahid Bakeri Industrial Group", "Shahid Hemmat Industrial Group"),
    ],
)
def test_bodies_with_other_distinctive_words_keep_apart(a: str, b: str) -> None:
    assert not bodies.same_core(a, b)


def test_a_unit_named_after_its_parent_is_still_a_unit() -> None:
    assert bodies.unit_of("AL-HARAMAIN : KENYA BRANCH", "AL-HARAMAIN")
    assert bodies.unit_of("STEP Standart Teknik Parca San ve TIC A.S.", "STEP A.S.")


def test_a_legal_form_on_one_side_only_is_a_feature() -> None:
    assert bodies.has_legal_form("BANK SADERAT PLC") and not bodies.has_legal_form("Bank Saderat")
    assert bodies.has_legal_form("STEP A.S.") and bodies.has_legal_form("Bank Melli Iran ZAO")
    assert not bodies.has_legal_form("EDBI Stock Brokerage")  # "stock" alone is a word
    a = rec("Organization", "1", "eu", name="Bank Saderat")
    b = rec("Organization", "2", "ofac", name="BANK SADERAT PLC")
    values, _ = match.features(a, b, compare(a.names, b.names))
    assert values["legal_form_one_side"] == 1.0 and values["core_same"] == 1.0


def test_a_primary_name_given_as_the_other_entrys_alias_is_a_feature() -> None:
    a = rec("Organization", "1", "eu", name="Shiraz Central Prison")
    b = rec("Organization", "2", "ofac", name="ADEL ABAD PRISON", alias="SHIRAZ CENTRAL PRISON")
    c = rec("Organization", "3", "ofac", name="EVIN PRISON", alias="TEHRAN PRISON")
    values, _ = match.features(a, b, compare(a.names, b.names))
    assert values["primary_alias"] == 1.0 and values["primary_exact"] == 0.0
    values, _ = match.features(a, c, compare(a.names, c.names))
    assert values["primary_alias"] == 0.0


def test_a_persons_name_keeps_words_a_company_name_would_drop() -> None:
    """PAO and SAN are legal forms or company words in a body's name, names in a person's."""
    assert bodies.distinct_word_count("PAO, Yu Yi", body=False) == 3
    assert bodies.distinct_word_count("SON, Mun San", body=False) == 3
