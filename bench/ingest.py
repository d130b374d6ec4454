"""Target 1: ``gavah ingest`` of a mixed folder vs ``sha256sum`` over the same files.

Both run as subprocesses on a warm page cache (the files are read once before either is timed).
gavah does more than hash: it copies each file into the store (fsynced), sniffs its type, extracts
metadata and logs it, so the ratio is what that custody costs over a bare checksum."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench._timing import Result, Say, clean_env, run_timed, stopwatch
from bench.corpus import Corpus, build_corpus
from bench.sizes import MiB, Sizes

GAVAH = [sys.executable, "-m", "gavah"]
TARGET_RATIO = 1.5


def run(tmp: Path, sizes: Sizes, say: Say) -> list[Result]:
    with stopwatch() as made:
        corpus = build_corpus(tmp / "corpus", sizes)
    total = corpus.total_bytes
    gib = total / (1 << 30)
    say(f"corpus: {len(corpus.files)} files, {gib:.2f} GiB (built in {made.seconds:.1f} s)")
    _warm(corpus)
    sha_seconds = _sha256sum(corpus)
    workspace = tmp / "ingest-workspace"
    env = clean_env(GAVAH_ACTOR="bench")
    run_timed([*GAVAH, "--workspace", str(workspace), "init"], env)
    startup, _ = run_timed([*GAVAH, "--version"], env)
    ours, summary = _gavah_ingest(workspace, corpus, env)
    notes = {"files": len(corpus.files), "bytes": total, "startup_s": startup,
             "gavah_MiB_s": total / ours / MiB, "sha256sum_MiB_s": total / sha_seconds / MiB}
    _check_summary(summary, corpus)
    return [Result(
        "1 ingest", f"gavah ingest (CLI) of {len(corpus.files)} files, {gib:.2f} GiB",
        ours, "s", "sha256sum, same files", sha_seconds, f"ratio <= {TARGET_RATIO}",
        ours / sha_seconds <= TARGET_RATIO, notes,
    )]


def _warm(corpus: Corpus) -> None:
    """Read every file once so both contenders find them in the page cache."""
    for path in corpus.files:
        with path.open("rb") as f:
            while f.read(1 << 20):
                pass


def _sha256sum(corpus: Corpus) -> float:
    seconds, _ = run_timed(["sha256sum", "--", *map(str, corpus.files)])
    return seconds


def _gavah_ingest(
    workspace: Path, corpus: Corpus, env: dict[str, str]
) -> tuple[float, dict[str, object]]:
    argv = [*GAVAH, "--workspace", str(workspace), "ingest", str(corpus.root), "--json"]
    seconds, stdout = run_timed(argv, env)
    return seconds, json.loads(stdout)


def _check_summary(summary: dict[str, object], corpus: Corpus) -> None:
    """A benchmark of an ingest that skipped files would flatter us: refuse it."""
    if summary.get("failures") or summary.get("files") != len(corpus.files):
        raise RuntimeError(f"ingest did not take every file: {summary.get('failures')}")
