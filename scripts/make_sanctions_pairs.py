"""Build src/gavah/sanctions/data/labelled_pairs.csv from the real lists (developer script).

    .venv/bin/python scripts/make_sanctions_pairs.py [../shared/data/sanctions]

Candidates are what the index proposes: each entry of the UN and EU lists against the index of
every other list (OFAC, UN, the EU regimes), plus every pair joined by a shared identifier.
Each candidate gets a label from the first rule that decides it (RULES, in order), or none (and
stays out of the file). Hand labels in scripts/sanctions_hand_labels.csv override the rules:
those rows say "by hand" in ``checked``.
"""

from __future__ import annotations

import csv
import os
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from gavah.sanctions import labelled
from gavah.sanctions.match import Index, Record
from gavah.text.name_compare import compare
from gavah.text.names import fold_persian, latin_fold

HAND = Path(__file__).with_name("sanctions_hand_labels.csv")
QUERY_LISTS = ("un", "eu-hr", "eu-np", "eu-mil")
MIN_NAME = 0.5  # candidates whose names agree less are not hard negatives


def _folded_names(r: Record) -> set[str]:
    return _folded(r.names.names)


def _folded(names: Iterable[str]) -> set[str]:
    out = set()
    for n in names:
        f = " ".join(sorted(latin_fold(fold_persian(n)).split()))
        if len(f.split()) >= 2:
            out.add(f)
    return out


def _years(r: Record) -> set[int]:
    return {int(d[:4]) for d in r.birth if d[:4].isdigit()}


def _ids(r: Record) -> set[str]:
    # eight-digit numbers that read as dates are birth dates copied into id fields
    return {i for i in r.identifiers if len(i) >= 5 and not re.fullmatch(r"(19|20)\d{6}", i)}


def positive(a: Record, b: Record, name: float) -> str | None:
    if _ids(a) & _ids(b) and name >= 0.5:
        return "shared identifier (passport, national ID or registration number) and names agree"
    days = {d for d in a.birth & b.birth if len(d) >= 10}
    if days and name >= 0.7:
        return "same full birth date and names agree (score >= 0.7)"
    shared = _folded_names(a) & _folded_names(b)
    if a.kind == "organization" and shared & (_folded([a.name]) | _folded([b.name])):
        return "a body: the primary name of one, of two or more words, is a name of the other"
    if a.kind == "person" and _folded_names(a) & _folded_names(b) and _years(a) & _years(b):
        return "an identical full name and the same birth year"
    if _transposed(a, b) and _folded_names(a) & _folded_names(b) and negative(a, b) is None:
        return "the EU's annex VIII transposes the UN 1737 list: an identical name on both"
    return None


def _transposed(a: Record, b: Record) -> bool:
    refs = {a.ref.rsplit(":", 1)[0] + ":" + a.id[:4], b.ref.rsplit(":", 1)[0] + ":" + b.id[:4]}
    return any(r.startswith("list:un:IR") for r in refs) and any(
        r.startswith("list:eu-np:VIII") for r in refs
    )


def negative(a: Record, b: Record) -> str | None:
    ya, yb = _years(a), _years(b)
    if ya and yb and min(abs(x - y) for x in ya for y in yb) >= 3:
        return "birth years three or more apart"
    if a.gender and b.gender and a.gender != b.gender:
        return "genders differ"
    return None


def candidates(records: dict[str, Record]) -> Iterator[tuple[Record, Record]]:
    by_list: dict[str, list[Record]] = defaultdict(list)
    for r in records.values():
        by_list[r.source].append(r)
    indexes = {name: Index(recs) for name, recs in by_list.items()}
    seen: set[tuple[str, str]] = set()
    for q in (r for name in QUERY_LISTS for r in by_list[name]):
        for other, index in indexes.items():
            if other == q.source:
                continue
            for c in index.candidates(q):
                key = (min(q.ref, c.ref), max(q.ref, c.ref))
                if key not in seen:
                    seen.add(key)
                    yield q, c
    by_id: dict[str, list[Record]] = defaultdict(list)
    for r in records.values():
        for i in _ids(r):
            by_id[i].append(r)
    for holders in by_id.values():
        for a in holders:
            for b in holders:
                key = (a.ref, b.ref)
                if a.source < b.source and a.kind == b.kind and key not in seen:
                    seen.add(key)
                    yield a, b


