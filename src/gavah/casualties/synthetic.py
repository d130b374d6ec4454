"""Synthetic victim lists with known truth: for the linkage benchmark, tests and the demo.

Nothing here describes a real person. :func:`people` draws a population of invented victims, each
a random combination of a common Persian given name and a common surname, an age, a date of death
and a province. :func:`lists` then has several documenting organisations record some of them,
each in its own house style and with the errors real lists have. Every record says so itself: its
``note`` column is :data:`SYNTHETIC_NOTE`, and :func:`write_csv` refuses a record without it.

The truth travels with every record: ``truth_id`` is the ``person_id`` of the person it describes.
Records with the same ``truth_id`` are the same person, on different lists or twice on one list;
:func:`linkage_truth` turns that into the set of true pairs a linker is scored against, and
:func:`capture_pattern_counts` into the true capture histories (including the people no list
recorded) that multiple systems estimation tries to recover.

House styles (:data:`STYLES`, list ``j`` uses ``STYLES[j % 3]``):

- ``bilingual``: names in both scripts, Gregorian ISO dates (2026-01-08), gender male/female;
- ``latin``: Latin names only, some written "SURNAME, Given", Solar Hijri dates in Persian digits
  (۱۴۰۴/۱۰/۱۸), gender M/F;
- ``persian``: Persian names only, Solar Hijri dates in Latin digits (1404/10/18), gender
  مرد/زن, places in Persian.

A clean record shows the truth in its list's style with canonical spellings. A noisy record gets
one or more corruptions (:data:`CORRUPTIONS`): another transliteration, Arabic letter forms,
ZWNJ/space/nothing inside compound names, a missing name part, a typo, age off by 1-2, missing or
replaced by an age group, date off by a day or missing, place missing or spelled differently.

Determinism: the same arguments give identical output with the same numpy version (numpy may
change a Generator's streams between versions). Noise draws come from their own stream, so the
same seed with a different ``noise`` gives the same people on the same lists in the same order.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import re
import string
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

import jdatetime
import numpy as np
import numpy.typing as npt

from gavah.errors import InputError
from gavah.text import places

SYNTHETIC_NOTE = "SYNTHETIC - not real people"
COLUMNS = (
    "record_id",
    "truth_id",
    "name",
    "name_fa",
    "age",
    "age_group",
    "gender",
    "date",
    "place",
    "note",
)
ZWNJ = "\u200c"  # zero-width non-joiner: joins the parts of compound Persian names

# The population. Most people killed in the crackdowns these lists document were men and young.
MALE_SHARE = 0.85
CHILD_SHARE = 0.05  # aged 1-17; adults are 17 + Gamma(2, 7) years (mean 31)
GIVEN_ZIPF = 1.0  # name frequency ~ 1 / rank**s: many people share the commonest names
SURNAME_ZIPF = 0.7
DERIVED_SHARE = 0.5  # people whose surname is a derived one (Hosseinzadeh, Rezapour, ...)
DERIVED_ZIPF = 0.5
# Surnames made from a given name and a suffix, as many Iranian surnames are; with them about
# 820 surnames instead of 176, so that full names collide about as much as in real lists.
_SUFFIXES = (
    ("zadeh", ZWNJ + "زاده"),
    ("pour", ZWNJ + "پور"),
    ("nejad", ZWNJ + "نژاد"),
    ("far", ZWNJ + "فر"),
    ("nia", ZWNJ + "نیا"),
    ("vand", "وند"),
    ("khani", "خانی"),
    ("loo", "لو"),
)
# Deaths cluster on days of mass protest: two peaks, at these fractions of the window.
PEAKS = (0.35, 0.6)
PEAK_WIDTH = 0.05  # standard deviation, as a fraction of the window
PEAK_HEIGHT = 5.0  # peak day weight over a quiet day's weight of 1

# Heterogeneity (a 1-D capture with heterogeneity=True): two equal latent classes whose capture
# probabilities are p - d and p + d, d = VISIBILITY_SPREAD * min(p, 1 - p). Each list still records
# a share p on average, but the same people are hidden from (or visible to) every list.
VISIBILITY_SPREAD = 0.8

# Noise.
_ATTEMPTS = 100  # corruption draws per noisy record before giving up (one nearly always does)
EXTRA_CORRUPTION = 0.35  # after each corruption, the chance of one more: errors come in bunches
AGE_GROUPS = ((0, 17), (18, 29), (30, 44), (45, 59), (60, 200))

T = TypeVar("T")


@dataclass(frozen=True)
class Name:
    """A given name or surname: Persian script, and Latin spellings with the canonical first."""

    fa: str
    latin: tuple[str, ...]

    @property
    def en(self) -> str:
        return self.latin[0]


@dataclass(frozen=True)
class Province:
    """An Iranian province: Latin spellings (canonical first), Persian name, 2016 population."""

    latin: tuple[str, ...]
    fa: str
    population: float  # millions; weights where the synthetic deaths happen

    @property
    def name(self) -> str:
        return self.latin[0]


@dataclass(frozen=True, slots=True)
class Person:
    """One invented victim: the truth that the lists' records describe, imperfectly."""

    person_id: int
    given_fa: str
    surname_fa: str
    given_en: str
    surname_en: str
    gender: str  # "male" or "female", consistent with the given name
    age: int
    date: datetime.date  # date of death
    province: str  # canonical Latin name, one of PROVINCES


