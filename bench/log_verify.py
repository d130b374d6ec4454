"""Target 5: ``log verify`` (without blob bytes) over the grown log.

Baselines: reading every entry from the same SQLite file with plain ``sqlite3`` and computing its
RFC 6962 leaf hash; and the leaf hashes alone over entries already in memory. ``verify_workspace``
does much more (canonical-form check of every entry, row checks, every stored node, every
checkpoint), so the ratio shows what those checks cost over the unavoidable hashing."""

from __future__ import annotations

from bench._timing import Result, Say, stopwatch
from bench.appends import GrownLog, read_entries
from gavah.custody import merkle
from gavah.vault.verify import verify_workspace


def run(log: GrownLog, say: Say) -> list[Result]:
    with stopwatch() as ours:
        report = verify_workspace(log.vault, check_blobs=False)
    if not report.ok:
        raise RuntimeError(f"log verify found problems in the benchmark log: {report.problems[:3]}")
    say(
        f"log verify: {report.log_size:,} entries, {report.checkpoints} checkpoints, "
        f"{ours.seconds:.1f} s"
    )
    with stopwatch() as from_db:
        entries = read_entries(log.db_path)
        _leaf_hashes(entries)
    with stopwatch() as in_memory:
        _leaf_hashes(entries)
    notes = {
        "entries": report.log_size,
        "checkpoints": report.checkpoints,
        "entries_per_s": report.log_size / ours.seconds,
    }
    what = f"verify_workspace(check_blobs=False), {report.log_size:,} entries"
    return [
        Result(
            "5 log verify",
            what,
            ours.seconds,
            "s",
            "sqlite3 read of all entries + SHA-256 leaf hashes",
            from_db.seconds,
            notes=notes,
        ),
        Result(
            "5 log verify",
            what,
            ours.seconds,
            "s",
            "SHA-256 leaf hashes of entries already in memory",
            in_memory.seconds,
        ),
    ]


def _leaf_hashes(entries: list[bytes]) -> list[bytes]:
    return [merkle.leaf_hash(entry) for entry in entries]
