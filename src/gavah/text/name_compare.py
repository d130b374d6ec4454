"""Persian-aware comparison of names of people and bodies, with the reasons: one comparison for the
victim register (record linkage) and for sanctions screening.

Sanctions lists write one IRGC commander, judge or prison many ways: ``MOGHADAM, Ismail Ahmadi``
(OFAC), ``AHMADI-MOQADDAM Esmail`` (EU), ``اسماعیل احمدی مقدم`` (Persian press), ``Sardar
Seyyed Ghasem QURESHI``, ``Evin Prison`` and ``زندان اوین``. The generic matchers rigour and
normality transliterate Arabic script letter by letter, so they cannot make محمد meet Mohammad,
Mohammed and Muhammad, nor do they know the titles, ranks and particles of Iranian names. This
module is the small, tested piece they miss. It wraps :mod:`gavah.text.names`, whose folds and
consonant ``skeleton`` it uses unchanged (محمد, Mohammad, Muhammad → mhmd), and adds:

1. **Reading names** (:meth:`NameSet.of`, once per entity). Parentheses become aliases
   (``(LEF)`` at the end of a body's name) or a spelling of the word before them (``ARAGHI
   (ERAGHI) Abdollah``); "a.k.a." inside them is dropped. "SURNAME, Given" is turned round.
   Words split at spaces, hyphens, commas and dots, not at a ZWNJ (خامنه‌ای is one word); at
   most :data:`MAX_WORDS` are read. A person's titles, honorifics and ranks (Seyyed, Haj, Mir,
   Sheikh, Mullah, Hojatoleslam, Ayatollah, Dr, Sardar, Brigadier General, ...) and the article
   al-/el- weigh nothing, but only while other words remain. A title, al- or -ollah written
   onto a name also reads as the bare name (Mirhossein, Seyedmehdi, Alhashemi, Nematollah).
   In a body's name, :data:`ORG_WORDS` gives generic words (Company, Prison, Court, Branch,
   Corps) weight 0.3, legal forms (Ltd, PJSC) 0.1, stop words none, and lets English, Persian
   and transliterated words meet (Prison, زندان, Zendan); a one-word Latin name of two to five
   letters is an acronym (IRGC, NIOC: in Latin script the letters must agree); :data:`WELL_KNOWN_BODIES` lists
   names of one body that share no word (IRGC, Sepah-e Pasdaran). A "person" name with an
   unmistakable organisation word (Company, Prison, شرکت) is read as a body's name.
2. **Comparing two words** (:func:`_similarity`). ``skeleton``: equal skeletons, 1.0.
   ``variant``: equal once g, gh and q are read as k (Asgari, Askari; Golam, Gholam), or
   ``prefix``: once a written-on title, al-, -ollah or an abbreviation (Mhd) is resolved, 0.9.
   ``suffix``: one has one consonant more at the end, or another ending in place of -i
   (Mohammad, Mohammadi, Mohammadian), 0.6: such endings make other names. ``fuzzy``: one
   consonant added, dropped, changed or swapped, first consonant equal, skeletons of 4 to
   :data:`MAX_FUZZY` consonants: 1 - 1.5 / length (0.63 for four, 0.75 for six). Skeletons
   drop vowels, so Hassan, Hossein and Ehsan, or Mohammad and Mahmoud, share one; on
   skeletons of five consonants or fewer what the spelling shows of the vowels is compared
   (``vowels``, 0.2: another name; on exactly five ``doubt``, 0.75): in Latin the first vowel
   (a e i against o u), an initial vowel and a consonant v/w (Razavi, Rezaei); between scripts
   a ی or و inside the Persian word against Latin i/e/y and o/u/v/w, and a Latin ei, ey, ou
   or oo against their absence. Numbers agree only when equal.
3. **Scoring two names** (:func:`compare`). The words of every name of one side are aligned
   with those of every name of the other, order-free, greedily, best agreements first; a word
   may also meet two or three neighbouring words of the other side read as one (``joined``:
   Mohammadreza, Mohammad Reza, محمد رضا; Zabihpour, Zabih Pour). The score is

       sum(similarity x weight of agreeing words)
       / (sum(weight of agreeing words) + 2 x disagreeing + EXTRA x missing)

   Of the words left over, as much weight as both sides have is "disagreeing" (a given name or
   surname that differs costs twice its weight) and the rest is "missing" on one side: EXTRA
   is 0.2 for a person (a middle name or second surname), 0.5 for a body (an extra word often
   names another branch or unit), 0.6 when only one word agreed. Agreeing on a very common
   given name (:data:`COMMON_GIVEN_NAMES`) weighs 0.6, disagreeing on it 1. Different numbers
   (Branch 15, Branch 26) cap the score at 0.3. An acronym meeting the initials of the other
   name (IRGC, Islamic Revolutionary Guard Corps) or two names of one well-known body score
   0.9. The constants are :data:`RULES`. The best pair of names wins; its explanation names the
   left and right words of each agreement and disagreement in plain words, such as
   ``MOGHADAM ≈ Moghaddam: same name, spelling differs (same consonants mqdm)``.

:data:`MATCH_THRESHOLD` (0.80) is the score from which two names are reported as the same.

**Speed.** All that depends on one name is computed once in :meth:`NameSet.of`. Each word
carries "match keys" (its soft skeleton, its ending-less and one-consonant-less forms, ...)
such that two words that agree at all share one; words, and whole names, sharing none are not
compared. Word similarities are cached by a signature string.

**Known failure classes.** Translations and renamings outside the two tables (OFAC's FAJR
INDUSTRIES GROUP, aka INSTRUMENTATION FACTORIES PLANT; Cyber Defence Command, قرارگاه دفاع
سایبری). A unit listed under its parent's name (an IRGC regional corps with the alias سپاه
پاسداران انقلاب اسلامی) does not meet it, by design. Vowels are only checked in single short
words, so Hosseinzadeh meets حسن زاده; the checks reject some genuine variants (Roham, Raham;
Morshed, Marshad) and defective Persian spellings (کشا for Kousha). An -i or another ending
alone stays below the threshold (SEDAGHAT, SEDAGHATI: 0.75). Typos in the first consonant
(KASHANIMEHR, XASHANIMEHR), s for sh (OZTAS, OZTASH), a dropped h (SHAFAHI, SHAFA'I). And the
collisions and misses of the skeleton itself, listed in :mod:`gavah.text.names`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from itertools import count, product
from typing import Literal, NamedTuple

from gavah.errors import InputError
from gavah.text.arabic import readings
from gavah.text.names import HONORIFICS, drop_possessive, fold_persian, latin_fold, skeleton

Kind = Literal["person", "organization"]
Role = Literal["name", "common", "title", "stop", "generic", "number", "acronym"]

MATCH_THRESHOLD = 0.80
MAX_WORDS = 40  # words of one name compared; the rest of a longer text is not a name
MAX_FUZZY = 16  # consonants of the longest skeleton compared for one-edit typos


@dataclass(frozen=True, slots=True)
class ScoringRules:
    """The constants of the score (module docstring, step 3)."""

    variant: float = 0.90  # g/gh/q/k written alike; a title or article written on
    suffix: float = 0.60  # only a final consonant differs: Mohammad, Mohammadi; Hosseinian
    vowel_clash: float = 0.20  # same consonants, different vowels: Hassan, Hossein
    vowel_doubt: float = 0.75  # the same on five consonants: Soleimani, Salimani
    least: float = 0.50  # below this two words do not agree at all
    whole_name: float = 0.90  # IRGC against Islamic Revolutionary Guard Corps; WELL_KNOWN_BODIES
    conflict: float = 2.0  # cost of a disagreeing word, per unit of weight
    extra_person: float = 0.20  # cost of a word missing on one side (a middle name)
    extra_organization: float = 0.50  # an extra word in a body's name: often another unit
    extra_thin: float = 0.60  # cost of missing words when only one word agreed
    number_clash: float = 0.30  # the score cannot exceed this when numbers differ
    common_name: float = 0.60  # weight of agreeing on a very common given name
    vowel_check_up_to: int = 5  # vowels are checked on skeletons this long or shorter
    vowel_clash_up_to: int = 4  # and other vowels make another name up to this length


RULES = ScoringRules()

# --- vocabulary ---------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)  # words repeat: a few thousand make most names
def _fold(text: str) -> str:
    return latin_fold(fold_persian(text))


def _folded(words: str) -> frozenset[str]:
    return frozenset(_fold(w) for w in words.split())


# Titles, honorifics, ranks and particles of people; each weighs nothing while other words remain.
# "Amir" and "Khan" are left out: they are given names and parts of surnames as often as titles.
_TITLES = HONORIFICS | _folded(
    "sayd sayid seyid seyd seyyid sayyed hadji hajji mir sheik shaykh cheikh mulla mullah molla "
    "mollah akhund hojatoleslam hojjatoleslam hodjatoleslam hojatolislam hojjatolislam "
    "hujjatulislam hojjatoleslamvalmoslemin ayatollah ayatullah ayatolah ayatallah grand dr "
    "prof professor eng engineer mohandes general brigadier major colonel lieutenant lt captain "
    "capt commander cdr admiral rear vice second 2nd sardar sartip sarlashkar sarhang sargord "
    "sarvan timsar daryadar qazi judge mr mrs ms bin ibn bint "
    "سردار سرتیپ سرلشکر سرهنگ سرگرد سروان تیمسار دریادار ملا آخوند مهندس قاضی میر "
    "حجت‌الاسلام حجه‌الاسلام آیت‌الله آیت‌اله الاسلام المسلمین "
    # articles, also when sun letters assimilate them: ad-Din, ar-Rahman, ash-Shohada
    "ol ul ad ud ed ar ash az"
)
# Words that are titles only before a second part: Hojjat and Ayat are also given names.
_TITLE_HEADS = _folded("hojjat hojat hodjat hujjat hojat حجت هجت ayat ایت")
_TITLE_TAILS = _folded("islam eslam olislam oleslam اسلام الاسلام allah ollah ullah olah الله اله")
# Titles written onto a name: Seyedmehdi, Hajahmad, Mirhossein, سیدرضا. The number is how many
# consonants the rest must keep; Mirza, Mirzaei and میرزا are never read as Mir + a name.
_GLUED_TITLES = {
    **dict.fromkeys(_folded("seyyed seyed sayyed sayed sayyid seyd mir میر سید"), 2),
    **dict.fromkeys(_folded("hajj haji haj sheikh حاج حاجی شیخ"), 3),
}
_ARTICLES = ("al", "el", "ال")
_ALLAH = ("ollah", "allah", "ullah", "olah", "الله")
# Abbreviations and Arabic-style spellings whose skeleton differs from the Persian name's.
_ABBREVIATIONS = {
    **dict.fromkeys(("mhd", "mohd", "muhd", "md"), skeleton("Mohammad")),
    **dict.fromkeys(("rida", "ridha"), skeleton("Reza")),
    **dict.fromkeys(("kadhim", "kadim", "kathim"), skeleton("Kazem")),
    **dict.fromkeys(("ramadan", "ramadhan"), skeleton("Ramezan")),
    **dict.fromkeys(("dhia", "dhiya", "diya"), skeleton("Zia")),
}

# Very common given names, by skeleton: agreeing on one of them is weak evidence (step 3).
COMMON_GIVEN_NAMES = frozenset(
    skeleton(n)
    for n in _folded(
        "Mohammad Ali Hossein Reza Ahmad Mahdi Abbas Morteza Mostafa Mohsen Esmail Ebrahim "
        "Javad Kazem Ghasem Saeed Majid Alireza Mohammadreza Gholamreza Sadegh Bagher Taghi "
        "Hamid Jafar Akbar Asghar Masoud Mojtaba Yousef"
    )
)

# Words of bodies' names: concept, weight, and the English, transliterated and Persian words
# that say it. Generic nouns weigh 0.3, legal forms 0.1, words that narrow a body down a little
# (Islamic, Revolutionary, Iran) 0.5, stop words nothing. Other words weigh 1.
# fmt: off
_ORG_VOCABULARY: tuple[tuple[str, float, str], ...] = (
    ("of", 0.0, "of the and & for in at on to by a an de du des la le va e ye eh yeh و"),
    ("limited", 0.1, "ltd limited llc inc gmbh plc pjsc jsc pvt private public joint stock ag "
                     "bv fze fzc fzco llp lp sa sarl srl spa kft ooo zao oao pte sahami khass "
                     "khas aam proprietary pty sdn bhd ao pjs dmcc cjsc ojsc pao tov sas nv kg "
                     "با مسئولیت محدود سهامی خاص عام"),
    ("company", 0.3, "company companies co corp corporation sherkat sherkate شرکت"),
    ("trading", 0.3, "trading trade traders commercial bazargani بازرگانی"),
    ("complex", 0.3, "complex mojtame مجتمع"),
    ("factory", 0.3, "factory factories plant karkhaneh کارخانه"),
    ("services", 0.3, "services service khadamat خدمات"),
    ("general", 0.3, "general"),
    ("international", 0.3, "international beynolmelali بین‌المللی"),
    ("holding", 0.3, "holding holdings enterprise enterprises firm"),
    ("manufacturing", 0.3, "manufacturing manufacturer manufacturers production producer"),
    ("engineering", 0.3, "engineering mohandesi مهندسی"),
    ("investment", 0.3, "investment investments sarmayeh sarmayegozari سرمایه‌گذاری"),
    ("technology", 0.3, "technology technologies technical fanavari فناوری"),
    ("shipping", 0.3, "shipping"),
    ("lines", 0.3, "lines line"),
    ("organization", 0.3, "organization organisation org sazman sazeman sazmane سازمان"),
    ("prison", 0.3, "prison prisons jail zendan زندان"),
    ("court", 0.3, "court courts tribunal dadgah dadgahe دادگاه"),
    ("branch", 0.3, "branch shobe shobeh shoabe شعبه"),
    ("corps", 0.3, "corps sepah sepahe سپاه"),
    ("group", 0.3, "group goruh gorooh گروه"),
    ("foundation", 0.3, "foundation bonyad bonyade بنیاد"),
    ("institute", 0.3, "institute institution moassese moasseseh موسسه پژوهشگاه"),
    ("headquarters", 0.3, "headquarters hq setad gharargah qarargah ستاد قرارگاه"),
    ("force", 0.3, "force forces niru niroo niruye nirooye نیرو نیروی نیروهای"),
    ("command", 0.3, "command farmandehi فرماندهی"),
    ("base", 0.3, "base paygah پایگاه"),
    ("center", 0.3, "center centre markaz مرکز"),
    ("central", 0.3, "central markazi مرکزی"),
    ("office", 0.3, "office daftar دفتر"),
    ("ministry", 0.3, "ministry vezarat وزارت"),
    ("department", 0.3, "department directorate edareh اداره"),
    ("university", 0.3, "university daneshgah دانشگاه"),
    ("industries", 0.3, "industries industry industrial sanaye صنایع"),
    ("bank", 0.3, "bank بانک"),
    ("police", 0.3, "police polis پلیس"),
    ("unit", 0.3, "unit yegan یگان"),
    ("council", 0.3, "council shora شورا"),
    ("committee", 0.3, "committee komite کمیته"),
    ("agency", 0.3, "agency khabargozari خبرگزاری"),
    ("news", 0.3, "news khabar خبر"),
    ("province", 0.3, "province provincial regional ostan ostani استان استانی"),
    ("authority", 0.3, "authority"),
    ("law", 0.3, "law"),
    ("prosecutor", 0.3, "prosecutor prosecution dadsetan dadsetani دادستان دادستانی"),
    ("islamic", 0.5, "islamic eslami اسلامی"),
    ("revolution", 0.5, "revolution revolutionary enghelab enqelab enghelabi انقلاب انقلابی"),
    ("guard", 0.5, "guard guards guardian pasdaran pasdar پاسداران پاسدار"),
    ("republic", 0.5, "republic jomhuri jomhouri jomhoori جمهوری"),
    ("iran", 0.5, "iran iranian irani ایران ایرانی"),
    ("national", 0.5, "national melli ملی"),
    ("enforcement", 0.5, "enforcement entezami انتظامی"),
    ("intelligence", 0.5, "intelligence ettelaat اطلاعات"),
    ("security", 0.5, "security amniat amniyat امنیت امنیتی"),
    ("army", 0.5, "army artesh ارتش"),
    ("cyber", 0.5, "cyber cyberi سایبری"),
    ("defence", 0.5, "defence defense defa دفاع"),
    ("special", 0.5, "special vizhe vijeh ویژه"),
    ("cooperation", 0.5, "cooperation cooperative taavon تعاون"),
    ("guidance", 0.5, "guidance ershad ارشاد"),
    ("patrol", 0.3, "patrol patrols gasht گشت"),
    ("resistance", 0.5, "resistance moghavemat مقاومت"),
    ("research", 0.5, "research pazhuhesh pajouhesh پژوهش"),
    ("development", 0.5, "development towse'e tose'e توسعه"),
    ("broadcasting", 0.5, "broadcasting seda sima صداوسیما"),
    ("culture", 0.5, "cultural culture farhangi farhang فرهنگی فرهنگ"),
)
# fmt: on
ORG_WORDS: dict[str, tuple[str, float]] = {
    word: (concept, weight) for concept, weight, words in _ORG_VOCABULARY for word in _folded(words)
}
# Words no person's name holds: a "person" name with one of them is read as a body's name.
_ORG_MARKERS = _folded(
    "company co ltd limited llc inc gmbh corporation organization organisation prison court "
    "corps ministry bank university institute foundation agency industries headquarters "
    "committee council forces شرکت سازمان زندان دادگاه سپاه وزارت بانک دانشگاه بنیاد موسسه "
    "قرارگاه ستاد فرماندهی sepah pasdaran basij irgc بسیج"
)

# Bodies known under names that share no word (translations, Persian acronyms, renamings).
# A body's name that is one of these, word for word in any order up to spelling, meets all
# the others. Only the security bodies the lists name most; extend it with care: a sub-unit
# ("IRGC Ground Forces") must not be listed under its parent.
WELL_KNOWN_BODIES: dict[str, tuple[str, ...]] = {
    "the IRGC": (
        "Islamic Revolutionary Guard Corps", "IRGC", "Iranian Revolutionary Guard Corps",
        "Revolutionary Guards", "Sepah-e Pasdaran", "Sepah-e Pasdaran-e Enghelab-e Eslami",
        "Pasdaran", "سپاه پاسداران", "سپاه پاسداران انقلاب اسلامی",
    ),
    "the IRGC Qods Force": (
        "IRGC Qods Force", "IRGC-QF", "Qods Force", "Quds Force", "Sepah-e Qods", "نیروی قدس",
        "Islamic Revolutionary Guard Corps Qods Force", "نیروی قدس سپاه پاسداران",
    ),
    "the Law Enforcement Forces": (
        "Law Enforcement Forces of the Islamic Republic of Iran", "LEF", "NAJA", "FARAJA",
        "Law Enforcement Command of the Islamic Republic of Iran", "Iranian Police",
        "Niruy-e Entezami", "نیروی انتظامی", "نیروی انتظامی جمهوری اسلامی ایران",
        "فرماندهی انتظامی جمهوری اسلامی ایران", "ناجا", "فراجا",
    ),
    "the Basij": (
        "Basij", "Basij Resistance Force", "Basij-e Mostazafan", "Basij Organization",
        "Organization for Mobilization of the Oppressed", "Sazman-e Basij-e Mostazafin",
        "بسیج", "بسیج مستضعفین", "سازمان بسیج مستضعفین", "نیروی مقاومت بسیج",
    ),
    "the Ministry of Intelligence": (
        "Ministry of Intelligence and Security", "Ministry of Intelligence", "MOIS", "VAJA",
        "VEVAK", "Vezarat-e Ettelaat", "وزارت اطلاعات", "واجا",
    ),
    "IRIB": (
        "Islamic Republic of Iran Broadcasting", "IRIB", "Seda va Sima", "صدا و سیما",
        "سازمان صدا و سیمای جمهوری اسلامی ایران",
    ),
    "the Morality Police": (
        "Morality Police", "Iran Morality Police", "Guidance Patrol", "Islamic Guidance Patrol",
        "Gasht-e Ershad", "گشت ارشاد", "پلیس امنیت اخلاقی",
    ),
}  # fmt: skip

# --- words --------------------------------------------------------------------------------------

_SOFT = str.maketrans({"q": "k", "g": "k"})
_LATIN_VOWELS = frozenset("aeiou")


def _is_persian(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u08ff"


@dataclass(frozen=True, slots=True)
class _Word:
    """One word of a name, read once: everything :func:`_similarity` looks at."""

    text: str  # as written, for the explanation
    folded: str
    key: str  # the consonant skeleton (digits for a number)
    soft: str  # the skeleton with g, gh and q folded into k
    alts: tuple[str, ...]  # skeletons of the name under a written-on title or article
    concept: str  # the ORG_WORDS concept, or ""
    vowels: str  # vowel hints (module docstring, step 2), or ""
    role: Role
    weight: float  # weight of agreeing
    sig: str  # all of the above that decides similarity, as one string (a cache key)
    keys: frozenset[str]  # two words that agree at all share one of these (see _match_keys)
    differ: float  # weight of disagreeing or missing: a common name's counts fully


@lru_cache(maxsize=1 << 16)
def _read_word(text: str, folded: str, organization: bool, acronym: bool = False) -> _Word:
    key = folded if folded.isdigit() else skeleton(folded)
    concept, weight = ORG_WORDS.get(folded, ("", 1.0)) if organization else ("", 1.0)
    role: Role = "number" if folded.isdigit() else "name"
    if acronym:
        role, concept = "acronym", ""
    elif concept:
        role = "stop" if weight == 0 else "generic"
    elif organization and len(folded) == 1 and folded.isalpha():
        role, weight = "generic", 0.1  # the letters of S.A.R.L. or I/E
    elif not organization and key in COMMON_GIVEN_NAMES:
        role, weight = "common", RULES.common_name
    alts = () if organization or role == "number" else _glued_alternatives(folded)
    vowels = "" if role == "number" or len(key) > RULES.vowel_check_up_to else _vowel_hints(folded)
    soft = key.translate(_SOFT)
    exact = folded if organization or role == "number" else ""  # acronyms compare letters
    sig = "\x1f".join((key, soft, ",".join(alts), concept, vowels, exact))
    keys = _match_keys(soft, alts, concept)
    differ = 1.0 if role == "common" else weight
    return _Word(text, folded, key, soft, alts, concept, vowels, role, weight, sig, keys, differ)


def _match_keys(soft: str, alts: Sequence[str], concept: str) -> frozenset[str]:
    """Keys that two words share whenever :func:`_similarity` can find them alike: the soft
    skeleton, the alternatives, the concept, the skeleton without its last consonant (for
    endings: Mohammadi, Mohammadian), and for four consonants or more every skeleton with one
    consonant left out (two skeletons one edit apart share one of those). Words sharing none
    are not compared at all."""
    keys = {soft, *(alt.translate(_SOFT) for alt in alts)}
    if concept:
        keys.add(f"#{concept}")
    if len(soft) >= 3:
        keys.add(soft[:-1])
    if 4 <= len(soft) <= MAX_FUZZY:
        keys |= {soft[:i] + soft[i + 1 :] for i in range(len(soft))}
    return frozenset(keys)


def _glued_alternatives(folded: str) -> tuple[str, ...]:
    """Other skeletons the word may stand for: without a title or article written on
    (Mirhossein → hsn, سیدرضا → rz, Alhashemi → hSmy; Alireza and Elham stay whole), without
    -ollah (Nematollah → nmt), and the full form of an abbreviation (Mhd → mhmd)."""
    out = [_ABBREVIATIONS[folded]] if folded in _ABBREVIATIONS else []
    for ending in _ALLAH:
        rest = folded.removesuffix(ending).strip()
        if rest != folded and len(skeleton(rest)) >= 2:
            out.append(skeleton(rest))
    for title, least in _GLUED_TITLES.items():
        rest = folded.removeprefix(title).strip()
        if rest[:1] in ("z", "ز") and title in ("mir", "میر"):
            continue
        if rest != folded and len(skeleton(rest)) >= least:
            out.append(skeleton(rest))
    for article in _ARTICLES:
        rest = folded.removeprefix(article).strip()
        if rest != folded and rest[:1] not in _LATIN_VOWELS and len(skeleton(rest)) >= 3:
            out.append(skeleton(rest))
    return tuple(sorted(set(out)))


def _vowel_hints(folded: str) -> str:
    """What the spelling shows of the vowels skeletons drop (module docstring, step 2).

    Persian: "P" + "i" if a ی stands inside the word, "o" if a و does. Latin: "L", "v" or "c"
    for an initial vowel or consonant, the class of the first vowel ("a" for a e i, "o" for o u
    and a vowel before w or u), then "I" if the word has any i, e or y, "O" any o, u, v or w,
    "i" an inner ei ey ee ay ai before a consonant, "o" an inner ou oo uu before a consonant,
    "V" a consonant v or w inside the word (Razavi, Musawi; not the w of Nowruzi).
    """
    word = folded.replace(" ", "").replace("خوا", "خا")  # the و of خوا is silent: Khah, Khaje
    if _is_persian(word):
        inner = word[1:-1]
        return "P" + ("i" if "ی" in inner else "") + ("o" if "و" in inner else "")
    if not word.isascii() or not word.isalpha():
        return ""
    hints = ["L", "v" if word[0] in _LATIN_VOWELS else "c", _first_vowel(word)]
    hints += ["I" if any(c in "iey" for c in word) else ""]
    hints += ["O" if any(c in "ouvw" for c in word) else ""]
    hints += ["i" if _inner_long(word, ("ei", "ey", "ee", "ay", "ai")) else ""]
    hints += ["o" if _inner_long(word, ("ou", "oo", "uu")) else ""]
    hints += ["V" if _inner_v(word) else ""]
    return "".join(hints)


def _inner_v(word: str) -> bool:
    for i in range(1, len(word) - 1):
        if word[i] == "v" or word[i] == "w" and word[i + 1] in _LATIN_VOWELS:
            return True
    return False


def _first_vowel(word: str) -> str:
    for i, c in enumerate(word):
        if c in _LATIN_VOWELS:
            rounded = c in "ou" or word[i + 1 : i + 2] in ("w", "u")
            return "o" if rounded else "a"
    return "-"


def _inner_long(word: str, pairs: tuple[str, ...]) -> bool:
    """A long-vowel spelling inside the word, followed by a consonant (not the -ei of Rezaei)."""
    for i in range(1, len(word) - 2):
        if word[i : i + 2] in pairs and word[i + 2] not in _LATIN_VOWELS:
            return True
    return False


def _vowels_clash(a: str, b: str) -> bool:
    """Do the vowel hints of two words with one skeleton say they are different names?"""
    if not a or not b:
        return False
    if a[0] == b[0] == "L":
        return a[1:3] != b[1:3] or ("V" in a) != ("V" in b)
    if a[0] == b[0] == "P":
        return a != b
    persian, latin = (a, b) if a[0] == "P" else (b, a)
    return (
        ("i" in persian and "I" not in latin)
        or ("o" in persian and "O" not in latin)
        or ("i" not in persian and "i" in latin[3:])
        or ("o" not in persian and ("o" in latin[3:] or "V" in latin))
    )


# --- similarity of two words --------------------------------------------------------------------

Similarity = tuple[float, str]  # (0..1, how: a key of _EXPLAIN)
_CACHE: dict[tuple[str, str], Similarity] = {}  # by the pair of _Word.sig; cleared when full
_CACHE_SIZE = 1 << 18


def _similarity(a: _Word, b: _Word) -> Similarity:
    """How alike two words are, and why (module docstring, step 2). It depends on ``sig`` only,
    so it is cached by it; "skeleton" and "concept" are told apart from "same spelling" when
    the explanation is written."""
    if a.concept and a.concept == b.concept:
        return 1.0, "concept"
    if a.role == "number" or b.role == "number":
        return (1.0, "skeleton") if a.key == b.key else (0.0, "numbers")
    if "acronym" in (a.role, b.role) and not (_is_persian(a.folded) or _is_persian(b.folded)):
        return (1.0, "skeleton") if a.folded == b.folded else (0.0, "differ")
    if a.soft == b.soft:
        if _vowels_clash(a.vowels, b.vowels):
            short = len(a.key) <= RULES.vowel_clash_up_to
            return (RULES.vowel_clash, "vowels") if short else (RULES.vowel_doubt, "doubt")
        return (1.0, "skeleton") if a.key == b.key else (RULES.variant, "variant")
    if a.key in b.alts or b.key in a.alts or set(a.alts) & set(b.alts):
        return RULES.variant, "prefix"
    if _ending_differs(a.soft, b.soft):
        return RULES.suffix, "suffix"
    shortest, longest = sorted((len(a.soft), len(b.soft)))
    if (
        shortest >= 4
        and longest <= MAX_FUZZY
        and a.key[0] == b.key[0]
        and one_edit(a.soft, b.soft)
    ):
        return 1 - 1.5 / longest, "fuzzy"
    return 0.0, "differ"


def _ending_differs(a: str, b: str) -> bool:
    """Is one skeleton the other with one more consonant at the end (Mohammad, Mohammadi), or
    with the final -i (y) for another ending (Mohammadi, Mohammadian)? Such endings make
    surnames of names, and other surnames."""
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(long) == len(short) + 1:
        return len(short) >= 2 and long.startswith(short)
    return len(a) == len(b) >= 3 and a[:-1] == b[:-1] and "y" in (a[-1], b[-1])


def _same_how(a: _Word, b: _Word, how: str) -> str:
    """Tell "same spelling" and "another script" apart from an agreeing skeleton or concept."""
    if how not in ("skeleton", "concept"):
        return how
    if a.folded == b.folded:
        return "same"
    if how == "concept":
        return "translated"
    return "script" if _is_persian(a.folded) != _is_persian(b.folded) else "skeleton"


def one_edit(a: str, b: str) -> bool:
    """Are two different strings one insertion, deletion, substitution or swap of neighbours
    apart?"""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return False
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    swapped = a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :]
    return swapped or a[i + 1 :] == b[i + 1 :]


def _cached_similarity(a: _Word, b: _Word) -> Similarity:
    pair = (a.sig, b.sig)
    found = _CACHE.get(pair)
    if found is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        found = _CACHE[pair] = _similarity(a, b)
    return found


# --- names --------------------------------------------------------------------------------------

_PARENS = re.compile(r"\(([^()]*)\)")
_AKA = re.compile(r"^\s*(?:[af]\.?\s?k\.?\s?a\.?|also known as|formerly)\s*[:.]?\s*", re.IGNORECASE)
_BREAKS = re.compile(r"[\s,،\-\u2010-\u2015/&.;:()\[\]\"«»]+")


# Neighbouring words read as one: (bits, soft skeleton, skeleton, weight agreeing, disagreeing).
_Span = tuple[int, str, str, float, float]


@dataclass(frozen=True, slots=True, eq=False)
class _Name:
    """One name read for comparison; ``words`` in written order, "SURNAME, Given" turned round."""

    source: str  # the name as given to NameSet.of
    kind: Kind
    words: tuple[_Word, ...]
    weighted: tuple[tuple[int, _Word], ...]  # (bit, word) of the words that weigh something
    spans: tuple[_Span, ...]
    differ: float  # the words' weights when disagreeing, summed
    by_soft: dict[str, tuple[int, ...]]  # soft skeleton → bits of the weighted words
    numbers: int  # bits of the numbers
    acronym: str  # a body's one-word name of three to eight letters, its letters sorted
    initials: str  # a body's initials, sorted, when it has three or more words
    body: str  # the WELL_KNOWN_BODIES entry this name is one of, or ""
    keyset: frozenset[str]  # the words' match keys and the joined words' skeletons
    span_softs: frozenset[str]  # the joined words' soft skeletons
    titles: tuple[str, ...]  # explanation lines for the titles left aside


def _variants(name: str, kind: Kind) -> list[str]:
    """The name without its parentheses, plus what they hold: an alias at the end of a body's
    name ("(LEF)"), a spelling of the word before them in a person's ("ARAGHI (ERAGHI)")."""
    found = list(_PARENS.finditer(name))
    if not found:
        return [name]
    out = [_PARENS.sub(" ", name)]
    for m in found:
        inner = _AKA.sub("", m.group(1)).strip()
        if not inner:
            continue
        if kind == "organization":
            if not name[m.end() :].strip():
                out.append(inner)
        elif len(inner.split()) > 1:
            out.append(inner)
        elif _fold(inner) not in _TITLES:
            before = name[: m.start()].split()[:-1]
            out.append(" ".join([*before, inner, name[m.end() :]]))
    return out


