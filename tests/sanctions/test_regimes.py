"""Regime families of designations (gavah.sanctions.regimes), with codes as the real lists write
them."""

from __future__ import annotations

from gavah.sanctions.regimes import FAMILIES, families, family


def test_ofac_tags() -> None:
    assert family("ofac", "us", ["SDGT", "IRGC", "IFSR", "IRAN-HR"]) == "human-rights"
    assert families("ofac", "us", ["SDGT", "IRGC", "IFSR", "IRAN-HR"]) == {
        "terrorism",
        "human-rights",
        "other",
    }
    assert family("ofac", "us", ["NPWMD", "IFSR"]) == "proliferation"
    assert family("ofac", "us", ["IRAN"]) == "other"


def test_one_code_means_different_things_on_different_lists() -> None:
    assert family("un", "un", ["Iran"]) == "proliferation"  # the 1737 committee
    assert family("ofac", "us", ["IRAN"]) == "other"  # the general embargo
    assert family("un", "un", ["Al-Qaida"]) == "terrorism"


def test_eu_regulations_by_celex_and_list_names() -> None:
    assert family("eu-hr", "eu", ["EU-IRN", "32011R0359"]) == "human-rights"
    assert family("eu-np", "eu", ["EU-IRN", "32012R0267"]) == "proliferation"
    assert family("eu-mil", "eu", ["EU-IRN", "32023R1529"]) == "other"
    assert family("eu-iran-hr", "eu", []) == "human-rights"  # only the list's name says
    assert family("uk", "uk", ["GB-IRAN-NW"]) == "proliferation"
    assert family("uk", "uk", ["Iran (Human Rights)"]) == "human-rights"
    assert family("x", None, ["whatever"]) in FAMILIES
