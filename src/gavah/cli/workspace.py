"""``gavah init``: create a workspace."""

from __future__ import annotations

from pathlib import Path

import typer

from gavah.cli._common import JSON_OPTION, print_json, say
from gavah.settings import load_settings
from gavah.workspace import init_workspace


def init(
    ctx: typer.Context,
    directory: Path | None = typer.Argument(
        None, help="Workspace folder (default: --workspace, $GAVAH_WORKSPACE or ./gavah-data)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a workspace: database, blob store and the log's signing key. Safe to re-run."""
    root = ctx.find_root().obj or {}
    ws = init_workspace(load_settings(directory or root.get("workspace")))
    try:
        with ws.db.read() as session:
            checkpoint, _ = ws.log.latest_checkpoint(session)
        info = {
            "workspace": str(ws.settings.workspace.resolve()),
            "database": ws.db.engine.url.render_as_string(hide_password=True),
            "store": ws.store.describe(),
            "log_origin": ws.log.origin,
            "verifier_key": ws.log.verifier.to_text(),
            "log_size": checkpoint.size,
        }
    finally:
        ws.close()
    if as_json:
        print_json(info)
        return
    say(f"workspace ready: {info['workspace']}")
    say(f"  database: {info['database']}")
    say(f"  blobs:    {info['store']}")
    say(f"  log:      {info['log_origin']} ({info['log_size']} entries)")
    say(f"  verifier key (share it; keep keys/ private): {info['verifier_key']}")


def register(app: typer.Typer) -> None:
    app.command()(init)
