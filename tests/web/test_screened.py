"""A sanctions screening's reasons, said in Persian: every line screening writes (real output of
synthetic pairs, one for each fact it notes) is in the table, the Persian has no Latin digit or
English word outside what it quotes as written, English pages are as before, and a line the
table does not know is shown as stored."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from followthemoney import model
from markupsafe import Markup

from gavah.sanctions import match
from gavah.text import name_compare
from gavah.text.name_compare import NameSet, compare
from gavah.web import i18n, screened
from gavah.web.bidi import shown

MATCH_SOURCE = Path(match.__file__).read_text(encoding="utf-8")


def rec(schema: str, eid: str, programs: tuple[str, ...] = (), **props: Any) -> match.Record:
    entity = model.make_entity(schema)
    entity.id = eid
    for prop, value in props.items():
        entity.add(prop, value)
    return match.record(
        entity, f"list:a:{eid}", "a", eid, programs=list(programs), jurisdiction="us"
    )


PERSON, BODY = "Person", "Organization"
PAIRS = [  # synthetic entries, together making screening note every fact it knows
    (
        rec(PERSON, "1", name=["Mohammad Reza Naqdi", "محمدرضا نقدی"], birthDate="1961-03-02",
            nationality="ir", idNumber="A1234567", position="Commander of Basij",
            programs=("IRAN-HR",)),
        rec(PERSON, "2", name=["Mohammad Reza Naghdi", "محمدرضا نقدی"], birthDate="1961-03-02",
            nationality="ir", idNumber="A1234567", position="Basij commander",
            programs=("IRAN-HR",)),
    ),
    (
        rec(PERSON, "3", name="Hossein Ali Nayeri", birthDate="1956", nationality="iq",
            gender="female", programs=("SDGT",)),
        rec(PERSON, "4", name="Hosein Nayyeri", birthDate="1957", nationality="ir", gender="male",
            programs=("NPWMD",)),
    ),
    (rec(PERSON, "5", name="Ali Rezaei", birthDate="1950"), rec(PERSON, "6", name="Ali Rezaeian", birthDate="1970")),
    (rec(PERSON, "7", name="Nayeri"), rec(PERSON, "8", name="Nayeri")),
    (rec(PERSON, "9", name="محمدرضا نقدی", birthDate="1961"), rec(PERSON, "10", name="محمد رضا نقدی", birthDate="1961-05-05")),
    (rec(PERSON, "11", name="General Mohammad Bagheri"), rec(PERSON, "12", name="Mohammad Bagheri")),
    (rec(PERSON, "13", name="Zohreh Kamali"), rec(PERSON, "14", name="Bahram Tousi")),
    (
        rec(BODY, "15", name="Branch 15 of the Islamic Revolutionary Court of Tehran", programs=("IRAN-HR",)),
        rec(BODY, "16", name="Branch 26 of the Islamic Revolutionary Court of Tehran", programs=("IRAN-HR",)),
    ),
    (rec(BODY, "29", name="Branch 15 of the Revolutionary Court of Tehran"), rec(BODY, "30", name="Tehran Revolutionary Court Branch 15")),
    (rec(BODY, "17", name="Evin Prison"), rec(BODY, "18", name="Evin Prison Ward 209")),
    (rec("Company", "19", name="Sepehr Energy Co Ltd"), rec("Company", "20", name="Sepehr Energy Jahan Nama Pars PJSC")),
    (rec(BODY, "21", name="Tehran Prison"), rec(BODY, "22", name="Shiraz Prison")),
    (rec(BODY, "23", name="Tehran Prison"), rec(BODY, "24", name="Tehran Court")),
    (rec("Company", "25", name="Sepehr Energy Jahan Nama Pars"), rec("Company", "26", name="Sepehr Energy Jahan Nama Pars PJSC")),
    (rec(BODY, "27", name="NAZ"), rec(BODY, "28", name="Nasr Azad Zamin")),
    (rec(BODY, "31", name=["Adel Abad Prison", "Shiraz Central Prison"]), rec(BODY, "32", name="Shiraz Central Prison")),
]  # fmt: skip


def _noted_keys() -> set[str]:
    """Every key match.py notes a fact under, read from its source (a new one fails here)."""
    keys = set(re.findall(r'note\(\s*"(\w+)"', MATCH_SOURCE))
    keys |= set(re.findall(r'said\.append\(\("(\w+)"', MATCH_SOURCE))
    for body in re.findall(r'\("(\w+)", a\.\w+, b\.\w+, "', MATCH_SOURCE):
        keys |= {f"{body}_same", f"{body}_clash"}
    return keys


def _screened() -> tuple[set[str], list[str]]:
    keys: set[str] = set()
    lines: list[str] = []
    for left, right in PAIRS:
        index = match.Index([right, rec(PERSON, "99", name="Ali Nayeri")])
        pair = match._assess(left, right, index if left.kind == right.kind else None)
        keys |= {k for k, _ in pair.said}
        for judgement in (None, "same", "unsure"):
            lines += pair.match(judgement).explanation
    return keys, list(dict.fromkeys(lines))


def _comparison_lines() -> list[str]:
    """What the name comparison can say of two words, with either note, and of two bodies."""
    details = {"": "", "key": "rz", "concept": "limited", "percent": "83"}
    lines = [
        name_compare._line("Reza", how, "Rezā", details[field])
        for how, (_, _, field) in name_compare._EXPLAIN.items()
    ]
    lines += [lines[0] + name_compare._GENERIC_NOTE, lines[0] + name_compare._COMMON_NOTE]
    guards = [
        NameSet.of([n], kind="organization") for n in ("Revolutionary Guards", "سپاه پاسداران")
    ]
    return [*lines, *compare(*guards).explanation]


def _outside_quotes(html: str) -> str:
    """The text of a rendered line without what it quotes as written, and without tags."""
    return re.sub(r"<[^>]+>", "", re.sub(r'<bdi dir="auto">.*?</bdi>', "", html))


def test_screening_notes_every_fact_the_code_can_note() -> None:
    keys, _ = _screened()
    assert _noted_keys() - keys == set()
    assert len(_noted_keys()) >= 25  # the reading of the source found them


def test_every_line_screening_writes_is_in_the_table() -> None:
    _, lines = _screened()
    lines += _comparison_lines()
    unknown = [line for line in lines if screened.said(line, "fa") is None]
    assert unknown == []
    assert len(lines) > 80


def test_the_persian_lines_have_persian_digits_and_no_english_words() -> None:
    _, lines = _screened()
    for line in [*lines, *_comparison_lines()]:
        said = str(screened.line(line, "fa"))
        rest = _outside_quotes(said)
        assert not re.search(r"[A-Za-z0-9]", rest), (line, said)
        assert re.search(r"[\u0600-\u06ff]", rest), line


def test_names_and_weights_in_a_persian_line() -> None:
    said = str(screened.line("name 0.93: 'Ali Nayeri' vs 'علی نیری'", "fa"))
    assert said == (
        'امتیاز نام <bdi dir="ltr">۰٫۹۳</bdi>: «<bdi dir="auto">Ali Nayeri</bdi>» در برابر '
        '«<bdi dir="auto">علی نیری</bdi>»'
    )
    weighed = str(screened.line("birth year agrees: 1961 (+1.2)", "fa"))
    assert weighed == 'سال تولد یکسان است: <bdi dir="ltr">۱۹۶۱</bdi> (<bdi dir="ltr">+۱٫۲</bdi>)'
    regimes = str(screened.line("designated under different regimes: terrorism vs other", "fa"))
    assert "تروریسم" in regimes and "دیگر" in regimes
    assert "ایران" in str(screened.line("nationality disagrees: iq, ir vs xx (-1.6)", "fa"))
    assert "xx" in str(screened.line("nationality disagrees: iq, ir vs xx (-1.6)", "fa"))
    assert "٪" in str(
        screened.line("Reza ~ Rida: similar spelling, 83% alike (one consonant differs)", "fa")
    )


def test_a_line_the_table_does_not_know_is_shown_as_stored() -> None:
    line = "a fact from a newer library: 12 (+1.0)"
    assert screened.said(line, "fa") is None
    assert screened.line(line, "fa") == shown(line)
    hostile = "<script>x</script> vs \u202eevil"
    assert "<script>" not in str(screened.line(hostile, "fa"))
    assert "<script>" not in str(screened.line(f"name 0.50: {hostile!r} vs 'x'", "fa"))


def _macro(language: str, lines: list[str]) -> str:
    template = i18n.environment(language).from_string(
        '{% import "_sanctions.html" as sx with context %}{{ sx.explanation(lines) }}'
    )
    return template.render(lines=lines, screened=screened).strip()


def test_the_english_list_is_as_before_and_the_persian_one_right_to_left() -> None:
    _, lines = _screened()
    before = (
        Markup('<ul class="explanation" lang="en" dir="ltr">')
        + Markup("").join(Markup("<li>%s</li>") % shown(line) for line in lines)
        + Markup("</ul>")
    )
    assert _macro("en", lines) == before
    persian = _macro("fa", lines)
    assert persian.startswith('<ul class="explanation">') and 'lang="en"' not in persian
    assert persian.count("<li>") == len(lines)
