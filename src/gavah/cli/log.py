"""``gavah log``: verify the whole workspace, print the checkpoint, the verifier key, or a
consistency proof between two checkpoints."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from gavah.cli._common import JSON_OPTION, err, open_vault, print_json, say
from gavah.custody.bundle import make_consistency_bundle
from gavah.errors import ExitCode, InputError
from gavah.vault.verify import VerifyReport, verify_workspace

app = typer.Typer(
    help="The custody log: verify it, print its checkpoint and key.", no_args_is_help=True
)


@app.command()
def verify(
    ctx: typer.Context,
    skip_blobs: bool = typer.Option(
        False, "--skip-blobs", help="Check the log and rows only, not blob bytes."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Re-check everything: every blob, every log leaf and node, every checkpoint.

    Exit code 0 if all is intact, 5 if anything is wrong (each problem is named)."""
    vault = open_vault(ctx)
    if err.is_terminal and not as_json:
        with Progress(
            BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=err, transient=True
        ) as bar:
            task = bar.add_task("blobs", total=None)
            report = verify_workspace(
                vault, check_blobs=not skip_blobs, progress=lambda n: bar.advance(task, n)
            )
    else:
        report = verify_workspace(vault, check_blobs=not skip_blobs)
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(ExitCode.INTEGRITY)


def _print_report(report: VerifyReport) -> None:
    for problem in report.problems:
        say(f"PROBLEM {problem.where}: {problem.field}: {problem.message}")
    for warning in report.warnings:
        say(f"warning: {warning}")
    verdict = "OK" if report.ok else f"FAILED ({len(report.problems)} problem(s))"
    say(
        f"{verdict}: {report.log_size} log entries, {report.checkpoints} checkpoints, "
        f"{report.evidence} items, {report.blobs_checked} blobs ({report.bytes_checked} bytes) checked"
    )


@app.command()
def checkpoint(ctx: typer.Context) -> None:
    """Print the newest signed checkpoint (C2SP tlog-checkpoint in a signed note)."""
    vault = open_vault(ctx)
    with vault.db.read() as session:
        _, note = vault.log.latest_checkpoint(session)
    typer.echo(note, nl=False)


@app.command()
def key(ctx: typer.Context) -> None:
    """Print the log's public verifier key (signed-note format). Give it to whoever checks proofs."""
    typer.echo(open_vault(ctx).log.verifier.to_text())


@app.command()
def consistency(
    ctx: typer.Context,
    old_size: int = typer.Argument(..., min=1, help="Tree size of the older checkpoint."),
    new_size: int | None = typer.Argument(
        None, help="Tree size of the newer one (default: newest)."
    ),
) -> None:
    """Consistency proof (RFC 6962 2.1.2) that the log at OLD_SIZE is a prefix of NEW_SIZE.

    Prints a bundle holding both signed checkpoints; check it anywhere with
    `gavah verify-proof BUNDLE --key KEY.pub [--checkpoint KEPT]`."""
    vault = open_vault(ctx)
    with vault.db.read() as session:
        new = new_size or vault.log.latest_checkpoint(session)[0].size
        if not old_size <= new:
            raise InputError(f"the old size {old_size} is larger than the new size {new}")
        bundle = make_consistency_bundle(
            origin=vault.log.origin,
            old_note=vault.log.checkpoint_note(session, old_size),
            new_note=vault.log.checkpoint_note(session, new),
            path=vault.log.consistency_path(session, old_size, new),
        )
    print_json(bundle)