# Name tables, commonest first (the rank gives the Zipf weight). Columns: Persian, canonical Latin,
# other Latin spellings. In a compound, "+" joins the parts: ZWNJ in Persian, nothing in Latin
# (Mohammad+reza: Mohammadreza); "_" keeps a space (Fatemeh_Zahra: Fatemeh Zahra). Spellings that
# follow the rules in _SPELLING_RULES (Gh/Q, ou/u, ei/ey, final eh/e, doubled letters) are added
# to every name automatically; the table lists only the irregular ones.
_MALE = """
محمد Mohammad Mohammed Muhammad Mohamad
علی Ali Aly
حسین Hossein Hussein Hosein Husain
محمد+رضا Mohammad+reza
رضا Reza Riza
مهدی Mehdi Mahdi
امیر+حسین Amir+hossein
ابوالفضل Abolfazl Abolfazel Abulfazl
علی+رضا Ali+reza
امیر Amir Ameer
حسن Hassan Hasan
احمد Ahmad Ahmed
محمود Mahmoud Mahmood Mahmud
جواد Javad Jawad
محمد+علی Mohammad+ali
حمید Hamid Hameed
سعید Saeed Said Saeid Saied
مجید Majid Majeed
مصطفی Mostafa Mustafa Moustafa
مرتضی Morteza Murtaza Mortaza
محمد+حسین Mohammad+hossein
هادی Hadi Hady
عباس Abbas
ابراهیم Ebrahim Ibrahim
اسماعیل Esmail Ismail Esmaeil Esmaeel
یوسف Yousef Yusuf Yousof Youssef
داوود Davood Davud Davoud Dawood
جعفر Jafar Jaafar Djafar
محمد+مهدی Mohammad+mehdi
کریم Karim Kareem
اکبر Akbar
اصغر Asghar
کاظم Kazem Kazim
مسعود Masoud Masood Masud
نوید Navid Naveed
امید Omid Omeed
غلام+رضا Gholam+reza
بهنام Behnam
بهزاد Behzad
فرهاد Farhad
آرش Arash
بابک Babak
کوروش Kourosh Kurosh
داریوش Dariush Daryoush Dariyoush
سیاوش Siavash Siavosh Siyavash
پویا Pouya Pooya Puya
سینا Sina
میلاد Milad
پیمان Peyman Payman Peiman
پدرام Pedram
کیان Kian Kiyan
نیما Nima
امین Amin Ameen
عرفان Erfan Irfan
محسن Mohsen Muhsin
وحید Vahid Waheed
سجاد Sajjad
حامد Hamed
یاسر Yaser Yasser Yasir
یونس Younes Yunus Younis
قاسم Ghasem Qasim
امیر+علی Amir+ali
نادر Nader
شهرام Shahram
کامران Kamran
رسول Rasoul Rasul
جلال Jalal
رامین Ramin
سامان Saman
پارسا Parsa
متین Matin
طاها Taha
سهیل Soheil Sohail
خلیل Khalil Khaleel
علی+اکبر Ali+akbar
بهرام Bahram
فریدون Fereydoun Fereidoun
عبدالله Abdollah Abdullah Abdolah
صالح Saleh Salih
جمال Jamal
منصور Mansour Mansur
"""

_FEMALE = """
فاطمه Fatemeh Fatima Fatemah
زهرا Zahra Zahraa
مریم Maryam Mariam
زینب Zeinab Zainab Zaynab
معصومه Masoumeh Massoumeh
فاطمه+زهرا Fatemeh_Zahra
نرگس Narges
سکینه Sakineh Sakina
سمیه Somayeh Sumayya
لیلا Leila Layla Laila
زهرا+سادات Zahra_Sadat
مینا Mina
الهام Elham
سارا Sara Sarah
نازنین Nazanin
مهسا Mahsa
پریسا Parisa
شیرین Shirin Shireen
اعظم Azam Aazam
رویا Roya
سمیرا Samira Sameera
ندا Neda
زیبا Ziba
سهیلا Soheila Suhaila
مهناز Mahnaz
شهلا Shahla
پروانه Parvaneh
محبوبه Mahboubeh Mahbubeh
طاهره Tahereh Tahira
رباب Robab Rubab
خدیجه Khadijeh Khadija Khadidja
فاطمه+سادات Fatemeh_Sadat
اشرف Ashraf
اکرم Akram
عفت Effat
منیره Monireh Munira
نسرین Nasrin Nasreen
شهناز Shahnaz
فرزانه Farzaneh
فرشته Fereshteh
آزاده Azadeh
مهتاب Mahtab
نیلوفر Niloufar Nilufar
نگین Negin
نیکا Nika
هستی Hasti
عسل Asal
هلیا Helia Heliya
یاسمن Yasaman Yasamin Yasmin
غزل Ghazal
بهاره Bahareh
گلناز Golnaz
سپیده Sepideh
ستاره Setareh
هانیه Hanieh Haniyeh
کوثر Kowsar Kosar Kausar
ریحانه Reyhaneh
مبینا Mobina
عاطفه Atefeh
مرضیه Marzieh Marziyeh
راضیه Razieh Raziyeh
منصوره Mansoureh Mansura
طیبه Tayebeh Tayyebeh Taibeh
هاجر Hajar Hadjar
گوهر Gohar
بتول Batoul Batul
فروغ Forough Forugh
شبنم Shabnam
میترا Mitra
صدیقه Sedigheh Siddiqa
شکوفه Shokoufeh
ملیکا Melika Malika
ام+البنین Om+olbanin Umolbanin
ثریا Soraya Sorayya Thuraya
پرستو Parastoo Parastu
فریبا Fariba
مهین Mahin
"""

