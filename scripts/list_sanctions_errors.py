"""List the labelled pairs gavah's "match" decision gets wrong (developer script).

    .venv/bin/python scripts/list_sanctions_errors.py [--kind body] [--split held-out] [folder]

Scores the labelled pairs of src/gavah/sanctions/data/labelled_pairs.csv as bench 11 does (the
right entry found in an index of its own list) and prints, for one kind and one split, the true
pairs left below "match" (missed) and the different pairs called a match (false), with the
probability and the primary names. The names are those of sanctioned entries: public list data.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from pathlib import Path

from gavah.sanctions import labelled, match
from gavah.text.name_compare import compare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", nargs="?", default=Path("../shared/data/sanctions"), type=Path)
    parser.add_argument("--kind", default="body", choices=("person", "body"))
    parser.add_argument("--split", default="held-out", choices=("fit", "held-out"))
    parser.add_argument("--features", action="store_true", help="print the non-zero features")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="gavah-errors-"))
    records = labelled.load_records(args.folder, labelled.ofac_folder(args.folder, scratch))
    by_list: dict[str, list[match.Record]] = defaultdict(list)
    for r in records.values():
        by_list[r.source].append(r)
    indexes = {name: match.Index(recs) for name, recs in by_list.items()}
    pairs = [p for p in labelled.read_pairs() if p.tag == args.kind and p.split == args.split]
    counts = {"true match": 0, "false": 0, "missed": 0}
    for pair, a, b in labelled.resolve(pairs, records):
        m = match.score(a, b, index=indexes[b.source])
        said = m.decision == "match"
        if said == pair.same:
            counts["true match"] += said
            continue
        what = "false" if said else "missed"
        counts[what] += 1
        print(f"{what:6} {m.score:.3f} {m.decision:9} {a.name!r} ~ {b.name!r}")
        if args.features:
            values, _ = match.features(a, b, compare(a.names, b.names), indexes[b.source])
            print("       ", {k: round(v, 2) for k, v in values.items() if v})
    print(counts)


if __name__ == "__main__":
    main()
