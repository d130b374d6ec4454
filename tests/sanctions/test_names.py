"""Sanctions name comparison (gavah.text.name_compare): a hand-written table of variants, and
precision and recall on labelled pairs built from the real lists in shared/data/sanctions.

The hand-written cases (name_cases.csv) use names as the sanctions files write them, or
obviously invented ones. :func:`labelled_pairs` is also what ``bench/screening.py`` measures.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pytest

from gavah.errors import InputError
from gavah.text import name_compare as names_module
from gavah.text.name_compare import MATCH_THRESHOLD, RULES, NameSet, compare
from gavah.text.names import name_key
from work_bound import bounded_work

HERE = Path(__file__).resolve().parent
EU_FILE = "eu_oj_32011R0359_iran_human_rights.csv"
OFAC_SDN, OFAC_ALT = "ofac_sdn_2024-05-03.csv", "ofac_alt_2025-12-24.csv"
IRAN_PROGRAMS = ("IRAN", "IRGC", "IFSR")
OFAC_KINDS = {"individual": "person", "-0-": "organization"}  # vessels and aircraft left out
Pair = tuple[str, str, bool, str]


def sanctions_data() -> Path:
    """shared/data/sanctions beside the checkout, or beside the folder $GAVAH_SHARED_DATA names
    (which names data/mse, as in tests/mse/mse_data.py); skipped when absent."""
    env = os.environ.get("GAVAH_SHARED_DATA")
    root = Path(env).parent if env else Path(__file__).resolve().parents[3] / "shared" / "data"
    folder = root / "sanctions"
    if not (folder / EU_FILE).is_file() or not (folder / OFAC_SDN).is_file():
        pytest.skip(f"sanctions data not found at {folder} (set GAVAH_SHARED_DATA to data/mse)")
    return folder


# --- labelled pairs from the real lists ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Entry:
    name: str
    kind: str
    aliases: tuple[str, ...]  # the names that label a positive pair with ``name``


def labelled_pairs(folder: Path) -> list[Pair]:
    """(left, right, same, tag) pairs from the real lists in ``folder``, deterministic.

    ``tag`` is "eu:person", "eu:organization", "ofac:person" or "ofac:organization".

    - eu: in the EU Iran human-rights regime (Reg. 359/2011), each row's Latin ``name`` against
      each Persian-script entry of its ``alias`` column is a positive pair;
    - ofac: for OFAC SDN entries with an Iran programme (IRAN*, IRGC, IFSR), people and bodies,
      the primary name against each "aka" of alt.csv (joined on ent_num; former names, "fka",
      are left out) is a positive pair.

    Negative pairs: each name against five aliases of other entries of the same kind, two drawn
    at random and three among those sharing a word skeleton with it (the candidates an index
    proposes); an alias written exactly like one of the entry's own is never a negative.
    """
    return _pairs(_eu_entries(folder / EU_FILE), "eu") + _pairs(_ofac_entries(folder), "ofac")


def _has_persian(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


def _eu_entries(path: Path) -> list[_Entry]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
        persian = [a.strip() for a in row["alias"].split(";") if _has_persian(a)]
        kind = "person" if row["schema"] == "Person" else "organization"
        if persian and row["name"].strip():
            out.append(_Entry(row["name"].strip(), kind, tuple(persian)))
    return out


def _ofac_entries(folder: Path) -> list[_Entry]:
    with (folder / OFAC_SDN).open(encoding="utf-8", newline="") as f:
        primary = {
            r[0]: (r[1].strip(), OFAC_KINDS[r[2].strip()])
            for r in csv.reader(f)
            if len(r) > 3 and any(p in r[3] for p in IRAN_PROGRAMS) and r[2].strip() in OFAC_KINDS
        }
    akas: dict[str, list[str]] = defaultdict(list)
    with (folder / OFAC_ALT).open(encoding="utf-8", newline="") as f:
        for r in csv.reader(f):
            if len(r) > 3 and r[0] in primary and r[2].strip() == "aka" and r[3].strip():
                akas[r[0]].append(r[3].strip())
    return [_Entry(*primary[e], tuple(akas[e])) for e in sorted(akas, key=int)]


def _pairs(entries: Sequence[_Entry], source: str) -> list[Pair]:
    index: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, e in enumerate(entries):
        for alias in e.aliases:
            for token in set(name_key(alias).tokens):
                index[token].append((i, alias))
    every = sorted({(i, a) for i, e in enumerate(entries) for a in e.aliases})
    out: list[Pair] = []
    for i, e in enumerate(entries):
        tag = f"{source}:{e.kind}"
        out += [(e.name, alias, True, tag) for alias in e.aliases]
        out += [(e.name, alias, False, tag) for alias in _negatives(entries, index, every, i)]
    return out


def _negatives(
    entries: Sequence[_Entry],
    index: dict[str, list[tuple[int, str]]],
    every: Sequence[tuple[int, str]],
    i: int,
) -> list[str]:
    entry = entries[i]
    rng = random.Random(f"{entry.name}|{i}")
    own = {_plain(a) for a in (entry.name, *entry.aliases)}

    def usable(j: int, alias: str) -> bool:
        return j != i and entries[j].kind == entry.kind and _plain(alias) not in own

    tokens = set(name_key(entry.name).tokens)
    shared = sorted({(j, a) for t in tokens for j, a in index[t] if usable(j, a)})
    chosen = {a for _, a in rng.sample(shared, min(3, len(shared)))}
    for _ in range(50):  # two more at random, of the same kind
        if len(chosen) >= 5 or not every:
            break
        j, alias = rng.choice(every)
        if usable(j, alias):
            chosen.add(alias)
    return sorted(chosen)


def _plain(name: str) -> str:
    return " ".join(sorted(re.findall(r"\w+", name.casefold())))


def naive_same(left: str, right: str) -> bool:
    """The baseline: exact equality after lower-casing and sorting the words."""
    return _plain(left) == _plain(right)


# --- precision and recall -----------------------------------------------------------------------


@dataclasses.dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, said: bool, same: bool) -> None:
        if said:
            self.tp, self.fp = self.tp + same, self.fp + (not same)
        else:
            self.fn, self.tn = self.fn + same, self.tn + (not same)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def row(self, label: str) -> str:
        return (
            f"{label:<22} precision {self.precision:6.1%}  recall {self.recall:6.1%}  "
            f"(tp {self.tp}, fp {self.fp}, fn {self.fn}, tn {self.tn})"
        )


def _name_set(name: str, tag: str, cache: dict[tuple[str, str], NameSet]) -> NameSet:
    kind = tag.split(":")[1]
    found = cache.get((name, kind))
    if found is None:
        found = cache[(name, kind)] = NameSet.of([name], kind=kind)  # type: ignore[arg-type]
    return found


def tally(pairs: Iterable[Pair], decide: Callable[[str, str, str], bool]) -> dict[str, Tally]:
    """Tallies by source ("eu", "ofac") and over all ("all")."""
    out: dict[str, Tally] = defaultdict(Tally)
    for left, right, same, tag in pairs:
        said = decide(left, right, tag)
        out[tag.split(":")[0]].add(said, same)
        out["all"].add(said, same)
    return out


def ours(threshold: float = MATCH_THRESHOLD) -> Callable[[str, str, str], bool]:
    cache: dict[tuple[str, str], NameSet] = {}

    def decide(left: str, right: str, tag: str) -> bool:
        a, b = _name_set(left, tag, cache), _name_set(right, tag, cache)
        return compare(a, b).score >= threshold

    return decide


# --- the hand-written table ---------------------------------------------------------------------


def _cases() -> list[dict[str, str]]:
    with (HERE / "name_cases.csv").open(encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if not row["left"].startswith("#")]


CASES = _cases()
VARIANT_CLASSES = {
    "arabic", "zwnj", "title", "mir", "rank", "suffix", "article", "translit", "order", "script",
    "generic", "legal", "number", "acronym", "alias", "vowel", "given", "surname", "middle",
}  # fmt: skip


def _case_id(row: dict[str, str]) -> str:
    return f"{row['reason']}:{row['left']}|{row['right']}"


def _marked(rows: Iterable[dict[str, str]], swap: bool) -> list[object]:
    """The cases as parameters, one direction; known failures must still fail (strict xfail)."""
    out: list[object] = []
    for i, row in enumerate(rows, start=1):
        left, right = (row["right"], row["left"]) if swap else (row["left"], row["right"])
        marks = [pytest.mark.xfail(strict=True, reason="known failure")] if row["known"] else []
        case_id = f"{i:03d}-{row['reason']}-{row['expected']}"
        out.append(pytest.param(left, right, row["kind"], row["expected"], marks=marks, id=case_id))
    return out


def test_the_table_is_large_and_covers_every_variant_class() -> None:
    assert len(CASES) >= 150
    assert {row["reason"] for row in CASES} >= VARIANT_CLASSES
    assert all(re.fullmatch(r"[a-z]+", row["reason"]) for row in CASES)
    assert {row["expected"] for row in CASES} == {"match", "no"}
    assert {row["kind"] for row in CASES} == {"person", "organization"}
    scripts = {(_has_persian(row["left"]), _has_persian(row["right"])) for row in CASES}
    assert scripts == {(False, False), (False, True), (True, False), (True, True)}


@pytest.mark.parametrize(("left", "right", "kind", "expected"), _marked(CASES, swap=False))
def test_hand_written_case(left: str, right: str, kind: str, expected: str) -> None:
    result = compare(NameSet.of([left], kind=kind), NameSet.of([right], kind=kind))  # type: ignore[arg-type]
    said = "match" if result.score >= MATCH_THRESHOLD else "no"
    assert said == expected, (result.score, result.explanation)


@pytest.mark.parametrize(("left", "right", "kind", "expected"), _marked(CASES, swap=True))
def test_hand_written_case_the_other_way_round(
    left: str, right: str, kind: str, expected: str
) -> None:
    result = compare(NameSet.of([left], kind=kind), NameSet.of([right], kind=kind))  # type: ignore[arg-type]
    said = "match" if result.score >= MATCH_THRESHOLD else "no"
    assert said == expected, (result.score, result.explanation)


# --- explanations -------------------------------------------------------------------------------


def test_the_explanation_names_each_pair_of_words_in_plain_words() -> None:
    result = compare(
        NameSet.of(["MOGHADAM, Ismail Ahmadi"]), NameSet.of(["Esmail Ahmadi-Moghaddam"])
    )
    assert result.score == 1.0
    assert (result.left, result.right) == ("MOGHADAM, Ismail Ahmadi", "Esmail Ahmadi-Moghaddam")
    assert result.explanation == (
        "Ismail ≈ Esmail: same name, spelling differs (same consonants sml); "
        "a very common name, it counts less",
        "Ahmadi = Ahmadi: same spelling",
        "MOGHADAM ≈ Moghaddam: same name, spelling differs (same consonants mqdm)",
    )


@pytest.mark.parametrize(
    ("left", "right", "kind", "line"),
    [
        ("Esmail Ahmadi", "اسماعیل احمدی", "person", "Ahmadi ≈ احمدی: same name in Persian and Latin script"),
        ("Mohammadreza Tavakoli", "محمد رضا توکلی", "person", "Mohammadreza = محمد رضا: same name, written as one word"),
        ("Mir Hossein Tabrizi", "Hossein Tabrizi", "person", "Mir: title, rank or particle, left aside"),
        ("Ali Rezaei", "Mohammad Ali Rezaei", "person", "Mohammad: only in the right name (a missing part costs a little)"),
        ("Hassan Rahimi", "Hossein Rahimi", "person", "Hassan ≠ Hossein: same consonants but other vowels, so different names"),
        ("Ali Rezaei", "Hassan Rezaei", "person", "Ali ≠ Hassan: different names"),
        ("Hassan Asgari", "Hassan Askari", "person", "Asgari ≈ Askari: same name, transliteration variant"),
        ("Mehrdad Ketabchi", "Merhdad Ketabchi", "person", "Mehrdad ~ Merhdad: similar spelling, 62% alike"),
        ("Mohammad Mohammadi", "Mohammad Mohammad", "person", "Mohammadi ~ Mohammad: only the ending differs"),
        ("Mirhossein Tabrizi", "Hossein Tabrizi", "person", "Mirhossein ≈ Hossein: same name, with a title"),
        ("Evin Prison", "زندان اوین", "organization", "Prison = زندان: the same word in another language or spelling (prison); a generic word"),
        ("Court Branch 15", "Court Branch 26", "organization", "15 ≠ 26: different numbers"),
        ("Islamic Revolutionary Guard Corps", "IRGC", "organization", "two names of one body, the IRGC"),
        ("Naji Research and Development Company", "NRDC", "organization", "NRDC = Naji Research and Development Company: the acronym is made of the initials"),
    ],
)  # fmt: skip
def test_explanation_lines(left: str, right: str, kind: str, line: str) -> None:
    result = compare(NameSet.of([left], kind=kind), NameSet.of([right], kind=kind))  # type: ignore[arg-type]
    assert any(line in x for x in result.explanation), result.explanation


def test_the_best_pair_of_names_is_reported_as_written() -> None:
    left = NameSet.of(["HOSSEINI Dr Seyyed Mohammad", "دکتر سيد محمد حسيني", "M. H."])
    right = NameSet.of(["Mohammad HOSSEYNI", "Seyed Hossein Taeb"])
    result = compare(left, right)
    assert result.score == 1.0
    assert (result.left, result.right) == ("HOSSEINI Dr Seyyed Mohammad", "Mohammad HOSSEYNI")
    assert result.explanation[-2:] == (
        "Dr: title, rank or particle, left aside",
        "Seyyed: title, rank or particle, left aside",
    )


def test_names_that_share_no_word_say_so() -> None:
    result = compare(NameSet.of(["Ali Rezaei"]), NameSet.of(["Zahra Kazemi"]))
    assert result.score == 0.0
    assert result.explanation == (
        "no word of any name on one side agrees with a word of a name on the other",
    )


# --- the API ------------------------------------------------------------------------------------


def test_name_set_reads_aliases_from_parentheses() -> None:
    lef = NameSet.of(
        ["Law Enforcement Forces of the Islamic Republic of Iran (LEF)"], kind="organization"
    )
    assert compare(lef, NameSet.of(["LEF"], kind="organization")).score == 1.0
    araghi = NameSet.of(["ARAGHI (ERAGHI) Abdollah"])
    assert compare(araghi, NameSet.of(["Abdollah Eraghi"])).left == "ARAGHI (ERAGHI) Abdollah"
    assert compare(araghi, NameSet.of(["Abdollah Araghi"])).score == 1.0
    aka = NameSet.of(["SEDAQAT (a.k.a. Sedaghat) Farajollah"])
    assert compare(aka, NameSet.of(["Farajollah Sedaghat"])).score == 1.0
    title = NameSet.of(["MOSTAFAVI (Hojjatoleslam) Ali"])
    assert compare(title, NameSet.of(["Ali Mostafavi"])).score == 1.0
    assert compare(title, NameSet.of(["Ali Karimi"])).score < 0.5  # no alias "Hojjatoleslam Ali"
    # A parenthesis inside a body's name is dropped, not made an alias of the whole: a regional
    # corps is not the IRGC.
    unit = NameSet.of(["Islamic Revolutionary Guard Corps (IRGC) Regional Corps Quds in Gilan"])
    assert compare(unit, NameSet.of(["IRGC"], kind="organization")).score < MATCH_THRESHOLD


def test_name_set_is_a_frozen_value_and_keeps_the_names_as_given() -> None:
    names = NameSet.of(["Ali Rezaei", "علی رضایی", "Ali Rezaei", 12, "  ", "ALI REZAEI"])  # type: ignore[list-item]
    assert names.names == ("Ali Rezaei", "علی رضایی", "ALI REZAEI")
    assert names.kind == "person"
    assert names == NameSet.of(["Ali Rezaei", "علی رضایی", "ALI REZAEI"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        names.names = ()  # type: ignore[misc]
    assert len(names.parsed) == 2  # "ALI REZAEI" reads as "Ali Rezaei" and is compared once


@pytest.mark.parametrize("names", [[], [""], ["   ", "-,."], ["😀"], [None], ["aeiou " * 9]])
def test_a_name_set_without_a_readable_name_fails_closed(names: list[str]) -> None:
    with pytest.raises(InputError, match="no name to compare"):
        NameSet.of(names)


def test_compare_is_symmetric_and_bounded_on_the_table() -> None:
    for row in CASES:
        kind = row["kind"]
        a = NameSet.of([row["left"]], kind=kind)  # type: ignore[arg-type]
        b = NameSet.of([row["right"]], kind=kind)  # type: ignore[arg-type]
        there, back = compare(a, b), compare(b, a)
        assert 0.0 <= there.score <= 1.0
        assert there.score == back.score, _case_id(row)


def test_a_person_name_with_an_organisation_word_is_read_as_a_body() -> None:
    as_person = compare(NameSet.of(["Evin Prison"]), NameSet.of(["زندان اوین"]))
    assert as_person.score == 1.0


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 100_000,
        "Mohammad " * 11_000,
        "محمد" * 25_000,
        "علی " * 5_000,
        "(" * 10_000 + "Ali" + ")" * 10_000,
        "".join(map(chr, range(0x20, 0x3000))),
        "Seyyed " * 1_000,
    ],
    ids=lambda s: f"{len(s)} chars of {s[0]!a}",
)
def test_hostile_names_do_not_hang(hostile: str) -> None:
    with bounded_work(2):
        names = NameSet.of([hostile, "Ali"])
        compare(names, NameSet.of(["Mohammad Ali"]))


def test_random_names_never_raise_anything_but_input_error() -> None:
    rng = random.Random(1404)
    alphabet = "abcdeghiklmnorstuyz ABCGHKLMQRSZ-,.'()ابپتجحخدرزسشعغقکگلمنوهیيكة\u200c۱۵ "
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 30)))
        kind = rng.choice(["person", "organization"])
        try:
            a = NameSet.of([text], kind=kind)  # type: ignore[arg-type]
        except InputError:
            continue
        result = compare(a, NameSet.of(["Ali Rezaei", "IRGC"], kind=kind))  # type: ignore[arg-type]
        assert 0.0 <= result.score <= 1.0 and result.explanation


def test_the_module_docstring_states_the_rules_the_code_uses() -> None:
    doc = " ".join((names_module.__doc__ or "").split())
    stated = {
        "weight 0.3": 0.3,
        "0.9. ``suffix``": RULES.variant,
        "Mohammadian), 0.6": RULES.suffix,
        "(``vowels``, 0.2": RULES.vowel_clash,
        "``doubt``, 0.75": RULES.vowel_doubt,
        "2 x disagreeing": RULES.conflict,
        "EXTRA is 0.2 for a person": RULES.extra_person,
        "0.5 for a body": RULES.extra_organization,
        "0.6 when only one word agreed": RULES.extra_thin,
        "cap the score at 0.3": RULES.number_clash,
        "weighs 0.6, disagreeing on it 1": RULES.common_name,
        "well-known body score 0.9": RULES.whole_name,
        "(0.80)": MATCH_THRESHOLD,
    }
    for phrase, value in stated.items():
        assert phrase in doc, phrase
        number = re.findall(r"\d+(?:\.\d+)?", phrase.split("x")[0])[0]
        assert float(number) == value, phrase


def _words_of(text: str, organization: bool) -> list[names_module._Word]:
    out = []
    for raw in re.split(r"[\s,\-()]+", text):
        if raw and (folded := names_module._fold(raw)):
            out.append(names_module._read_word(raw, folded, organization))
    return [w for w in out if w.key]


def test_words_that_agree_share_a_match_key() -> None:
    """The shortcut that skips words sharing no match key never skips an agreement: on the
    words of each hand-written case against each other, and on random pairs of real words."""
    pairs = []
    for row in CASES:
        for organization in (False, True):
            left, right = (
                _words_of(row["left"], organization),
                _words_of(row["right"], organization),
            )
            pairs += [(a, b) for a in left for b in right]
    folder = sanctions_data()
    pool = [w for e in _eu_entries(folder / EU_FILE) for w in _words_of(e.name, False)]
    rng = random.Random(5)
    pairs += [(a, b) for a in pool for b in rng.sample(pool, 30)]
    agreeing = 0
    for a, b in pairs:
        if names_module._similarity(a, b)[0] >= RULES.least:
            agreeing += 1
            assert not a.keys.isdisjoint(b.keys), (a.text, b.text)
    assert agreeing > 500


# --- blocking keys ------------------------------------------------------------------------------


def test_blocking_keys_are_few_per_name() -> None:
    keys = NameSet.of(["MOGHADAM, Ismail Ahmadi"]).blocking_keys()
    assert len(keys) <= 12
    assert "t:sml" in keys and "t:mkdm" in keys  # the soft skeleton of each word
    persian = NameSet.of(["اسماعیل احمدی مقدم"]).blocking_keys()
    assert keys == persian  # both scripts give the same keys
    sizes = [len(NameSet.of([row["left"]], kind=row["kind"]).blocking_keys()) for row in CASES]  # type: ignore[arg-type]
    assert sum(sizes) / len(sizes) <= 10


def test_names_that_match_share_a_blocking_key() -> None:
    for row in CASES:
        kind = row["kind"]
        a = NameSet.of([row["left"]], kind=kind)  # type: ignore[arg-type]
        b = NameSet.of([row["right"]], kind=kind)  # type: ignore[arg-type]
        if compare(a, b).score >= MATCH_THRESHOLD:
            assert a.blocking_keys() & b.blocking_keys(), _case_id(row)


def test_matching_pairs_of_the_real_lists_share_a_blocking_key() -> None:
    cache: dict[tuple[str, str], NameSet] = {}
    for left, right, _, tag in labelled_pairs(sanctions_data()):
        a, b = _name_set(left, tag, cache), _name_set(right, tag, cache)
        if compare(a, b).score >= MATCH_THRESHOLD:
            assert a.blocking_keys() & b.blocking_keys(), (left, right)


# --- quality on the real lists ------------------------------------------------------------------

# Floors below the measured figures (EU P 1.000 R 0.817; OFAC P 0.999 R 0.548 at 0.80), with a
# margin for small changes. OFAC recall is low because many of its "aka" are translations or
# other names altogether (FAJR INDUSTRIES GROUP, aka INSTRUMENTATION FACTORIES PLANT).
FLOORS = {"eu": (0.97, 0.75), "ofac": (0.98, 0.50), "all": (0.98, 0.52)}


def test_precision_and_recall_on_the_real_lists() -> None:
    pairs = labelled_pairs(sanctions_data())
    assert len(pairs) > 5000
    ours_tally = tally(pairs, ours())
    naive_tally = tally(pairs, lambda left, right, _: naive_same(left, right))
    print(f"\nlabelled pairs: {len(pairs)}; threshold {MATCH_THRESHOLD}")
    for source in ("eu", "ofac", "all"):
        print(ours_tally[source].row(f"ours {source}"))
        print(naive_tally[source].row(f"naive {source}"))
    for source, (precision, recall) in FLOORS.items():
        assert ours_tally[source].precision >= precision, source
        assert ours_tally[source].recall >= recall, source
        assert ours_tally[source].recall >= naive_tally[source].recall + 0.4, source


def test_labelled_pairs_are_deterministic_and_tagged() -> None:
    folder = sanctions_data()
    pairs = labelled_pairs(folder)
    assert pairs == labelled_pairs(folder)
    tags = {tag for *_, tag in pairs}
    assert tags == {"eu:person", "eu:organization", "ofac:person", "ofac:organization"}
    eu_positive = [p for p in pairs if p[3].startswith("eu") and p[2]]
    assert len(eu_positive) >= 209  # one per Persian alias of the 209 rows that have one
    assert all(_has_persian(right) and not _has_persian(left) for left, right, *_ in eu_positive)
    assert ("MOGHADAM, Ismail Ahmadi", "AHMADI-MOQADDAM, Esma'il", True, "ofac:person") in pairs


# --- speed --------------------------------------------------------------------------------------


def test_compare_is_fast_on_real_entities() -> None:
    """Each entity (all its names) against the 50 entities sharing most blocking keys with it,
    as a screening run meets them; prints the time per compare."""
    folder = sanctions_data()
    entries = _ofac_entries(folder) + _eu_entries(folder / EU_FILE)
    sets = [NameSet.of([e.name, *e.aliases], kind=e.kind) for e in entries]  # type: ignore[arg-type]
    index: dict[str, list[int]] = defaultdict(list)
    for i, names in enumerate(sets):
        for key in names.blocking_keys():
            index[key].append(i)
    pairs = [(q, sets[j]) for i, q in enumerate(sets) for j in _candidates(q, i, index, 50)]
    for a, b in pairs[:2000]:  # warm the caches
        compare(a, b)
    started = time.perf_counter()
    for a, b in pairs:
        compare(a, b)
    seconds = time.perf_counter() - started
    micro = seconds / len(pairs) * 1e6
    print(
        f"\ncompare: {micro:.1f} µs per pair of entities ({len(pairs)} pairs, "
        f"{len(sets) / seconds:.0f} entities/s at up to 50 candidates each)"
    )
    assert micro < 200  # a generous bound for slow machines; typical is 15-40 µs


def _candidates(query: NameSet, i: int, index: dict[str, list[int]], limit: int) -> list[int]:
    shared: dict[int, int] = defaultdict(int)
    for key in query.blocking_keys():
        if len(index[key]) <= 500:  # a key held by very many entries is skipped
            for j in index[key]:
                if j != i:
                    shared[j] += 1
    return sorted(shared, key=lambda j: (-shared[j], j))[:limit]
