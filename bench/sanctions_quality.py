"""11. Sanctions matching quality on the labelled cross-list pairs, held out from fitting.

The pairs are ``src/gavah/sanctions/data/labelled_pairs.csv`` (gavah.sanctions.labelled): entries
of the UN, OFAC and EU Iran lists labelled the same person or body, or different, from shared
identifiers, birth dates, exact names and a hand check. Only the "held-out" pairs are measured;
the weights were fitted on the others (scripts/fit_sanctions_weights.py).

For each, by tag (person, body): precision and recall of

- gavah's "match" band, and of "match" or "candidate" together (what a reviewer sees);
- the rule before issue 14: a name score of 0.80 or more (with the old adjustments for birth
  dates, gender and nationality) and something beyond the name (a birth date, an identifier, a
  position or unit);
- nomenklatura's LogicV2 (OpenSanctions' and yente's matcher) at its customary 0.7, on entities
  with the same names, birth dates, nationalities, gender and identifiers.

Each pair is scored as screening scores it: the right entry is found in an index of its own list.

Arabic script (notes, "arabic_script"): the UN list gives each person's name in the original
script and in Latin letters. Each Arabic-script name against its own Latin name (recall), and
against the Latin names of the other people the index proposes for it (false agreements), with
and without the Arabic readings of gavah.text.arabic.
"""

from __future__ import annotations

import importlib.util
import re
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench._timing import Result, Say
from bench.sizes import Sizes
from gavah.sanctions import labelled, match
from gavah.text import name_compare
from gavah.text.name_compare import MATCH_THRESHOLD, NameComparison, NameSet, compare

LOGIC_V2_THRESHOLD = 0.7
TARGET = "held-out precision >= 0.97 and recall >= 0.95 for 'match'"
Row = tuple[bool, bool]  # (said same, is same)


def sanctions_data() -> Path:
    import os

    env = os.environ.get("GAVAH_SHARED_DATA")
    root = Path(env).parent if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return root / "sanctions"


