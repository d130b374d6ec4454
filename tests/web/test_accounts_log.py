"""`gavah log verify` holds accounts to the log: roles given or taken behind gavah's back are named."""

from __future__ import annotations

from sqlalchemy import select, update

from gavah.accounts import Accounts
from gavah.custody.log import utcnow
from gavah.db import models
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace


def _problems(vault: Vault) -> list[tuple[str, str]]:
    report = verify_workspace(vault, check_blobs=False)
    return [(p.where, p.field) for p in report.problems]


def _history(accounts: Accounts) -> None:
    accounts.create("nasrin", "viewer", ["alpha"], "test-admin")
    accounts.create("boss", "admin", [], "test-admin")
    accounts.grant("nasrin", "beta", "analyst", "test-admin")
    accounts.grant("nasrin", "alpha", "intake", "test-admin")
    accounts.revoke("nasrin", "beta", "test-admin")
    accounts.create("gone", "intake", ["alpha"], "test-admin")
    accounts.set_disabled("gone", True, "test-admin")


def test_accounts_made_through_gavah_verify(vault: Vault, accounts: Accounts) -> None:
    _history(accounts)
    assert _problems(vault) == []
    listed = {a["name"]: a for a in accounts.overview()}
    assert listed["nasrin"]["grants"] == {"alpha": "intake"} and listed["gone"]["disabled"]


def test_a_role_given_in_the_database_is_named(vault: Vault, accounts: Accounts) -> None:
    _history(accounts)
    with vault.db.write() as session:
        nasrin = session.execute(
            select(models.Account).where(models.Account.name == "nasrin")
        ).scalar_one()
        session.add(
            models.AccountGrant(
                account_id=nasrin.id,
                collection="secret",
                role="reviewer",
                granted_by="x",
                at=utcnow(),
            )
        )
        session.execute(
            update(models.Account).where(models.Account.name == "gone").values(disabled=False)
        )
    assert _problems(vault) == [("account gone", "disabled"), ("account nasrin", "grants")]


def test_an_admin_flag_or_account_made_in_the_database_is_named(
    vault: Vault, accounts: Accounts
) -> None:
    _history(accounts)
    with vault.db.write() as session:
        session.execute(
            update(models.Account).where(models.Account.name == "nasrin").values(is_admin=True)
        )
        session.add(
            models.Account(
                name="intruder",
                is_admin=True,
                language="en",
                failed_logins=0,
                disabled=False,
                created_at=utcnow(),
            )
        )
        boss = session.execute(select(models.Account).where(models.Account.name == "boss"))
        session.delete(boss.scalar_one())
    assert _problems(vault) == [
        ("account intruder", "row"),
        ("account nasrin", "is_admin"),
        ("account boss", "row"),
    ]