def _kind_of(words: Sequence[str], kind: Kind) -> Kind:
    if kind == "person" and any(_fold(w) in _ORG_MARKERS for w in words):
        return "organization"
    return kind


def _surname_last(text: str) -> str:
    """ "SURNAME, Given" (one comma) read in written order, as :mod:`gavah.text.names` does."""
    parts = text.replace("،", ",").split(",")
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        return f"{parts[1]} {parts[0]}"
    return text


_Reader = Callable[[str, str, Kind], "_Name | None"]  # _read_name, or a cache of it


def _read_name(source: str, text: str, kind: Kind) -> _Name | None:
    kind, words = _read_words(text, kind)
    return _assemble(source, kind, words) if words else None


def _read_name_for_keys(source: str, text: str, kind: Kind) -> _Name | None:
    """:func:`_read_name` without what only comparing needs (the joined spans of neighbouring
    words, nearly half the cost of reading a name): enough for :func:`_blocking_keys`."""
    kind, words = _read_words(text, kind)
    return _assemble(source, kind, words, spans=False) if words else None


def _read_words(text: str, kind: Kind) -> tuple[Kind, tuple[_Word, ...]]:
    """The words of one name, weighed, and whether it is a person's or a body's name."""
    raw = [w for w in _BREAKS.split(text) if w][:MAX_WORDS]
    kind = _kind_of(raw, kind)
    if kind == "person":
        raw = [w for w in _BREAKS.split(_surname_last(text)) if w][:MAX_WORDS]
    if kind == "organization":  # Iran's Morality Police: the possessive is no word of the name
        raw = [drop_possessive(w) for w in raw]
    pairs = [(w, f) for w in raw if (f := _fold(w))]
    words = [_read_word(w, f, kind == "organization") for w, f in pairs]
    words = [w for w in words if w.key]
    if not words:
        return kind, ()
    if kind == "organization" and _is_acronym(words):
        words = [_read_word(words[0].text, words[0].folded, True, acronym=True)]
    return kind, tuple(_weigh_titles(words) if kind == "person" else _weigh_stops(words))


