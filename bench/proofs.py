"""Targets 3 and 4: inclusion proofs from the grown log, and checking a real proof bundle.

One real item (a synthetic JPEG) is ingested into the grown log through the ingest API, so the
bundle is exactly what ``gavah proof`` hands out."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from bench._timing import Result, Samples, Say, clean_env, run_timed, sample
from bench.appends import GrownLog
from bench.corpus import make_photo
from bench.ingest import GAVAH
from bench.sizes import Sizes
from gavah.custody import merkle
from gavah.custody.bundle import load_bundle, verify_bundle
from gavah.intake.ingest import ingest
from gavah.vault.export import issue_proof

PROOF_TARGET_MS = 5.0
VERIFY_TARGET_MS = 50.0


def run(log: GrownLog, tmp: Path, sizes: Sizes, say: Say) -> list[Result]:
    item_id, photo = _ingest_item(log, tmp)
    say(f"item {item_id} ingested at log size {log.size:,}")
    results = [_inclusion(log, sizes.inclusion_proofs)]
    issued, bundle = _issue(log, item_id, sizes.issued_proofs)
    results.append(issued)
    results += _verify(log, bundle, photo, tmp, sizes.bundle_checks)
    return results


def _ingest_item(log: GrownLog, tmp: Path) -> tuple[str, Path]:
    photo = make_photo(tmp / "item" / "photo", 0, random.Random(1))
    summary = ingest(log.vault, [os.fsencode(photo)])
    if summary.failures or summary.checkpoint_size is None:
        raise RuntimeError(f"could not ingest the proof item: {summary.failures}")
    log.size = summary.checkpoint_size
    return str(summary.items[0]["id"]), photo


def _inclusion(log: GrownLog, runs: int) -> Result:
    """Each proof in its own read session, as a request would make it."""
    size = log.size
    indexes = iter(random.Random(9162).sample(range(size), runs))
    paths: list[tuple[int, list[bytes]]] = []

    def prove() -> None:
        index = next(indexes)
        with log.ws.db.read() as session:
            paths.append((index, log.ws.log.inclusion_path(session, index, size)))

    timings = sample(prove, runs)
    _check_paths(log, size, paths[:20])
    return _ms_result(
        "3 inclusion proof",
        f"inclusion_path at size {size:,}, {runs} random leaves",
        timings,
        PROOF_TARGET_MS,
    )


def _check_paths(log: GrownLog, size: int, paths: list[tuple[int, list[bytes]]]) -> None:
    """A fast wrong proof is worth nothing: check a sample against the root and the entries."""
    with log.ws.db.read() as session:
        root = log.ws.log.root(session, size)
        for index, path in paths:
            leaf = merkle.leaf_hash(log.ws.log.entry(session, index))
            merkle.verify_inclusion(leaf, index, size, path, root)


def _issue(log: GrownLog, item_id: str, runs: int) -> tuple[Result, dict[str, Any]]:
    """The whole ``gavah proof`` path: log the access, sign a checkpoint, build the bundle."""
    bundles: list[dict[str, Any]] = []
    timings = sample(lambda: bundles.append(issue_proof(log.vault, item_id)), runs)
    log.size = bundles[-1]["tree_size"]
    return _ms_result(
        "3 inclusion proof", f"issue_proof (write txn + sign + path), {runs} runs", timings, None
    ), bundles[-1]


def _verify(
    log: GrownLog, bundle: dict[str, Any], photo: Path, tmp: Path, runs: int
) -> list[Result]:
    bundle_path = tmp / "proof.json"
    bundle_path.write_text(json.dumps(bundle, indent=2), encoding="utf-8")
    key_path = tmp / "log.pub"
    key_path.write_text(log.ws.log.verifier.to_text() + "\n", encoding="utf-8")
    verifier = log.ws.log.verifier
    timings = sample(lambda: verify_bundle(load_bundle(bundle_path), verifier, photo), runs)
    what = f"verify_bundle(load_bundle(..), key, file), {runs} runs"
    in_process = _ms_result("4 verify-proof", what, timings, VERIFY_TARGET_MS)
    return [in_process, _cold_cli(bundle_path, key_path, photo)]


def _cold_cli(bundle_path: Path, key_path: Path, photo: Path) -> Result:
    env = clean_env()
    startup, _ = run_timed([*GAVAH, "--version"], env)
    argv = [
        *GAVAH,
        "verify-proof",
        str(bundle_path),
        "--key",
        str(key_path),
        "--file",
        str(photo),
        "--json",
    ]
    seconds, stdout = run_timed(argv, env)
    if json.loads(stdout).get("verified") is not True:
        raise RuntimeError("gavah verify-proof did not verify the bundle")
    return Result(
        "4 verify-proof",
        "gavah verify-proof CLI, one cold process (with start-up)",
        seconds * 1000,
        "ms",
        "gavah --version (start-up alone)",
        startup * 1000,
        notes={"startup_ms": startup * 1000},
    )


def _ms_result(bench: str, what: str, timings: Samples, target_ms: float | None) -> Result:
    p95 = timings.p95 * 1000
    return Result(
        bench,
        what,
        timings.median * 1000,
        "ms (median)",
        target=f"< {target_ms:g} ms (p95)" if target_ms else None,
        met=p95 < target_ms if target_ms else None,
        notes={"p95_ms": p95, "max_ms": max(timings.seconds) * 1000, "runs": len(timings.seconds)},
    )
