"""The database-backed custody log: proofs agree with the RFC definition, concurrent appenders
never fork the log, and every checkpoint is consistent with the next."""

from __future__ import annotations

import multiprocessing
from typing import Any

from gavah.custody import merkle
from gavah.custody.log import Appender, utcnow
from gavah.custody.note import Checkpoint
from gavah.db import models
from gavah.settings import Settings
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah.workspace import Workspace, open_workspace


def append_events(ws: Workspace, count: int, batch: int, label: str) -> None:
    for start in range(0, count, batch):
        with ws.db.write() as session:
            appender = Appender(session)
            for i in range(start, min(start + batch, count)):
                appender.append("test.event", None, utcnow(), {"actor": label, "detail": {"n": i}})
            appender.flush()
            ws.log.sign_checkpoint(session, appender.size, appender.root())


def all_leaves(ws: Workspace) -> list[bytes]:
    with ws.db.read() as session:
        rows = session.query(models.CustodyEvent).order_by(models.CustodyEvent.idx).all()
        return [merkle.leaf_hash(bytes(r.entry)) for r in rows]


def test_stored_tree_matches_the_rfc_tree(workspace: Workspace) -> None:
    append_events(workspace, 37, 10, "a")
    tree = merkle.MemoryTree(all_leaves(workspace))
    with workspace.db.read() as session:
        size = workspace.log.size(session)
        assert size == tree.size == 38  # genesis entry + 37
        for s in (1, 2, 7, 16, 31, 38):
            assert workspace.log.root(session, s) == tree.root(s)
        for i in (0, 5, 17, 37):
            path = workspace.log.inclusion_path(session, i, size)
            merkle.verify_inclusion(tree.node(0, i), i, size, path, tree.root())
        for old in (1, 3, 16, 20, 38):
            path = workspace.log.consistency_path(session, old, size)
            merkle.verify_consistency(old, size, tree.root(old), tree.root(), path)
        checkpoint, _ = workspace.log.latest_checkpoint(session)
        assert checkpoint == Checkpoint(workspace.log.origin, 38, tree.root())


def run_in_processes(target: Any, arguments: list[tuple[Any, ...]]) -> None:
    """Start one fresh interpreter per argument tuple, all at once, and require each to succeed."""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=target, args=args) for args in arguments]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0


def _worker(values: dict[str, Any], label: str, count: int) -> None:
    ws = open_workspace(Settings(**values))
    try:
        append_events(ws, count, 7, label)
    finally:
        ws.close()


def test_concurrent_appenders_in_separate_processes_never_fork(
    workspace: Workspace, settings_values: dict[str, Any]
) -> None:
    run_in_processes(_worker, [(settings_values, f"p{i}", 60) for i in range(3)])
    with workspace.db.read() as session:
        assert workspace.log.size(session) == 1 + 3 * 60
        checkpoints = session.query(models.Checkpoint).count()
    report = verify_workspace(Vault(workspace), check_blobs=False)
    assert report.ok, report.problems
    assert report.log_size == 181 and report.checkpoints == checkpoints > 3


def _ingest_worker(values: dict[str, Any], folder: str) -> None:
    from gavah.intake.ingest import ingest

    ws = open_workspace(Settings(**values))
    try:
        summary = ingest(Vault(ws), [folder.encode()])
        assert not summary.failures, summary.failures
    finally:
        ws.close()


def test_two_ingests_at_once_share_one_log_and_one_copy(
    workspace: Workspace, settings_values: dict[str, Any], tmp_path: Any
) -> None:
    shared = [f"shared synthetic file {i}\n".encode() for i in range(40)]
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        for i, data in enumerate(shared):
            (folder / f"{i}.txt").write_bytes(data)
        (folder / "own.txt").write_bytes(f"only in {name}\n".encode())
    run_in_processes(_ingest_worker, [(settings_values, str(tmp_path / n)) for n in ("one", "two")])
    with workspace.db.read() as session:
        assert session.query(models.Evidence).count() == 42
        assert session.query(models.Acquisition).count() == 82
    assert len(set(workspace.store.addresses())) == 42
    report = verify_workspace(Vault(workspace))
    assert report.ok, report.problems
    assert report.log_size == 1 + 82
