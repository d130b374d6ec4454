"""Synthetic victim lists with known truth: for the linkage benchmark, tests and the demo.

Nothing here describes a real person. :func:`people` draws a population of invented victims, each
a random combination of a common Persian given name and a common surname, an age, a date of death
and a province. :func:`lists` then has several documenting organisations record some of them,
each in its own house style and with the errors real lists have. Every record says so itself: its
``note`` column is :data:`SYNTHETIC_NOTE`, and :func:`write_csv` refuses a record without it.

The truth travels with every record: ``truth_id`` is the ``person_id`` of the person it describes.
Records with the same ``truth_id`` are the same person, on different lists or twice on one list;
:func:`linkage_truth` turns that into the set of true pairs a linker is scored against (and
:func:`true_pairs` where two lists reuse record ids, as two editions of one list do), and
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

Realistic lists (:func:`realistic_people`, :func:`realistic_lists`, :func:`revision`) have the
shapes of published lists rather than one clean form per list. People live in real Iranian cities
(:data:`CITIES`, with their real provinces) and share family names far more (the ten commonest
cover about 30% of people) and given names (Mohammad, Ali, Fatemeh, Zahra ...), so that different
people with the same name, date and town are common. Each list writes in its
:data:`REALISTIC_STYLES` house style: the place as a city alone, as "City, Province Province", as
"City, Province", as the province only or in Persian script, "Unknown" where it is not known; the
age as "17", "About 40", "40s" or not at all; the date to the day ("8-Jan-2026", 2026-01-08,
۱۴۰۴/۱۰/۱۸), to the month only (2026-01) or not at all; some lists with a status column. A
:func:`revision` is a later edition of a list: mostly the same rows byte for byte, a few corrected,
some people added, some removed. The rates are declared in the styles and checked by the tests.

Determinism: the same arguments give identical output with the same numpy version (numpy may
change a Generator's streams between versions). Noise draws come from their own stream, so the
same seed with a different ``noise`` gives the same people on the same lists in the same order.
"""

from __future__ import annotations

import datetime
import itertools
import re
import string
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import TypeVar

import jdatetime
import numpy as np
import numpy.typing as npt

from gavah.errors import InputError
from gavah.text import places, spreadsheet

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

# Realistic people (realistic_people): names shared far more, real cities, a status.
FAMILY_ZIPF = 0.88  # one Zipf over all SURNAMES: the ten commonest hold about 30% of people
CITY_WEIGHT = 0.6  # deaths by city ~ population**0.6: small towns see more than their share
REGIONAL_SHARE = 0.5  # in a province of REGIONAL_SURNAMES, the people who bear one of them
# Family names that cluster where a community lives: one town's dead often share a few of them.
REGIONAL_SURNAMES = {
    "Sistan and Baluchestan": ("Rigi", "Narouei", "Shahbakhsh", "Baluchi"),
    "Kurdistan": ("Moradi", "Kordi", "Ardalan", "Rahimi"),
}
STATUSES = (("killed", 0.9), ("injured", 0.06), ("arrested", 0.04))

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


@dataclass(frozen=True)
class City:
    """An Iranian city: Latin spellings (canonical first), Persian name, its province (canonical
    Latin name, as in PROVINCES) and population in millions (weights where deaths happen)."""

    latin: tuple[str, ...]
    fa: str
    province: str
    population: float

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
    city: str = ""  # canonical Latin name, one of CITIES (realistic_people only)
    status: str = "killed"  # one of STATUSES


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


