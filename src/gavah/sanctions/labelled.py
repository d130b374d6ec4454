"""Labelled cross-list pairs: the real lists they come from, and the file that keeps them.

``data/labelled_pairs.csv`` holds pairs of entries of two official lists (the UN consolidated
list, OFAC's SDN list with its alternate names, the EU's three Iran regimes), each labelled the
same person or body, or different, with the rule that decided it and whether someone checked it
by hand. ``scripts/make_sanctions_pairs.py`` builds it from the files in
``../shared/data/sanctions/``; ``scripts/fit_sanctions_weights.py`` fits the weights of
:mod:`gavah.sanctions.calibration` on the "fit" pairs; ``bench/sanctions_quality.py`` and the
tests measure on the "held-out" ones. The lists are public official designations. The file
stays in the source tree (it is not installed with the package; the weights are).

True pairs are split by entity: the true pairs of one person or body (a connected group of pairs
labelled the same) all fall on one side, chosen by a hash of the group's first reference, so
that the held-out true pairs name people and bodies the weights never saw. False pairs are split
by a hash of the pair, so that the false pairs of one entity (the IRGC against each of the
regional corps that carry its name as an alias) fall on both sides.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from gavah.casualties import clusters
from gavah.sanctions import formats
from gavah.sanctions.match import Record, readable

PAIRS_FILE = Path(__file__).parent / "data" / "labelled_pairs.csv"
HELD_OUT_SHARE = 3  # one group in three is held out

# (list name, file, format, jurisdiction)
LIST_FILES: tuple[tuple[str, str, str, str], ...] = (
    ("ofac", "ofac_sdn_2024-05-03.csv", "ofac", "us"),
    ("un", "un_sc_consolidated_2026-02-27.xml", "un-xml", "un"),
    ("eu-hr", "eu_oj_32011R0359_iran_human_rights.csv", "eu-csv", "eu"),
    ("eu-np", "eu_oj_32012R0267_iran_nonproliferation.csv", "eu-csv", "eu"),
    ("eu-mil", "eu_oj_32023R1529_iran_military_support.csv", "eu-csv", "eu"),
)
COLUMNS = ("left", "right", "tag", "same", "rule", "checked", "split", "left_name", "right_name")


@dataclass(frozen=True, slots=True)
class LabelledPair:
    left: str  # record references, "list:NAME:ID"
    right: str
    tag: str  # "person" or "body"
    same: bool
    rule: str  # how the label was decided
    checked: str  # "by hand" when a person looked at both entries
    split: str  # "fit" or "held-out"


def read_pairs(path: Path = PAIRS_FILE) -> list[LabelledPair]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            LabelledPair(
                r["left"],
                r["right"],
                r["tag"],
                r["same"] == "1",
                r["rule"],
                r["checked"],
                r["split"],
            )
            for r in csv.DictReader(f)
        ]


def load_records(folder: Path, ofac_folder: Path) -> dict[str, Record]:
    """Every person and body of the real lists in ``folder``, by reference. ``ofac_folder``
    holds ``sdn.csv`` and ``alt.csv`` (the dated files of ``folder``, linked or copied)."""
    out: dict[str, Record] = {}
    for name, filename, fmt, jurisdiction in LIST_FILES:
        source = ofac_folder if fmt == "ofac" else folder / filename
        for e in formats.read(source, fmt):
            ref = f"list:{name}:{e.source_id}"
            rec = readable(
                e.entity, ref, name, e.source_id, programs=e.programs, jurisdiction=jurisdiction
            )
            if rec is not None and rec.kind in ("person", "organization"):
                out[ref] = rec
    return out


def ofac_folder(folder: Path, scratch: Path) -> Path:
    """A folder in ``scratch`` with the dated OFAC files of ``folder`` linked in under the names
    the ``ofac`` format reads."""
    scratch.mkdir(parents=True, exist_ok=True)
    for src, dst in (
        ("ofac_sdn_2024-05-03.csv", "sdn.csv"),
        ("ofac_alt_2025-12-24.csv", "alt.csv"),
    ):
        target = scratch / dst
        if not target.exists():
            target.symlink_to(folder / src)
    return scratch


def split_of(group: str) -> str:
    digest = hashlib.sha256(group.encode()).digest()
    return "held-out" if digest[0] % HELD_OUT_SHARE == 0 else "fit"


def groups(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each reference's group: the smallest reference connected to it by the given pairs."""
    found = clusters.Groups()
    for a, b in pairs:
        found.union(a, b)
    return {x: found.find(x) for x in list(found.parent)}


def resolve(
    pairs: Iterable[LabelledPair], records: Mapping[str, Record]
) -> Iterator[tuple[LabelledPair, Record, Record]]:
    """Each pair with its two records; pairs naming an entry the lists no longer hold are left
    out."""
    for p in pairs:
        if p.left in records and p.right in records:
            yield p, records[p.left], records[p.right]
