"""Write tests/fixtures/sanctions/screening_before.json: every pair ``match.screen`` gives when
each of the three fixture lists (tests/fixtures/sanctions) is screened against each of them,
with its exact score, decision and explanation; every candidate pair, at threshold 0.

It was made on the code of main at commit b92b0b6 (before screening was made faster), by

    PYTHONPATH=src:. python scripts/make_screening_fixture.py

and tests/sanctions/test_screening_same.py checks that today's code gives the very same pairs:
a faster screen must not change a single pair, decision, score or explanation line. Run it
again only when a change to the scorer is meant to change pairs (and say so in the commit).
It was run again:

- when screening stopped depending on Python's hash seed (an entity's names are read in sorted
  order, no longer in the order of FtM's set): the same pairs, scores and decisions; only which
  of two equally scored names an explanation shows changed. Before, the file was made with
  ``PYTHONHASHSEED=0`` and the test left those lines aside;
- when every apostrophe came to be read as the ASCII one: the EU's "Iran’s Morality Police"
  and OFAC's "IRAN'S MORALITY POLICE" became a match (0.68 to 1.00, both ways); OFAC's entry,
  now read "IRAN MORALITY POLICE", meets the law enforcement forces' "IRANIAN POLICE" better
  (name 0.48 to 0.62, probability 0.012 to 0.006, both ways) and holds the key of "Iran" with
  the others, so four entries of the OFAC list share it where three did: seven probabilities
  below 0.004 move a little, and four pairs at 0.0005 come in (it against the ministry of
  intelligence and the police's cooperative foundation, both ways);
- when bodies' names came to be compared without legal forms and company words, with new body
  features and the weights fitted again (issue 14, bodies' recall): the same 286 pairs and every
  decision the same; 100 probabilities move, the largest an IRGC regional corps against the
  IRGC (0.44 to 0.19), the law enforcement forces' cooperative foundation against the forces
  (0.16 to 0.03), the Qods Force against the IRGC (0.06 to 0.01), Tasnim's two entries (0.983 to
  0.999); people's pairs move in the third decimal (the people's weights, fitted again on the
  same features, moved in the third decimal).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gavah.sanctions import formats, index, match

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "sanctions"
OUT = FIXTURES / "screening_before.json"
LISTS = (
    ("ofac", "us", FIXTURES / "ofac", "ofac"),
    ("eu-hr", "eu", FIXTURES / "eu_oj_32011R0359_excerpt.csv", "eu-csv"),
    ("un", "un", FIXTURES / "un_sc_consolidated_excerpt.xml", "un-xml"),
)


def fixture_payloads() -> dict[str, list[index.Payload]]:
    """Each fixture list's entries as a workspace stores them, in source-id order."""
    return {
        name: [
            index.list_payload(
                name, jurisdiction, e.source_id, e.entity.to_dict(), e.programs, e.listed_on
            )
            for e in sorted(formats.read(path, fmt), key=lambda e: e.source_id)
        ]
        for name, jurisdiction, path, fmt in LISTS
    }


def fixture_records() -> dict[str, list[match.Record]]:
    """Each fixture list's readable records (as a stored index makes them)."""
    return {
        name: [r for r in map(index.record_of, found) if r is not None]
        for name, found in fixture_payloads().items()
    }


def screened(lists: dict[str, list[match.Record]]) -> list[dict[str, Any]]:
    """Every list against every list's index (itself too: xref of a list with itself), every
    candidate pair scored (threshold 0), not only those a screen would show."""
    out = []
    for queries in lists.values():
        for right, entries in lists.items():
            for m in match.screen(queries, match.Index(entries), threshold=0.0):
                out.append({"index": right, **m.to_dict(), "exact_score": m.score})
    return out


if __name__ == "__main__":
    rows = screened(fixture_records())
    OUT.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    print(f"{len(rows)} pairs written to {OUT}")