_SURNAMES = """
محمدی Mohammadi Muhammadi
حسینی Hosseini Husseini
احمدی Ahmadi Ahmady
رضایی Rezaei Rezaie
موسوی Mousavi Musawi
حیدری Heidari Haidari
کریمی Karimi
جعفری Jafari Djafari Jaafari
هاشمی Hashemi Hashimi
صادقی Sadeghi
رحیمی Rahimi
قاسمی Ghasemi
حسین+زاده Hossein+zadeh
اکبری Akbari
کاظمی Kazemi Kazimi
ابراهیمی Ebrahimi Ibrahimi
رستمی Rostami Rustami
مرادی Moradi Muradi
علی+زاده Ali+zadeh
رحمانی Rahmani
کمالی Kamali
نجفی Najafi
امیری Amiri
زارعی Zarei Zareie
عباسی Abbasi
سلیمانی Soleimani Suleimani
یوسفی Yousefi Yusefi Yousofi
عزیزی Azizi
باقری Bagheri
طاهری Taheri
نوری Nouri
شکری Shokri Shukri
حسن+زاده Hassan+zadeh
صالحی Salehi
حمیدی Hamidi
جلالی Jalali
خلیلی Khalili
قربانی Ghorbani
اسدی Asadi
محمودی Mahmoudi
کیانی Kiani Kiyani
شهبازی Shahbazi
صفری Safari
فلاح Fallah
عبداللهی Abdollahi Abdullahi
شریفی Sharifi
خدادادی Khodadadi
توکلی Tavakoli Tavakkoli
حسین+پور Hossein+pour
زمانی Zamani
میرزایی Mirzaei
اسکندری Eskandari Iskandari
غفاری Ghaffari
شیرازی Shirazi
اسماعیلی Esmaili Ismaili Esmaeili
فاضلی Fazeli
حبیبی Habibi
رشیدی Rashidi
صدری Sadri
دانشور Daneshvar
فراهانی Farahani
کرمانی Kermani
تهرانی Tehrani
اصفهانی Esfahani Isfahani
تبریزی Tabrizi
بهرامی Bahrami
درویشی Darvishi Darwishi
نظری Nazari
رنجبر Ranjbar
منصوری Mansouri
اخوان Akhavan
ناصری Naseri
مقدم Moghaddam
فرهمند Farahmand
کردی Kordi Kurdi
رسولی Rasouli
صابری Saberi
وحیدی Vahidi
طالبی Talebi
انصاری Ansari
پناهی Panahi
شجاعی Shojaei
اکبر+زاده Akbar+zadeh
رضا+زاده Reza+zadeh
غلامی Gholami
کرمی Karami
صمدی Samadi
بیات Bayat
عسگری Asgari Askari
یزدانی Yazdani
محمد+پور Mohammad+pour
علی+پور Ali+pour
احمد+پور Ahmad+pour
بابایی Babaei
داوودی Davoodi
مصطفوی Mostafavi Mustafavi
نصیری Nasiri
سهرابی Sohrabi
رهنما Rahnama
جهانی Jahani
خسروی Khosravi
نادری Naderi
مهرابی Mehrabi
ولی+زاده Vali+zadeh
قنبری Ghanbari
لطفی Lotfi
رمضانی Ramezani Ramazani
فرجی Faraji
مجیدی Majidi
مختاری Mokhtari
بختیاری Bakhtiari Bakhtiyari
بلوچی Baluchi Balouchi
ریگی Rigi
ناروئی Narouei Naroui
شهبخش Shahbakhsh
آزادی Azadi
امینی Amini
سعیدی Saeedi Saeidi Saidi
شیخی Sheikhi
شریعتی Shariati
متقی Mottaghi
قادری Ghaderi
عابدی Abedi
عباس+پور Abbas+pour
باقر+زاده Bagher+zadeh
جعفر+زاده Jafar+zadeh
نیک+پور Nik+pour
کامرانی Kamrani
اشرفی Ashrafi
اکبریان Akbarian
کریمیان Karimian
رحیمیان Rahimian
احمدیان Ahmadian
مرادیان Moradian
سلطانی Soltani Sultani
بزرگی Bozorgi
کاشانی Kashani
زنجانی Zanjani
اردلان Ardalan
افشار Afshar
افشاری Afshari
بهمنی Bahmani
گلستانی Golestani
محبی Mohebbi
نیکبخت Nikbakht
نیکنام Niknam
پاکزاد Pakzad
رئیسی Raeisi Raisi Raeesi
سبحانی Sobhani
ترابی Torabi
واعظی Vaezi
یعقوبی Yaghoubi Yaqubi
ذوالفقاری Zolfaghari
ضیایی Ziaei
سلیمی Salimi
جمشیدی Jamshidi
شفیعی Shafiei Shafii
خادمی Khademi
شهیدی Shahidi
فتحی Fathi
حقیقی Haghighi
حجازی Hejazi Hijazi
جوادی Javadi
لطیفی Latifi
مظاهری Mazaheri
نعمت+اللهی Nemat+ollahi
امیدی Omidi
رضوانی Rezvani Rizvani
صبوری Sabouri
تقوی Taghavi
وزیری Vaziri
زارع Zare Zarea
دهقان Dehghan
دهقانی Dehghani
پور+محمدی Pour+mohammadi
قلی+زاده Gholi+zadeh
"""