def _is_acronym(words: Sequence[_Word]) -> bool:
    """A body's name of one short Latin word is read as an acronym (IRGC, NIOC, MOIS): it meets
    only the same letters in Latin script, or the same sounds in Persian (ساترا, SATRA)."""
    word = words[0].folded
    return len(words) == 1 and 2 <= len(word) <= 5 and word.isascii() and word.isalpha()


def _weigh_titles(words: list[_Word]) -> list[_Word]:
    """A person's titles weigh nothing, unless nothing else is left."""
    titles = _title_marks([w.folded for w in words])
    if all(titles):
        return words
    return [
        replace(w, role="title", weight=0.0, differ=0.0) if t else w
        for w, t in zip(words, titles, strict=True)
    ]


def _title_marks(folded: Sequence[str]) -> list[bool]:
    """Which words are titles: one of _TITLES, or Hojjat/Ayat with its second part within two
    words after or before it, an article between (Hojjat al-Eslam; الاسلام حجت reversed)."""
    marks = [w in _TITLES for w in folded]
    for i, w in enumerate(folded):
        if w not in _TITLE_HEADS:
            continue
        for step in (1, -1):  # after it, or before it in a PDF-reversed alias
            j = i + step
            if 0 <= j < len(folded) and folded[j] in _ARTICLES:
                j += step
            if 0 <= j < len(folded) and folded[j] in _TITLE_TAILS:
                for k in range(min(i, j), max(i, j) + 1):
                    marks[k] = True
    return marks


