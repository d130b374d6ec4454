"""Persian and Latin name keys, Gregorian and Solar Hijri dates: plain asserts on pure functions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
from collections.abc import Callable

import pytest

from gavah.errors import InputError
from gavah.text import names
from gavah.text.dates import (
    HIJRI_MONTHS_EN,
    HIJRI_MONTHS_FA,
    ParsedDate,
    hijri_month_name,
    parse_date,
    to_hijri,
)
from gavah.text.names import (
    HONORIFICS,
    NameKey,
    drop_possessive,
    fold_persian,
    latin_fold,
    name_key,
    name_tokens,
    skeleton,
)
from work_bound import bounded_work

ZWNJ = "\u200c"
RLO, PDF = "\u202e", "\u202c"

# --- folds --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("علي", "علی"),  # Arabic yeh
        ("مصطفى", "مصطفی"),  # alef maksura
        ("رئیسی", "رییسی"),  # yeh with hamza
        ("كريم", "کریم"),  # Arabic kaf
        ("فاطمة", "فاطمه"),  # teh marbuta
        ("أحمد إبراهيم", "احمد ابراهیم"),  # hamza on alef
        ("آرش", "ارش"),  # alef madda
        ("مؤمنی", "مومنی"),  # waw with hamza
        ("خانۀ", "خانه"),  # heh with yeh above
        ("مُحَمَّد", "محمد"),  # harakat and tashdid
        ("رحمٰن", "رحمن"),  # superscript alef
        ("محـــمد", "محمد"),  # tatweel
        (f"محمد{ZWNJ}رضا", "محمد رضا"),  # ZWNJ separates name parts
        ("محمد\u200dرضا", "محمدرضا"),  # ZWJ is only a shaping hint
        ("محمد\u00adرضا", "محمدرضا"),  # soft hyphen likewise
        ("۱۴۰۴", "1404"),  # Persian digits
        ("١٤٠٤", "1404"),  # Arabic-Indic digits
        ("ﻣﺤﻤﺪ", "محمد"),  # presentation forms, through NFKC
        ("ﷲ", "الله"),
        (f"\u200f{RLO}علی{PDF}\u2066", "علی"),  # bidi controls
        ("  علی \t  رضایی \n", "علی رضایی"),
        ("Mohammad  Reza", "Mohammad Reza"),  # Latin only loses extra whitespace
    ],
)
def test_fold_persian(raw: str, folded: str) -> None:
    assert fold_persian(raw) == folded


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("MOGHADAM, Ismail", "moghadam ismail"),
        ("Ahmadi-Moghaddam", "ahmadi moghaddam"),
        ("Es'haq", "eshaq"),
        ("O`Neil", "oneil"),
        ("ʿAlī ʾAkbar", "ali akbar"),
        ("Ḥusayn", "husayn"),
        ("Mohammad\u2019s", "mohammads"),
        ("Şirin Çelik", "shirin chelik"),
        ("S\u0327irin", "shirin"),  # decomposed cedilla
        ("Ḵosrow", "khosrow"),
        ("Ǧalal_Ǹ", "galal n"),
        (f"{RLO}Ali{PDF}", "ali"),
        ("Ali\x00\x07Reza", "ali reza"),
        ("Ali 😀 Reza", "ali reza"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("ａｌｉ", "ali"),  # full width
        ("آرش", "ارش"),  # Persian letters stay, without their marks
    ],
)
def test_latin_fold(raw: str, folded: str) -> None:
    assert latin_fold(raw) == folded


# Typographic quotes, modifier letters (ʼ ʻ ʿ ʾ), backtick, acute accent, prime, full width.
APOSTROPHES = "'\u2019\u2018\u201b\u02bc\u02bb\u02bf\u02be`\u00b4\u2032\uff07"


@pytest.mark.parametrize("mark", APOSTROPHES)
def test_every_apostrophe_folds_to_one(mark: str) -> None:
    """Sanctions lists type "Sepah's" and "Sepah’s", "Ba'eri" and "Baʼeri": one name."""
    assert fold_persian(f"Shahid Ba{mark}eri") == "Shahid Ba'eri"
    assert latin_fold(fold_persian(f"Ba{mark}eri")) == latin_fold(f"Ba{mark}eri") == "baeri"
    assert name_key(f"Shahid Ba{mark}eri") == name_key("Shahid Baeri")
    assert drop_possessive(f"Sepah{mark}s") == "Sepah"
    assert drop_possessive(f"SEPAH{mark}S") == "SEPAH"


@pytest.mark.parametrize(
    ("word", "kept"),
    [
        ("Iran\u2019s", "Iran"),
        ("IRAN'S", "IRAN"),
        ("People\u02bcs", "People"),
        ("Abbas", "Abbas"),  # no apostrophe, no possessive
        ("'s", "'s"),  # nothing before it: no word to own
        ("Ba'eri", "Ba'eri"),
    ],
)
def test_drop_possessive(word: str, kept: str) -> None:
    assert drop_possessive(word) == kept


def _random_text(rng: random.Random, alphabet: str, longest: int = 12) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(longest + 1)))


NAME_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -,.'`_\t"
    "éçşŞğıİßÆøʿʾ’"
    "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیءآأإؤئيكةىۀ"
    "ًٌٍَُِّْٰـ۰۱۲۳٠١٢"
    "\u200c\u200d\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069"
    "\u0301\u0327\ufe70\ufe79\ufcf2ﻣﺤ😀\U0001f3fd\x00\x1f"
)


def _random_unicode(rng: random.Random) -> str:
    return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(10)))


@pytest.mark.parametrize("fold", [fold_persian, latin_fold])
def test_folds_are_idempotent(fold: Callable[[str], str]) -> None:
    rng = random.Random(20260108)
    samples = [_random_text(rng, NAME_ALPHABET) for _ in range(5000)]
    samples += [_random_unicode(rng) for _ in range(20000)]
    for text in samples:
        once = fold(text)
        assert fold(once) == once, ascii(text)


def test_latin_fold_ascii_shortcut_matches_the_general_rule() -> None:
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(chr(rng.randrange(128)) for _ in range(rng.randrange(20)))
        expected = re.sub(r"[\W_]+", " ", text.lower().replace("'", "").replace("`", "")).strip()
        assert latin_fold(text) == expected, ascii(text)
        assert latin_fold(text) == latin_fold(text + "\u200e")  # the general path agrees


@pytest.mark.parametrize("fold", [fold_persian, latin_fold])
def test_folds_strip_bidi_controls(fold: Callable[[str], str]) -> None:
    for control in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert fold(f"Ali{control}Reza") == fold("AliReza")
        assert fold(f"علی{control}رضا") == fold("علیرضا")


# --- skeletons ----------------------------------------------------------------------------------

SAME_NAME = [
    ("محمد", "Mohammad", "Mohammed", "Muhammad", "Mohamad"),
    ("حسین", "Hossein", "Hussein", "Hosein"),
    ("اسماعیل", "Esmail", "Ismail", "Esmaeil"),
    ("قاسم", "Ghasem", "Qasem"),
    ("خدیجه", "Khadijeh", "Khadije"),
    ("فاطمه", "Fatemeh", "Fatima"),
    ("مقدم", "Moghaddam", "Moghadam"),
    ("داوود", "Davood", "Davud"),
    ("شهرام", "Shahram"),
    ("نیکا", "Nika"),
    ("کیان", "Kian"),
    ("زهرا", "Zahra"),
    ("رضایی", "Rezaei", "Rezaee", "Rezayi"),
    ("یزدانی", "Yazdani"),
    ("وحید", "Vahid"),
    ("صادقی", "Sadeghi", "Sadeqi"),
    ("طاهره", "Tahereh"),
    ("عباس", "Abbas"),
    ("علی", "Ali"),
    ("احمدی", "Ahmadi"),
    ("جواد", "Javad", "Djavad"),
    ("چمران", "Chamran"),
    ("امینی", "Amini"),
    ("یوسف", "Yousef", "Yusuf", "Youssef"),
    ("خسرو", "Khosrow", "Khosro", "Ḵosrow"),
    ("ممتاز", "Momtaz", "Mumtaz"),
    ("عبدالله", "Abdollah", "Abdullah"),
    ("فتحی", "Fathi"),
    ("ژینا", "Zhina", "Žina"),
    ("روح\u200cالله", "Ruhollah", "Rouhollah"),
    ("مُحَمَّد", "ﻣﺤﻤﺪ", "MOHAMMAD", "Muḥammad"),
]


@pytest.mark.parametrize("spellings", SAME_NAME, ids=lambda s: s[1])
def test_spellings_of_one_name_share_a_skeleton(spellings: tuple[str, ...]) -> None:
    skeletons = {spelling: skeleton(spelling) for spelling in spellings}
    assert len(set(skeletons.values())) == 1, skeletons
    assert skeletons[spellings[0]]


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("Mohammad", "mhmd"),
        ("Hossein", "hsn"),
        ("Fatemeh", "ftm"),
        ("Davood", "d"),
        ("Shahram", "Shrm"),
        ("Chamran", "Cmrn"),
        ("Khadijeh", "xdj"),
        ("Vahid", "vhd"),
        ("Yazdani", "yzdny"),
        ("Pavel", "pl"),  # v after the start is dropped
        ("Wahid", "vhd"),
        ("Ahu", "h"),  # a lone h stays
        ("Scholz", "sClz"),  # "sch" is s + ch
        ("Kutcher", "kCr"),  # tch before ch
        ("Philip", "flp"),
        ("Xerxes", "xrxs"),  # x is the kh class
        ("Victim 11", "vktm11"),  # digits kept, not collapsed
        ("Иван", "иван"),  # other scripts kept as written
        ("", ""),
        ("'", ""),
    ],
)
def test_skeleton_values(token: str, expected: str) -> None:
    assert skeleton(token) == expected


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Ali", "Reza"),
        ("Zahra", "Sara"),
        ("Kian", "Nika"),
        ("کیان", "نیکا"),
        ("Maryam", "Mohammad"),
        ("Fatemeh", "Fereshteh"),
        ("Shirin", "Sirin"),
        ("Chamran", "Kamran"),
        ("Ghasem", "Kazem"),
        ("Khosrow", "Hosrow"),
        ("Vahid", "Hamid"),
        ("Yazdani", "Azdani"),
        ("Hossein", "Mohsen"),
    ],
)
def test_different_names_have_different_skeletons(one: str, other: str) -> None:
    assert skeleton(one) != skeleton(other)


# Pinned so that a change of rules shows here and in the module docstring, which lists them.
KNOWN_COLLISIONS = [
    ("hsn", ("Hassan", "Hossein", "Ehsan", "حسن", "حسین")),
    ("mhmd", ("Mohammad", "Mahmoud", "محمود")),
    ("hmd", ("Hamid", "Ahmad", "Hamed")),
    ("l", ("Leila", "Laleh", "Ela")),
    ("mn", ("Amin", "Iman", "Mina")),
    ("zhr", ("Zahra", "Zohreh", "Zahir")),
    ("frd", ("Farid", "Farideh")),
    ("smr", ("Samir", "Samira")),
    ("thr", ("Taher", "Tahereh")),
]
KNOWN_MISSES = [
    (("Eshagh", "Sq"), ("اسحاق", "shq")),
    (("Azhar", "jr"), ("ازهر", "zhr")),
    (("Othman", "thmn"), ("عثمان", "smn")),
    (("Alex", "lx"), ("الکس", "lks")),
    (("Chamenei", "Cmny"), (f"خامنه{ZWNJ}ای", "xmny")),
    (("Ruh Allah", "rl"), (f"روح{ZWNJ}الله", "rhl")),
]


@pytest.mark.parametrize(("expected", "spellings"), KNOWN_COLLISIONS)
def test_known_collisions_are_as_documented(expected: str, spellings: tuple[str, ...]) -> None:
    assert {skeleton(s) for s in spellings} == {expected}
    doc = names.__doc__ or ""
    assert f"({expected})" in doc
    assert all(s in doc for s in spellings if s.isascii())


@pytest.mark.parametrize(("latin", "persian"), KNOWN_MISSES)
def test_known_misses_are_as_documented(latin: tuple[str, str], persian: tuple[str, str]) -> None:
    assert skeleton(latin[0]) == latin[1]
    assert skeleton(persian[0]) == persian[1]
    doc = names.__doc__ or ""
    assert f"{latin[0]} gives {latin[1]}" in doc
    assert f"{persian[0]} gives {persian[1]}" in doc


def _rules_table() -> list[tuple[str, str, str]]:
    """The rows of the skeleton table in the module docstring: (class, Persian, Latin)."""
    lines = (names.__doc__ or "").splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("=====")]
    assert len(rules) == 3
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[rules[1] + 1 : rules[2]]]
    assert all(len(row) == 3 for row in rows)
    return [(row[0], row[1], row[2]) for row in rows]


def test_rules_table_in_the_docstring_is_what_the_code_does() -> None:
    rows = _rules_table()
    assert len(rows) == 22
    for cls, persian, latin in rows:
        letters = [c for c in persian if "\u0600" <= c <= "\u06ff"]
        spellings = [
            spelling
            for piece in re.sub(r"\(.*?\)", "", latin).split(",")
            for spelling in piece.replace("at the start of a word", "")
            .replace("elsewhere", "")
            .split()
        ]
        assert letters and spellings, cls
        # Surround the letter with two other consonants, so nothing collapses or drops off.
        fa, lat = (("ن", "م"), "nm") if cls not in "nm" else (("ب", "پ"), "bp")
        if "start" in persian:
            assert all(skeleton(c + "".join(fa)) == cls + lat for c in letters), cls
            assert all(skeleton(s + lat) == cls + lat for s in spellings), cls
        else:
            inner = lat[0] + ("" if cls == "—" else cls) + lat[1]
            assert all(skeleton(fa[0] + c + fa[1]) == inner for c in letters), cls
            assert all(skeleton(lat[0] + s + lat[1]) == inner for s in spellings), cls


VOWELS = set("aeiouyvw")


def test_skeleton_has_no_vowels_except_an_initial_v_or_y() -> None:
    rng = random.Random(1404)
    latin = "abcdefghijklmnopqrstuvwxyz"
    persian = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیءآأإؤئيكةى"
    for alphabet in (latin, persian):
        for _ in range(5000):
            token = _random_text(rng, alphabet, 10)
            result = skeleton(token)
            # A final y marks a final -i (ی), a suffix or part of the name.
            assert not VOWELS & set(result[1:].removesuffix("y")), (token, result)
            assert not result or result[0] in "vy" or result[0] not in VOWELS, (token, result)
            assert not re.search(r"([a-zA-Z])\1", result), (token, result)  # runs collapsed
            assert len(result) < 2 or not result.endswith("h"), (token, result)


# --- tokens and keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("MOGHADAM, Ismail Ahmadi", ["ismail", "ahmadi", "moghadam"]),
        ("HOSSEINI، محمد", ["محمد", "hosseini"]),
        ("Esmail Ahmadi-Moghaddam", ["esmail", "ahmadi", "moghaddam"]),
        (f"محمد{ZWNJ}رضا", ["محمد", "رضا"]),  # tokens; name_key reads them as one word
        ("محمدرضا", ["محمدرضا"]),
        ("Seyyed Ali Khamenei", ["ali", "khamenei"]),
        (f"سید علی خامنه{ZWNJ}ای", ["علی", "خامنه", "ای"]),
        ("Haj Agha Mirza Hossein", ["mirza", "hossein"]),
        ("Mir Hossein Mousavi", ["mir", "hossein", "mousavi"]),
        ("Dr. Fatemeh Sadat Hosseini", ["fatemeh", "hosseini"]),
        ("دکتر فاطمه سادات حسینی", ["فاطمه", "حسینی"]),
        ("آقای حاجی رضایی", ["رضایی"]),
        ("Jamal al-Din", ["jamal", "din"]),
        ("Hosseinzadeh", ["hosseinzadeh"]),
        ("Ali-zadeh", ["ali", "zadeh"]),
        ("Alipour", ["alipour"]),
        (f"روح{ZWNJ}الله", ["روح", "الله"]),
        ("الهام", ["الهام"]),
        ("محمدReza", ["محمد", "reza"]),
        ("  ", []),
        ("", []),
        (None, []),
    ],
)
def test_name_tokens(name: str | None, tokens: list[str]) -> None:
    assert name_tokens(name) == tokens


def test_honorifics_are_folded_and_exclude_name_parts() -> None:
    assert {"seyyed", "سید", "اقا", "haj", "al", "ال", "dr", "دکتر"} <= HONORIFICS
    assert not {"mirza", "mir", "ali"} & HONORIFICS
    assert all(h == latin_fold(fold_persian(h)) for h in HONORIFICS)


def test_reordered_and_hyphenated_names_share_the_sorted_key() -> None:
    keys = [
        name_key(n)
        for n in ("Esmail Ahmadi-Moghaddam", "MOGHADAM, Ismail Ahmadi", "اسماعیل احمدی مقدم")
    ]
    assert {k.sorted for k in keys} == {"hmdy mqdm sml"}
    assert keys[0].tokens == ("sml", "hmdy", "mqdm")
    assert (keys[0].first, keys[0].last) == ("sml", "mqdm")
    # "SURNAME, Given" is read as "Given SURNAME": the order-keeping keys agree too.
    assert (keys[1].first, keys[1].last) == ("sml", "mqdm")
    assert keys[1].compact == keys[0].compact


@pytest.mark.parametrize(
    "spellings",
    [
        (
            "Mohammadreza Rezaei",
            "Mohammad Reza Rezaei",
            "Mohammad-Reza Rezaei",
            "محمدرضا رضایی",
            f"محمد{ZWNJ}رضا رضایی",
            "محمد رضا رضایی",
        ),
        ("Ruhollah", f"روح{ZWNJ}الله", "روح الله", "روح‌اللّه"),  # a Persian ح is kept
        ("Ruhollah Zam", f"روح{ZWNJ}الله زم", "Rouhollah Zam"),
        ("Fatemeh Zahra", "Fateme Zahra", "Fatima Zahra", "Fatemeh-Zahra", f"فاطمه{ZWNJ}زهرا"),
        ("Fatemeh Rezaei", "Fateme Rezaei", "فاطمه رضایی", "فاطمة رضائي"),  # silent h at a seam
        ("Abdollah", "Abd-Allah", "عبدالله", "عبد الله"),
        ("Abdollatif", "Abdol-Latif", "Abdul Latif", "عبداللطیف"),  # one l across the seam
        ("Mohammad Vahid", "Mohammadvahid", "محمد وحید"),
        ("Abbas Hosseini", "عباس حسینی"),  # no "sh" across the space
    ],
    ids=lambda s: s[0],
)
def test_joined_and_split_spellings_share_the_compact_key(spellings: tuple[str, ...]) -> None:
    compacts = {s: name_key(s).compact for s in spellings}
    assert len(set(compacts.values())) == 1, compacts
    assert compacts[spellings[0]]


def test_compact_keeps_written_order() -> None:
    assert name_key("Ali Reza").compact == "lrz"
    assert name_key("Reza Ali").compact == "rzly"
    assert name_key("Ali Reza").sorted == name_key("Reza Ali").sorted == "ly rz"


@pytest.mark.parametrize(
    "name", ["", "   ", None, "Seyyed", "سید حاج", "😀", "-,.", "\u202e", "aeiou", 12.5, b"Ali"]
)
def test_names_without_letters_give_the_empty_key(name: object) -> None:
    key = name_key(name)  # type: ignore[arg-type]
    assert key == NameKey(tokens=(), sorted="", compact="", first="", last="")


def test_name_key_is_a_frozen_value() -> None:
    key = name_key("Ali Rezaei")
    with pytest.raises(dataclasses.FrozenInstanceError):
        key.first = "x"  # type: ignore[misc]
    assert key == name_key("علی رضایی") and hash(key) == hash(name_key("علی رضایی"))


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 100_000,
        "Mohammad " * 11_000,
        "محمد" * 25_000,
        "محمد" * 25_000 + "é",  # a long Persian run that the fast path rejects at its end
        "علی " * 25_000 + "😀",
        "Mohammad " * 11_000 + "é",
        f"{RLO}" * 100_000,
        "😀" * 100_000,
        "\x00\x01\x7f" * 33_000,
        "\u0301" * 100_000,
        "ـ" * 100_000,
        "".join(map(chr, range(0x20, 0x3000))),
    ],
    ids=lambda s: f"{len(s)} chars of {s[0]!a}",
)
def test_hostile_names_do_not_crash(hostile: str) -> None:
    with bounded_work(2):  # linear time: no regex backtracking blow-up
        key = name_key(hostile)
    assert isinstance(key, NameKey)
    assert key.sorted == " ".join(sorted(key.tokens))


def test_bidi_overrides_do_not_change_the_key() -> None:
    assert name_key(f"{RLO}Mohammad Rezaei{PDF}") == name_key("Mohammad Rezaei")
    assert name_key("\u2067محمد\u2069 \u200fرضایی") == name_key("محمد رضایی")


def test_name_key_never_raises_and_is_stable_on_random_unicode() -> None:
    rng = random.Random(8)
    samples = [_random_text(rng, NAME_ALPHABET, 20) for _ in range(5000)]
    samples += [_random_unicode(rng) for _ in range(20000)]
    for text in samples:
        key = name_key(text)
        tokens = name_tokens(text)
        # Folding is done once: the tokens read back give the same whole-name key; words
        # (parts joined by a ZWNJ read as one) are sorted into the order-free key.
        assert name_key(" ".join(tokens)).compact == key.compact, ascii(text)
        assert key.sorted == " ".join(sorted(key.tokens)), ascii(text)
        if not any(c in text for c in "\u200c\u200d"):
            spaced = tuple(s for s in map(skeleton, tokens) if s)
            assert len(key.tokens) <= len(spaced), ascii(text)
        assert key.sorted == " ".join(sorted(key.tokens))
        assert (key.first, key.last) == (
            (key.tokens[0], key.tokens[-1]) if key.tokens else ("", "")
        )


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso", "calendar", "precision"),
    [
        ("2026-01-08", "2026-01-08", "gregorian", "day"),
        ("2026/01/08", "2026-01-08", "gregorian", "day"),
        ("2026.1.8", "2026-01-08", "gregorian", "day"),
        ("1404/10/18", "2026-01-08", "solar_hijri", "day"),
        ("1404-10-18", "2026-01-08", "solar_hijri", "day"),
        ("۱۴۰۴/۱۰/۱۸", "2026-01-08", "solar_hijri", "day"),
        ("١٤٠٤/١٠/١٨", "2026-01-08", "solar_hijri", "day"),
        ("\u200f۱۴۰۴/۱۰/۱۸\u200f", "2026-01-08", "solar_hijri", "day"),
        ("18 Dey 1404", "2026-01-08", "solar_hijri", "day"),
        ("18 dei 1404", "2026-01-08", "solar_hijri", "day"),
        ("۱۸ دی ۱۴۰۴", "2026-01-08", "solar_hijri", "day"),
        ("۱۸ دي ۱۴۰۴", "2026-01-08", "solar_hijri", "day"),  # Arabic yeh
        (f"۱۸ دی{ZWNJ}ماه ۱۴۰۴", "2026-01-08", "solar_hijri", "day"),
        ("Dey 1404", "2025-12-22", "solar_hijri", "month"),
        ("1404/10", "2025-12-22", "solar_hijri", "month"),
        ("1404", "2025-03-21", "solar_hijri", "year"),
        ("۱۴۰۴", "2025-03-21", "solar_hijri", "year"),
        ("1 Farvardin 1404", "2025-03-21", "solar_hijri", "day"),
        ("1403/12/30", "2025-03-20", "solar_hijri", "day"),  # 1403 is a leap year
        ("1401/06/25", "2022-09-16", "solar_hijri", "day"),  # Mahsa Amini's death
        ("25 Shahrivar 1401", "2022-09-16", "solar_hijri", "day"),
        ("۲۵ شهریور ۱۴۰۱", "2022-09-16", "solar_hijri", "day"),
        ("8 January 2026", "2026-01-08", "gregorian", "day"),
        ("January 8, 2026", "2026-01-08", "gregorian", "day"),
        ("8 Jan. 2026", "2026-01-08", "gregorian", "day"),
        ("January 2026", "2026-01-01", "gregorian", "month"),
        ("2026-01", "2026-01-01", "gregorian", "month"),
        ("2026", "2026-01-01", "gregorian", "year"),
        ("16 September 2022", "2022-09-16", "gregorian", "day"),
        ("۲۶ سپتامبر ۲۰۲۲", "2022-09-26", "gregorian", "day"),
        ("Mordad 1401", "2022-07-23", "solar_hijri", "month"),
        ("Amordad 1401", "2022-07-23", "solar_hijri", "month"),
        ("  2026-01-08 ", "2026-01-08", "gregorian", "day"),
        # As published lists write them.
        ("19-Sep-2022", "2022-09-19", "gregorian", "day"),
        ("19 September 2022", "2022-09-19", "gregorian", "day"),
        ("Sep 19, 2022", "2022-09-19", "gregorian", "day"),
        ("Sept. 19, 2022", "2022-09-19", "gregorian", "day"),
        ("September 19th, 2022", "2022-09-19", "gregorian", "day"),
        ("1st Oct 2022", "2022-10-01", "gregorian", "day"),
        ("19/Sep/2022", "2022-09-19", "gregorian", "day"),
        ("Nov-2022", "2022-11-01", "gregorian", "month"),
        ("2022-11", "2022-11-01", "gregorian", "month"),
        ("2022", "2022-01-01", "gregorian", "year"),
        ("25-Shahrivar-1401", "2022-09-16", "solar_hijri", "day"),
        ("۲۵ شهریورماه ۱۴۰۱", "2022-09-16", "solar_hijri", "day"),
        ("۲۵ شهریور سال ۱۴۰۱", "2022-09-16", "solar_hijri", "day"),
        ("۲۵ام شهریور ۱۴۰۱", "2022-09-16", "solar_hijri", "day"),
        (f"۲۶ اردی{ZWNJ}بهشت ۱۴۰۱", "2022-05-16", "solar_hijri", "day"),
        ("۱۴۰۱/۰۶", "2022-08-23", "solar_hijri", "month"),
        ("شهریور ۱۴۰۱", "2022-08-23", "solar_hijri", "month"),
        ("26 Shahriwar 1401", "2022-09-17", "solar_hijri", "day"),
        ("1 Isfand 1401", "2023-02-20", "solar_hijri", "day"),
    ],
)
def test_parse_date(text: str, iso: str, calendar: str, precision: str) -> None:
    assert parse_date(text) == ParsedDate(
        iso=iso,
        original=text,
        calendar=calendar,  # type: ignore[arg-type]
        precision=precision,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("month", range(1, 13))
def test_every_hijri_month_name_parses(month: int) -> None:
    for name in (HIJRI_MONTHS_EN[month - 1], HIJRI_MONTHS_FA[month - 1]):
        parsed = parse_date(f"1 {name} 1404")
        assert parsed.calendar == "solar_hijri"
        assert to_hijri(parsed.iso) == f"1404/{month:02d}/01"
    assert hijri_month_name(month, "en") == HIJRI_MONTHS_EN[month - 1]
    assert hijri_month_name(month, "fa") == HIJRI_MONTHS_FA[month - 1]


def test_month_names_are_right() -> None:
    assert hijri_month_name(1, "fa") == "فروردین"
    assert hijri_month_name(10, "en") == "Dey"
    assert hijri_month_name(12, "fa") == "اسفند"


def test_explicit_calendar_overrides_the_year_rule() -> None:
    assert parse_date("1404-10-18", "gregorian").iso == "1404-10-18"
    assert parse_date("1404-10-18", "solar_hijri").iso == "2026-01-08"
    assert parse_date("1100/01/01", "solar_hijri").iso == "1721-03-21"
    assert parse_date("Dey 1100", "solar_hijri").calendar == "solar_hijri"


@pytest.mark.parametrize(
    ("year", "leap"),
    [(1395, True), (1399, True), (1403, True), (1400, False), (1402, False), (1404, False)],
)
def test_esfand_30_only_in_leap_years(year: int, leap: bool) -> None:
    if leap:
        last = dt.date.fromisoformat(parse_date(f"30 Esfand {year}").iso)
        assert (last + dt.timedelta(days=1)).isoformat() == parse_date(f"{year + 1}/01/01").iso
    else:
        with pytest.raises(InputError, match=f"Esfand {year} has no day 30"):
            parse_date(f"{year}/12/30")


def test_hijri_and_gregorian_round_trip_every_day() -> None:
    day = dt.date(1921, 3, 21)  # 1300/01/01
    while day < dt.date(2031, 3, 21):  # 1410/01/01
        hijri = to_hijri(day.isoformat())
        assert parse_date(hijri).iso == day.isoformat(), hijri
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "calendar", "message"),
    [
        ("", "auto", "empty"),
        ("   ", "auto", "empty"),
        ("garbage", "auto", "'garbage'"),
        ("1404/13/01", "auto", "month 13 in '1404/13/01'"),
        ("1404/00/01", "auto", "month 0"),
        ("2026-02-30", "auto", "February 2026 has no day 30"),
        ("1404/10/00", "auto", "Dey 1404 has no day 0"),
        ("1404/07/31", "auto", "Mehr 1404 has no day 31"),
        ("30 Esfand 1404", "auto", "Esfand 1404 has no day 30"),
        ("9" * 30, "auto", "'999"),
        ("99999/01/01", "auto", "99999"),
        ("x" * 10_000, "auto", "10000 characters"),
        ("1404/10/18" * 1000, "auto", "characters"),
        ("1500", "auto", "year 1500"),
        ("1799/01/01", "auto", "year 1799"),
        ("2200-01-01", "auto", "year 2200"),
        ("0000-01-01", "auto", "year 0"),
        ("0000-01-01", "gregorian", "'0000-01-01'"),
        ("9999/01/01", "solar_hijri", "year 9999"),
        ("Dey 2026", "auto", "year 2026"),
        ("January 1404", "auto", "year 1404"),
        ("Dey 1404", "gregorian", "Solar Hijri month"),
        ("January 2026", "solar_hijri", "Gregorian month"),
        ("18/10/1404", "auto", "'18/10/1404'"),
        ("1404/10-18", "auto", "'1404/10-18'"),
        ("18 Dey", "auto", "'18 Dey'"),
        ("18 Deyy 1404", "auto", "'18 Deyy 1404'"),
        ("2 8-Oct-2022", "auto", "'2 8-Oct-2022'"),  # a PDF extraction's space: not guessed
        ("Until 22 October", "auto", "'Until 22 October'"),  # no year
        ("19-Sep", "auto", "'19-Sep'"),
        ("32-Sep-2022", "auto", "September 2022 has no day 32"),
        ("19thh September 2022", "auto", "'19thh September 2022'"),
        ("1404/10/18 12:00", "auto", "'1404/10/18 12:00'"),
        ("۱۴۰۴/۱۰/۱۸/۱", "auto", "'۱۴۰۴/۱۰/۱۸/۱'"),
        ("१४०४/१०/१८", "auto", "'१४०४/१०/१८'"),  # Devanagari digits are not accepted
        ("2026-01-08", "jalali", "unknown calendar 'jalali'"),
        ("2026-01-08", ["auto"], "unknown calendar ['auto']"),
    ],
)
def test_bad_dates_raise_input_error_naming_the_value(
    text: str, calendar: object, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(text, calendar)  # type: ignore[arg-type]
    assert message in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize("value", [None, 20260108, b"2026-01-08", ["2026"]])
def test_non_text_dates_raise_input_error(value: object) -> None:
    with pytest.raises(InputError, match="must be text"):
        parse_date(value)  # type: ignore[arg-type]


def test_unreadable_dates_say_what_is_accepted() -> None:
    with pytest.raises(InputError) as caught:
        parse_date("yesterday")
    assert "1404/10/18" in caught.value.message and "18 Dey 1404" in caught.value.message
    assert caught.value.hint and "January 2026" in caught.value.hint


def test_parse_date_raises_only_input_error_on_random_text() -> None:
    rng = random.Random(1401)
    alphabet = "0123456789۰۱۲۳۴۵۶۷۸۹٠١٢-/., :abcdefjnorsuyDJ"
    words = ["Dey", "دی", "Esfand", "January", "Feb", "ماه", "1404", "2026", "30", "31", "0"]
    samples = [_random_text(rng, alphabet, 14) for _ in range(20000)]
    samples += [" ".join(rng.choices(words, k=rng.randrange(5))) for _ in range(5000)]
    samples += [_random_unicode(rng) for _ in range(5000)]
    parsed = 0
    for text in samples:
        try:
            result = parse_date(text)
        except InputError:
            continue
        parsed += 1
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", result.iso)
        assert dt.date.fromisoformat(result.iso)
    assert parsed > 100  # the generator does produce valid dates, so both paths are exercised


@pytest.mark.parametrize(
    ("iso", "hijri"),
    [
        ("2026-01-08", "1404/10/18"),
        ("2025-03-21", "1404/01/01"),
        ("2025-03-20", "1403/12/30"),
        ("2022-09-16", "1401/06/25"),
        ("1979-02-11", "1357/11/22"),  # the revolution's victory day, 22 Bahman
    ],
)
def test_to_hijri(iso: str, hijri: str) -> None:
    assert to_hijri(iso) == hijri


@pytest.mark.parametrize(
    ("iso", "message"),
    [
        ("2026-02-30", "not a Gregorian date"),
        ("20260108", "not an ISO date"),
        ("2026-1-8", "not an ISO date"),
        ("0001-01-01", "before the Solar Hijri"),
        ("", "not an ISO date"),
        (None, "not an ISO date"),
    ],
)
def test_to_hijri_rejects_what_is_not_an_iso_date(iso: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        to_hijri(iso)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("month", "lang"),
    [(0, "fa"), (13, "en"), (True, "en"), ("1", "en"), (1, "de"), (1, ""), (1, ["fa"])],
)
def test_hijri_month_name_rejects_bad_arguments(month: object, lang: object) -> None:
    with pytest.raises(InputError):
        hijri_month_name(month, lang)  # type: ignore[arg-type]


def test_parts_joined_by_zwnj_are_one_word_as_in_latin_spellings() -> None:
    assert name_key(f"محمد{ZWNJ}علی غفاری").tokens == name_key("Mohammadali Ghaffari").tokens
    assert name_key(f"محمد مرتضی{ZWNJ}زاده").sorted == name_key("Mohammad Mortezazadeh").sorted
    assert name_key(f"کیان محمود{ZWNJ}نژاد").sorted == name_key("Kian Mahmoudnejad").sorted
    # Written with a space, the parts stay apart; the whole-name key still agrees.
    assert name_key("محمد علی غفاری").compact == name_key("Mohammadali Ghaffari").compact


def test_a_final_i_is_kept_so_surnames_differ_from_given_names() -> None:
    assert skeleton("Mohammadi") == skeleton("محمدی") == "mhmdy"
    assert skeleton("Mohammad") == "mhmd" != skeleton("Mohammadi")
    assert skeleton("Hosseini") == skeleton("حسینی") != skeleton("Hossein")
    assert {skeleton(s) for s in ("Rezaei", "Rezaee", "Rezayi", "Rezaie", "رضایی")} == {"rzy"}
    assert skeleton("Ali") == skeleton("Aly") == skeleton("علی") == "ly"
    # An alef maqsura reads "a": Morteza, Mostafa, Mojtaba, Musa.
    for latin, persian in (("Morteza", "مرتضی"), ("Mostafa", "مصطفی"), ("Mojtaba", "مجتبی")):
        assert skeleton(latin) == skeleton(persian)
    # Inside a compound it is no suffix: Alireza, Ali Reza, علی‌رضا, علیرضا.
    assert (
        len({name_key(n).compact for n in ("Alireza", "Ali Reza", "علی\u200cرضا", "علیرضا")}) == 1
    )
