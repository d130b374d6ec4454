"""``gavah users``: accounts of the web workspace, from the command line of its server."""

from __future__ import annotations

import typer

from gavah.accounts import ALL_ROLES, ROLES, Accounts
from gavah.accounts import credentials as cred
from gavah.cli._common import JSON_OPTION, err, print_json, say, settings_from
from gavah.settings import Settings
from gavah.workspace import open_workspace

app = typer.Typer(
    help="Accounts of the web workspace: add, list, grant, revoke, reset.",
    no_args_is_help=True,
)
ROLE_HELP = (
    f"One of: {', '.join(ALL_ROLES)}. admin is workspace-wide; the others are per collection."
)


def _accounts(ctx: typer.Context) -> Accounts:
    ws = open_workspace(settings_from(ctx))
    ctx.call_on_close(ws.close)
    return Accounts(ws)


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Account name (letters, digits, '.', '_', '-')."),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    collection: list[str] = typer.Option(
        [], "--collection", "-c", help="Collection the role applies to (repeatable)."
    ),
    print_credentials: bool = typer.Option(
        False,
        "--print-credentials",
        help="Set a random password and TOTP secret now and print them once, instead of a "
        "setup link (for demos and headless setups; the terminal's scrollback will hold them).",
    ),
    exist_ok: bool = typer.Option(
        False,
        "--exist-ok",
        help="If the account exists already, say so and succeed without changing it "
        "(for scripts such as `make demo` that may run twice).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add an account and print its one-time setup link (or, with --print-credentials, its
    password, TOTP secret and recovery codes, once)."""
    accounts = _accounts(ctx)
    actor = accounts.settings.actor
    if exist_ok and any(row["name"] == name for row in accounts.overview()):
        say(f"account {name} exists already; its secrets were shown when it was made")
        say(f"(`gavah users reset {name}` prints a new setup link)")
        return
    if print_credentials:
        made = accounts.create_with_credentials(name, role, collection, actor)
        info = {
            "account": made.account,
            "password": made.password,
            "totp_secret": made.totp_secret,
            "totp_uri": cred.totp_uri(made.totp_secret, made.account),
            "recovery_codes": made.recovery_codes,
            "sign_in": f"{accounts.settings.resolved_base_url}/login",
        }
        if as_json:
            print_json(info)
            return
        say(f"account {made.account} ({role}) is ready; these are shown only now:")
        say(f"  password:    {made.password}")
        say(f"  TOTP secret: {made.totp_secret}  (add it to an authenticator app)")
        say(f"  TOTP URI:    {info['totp_uri']}")
        say(f"  recovery codes: {' '.join(made.recovery_codes)}")
        say(f"  sign in at:  {info['sign_in']}")
        return
    link = accounts.create(name, role, collection, actor)
    url = f"{accounts.settings.resolved_base_url}/setup/{link.token}"
    if as_json:
        print_json({"account": link.account, "setup_url": url, "expires": link.expires})
        return
    say(f"account {link.account} added as {role}. Give its owner this one-time link")
    say(f"(through a channel you trust; valid until {link.expires:%Y-%m-%d %H:%M} UTC):")
    say(f"  {url}")
    _where_served(accounts.settings)


def _where_served(settings: Settings) -> None:
    """A link made before the server runs can only guess its address: say what it assumed."""
    if settings.base_url:
        return
    say(
        f"(this assumes `gavah serve` on {settings.host}:{settings.port}; if it serves "
        "elsewhere, open the same /setup/... path there, or set GAVAH_BASE_URL)"
    )


@app.command("list")
def list_accounts(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List accounts, their roles per collection and their state."""
    rows = _accounts(ctx).overview()
    if as_json:
        print_json(rows)
        return
    if not rows:
        say("no accounts yet: `gavah users add NAME --role admin`")
    for row in rows:
        roles = ["admin"] if row["admin"] else []
        roles += [f"{role}@{c}" for c, role in sorted(row["grants"].items())]
        state = "disabled" if row["disabled"] else "locked" if row["locked"] else "active"
        if not row["set_up"]:
            state = "not set up"
        totp = "TOTP" if row["second_factor"] else "no TOTP"
        say(f"{row['name']}: {', '.join(roles) or '(no roles)'} · {state} · {totp}")


@app.command("grant")
def grant(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    collection: str = typer.Option(..., "--collection", "-c"),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
) -> None:
    """Give an account a role in a collection (replacing its role there)."""
    accounts = _accounts(ctx)
    accounts.grant(name, collection, role, accounts.settings.actor)
    say(f"{name} is now {role} in {collection}")


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    collection: str = typer.Option(..., "--collection", "-c"),
) -> None:
    """Remove an account's role in a collection."""
    accounts = _accounts(ctx)
    accounts.revoke(name, collection, accounts.settings.actor)
    say(f"{name} has no role in {collection} any more")


@app.command("reset")
def reset(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Print a new setup link; the old password, second factor and sessions stop working."""
    accounts = _accounts(ctx)
    link = accounts.reset(name, accounts.settings.actor)
    say(f"{accounts.settings.resolved_base_url}/setup/{link.token}")
    _where_served(accounts.settings)


@app.command("unlock")
def unlock(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Unlock an account locked after failed sign-ins."""
    accounts = _accounts(ctx)
    accounts.unlock(name, accounts.settings.actor)
    say(f"{name} is unlocked")


@app.command("disable")
def disable(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Disable an account: it cannot sign in, and its sessions and API tokens end."""
    accounts = _accounts(ctx)
    accounts.set_disabled(name, True, accounts.settings.actor)
    err.print(f"{name} is disabled", markup=False)