# Population in millions (2016 census), by the canonical names of gavah.text.places.
_POPULATION = {
    "Tehran": 13.27,
    "Razavi Khorasan": 6.43,
    "Isfahan": 5.12,
    "Fars": 4.85,
    "Khuzestan": 4.71,
    "East Azerbaijan": 3.91,
    "Mazandaran": 3.28,
    "West Azerbaijan": 3.27,
    "Kerman": 3.16,
    "Sistan and Baluchestan": 2.78,
    "Alborz": 2.71,
    "Gilan": 2.53,
    "Kermanshah": 1.95,
    "Golestan": 1.87,
    "Hormozgan": 1.78,
    "Lorestan": 1.76,
    "Hamadan": 1.74,
    "Kurdistan": 1.60,
    "Markazi": 1.43,
    "Qom": 1.29,
    "Qazvin": 1.27,
    "Ardabil": 1.27,
    "Bushehr": 1.16,
    "Yazd": 1.14,
    "Zanjan": 1.06,
    "Chaharmahal and Bakhtiari": 0.95,
    "North Khorasan": 0.86,
    "South Khorasan": 0.77,
    "Kohgiluyeh and Boyer-Ahmad": 0.71,
    "Semnan": 0.70,
    "Ilam": 0.58,
}


# Systematic transliteration differences, applied one at a time to a lower-cased simple name.
_SPELLING_RULES: tuple[tuple[str, str], ...] = (
    ("gh", "q"),  # ق and غ: Ghasemi / Qasemi
    ("q", "gh"),
    ("kh", "ch"),  # خ in German-style transliteration: Khosravi / Chosravi
    ("oo", "u"),  # و: Davood / Davud / Davoud
    ("oo", "ou"),
    ("ou", "u"),
    ("ou", "oo"),
    ("aei", "aee"),  # ایی: Rezaei / Rezaee / Rezayi
    ("aei", "ayi"),
    ("ei", "ey"),  # Heidari / Heydari
    ("ey", "ei"),
    ("eh$", "e"),  # final ه: Fatemeh / Fateme
    (r"([b-df-hj-np-tv-z])\1", r"\1"),  # doubled consonant written once: Moghaddam / Moghadam
)
_COMPOUND = re.compile(r"[+_]")


def _rows(table: str) -> list[list[str]]:
    return [line.split() for line in table.strip().splitlines()]


def _dedupe(spellings: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(spellings))


def _rule_spellings(word: str) -> list[str]:
    lower = word.lower()
    changed = (re.sub(pattern, repl, lower) for pattern, repl in _SPELLING_RULES)
    return [s.capitalize() for s in changed if s != lower]


def _simple_spellings(rows: Iterable[list[str]]) -> dict[str, tuple[str, ...]]:
    return {
        row[1]: _dedupe([row[1], *row[2:], *_rule_spellings(row[1])])
        for row in rows
        if not _COMPOUND.search(row[1])
    }