def _weigh_stops(words: list[_Word]) -> list[_Word]:
    """Stop words and articles weigh nothing in a body's name, unless nothing else is left."""
    stops = [w.role == "stop" or w.folded in _ARTICLES for w in words]
    if all(stops):
        return [replace(w, role="name", weight=1.0, differ=1.0) for w in words]
    return [
        replace(w, role="stop", weight=0.0, differ=0.0) if s else w
        for w, s in zip(words, stops, strict=True)
    ]


def _assemble(source: str, kind: Kind, words: tuple[_Word, ...], *, spans: bool = True) -> _Name:
    weighted = tuple((1 << i, w) for i, w in enumerate(words) if w.weight > 0)
    by_soft: dict[str, tuple[int, ...]] = {}
    for bit, w in weighted:
        if w.role != "acronym":
            by_soft[w.soft] = (*by_soft.get(w.soft, ()), bit)
    letters = words[0].folded if len(words) == 1 else ""
    acronym = letters if kind == "organization" and 3 <= len(letters) <= 8 else ""
    joined = _spans(words) if spans else ()
    span_softs = frozenset(span[1] for span in joined)
    keyset = frozenset().union(*(w.keys for _, w in weighted), span_softs)
    body = _bodies().get(_form(words), "") if kind == "organization" else ""
    initials = _initials(words) if kind == "organization" else ""
    acronym = "".join(sorted(acronym)) if acronym.isascii() and acronym.isalpha() else ""
    return _Name(
        source=source,
        kind=kind,
        words=words,
        weighted=weighted,
        spans=joined,
        differ=sum(w.differ for _, w in weighted),
        by_soft=by_soft,
        numbers=sum(bit for bit, w in weighted if w.role == "number"),
        acronym=acronym,
        initials=initials,
        body=body,
        keyset=keyset,
        span_softs=span_softs,
        titles=tuple(
            f"{w.text}: title, rank or particle, left aside" for w in words if w.role == "title"
        ),
    )