# Cities where the realistic people died, at least one in every province: Latin spellings
# (canonical first) | Persian name (+ for ZWNJ) | province as gavah.text.places spells it |
# population in millions (2016 census, rounded).
_CITIES = """
Tehran;تهران;Tehran;8.69
Eslamshahr|Islamshahr;اسلامشهر;Tehran;0.45
Shahriar|Shahriyar;شهریار;Tehran;0.31
Varamin;ورامین;Tehran;0.22
Mashhad|Meshed;مشهد;Razavi Khorasan;3.00
Neyshabur|Nishapur;نیشابور;Razavi Khorasan;0.26
Sabzevar;سبزوار;Razavi Khorasan;0.24
Isfahan|Esfahan;اصفهان;Isfahan;1.96
Kashan;کاشان;Isfahan;0.30
Najafabad;نجف+آباد;Isfahan;0.24
Shahin Shahr|Shahinshahr;شاهین+شهر;Isfahan;0.16
Shiraz;شیراز;Fars;1.57
Marvdasht;مرودشت;Fars;0.15
Kazerun|Kazeroun;کازرون;Fars;0.10
Ahvaz|Ahwaz;اهواز;Khuzestan;1.18
Dezful|Dezfoul;دزفول;Khuzestan;0.26
Abadan;آبادان;Khuzestan;0.23
Izeh;ایذه;Khuzestan;0.12
Mahshahr|Bandar Mahshahr;ماهشهر;Khuzestan;0.16
Tabriz;تبریز;East Azerbaijan;1.56
Maragheh|Maragha;مراغه;East Azerbaijan;0.18
Marand;مرند;East Azerbaijan;0.13
Sari;ساری;Mazandaran;0.31
Amol;آمل;Mazandaran;0.24
Babol;بابل;Mazandaran;0.25
Nowshahr|Noshahr;نوشهر;Mazandaran;0.05
Urmia|Orumiyeh|Oroumieh;ارومیه;West Azerbaijan;0.74
Mahabad;مهاباد;West Azerbaijan;0.17
Bukan|Boukan;بوکان;West Azerbaijan;0.19
Piranshahr;پیرانشهر;West Azerbaijan;0.09
Oshnavieh|Oshnaviyeh;اشنویه;West Azerbaijan;0.04
Kerman;کرمان;Kerman;0.74
Sirjan;سیرجان;Kerman;0.20
Rafsanjan;رفسنجان;Kerman;0.16
Zahedan;زاهدان;Sistan and Baluchestan;0.59
Khash;خاش;Sistan and Baluchestan;0.06
Chabahar;چابهار;Sistan and Baluchestan;0.10
Iranshahr;ایرانشهر;Sistan and Baluchestan;0.11
Karaj;کرج;Alborz;1.59
Fardis;فردیس;Alborz;0.18
Rasht;رشت;Gilan;0.68
Bandar Anzali|Anzali;بندر انزلی;Gilan;0.12
Lahijan;لاهیجان;Gilan;0.10
Kermanshah;کرمانشاه;Kermanshah;0.95
Javanrud|Javanroud;جوانرود;Kermanshah;0.05
Eslamabad-e Gharb|Islamabad-e Gharb;اسلام+آباد غرب;Kermanshah;0.10
Gorgan;گرگان;Golestan;0.35
Gonbad-e Kavus|Gonbad Kavus;گنبد کاووس;Golestan;0.15
Bandar Abbas|Bandar-Abbas;بندرعباس;Hormozgan;0.53
Khorramabad;خرم+آباد;Lorestan;0.37
Borujerd|Boroujerd;بروجرد;Lorestan;0.23
Aligudarz|Aligoudarz;الیگودرز;Lorestan;0.09
Hamadan|Hamedan;همدان;Hamadan;0.55
Malayer;ملایر;Hamadan;0.17
Sanandaj;سنندج;Kurdistan;0.41
Saqqez|Saqez|Saghez;سقز;Kurdistan;0.17
Divandarreh|Divandareh;دیواندره;Kurdistan;0.03
Marivan;مریوان;Kurdistan;0.14
Baneh;بانه;Kurdistan;0.11
Arak;اراک;Markazi;0.52
Saveh;ساوه;Markazi;0.21
Qom|Ghom;قم;Qom;1.20
Qazvin|Ghazvin;قزوین;Qazvin;0.40
Ardabil|Ardebil;اردبیل;Ardabil;0.53
Bushehr;بوشهر;Bushehr;0.22
Yazd;یزد;Yazd;0.53
Zanjan;زنجان;Zanjan;0.43
Shahrekord|Shahr-e Kord;شهرکرد;Chaharmahal and Bakhtiari;0.19
Bojnurd|Bojnord;بجنورد;North Khorasan;0.23
Birjand;بیرجند;South Khorasan;0.20
Yasuj|Yasouj;یاسوج;Kohgiluyeh and Boyer-Ahmad;0.13
Dehdasht;دهدشت;Kohgiluyeh and Boyer-Ahmad;0.06
Semnan;سمنان;Semnan;0.19
Shahrud|Shahroud;شاهرود;Semnan;0.15
Ilam;ایلام;Ilam;0.19
Abdanan;آبدانان;Ilam;0.02
"""


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


def _cities(table: str) -> tuple[City, ...]:
    cities = []
    for line in table.strip().splitlines():
        latin, fa, province, population = line.split(";")
        cities.append(
            City(tuple(latin.split("|")), fa.replace("+", ZWNJ), province, float(population))
        )
    return tuple(cities)


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
CITIES = _cities(_CITIES)
_CITY = {c.name: c for c in CITIES}
_SURNAME_INDEX = {n.en: i for i, n in enumerate(SURNAMES)}


def people(
    n: int,
    *,
    seed: int,
    start: datetime.date = datetime.date(2025, 12, 28),
    end: datetime.date = datetime.date(2026, 1, 31),
) -> list[Person]:
    """``n`` invented victims, ``person_id`` 1..n, who died between ``start`` and ``end``
    inclusive. The same arguments give the same people."""
    _check_window(n, start, end)
    rng = np.random.default_rng(seed)
    male, given = _given_names(rng, n)
    base = rng.choice(len(BASE_SURNAMES), n, p=_zipf(len(BASE_SURNAMES), SURNAME_ZIPF))
    derived = len(BASE_SURNAMES) + rng.choice(
        len(DERIVED_SURNAMES), n, p=_zipf(len(DERIVED_SURNAMES), DERIVED_ZIPF)
    )
    family = np.where(rng.random(n) < DERIVED_SHARE, derived, base).tolist()
    ages = _ages(rng, n)
    days = _days(start, end)
    died = rng.choice(len(days), n, p=_day_weights(len(days))).tolist()
    place = rng.choice(len(PROVINCES), n, p=_province_weights()).tolist()
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


