"""8. Sanctions screening: throughput against a list of 1,000,000 entries, and matching quality.

The big list is built from the real lists in shared/data/sanctions (OFAC SDN with its alternate
names, the UN consolidated list, the three EU Iran regimes): each synthetic entry takes a real
entry and perturbs it — transliteration variants in its name tokens (e/a, ou/u, ee/i, gh/q,
doubled letters), often a surname or given name swapped in from another entry, and a birth
year moved by a few years — so that the index holds many near-namesakes, as a real million-entry
list does. The queries are the real entries themselves (people and bodies with an Iran
programme), screened against the big list.

Baseline, in the same run: nomenklatura's LogicV2 matcher (OpenSanctions' and yente's) scores
the same candidate pairs our index proposes, for a sample of the queries; throughput of both
and the ratio are reported. Quality: precision and recall at the default threshold on the
labelled name pairs of tests/sanctions/test_names.py (OFAC alternate names against primary
names; EU Latin names against their Persian-script aliases), ours and LogicV2's (at its
customary 0.7).
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench._timing import Result, Say
from bench.sizes import Sizes
from gavah.errors import InputError
from gavah.sanctions import formats, match
from gavah.text.name_compare import NameSet, compare

TARGET_PER_SECOND = 1_000
LOGIC_V2_THRESHOLD = 0.7
LOGIC_SAMPLE = 300  # queries whose candidate pairs LogicV2 also scores
_VARIANTS = [("e", "a"), ("ou", "u"), ("ee", "i"), ("gh", "q"), ("kh", "k"), ("y", "i"), ("o", "u")]


def sanctions_data() -> Path:
    env = os.environ.get("GAVAH_SHARED_DATA")
    root = Path(env).parent if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return root / "sanctions"


def real_entries(folder: Path) -> list[match.Record]:
    files = [
        ("ofac", folder / "ofac_sdn_2024-05-03.csv", "ofac"),
        ("un", folder / "un_sc_consolidated_2026-02-27.xml", "un-xml"),
        ("eu-hr", folder / "eu_oj_32011R0359_iran_human_rights.csv", "eu-csv"),
        ("eu-np", folder / "eu_oj_32012R0267_iran_nonproliferation.csv", "eu-csv"),
        ("eu-mil", folder / "eu_oj_32023R1529_iran_military_support.csv", "eu-csv"),
    ]
    out = []
    for name, path, fmt in files:
        source = path if fmt != "ofac" else _ofac_folder(path)
        for e in formats.read(source, fmt):
            out.append(
                match.record(
                    e.entity, f"list:{name}:{e.source_id}", name, e.source_id, programs=e.programs
                )
            )
    return [r for r in out if r.kind in ("person", "organization")]


def _ofac_folder(sdn: Path) -> Path:
    """formats.read_ofac reads a folder holding sdn.csv and alt.csv: link the dated files in."""
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / "gavah-bench-ofac"
    folder.mkdir(exist_ok=True)
    for src, dst in ((sdn, "sdn.csv"), (sdn.parent / "ofac_alt_2025-12-24.csv", "alt.csv")):
        target = folder / dst
        if not target.exists():
            target.symlink_to(src)
    return folder


def _perturb(token: str, rng: random.Random) -> str:
    out = token
    for a, b in rng.sample(_VARIANTS, 2):
        if a in out.lower() and rng.random() < 0.5:
            out = out.replace(a, b, 1)
    if rng.random() < 0.2 and len(out) > 3:
        i = rng.randrange(1, len(out) - 1)
        out = out[:i] + out[i] + out[i:]  # doubled letter
    return out


def big_list(base: Sequence[match.Record], size: int, seed: int = 2026) -> list[match.Record]:
    rng = random.Random(seed)
    tokens = [r.name.replace(",", " ").split() for r in base]
    out: list[match.Record] = []
    while len(out) < size:
        i = len(out)
        j = rng.randrange(len(base))
        src, words = base[j], list(tokens[j]) or ["x"]
        if len(words) > 1 and rng.random() < 0.6:  # a namesake: one part from another entry
            other = tokens[rng.randrange(len(base))] or ["x"]
            words[rng.randrange(len(words))] = rng.choice(other)
        name = " ".join(_perturb(w, rng) for w in words)
        birth = frozenset(
            str(int(d[:4]) + rng.randint(-3, 3)) for d in src.birth if d[:4].isdigit()
        )
        try:
            names = NameSet.of([name], kind="person" if src.kind == "person" else "organization")
        except InputError:  # nothing left to compare (a name of initials or particles only)
            continue
        out.append(
            match.Record(
                ref=f"list:big:{i}",
                source="big",
                id=str(i),
                name=name,
                kind=src.kind,
                names=names,
                birth=birth,
            )
        )
    return out


def _logic_v2() -> Any | None:
    if importlib.util.find_spec("nomenklatura") is None:
        return None
    from nomenklatura.matching import LogicV2
    from nomenklatura.matching.types import ScoringConfig

    config = ScoringConfig.defaults()
    return lambda a, b: LogicV2.compare(a, b, config).score


def _entity(r: match.Record) -> Any:
    from followthemoney import model

    e = model.make_entity("Person" if r.kind == "person" else "Organization")
    e.id = r.ref.replace(":", "-")
    for n in r.names.names:
        e.add("name", n)
    for d in r.birth:
        if r.kind == "person":
            e.add("birthDate", d)
    return e


def quality(folder: Path, logic: Any | None) -> dict[str, Any]:
    tests = Path(__file__).resolve().parents[1] / "tests" / "sanctions"
    sys.path.insert(0, str(tests))
    try:
        from test_names import labelled_pairs  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(tests))
    pairs = labelled_pairs(folder)
    ours: dict[str, list[tuple[bool, bool]]] = {}
    theirs: dict[str, list[tuple[bool, bool]]] = {}
    start = time.perf_counter()
    for a, b, same, tag in pairs:
        kind = "organization" if tag.endswith("organization") else "person"
        s = compare(NameSet.of([a], kind=kind), NameSet.of([b], kind=kind)).score
        ours.setdefault(tag, []).append((s >= match.DEFAULT_THRESHOLD, same))
    ours_seconds = time.perf_counter() - start
    logic_seconds = None
    if logic is not None:
        start = time.perf_counter()
        for a, b, same, tag in pairs:
            kind = "organization" if tag.endswith("organization") else "person"
            ea = _entity(_name_record(a, kind))
            eb = _entity(_name_record(b, kind))
            theirs.setdefault(tag, []).append((logic(ea, eb) >= LOGIC_V2_THRESHOLD, same))
        logic_seconds = time.perf_counter() - start
    return {
        "pairs": len(pairs),
        "ours": {**_pr_by_tag(ours), "seconds": round(ours_seconds, 2)},
        "logic_v2": {**_pr_by_tag(theirs), "seconds": round(logic_seconds or 0, 2)}
        if logic
        else None,
    }


def _name_record(name: str, kind: Any) -> match.Record:
    return match.Record(
        ref=f"q:{name}",
        source="q",
        id=name,
        name=name,
        kind=kind,
        names=NameSet.of([name], kind=kind),
    )


def _pr_by_tag(results: dict[str, list[tuple[bool, bool]]]) -> dict[str, Any]:
    out = {tag: _pr(rows) for tag, rows in sorted(results.items())}
    out["all"] = _pr([x for rows in results.values() for x in rows])
    return out


def _pr(rows: Sequence[tuple[bool, bool]]) -> dict[str, float]:
    tp = sum(1 for said, same in rows if said and same)
    fp = sum(1 for said, same in rows if said and not same)
    fn = sum(1 for said, same in rows if not said and same)
    return {
        "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
        "pairs": len(rows),
    }


def run(sizes: Sizes, say: Say) -> list[Result]:
    folder = sanctions_data()
    if not folder.is_dir():
        say(f"8. skipped: no sanctions data at {folder}")
        return []
    base = real_entries(folder)
    queries = [r for r in base if any(_iran(p) for p in r.extra.get("programs", ()))]
    say(f"8. building a {sizes.screening_entries:,}-entry list from {len(base):,} real entries")
    start = time.perf_counter()
    big = big_list(base, sizes.screening_entries)
    index = match.Index(big)
    build_seconds = time.perf_counter() - start
    say(f"8. screening {len(queries):,} real entries against it")
    start = time.perf_counter()
    candidates = 0
    hits = 0
    for q in queries:
        found = index.candidates(q)
        candidates += len(found)
        hits += sum(1 for r in found if match.score(q, r).score >= match.DEFAULT_THRESHOLD)
    seconds = time.perf_counter() - start
    per_second = len(queries) / seconds
    logic = _logic_v2()
    notes: dict[str, Any] = {
        "list_entries": len(big),
        "real_entries": len(base),
        "queries": len(queries),
        "index_build_seconds": round(build_seconds, 1),
        "candidates_per_query": round(candidates / len(queries), 1),
        "pairs_at_threshold": hits,
    }
    logic_per_second = None
    if logic is not None:
        sample = queries[:LOGIC_SAMPLE]
        pairs = [(q, r) for q in sample for r in index.candidates(q)]
        start = time.perf_counter()
        for q, r in pairs:
            match.score(q, r)
        ours_pairs = time.perf_counter() - start
        start = time.perf_counter()
        for q, r in pairs:
            logic(_entity(q), _entity(r))
        logic_seconds = time.perf_counter() - start
        logic_per_second = len(sample) / logic_seconds
        notes["logic_v2"] = {
            "queries": len(sample),
            "pairs": len(pairs),
            "seconds": round(logic_seconds, 2),
            "ours_seconds_same_pairs": round(ours_pairs, 3),
            "pairs_per_second": round(len(pairs) / logic_seconds),
        }
    say("8. quality on the labelled name pairs")
    notes["quality"] = quality(folder, logic)
    return [
        Result(
            "8 screening",
            f"screening throughput against {len(big):,} entries",
            per_second,
            "entities/s",
            target=f">= {TARGET_PER_SECOND:,} entities/s against 1,000,000",
            met=per_second >= TARGET_PER_SECOND if len(big) >= 1_000_000 else None,
            baseline="nomenklatura LogicV2 on the same candidate pairs (entities/s)",
            baseline_value=logic_per_second,
            notes=notes,
        )
    ]


def _iran(program: str) -> bool:
    p = program.upper()
    return any(k in p for k in ("IRAN", "IRGC", "IFSR", "EU-IRN", "1737"))
