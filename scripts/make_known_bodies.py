"""Build src/gavah/sanctions/data/known_bodies.csv (developer script).

    .venv/bin/python scripts/make_known_bodies.py [../shared/data/sanctions]

Two sources, each row keeping its own:

- scripts/known_bodies_hand.csv: Iranian state bodies checked by hand (Persian names,
  transliterations, English translations), each with the list entry or reference it rests on;
- the EU Iran human-rights regime (Reg. 359/2011, OpenSanctions' transcription): for each body
  (annex I.B), its Latin name and the Persian-script aliases that no other body of the list
  shares (an IRGC regional corps also carries the IRGC's own Persian name, which must not join
  the two) and that have two words or more (a one-word alias such as سلمان is a place or a
  person's name as often as the body's).
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE.parent / "src" / "gavah" / "sanctions" / "data" / "known_bodies.csv"
EU_FILE = "eu_oj_32011R0359_iran_human_rights.csv"
COLUMNS = ["key", "name", "language", "source"]


def _persian(text: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" for c in text)


def eu_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        bodies = [r for r in csv.DictReader(f) if r["schema"] != "Person"]
    aliases = [[a.strip() for a in r["alias"].split(";") if a.strip()] for r in bodies]
    count = Counter(a for names in aliases for a in names)
    out = []
    for row, names in zip(bodies, aliases, strict=True):
        own = [a for a in names if _persian(a) and count[a] == 1 and len(a.split()) >= 2]
        if not own:
            continue
        key = "eu-" + row["recordId"].lower()
        source = f"EU Reg. 359/2011 (OpenSanctions transcription) {row['recordId']}: name and alias"
        out.append({"key": key, "name": row["name"], "language": "en", "source": source})
        out += [{"key": key, "name": a, "language": "fa", "source": source} for a in own]
    return out


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/sanctions")
    with (HERE / "known_bodies_hand.csv").open(encoding="utf-8", newline="") as f:
        hand = list(csv.DictReader(f))
    rows = hand + eu_rows(folder / EU_FILE)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        out.writeheader()
        out.writerows(rows)
    print(f"{len(rows)} rows ({len(hand)} by hand) written to {OUT}")


if __name__ == "__main__":
    main()
