"""Target 2: log appends on SQLite, and the grown log that targets 3-5 reuse.

Appends go through the real :class:`gavah.custody.log.Appender` in write transactions of
``sizes.transaction`` entries, each ending with a flush and a signed checkpoint, exactly as the
vault does. The baseline inserts the same entry bytes into a bare two-column SQLite table with
``executemany``, same transaction sizes, same pragmas (WAL, ``synchronous=FULL``)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bench._timing import Result, Say, stopwatch
from bench.sizes import Sizes
from gavah.custody.log import Appender, utcnow
from gavah.settings import Settings
from gavah.vault import Vault
from gavah.workspace import Workspace, init_workspace

KIND = "bench.synthetic"
TARGET_APPENDS = 1_000_000
TARGET_SECONDS = 60.0


@dataclass
class GrownLog:
    """A workspace whose log holds ``size`` entries (the genesis entry plus the appends)."""

    ws: Workspace
    vault: Vault
    db_path: Path
    size: int


def open_log(tmp: Path) -> GrownLog:
    folder = tmp / "log-workspace"
    # model_validate, not Settings(...): no GAVAH_* variable can move the benchmark off the
    # default embedded backend (SQLite + local folder).
    settings = Settings.model_validate({"workspace": folder, "actor": "bench", "ingest_workers": 2})
    ws = init_workspace(settings)
    with ws.db.read() as session:
        size = ws.log.size(session)
    return GrownLog(ws, Vault(ws), folder / "gavah.sqlite3", size)


def run(tmp: Path, sizes: Sizes, say: Say) -> tuple[GrownLog, list[Result]]:
    log = open_log(tmp)
    with stopwatch() as grown:
        transactions = [
            _append_transaction(log, n) for n in _split(sizes.log_appends, sizes.transaction)
        ]
    say(f"log grown to {log.size:,} entries in {grown.seconds:.1f} s")
    entries = read_entries(log.db_path, first=1)
    baseline = _plain_inserts(entries, tmp / "plain.sqlite3", sizes.transaction)
    rate = sizes.log_appends / grown.seconds
    target_rate = TARGET_APPENDS / TARGET_SECONDS
    notes = {
        "transactions": len(transactions),
        "slowest_transaction_s": max(transactions),
        "first_transaction_s": transactions[0],
        "last_transaction_s": transactions[-1],
    }
    return log, [
        Result(
            "2 appends",
            f"{sizes.log_appends:,} appends via Appender, {sizes.transaction:,} per txn",
            grown.seconds,
            "s",
            "plain sqlite3 executemany, same bytes",
            baseline,
            f"< {TARGET_SECONDS:.0f} s per {TARGET_APPENDS:,} (>= {target_rate:,.0f}/s)",
            rate >= target_rate,
            notes,
        ),
        Result("2 appends", "append rate", rate, "appends/s"),
    ]


def _split(total: int, per: int) -> list[int]:
    return [min(per, total - start) for start in range(0, total, per)]


def _append_transaction(log: GrownLog, count: int) -> float:
    """One write transaction of ``count`` small synthetic events, closed by a signed checkpoint."""
    with stopwatch() as lap, log.ws.db.write() as session:
        appender = Appender(session)
        for _ in range(count):
            detail = {"seq": appender.size, "via": "bench (synthetic event)"}
            appender.append(KIND, None, utcnow(), {"actor": "bench", "detail": detail})
        appender.flush()
        log.ws.log.sign_checkpoint(session, appender.size, appender.root())
        log.size = appender.size
    return lap.seconds


def read_entries(db_path: Path, first: int = 0) -> list[bytes]:
    """Entry bytes in log order, straight from the SQLite file."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT entry FROM custody_event WHERE idx >= ? ORDER BY idx", (first,))
        return [bytes(entry) for (entry,) in rows]


def _plain_inserts(entries: list[bytes], path: Path, transaction: int) -> float:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("CREATE TABLE entry (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL)")
        with stopwatch() as lap:
            for start in range(0, len(entries), transaction):
                con.execute("BEGIN IMMEDIATE")
                rows = enumerate(entries[start : start + transaction], start)
                con.executemany("INSERT INTO entry (idx, entry) VALUES (?, ?)", rows)
                con.execute("COMMIT")
    finally:
        con.close()
    return lap.seconds
