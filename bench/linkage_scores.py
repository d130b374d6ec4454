"""``python -m bench.linkage_scores [--per-list N] [--workers W]``: link target 7's two lists
once and print what a change to the linkage's speed must not move, and what it took.

Prints one JSON line: the pairs kept and a digest of every kept pair's ids, probability and
match weight to the last bit (``float.hex``) and explanation; precision and recall at the
default threshold; wall time, processor time of this process and of the worker processes it
started, and the load average before and after. Run it on the code before and after a change:
the digests must be equal. (Target 7 itself times the same linkage with the people built, and
runs four more cases: too long to repeat while trying a change.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import time
from typing import Any

from bench import linkage as target
from gavah.casualties import clusters, linkage, synthetic


def _cpu() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def digest(pairs: list[linkage.ScoredPair]) -> str:
    found = hashlib.sha256()
    for p in pairs:
        row = [p.left, p.right, p.probability.hex(), p.match_weight.hex(), sorted(p.levels.items())]
        found.update(json.dumps(row, ensure_ascii=False).encode() + b"\n")
    return found.hexdigest()


def measure(per_list: int, workers: int) -> dict[str, Any]:
    population = synthetic.realistic_people(round(per_list / target.CAPTURE), seed=target.SEED)
    lists = synthetic.realistic_lists(population, target.CITY_LISTS, seed=target.SEED + 1)
    converted = target.convert(lists, [synthetic.list_prefix(j) for j in range(len(lists))])
    records = converted.records
    load_before = os.getloadavg()
    cpu_before = _cpu()
    start = time.perf_counter()
    result = linkage.link(records, seed=1, workers=workers)
    wall = time.perf_counter() - start
    cpu_after = _cpu()
    load_after = os.getloadavg()
    scored = [(p.left, p.right, p.probability) for p in result.pairs]
    lists = {r.id: r.list_id for r in records}  # as People.people builds the register
    groups = clusters.cluster([r.id for r in records], scored, {}, target.THRESHOLD, lists).groups()
    quality = target.score(groups.values(), converted.truth)
    return {
        "records": len(records),
        "workers": workers,
        "pairs": len(result.pairs),
        "digest": digest(result.pairs),
        "precision": round(quality.precision, 4),
        "recall": round(quality.recall, 4),
        "people_found": len(groups),
        "true_people": len(set(converted.truth.values())),
        "wall_seconds": round(wall, 2),
        "processor_seconds": round(cpu_after[0] - cpu_before[0], 2),
        "worker_processor_seconds": round(cpu_after[1] - cpu_before[1], 2),
        "load_average": [round(x, 2) for x in (*load_before, *load_after)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.linkage_scores", description=__doc__)
    parser.add_argument("--per-list", type=int, default=20_000, help="records of each list")
    parser.add_argument("--workers", type=int, default=0, help="0: one per CPU core")
    args = parser.parse_args()
    print(json.dumps(measure(args.per_list, args.workers)))


if __name__ == "__main__":
    main()