def _form(words: Iterable[_Word]) -> tuple[str, ...]:
    """The words that weigh something, in any order, up to spelling: the key of a body's name."""
    return tuple(sorted(w.concept or w.soft for w in words if w.weight > 0))


@lru_cache(maxsize=1)
def _bodies() -> dict[tuple[str, ...], str]:
    out = {}
    for body, names in WELL_KNOWN_BODIES.items():
        for name in names:
            out[_form(_read_words(name, "organization")[1])] = body
    return out


def _spans(words: tuple[_Word, ...]) -> tuple[_Span, ...]:
    """Two or three neighbouring words read as one (Mohammad Reza → mhmdrz), and two in the
    other order, for Persian aliases whose words came out of a PDF reversed."""
    out = []
    for size in (2, 3):
        for i in range(len(words) - size + 1):
            part = words[i : i + size]
            if not any(w.weight for w in part) or any(w.role == "number" for w in part):
                continue
            orders = [part, part[::-1]] if size == 2 else [part]
            bits = sum(1 << j for j in range(i, i + size))
            weight, differ = sum(w.weight for w in part), sum(w.differ for w in part)
            for key in {k for order in orders for k in _joined_keys(order)}:
                if _adds_up(key, part):
                    out.append((bits, key.translate(_SOFT), key, weight, differ))
    return tuple(sorted(out))


