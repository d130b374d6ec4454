"""`gavah publish build/mark/unmark` and `gavah monitor` as a user runs them (synthetic data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from publish_example import ANALYST, REVIEWER, build

from gavah.errors import ExitCode
from gavah.vault import Vault
from gavah_cli import gavah


def test_build_lists_what_it_left_out_in_json_and_monitor_checks_it(
    vault: Vault, cli_env: dict[str, str], tmp_path: Path
) -> None:
    build(vault, tmp_path)
    out = tmp_path / "SITE"
    estimate = tmp_path / "estimate.json"
    estimate.write_text(
        json.dumps(
            {
                "observed": 120,
                "estimate": 310.4,
                "interval": [180.2, 640.9],
                "method": "lcmcr",
                "lists": ["list-a", "secret-network-b", "list-c"],
                "guard_rails": [
                    {"code": "x", "message": "Two lists may copy each other (synthetic)."},
                    {
                        "code": "near-copy",
                        "message": "95% of the people on list 'secret-network-b' are also on "
                        "list 'list-a' (synthetic)",
                        "params": {"a": "secret-network-b", "b": "list-a"},
                    },
                ],
                "warnings": ["list 'secret-network-b' records only 4 victims here"],
            }
        ),
        "utf-8",
    )
    done = gavah(cli_env, "publish", "build", "-o", str(out), "--estimate", str(estimate), "--json")
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["incidents"] == 1
    reasons = {x["id"]: x["reason"] for x in result["left_out"] if x["what"] == "incident"}
    assert "not marked for publication" in reasons["inc-unmarked"]
    page = (out / "en" / "estimate.html").read_text("utf-8")
    assert "310" in page and "180" in page and "641" in page and "copy each other" in page
    assert "secret-network-b" not in page
    persian = (out / "fa" / "estimate.html").read_text("utf-8")
    assert "۳۱۰" in persian
    # A known rail is said in the site's own words in both languages; the others, and the
    # warnings, in English with each list's name replaced by its number. No name goes out.
    assert 'data-rail="near-copy"' in page and "nearly a copy" in page
    assert 'data-rail="near-copy"' in persian and "رونوشتی" in persian
    assert "list 2 records only 4 victims" in page and "list 2 records only 4" in persian
    published = b"".join(f.read_bytes() for f in out.rglob("*") if f.is_file())
    assert b"secret-network-b" not in published and b"list-a" not in published

    state = tmp_path / "seen.json"
    watched = gavah(cli_env, "monitor", str(out), "--state", str(state), "--json")
    assert watched.returncode == 0, watched.stderr
    assert json.loads(watched.stdout)["files"] == result["files"]
    page_path = next((out / "en" / "incidents").glob("i-*.html"))
    page_path.write_bytes(page_path.read_bytes().replace(b"Karaj", b"Qarch"))
    failed = gavah(cli_env, "monitor", str(out), "--state", str(state))
    assert failed.returncode == ExitCode.INTEGRITY
    assert "CHANGED" in failed.stderr and "Traceback" not in failed.stderr


def test_mark_and_unmark_from_the_command_line(
    vault: Vault, cli_env: dict[str, str], tmp_path: Path
) -> None:
    build(vault, tmp_path)
    refused = gavah({**cli_env, "GAVAH_ACTOR": ANALYST}, "publish", "mark", "inc-unmarked")
    assert refused.returncode == ExitCode.DENIED and "four eyes" in refused.stderr
    marked = gavah(
        {**cli_env, "GAVAH_ACTOR": REVIEWER}, "publish", "mark", "inc-unmarked", "--json"
    )
    assert marked.returncode == 0 and json.loads(marked.stdout)["marked"] is True
    missing = gavah({**cli_env, "GAVAH_ACTOR": REVIEWER}, "publish", "mark", "no-such", "--json")
    assert missing.returncode == ExitCode.NOT_FOUND and json.loads(missing.stdout)["error"]
    unmarked = gavah(cli_env, "publish", "unmark", "inc-unmarked", "--note", "synthetic reason")
    assert unmarked.returncode == 0, unmarked.stderr
    not_a_site = tmp_path / "notes"
    not_a_site.mkdir()
    (not_a_site / "x.txt").write_text("mine", "utf-8")
    refused_dir = gavah(cli_env, "publish", "build", "-o", str(not_a_site))
    assert refused_dir.returncode == ExitCode.USAGE and "not a gavah site" in refused_dir.stderr