def _reproducible() -> None:
    """Run again with PYTHONHASHSEED=0: the name comparison breaks some ties in set order, so
    only a fixed hash seed gives the same file twice."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        os.execve(sys.executable, [sys.executable, *sys.argv], env)



def write_pairs(rows: Iterable[Mapping[str, str]], path: Path = labelled.PAIRS_FILE) -> int:
    """The labelled pairs as repository data, written exactly (no cell is changed: this is not
    an export a person opens in a spreadsheet, so the shared writer's formula guard, which
    would alter names, does not apply; gavah's own code writes CSV only through it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, labelled.COLUMNS, lineterminator="\n")
        out.writeheader()
        for row in rows:
            out.writerow(row)
            n += 1
    return n

def main() -> None:
    _reproducible()
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/sanctions")
    scratch = Path(tempfile.mkdtemp(prefix="gavah-pairs-"))
    records = labelled.load_records(folder, labelled.ofac_folder(folder, scratch / "ofac"))
    hand = _hand_labels()
    scored = []
    for a, b in candidates(records):
        s = compare(a.names, b.names).score
        scored.append((a, b, s) if a.ref < b.ref else (b, a, s))
    # rule positives first, so that "each list names an entity once" can label the rest
    labels: dict[tuple[str, str], tuple[bool, str, str]] = {}
    partner: dict[tuple[str, str], set[str]] = defaultdict(set)  # (ref, other list) -> refs
    for a, b, s in scored:
        rule = positive(a, b, s)
        if rule:
            labels[a.ref, b.ref] = (True, rule, "")
            partner[a.ref, b.source].add(b.ref)
            partner[b.ref, a.source].add(a.ref)
    for a, b, s in scored:
        if (a.ref, b.ref) in labels or s < MIN_NAME:
            continue
        rule = negative(a, b)
        # lists do name one entity twice (the EU's annexes VIII and IX, OFAC's branches), so
        # the rule is left for names that do not agree in full
        exclusive = partner[a.ref, b.source] or partner[b.ref, a.source]
        if rule is None and exclusive and s < 0.95:
            rule = "each list names an entity once, and one of them is the same as another entry"
        if rule:
            labels[a.ref, b.ref] = (False, rule, "")
    for key, (same, note) in hand.items():
        rule = labels.get(key, (same, "", ""))[1] or "a person compared the two entries"
        labels[key] = (same, f"{rule}; {note}" if note else rule, "by hand")
    positives = [k for k, v in labels.items() if v[0]]
    group = labelled.groups(positives)
    rows = []
    for (left, right), (same, rule, checked) in sorted(labels.items()):
        if left not in records or right not in records:
            continue
        a, b = records[left], records[right]
        # a true pair goes with its entity's group; a false one by a hash of the pair, so that
        # the false pairs of one entity (the IRGC against each of its units) fall on both sides
        g = (group.get(left) or group.get(right) or left) if same else f"{left} {right}"
        rows.append(
            {
                "left": left,
                "right": right,
                "tag": "person" if a.kind == "person" else "body",
                "same": "1" if same else "0",
                "rule": rule,
                "checked": checked,
                "split": labelled.split_of(g),
                "left_name": a.name,
                "right_name": b.name,
            }
        )
    n = write_pairs(rows)
    print(f"{n} pairs written to {labelled.PAIRS_FILE}")
    unlabelled = [(a, b, s) for a, b, s in scored if (a.ref, b.ref) not in labels and s >= 0.8]
    with (scratch / "unlabelled.tsv").open("w") as f:
        for a, b, s in sorted(unlabelled, key=lambda t: -t[2]):
            f.write(
                f"{a.ref}\t{b.ref}\t{s:.2f}\t{a.name}\t{b.name}\t{sorted(a.birth)}\t"
                f"{sorted(b.birth)}\t{a.extra.get('programs')}\t{b.extra.get('programs')}\t"
                f"{sorted(a.countries)}\t{sorted(b.countries)}\n"
            )
    print(
        f"{len(unlabelled)} candidates at name score >= 0.8 left unlabelled: {scratch}/unlabelled.tsv"
    )


def _hand_labels() -> dict[tuple[str, str], tuple[bool, str]]:
    if not HAND.exists():
        return {}
    with HAND.open(encoding="utf-8", newline="") as f:
        return {
            (min(r["left"], r["right"]), max(r["left"], r["right"])): (r["same"] == "1", r["note"])
            for r in csv.DictReader(f)
        }


if __name__ == "__main__":
    main()
