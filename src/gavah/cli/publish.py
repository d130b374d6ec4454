"""``gavah publish``: the public site (build it; mark and unmark incidents for it), and ``gavah
monitor``: a third party's watch over the log behind a site. See docs/publishing.md."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress

from gavah.cli._common import JSON_OPTION, err, print_json, printable, say
from gavah.cli._verify import verification

app = typer.Typer(
    help="The public site: a static site in Persian and English built only from reviewed material "
    "a reviewer marked for publication, whose every file anyone can check against the signed "
    "custody log. See docs/publishing.md.",
    no_args_is_help=True,
)


@app.command("build")
def build(
    ctx: typer.Context,
    output: Path = typer.Option(..., "--output", "-o", help="The site's folder (made if missing)."),
    estimate: Path | None = typer.Option(
        None,
        "--estimate",
        help="A death-toll estimate to publish: the JSON `gavah estimate --json` printed.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Build the site, or bring an earlier build up to date (only what changed is rewritten).

    Goes out: incidents marked for publication whose every claim is reviewed, with their grade
    explained; harm per month from them; the perpetrators their claims name, with the gap report;
    the estimate given. Left out, and listed here with the reason (never in the site): everything
    else, and every evidence medium without an approved redacted copy. Each new file is logged
    (publish.file-published) and the site carries its inclusion proof."""
    from gavah.publish import site

    show = not as_json and err.is_terminal
    with Progress(console=err, disable=not show) as bar:
        task = bar.add_task("building", total=None)
        result = site.build(
            verification(ctx),
            output,
            estimate=estimate,
            progress=lambda what: bar.update(task, description=what),
        )
    if as_json:
        print_json(result.to_dict())
        return
    say(
        f"built {printable(str(output))}: {result.incidents} incident(s), {result.files} files "
        f"({len(result.written)} written, {result.unchanged} unchanged, {len(result.removed)} removed); "
        f"checkpoint {result.checkpoint}"
    )
    if result.left_out:
        say(f"left out ({len(result.left_out)}):")
        for item in result.left_out:
            say(f"  {item.what} {printable(item.id)}: {printable(item.reason)}")


@app.command("mark")
def mark(
    ctx: typer.Context,
    incident_id: str = typer.Argument(..., help="The incident's id."),
    note: str | None = typer.Option(None, "--note", help="Why it may go out."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Mark an incident for publication (a custody event). Not by the person who added it; it goes
    out at the next build once every one of its claims is reviewed."""
    from gavah.publish import marks

    result = marks.mark(verification(ctx), incident_id, note)
    if as_json:
        print_json(result)
        return
    say(f"marked incident {result['incident']} for publication; log index {result['log_index']}")


@app.command("unmark")
def unmark(
    ctx: typer.Context,
    incident_id: str = typer.Argument(..., help="The incident's id."),
    note: str = typer.Option(..., "--note", help="Why it must not go out (required)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Withdraw an incident's mark (a custody event): the next build removes its pages."""
    from gavah.publish import marks

    result = marks.unmark(verification(ctx), incident_id, note)
    if as_json:
        print_json(result)
        return
    say(f"withdrew incident {result['incident']} from publication; log index {result['log_index']}")


@app.command("list")
def list_setting(
    ctx: typer.Context,
    list_id: str = typer.Argument(..., help="The victim list's name (gavah victims lists)."),
    how: str = typer.Option(
        ...,
        "--as",
        help="counts: how many people it names, per province; names: also each person's name, "
        "date and province as the list published them; none: not on the site.",
    ),
    note: str | None = typer.Option(None, "--note", help="Why (e.g. the publisher's permission)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Set how a victim list goes out on the site (a custody event; the reviewer role in the
    victim register's collection). A list never set stays out."""
    from gavah.publish import victims

    result = victims.set_list(verification(ctx), list_id, how, note)
    if as_json:
        print_json(result)
        return
    say(f"list {result['list']} goes out as {result['as']}; log index {result['log_index']}")


def monitor(
    site_dir: Path = typer.Argument(
        ..., help="A gavah site: its folder, as downloaded or mirrored."
    ),
    state: Path | None = typer.Option(
        None,
        "--state",
        help="Where the checkpoints seen are kept (default: ~/.local/state/gavah/monitor/ORIGIN.json).",
    ),
    files: bool = typer.Option(
        True, "--files/--no-files", help="Also check every file against its inclusion proof."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a published site against its log, and remember what was seen.

    Every checkpoint the site ships must be signed by the log's key (pinned at the first run);
    every checkpoint seen before must still be there, with the same root, and be consistent with
    the newest (RFC 6962 consistency proofs); with --files, every file must match its SHA-256 and
    its inclusion proof. A fork, a rewrite, a changed key or a changed file fails loudly (exit 5)."""
    from gavah.publish import monitor as monitor_

    result = monitor_.check(site_dir, state, files=files)
    if as_json:
        print_json(result.to_dict())
        return
    say(
        f"OK: {printable(result.origin)}: {result.checkpoints} checkpoint(s) up to size "
        f"{result.newest}, consistent with the {result.seen} seen before; {result.files} file(s) checked"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="publish")
    root.command("monitor")(monitor)
