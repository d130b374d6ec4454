"""Name levels computed in worker processes (gavah.casualties.name_workers): the same levels,
pairs and stored runs as in one process, on SQLite and PostgreSQL, and no worker left behind
when the linking process is interrupted or killed. Every name here is synthetic."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gavah.casualties import name_workers, synthetic
from gavah.casualties.comparisons import NameBook
from gavah.casualties.people import People
from gavah.casualties.register import ListInfo, Register, parse_mapping
from gavah.vault import Vault

MAPPING = parse_mapping(
    [
        "id=record_id,name=name,name_fa=name_fa,age=age,age_group=age_group",
        "gender=gender,date=date,province=place",
    ]
)


@pytest.fixture
def always_shared(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Workers started for any register and used for any batch; the sizes of the batches
    they were given."""
    given: list[int] = []
    levels = name_workers.NameWorkers.levels

    def counted(self: name_workers.NameWorkers, pairs: Any) -> Any:
        given.append(len(pairs))
        return levels(self, pairs)

    monkeypatch.setattr(name_workers, "LEAST_RECORDS", 2)
    monkeypatch.setattr(name_workers, "LEAST_PAIRS", 1)
    monkeypatch.setattr(name_workers.NameWorkers, "levels", counted)
    yield given


def _book(people: int) -> NameBook:
    book = NameBook()
    for p in synthetic.realistic_people(people, seed=5):
        book.add((f"{p.given_en} {p.surname_en}", f"{p.given_fa} {p.surname_fa}"))
    return book


def test_workers_compute_the_levels_of_one_process(always_shared: list[int]) -> None:
    book = _book(300)
    rng = np.random.default_rng(3)
    left, right = rng.integers(0, 300, 5_000), rng.integers(0, 300, 5_000)
    alone = _book(300).levels(left, right)
    with name_workers.name_workers(book, 2, records=300):
        shared = book.levels(left, right)
    assert always_shared, "the workers were not asked"
    assert shared.tolist() == alone.tolist()
    assert len(set(alone.tolist())) > 2


def test_a_stored_run_is_the_same_with_one_worker_or_two(
    vault: Vault, tmp_path: Path, always_shared: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    population = synthetic.people(400, seed=11)
    for j, rows in enumerate(synthetic.lists(population, [0.6, 0.6], seed=12)):
        path = tmp_path / f"list-{j}.csv"
        synthetic.write_csv(rows, path)
        Register(vault).import_list(path, ListInfo(synthetic.list_prefix(j)), MAPPING)
    people = People(vault)
    shared = people.run_linkage(None, seed=1, weights="declared")  # one per core: 2 here
    assert always_shared or (os.cpu_count() or 1) == 1
    monkeypatch.setattr(name_workers, "LEAST_RECORDS", 10**9)
    alone = people.run_linkage(None, seed=1, weights="declared")
    assert shared["pairs"] > 50
    with vault.db.read() as session:
        from gavah.db import models

        runs = {r.id: r.pairs_sha256 for r in session.query(models.LinkageRun)}
    assert runs[shared["run"]] == runs[alone["run"]]


# A linking process that keeps its workers comparing names until it is stopped, and says when
# it has begun: batch after batch of new pairs (levels once computed are kept, so each batch
# is drawn afresh), so that a signal always finds it at work, however late a loaded machine
# lets the test send it.
_LINKING = textwrap.dedent(
    """
    import sys
    import numpy as np
    from gavah.casualties import name_workers, synthetic
    from gavah.casualties.comparisons import NameBook

    book = NameBook()
    people = synthetic.realistic_people(8_000, seed=5)
    for p in people:
        book.add((f"{p.given_en} {p.surname_en}", f"{p.given_fa} {p.surname_fa}"))
    rng = np.random.default_rng(5)
    with name_workers.name_workers(book, 2, records=10**6):
        book.workers.levels(np.zeros(4, dtype=np.int64))  # started and ready
        print("comparing", flush=True)
        while True:
            left, right = rng.integers(0, len(people), (2, 400_000))
            book.levels(left, right)
    """
)


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _gone(pids: set[int], within: float = 60.0) -> bool:
    """Whether every process of ``pids`` has exited, waiting up to ``within`` seconds for
    them on a loaded machine (not a measure of speed)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in pids):
            return True
        time.sleep(0.2)
    return False


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().split("\n", 3)[2]
    except OSError:
        return False


def _started_linking() -> tuple[subprocess.Popen[str], set[int]]:
    linking = subprocess.Popen(
        [sys.executable, "-c", _LINKING],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a command run in a terminal
        # Ctrl-C as a terminal gives it: a suite started in the background by a script (as
        # .ci/run does) inherits SIGINT ignored, and Python then installs no handler for it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert linking.stdout is not None
    assert linking.stdout.readline().strip() == "comparing"
    workers = _children(linking.pid)  # the two workers, and multiprocessing's resource tracker
    assert len(workers) >= 2
    return linking, workers


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the workers through /proc")
def test_killed_linking_leaves_no_worker() -> None:
    linking, workers = _started_linking()
    linking.kill()
    linking.wait()
    assert _gone(workers), "a worker outlived the linking process"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the workers through /proc")
def test_interrupted_linking_stops_its_workers_without_their_tracebacks() -> None:
    linking, workers = _started_linking()
    os.killpg(linking.pid, signal.SIGINT)  # Ctrl-C: to the linking process and its workers
    _, errors = linking.communicate(timeout=120)
    assert linking.returncode != 0
    assert errors.count("Traceback") == 1 and "KeyboardInterrupt" in errors  # the parent's own
    assert _gone(workers)