def _joined_keys(words: Sequence[_Word]) -> tuple[str, str]:
    """The skeleton of words read as one, as :mod:`gavah.text.names` joins them (a silent final
    h drops at the seam: Fatemeh Zahra), and of the words written together (Saleh-Nejad as
    Salehnejad, آدینه وند as Adinehvand)."""
    return skeleton(" ".join(w.folded for w in words)), skeleton("".join(w.folded for w in words))


def _adds_up(key: str, part: Sequence[_Word]) -> bool:
    """Does the joined skeleton keep something of every word? "Prison Evin" (prsn + n) collapses
    to prsn, which is Prison alone, and must not pass for both words."""
    lengths = [len(w.key) for w in part]
    return key not in {w.key for w in part} and len(key) >= sum(lengths) - 2 * (len(part) - 1)


def _initials(words: tuple[_Word, ...]) -> str:
    """The sorted first letters of a body's words (of the English word, for a concept)."""
    letters = []
    for w in words:
        if w.weight >= 0.3:
            first = w.folded[:1] if w.folded.isascii() else w.concept[:1]
            if not first or not first.isascii():
                return ""
            letters.append(first)
    return "".join(sorted(letters)) if len(letters) >= 3 else ""


# --- comparing ----------------------------------------------------------------------------------

# One agreement: (similarity, -words covered, bits of the left, bits of the right, weight, how,
# weight of the left words when disagreeing, the same of the right words); sorted best first,
# and of equal ones those covering fewer words, to leave more to agree.
_Agreement = tuple[float, int, int, int, float, str, float, float]


class _Alignment(NamedTuple):
    score: float
    agreements: tuple[_Agreement, ...]
    used_left: int
    used_right: int


def _align(a: _Name, b: _Name) -> _Alignment:
    """The best agreements of the words of two names and the score (module docstring, step 3).

    Agreements are taken greedily, best first. Joined words can crowd out better single ones
    ("Ali al-Hashemi" read as Alhashemi leaves the other side's Ali alone), so when a joined
    agreement was taken, the alignment without any is tried too and the better one kept."""
    a_keys, b_keys = a.keyset, b.keyset
    singles: list[_Agreement] = []
    least, cache = RULES.least, _CACHE
    b_weighted = b.weighted
    for bit_a, wa in a.weighted:
        keys = wa.keys
        if b_keys.isdisjoint(keys):
            continue
        for bit_b, wb in b_weighted:
            if keys.isdisjoint(wb.keys):
                continue
            sim, how = cache.get((wa.sig, wb.sig)) or _cached_similarity(wa, wb)
            if sim >= least:
                weight = (wa.weight + wb.weight) / 2
                singles.append((sim, -2, bit_a, bit_b, weight, how, wa.differ, wb.differ))
    joined: list[_Agreement] = []
    if not a.span_softs.isdisjoint(b_keys):
        _add_joined(joined, a, b, flip=False)
    if not b.span_softs.isdisjoint(a_keys):
        _add_joined(joined, b, a, flip=True)
    best = _choose(a, b, singles + joined)
    if joined and any(c[5] == "joined" for c in best.agreements):
        plain = _choose(a, b, singles)
        if plain.score > best.score:
            return plain
    return best


def _choose(a: _Name, b: _Name, found: list[_Agreement]) -> _Alignment:
    found.sort(reverse=True)
    used_a = used_b = 0
    chosen = []
    for agreement in found:
        if agreement[2] & used_a or agreement[3] & used_b:
            continue
        used_a |= agreement[2]
        used_b |= agreement[3]
        chosen.append(agreement)
    return _Alignment(_score(a, b, chosen, used_a, used_b), tuple(chosen), used_a, used_b)


def _add_joined(found: list[_Agreement], a: _Name, b: _Name, *, flip: bool) -> None:
    """Neighbouring words of ``a`` read as one against single words of ``b``."""
    by_soft, words = b.by_soft, b.words
    for bits, soft, key, weight, differ in a.spans:
        if soft not in by_soft:
            continue
        for bit_b in by_soft[soft]:
            word = words[bit_b.bit_length() - 1]
            sim = 1.0 if key == word.key else RULES.variant
            w = (weight + word.weight) / 2
            size = -1 - bits.bit_count()
            if flip:
                found.append((sim, size, bit_b, bits, w, "joined", word.differ, differ))
            else:
                found.append((sim, size, bits, bit_b, w, "joined", differ, word.differ))


def _score(a: _Name, b: _Name, chosen: Sequence[_Agreement], used_a: int, used_b: int) -> float:
    agree = weight = 0.0
    left, right = a.differ, b.differ  # what is left over on each side, weighed
    for c in chosen:
        agree += c[0] * c[4]
        weight += c[4]
        left -= c[6]
        right -= c[7]
    left, right = max(left, 0.0), max(right, 0.0)  # rounding
    conflict, extra = min(left, right), abs(left - right)
    kind = a.kind if left > right else b.kind
    cost = RULES.extra_person if kind == "person" else RULES.extra_organization
    if len(chosen) <= 1:
        cost = max(cost, RULES.extra_thin)
    total = weight + RULES.conflict * conflict + cost * extra
    score = agree / total if total else 0.0
    if a.numbers & ~used_a and b.numbers & ~used_b:
        score = min(score, RULES.number_clash)
    return score


# --- explanation --------------------------------------------------------------------------------

