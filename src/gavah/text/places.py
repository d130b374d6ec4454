"""Iran's provinces under the names lists use for them, in Latin and Persian script.

Lists write "Sistan and Baluchestan", "Sistan-Baluchestan" or "سیستان و بلوچستان", and
"East Azerbaijan" or "آذربایجان شرقی", where no transliteration rule can see they agree. This
gazetteer gives each province one canonical name, so that linkage compares provinces and
estimates stratify by them whatever script a list used. The 31 provinces are those of the 2016
census; other places fall back to their name key.
"""

from __future__ import annotations

from functools import lru_cache

from gavah.text.names import name_key

# canonical Latin name | other Latin spellings ... ; Persian name
_TABLE = """
Tehran;تهران
Razavi Khorasan|Khorasan Razavi|Khorasan-e Razavi;خراسان رضوی
Isfahan|Esfahan;اصفهان
Fars;فارس
Khuzestan|Khouzestan;خوزستان
East Azerbaijan|East Azarbaijan|Azarbaijan-e Sharqi;آذربایجان شرقی
Mazandaran;مازندران
West Azerbaijan|West Azarbaijan|Azarbaijan-e Gharbi;آذربایجان غربی
Kerman;کرمان
Sistan and Baluchestan|Sistan-Baluchestan|Sistan and Baluchistan|Sistan Baluchestan;سیستان و بلوچستان
Alborz;البرز
Gilan|Guilan;گیلان
Kermanshah;کرمانشاه
Golestan;گلستان
Hormozgan;هرمزگان
Lorestan|Luristan;لرستان
Hamadan|Hamedan;همدان
Kurdistan|Kordestan;کردستان
Markazi;مرکزی
Qom|Ghom;قم
Qazvin|Ghazvin;قزوین
Ardabil|Ardebil;اردبیل
Bushehr|Bushire;بوشهر
Yazd;یزد
Zanjan;زنجان
Chaharmahal and Bakhtiari|Chaharmahal-Bakhtiari|Chaharmahal Bakhtiari;چهارمحال و بختیاری
North Khorasan|Khorasan Shomali|Khorasan-e Shomali;خراسان شمالی
South Khorasan|Khorasan Jonoubi|Khorasan-e Jonoubi;خراسان جنوبی
Kohgiluyeh and Boyer-Ahmad|Kohkiluyeh and Boyer-Ahmad|Kohgiluyeh and Boyer Ahmad;کهگیلویه و بویراحمد
Semnan;سمنان
Ilam;ایلام
"""

_WORDS_DROPPED = {"province", "ostan", "استان", "and", "و"}


def _rows() -> list[tuple[tuple[str, ...], str]]:
    rows = []
    for line in _TABLE.strip().splitlines():
        latin, fa = line.split(";")
        rows.append((tuple(latin.split("|")), fa))
    return rows


PROVINCES: tuple[tuple[tuple[str, ...], str], ...] = tuple(_rows())
"""Each province: its Latin spellings (canonical first) and its Persian name."""


def _key(text: str) -> str:
    words = [w for w in text.replace("-", " ").split() if w.lower() not in _WORDS_DROPPED]
    return name_key(" ".join(words)).sorted


_BY_KEY = {_key(name): latin[0] for latin, fa in PROVINCES for name in (*latin, fa)}


@lru_cache(maxsize=4096)
def province(text: str | None) -> str | None:
    """The canonical Latin name of a province written in either script, or None."""
    if not text or not text.strip():
        return None
    return _BY_KEY.get(_key(text))


def place_key(text: str | None) -> str:
    """A key to compare places: the canonical province where it is one, else the name key."""
    if not text or not text.strip():
        return ""
    return province(text) or name_key(text).sorted
