"""``python -m bench [--quick] [--json] [--only N ...]``: run the benchmarks and report."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from bench import (
    appends,
    bundles,
    faces,
    ingest,
    linkage,
    log_verify,
    mse,
    mse_r,
    proofs,
    publish,
    sanctions_quality,
    screening,
    similar,
    verify,
    web,
)
from bench._timing import Result, Say, stopwatch
from bench.report import json_document, print_table
from bench.sizes import FULL, QUICK, Sizes

_progress = Console(stderr=True, highlight=False, log_path=False)


def _say(text: str) -> None:
    _progress.log(text)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    add = parser.add_argument
    add("--quick", action="store_true", help="Small sizes (CI smoke check, < 1 min).")
    add("--json", action="store_true", help="Print one JSON document instead of a table.")
    add("--save", type=Path, default=None, help="Also write the JSON document to this file.")
    add("--tmp", type=Path, default=None, help="Parent folder for the temporary data.")
    add(
        "--only",
        type=int,
        nargs="+",
        choices=range(1, 17),
        default=None,
        help="Run only these targets (3-5 need the grown log, so 2 always runs with them; "
        "10, LCMCR against the R package, runs only when named; 11 is sanctions matching "
        "quality on the held-out labelled pairs; 12 is verification's confidence recomputation; 13 is sealed bundles against age; 14 is the public site's build; 15 is face recall for redaction; 16 is near-duplicate lookups against stored PDQ hashes).",
    )
    return parser.parse_args()


def run_all(tmp: Path, sizes: Sizes, only: set[int], say: Say) -> list[Result]:
    results: list[Result] = []
    if 1 in only:
        say("1. ingest: building the corpus")
        results += ingest.run(tmp, sizes, say)
    if only & {2, 3, 4, 5}:
        say(f"2. appends: growing the log by {sizes.log_appends:,} entries")
        log, grown = appends.run(tmp, sizes, say)
        results += grown
        try:
            if only & {3, 4}:
                say("3./4. proofs")
                results += proofs.run(log, tmp, sizes, say)
            if 5 in only:
                say("5. log verify")
                results += log_verify.run(log, say)
        finally:
            log.ws.close()
    if 6 in only:
        say(f"6. LCMCR: {sizes.mse_records:,} records on 4 lists, {sizes.mse_samples:,} samples")
        results += mse.run(sizes)
    if 7 in only:
        say(f"7. linkage: two synthetic lists of about {sizes.linkage_records:,} records each")
        results += linkage.run(sizes, tmp)
    if 8 in only:
        say(f"8. sanctions screening against {sizes.screening_entries:,} entries")
        results += screening.run(sizes, say)
    if 9 in only:
        say(f"9. web workspace under load: {sizes.web_items:,} items, SQLite and PostgreSQL")
        results += web.run(tmp, sizes, say)
    if 10 in only:
        say("10. LCMCR side by side with the R package on the published tables")
        results += mse_r.run(sizes, say)
    if 11 in only:
        say("11. sanctions matching quality on the held-out labelled pairs")
        results += sanctions_quality.run(sizes, say)
    if 12 in only:
        say(f"12. verification: confidence of {sizes.verify_claims:,} claims recomputed")
        results += verify.run(tmp, sizes, say)
    if 13 in only:
        say(
            f"13. sealed bundles: {sizes.bundle_bytes / (1 << 20):,.0f} MiB sealed and opened, beside age"
        )
        results += bundles.run(tmp, sizes, say)
    if 14 in only:
        say(f"14. publish: a site of {sizes.publish_incidents:,} incidents, built and rebuilt")
        results += publish.run(tmp, sizes, say)
    if 15 in only:
        say("15. faces: recall of the redaction detector beside the Haar cascade")
        results += faces.run(sizes.mode == "quick", say)
    if 16 in only:
        say(
            f"16. similar: PDQ lookups against {', '.join(f'{n:,}' for n in sizes.similar_hashes)} hashes"
        )
        results += similar.run(sizes, say)
    return sorted(results, key=lambda r: r.bench)


def main() -> None:
    args = _arguments()
    sizes = QUICK if args.quick else FULL
    only = set(args.only or [*range(1, 10), 11, 12, 13, 14, 15, 16])
    scratch = tempfile.TemporaryDirectory(prefix="gavah-bench-", dir=args.tmp)
    with stopwatch() as total, scratch as tmp:
        results = run_all(Path(tmp), sizes, only, _say)
    if args.save:
        args.save.write_text(json_document(results, sizes, total.seconds), encoding="utf-8")
    if args.json:
        sys.stdout.write(json_document(results, sizes, total.seconds))
    else:
        print_table(results, sizes, total.seconds)


if __name__ == "__main__":
    main()
