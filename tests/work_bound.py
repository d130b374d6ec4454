"""A guard against runaway work in one call: catastrophic regex backtracking, a quadratic loop,
a reader walking a million empty rows.

It counts the processor time of the block itself, with the garbage collector paused, so that
neither other processes on a loaded machine nor a collection of the test suite's own heap count
(a wall-clock bound failed once at load 5, at 2.9 s for a call that takes 0.03 s). It is not a
speed test: each bound is many times what the work takes, and far below what runaway work
takes."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bounded_work(seconds: float) -> Iterator[None]:
    """Fail if the block takes ``seconds`` of this process's processor time or more."""
    collecting = gc.isenabled()
    gc.disable()
    started = time.process_time()
    try:
        yield
    finally:
        spent = time.process_time() - started
        if collecting:
            gc.enable()
    assert spent < seconds, f"{spent:.2f} s of processor time, the bound is {seconds} s"