def _compound_spellings(
    spec: str, extra: Sequence[str], simple: Mapping[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """Mohammad+reza: Mohammadreza, Mohammad Reza, Mohammad-Reza, Muhammadreza, ..."""
    first, second = (part.capitalize() for part in _COMPOUND.split(spec))
    separators = ("", " ", "-") if "+" in spec else (" ", "", "-")

    def form(a: str, b: str, sep: str) -> str:
        return a + sep + (b if sep else b.lower())

    def variants(part: str) -> tuple[str, ...]:
        return simple.get(part) or _dedupe([part, *_rule_spellings(part)])

    main = separators[0]
    return _dedupe(
        [
            *(form(first, second, sep) for sep in separators),
            *(s.replace("_", " ") for s in extra),
            *(form(a, second, main) for a in variants(first)[1:]),
            *(form(first, b, main) for b in variants(second)[1:]),
        ]
    )


def _names(rows: Iterable[list[str]], simple: Mapping[str, tuple[str, ...]]) -> tuple[Name, ...]:
    return tuple(
        Name(
            fa=row[0].replace("+", ZWNJ),
            latin=(
                _compound_spellings(row[1], row[2:], simple)
                if _COMPOUND.search(row[1])
                else simple[row[1]]
            ),
        )
        for row in rows
    )


def _derived(given: Sequence[Name], taken: set[str]) -> tuple[Name, ...]:
    """Given name + suffix surnames (حسین‌زاده Hosseinzadeh), skipping any already in the table."""
    out = []
    for suffix, suffix_fa in _SUFFIXES:
        for name in given:
            fa = name.fa.replace(ZWNJ, "") + suffix_fa
            if fa in taken or " " in name.en:
                continue
            latin = _dedupe(v.replace(" ", "").replace("-", "") + suffix for v in name.latin[:3])
            out.append(Name(fa=fa, latin=latin))
            taken.add(fa)
    return tuple(out)


def _provinces() -> tuple[Province, ...]:
    return tuple(
        Province(latin=latin, fa=fa, population=_POPULATION[latin[0]])
        for latin, fa in places.PROVINCES
    )


_SIMPLE = _simple_spellings(_rows(_MALE) + _rows(_FEMALE) + _rows(_SURNAMES))
MALE_GIVEN_NAMES = _names(_rows(_MALE), _SIMPLE)
FEMALE_GIVEN_NAMES = _names(_rows(_FEMALE), _SIMPLE)
BASE_SURNAMES = _names(_rows(_SURNAMES), _SIMPLE)
DERIVED_SURNAMES = _derived(MALE_GIVEN_NAMES, {n.fa for n in BASE_SURNAMES})
SURNAMES = BASE_SURNAMES + DERIVED_SURNAMES
PROVINCES = _provinces()
_GIVEN = {(n.fa, n.en): n for n in MALE_GIVEN_NAMES + FEMALE_GIVEN_NAMES}
_FAMILY = {(n.fa, n.en): n for n in SURNAMES}
_PROVINCE = {p.name: p for p in PROVINCES}


def people(
    n: int,
    *,
    seed: int,
    start: datetime.date = datetime.date(2025, 12, 28),
    end: datetime.date = datetime.date(2026, 1, 31),
) -> list[Person]:
    """``n`` invented victims, ``person_id`` 1..n, who died between ``start`` and ``end``
    inclusive. The same arguments give the same people."""
    if n < 0:
        raise InputError(f"cannot make {n} people", hint="ask for zero or more")
    if end < start:
        raise InputError(f"the window ends ({end}) before it starts ({start})")
    rng = np.random.default_rng(seed)
    male = (rng.random(n) < MALE_SHARE).tolist()
    men = rng.choice(len(MALE_GIVEN_NAMES), n, p=_zipf(len(MALE_GIVEN_NAMES), GIVEN_ZIPF))
    women = rng.choice(len(FEMALE_GIVEN_NAMES), n, p=_zipf(len(FEMALE_GIVEN_NAMES), GIVEN_ZIPF))
    base = rng.choice(len(BASE_SURNAMES), n, p=_zipf(len(BASE_SURNAMES), SURNAME_ZIPF))
    derived = len(BASE_SURNAMES) + rng.choice(
        len(DERIVED_SURNAMES), n, p=_zipf(len(DERIVED_SURNAMES), DERIVED_ZIPF)
    )
    family = np.where(rng.random(n) < DERIVED_SHARE, derived, base).tolist()
    ages = _ages(rng, n)
    days = _days(start, end)
    died = rng.choice(len(days), n, p=_day_weights(len(days))).tolist()
    place = rng.choice(len(PROVINCES), n, p=_province_weights()).tolist()
    given = [
        MALE_GIVEN_NAMES[m] if is_male else FEMALE_GIVEN_NAMES[w]
        for is_male, m, w in zip(male, men.tolist(), women.tolist(), strict=True)
    ]
    return [
        Person(
            i + 1,
            given[i].fa,
            SURNAMES[family[i]].fa,
            given[i].en,
            SURNAMES[family[i]].en,
            "male" if male[i] else "female",
            ages[i],
            days[died[i]],
            PROVINCES[place[i]].name,
        )
        for i in range(n)
    ]


def _zipf(count: int, exponent: float) -> npt.NDArray[np.float64]:
    return _shares(1.0 / np.arange(1, count + 1) ** exponent)


def _ages(rng: np.random.Generator, n: int) -> list[int]:
    adults = np.rint(17 + rng.gamma(2.0, 7.0, n))
    children = rng.integers(1, 18, n)
    ages = np.where(rng.random(n) < CHILD_SHARE, children, adults)
    return [int(a) for a in np.clip(ages, 1, 95).tolist()]


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=d) for d in range((end - start).days + 1)]


def _day_weights(count: int) -> npt.NDArray[np.float64]:
    t = np.arange(count) / max(count - 1, 1)
    weights = np.ones(count)
    for centre in PEAKS:
        weights += PEAK_HEIGHT * np.exp(-0.5 * ((t - centre) / PEAK_WIDTH) ** 2)
    return _shares(weights)


def _province_weights() -> npt.NDArray[np.float64]:
    return _shares(np.array([p.population for p in PROVINCES]))


