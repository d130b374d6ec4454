"""Name levels of record linkage computed in worker processes.

Comparing names is most of a large linkage's processor time (2.2 million distinct pairs of
names on two lists of 100,000 records), pure Python, and so on one core whatever the machine
has. :class:`NameWorkers` shares it out: the distinct pairs of a
:class:`~gavah.casualties.comparisons.NameBook`'s entries are cut into tasks, a family name's
pairs together where they are not too many (a name is then read by one worker, not by each),
each task's levels are computed by a worker, and put back in the pairs' order. A level depends
on the two names only, so the levels, and every score made from them, are the same with one
worker or many.

The workers are forked when the levels are first asked for, after DuckDB has found the
candidate pairs: they inherit the book as it is (nothing to copy or read again), and no script
that calls :func:`~gavah.casualties.linkage.link` is run again in them, as ``spawn`` would run a
script's top level. They only compare names: they never touch DuckDB (whose idle threads are
not copied) nor the database connection they inherit, and they leave with ``os._exit``, which
closes nothing of the parent's. They ignore Ctrl-C (the linking process stops them once the
tasks under way are done; nothing of an interrupted run is stored), and each leaves as soon as
the process that started it is gone, even when it was killed: no worker outlives its run. If
a worker dies (out of memory), the linking process computes the levels itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from gavah.casualties.comparisons import NameBook, _Names

# Below these, names are compared in the linking process: workers would save little.
LEAST_RECORDS = 20_000
LEAST_PAIRS = 50_000  # new pairs of names in one batch
CHUNKS_PER_WORKER = 16  # small chunks keep the workers busy to the end, and Ctrl-C quick
LEAST_CHUNK = 2_000
# Workers are forked (see the module's docstring); where processes cannot be, names are
# compared in the linking process.
CAN_FORK = "fork" in multiprocessing.get_all_start_methods()

log = logging.getLogger(__name__)


def worker_count(setting: int = 0) -> int:
    """The processes to compare names in: ``setting``, or one per CPU core if it is 0."""
    return setting if setting > 0 else os.cpu_count() or 1


class NameWorkers:
    """A pool of worker processes computing the levels of pairs of a book's entries, started
    when first asked for levels (the book is complete by then: the workers inherit it)."""

    def __init__(self, book: NameBook, workers: int, least_pairs: int = LEAST_PAIRS) -> None:
        self.book = book
        self.workers = workers
        self.least_pairs = least_pairs
        self._pool: ProcessPoolExecutor | None = None

    def levels(self, pairs: Any) -> Any:
        """The levels of ``pairs`` (numpy, sorted pair keys of entries), in their order."""
        import numpy as np

        found = np.zeros(len(pairs), dtype=np.int32)
        tasks = _tasks(_families(self.book.distinct_entries())[pairs >> 32], self.workers)
        try:
            done = self._started().map(_levels_of, [pairs[t] for t in tasks])
            for where, levels in zip(tasks, done, strict=True):
                found[where] = levels
        except BrokenProcessPool:  # a worker died (out of memory, killed): do it here
            log.warning("a name worker stopped; comparing names in the linking process")
            return self.book.compute(pairs)
        return found

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker,
                initargs=(self.book,),
            )
        return self._pool

    def close(self) -> None:
        """Stop the workers: at once if nothing is being compared, else when the chunks under
        way are done (the rest are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def name_workers(book: NameBook, workers: int, records: int) -> Iterator[None]:
    """Workers for ``book`` while the block runs, if ``workers`` > 1, the linkage is of
    :data:`LEAST_RECORDS` ``records`` or more, and processes can be forked here."""
    if workers <= 1 or records < LEAST_RECORDS or not CAN_FORK:
        yield
        return
    pool = NameWorkers(book, workers, LEAST_PAIRS)
    book.workers = pool
    try:
        yield
    finally:
        book.workers = None
        pool.close()


def _families(entries: Sequence[_Names | None]) -> Any:
    """A number for each entry's family name (its names' least last word): most candidate
    pairs share one, as the blocking rules ask."""
    import numpy as np

    last = ["" if e is None else min((w[-1] for w in e.words if w), default="") for e in entries]
    numbers: dict[str, int] = {}
    return np.array([numbers.setdefault(x, len(numbers)) for x in last], dtype=np.int64)


def _tasks(families: Any, workers: int) -> list[Any]:
    """Pairs (positions of ``families``: each pair's left family) shared out in tasks: a
    family's pairs in one task, where they are not too many, so that a name is read in one
    worker, not in each (reading a name costs as much as comparing two). Tasks are small
    enough to keep every worker busy to the end."""
    import numpy as np

    if not len(families):
        return []
    size = max(LEAST_CHUNK, -(-len(families) // (workers * CHUNKS_PER_WORKER)))
    order = np.argsort(families, kind="stable")
    ordered = families[order]
    bounds = np.r_[np.flatnonzero(ordered[1:] != ordered[:-1]) + 1, len(order)]
    tasks, start = [], 0
    while start < len(order):
        end = min(start + size, len(order))
        family_end = int(bounds[np.searchsorted(bounds, end)])  # the family's end, or end
        end = family_end if family_end - start <= 2 * size else end  # else cut a common family
        tasks.append(order[start:end])
        start = end
    return tasks


_BOOK: NameBook | None = None  # the worker's copy of the names


def _start_worker(book: NameBook) -> None:
    global _BOOK
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the linking process decides when to stop
    _BOOK = book
    book.workers = None  # a worker computes its levels itself
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_leave_with, args=(parent,), daemon=True).start()


def _leave_with(parent: Any) -> None:
    """Exit as soon as the process that started this worker is gone (killed, say): its pipe
    would otherwise keep this worker waiting for work forever."""
    parent.join()
    os._exit(1)


def _levels_of(pairs: Any) -> Any:
    assert _BOOK is not None, "a worker is started with the names"
    return _BOOK.compute(pairs)
