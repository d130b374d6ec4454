"""Incremental builds: a rebuild works out again only the incidents whose inputs changed (the
rest come from the memo the last build kept in the workspace), and gives the same bytes as a
full build of the same state (synthetic data)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from publish_example import ANALYST, REVIEWER, as_, build

from gavah.publish import content, memo, site
from gavah.vault import Vault
from gavah.verify.store import Verification


def _site_files(root: Path) -> dict[str, bytes]:
    """The published pages, figures, media and static files. integrity/ is apart: a file's proof
    is to the checkpoint of the build that first published it, so it differs between a site
    built in steps and one built at once, by design."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).as_posix().startswith("integrity/")
    }


def _full_build(vault: Vault, out: Path) -> site.Build:
    """A build with no memo and into an empty folder."""
    (vault.ws.settings.workspace / memo.MEMO).unlink(missing_ok=True)
    if out.exists():
        shutil.rmtree(out)
    return site.build(Verification(vault), out)


def _assert_same(a: Path, b: Path) -> None:
    left, right = _site_files(a), _site_files(b)
    assert sorted(left) == sorted(right)
    for path in left:
        assert left[path] == right[path], f"{path} differs between the builds"


def _pending_assessments(vault: Vault, incident: str) -> list[str]:
    verification = as_(vault, REVIEWER)
    return [
        a["id"] for c in verification.claims(incident) for a in verification.assessments(c["id"])
    ]


@pytest.fixture
def example(vault: Vault, tmp_path: Path):  # type: ignore[no-untyped-def]
    return build(vault, tmp_path)


def test_a_rebuild_after_a_change_equals_a_full_build_and_reuses_the_rest(
    vault: Vault,
    example,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    steps = tmp_path / "steps"
    first = _full_build(vault, steps)
    assert first.reused == 0 and first.incidents == 1
    again = site.build(Verification(vault), steps)
    assert again.reused == 3  # the marked incidents: one out, two left out for their reviews
    assert again.written == []
    # The pending reviews of one marked incident are made: it goes out at the next build.
    for assessment in _pending_assessments(vault, "inc-unrev"):
        as_(vault, REVIEWER).review(assessment, "agree", "checked (synthetic)")
    changed = site.build(Verification(vault), steps)
    assert changed.incidents == 2 and changed.reused == 2
    assert any(p.startswith("en/incidents/i-") for p in changed.written)
    _assert_same(steps, _full_build(vault, tmp_path / "at-once").site)


def test_a_change_every_incident_shares_works_every_one_out_again(
    vault: Vault,
    example,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    steps = tmp_path / "steps"
    _full_build(vault, steps)
    # A source's grade weighs in every level it counts in: nothing may come from the memo.
    as_(vault, ANALYST).grade_source("witness-1", "A", "regraded (synthetic)")
    changed = site.build(Verification(vault), steps)
    assert changed.reused == 0
    _assert_same(steps, _full_build(vault, tmp_path / "at-once").site)


def test_a_memo_that_cannot_be_read_makes_a_full_build(
    vault: Vault,
    example,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    steps = tmp_path / "steps"
    _full_build(vault, steps)
    kept = vault.ws.settings.workspace / memo.MEMO
    assert kept.stat().st_mode & 0o077 == 0  # it names internal ids: its owner's alone
    assert kept.parent.parent.stat().st_mode & 0o077 == 0
    assert "inc-ok" in json.loads(kept.read_text("utf-8"))["incidents"]
    kept.write_bytes(b"{not json")
    again = site.build(Verification(vault), steps)
    assert again.reused == 0 and again.written == []


def test_the_memo_never_goes_into_the_site(
    vault: Vault,
    example,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "SITE"
    _full_build(vault, out)
    site.build(Verification(vault), out)
    for data in _site_files(out).values():
        assert b"inc-unrev" not in data and b"inputs" not in data


@pytest.mark.parametrize(
    "value",
    [
        {"b": [1, None, True, False, -3], "a": "ascii"},
        {"text": "".join(chr(c) for c in range(0x2100)) + "\u2028\u2029\U0001f600"},
        {"نام": "فارسی ‌ نیم‌فاصله", "": []},
    ],
)
def test_public_json_writes_what_the_standard_library_writes(value: object) -> None:
    standard = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert content.public_json(value) == (standard + "\n").encode()
