"""``gavah serve``: the web workspace."""

from __future__ import annotations

import os

import typer

from gavah.cli._common import say, settings_from


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


def register(app: typer.Typer) -> None:
    app.command()(serve)
