"""Other readings of names written in Arabic script by Arabic conventions, and in other scripts.

:mod:`gavah.text.names` reads Arabic script as Persian speakers do: ث, س and ص are one "s";
ذ, ز, ض and ظ one "z". That is right for Persian names (عثمان is Osman in Iran), and it makes
Persian precise. But the militia and Hezbollah commanders of the UN and OFAC lists are Arabic
names, and their Latin spellings follow Arabic conventions: ث is "th" (Othman, Harith), ذ, ض
and ظ are "dh" or "d" (Fadhil, Dahir), ش is "ch" in French spellings (Akkacha), and the article
al- takes the sound of a "sun letter" after it (شمس الدين is Shamsuddin, عبد الرحمن is
Abdurrahman). On the UN's 327 people with an Arabic-script name, the Persian reading alone
gives the name score 0.80 or more to 76% of them against their own Latin names.

:func:`readings` gives the extra readings of one name: for a name that looks Arabic rather
than Persian (Arabic letter forms ي ك ة ى, or the article ال, and none of the Persian letters
پ چ ژ گ), the name rewritten with Persian letters whose skeleton is the Latin convention's
(ث → ته, "th"; ض → د, "d"); and for a name in another script (Cyrillic, Greek, Hebrew, Han,
Hangul...), its Latin transliteration by normality (``ascii_text``, ICU-based). The name
comparison (:mod:`gavah.text.name_compare`) reads each as one more name of the entity; the
best-agreeing pair wins, so a Persian name, which gets no extra reading, scores as before.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_ARABIC_FORMS = re.compile("[يكةى]")
_PERSIAN_ONLY = re.compile("[پچژگ]")
_ARTICLE = re.compile(r"(?:^|\s)(?:ال|أل)")
# al- before a sun letter: written ال, said as the letter doubled (ad-Din, ur-Rahman).
_SUN = "تثدذرزسشصضطظلن"
_ASSIMILATED = re.compile(rf"(^|\s+)ال(?=[{_SUN}])")
_ARTICLE_AFTER = re.compile(r"\s+(ال)")

# Two conventions, each one reading: English-style "th"/"dh", and the plain/French "t"/"d"/"ch".
_ENGLISH = str.maketrans({"ث": "ته", "ذ": "ده", "ض": "ده", "ظ": "ده"})
_PLAIN = str.maketrans({"ث": "ت", "ذ": "د", "ض": "د", "ظ": "د", "ش": "چ"})


def looks_arabic(text: str) -> bool:
    """Arabic script written as Arabic rather than Persian (see the module docstring)."""
    return bool(
        _ARABIC.search(text)
        and (_ARABIC_FORMS.search(text) or _ARTICLE.search(text))
        and not _PERSIAN_ONLY.search(text)
    )


@lru_cache(maxsize=1 << 14)
def readings(text: str) -> tuple[str, ...]:
    """Extra readings of one name (none for a Latin or a Persian name)."""
    if looks_arabic(text):
        found = [
            _ARTICLE_AFTER.sub(r"\1", text),  # عبد المنان → عبدالمنان: Abdulmanan, Abdul Manan
            _ASSIMILATED.sub(_assimilate, text),  # شمس الدين → شمسدين: Shamsuddin
            text.translate(_ENGLISH),
            text.translate(_PLAIN),
        ]
        return tuple(dict.fromkeys(r for r in found if r != text))
    if _ARABIC.search(text) or text.isascii():
        return ()
    return _latin(text)


def _assimilate(m: re.Match[str]) -> str:
    """al- before a sun letter: glued to the word before it without its l (Shamsuddin), or
    dropped at the start of the name (الطيب, Tayeb)."""
    return ""


def _latin_letter(c: str) -> bool:
    return c.isascii() or unicodedata.name(c, "").startswith("LATIN")


def _latin(text: str) -> tuple[str, ...]:
    """A name in another script, in Latin letters (normality, ICU transliteration)."""
    if not any(c.isalpha() and not _latin_letter(c) for c in text):
        return ()
    from normality import ascii_text  # an installed dependency of followthemoney

    latin = ascii_text(text)
    return (latin,) if latin and latin.strip() and latin != text else ()
