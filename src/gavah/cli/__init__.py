"""The ``gavah`` command. One module per command group; ``main`` is the one place where a
:class:`~gavah.errors.GavahError` becomes a message and an exit code."""

from __future__ import annotations

import inspect
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import typer

from gavah import __version__
from gavah.cli import (
    assess,
    bundle,
    claims,
    estimate,
    incidents,
    ingest,
    items,
    log,
    proofs,
    publish,
    redact,
    registry,
    review,
    sanctions,
    serve,
    similar,
    sources,
    uploads,
    users,
    victims,
    workspace,
)
from gavah.cli._common import err, printable
from gavah.errors import ExitCode, GavahError, InternalError

app = typer.Typer(
    name="gavah",
    help="gavah (گواه, 'witness'): an evidence vault with a verifiable chain of custody.\n\n"
    "Files are stored by their SHA-256; every action on them is a custody event in an "
    "append-only Merkle log (RFC 6962) with signed checkpoints that anyone can check.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gavah {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    workspace_dir: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        help="Workspace folder (default: $GAVAH_WORKSPACE or ./gavah-data).",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    ctx.obj = {"workspace": workspace_dir}


workspace.register(app)
ingest.register(app)
items.register(app)
similar.register(app)
app.add_typer(log.app, name="log")
proofs.register(app)
estimate.register(app)
app.add_typer(victims.app, name="victims")
app.add_typer(sanctions.app, name="sanctions")
app.add_typer(registry.app, name="registry")
app.add_typer(sources.app, name="sources")
app.add_typer(incidents.app, name="incidents")
app.add_typer(claims.app, name="claims")
app.add_typer(assess.app, name="assess")
app.add_typer(review.app, name="review")
app.add_typer(redact.app, name="redact")
serve.register(app)
app.add_typer(users.app, name="users")
app.add_typer(uploads.app, name="uploads")
app.add_typer(bundle.app, name="bundle")
publish.register(app)


def command() -> Any:
    """The command typer builds from ``app``, its help made readable: a docstring's paragraphs
    flow to the terminal's width (typer keeps their line breaks, which the terminal then breaks
    again mid-sentence), and flags show no ``<bool>`` (they take no value)."""
    root = typer.main.get_command(app)
    _tidy(root)
    return root


def _tidy(cmd: Any) -> None:
    if cmd.help:
        cmd.help = _reflow(cmd.help)
    for param in cmd.params:
        _flag_without_type(param)
    made = cmd.get_help_option  # typer makes --help when help is asked for

    def help_option(ctx: Any) -> Any:
        option = made(ctx)
        if option is not None:
            _flag_without_type(option)
        return option

    setattr(cmd, "get_help_option", help_option)  # noqa: B010 - on this one instance
    for sub in getattr(cmd, "commands", {}).values():
        _tidy(sub)


def _flag_without_type(param: Any) -> None:
    if getattr(param, "is_flag", False) and param.metavar is None:
        param.metavar = ""


_KEEP_BREAK = re.compile(r"\s|[-*•]\s|\d+[.)]\s")


def _reflow(text: str) -> str:
    """Join the lines of each paragraph, except before a line that starts a list item or is
    indented (an example command, a table)."""
    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines = paragraph.split("\n")
        joined = lines[0]
        for line in lines[1:]:
            joined += ("\n" if _KEEP_BREAK.match(line) else " ") + line
        paragraphs.append(joined)
    return "\n\n".join(paragraphs)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; exits with a code from :class:`gavah.errors.ExitCode`."""
    wants_json = "--json" in (argv if argv is not None else sys.argv[1:])
    try:
        code = command()(args=argv, standalone_mode=False)
    except GavahError as exc:
        if wants_json:
            sys.stdout.write(json.dumps(exc.to_dict(), ensure_ascii=False) + "\n")
        first, *more = exc.message.splitlines() or [""]
        err.print(f"error: {printable(first)}", markup=False)
        for line in more:  # e.g. one line per bad row of an import
            err.print(f"  {printable(line)}", markup=False)
        if exc.hint:
            err.print(f"hint: {printable(exc.hint)}", markup=False)
        sys.exit(int(exc.exit_code))
    except typer.Abort:
        err.print("aborted", markup=False)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted: work already recorded is intact", markup=False)
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument
        exc.show()  # type: ignore[attr-defined]
        sys.exit(ExitCode.USAGE)
    except Exception as exc:  # noqa: BLE001 - a bug: say so plainly, keep the details in a file
        _internal_error(exc, wants_json)
    sys.exit(code if isinstance(code, int) else 0)


def _internal_error(exc: Exception, wants_json: bool) -> None:
    """No traceback reaches a user: it goes to a private file (it may hold names from a list),
    and the user reads what happened and what to do."""
    import tempfile
    import traceback

    fd, path = tempfile.mkstemp(prefix="gavah-error-", suffix=".txt")  # mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        traceback.print_exception(exc, file=file)
    error = InternalError(
        f"gavah failed unexpectedly ({type(exc).__name__}); what was already recorded is intact",
        hint=f"this is a bug: please report it with the details in {path} "
        "(read them first: they may name records you work on)",
    )
    if wants_json:
        sys.stdout.write(json.dumps(error.to_dict(), ensure_ascii=False) + "\n")
    err.print(f"error: {printable(error.message)}", markup=False)
    err.print(f"hint: {printable(error.hint or '')}", markup=False)
    sys.exit(int(ExitCode.ERROR))