def _check_window(n: int, start: datetime.date, end: datetime.date) -> None:
    if n < 0:
        raise InputError(f"cannot make {n} people", hint="ask for zero or more")
    if end < start:
        raise InputError(f"the window ends ({end}) before it starts ({start})")


def _given_names(rng: np.random.Generator, n: int) -> tuple[list[bool], list[Name]]:
    """Who is a man, and everyone's given name (Zipf: many share the commonest)."""
    male = (rng.random(n) < MALE_SHARE).tolist()
    men = rng.choice(len(MALE_GIVEN_NAMES), n, p=_zipf(len(MALE_GIVEN_NAMES), GIVEN_ZIPF))
    women = rng.choice(len(FEMALE_GIVEN_NAMES), n, p=_zipf(len(FEMALE_GIVEN_NAMES), GIVEN_ZIPF))
    given = [
        MALE_GIVEN_NAMES[m] if is_male else FEMALE_GIVEN_NAMES[w]
        for is_male, m, w in zip(male, men.tolist(), women.tolist(), strict=True)
    ]
    return male, given


def realistic_people(
    n: int,
    *,
    seed: int,
    start: datetime.date = datetime.date(2025, 12, 28),
    end: datetime.date = datetime.date(2026, 1, 31),
) -> list[Person]:
    """``n`` invented victims, ``person_id`` 1..n, each in a city of :data:`CITIES`, with family
    names as concentrated as real ones (:data:`FAMILY_ZIPF`, :data:`REGIONAL_SURNAMES`) and a
    status (:data:`STATUSES`). The same arguments give the same people."""
    _check_window(n, start, end)
    rng = np.random.default_rng(seed)
    male, given = _given_names(rng, n)
    city = rng.choice(len(CITIES), n, p=_city_weights()).tolist()
    family = _family_names(rng, [CITIES[c].province for c in city])
    ages = _ages(rng, n)
    days = _days(start, end)
    died = rng.choice(len(days), n, p=_day_weights(len(days))).tolist()
    status = rng.choice(len(STATUSES), n, p=_shares([w for _, w in STATUSES])).tolist()
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
            CITIES[city[i]].province,
            CITIES[city[i]].name,
            STATUSES[status[i]][0],
        )
        for i in range(n)
    ]


def _family_names(rng: np.random.Generator, provinces: Sequence[str]) -> list[int]:
    """Indexes into SURNAMES: one Zipf over all of them, then a community's own names in the
    provinces of REGIONAL_SURNAMES."""
    n = len(provinces)
    family = rng.choice(len(SURNAMES), n, p=_zipf(len(SURNAMES), FAMILY_ZIPF))
    regional = rng.random(n) < REGIONAL_SHARE
    pick = rng.random(n).tolist()
    for i in np.flatnonzero(regional).tolist():
        names = REGIONAL_SURNAMES.get(provinces[i])
        if names:
            family[i] = _SURNAME_INDEX[names[int(pick[i] * len(names))]]
    return [int(f) for f in family.tolist()]


def _city_weights() -> npt.NDArray[np.float64]:
    return _shares(np.array([c.population for c in CITIES]) ** CITY_WEIGHT)


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
    captured = _captured(capture, len(population), heterogeneity, who)
    dice = _Dice(errors)
    return [
        _list(
            list_prefix(j),
            [population[i] for i in np.flatnonzero(captured[:, j]).tolist()],
            who,
            (noise, within_duplicates, style_for(j).surname_first),
            partial(_record, style_for(j), dice),
        )
        for j in range(captured.shape[1])
    ]


