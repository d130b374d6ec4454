"""Timing helpers and the one result shape every benchmark reports."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

Say = Callable[[str], None]
"""Where a benchmark reports progress (stderr, so ``--json`` output stays clean)."""


@dataclass
class Lap:
    """Seconds spent inside a :func:`stopwatch` block (set when the block exits)."""

    seconds: float = 0.0


@contextmanager
def stopwatch() -> Iterator[Lap]:
    lap = Lap()
    start = time.perf_counter()
    try:
        yield lap
    finally:
        lap.seconds = time.perf_counter() - start


@dataclass(frozen=True)
class Samples:
    """Repeated timings of one operation, in seconds."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def sample(operation: Callable[[], object], runs: int) -> Samples:
    """Time ``operation`` ``runs`` times, one call per timing."""
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        operation()
        seconds.append(time.perf_counter() - start)
    return Samples(tuple(seconds))


def run_timed(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run a command to completion; its wall time (process start to exit) and its stdout.

    Raises if the command fails: a failed run would time nothing meaningful."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return seconds, done.stdout


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for gavah subprocesses: no GAVAH_* settings leaking in from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAVAH_")}
    return env | extra


@dataclass(frozen=True)
class Result:
    """One reported figure, optionally with its baseline and the issue's target.

    ``ratio`` is ours / baseline for times (lower is better); ``met`` is None when the figure has
    no target of its own."""

    bench: str
    what: str
    value: float
    unit: str
    baseline: str | None = None
    baseline_value: float | None = None
    target: str | None = None
    met: bool | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline_value is None or self.baseline_value == 0:
            return None
        return self.value / self.baseline_value

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}
