"""``gavah uploads``: the web workspace's unfinished uploads."""

from __future__ import annotations

import typer

from gavah.cli._common import JSON_OPTION, open_vault, print_json, say

app = typer.Typer(help="Unfinished web uploads: sweep away the abandoned.", no_args_is_help=True)


@app.command()
def sweep(
    ctx: typer.Context,
    days: int | None = typer.Option(
        None,
        "--days",
        min=1,
        help="Sweep uploads no byte reached for this many days (default: the upload_keep_days "
        "setting, 7).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Remove abandoned uploads and old receipts of finished ones, as one custody event.

    An upload in the web workspace that stops (a closed laptop, a lost connection) keeps its
    bytes in the workspace until it resumes. One that no byte has reached for the set number of
    days is removed with its state; the custody event names each by account folder, id and
    size, never by file name. `gavah serve` sweeps at every start."""
    from gavah.intake import uploads  # on demand: intake brings the media libraries (0.3 s)

    vault = open_vault(ctx)
    swept = uploads.sweep(vault, days or vault.ws.settings.upload_keep_days)
    if as_json:
        print_json(swept.to_dict())
        return
    summary = swept.to_dict()
    if not summary["swept"]:
        say("no abandoned uploads")
        return
    say(
        f"swept {summary['swept']} upload(s), {summary['bytes']} bytes "
        f"(log entry {summary['log_index']})"
    )