# How two words agree or disagree: (sign, plain words); {} takes the skeleton, the concept or the
# percentage, as the third element says.
_EXPLAIN: dict[str, tuple[str, str, str]] = {
    "same": ("=", "same spelling", ""),
    "skeleton": ("≈", "same name, spelling differs (same consonants {})", "key"),
    "script": ("≈", "same name in Persian and Latin script (same consonants {})", "key"),
    "variant": ("≈", "same name, transliteration variant (gh/q/g/k written alike)", ""),
    "prefix": ("≈", "same name, with a title, al-, -ollah or an abbreviation (Mir-, Mhd)", ""),
    "joined": ("=", "same name, written as one word on one side", ""),
    "translated": ("=", "the same word in another language or spelling ({})", "concept"),
    "suffix": ("~", "only the ending differs (-i, -an), which often makes another name", ""),
    "fuzzy": ("~", "similar spelling, {}% alike (one consonant differs)", "percent"),
    "vowels": ("≠", "same consonants but other vowels, so different names", ""),
    "doubt": ("~", "same consonants but other vowels, perhaps another name", ""),
    "numbers": ("≠", "different numbers, a strong sign of different bodies", ""),
    "differ": ("≠", "different names", ""),
}
_GENERIC_NOTE = "; a generic word, it counts little"
_COMMON_NOTE = "; a very common name, it counts less"


def _text(name: _Name, bits: int) -> str:
    if bits & (bits - 1) == 0:
        return name.words[bits.bit_length() - 1].text
    return " ".join(w.text for i, w in enumerate(name.words) if bits >> i & 1)


def _line(left: str, how: str, right: str, detail: str = "") -> str:
    sign, words, _ = _EXPLAIN[how]
    return f"{left} {sign} {right}: {words.format(detail) if detail else words}"


def _explain(a: _Name, b: _Name, alignment: _Alignment) -> tuple[str, ...]:
    lines = [
        _agreement_line(a, b, bits_a, bits_b, how, sim, weight)
        for sim, _, bits_a, bits_b, weight, how, *_ in sorted(
            alignment.agreements, key=lambda c: c[2]
        )
    ]
    lines += _leftover_lines(a, b, alignment)
    return (*lines, *a.titles, *b.titles)


def _agreement_line(
    a: _Name, b: _Name, bits_a: int, bits_b: int, how: str, sim: float, weight: float
) -> str:
    wa, wb = a.words[bits_a.bit_length() - 1], b.words[bits_b.bit_length() - 1]
    single = bits_a & (bits_a - 1) == 0 and bits_b & (bits_b - 1) == 0
    how = _same_how(wa, wb, how) if single else how
    field = _EXPLAIN[how][2]
    detail = wa.key if field == "key" else wa.concept if field == "concept" else ""
    detail = str(round(sim * 100)) if field == "percent" else detail
    line = _line(_text(a, bits_a), how, _text(b, bits_b), detail)
    if weight < 0.5:
        return line + _GENERIC_NOTE
    if wa.role == "common" and single:
        return line + _COMMON_NOTE
    return line


def _leftover_lines(a: _Name, b: _Name, alignment: _Alignment) -> list[str]:
    left = [w for bit, w in a.weighted if not bit & alignment.used_left]
    right = [w for bit, w in b.weighted if not bit & alignment.used_right]
    lines = []
    for wa, wb in zip(left, right, strict=False):
        how = _cached_similarity(wa, wb)[1]
        lines.append(_line(wa.text, how if how in ("vowels", "numbers") else "differ", wb.text))
    for side, rest in (("left", left[len(right) :]), ("right", right[len(left) :])):
        for w in rest:
            note = _GENERIC_NOTE if w.weight < 0.5 else ""
            lines.append(f"{w.text}: only in the {side} name (a missing part costs a little){note}")
    return lines


