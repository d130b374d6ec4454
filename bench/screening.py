"""8. Sanctions screening: throughput against a list of 1,000,000 entries, and matching quality.

The big list is built from the real lists in shared/data/sanctions (OFAC SDN with its alternate
names, the UN consolidated list, the three EU Iran regimes): each synthetic entry takes a real
entry and perturbs it — transliteration variants in its name tokens (e/a, ou/u, ee/i, gh/q,
doubled letters), often a surname or given name swapped in from another entry, and a birth
year moved by a few years — so that the index holds many near-namesakes, as a real million-entry
list does. The queries are the real entries themselves (people and bodies with an Iran
programme), screened against the big list.

The index, two ways, on the same entries: today's in-memory ``match.Index`` (every entry's
record made in this process, then indexed) and the stored index of :mod:`gavah.sanctions.index`
(names read in worker processes, written to a file, then loaded; records made only for the
entries a query meets). Reported: both build times, the stored index's load time, and the
screening throughput of each (the stored one from a cold start: every record read from the
file as first met), with the share of queries whose candidates are the same from both.

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
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench._timing import Result, Say, sample, stopwatch
from bench.sizes import MiB, Sizes
from gavah.sanctions import formats, match
from gavah.sanctions import index as stored_index
from gavah.text.name_compare import MATCH_THRESHOLD, NameSet, compare

TARGET_PER_SECOND = 1_000
BUILD_TARGET_SECONDS, LOAD_TARGET_SECONDS = 60, 2  # the stored index, for 1,000,000 entries
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


Spec = tuple[int, str, str, tuple[str, ...]]  # number, name, kind, birth years


def big_specs(base: Sequence[match.Record], size: int, seed: int = 2026) -> list[Spec]:
    """The synthetic entries, before their names are read (cheap: the reading is what the two
    index builds are timed on)."""
    rng = random.Random(seed)
    tokens = [r.name.replace(",", " ").split() for r in base]
    out: list[Spec] = []
    while len(out) < size:
        i = len(out)
        j = rng.randrange(len(base))
        src, words = base[j], list(tokens[j]) or ["x"]
        if len(words) > 1 and rng.random() < 0.6:  # a namesake: one part from another entry
            other = tokens[rng.randrange(len(base))] or ["x"]
            words[rng.randrange(len(words))] = rng.choice(other)
        name = " ".join(_perturb(w, rng) for w in words)
        birth = tuple(
            sorted({str(int(d[:4]) + rng.randint(-3, 3)) for d in src.birth if d[:4].isdigit()})
        )
        out.append((i, name, src.kind, birth))
    return out


def spec_payload(spec: Spec) -> stored_index.Payload:
    """One synthetic entry as a list entry is stored: an FtM entity and where it is listed."""
    i, name, kind, birth = spec
    entity: dict[str, Any] = {
        "id": f"big-{i}",
        "schema": "Person" if kind == "person" else "Organization",
        "properties": {"name": [name], **({"birthDate": list(birth)} if kind == "person" else {})},
    }
    return {"entity": entity, "ref": f"list:big:{i}", "source": "big", "id": str(i), "extra": {}}


def big_list(payloads: Sequence[stored_index.Payload]) -> list[match.Record]:
    """Today's way: every entry's record made in this process (names read one by one)."""
    return [r for r in map(stored_index.record_of, payloads) if r is not None]


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
    # The labelled pairs are read by the test module, which imports helpers from tests/ too.
    tests = Path(__file__).resolve().parents[1] / "tests"
    added = [str(tests / "sanctions"), str(tests)]
    sys.path[:0] = added
    try:
        from test_names import labelled_pairs  # type: ignore[import-not-found]
    finally:
        for entry in added:
            sys.path.remove(entry)
    pairs = labelled_pairs(folder)
    ours: dict[str, list[tuple[bool, bool]]] = {}
    theirs: dict[str, list[tuple[bool, bool]]] = {}
    start = time.perf_counter()
    for a, b, same, tag in pairs:
        kind = "organization" if tag.endswith("organization") else "person"
        s = compare(NameSet.of([a], kind=kind), NameSet.of([b], kind=kind)).score
        ours.setdefault(tag, []).append((s >= MATCH_THRESHOLD, same))
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
    load = [round(x, 1) for x in os.getloadavg()]  # a shared machine's wall times are longer
    base = real_entries(folder)
    queries = [r for r in base if any(_iran(p) for p in r.extra.get("programs", ()))]
    specs = [spec_payload(s) for s in big_specs(base, sizes.screening_entries)]
    say(f"8. today's index: reading {len(specs):,} entries' names in memory, in one process")
    cpu = _cpu_seconds()
    with stopwatch() as memory_build:
        big = big_list(specs)
        index = match.Index(big)
    memory_cpu, cpu = _cpu_seconds() - cpu, _cpu_seconds()
    with tempfile.TemporaryDirectory(prefix="gavah-bench-index-") as folder_name:
        path = Path(folder_name) / "big.1.npz"
        say(f"8. the stored index: building it ({stored_index._workers()} worker processes)")
        with stopwatch() as stored_build:
            stored_index.build(path, {"list": "big"}, specs)
        stored_cpu = _cpu_seconds() - cpu  # this process and its worker processes
        loads = sample(lambda: stored_index.StoredIndex.load(path), 3)
        stored = stored_index.StoredIndex.load(path)
        file_bytes = path.stat().st_size
        say(f"8. screening {len(queries):,} real entries against the stored index")
        stored_per_second, stored_same = _screen_stored(queries, stored, index)
    say(f"8. screening {len(queries):,} real entries against the in-memory index")
    per_second, candidates, hits = _screen(queries, index)
    logic = _logic_v2()
    notes: dict[str, Any] = {
        "list_entries": len(big),
        "real_entries": len(base),
        "queries": len(queries),
        "index_build_seconds": round(memory_build.seconds, 1),
        "candidates_per_query": round(candidates / len(queries), 1),
        "pairs_at_threshold": hits,
    }
    logic_per_second = None
    if logic is not None:
        logic_per_second, notes["logic_v2"] = _logic_side_by_side(queries, index, logic)
    say("8. quality on the labelled name pairs")
    notes["quality"] = quality(folder, logic)
    full = len(specs) >= 1_000_000
    stored_notes = {
        "entries": len(stored),
        "file_mib": round(file_bytes / MiB, 1),
        "workers": stored_index._workers(),
        "load_seconds": [round(s, 3) for s in loads.seconds],
        "same_candidates_as_in_memory": stored_same,
    }
    return [
        Result(
            "8 screening",
            f"screening throughput against {len(big):,} entries (in-memory index)",
            per_second,
            "entities/s",
            target=f">= {TARGET_PER_SECOND:,} entities/s against 1,000,000",
            met=per_second >= TARGET_PER_SECOND if full else None,
            baseline="nomenklatura LogicV2 on the same candidate pairs (entities/s)",
            baseline_value=logic_per_second,
            notes=notes,
        ),
        Result(
            "8 screening",
            f"screening throughput against {len(stored):,} entries (stored index, records "
            "read as queries meet them)",
            stored_per_second,
            "entities/s",
            target=f">= {TARGET_PER_SECOND:,} entities/s against 1,000,000",
            met=stored_per_second >= TARGET_PER_SECOND if full else None,
            baseline="nomenklatura LogicV2 on the same candidate pairs (entities/s)",
            baseline_value=logic_per_second,
            notes=stored_notes,
        ),
        Result(
            "8 screening",
            f"stored index built for {len(specs):,} entries (names read, keys hashed, written)",
            stored_build.seconds,
            "s",
            target=f"< {BUILD_TARGET_SECONDS} s for 1,000,000",
            met=stored_build.seconds < BUILD_TARGET_SECONDS if full else None,
            baseline="today's in-memory match.Index, built in one process",
            baseline_value=memory_build.seconds,
            notes={
                "cpu_seconds": round(stored_cpu, 1),
                "in_memory_cpu_seconds": round(memory_cpu, 1),
                "load_average_at_start": load,
            },
        ),
        Result(
            "8 screening",
            f"stored index of {len(stored):,} entries loaded (median of 3)",
            loads.median,
            "s",
            target=f"< {LOAD_TARGET_SECONDS} s for 1,000,000",
            met=loads.median < LOAD_TARGET_SECONDS if full else None,
            baseline="today: the in-memory index is built again on every run",
            baseline_value=memory_build.seconds,
        ),
    ]


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (the build's workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _screen(queries: Sequence[match.Record], index: match.Index) -> tuple[float, int, int]:
    """Entities per second, candidates met and pairs at the threshold: ``match.screen`` as
    ``gavah sanctions screen`` runs it (every candidate scored, the pairs shown put into words)."""
    candidates = sum(len(index.candidates(q)) for q in queries)
    with stopwatch() as lap:
        hits = sum(1 for _ in match.screen(queries, index))
    return len(queries) / lap.seconds, candidates, hits


def _screen_stored(
    queries: Sequence[match.Record], stored: stored_index.StoredIndex, index: match.Index
) -> tuple[float, float]:
    """Entities per second from the stored index, every record read from the file as first met
    (a cold start), and the share of queries whose candidates equal the in-memory index's."""
    with stopwatch() as lap:
        sum(1 for _ in match.screen(queries, stored))  # every record read from the file first
    same = sum(
        1
        for q in queries
        if [r.ref for r in stored.candidates(q)] == [r.ref for r in index.candidates(q)]
    )
    return len(queries) / lap.seconds, round(same / len(queries), 4)


def _logic_side_by_side(
    queries: Sequence[match.Record], index: match.Index, logic: Any
) -> tuple[float, dict[str, Any]]:
    sample_queries = queries[:LOGIC_SAMPLE]
    pairs = [(q, r) for q in sample_queries for r in index.candidates(q)]
    with stopwatch() as ours:
        for q, r in pairs:
            match.score(q, r)
    with stopwatch() as theirs:
        for q, r in pairs:
            logic(_entity(q), _entity(r))
    return len(sample_queries) / theirs.seconds, {
        "queries": len(sample_queries),
        "pairs": len(pairs),
        "seconds": round(theirs.seconds, 2),
        "ours_seconds_same_pairs": round(ours.seconds, 3),
        "pairs_per_second": round(len(pairs) / theirs.seconds),
    }


def _iran(program: str) -> bool:
    p = program.upper()
    return any(k in p for k in ("IRAN", "IRGC", "IFSR", "EU-IRN", "1737"))
