"""``gavah serve``: the web workspace."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from gavah.cli._common import say, settings_from
from gavah.workspace import Workspace, open_workspace


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(
        None, "--host", help="Address to listen on (default 127.0.0.1: this machine only)."
    ),
    port: int | None = typer.Option(None, "--port", help="Port to listen on (default 8000)."),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="Processes answering requests (default: the web_workers setting; 0 there means "
        "one per CPU core).",
    ),
) -> None:
    """Serve the web workspace (Persian and English) on the workspace's database and store.

    It listens on 127.0.0.1 by default. To reach it from other machines, put a TLS-terminating
    proxy in front; session cookies are sent over HTTPS (and to localhost) only. Create the
    first account with `gavah users add NAME --role admin`.
    """
    import uvicorn  # loaded on demand: other commands do not need the web stack

    from gavah.settings import load_settings
    from gavah.web import create_app

    # Everything this process writes (uploads in progress, their state, staged blobs, SQLite
    # journals) is the workspace's owner's alone, whatever umask it was started with.
    os.umask(0o077)
    base = settings_from(ctx)
    settings = load_settings(base.workspace, host=host, port=port)
    ws = open_workspace(settings)  # opened once here: checked, migrated, swept
    _sweep_uploads(ws)
    count = workers or settings.web_workers or os.cpu_count() or 1
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "access_log": False,  # URLs hold search words and ids: not for a log file
        "server_header": False,
        "proxy_headers": False,
    }
    if count == 1:
        app = create_app(settings, ws)
        say(f"gavah web workspace on {settings.resolved_base_url} (Ctrl-C stops it)")
        uvicorn.run(app, **options)
        return
    create_app(settings, ws)  # what the app does once per workspace (search backfill), up front
    ws.close()
    # Each worker process builds its own app on the same workspace (worker_app, below): the
    # database serialises writers (SQLite: BEGIN IMMEDIATE; PostgreSQL: row locks), sessions,
    # throttling and preview tickets live in the database or derive from the workspace's keys.
    os.environ["GAVAH_WORKSPACE"] = str(settings.workspace)
    os.environ["GAVAH_HOST"], os.environ["GAVAH_PORT"] = settings.host, str(settings.port)
    say(
        f"gavah web workspace on {settings.resolved_base_url}, {count} worker processes "
        "(Ctrl-C stops it)"
    )
    uvicorn.run("gavah.cli.serve:worker_app", factory=True, workers=count, **options)


def worker_app() -> Any:
    """The app of one worker process of `gavah serve --workers N` (settings from the
    environment the parent set)."""
    os.umask(0o077)
    from gavah.settings import load_settings
    from gavah.web import create_app

    return create_app(load_settings(Path(os.environ["GAVAH_WORKSPACE"])))


def _sweep_uploads(ws: Workspace) -> None:
    """Uploads abandoned while the server was down go before it takes new ones."""
    from gavah.intake import uploads
    from gavah.vault import Vault

    keep_days = ws.settings.upload_keep_days
    swept = uploads.sweep(Vault(ws), keep_days).to_dict()
    if swept["swept"]:
        say(
            f"swept {swept['swept']} upload(s) abandoned for {keep_days} days or more "
            f"(log entry {swept['log_index']})"
        )


def register(app: typer.Typer) -> None:
    app.command()(serve)