def _shares(weights: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Weights scaled to sum to 1, as Generator.choice wants them."""
    w = np.asarray(weights, dtype=np.float64)
    return np.asarray(w / w.sum(), dtype=np.float64)


# House styles of the documenting organisations.


@cache
def _jalali(day: datetime.date) -> str:
    solar = jdatetime.date.fromgregorian(date=day)
    return f"{solar.year:04d}/{solar.month:02d}/{solar.day:02d}"


_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _jalali_persian_digits(day: datetime.date) -> str:
    return _jalali(day).translate(_PERSIAN_DIGITS)


@dataclass(frozen=True)
class ListStyle:
    """How one list presents its records, like one organisation's house style."""

    name: str
    latin_names: bool
    persian_names: bool
    surname_first: float  # share of Latin names written "SURNAME, Given"
    write_date: Callable[[datetime.date], str]
    male: str
    female: str
    persian_place: bool


STYLES = (
    ListStyle("bilingual", True, True, 0.0, datetime.date.isoformat, "male", "female", False),
    ListStyle("latin", True, False, 0.3, _jalali_persian_digits, "M", "F", False),
    ListStyle("persian", False, True, 0.0, _jalali, "مرد", "زن", True),
)


def style_for(j: int) -> ListStyle:
    """The house style of list ``j`` (0-based): the styles cycle."""
    return STYLES[j % len(STYLES)]


def list_prefix(j: int) -> str:
    """The prefix of list ``j``'s record ids: A, B, ... Z, then L27, L28, ..."""
    return string.ascii_uppercase[j] if j < 26 else f"L{j + 1}"


# The lists.


def lists(
    population: Sequence[Person],
    capture: Sequence[float] | Sequence[Sequence[float]],
    *,
    seed: int,
    noise: float = 0.25,
    within_duplicates: float = 0.02,
    heterogeneity: bool = False,
) -> list[list[dict[str, str]]]:
    """One list of records (dicts with the keys in :data:`COLUMNS`) per list, in random order.

    ``capture[j]`` is the probability that list ``j`` records a person, independently of the
    other lists. With ``heterogeneity=True`` people differ in how visible they are, the same to
    every list, which makes the lists positively dependent (what LCMCR models): a 1-D ``capture``
    is split into two equal latent classes with probabilities ``p -/+ d`` (see
    VISIBILITY_SPREAD), and a 2-D ``capture[c][j]`` gives list ``j``'s probability for class
    ``c``, people being spread evenly over the classes at random (repeat a row to weight it).

    ``noise`` is the probability that a record gets at least one corruption;
    ``within_duplicates`` the probability that a recorded person appears a second time on the
    same list, the second copy always corrupted.
    """
    _check_probability("noise", noise)
    _check_probability("within_duplicates", within_duplicates)
    # Who is on which list, and in what order, comes from one stream; the corruptions from
    # another, so that changing ``noise`` changes nothing else.
    who, errors = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    probabilities = _capture_probabilities(capture, len(population), heterogeneity, who)
    captured = who.random(probabilities.shape) < probabilities
    dice = _Dice(errors)
    return [
        _list(j, population, np.flatnonzero(captured[:, j]), who, dice, noise, within_duplicates)
        for j in range(captured.shape[1])
    ]


def _check_probability(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise InputError(f"{name} is {value}, not a probability", hint="give a number from 0 to 1")


def _capture_probabilities(
    capture: Sequence[float] | Sequence[Sequence[float]],
    n: int,
    heterogeneity: bool,
    rng: np.random.Generator,
) -> npt.NDArray[np.float64]:
    """Each person's capture probability on each list, as an (n, lists) array."""
    classes = _capture_classes(capture, heterogeneity)
    return classes[rng.integers(0, classes.shape[0], n)]


def _capture_classes(
    capture: Sequence[float] | Sequence[Sequence[float]], heterogeneity: bool
) -> npt.NDArray[np.float64]:
    shape_hint = "give one probability per list, or with heterogeneity=True one row per class"
    try:
        table = np.asarray(capture, dtype=np.float64)
    except ValueError:
        raise InputError(
            "capture probabilities are not a table of numbers", hint=shape_hint
        ) from None
    if table.ndim not in (1, 2) or table.size == 0:
        raise InputError("capture probabilities have the wrong shape", hint=shape_hint)
    if not ((table >= 0) & (table <= 1)).all():
        raise InputError("capture probabilities must lie between 0 and 1", hint=shape_hint)
    if table.ndim == 2:
        if not heterogeneity:
            raise InputError(
                "capture probabilities per class need heterogeneity=True", hint=shape_hint
            )
        return table
    if not heterogeneity:
        return table[np.newaxis, :]
    spread = VISIBILITY_SPREAD * np.minimum(table, 1 - table)
    return np.stack([table - spread, table + spread])


def _list(
    j: int,
    population: Sequence[Person],
    members: npt.NDArray[np.intp],
    rng: np.random.Generator,
    dice: _Dice,
    noise: float,
    within_duplicates: float,
) -> list[dict[str, str]]:
    style = style_for(j)
    copies = members[rng.random(members.size) < within_duplicates]
    rows = np.concatenate([members, copies])
    noisy = rng.random(rows.size) < noise
    noisy[members.size :] = True  # a second copy on the same list is never identical
    order = rng.permutation(rows.size)
    surname_first = (rng.random(rows.size) < style.surname_first).tolist()
    prefix = list_prefix(j)
    return [
        _record(f"{prefix}-{k + 1:06d}", population[i], style, is_noisy, first, dice)
        for k, (i, is_noisy, first) in enumerate(
            zip(rows[order].tolist(), noisy[order].tolist(), surname_first, strict=True)
        )
    ]


class _Dice:
    """Uniform draws from a numpy Generator, taken in blocks, so that the per-record choices made
    in Python stay fast and reproducible."""

    BLOCK = 8192

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._block: list[float] = []
        self._next = 0

    def random(self) -> float:
        if self._next == len(self._block):
            self._block = self._rng.random(self.BLOCK).tolist()
            self._next = 0
        self._next += 1
        return self._block[self._next - 1]

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def weighted(self, weights: Sequence[float]) -> int:
        target = self.random() * sum(weights)
        for i, weight in enumerate(weights):
            target -= weight
            if target < 0:
                return i
        return len(weights) - 1


@dataclass(slots=True)
class _Draft:
    """A record being written: the truth as the list's style shows it, then corrupted."""

    names: tuple[Name, Name]  # given, surname: where other spellings come from
    latin: list[str]  # [given, surname]; empty strings when the style has no Latin names
    fa: list[str]
    age: int | None
    age_group: str
    died: datetime.date | None
    province: Province
    place: str


def _record(
    record_id: str,
    person: Person,
    style: ListStyle,
    noisy: bool,
    surname_first: bool,
    dice: _Dice,
) -> dict[str, str]:
    clean = _fields(record_id, person, style, surname_first, _draft(person, style))
    # Corruptions can undo each other (a typo turning Rezaee back into Rezaei): a noisy record
    # is drawn again until it differs from the clean one, as the docstring of lists promises.
    if not noisy:
        return clean
    for _ in range(_ATTEMPTS):
        draft = _draft(person, style)
        _corrupt(draft, dice)
        fields = _fields(record_id, person, style, surname_first, draft)
        if fields != clean:
            return fields
    raise RuntimeError(f"no corruption changed record {record_id}")  # a bug, not bad input


def _fields(
    record_id: str, person: Person, style: ListStyle, surname_first: bool, draft: _Draft
) -> dict[str, str]:
    return {
        "record_id": record_id,
        "truth_id": str(person.person_id),
        "name": _latin_name(draft.latin, surname_first),
        "name_fa": " ".join(part for part in draft.fa if part),
        "age": "" if draft.age is None else str(draft.age),
        "age_group": draft.age_group,
        "gender": _gender(person, style),
        "date": "" if draft.died is None else style.write_date(draft.died),
        "place": draft.place,
        "note": SYNTHETIC_NOTE,
    }


def _draft(person: Person, style: ListStyle) -> _Draft:
    given = _GIVEN.get(
        (person.given_fa, person.given_en), Name(person.given_fa, (person.given_en,))
    )
    family = _FAMILY.get(
        (person.surname_fa, person.surname_en), Name(person.surname_fa, (person.surname_en,))
    )
    province = _PROVINCE.get(person.province)
    if province is None:
        raise InputError(
            f"person {person.person_id}: unknown province {person.province!r}",
            hint="use the Latin name of one of synthetic.PROVINCES",
        )
    return _Draft(
        names=(given, family),
        latin=[given.en, family.en] if style.latin_names else ["", ""],
        fa=[given.fa, family.fa] if style.persian_names else ["", ""],
        age=person.age,
        age_group="",
        died=person.date,
        province=province,
        place=province.fa if style.persian_place else province.name,
    )


def _latin_name(latin: list[str], surname_first: bool) -> str:
    given, surname = latin
    if surname_first and surname:
        return f"{surname.upper()}, {given}" if given else surname.upper()
    return " ".join(part for part in latin if part)


def _gender(person: Person, style: ListStyle) -> str:
    if person.gender not in ("male", "female"):
        raise InputError(f"person {person.person_id}: gender {person.gender!r}, not male/female")
    return style.male if person.gender == "male" else style.female


# Corruptions: each changes a draft in place and says whether it changed anything (a Persian-only
# record has no Latin spelling to vary, a simple name no ZWNJ to drop).


def _corrupt(draft: _Draft, dice: _Dice) -> None:
    """At least one change, often more, chosen by the weights in CORRUPTIONS."""
    wanted = 1
    while dice.random() < EXTRA_CORRUPTION:
        wanted += 1
    remaining = list(CORRUPTIONS)
    done = 0
    while done < wanted and remaining:
        change, _ = remaining.pop(dice.weighted([weight for _, weight in remaining]))
        done += change(draft, dice)


def _latin_spelling(d: _Draft, dice: _Dice) -> bool:
    """Another transliteration: Mohammad -> Muhammad, Rezaei -> Rezayi."""
    # Not the canonical spelling, nor the current one (which a typo may have made a variant).
    options = [
        (i, others)
        for i in (0, 1)
        if d.latin[i] and (others := [s for s in d.names[i].latin[1:] if s != d.latin[i]])
    ]
    if not options:
        return False
    i, others = dice.pick(options)
    d.latin[i] = dice.pick(others)
    return True


_ARABIC_FORMS = str.maketrans("یک", "يك")


def _arabic_letters(d: _Draft, dice: _Dice) -> bool:
    """Persian ی and ک typed on an Arabic keyboard: the same name, different characters."""
    fa = [part.translate(_ARABIC_FORMS) for part in d.fa]
    place = d.place.translate(_ARABIC_FORMS)
    if fa == d.fa and place == d.place:
        return False
    d.fa, d.place = fa, place
    return True


def _hamza(d: _Draft, dice: _Dice) -> bool:
    """رضایی written رضائی, an older spelling of the same ending."""
    fa = [part.replace("ایی", "ائی") for part in d.fa]
    if fa == d.fa:
        return False
    d.fa = fa
    return True


def _compound_spacing(d: _Draft, dice: _Dice) -> bool:
    """محمد‌رضا (ZWNJ) written with a space or with nothing between the parts."""
    parts = [i for i in (0, 1) if ZWNJ in d.fa[i]]
    if not parts:
        return False
    i = dice.pick(parts)
    d.fa[i] = d.fa[i].replace(ZWNJ, dice.pick((" ", "")))
    return True


def _missing_part(d: _Draft, dice: _Dice) -> bool:
    """Only the given name, or only the surname, was known."""
    if not all(d.latin[i] or d.fa[i] for i in (0, 1)):
        return False
    i = dice.pick((0, 1))
    d.latin[i] = d.fa[i] = ""
    return True


_HOMOPHONES = ("تط", "سصث", "زذضظ", "هح", "قغ", "اع")
_PERSIAN_LETTERS = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"


def _typo(d: _Draft, dice: _Dice) -> bool:
    """One letter replaced: in Persian by one that sounds the same when possible."""
    fields = [(script, i) for script in (d.latin, d.fa) for i in (0, 1) if script[i].strip()]
    if not fields:
        return False
    script, i = dice.pick(fields)
    text = script[i]
    k = dice.pick([k for k, c in enumerate(text) if c.isalpha()])
    script[i] = text[:k] + _replacement(text[k], dice) + text[k + 1 :]
    return True


def _replacement(letter: str, dice: _Dice) -> str:
    group = next((g for g in _HOMOPHONES if letter in g), None)
    if group is not None:
        return dice.pick(group.replace(letter, ""))
    if letter in _PERSIAN_LETTERS:
        return dice.pick(_PERSIAN_LETTERS.replace(letter, ""))
    other = dice.pick(string.ascii_lowercase.replace(letter.lower(), ""))
    return other.upper() if letter.isupper() else other


def _age_shift(d: _Draft, dice: _Dice) -> bool:
    if d.age is None:
        return False
    step = dice.pick((-2, -1, 1, 2))
    d.age += step if d.age + step >= 0 else -step
    return True


def _age_missing(d: _Draft, dice: _Dice) -> bool:
    if d.age is None:
        return False
    d.age = None
    return True


def age_group(age: int) -> str:
    """The age group a list would publish instead of the age: "18-29", "60+"."""
    low, high = next((low, high) for low, high in AGE_GROUPS if low <= age <= high)
    return f"{low}+" if high == AGE_GROUPS[-1][1] else f"{low}-{high}"


def _age_as_group(d: _Draft, dice: _Dice) -> bool:
    if d.age is None:
        return False
    d.age_group = age_group(d.age)
    d.age = None
    return True


def _date_shift(d: _Draft, dice: _Dice) -> bool:
    if d.died is None:
        return False
    d.died += datetime.timedelta(days=dice.pick((-1, 1)))
    return True


def _date_missing(d: _Draft, dice: _Dice) -> bool:
    if d.died is None:
        return False
    d.died = None
    return True


def _place_missing(d: _Draft, dice: _Dice) -> bool:
    if not d.place:
        return False
    d.place = ""
    return True


def _place_spelling(d: _Draft, dice: _Dice) -> bool:
    if d.place not in d.province.latin or len(d.province.latin) < 2:
        return False
    d.place = dice.pick([s for s in d.province.latin if s != d.place])
    return True


Corruption = Callable[[_Draft, _Dice], bool]
CORRUPTIONS: tuple[tuple[Corruption, float], ...] = (
    (_latin_spelling, 4.0),
    (_arabic_letters, 1.5),
    (_hamza, 0.5),
    (_compound_spacing, 1.0),
    (_missing_part, 1.0),
    (_typo, 2.0),
    (_age_shift, 2.0),
    (_age_missing, 1.0),
    (_age_as_group, 1.0),
    (_date_shift, 2.0),
    (_date_missing, 0.5),
    (_place_missing, 1.0),
    (_place_spelling, 0.5),
)


# The truth, as linkage and estimation tests need it.


def linkage_truth(
    records_by_list: Sequence[Sequence[Mapping[str, str]]], *, within_lists: bool = True
) -> set[frozenset[str]]:
    """Every pair of record ids that describe the same person (same ``truth_id``).

    With ``within_lists=False`` only pairs from two different lists, as a two-list linkage
    benchmark scores them."""
    by_person: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for j, records in enumerate(records_by_list):
        for record in records:
            by_person[record["truth_id"]].append((j, record["record_id"]))
    return {
        frozenset((a, b))
        for group in by_person.values()
        for (list_a, a), (list_b, b) in itertools.combinations(group, 2)
        if within_lists or list_a != list_b
    }


def capture_pattern_counts(
    population: Sequence[Person], records_by_list: Sequence[Sequence[Mapping[str, str]]]
) -> dict[tuple[int, ...], int]:
    """How many people have each capture pattern (1 = on that list), all 2**k patterns included.

    The all-zero count is the number of people no list recorded: what multiple systems
    estimation estimates. (``CaptureHistories.from_counts`` drops it, as it must.)"""
    k = len(records_by_list)
    on = {person.person_id: [0] * k for person in population}
    for j, records in enumerate(records_by_list):
        for record in records:
            pattern = on.get(int(record["truth_id"]))
            if pattern is None:
                raise InputError(
                    f"record {record['record_id']}: truth_id {record['truth_id']} is not in the population",
                    hint="pass the population the lists were drawn from",
                )
            pattern[j] = 1
    counts = dict.fromkeys(itertools.product((0, 1), repeat=k), 0)
    for pattern in on.values():
        counts[tuple(pattern)] += 1
    return counts


def write_csv(records: Iterable[Mapping[str, str]], path: Path) -> None:
    """Write records as UTF-8 CSV, columns in COLUMNS order. Refuses a record that does not say
    it is synthetic, so that invented people are never mistaken for real ones."""
    rows = list(records)
    for record in rows:  # checked before the file is touched: nothing half-written
        if record.get("note") != SYNTHETIC_NOTE:
            raise InputError(
                f"{path}: record {record.get('record_id')!r} is not labelled synthetic",
                hint=f"only records from synthetic.lists, note {SYNTHETIC_NOTE!r}, are written",
            )
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