# --- public -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NameSet:
    """Precomputed keys of all the names of one entity (primary name and aliases, any script)."""

    names: tuple[str, ...]
    kind: Kind = "person"
    parsed: tuple[_Name, ...] = field(default=(), repr=False, compare=False)
    keys: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    # each given name's readings, as read (before readings alike were merged): :meth:`part`
    by_source: Mapping[str, tuple[_Name, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def of(cls, names: Iterable[str], *, kind: Kind = "person") -> NameSet:
        """Read every name once. Names that are not strings or hold no letter or digit are
        skipped; if none is left, :class:`InputError` is raised (an entity without a readable
        name cannot be screened, and must not pass as "no match")."""
        return cls._read(names, kind, _read_name, blocking=True)

    @classmethod
    def _read(cls, names: Iterable[str], kind: Kind, read: _Reader, *, blocking: bool) -> NameSet:
        given = tuple(dict.fromkeys(n for n in names if isinstance(n, str) and n.strip()))
        by_source: dict[str, tuple[_Name, ...]] = {}
        for source in given:
            # Arabic conventions and other scripts: extra readings, gavah.text.arabic
            texts = [*_variants(source, kind), *readings(source)]
            by_source[source] = tuple(n for t in texts if (n := read(source, t, kind)))
        parsed = _merged(given, by_source)
        if not parsed:
            shown = ", ".join(repr(n[:40]) for n in given[:3]) or "nothing"
            raise InputError(
                f"no name to compare in {shown}",
                hint="give at least one name with a consonant or a digit in it",
            )
        found = tuple(parsed.values())
        keys = frozenset(k for n in found for k in _blocking_keys(n)) if blocking else frozenset()
        return cls(given, kind, found, keys, by_source)

    def part(self, names: Sequence[str], kind: Kind) -> NameSet | None:
        """``NameSet.of(names, kind=kind)`` for comparison (without blocking keys), made from
        this set's readings when every one of ``names`` is among its names and read as
        ``kind``; None otherwise, or when none is readable. Reading a name is the slow part
        of scoring a pair, and a record's primary name has been read with the others."""
        given = tuple(dict.fromkeys(n for n in names if n.strip()))
        if kind != self.kind or not all(n in self.by_source for n in given):
            return None
        parsed = _merged(given, self.by_source)
        return NameSet(given, kind, tuple(parsed.values())) if parsed else None

    @classmethod
    def keys_of(cls, names: Iterable[str], *, kind: Kind = "person") -> frozenset[str]:
        """The blocking keys :meth:`of` would give, without reading the names for comparison (an
        index is built from keys alone; tests/sanctions/test_index.py checks that both agree).
        Raises :class:`InputError` as :meth:`of` does."""
        return cls._read(names, kind, _read_name_for_keys, blocking=True).keys

    def blocking_keys(self) -> set[str]:
        """Keys for candidate generation in an inverted index: two NameSets that could match share at
        least one key; a key shared by very many entries (a common first name) is for the index to
        down-weight or skip. Keep the set small (a handful per name)."""
        return set(self.keys)


def _merged(
    given: Sequence[str], by_source: Mapping[str, tuple[_Name, ...]]
) -> dict[tuple[str, ...], _Name]:
    """The readings of ``given``, in order, one of each set of readings alike."""
    parsed: dict[tuple[str, ...], _Name] = {}
    for source in given:
        for name in by_source[source]:
            parsed.setdefault(tuple(w.sig + w.role for w in name.words), name)
    return parsed


def _blocking_keys(name: _Name) -> set[str]:
    """The keys of one name (see :meth:`NameSet.blocking_keys`):

    - "t:" each word's soft skeleton or concept (words of weight 0.5 or more, or all of them
      if there are none), the skeletons under a written-on title, and two neighbouring words
      written together, unless both are generic (Post Bank, Postbank; Saleh Nejad, Salehnejad);
    - "p:" the first three consonants of a word of four or more, for one-consonant typos later
      in the word;
    - "c:" the whole name written together: its own words, and its own words with the titles,
      articles and single letters (N.A.Z.); generic and legal-form words left out;
    - "a:" a body's acronym or initials, sorted; "b:" its WELL_KNOWN_BODIES entry.
    """
    weighted = [w for _, w in name.weighted]
    words = [w for w in weighted if w.weight >= 0.5] or weighted
    keys = {f"t:#{w.concept}" if w.concept else f"t:{w.soft}" for w in words}
    keys |= {f"t:{alt.translate(_SOFT)}" for w in words for alt in w.alts}
    keys |= {f"p:{w.soft[:3]}" for w in words if len(w.soft) >= 4 and not w.concept}
    for one, two in zip(weighted, weighted[1:], strict=False):
        if not (one.concept and two.concept):
            keys.add(f"t:{_together([one, two])}")
    own = [w for w in name.words if not w.concept]
    keys |= {f"c:{_together(part)}" for part in (own, [w for w in own if w.weight >= 0.3]) if part}
    keys |= {f"a:{x}" for x in (name.acronym, name.initials) if x}
    keys |= {f"b:{name.body}"} if name.body else set()
    return keys


def _together(words: Sequence[_Word]) -> str:
    """The soft skeleton of words written together as one."""
    return skeleton("".join(w.folded for w in words)).translate(_SOFT)


@dataclass(frozen=True)
class NameComparison:
    """The best-agreeing pair of names of two entities, its score and the reasons.

    The reasons are put into words only when :attr:`explanation` is read: screening scores
    some twenty candidates a query and shows few of them, and the words cost as much as the
    score."""

    score: float  # 0..1; 1 = same name up to spelling/script/order
    left: str  # the left name that gave the best score, as written
    right: str  # the right name, as written
    why: tuple[_Name, _Name, _Alignment] | tuple[str, ...] = field(repr=False, compare=False)

    @cached_property
    def explanation(self) -> tuple[str, ...]:
        """Plain-language lines, one per word or pair of words."""
        if len(self.why) == 3 and isinstance(self.why[2], _Alignment):
            a, b, alignment = self.why
            return _explain(a, b, alignment)
        return self.why


def compare(left: NameSet, right: NameSet) -> NameComparison:
    """Compare every name of ``left`` with every name of ``right``; the best pair wins."""
    best: tuple[float, _Alignment | str, _Name, _Name] | None = None
    for a, b in product(left.parsed, right.parsed):
        if a.keyset.isdisjoint(b.keyset) and not (a.acronym or a.body or b.acronym or b.body):
            continue  # None from _pair, told without the call (many pairs of names)
        found = _pair(a, b)
        if found is not None and (best is None or found[0] > best[0]):
            best = (*found, a, b)
            if found[0] >= 1.0:
                break
    if best is None:
        line = "no word of any name on one side agrees with a word of a name on the other"
        return NameComparison(0.0, left.parsed[0].source, right.parsed[0].source, (line,))
    score, reason, a, b = best
    why = (reason,) if isinstance(reason, str) else (a, b, reason)
    return NameComparison(round(score, 4), a.source, b.source, why)


@dataclass
class NameScores:
    """The scores of :func:`compare` for the many pairs of name sets record linkage asks about,
    each pair of distinct readings scored once.

    Lists write one name many ways that read alike (Mohammad Rezaei, MOHAMMAD REZAEI, Mohamad
    Rezaei: the same skeletons, vowel hints and joined words), and the score of two names
    depends on nothing else (:func:`_reading`). So names are read once each, without the
    blocking keys linkage does not use (:meth:`name_set`), and two readings scored once
    (:meth:`score`). It keeps every name and score it has seen: one per linkage run."""

    _names: dict[tuple[str, str, Kind], _Name | None] = field(default_factory=dict)
    _readings: dict[tuple[object, ...], int] = field(default_factory=dict)  # -> its number
    _reading_of: dict[_Name, int] = field(default_factory=dict)  # by identity (eq=False)
    _scores: dict[int, float] = field(default_factory=dict)  # two readings' numbers -> score
    _numbers: Iterator[int] = field(default_factory=count)

    def name_set(self, names: Iterable[str], *, kind: Kind = "person") -> NameSet:
        """:meth:`NameSet.of`, with no blocking keys (an empty set)."""
        return NameSet._read(names, kind, self._read_name, blocking=False)

    def score(self, left: NameSet, right: NameSet) -> float:
        """``compare(left, right).score``: the best score of a name of each."""
        return self.best(self.readings(left), self.readings(right))

    def readings(self, names: NameSet) -> tuple[tuple[int, _Name], ...]:
        """The names of a set, each with the number of its reading: what :meth:`best` takes,
        for a caller that scores one set against many."""
        return tuple((self._number(a), a) for a in names.parsed)

    def best(self, left: Sequence[tuple[int, _Name]], right: Sequence[tuple[int, _Name]]) -> float:
        """:meth:`score` of two sets given as :meth:`readings` gives them."""
        best = 0.0
        scores = self._scores
        for number, a in left:
            row = number << 32
            for other, b in right:
                pair = row | other
                found = scores.get(pair)
                if found is None:
                    scored = _pair(a, b)
                    found = scores[pair] = 0.0 if scored is None else scored[0]
                if found >= 1.0:  # no score is higher
                    return round(found, 4)
                if found > best:
                    best = found
        return round(best, 4)

    def _read_name(self, source: str, text: str, kind: Kind) -> _Name | None:
        key = (source, text, kind)
        if key not in self._names:
            self._names[key] = _read_name(source, text, kind)
        return self._names[key]

    def _number(self, name: _Name) -> int:
        found = self._reading_of.get(name)
        if found is None:
            # Several DuckDB threads may ask at once: setdefault keeps one number per reading.
            number = self._readings.setdefault(_reading(name), next(self._numbers))
            found = self._reading_of[name] = number
        return found


def _reading(name: _Name) -> tuple[object, ...]:
    """All of a name that :func:`_pair` reads: its kind, each word's signature (word
    similarities are cached by it), role and weights, its joined words, and what a body's name
    is known as. The rest (the words as written, the titles) only goes into explanations."""
    words = tuple((w.sig, w.role, w.weight, w.differ) for w in name.words)
    return (name.kind, words, name.spans, name.acronym, name.initials, name.body)


def _pair(a: _Name, b: _Name) -> tuple[float, _Alignment | str] | None:
    """The score of two names and its reason; None when no word of one meets a word of the
    other (told cheaply from their match keys) and they do not agree as wholes either."""
    whole = (
        a.acronym
        and a.acronym == b.initials
        or b.acronym
        and b.acronym == a.initials
        or a.body
        and a.body == b.body
    )
    if a.keyset.isdisjoint(b.keyset):
        why = _whole_name(a, b, 0.0) if whole else ""
        return (RULES.whole_name, why) if why else None
    alignment = _align(a, b)
    why = _whole_name(a, b, alignment.score) if whole else ""
    return (RULES.whole_name, why) if why else (alignment.score, alignment)


def _whole_name(a: _Name, b: _Name, score: float) -> str:
    """Why two bodies' names agree as wholes though their words do not (an acronym, a
    well-known body), when that beats ``score``; else ""."""
    if score >= RULES.whole_name or a.kind == b.kind == "person":
        return ""
    if a.body and a.body == b.body:
        return f"{a.source} = {b.source}: two names of one body, {a.body} (WELL_KNOWN_BODIES)"
    short, full = (a, b) if a.acronym else (b, a)
    if short.acronym and short.acronym == full.initials:
        whole = " ".join(w.text for w in full.words)
        return f"{short.words[0].text} = {whole}: the acronym is made of the initials of the name"
    return ""
