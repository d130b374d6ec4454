"""Name keys that match a Persian name across Persian script and Latin transliterations.

Matching libraries (rigour, normality) do not transliterate Persian in a way that makes "محمد"
meet "Mohammad", "Mohammed" and "Muhammad", so this module is hand-written, on the standard
library only. It works in three steps, each a pure function:

1. :func:`fold_persian` and :func:`latin_fold` remove what varies between keyboards and
   transliteration habits without changing the name: Arabic letter forms, diacritics, case,
   punctuation, invisible bidi controls.
2. :func:`name_tokens` splits a full name into folded tokens and drops :data:`HONORIFICS`.
3. :func:`skeleton` reduces a token to consonant classes that both scripts write the same way;
   :func:`name_key` combines the skeletons into the keys record linkage compares.

Skeleton rules. Letters map to classes; the upper-case classes are one Latin digraph each.

=====  ==========================  =====================================
class  Persian                     Latin
=====  ==========================  =====================================
b      ب                           b
p      پ                           p
t      ت ط                         t (``th`` is t + h, see below)
s      ث س ص                       s
j      ج ژ                         j, dj, zh
C      چ                           ch, tch
h      ح ه                         h
x      خ                           kh, x (UniPers, Kurdish and Tajik Latin)
d      د                           d
z      ذ ز ض ظ                     z
r      ر ڕ                         r
S      ش                           sh
q      غ ق                         gh, q
f      ف                           f, ph
k      ک                           k, c
g      گ                           g
l      ل ڵ                         l
m      م                           m
n      ن                           n
v      و ڤ at the start of a word  v w at the start of a word
y      ی at the start of a word    y at the start of a word
—      ا و ی ع ء ۆ ێ ە elsewhere   a e i o u y, v w elsewhere
=====  ==========================  =====================================

Then, in both scripts: runs of one class collapse to one letter (Mohammad → mhmd, Hossein → hsn,
Davood → d), and a final ``h`` is dropped unless it is the only letter (Fatemeh/فاطمه/Fatima → ftm).
A final -i (ی; Latin i, ee, ie or y) is kept as ``y``: it is the suffix of countless surnames, and
without it Mohammadi would read as Mohammad (محمدی, Mohammadi → mhmdy; Rezaei, Rezaee, رضایی →
rzy; Ali, علی → ly). A ی read as "a" (an alef maqsura: مرتضی Morteza, مصطفی Mostafa) is not an
-i; nor is an -i inside a compound (علی‌رضا and Alireza → lrz).
Letters of other scripts and digits are kept as they are, so such names still get distinct keys.
Collapsing after the vowels are gone is deliberate: Persian does not write short vowels, so
ممتاز and Momtaz only agree if m-o-m and مم reduce alike.

Known collisions (different names, one skeleton; record linkage must tell them apart by other
fields): Hassan, Hossein and Ehsan (hsn); Mohammad and Mahmoud (mhmd); Hamid, Ahmad and Hamed
(hmd); Leila, Laleh and Ela (l); Amin, Iman and Mina (mn); Zahra, Zohreh and Zahir (zhr);
masculine and feminine forms: Farid and Farideh (frd), Samir and Samira (smr), Taher and Tahereh
(thr).

Known misses (one name, two skeletons): a Latin ``sh`` or ``zh`` that stands for two letters
(Eshagh gives Sq, اسحاق gives shq; Azhar gives jr, ازهر gives zhr); an Arabic-style ``th`` for ث
(Othman gives thmn, عثمان gives smn); the ``x`` of a foreign name (Alex gives lx, الکس gives lks);
the German ``ch`` for خ (Chamenei gives Cmny, خامنه‌ای gives xmny). In ``compact``, a split Latin
spelling whose part ends in a real ح (Ruh Allah gives rl, روح‌الله gives rhl, as Ruhollah does).

ژ shares a class with ج: transliterations write it j as often as zh (Nejad, Jaleh), and the
-nejad of countless surnames must meet نژاد.

``th`` is read as t + h rather than as a digraph: Persian has no /θ/, and in Persian names a Latin
"th" is nearly always ت + ح or ه (Fathi فتحی, Fathollah فتح‌الله).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


def _chars(first: int, last: int) -> str:
    return "".join(map(chr, range(first, last + 1)))


# Invisible characters that only steer display direction: ALM, LRM, RLM, embeddings, isolates.
_BIDI_CONTROLS = "\u061c\u200e\u200f" + _chars(0x202A, 0x202E) + _chars(0x2066, 0x2069)
_ZWNJ, _ZWJ, _SOFT_HYPHEN, _TATWEEL = "\u200c", "\u200d", "\u00ad", "\u0640"
_ARABIC_MARKS = (
    _chars(0x0610, 0x061A)
    + _chars(0x064B, 0x065F)
    + "\u0670"
    + _chars(0x06D6, 0x06DC)
    + _chars(0x06DF, 0x06E8)
    + _chars(0x06EA, 0x06ED)
)
_ARABIC_FORMS = {
    "ي": "ی",
    "ى": "ی",
    "ئ": "ی",
    "ك": "ک",
    "ة": "ه",
    "أ": "ا",
    "إ": "ا",
    "ٱ": "ا",
    "آ": "ا",
    "ؤ": "و",
    "ۀ": "ه",
    "ھ": "ه",  # heh doachashmee, from Urdu keyboards
    "ہ": "ه",  # heh goal, likewise
    "ۂ": "ه",
    "ے": "ی",  # yeh barree
    "ۓ": "ی",
}
_DIGITS = {chr(base + i): str(i) for base in (0x06F0, 0x0660) for i in range(10)}
# Apostrophes and the marks written for one: typographic quotes (’ ‘ ‛), modifier letters (ʼ ʻ,
# ʿ ʾ for ayn and hamza in transliterations), primes, the backtick and the acute accent, the
# full-width apostrophe. fold_persian writes each as "'", so "Sepah’s" and "Sepah's", "Ba’eri" and
# "Ba'eri" read alike wherever a caller splits or strips at apostrophes; latin_fold removes them.
_APOSTROPHES = "'`\u2018\u2019\u201b\u02b9\u02bb\u02bc\u02be\u02bf\u00b4\u2032\uff07"
_FOLD_PERSIAN = str.maketrans(
    {
        **_ARABIC_FORMS,
        **_DIGITS,
        **dict.fromkeys(_APOSTROPHES, "'"),
        **dict.fromkeys(_BIDI_CONTROLS + _ARABIC_MARKS + _TATWEEL + _ZWJ + _SOFT_HYPHEN),
        _ZWNJ: " ",  # ZWNJ separates the parts of a name: محمد‌رضا is two tokens
    }
)

# Latin letters whose diacritic is a distinct sound that NFKD would lose (Turkish, Azerbaijani and
# Kurmanji spellings; Encyclopaedia Iranica's ḵ ḡ ḏ ṯ).
_LATIN_LETTERS = {
    "ş": "sh",
    "š": "sh",
    "ç": "ch",
    "č": "ch",
    "ž": "zh",
    "ğ": "gh",
    "ḡ": "gh",
    "ḵ": "kh",
    "ḏ": "z",
    "ṯ": "s",
    "ə": "e",
    "ı": "i",
}
_LATIN_PRE = str.maketrans(
    {
        **_LATIN_LETTERS,
        **{k.upper(): v for k, v in _LATIN_LETTERS.items() if k.upper() != k},
        **dict.fromkeys(_BIDI_CONTROLS + _APOSTROPHES + _TATWEEL + _ZWJ + _SOFT_HYPHEN),
    }
)
_ASCII_FOLD = bytes(b if chr(b).isascii() and chr(b).isalnum() else 32 for b in range(256))
_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f"
    + _ARABIC_MARKS
    + "]+"
)
_NOT_WORD = re.compile(r"[\W_]+")
# Text that both folds leave as it is: words of lower-case ASCII letters, digits and the letters
# of the Persian alphabet that fold_persian produces, one space apart. Each repeat must begin with
# its space, so the regex cannot backtrack into splitting a word many ways (no ReDoS).
_PLAIN = "[a-z0-9\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]+"
_FOLDED = re.compile(f"(?:{_PLAIN}(?: {_PLAIN})*)?")

_ARABIC_BLOCKS = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"
# A token is a run of one script: "محمدReza" is two tokens.
_SCRIPT_RUN = re.compile(f"[{_ARABIC_BLOCKS}]+|[^\\s{_ARABIC_BLOCKS}]+")


def fold_persian(text: str) -> str:
    """Fold Arabic letter forms to Persian ones and drop what does not change a name.

    ي ى ئ → ی, ك → ک, ة ۀ → ه, أ إ ٱ آ → ا, ؤ → و; harakat, superscript alef and tatweel go;
    Persian and Arabic-Indic digits become ASCII; bidi controls, ZWJ and soft hyphens are removed
    and a ZWNJ becomes a space (it separates name parts); every apostrophe-like mark (’ ‘ ʼ ʻ ʿ ʾ
    ` ´ ′) becomes the ASCII apostrophe; NFKC; whitespace collapses. Latin text passes through
    unchanged apart from apostrophes, NFKC and whitespace.
    """
    if text.isascii():
        return " ".join(text.replace("`", "'").split())
    text = text.translate(_FOLD_PERSIAN)
    normal = unicodedata.normalize("NFKC", text)
    if normal is not text:  # NFKC turns presentation forms into the letters folded above
        text = normal.translate(_FOLD_PERSIAN)
    return " ".join(text.split())


def drop_possessive(word: str) -> str:
    """``word`` without the English possessive ending, written with any apostrophe and in any
    case: "Iran’s", "IRAN'S" → "Iran", "IRAN". Bodies' names are read without it ("Iran's
    Morality Police" is the Morality Police of Iran); people's names keep every letter."""
    return word[:-2] if len(word) > 2 and fold_persian(word[-2:]).lower() == "'s" else word


def latin_fold(text: str) -> str:
    """Fold Latin-script spelling: lower case, no diacritics, no apostrophes, no punctuation.

    ş š → sh, ç č → ch, ž → zh, ğ → gh (and a few scholarly letters) before NFKD removes their
    marks; apostrophes, backticks, ʿ and ʾ are removed ("Es'haq" → "eshaq"); hyphens, punctuation,
    symbols and control characters become spaces; bidi controls are removed; whitespace collapses.
    Persian letters are kept (and lose their harakat).
    """
    if text.isascii():
        return " ".join(_ascii_words(text))
    text = unicodedata.normalize("NFC", text).translate(_LATIN_PRE)
    # NFKD can produce a tatweel or an apostrophe, and casefold a combining mark: clean again.
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()
    text = _COMBINING.sub("", text).translate(_LATIN_PRE)
    return _NOT_WORD.sub(" ", text).strip()


def _ascii_words(text: str) -> list[str]:
    """``latin_fold(text).split()`` for ASCII text, in a fraction of the time."""
    return text.encode().lower().translate(_ASCII_FOLD, b"'`").decode().split()


def _fold(text: str) -> str:
    """``latin_fold(fold_persian(text))``, skipping the Latin fold when it would change nothing."""
    text = fold_persian(text)
    return text if _FOLDED.fullmatch(text) else latin_fold(text)


# Titles and particles, compared after folding. "Mirza" and "Mir" are left in: they are also
# parts of names (Mirzaei, Mirhosseini). "Sadat" is a title of descent, rarely a surname.
# fmt: off
_HONORIFIC_WORDS = (
    "seyyed", "sayyed", "seyed", "sayed", "sayyid", "syed", "seyyedeh", "seyedeh", "sayyida",
    "sadat", "haj", "hajj", "haji", "hajji", "agha", "aqa", "aghaye", "aqaye",
    "khanom", "khanum", "khanoum", "sheikh", "shaikh", "dr", "doctor", "al", "el",
    "سید", "سیده", "سادات", "حاج", "حاجی", "آقا", "آقای", "خانم", "شیخ", "دکتر", "ال",
)
# fmt: on
HONORIFICS: frozenset[str] = frozenset(_fold(word) for word in _HONORIFIC_WORDS)

_PERSIAN_LETTER_CLASSES = {
    "b": "ب",
    "p": "پ",
    "t": "تط",
    "s": "ثسص",
    "j": "جژ",
    "C": "چ",
    "h": "حهةۀ",
    "x": "خ",
    "d": "د",
    "z": "ذزضظ",
    "r": "رڕ",
    "S": "ش",
    "q": "غق",
    "f": "ف",
    "k": "کك",
    "g": "گ",
    "l": "لڵ",
    "m": "م",
    "n": "ن",
}
_PERSIAN_CLASSES = str.maketrans(
    {
        **{letter: cls for cls, letters in _PERSIAN_LETTER_CLASSES.items() for letter in letters},
        **dict.fromkeys("اآأإٱوؤڤیيىئعءۆێە"),  # vowel letters, ع and hamza
    }
)
_PERSIAN_INITIAL = {"و": "v", "ڤ": "v", "ی": "y"}
_LATIN_CLASSES = str.maketrans({"c": "k", **dict.fromkeys("aeiouyvw")})
_LATIN_INITIAL = {"v": "v", "w": "v", "y": "y"}
_INITIALS = frozenset(_PERSIAN_INITIAL) | frozenset(_LATIN_INITIAL)
_DIGRAPHS = {
    "tch": "C",
    "sh": "S",
    "ch": "C",
    "kh": "x",
    "gh": "q",
    "zh": "j",
    "dj": "j",
    "ph": "f",
}
_DIGRAPH = re.compile("|".join(_DIGRAPHS))  # "tch" is listed before "ch", so it wins
_REPEATS = re.compile(r"([^\W\d_])\1+")
# A final -i (ی): the suffix of countless surnames (Mohammadi, Hosseini, Rezaei, Rezaee) and the
# end of given names (Ali, Mahdi). Without it, Mohammadi would read as Mohammad.
_FINAL_I = re.compile(r"(?:i|ee|ie|y)$")
# Names whose final ی is an Arabic alef maqsura, read "a" (Morteza, Mostafa, Mojtaba, Musa).
_ALEF_MAQSURA = frozenset(
    ("مرتضی", "مصطفی", "مجتبی", "موسی", "عیسی", "یحیی", "کبری", "صغری", "عظمی", "مولی", "هدی")
)


def _classes(token: str, initial: bool) -> str:
    """Consonant classes of one folded, single-script token, before collapsing."""
    if "\u0600" <= token[0] <= "\u08ff":
        table, heads = _PERSIAN_CLASSES, _PERSIAN_INITIAL
        tail = "y" if len(token) > 1 and token[-1] == "ی" and token not in _ALEF_MAQSURA else ""
    else:
        token = _DIGRAPH.sub(lambda m: _DIGRAPHS[m.group()], token)
        table, heads = _LATIN_CLASSES, _LATIN_INITIAL
        tail = "y" if len(token) > 1 and _FINAL_I.search(token) else ""
    if initial and token[0] in heads:
        return heads[token[0]] + token[1:].translate(table) + tail
    return token.translate(table) + tail


@lru_cache(maxsize=1 << 17)
def _initial_run(token: str) -> str:
    """Collapsed classes of a token at the start of a word."""
    return _REPEATS.sub(r"\1", _classes(token, initial=True))


@lru_cache(maxsize=1 << 17)
def _inner_run(token: str) -> str:
    """Collapsed classes of a token read as the continuation of the word before it."""
    if token[0] not in _INITIALS:  # the usual case: the start of a word changes nothing
        return _initial_run(token)
    return _REPEATS.sub(r"\1", _classes(token, initial=False))


def _drop_final_h(run: str) -> str:
    return run[:-1] if len(run) > 1 and run[-1] == "h" else run


@lru_cache(maxsize=1 << 17)
def _token_skeleton(token: str) -> str:
    return _drop_final_h(_initial_run(token))


def _joined(tokens: Sequence[str]) -> str:
    """Skeleton of tokens read as one word, so "Mohammad Reza" meets "Mohammadreza".

    A token's final h is dropped at the seam as at the end (Fatemeh Zahra, Fateme Zahra and
    فاطمه‌زهرا agree), except after a Persian ح, which is a consonant rather than a silent ه
    (روح‌الله and Ruhollah agree).
    """
    if not tokens:
        return ""
    word = _initial_run(tokens[0])
    for previous, token in zip(tokens, tokens[1:], strict=False):
        if previous[-1] != "ح":
            word = _drop_final_h(word)
        # A final -i inside a compound is no suffix: علی‌رضا and Alireza agree, like علیرضا.
        word = word[:-1] if len(word) > 1 and word[-1] == "y" else word
        run = _inner_run(token)
        # Each run is collapsed already; only a repeat across the seam is left to collapse.
        if run and word and run[0] == word[-1] and _REPEATS.match(word[-1] + run[0]):
            run = run[1:]
        word += run
    return _drop_final_h(word)


@lru_cache(maxsize=1 << 16)
def skeleton(token: str) -> str:
    """The consonant skeleton of one name token, in either script (rules in the module docstring).

    ``skeleton("محمد") == skeleton("Mohammad") == skeleton("Muhammad") == "mhmd"``. The token is
    folded first; if it still holds spaces or a change of script, it is read as one word.
    """
    return _joined(_SCRIPT_RUN.findall(_fold(token)))


def name_tokens(text: str | None) -> list[str]:
    """Split a full name, in either script or both, into folded tokens without honorifics.

    "SURNAME, Given" is turned round to "Given SURNAME". Commas, hyphens, ZWNJ and changes of
    script separate tokens ("Ahmadi-Moghaddam" →
    ["ahmadi", "moghaddam"]; "محمد‌رضا" → ["محمد", "رضا"]); suffixes written without a separator
    (-zadeh, -pour, -i) stay in their token; after a ZWNJ they are tokens of their own
    (خامنه‌ای → ["خامنه", "ای"]; ای has an empty skeleton, so the key is that of Khamenei).
    A leading ال is kept, because names begin with it (الهام Elham); so روح‌الله gives ["روح",
    "الله"] and عبدالله stays one token — the ``compact`` key of :func:`name_key` reads both ways
    alike. Anything that is not a string gives [].
    """
    if not isinstance(text, str) or not text:
        return []
    text = _surname_last(text)
    words = _ascii_words(text) if text.isascii() else _SCRIPT_RUN.findall(_fold(text))
    return [t for t in words if t not in HONORIFICS]


def _surname_last(text: str) -> str:
    """ "SURNAME, Given" (one comma, words on both sides) is read in written order, "Given SURNAME",
    so that keys which keep the order (``compact``, ``first``, ``last``) agree."""
    parts = text.replace("،", ",").split(",")
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        return f"{parts[1]} {parts[0]}"
    return text


@dataclass(frozen=True, slots=True)
class NameKey:
    """Keys of one full name for blocking and comparison; all empty for an empty name.

    ``tokens``: skeletons in the written order (tokens with an empty skeleton left out);
    ``sorted``: the same, sorted and joined by spaces, so name order does not matter;
    ``compact``: the whole name read as one word, in written order, so joined and split spellings
    agree ("Mohammadreza", "Mohammad Reza", "محمدرضا" → "mhmdrz"; a silent final h inside the
    name drops out as at its end: "Fatemeh Zahra", "Fateme Zahra", "فاطمه‌زهرا" → "ftmzhr");
    ``first`` and ``last``: the first and last skeleton, or "".
    """

    tokens: tuple[str, ...]
    sorted: str
    compact: str
    first: str
    last: str


EMPTY_KEY = NameKey(tokens=(), sorted="", compact="", first="", last="")


_WORD_BREAK = re.compile(r"[\s,،\-]+")


def name_key(text: str | None) -> NameKey:
    """The :class:`NameKey` of a full name. Never raises; a name with no letters gives EMPTY_KEY.

    Parts joined by a ZWNJ are one word here, read as one skeleton (محمد‌علی → mhmdl, as
    Mohammadali; مرتضی‌زاده → mrtzzd, as Mortezazadeh), because Latin spellings join them."""
    if not isinstance(text, str):
        return EMPTY_KEY
    words = [name_tokens(w) for w in _WORD_BREAK.split(_surname_last(text))]
    tokens = [t for parts in words for t in parts]
    skeletons = tuple(s for parts in words if parts and (s := _joined(parts)))
    if not skeletons:
        return EMPTY_KEY
    return NameKey(
        tokens=skeletons,
        sorted=" ".join(sorted(skeletons)),
        compact=_joined(tokens),
        first=skeletons[0],
        last=skeletons[-1],
    )