def _check_probability(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise InputError(f"{name} is {value}, not a probability", hint="give a number from 0 to 1")


def _captured(
    capture: Sequence[float] | Sequence[Sequence[float]],
    n: int,
    heterogeneity: bool,
    rng: np.random.Generator,
) -> npt.NDArray[np.bool_]:
    """Who is on which list, as an (n, lists) array."""
    probabilities = _capture_probabilities(capture, n, heterogeneity, rng)
    return np.asarray(rng.random(probabilities.shape) < probabilities)


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


# How a list writes one record: (record id, person, noisy, "SURNAME, Given") -> the row.
Writer = Callable[[str, Person, bool, bool], dict[str, str]]


def _list(
    prefix: str,
    members: Sequence[Person],
    rng: np.random.Generator,
    shares: tuple[float, float, float],
    write: Writer,
) -> list[dict[str, str]]:
    """The people on one list, some twice, in random order, each written by ``write``.
    ``shares``: noise, within-list duplicates, names written "SURNAME, Given"."""
    noise, within_duplicates, surname_first = shares
    on = np.arange(len(members))
    rows = np.concatenate([on, on[rng.random(on.size) < within_duplicates]])
    noisy = rng.random(rows.size) < noise
    noisy[on.size :] = True  # a second copy on the same list is never identical
    order = rng.permutation(rows.size)
    first = (rng.random(rows.size) < surname_first).tolist()
    return [
        write(f"{prefix}-{k + 1:06d}", members[i], is_noisy, is_first)
        for k, (i, is_noisy, is_first) in enumerate(
            zip(rows[order].tolist(), noisy[order].tolist(), first, strict=True)
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
    city: City | None = None  # realistic lists: where other spellings of the town come from


def _record(
    style: ListStyle,
    dice: _Dice,
    record_id: str,
    person: Person,
    noisy: bool,
    surname_first: bool,
) -> dict[str, str]:
    return _written(
        lambda: _draft(person, style),
        lambda draft: _fields(record_id, person, style, surname_first, draft),
        CORRUPTIONS if noisy else (),
        dice,
    )


def _written(
    draft: Callable[[], _Draft],
    write: Callable[[_Draft], dict[str, str]],
    corruptions: Sequence[tuple[Corruption, float]],
    dice: _Dice,
) -> dict[str, str]:
    """The clean record, or with ``corruptions`` a corrupted one that differs from it."""
    clean = write(draft())
    if not corruptions:
        return clean
    # Corruptions can undo each other (a typo turning Rezaee back into Rezaei): a noisy record
    # is drawn again until it differs from the clean one, as the docstring of lists promises.
    for _ in range(_ATTEMPTS):
        noisy = draft()
        _corrupt(noisy, dice, corruptions)
        fields = write(noisy)
        if fields != clean:
            return fields
    raise RuntimeError(f"no corruption changed record {clean['record_id']}")  # a bug


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
    given, family = _name_pair(person)
    province = _province_of(person)
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


def _name_pair(person: Person) -> tuple[Name, Name]:
    """The person's given name and surname, with their other spellings where the tables know
    them."""
    given = _GIVEN.get(
        (person.given_fa, person.given_en), Name(person.given_fa, (person.given_en,))
    )
    family = _FAMILY.get(
        (person.surname_fa, person.surname_en), Name(person.surname_fa, (person.surname_en,))
    )
    return given, family


def _province_of(person: Person) -> Province:
    province = _PROVINCE.get(person.province)
    if province is None:
        raise InputError(
            f"person {person.person_id}: unknown province {person.province!r}",
            hint="use the Latin name of one of synthetic.PROVINCES",
        )
    return province


def _latin_name(latin: list[str], surname_first: bool) -> str:
    given, surname = latin
    if surname_first and surname:
        return f"{surname.upper()}, {given}" if given else surname.upper()
    return " ".join(part for part in latin if part)


def _gender(person: Person, style: ListStyle | HouseStyle) -> str:
    if person.gender not in ("male", "female"):
        raise InputError(f"person {person.person_id}: gender {person.gender!r}, not male/female")
    return style.male if person.gender == "male" else style.female


# Corruptions: each changes a draft in place and says whether it changed anything (a Persian-only
# record has no Latin spelling to vary, a simple name no ZWNJ to drop).


def _corrupt(draft: _Draft, dice: _Dice, corruptions: Sequence[tuple[Corruption, float]]) -> None:
    """At least one change, often more, chosen by the weights in ``corruptions``."""
    wanted = 1
    while dice.random() < EXTRA_CORRUPTION:
        wanted += 1
    remaining = list(corruptions)
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


# Realistic lists: the shapes of published lists (see the module docstring).


@dataclass(frozen=True)
class HouseStyle:
    """How one organisation writes its list, with the share of records in each written form.

    ``ages``, ``dates`` and ``places`` pair a form with its share of records (the shares of one
    field sum to 1). Age forms: ``exact`` (17), ``about`` (About 40), ``decade`` (40s) and
    ``missing``; date forms: ``day``, ``month`` (to the month only) and ``missing``; place forms:
    the keys of :data:`PLACE_FORMS` and ``unknown``. Corruptions (noise) come on top of these
    forms, as in :func:`lists`."""

    name: str
    columns: tuple[str, ...]
    latin_names: bool
    persian_names: float  # share of records that also give the name in Persian script
    surname_first: float  # share of Latin names written "SURNAME, Given"
    calendar: str  # a key of DATE_FORMS
    dates: tuple[tuple[str, float], ...]
    ages: tuple[tuple[str, float], ...]
    places: tuple[tuple[str, float], ...]
    province_spelling: int  # which Latin spelling of a province: 0 canonical, 1 the next ...
    male: str
    female: str
    missing_age: str = ""
    missing_date: str = ""
    unknown_place: str = "Unknown"
    persian_digits: bool = False  # ages in Persian digits


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day_month_year(day: datetime.date) -> str:
    return f"{day.day}-{_MONTHS_EN[day.month - 1]}-{day.year}"


@cache
def _jalali_month(day: datetime.date) -> str:
    return _jalali(day)[:7]


def _iso_month(day: datetime.date) -> str:
    return day.isoformat()[:7]


def _jalali_month_persian_digits(day: datetime.date) -> str:
    return _jalali_month(day).translate(_PERSIAN_DIGITS)


# How a list writes a date: to the day, and to the month only (None: never to the month only).
DATE_FORMS: dict[
    str, tuple[Callable[[datetime.date], str], Callable[[datetime.date], str] | None]
] = {
    "d-mon-y": (_day_month_year, None),  # 8-Jan-2026
    "iso": (datetime.date.isoformat, _iso_month),  # 2026-01-08, 2026-01
    "hijri": (_jalali, _jalali_month),  # 1404/10/18, 1404/10
    "hijri-fa": (_jalali_persian_digits, _jalali_month_persian_digits),  # ۱۴۰۴/۱۰/۱۸
}


def _latin_province(province: Province, spelling: int) -> str:
    return province.latin[min(spelling, len(province.latin) - 1)]


# How a list writes the place: from the city, its province and the list's province spelling.
PLACE_FORMS: dict[str, Callable[[City, Province, int], str]] = {
    "city": lambda city, prov, k: city.name,  # Saqqez
    "city, province province": lambda city, prov, k: (
        f"{city.name}, {_latin_province(prov, k)} Province"  # Saqqez, Kurdistan Province
    ),
    "city, province": lambda city, prov, k: f"{city.name}, {_latin_province(prov, k)}",
    "province": lambda city, prov, k: _latin_province(prov, k),  # Kurdistan
    "fa city": lambda city, prov, k: city.fa,  # سقز
    "fa city, province": lambda city, prov, k: f"{city.fa}، {prov.fa}",  # سقز، کردستان
    "fa city, province word": lambda city, prov, k: f"{city.fa}، استان {prov.fa}",
}

_ROW = ("record_id", "truth_id")
_END = ("note",)
REALISTIC_STYLES = (
    # A human rights group's report annex: Latin names, the town alone, "About 40", 8-Jan-2026.
    HouseStyle(
        "city",
        (*_ROW, "name", "age", "gender", "date", "place", *_END),
        latin_names=True,
        persian_names=0.0,
        surname_first=0.0,
        calendar="d-mon-y",
        dates=(("day", 0.9), ("missing", 0.1)),
        ages=(("exact", 0.55), ("about", 0.1), ("missing", 0.35)),
        places=(("city", 0.97), ("unknown", 0.03)),
        province_spelling=0,
        male="Man",
        female="Woman",
        missing_age="Unknown",
        missing_date="Unknown",
    ),
    # An encyclopaedia's table: "City, Province Province" and a province column, ISO dates,
    # Persian names for most, half the ages missing, a status.
    HouseStyle(
        "city-province",
        (*_ROW, "name", "name_fa", "age", "gender", "date", "place", "province", "status", *_END),
        latin_names=True,
        persian_names=0.7,
        surname_first=0.0,
        calendar="iso",
        dates=(("day", 0.94), ("month", 0.03), ("missing", 0.03)),
        ages=(("exact", 0.5), ("missing", 0.5)),
        places=(("city, province province", 0.85), ("city", 0.13), ("unknown", 0.02)),
        province_spelling=1,
        male="male",
        female="female",
    ),
    # A list kept inside Iran: Persian only, Solar Hijri in Persian digits.
    HouseStyle(
        "persian",
        (*_ROW, "name_fa", "age", "gender", "date", "place", *_END),
        latin_names=False,
        persian_names=1.0,
        surname_first=0.0,
        calendar="hijri-fa",
        dates=(("day", 0.9), ("month", 0.05), ("missing", 0.05)),
        ages=(("exact", 0.7), ("missing", 0.3)),
        places=(
            ("fa city", 0.5),
            ("fa city, province", 0.3),
            ("fa city, province word", 0.15),
            ("unknown", 0.05),
        ),
        province_spelling=0,
        male="مرد",
        female="زن",
        unknown_place="نامعلوم",
        persian_digits=True,
    ),
    # A bilingual list kept abroad: "City, Province" or the province only, "40s", Solar Hijri
    # in Latin digits, a status.
    HouseStyle(
        "bilingual",
        (*_ROW, "name", "name_fa", "age", "gender", "date", "place", "status", *_END),
        latin_names=True,
        persian_names=0.9,
        surname_first=0.3,
        calendar="hijri",
        dates=(("day", 0.9), ("month", 0.05), ("missing", 0.05)),
        ages=(("exact", 0.35), ("decade", 0.1), ("about", 0.05), ("missing", 0.5)),
        places=(("city, province", 0.6), ("province", 0.2), ("city", 0.15), ("unknown", 0.05)),
        province_spelling=0,
        male="M",
        female="F",
        missing_age="unknown",
    ),
)


def realistic_style_for(j: int) -> HouseStyle:
    """The house style of realistic list ``j`` (0-based): the styles cycle."""
    return REALISTIC_STYLES[j % len(REALISTIC_STYLES)]


def realistic_lists(
    population: Sequence[Person],
    capture: Sequence[float] | Sequence[Sequence[float]],
    *,
    seed: int,
    noise: float = 0.25,
    within_duplicates: float = 0.02,
    heterogeneity: bool = False,
) -> list[list[dict[str, str]]]:
    """Like :func:`lists`, for people of :func:`realistic_people`, list ``j`` written in
    ``realistic_style_for(j)`` with that style's columns. The forms (city alone or with its
    province, "About 40", a month-only date ...) come from a stream of their own: ``noise``
    changes the corrupted records and nothing else."""
    _check_probability("noise", noise)
    _check_probability("within_duplicates", within_duplicates)
    streams = np.random.SeedSequence(seed).spawn(3)
    who, errors, forms = (np.random.default_rng(s) for s in streams)
    captured = _captured(capture, len(population), heterogeneity, who)
    dice, form_dice = _Dice(errors), _Dice(forms)
    return [
        _list(
            list_prefix(j),
            [population[i] for i in np.flatnonzero(captured[:, j]).tolist()],
            who,
            (noise, within_duplicates, realistic_style_for(j).surname_first),
            partial(_realistic_record, realistic_style_for(j), form_dice, dice),
        )
        for j in range(captured.shape[1])
    ]


@dataclass(frozen=True, slots=True)
class _Forms:
    """The written forms of one record, drawn before any corruption."""

    age: str
    date: str
    place: str
    persian_name: bool


def _choose(options: Sequence[tuple[str, float]], dice: _Dice) -> str:
    return options[dice.weighted([share for _, share in options])][0]


def _realistic_record(
    style: HouseStyle,
    form_dice: _Dice,
    dice: _Dice,
    record_id: str,
    person: Person,
    noisy: bool,
    surname_first: bool,
) -> dict[str, str]:
    forms = _Forms(
        _choose(style.ages, form_dice),
        _choose(style.dates, form_dice),
        _choose(style.places, form_dice),
        form_dice.random() < style.persian_names,
    )
    return _written(
        lambda: _realistic_draft(person, style, forms),
        lambda draft: _realistic_fields(record_id, person, style, forms, surname_first, draft),
        REALISTIC_CORRUPTIONS if noisy else (),
        dice,
    )


def _city_of(person: Person) -> City:
    city = _CITY.get(person.city)
    if city is None:
        raise InputError(
            f"person {person.person_id}: unknown city {person.city!r}",
            hint="realistic lists are made of people from synthetic.realistic_people",
        )
    return city


def _realistic_draft(person: Person, style: HouseStyle, forms: _Forms) -> _Draft:
    given, family = _name_pair(person)
    city = _city_of(person)
    province = _PROVINCE[city.province]
    place = PLACE_FORMS.get(forms.place)
    return _Draft(
        names=(given, family),
        latin=[given.en, family.en] if style.latin_names else ["", ""],
        fa=[given.fa, family.fa] if forms.persian_name else ["", ""],
        age=None if forms.age == "missing" else person.age,
        age_group="",
        died=None if forms.date == "missing" else person.date,
        province=province,
        place="" if place is None else place(city, province, style.province_spelling),
        city=city,
    )


def _realistic_fields(
    record_id: str,
    person: Person,
    style: HouseStyle,
    forms: _Forms,
    surname_first: bool,
    draft: _Draft,
) -> dict[str, str]:
    values = {
        "record_id": record_id,
        "truth_id": str(person.person_id),
        "name": _latin_name(draft.latin, surname_first),
        "name_fa": " ".join(part for part in draft.fa if part),
        "age": _written_age(draft.age, forms.age, style),
        "gender": _gender(person, style),
        "date": _written_date(draft.died, forms.date, style),
        "place": draft.place or style.unknown_place,
        "province": _latin_province(draft.province, style.province_spelling) if draft.place else "",
        "status": person.status,
        "note": SYNTHETIC_NOTE,
    }
    return {column: values[column] for column in style.columns}


def _written_age(age: int | None, form: str, style: HouseStyle) -> str:
    if age is None:
        return style.missing_age
    if form == "about" and age >= 10:
        text = f"About {5 * round(age / 5)}"
    elif form == "decade" and age >= 20:
        text = f"{age // 10 * 10}s"
    else:
        text = str(age)
    return text.translate(_PERSIAN_DIGITS) if style.persian_digits else text


def _written_date(died: datetime.date | None, form: str, style: HouseStyle) -> str:
    if died is None:
        return style.missing_date
    to_day, to_month = DATE_FORMS[style.calendar]
    return to_month(died) if form == "month" and to_month is not None else to_day(died)


def _city_spelling(d: _Draft, dice: _Dice) -> bool:
    """Saqqez written Saqez: the same town, another transliteration."""
    if d.city is None or len(d.city.latin) < 2 or not d.place.startswith(d.city.name):
        return False
    d.place = dice.pick(d.city.latin[1:]) + d.place[len(d.city.name) :]
    return True


# Realistic lists have no age-group column; a town may be spelled another way.
REALISTIC_CORRUPTIONS: tuple[tuple[Corruption, float], ...] = (
    *((change, weight) for change, weight in CORRUPTIONS if change is not _age_as_group),
    (_city_spelling, 1.0),
)


# Later editions of a list, and planted copies.


@dataclass(frozen=True)
class Edition:
    """A later edition of a list: its rows, and what became of the earlier edition's rows (by
    record id; the list keeps its own ids from one edition to the next)."""

    rows: tuple[dict[str, str], ...]
    unchanged: frozenset[str]  # byte for byte the same row
    edited: frozenset[str]  # the same record, one field changed
    added: frozenset[str]  # people the earlier edition did not have
    dropped: frozenset[str]  # rows removed


_EDITABLE = ("name", "name_fa", "age", "date", "place")


def revision(
    rows: Sequence[Mapping[str, str]],
    seed: int,
    edit: float = 0.05,
    add: float = 0.05,
    drop: float = 0.02,
    *,
    population: Sequence[Person],
    noise: float = 0.25,
) -> Edition:
    """The next edition of a list made by :func:`realistic_lists`: each row is dropped with
    probability ``drop``, else edited with probability ``edit`` (one field written again from
    the truth: a corrected age, another spelling of the name, a place now known ...), else kept
    byte for byte; then ``add`` times as many rows as the list had describe people of
    ``population`` it did not have, written in the list's style (``noise`` as in
    :func:`lists`), numbered on from its last record id and spread through it. ``truth_id``
    stays the truth: :func:`true_pairs` of both editions gives the pairs to link."""
    for name, value in (("edit", edit), ("add", add), ("drop", drop), ("noise", noise)):
        _check_probability(name, value)
    style, prefix = _edition_style(rows)
    streams = np.random.SeedSequence(seed).spawn(3)
    fate, forms, errors = (np.random.default_rng(s) for s in streams)
    form_dice, dice = _Dice(forms), _Dice(errors)
    by_id = {str(p.person_id): p for p in population}
    kept: list[dict[str, str]] = []
    edited: set[str] = set()
    dropped: set[str] = set()
    for row, (u_drop, u_edit) in zip(rows, fate.random((len(rows), 2)).tolist(), strict=True):
        if u_drop < drop:
            dropped.add(row["record_id"])
            continue
        new = _edited(row, _person(by_id, row), style, form_dice, dice) if u_edit < edit else None
        kept.append(dict(row) if new is None else new)
        if new is not None:
            edited.add(row["record_id"])
    write = partial(_realistic_record, style, form_dice, dice)
    added = _newcomers(
        rows, population, round(add * len(rows)), prefix, fate, (noise, style, write)
    )
    unchanged = {r["record_id"] for r in kept} - edited
    return Edition(
        tuple(_spread(kept, added, fate)),
        frozenset(unchanged),
        frozenset(edited),
        frozenset(r["record_id"] for r in added),
        frozenset(dropped),
    )


def _list_index(prefix: str) -> int | None:
    """The inverse of :func:`list_prefix`."""
    if len(prefix) == 1 and prefix in string.ascii_uppercase:
        return string.ascii_uppercase.index(prefix)
    if prefix.startswith("L") and prefix[1:].isdigit() and int(prefix[1:]) > 26:
        return int(prefix[1:]) - 1
    return None


def _prefix_and_number(record_id: str) -> tuple[str, int]:
    prefix, _, number = record_id.rpartition("-")
    if not prefix or not number.isdigit():
        raise InputError(
            f"record id {record_id!r} is not PREFIX-NUMBER",
            hint="revise or copy lists made by synthetic.realistic_lists",
        )
    return prefix, int(number)


def _edition_style(rows: Sequence[Mapping[str, str]]) -> tuple[HouseStyle, str]:
    if not rows:
        raise InputError("an empty list has no next edition")
    prefix, _ = _prefix_and_number(rows[0]["record_id"])
    j = _list_index(prefix)
    if j is None or tuple(rows[0]) != realistic_style_for(j).columns:
        raise InputError(
            f"list {prefix} was not made by synthetic.realistic_lists",
            hint="revision knows the house style of realistic lists only",
        )
    return realistic_style_for(j), prefix


def _person(by_id: Mapping[str, Person], row: Mapping[str, str]) -> Person:
    person = by_id.get(row["truth_id"])
    if person is None:
        raise InputError(
            f"record {row['record_id']}: truth_id {row['truth_id']} is not in the population",
            hint="pass the population the list was drawn from",
        )
    return person


def _edited(
    row: Mapping[str, str], person: Person, style: HouseStyle, form_dice: _Dice, dice: _Dice
) -> dict[str, str] | None:
    """The row with one field written again (clean if that changes something, else noisy);
    None if no field would change. A revision adds and corrects: it does not blank a field."""
    surname_first = ", " in row.get("name", "")
    blank = {"", style.missing_age, style.missing_date, style.unknown_place}
    for noisy in (False, True):
        fresh = _realistic_record(
            style, form_dice, dice, row["record_id"], person, noisy, surname_first
        )
        changed = [
            c for c in _EDITABLE if c in row and fresh[c] != row[c] and fresh[c] not in blank
        ]
        if changed:
            field = dice.pick(changed)
            return {**row, field: fresh[field]}
    return None


def _newcomers(
    rows: Sequence[Mapping[str, str]],
    population: Sequence[Person],
    count: int,
    prefix: str,
    rng: np.random.Generator,
    how: tuple[float, HouseStyle, Writer],
) -> list[dict[str, str]]:
    """Up to ``count`` people of the population not on the list, written as the list writes."""
    noise, style, write = how
    on_list = {r["truth_id"] for r in rows}
    absent = [p for p in population if str(p.person_id) not in on_list]
    count = min(count, len(absent))
    chosen = rng.choice(len(absent), count, replace=False).tolist() if count else []
    noisy = (rng.random(count) < noise).tolist()
    first = (rng.random(count) < style.surname_first).tolist()
    start = 1 + max(_prefix_and_number(r["record_id"])[1] for r in rows)
    return [
        write(f"{prefix}-{start + k:06d}", absent[i], noisy[k], first[k])
        for k, i in enumerate(chosen)
    ]


def _spread(
    rows: Sequence[dict[str, str]], new: Sequence[dict[str, str]], rng: np.random.Generator
) -> list[dict[str, str]]:
    """``rows`` in their order with ``new`` (in its order) inserted at random places."""
    slots = sorted(rng.integers(0, len(rows) + 1, len(new)).tolist())
    out: list[dict[str, str]] = []
    k = 0
    for i in range(len(rows) + 1):
        while k < len(new) and slots[k] == i:
            out.append(new[k])
            k += 1
        if i < len(rows):
            out.append(rows[i])
    return out


def exact_copies(
    rows: Sequence[Mapping[str, str]], count: int, *, seed: int
) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """The list with ``count`` of its rows written once more, identical but for the record id
    (numbered on from the list's last), spread through it; and the planted (original, copy)
    pairs of record ids. The rows copied are chosen at random among those that give a name, a
    date and a place: the obvious duplicates every linker must find."""
    obvious = [i for i, row in enumerate(rows) if _obvious(row)]
    if not 0 <= count <= len(obvious):
        raise InputError(
            f"cannot copy {count} rows: {len(obvious)} of {len(rows)} give a name, date and place"
        )
    rng = np.random.default_rng(seed)
    chosen = sorted(obvious[k] for k in rng.choice(len(obvious), count, replace=False).tolist())
    prefix, _ = _prefix_and_number(rows[0]["record_id"]) if rows else ("", 0)
    start = 1 + max((_prefix_and_number(r["record_id"])[1] for r in rows), default=0)
    copies = [{**rows[i], "record_id": f"{prefix}-{start + k:06d}"} for k, i in enumerate(chosen)]
    pairs = [(rows[i]["record_id"], c["record_id"]) for i, c in zip(chosen, copies, strict=True)]
    return _spread([dict(r) for r in rows], copies, rng), pairs


# How realistic lists write "not known" (REALISTIC_STYLES), and the empty cell.
_NOT_KNOWN = {"", *(m for s in REALISTIC_STYLES for m in (s.missing_date, s.unknown_place))}


def _obvious(row: Mapping[str, str]) -> bool:
    """The row gives a name, a date and a place."""
    has_name = bool(row.get("name") or row.get("name_fa"))
    return has_name and all(row.get(k, "") not in _NOT_KNOWN for k in ("date", "place"))


def lookalike_pairs(population: Iterable[Person]) -> int:
    """Pairs of different people who agree on everything a list says of them (names, gender,
    age, date, town): no linker can tell them apart by their records. A floor under any
    linker's precision on lists of these people."""
    counts = Counter(
        (p.given_en, p.surname_en, p.gender, p.age, p.date, p.city or p.province)
        for p in population
    )
    return sum(c * (c - 1) // 2 for c in counts.values())


# The truth, as linkage and estimation tests need it.


def linkage_truth(
    records_by_list: Sequence[Sequence[Mapping[str, str]]], *, within_lists: bool = True
) -> set[frozenset[str]]:
    """Every pair of record ids that describe the same person (same ``truth_id``).

    With ``within_lists=False`` only pairs from two different lists, as a two-list linkage
    benchmark scores them. Raises if two lists use the same record id (two editions of one
    list do): then only :func:`true_pairs` can tell their records apart."""
    ids = Counter(record["record_id"] for records in records_by_list for record in records)
    if ids and ids.most_common(1)[0][1] > 1:
        raise InputError(
            f"record id {ids.most_common(1)[0][0]!r} appears more than once",
            hint="use synthetic.true_pairs, which names a record by its list and its id",
        )
    return {
        frozenset(record_id for _, record_id in pair)
        for pair in true_pairs(records_by_list, within_lists=within_lists)
    }


def true_pairs(
    records_by_list: Sequence[Sequence[Mapping[str, str]]], *, within_lists: bool = True
) -> set[frozenset[tuple[int, str]]]:
    """Every pair of records that describe the same person (same ``truth_id``), each record
    named by its list's index in ``records_by_list`` and its record id.

    With ``within_lists=False`` only pairs from two different lists."""
    by_person: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for j, records in enumerate(records_by_list):
        for record in records:
            by_person[record["truth_id"]].append((j, record["record_id"]))
    return {
        frozenset((a, b))
        for group in by_person.values()
        for a, b in itertools.combinations(group, 2)
        if within_lists or a[0] != b[0]
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
    """Write records as UTF-8 CSV, columns in the records' order (COLUMNS for :func:`lists`, the
    style's columns for :func:`realistic_lists`). Refuses a record that does not say it is
    synthetic, so that invented people are never mistaken for real ones, and records whose
    columns differ."""
    rows = list(records)
    columns = tuple(rows[0]) if rows else COLUMNS
    for record in rows:  # checked before the file is touched: nothing half-written
        if record.get("note") != SYNTHETIC_NOTE:
            raise InputError(
                f"{path}: record {record.get('record_id')!r} is not labelled synthetic",
                hint=f"only records from synthetic.lists, note {SYNTHETIC_NOTE!r}, are written",
            )
        if tuple(record) != columns:
            raise InputError(
                f"{path}: record {record.get('record_id')!r} has other columns than the first",
                hint="write one list per file",
            )
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = spreadsheet.dict_writer(out, columns)
        writer.writeheader()
        writer.writerows(rows)