def run(sizes: Sizes, say: Say) -> list[Result]:
    del sizes  # the labelled set has one size
    folder = sanctions_data()
    if not folder.is_dir():
        say(f"11. skipped: no sanctions data at {folder}")
        return []
    scratch = Path(tempfile.mkdtemp(prefix="gavah-bench-quality-"))
    say("reading the real lists")
    records = labelled.load_records(folder, labelled.ofac_folder(folder, scratch / "ofac"))
    by_list: dict[str, list[match.Record]] = defaultdict(list)
    for r in records.values():
        by_list[r.source].append(r)
    indexes = {name: match.Index(recs) for name, recs in by_list.items()}
    held = [p for p in labelled.read_pairs() if p.split == "held-out"]
    found = list(labelled.resolve(held, records))
    say(f"scoring {len(found):,} held-out pairs")
    rows: dict[str, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    logic = _logic_v2()
    start = time.perf_counter()
    for pair, a, b in found:
        m = match.score(a, b, index=indexes[b.source])
        names = compare(a.names, b.names)
        for tag in (pair.tag, "all"):
            rows[tag]["match"].append((m.decision == "match", pair.same))
            rows[tag]["match_or_candidate"].append((m.score >= match.DEFAULT_THRESHOLD, pair.same))
            rows[tag]["before"].append((_before(a, b, names), pair.same))
    seconds = time.perf_counter() - start
    logic_seconds = None
    if logic is not None:
        start = time.perf_counter()
        for pair, a, b in found:
            said = logic(_entity(a), _entity(b)) >= LOGIC_V2_THRESHOLD
            for tag in (pair.tag, "all"):
                rows[tag]["logic_v2"].append((said, pair.same))
        logic_seconds = time.perf_counter() - start
    table = {tag: {k: _pr(v) for k, v in ways.items()} for tag, ways in sorted(rows.items())}
    counts = {tag: {"same": sum(y for _, y in w["match"]), "pairs": len(w["match"])}
              for tag, w in rows.items()}  # fmt: skip
    say("Arabic-script names of the UN list")
    notes = {"pairs": counts, "measured": table, "seconds": round(seconds, 2),
             "logic_v2_seconds": round(logic_seconds, 2) if logic_seconds else None,
             "arabic_script": arabic_script(folder)}  # fmt: skip
    results = []
    for tag in ("person", "body"):
        ours = table[tag]["match"]
        results.append(
            Result(
                bench="11 sanctions quality",
                what=f"{'people' if tag == 'person' else 'bodies'}: held-out precision / recall of 'match' ({counts[tag]['pairs']} pairs)",
                value=ours["recall"],
                unit=f"recall (precision {ours['precision']:.3f})",
                baseline="before issue 14 (recall)",
                baseline_value=table[tag]["before"]["recall"],
                target=TARGET,
                met=ours["precision"] >= 0.97 and ours["recall"] >= 0.95,
                notes=notes if tag == "person" else {},
            )
        )
    return results


def arabic_script(folder: Path) -> dict[str, Any]:
    pairs = _un_original_names(folder / "un_sc_consolidated_2026-02-27.xml")
    latin = match.Index(
        match.Record(f"u:{i}", "un", str(i), b, "person", NameSet.of([b]))
        for i, (_, b) in enumerate(pairs)
    )
    out = {"people": len(pairs)}
    for label, extra in (("with_readings", True), ("persian_reading_only", False)):
        saved = name_compare.readings
        if not extra:
            name_compare.readings = lambda text: ()  # type: ignore[assignment]
        try:
            own, others, compared = 0, 0, 0
            for i, (a, b) in enumerate(pairs):
                query = match.Record(f"q:{i}", "q", str(i), a, "person", NameSet.of([a]))
                own += compare(query.names, NameSet.of([b])).score >= MATCH_THRESHOLD
                for rec in latin.candidates(query):
                    if rec.id != str(i):
                        compared += 1
                        others += compare(query.names, rec.names).score >= MATCH_THRESHOLD
        finally:
            name_compare.readings = saved
        out[label] = {
            "own_latin_name_at_0.80": round(own / len(pairs), 4),
            "other_people_at_0.80": others,
            "other_people_compared": compared,
        }
    return out


def _un_original_names(path: Path) -> list[tuple[str, str]]:
    out = []
    for person in ET.parse(path).getroot().iter("INDIVIDUAL"):
        original = (person.findtext("NAME_ORIGINAL_SCRIPT") or "").strip()
        if re.search("[\u0600-\u06ff]", original):
            parts = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
            latin = " ".join((person.findtext(p) or "").strip() for p in parts).strip()
            out.append((original, latin))
    return out


def _pr(rows: Sequence[Row]) -> dict[str, float]:
    tp = sum(1 for said, same in rows if said and same)
    fp = sum(1 for said, same in rows if said and not same)
    fn = sum(1 for said, same in rows if not said and same)
    return {
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
    }


def _before(a: match.Record, b: match.Record, names: NameComparison) -> bool:
    """The decision before issue 14 (gavah 2026-11): score >= 0.80 and corroborated."""
    value, corroborated = names.score, False
    years_a, years_b = {d[:4] for d in a.birth}, {d[:4] for d in b.birth}
    if a.birth & b.birth and any(len(d) >= 10 for d in a.birth & b.birth):
        value, corroborated = value + 0.10, True
    elif years_a & years_b:
        value, corroborated = value + 0.05, True
    elif years_a and years_b:
        gaps = [
            abs(int(x) - int(y)) for x in years_a for y in years_b if x.isdigit() and y.isdigit()
        ]
        value += -0.25 if gaps and min(gaps) > 1 else 0.0
    if a.identifiers & b.identifiers:
        corroborated = True
        value = max(value, 0.99) if names.score >= 0.5 else value
    if a.units & b.units:
        value, corroborated = value + 0.03, True
    if a.gender and b.gender and a.gender != b.gender:
        value -= 0.30
    if a.countries and b.countries and not a.countries & b.countries:
        value -= 0.05
    return min(value, 1.0) >= MATCH_THRESHOLD and corroborated


def _logic_v2() -> Callable[[Any, Any], float] | None:
    if importlib.util.find_spec("nomenklatura") is None:
        return None
    from nomenklatura.matching import LogicV2
    from nomenklatura.matching.types import ScoringConfig

    config = ScoringConfig.defaults()
    return lambda a, b: float(LogicV2.compare(a, b, config).score)


def _entity(r: match.Record) -> Any:
    from followthemoney import model

    person = r.kind == "person"
    e = model.make_entity("Person" if person else "Organization")
    e.id = r.ref.replace(":", "-")
    for n in r.names.names:
        e.add("name", n)
    if person:
        for d in r.birth:
            e.add("birthDate", d)
        e.add("gender", r.gender, quiet=True)
        for c in r.countries:
            e.add("nationality", c, quiet=True)
    else:
        for c in r.countries:
            e.add("country", c, quiet=True)
    for i in r.identifiers:
        e.add("idNumber" if person else "registrationNumber", i, quiet=True)
    return e
