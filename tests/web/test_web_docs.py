"""docs/web.md's roles table is the policy in gavah.accounts.roles, not a copy that drifts."""

from __future__ import annotations

from pathlib import Path

from gavah.accounts import ADMIN, ROLES, Can, allowed, needs_second_factor

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"
COLUMNS = (Can.SEE, Can.UPLOAD, Can.DOWNLOAD, Can.EXPORT, Can.DESCRIBE, Can.REVIEW)


def _documented() -> dict[str, list[str]]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- roles: start -->")[1].split("<!-- roles: end -->")[0]
    rows = [line for line in block.strip().splitlines()[2:] if line.startswith("|")]
    return {
        cells[0]: cells[1:]
        for cells in ([c.strip() for c in row.strip("|").split("|")] for row in rows)
    }


def test_roles_table_matches_the_policy() -> None:
    documented = _documented()
    assert set(documented) == {*ROLES, ADMIN}
    assert set(Can) == set(COLUMNS), "a capability is missing from the docs table"
    for role, cells in documented.items():
        expected = ["yes" if allowed(role, can) else "" for can in COLUMNS]
        expected.append("required" if needs_second_factor(role) else "optional")
        assert cells == expected, role
