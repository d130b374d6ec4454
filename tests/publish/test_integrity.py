"""Incremental builds rewrite only what changed; `gavah monitor` accepts a site whose log only
grew, and fails loudly on a changed file, a fork, a rollback, a rewrite or a new key (synthetic)."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from publish_example import REVIEWER, SECOND, as_, build

from gavah.custody.note import Checkpoint
from gavah.errors import IntegrityError
from gavah.publish import marks, monitor, site
from gavah.vault import Vault
from gavah.verify.store import Verification


def _snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in root.rglob("*")
        if p.is_file()
    }


def _one_more_incident(vault: Vault) -> None:
    a = as_(vault, "trapanalystactor")
    a.add_incident(
        "A second shooting in Karaj (synthetic)",
        "killing-at-protest",
        collection="karaj-1401",
        place="Karaj, Alborz",
        date="1401/07/09",
        killed=(1, 1),
        incident_id="inc-new",
    )
    claim = a.add_claim("It happened (synthetic)", "occurred", incident_id="inc-new")["claim"]["id"]
    for sid in ("witness-1", "ngo-1"):
        aid = a.assess(claim, sid, stance="supports", credibility=2)["assessment"]["id"]
        as_(vault, REVIEWER).review(aid, "agree", "checked")
    marks.mark(as_(vault, SECOND), "inc-new")


@pytest.fixture
def built(vault: Vault, tmp_path: Path) -> Path:
    build(vault, tmp_path)
    out = tmp_path / "SITE"
    site.build(Verification(vault), out)
    return out


def test_a_build_with_nothing_new_writes_nothing_and_logs_nothing(
    vault: Vault, built: Path
) -> None:
    before = _snapshot(built)
    with vault.db.read() as session:
        size = vault.log.size(session)
    result = site.build(Verification(vault), built)
    assert result.written == [] and result.removed == []
    assert _snapshot(built) == before  # same bytes, same mtimes
    with vault.db.read() as session:
        assert vault.log.size(session) == size


def test_one_new_incident_rewrites_only_the_pages_it_changes(vault: Vault, built: Path) -> None:
    before = _snapshot(built)
    _one_more_incident(vault)
    result = site.build(Verification(vault), built)
    after = _snapshot(built)
    new_pages = [p for p in result.written if p.startswith(("fa/incidents/i-", "en/incidents/i-"))]
    assert len(new_pages) == 2  # the new incident, in two languages
    changed = {p for p in after if p in before and after[p] != before[p]}
    added = set(after) - set(before)
    for path in changed:
        assert after[path][1] != before[path][1], f"{path} rewritten with the same bytes"
    site_changes = {p for p in changed | added if not p.startswith("integrity/")}
    assert site_changes == set(result.written)
    assert not any(p.startswith("static/") for p in site_changes)
    old_incident = next(p for p in before if p.startswith("en/incidents/i-"))
    assert after[old_incident] == before[old_incident]
    # the proofs of unchanged files are kept, the new files have theirs
    assert len([p for p in added if p.startswith("integrity/proofs/")]) == len(result.written)


def test_monitor_accepts_a_log_that_only_grew(vault: Vault, built: Path, tmp_path: Path) -> None:
    state = tmp_path / "monitor.json"
    first = monitor.check(built, state)
    assert first.seen == 0 and first.files > 10
    _one_more_incident(vault)
    site.build(Verification(vault), built)
    second = monitor.check(built, state)
    assert second.seen == first.checkpoints and second.newest > first.newest
    assert second.checkpoints == first.checkpoints + 1


def test_monitor_fails_on_one_changed_byte(built: Path, tmp_path: Path) -> None:
    page = next((built / "en" / "incidents").glob("i-*.html"))
    data = bytearray(page.read_bytes())
    data[200] ^= 1
    page.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="CHANGED"):
        monitor.check(built, tmp_path / "monitor.json")


def test_monitor_fails_on_a_fork_signed_by_the_same_key(
    vault: Vault, built: Path, tmp_path: Path
) -> None:
    state = tmp_path / "monitor.json"
    monitor.check(built, state)
    history_path = built / "integrity" / "checkpoints.json"
    history = json.loads(history_path.read_text("utf-8"))
    newest = history["checkpoints"][-1]
    head = Checkpoint.from_note(newest["note"], vault.log.verifier, vault.log.origin)
    assert vault.log.signer is not None
    other = Checkpoint(head.origin, head.size, bytes(32 * [7]))  # another tree of the same size
    newest["note"] = vault.log.signer.sign(other.to_text())
    history_path.write_text(json.dumps(history), "utf-8")
    with pytest.raises(IntegrityError, match="FORKED|NOT CONSISTENT"):
        monitor.check(built, state, files=False)


def test_monitor_fails_on_a_rollback_and_on_a_rewrite(
    vault: Vault, built: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old-copy"
    shutil.copytree(built, old)
    state = tmp_path / "monitor.json"
    _one_more_incident(vault)
    site.build(Verification(vault), built)
    monitor.check(built, state)
    with pytest.raises(IntegrityError, match="ROLLED BACK"):
        monitor.check(old, state)
    history_path = built / "integrity" / "checkpoints.json"
    history = json.loads(history_path.read_text("utf-8"))
    history["checkpoints"] = history["checkpoints"][1:]  # the first checkpoint seen is gone
    history["consistency"] = history["consistency"][1:]
    history_path.write_text(json.dumps(history), "utf-8")
    with pytest.raises(IntegrityError, match="REWRITTEN"):
        monitor.check(built, state, files=False)


def test_monitor_fails_when_the_key_changes(built: Path, tmp_path: Path) -> None:
    from gavah.custody.note import Signer, generate_private_key

    state = tmp_path / "monitor.json"
    monitor.check(built, state)
    pinned = json.loads(state.read_text("utf-8"))
    other = Signer("other", generate_private_key()).verifier.to_text()
    pinned["key"] = other
    state.write_text(json.dumps(pinned), "utf-8")
    with pytest.raises(IntegrityError, match="KEY CHANGED"):
        monitor.check(built, state)
    assert base64.b64decode(pinned["seen"][next(iter(pinned["seen"]))])  # roots kept as base64


def test_log_verify_accepts_the_publishing_events(vault: Vault, built: Path) -> None:
    from gavah.vault.verify import verify_workspace

    _one_more_incident(vault)
    marks.unmark(as_(vault, REVIEWER), "inc-ok", "withdrawn (synthetic)")
    site.build(Verification(vault), built)
    assert verify_workspace(vault, check_blobs=False).problems == []


def test_a_new_list_page_rewrites_only_the_one_before_it(
    vault: Vault, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(site, "PER_PAGE", 1)  # the example's one incident fills a page
    site.build(Verification(vault), built)
    _one_more_incident(vault)  # dated after it: a second page
    result = site.build(Verification(vault), built)
    lists = sorted(p for p in result.written if "/incidents/" in p and "/i-" not in p)
    assert lists == [
        "en/incidents/index.html",  # its total and its link to the next page
        "en/incidents/page-2.html",
        "fa/incidents/index.html",
        "fa/incidents/page-2.html",
    ]
