"""``gavah serve``: the web workspace."""

from __future__ import annotations

import os

import typer

from gavah.cli._common import open_vault, say, settings_from


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(
        None, "--host", help="Address to listen on (default 127.0.0.1: this machine only)."
    ),
    port: int | None = typer.Option(None, "--port", help="Port to listen on (default 8000)."),
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
    _sweep_uploads(ctx, settings.upload_keep_days)
    app = create_app(settings)
    say(f"gavah web workspace on {settings.resolved_base_url} (Ctrl-C stops it)")
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,  # URLs hold search words and ids: not for a log file
        server_header=False,
        proxy_headers=False,
    )


def _sweep_uploads(ctx: typer.Context, keep_days: int) -> None:
    """Uploads abandoned while the server was down go before it takes new ones."""
    from gavah.intake import uploads

    vault = open_vault(ctx)
    try:
        swept = uploads.sweep(vault, keep_days).to_dict()
    finally:
        vault.ws.close()
    if swept["swept"]:
        say(
            f"swept {swept['swept']} upload(s) abandoned for {keep_days} days or more "
            f"(log entry {swept['log_index']})"
        )


def register(app: typer.Typer) -> None:
    app.command()(serve)
