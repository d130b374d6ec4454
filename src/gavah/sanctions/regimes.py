"""Which legal regime a designation falls under: terrorism, human rights, proliferation or other.

Each list names its programmes its own way: OFAC tags (``IRAN-HR``, ``SDGT``, ``NPWMD``), the UN
its committee (``UN_LIST_TYPE`` ``Iran``, ``Al-Qaida``), the EU the CELEX number of the
regulation (``32011R0359`` is the Iran human-rights regime), OpenSanctions' FtM exports a
programme key (``GB-IRAN-NW``) or the regulation's short title (``Iran (Human Rights)``). The
tables below map each code, read from the real lists in ``../shared/data/sanctions/`` and the
OpenSanctions programme metadata (``programs/*.yml``), to its family. The same code can mean
different things on different lists (the UN's ``Iran`` is the 1737 non-proliferation regime,
OFAC's ``IRAN`` the general Iran embargo), so the tables are per jurisdiction.

An entry listed under several programmes (OFAC's ``[SDGT] [IRGC] [IFSR] [IRAN-HR]``) belongs to
several families; :func:`family` names the first of :data:`PRECEDENCE` among them, and
:func:`families` all of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final, Literal

Family = Literal["terrorism", "human-rights", "proliferation", "other"]
FAMILIES: Final[tuple[Family, ...]] = ("terrorism", "human-rights", "proliferation", "other")
# A designation for human rights is what the gap report is most often asked about, and the rarest.
PRECEDENCE: Final[tuple[Family, ...]] = ("human-rights", "terrorism", "proliferation", "other")

_HR: Family = "human-rights"
_TERR: Family = "terrorism"
_PROL: Family = "proliferation"

# OFAC SDN programme tags (the ``programs`` column of sdn.csv). Tags not here are "other":
# country embargoes (IRAN, IRAN-EO13846, SYRIA, CUBA, ...), narcotics (SDNTK), cyber, Russia.
# IFSR (Iranian Financial Sanctions Regulations) only ever accompanies SDGT or NPWMD, which decide.
_US: Final[Mapping[str, Family]] = {
    "IRAN-HR": _HR,  # EO 13553, serious human rights abuses by the Government of Iran
    "HRIT-IR": _HR,  # EO 13606, IT used for human rights abuses, Iran
    "HRIT-SY": _HR,
    "GLOMAG": _HR,  # Global Magnitsky, EO 13818
    "MAGNIT": _HR,  # Sergei Magnitsky Act
    "UHRPA": _HR,  # Uyghur Human Rights Policy Act
    "HOSTAGES-EO14078": _HR,  # hostage-taking and wrongful detention
    "NICARAGUA-NHRAA": _HR,
    "SDGT": _TERR,  # EO 13224
    "SDT": _TERR,
    "FTO": _TERR,
    "IRGC": _TERR,  # the IRGC and its officials, designated under EO 13224 (CAATSA s.105)
    "NS-PLC": _TERR,
    "NPWMD": _PROL,  # EO 13382
    "DPRK": _PROL,
    "DPRK2": _PROL,
    "DPRK3": _PROL,
    "DPRK4": _PROL,
    "DPRK-NKSPEA": _PROL,
}
# UN Security Council committees (UN_LIST_TYPE of the consolidated XML).
_UN: Final[Mapping[str, Family]] = {
    "AL-QAIDA": _TERR,  # 1267/1989/2253 ISIL (Da'esh) and Al-Qaida
    "TALIBAN": _TERR,  # 1988
    "IRAN": _PROL,  # 1737 (2006), re-imposed by the 2025 snapback
    "DPRK": _PROL,  # 1718
    "UN-SC1737": _PROL,
}
# EU regulations by CELEX number (the eu-csv format gives programKey and celex as programmes).
_EU: Final[Mapping[str, Family]] = {
    "32011R0359": _HR,  # Iran human rights, Reg. 359/2011
    "32020R1998": _HR,  # EU global human rights regime
    "32012R0267": _PROL,  # Iran non-proliferation, Reg. 267/2012
    "32017R1509": _PROL,  # DPRK
    "32019R1716": _PROL,  # chemical weapons
    "32001R2580": _TERR,  # CP 931 terrorist list
    "32002R0881": _TERR,  # ISIL (Da'esh) and Al-Qaida
    "32016R1686": _TERR,
    "32024R0386": _TERR,  # Hamas and Palestinian Islamic Jihad
    "32023R1529": "other",  # Iran's military support to Russia and armed groups
}
# OpenSanctions programme keys and the regulations' short titles (programs/*.yml ``aliases``),
# as FtM exports of the UK, Canadian, Australian and Swiss lists carry them.
_FTM: Final[Mapping[str, Family]] = {
    "GB-IRAN": _HR,  # "Iran (Human Rights)", SI 2019/134, SI 2023/1314
    "IRAN (HUMAN RIGHTS)": _HR,
    "SI 2019/134": _HR,
    "GB-IRAN-NW": _PROL,  # "Iran (Nuclear)", SI 2019/461
    "IRAN (NUCLEAR)": _PROL,
    "SI 2019/461": _PROL,
    "UN-SC1737": _PROL,
    "GLOBAL HUMAN RIGHTS": _HR,
    "COUNTER-TERRORISM": _TERR,
    "COUNTER-TERRORISM (INTERNATIONAL)": _TERR,
    "ISIL (DA'ESH) AND AL-QAIDA": _TERR,
    "RESTRICTIVE MEASURES IN RELATION TO SERIOUS HUMAN RIGHTS VIOLATIONS IN IRAN": _HR,
    "REGULATION (EU) NO 359/2011": _HR,
    "REGULATION (EU) NO 267/2012": _PROL,
}
_BY_JURISDICTION: Final[Mapping[str, Mapping[str, Family]]] = {
    "us": _US,
    "un": _UN,
    "eu": _EU,
}
# When no table knows a code: words in the code or title that name the regime.
_WORDS: Final[tuple[tuple[re.Pattern[str], Family], ...]] = (
    (re.compile(r"HUMAN.?RIGHTS|(^|[^A-Z])HR([^A-Z]|$)|MAGNITSKY|GLOMAG", re.I), _HR),
    (
        re.compile(r"TERROR|SDGT|(^|[^A-Z])FTO([^A-Z]|$)|AL-?QAIDA|ISIL|DA'?ESH|PROSCRI", re.I),
        _TERR,
    ),
    (re.compile(r"PROLIFERATION|NUCLEAR|WMD|(^|[^A-Z])NW([^A-Z]|$)|1737|1718", re.I), _PROL),
)


def families(
    list_name: str, jurisdiction: str | None, programs: Sequence[str]
) -> frozenset[Family]:
    """Every family the designation's programmes belong to (at least one: "other")."""
    found = {f for p in programs if (f := _of_program(p, jurisdiction)) is not None}
    if not found or found == {"other"}:
        # The list's own name may say what the programmes do not ("eu-iran-hr").
        named = _by_words(list_name)
        if named is not None:
            found = {named}
    return frozenset(found or {"other"})


def family(list_name: str, jurisdiction: str | None, programs: Sequence[str]) -> str:
    """The family of one designation: "terrorism", "human-rights", "proliferation" or "other";
    for several, the first of :data:`PRECEDENCE`. ``list_name`` is the name the list was
    imported under, ``jurisdiction`` its jurisdiction ("us", "eu", "un", ... or None) and
    ``programs`` the programmes of the entry as the list names them."""
    found = families(list_name, jurisdiction, programs)
    return next(f for f in PRECEDENCE if f in found)


def _of_program(program: str, jurisdiction: str | None) -> Family | None:
    code = program.strip().upper()
    if not code:
        return None
    # Only the list's own jurisdiction's table: codes repeat across lists with other meanings.
    own = _BY_JURISDICTION.get((jurisdiction or "").lower(), {})
    for table in (own, _FTM):
        if code in table:
            return table[code]
    return _by_words(code) or "other"


def _by_words(text: str) -> Family | None:
    for pattern, fam in _WORDS:
        if pattern.search(text):
            return fam
    return None
