"""``gavah ingest``: bring files and folders into the vault."""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from gavah.cli._common import JSON_OPTION, err, open_vault, print_json, say
from gavah.errors import ExitCode
from gavah.intake import Progress as IngestProgress

if TYPE_CHECKING:
    from gavah.intake.ingest import IngestSummary


class _RichProgress(IngestProgress):
    """Bytes and files, on stderr, only when stderr is a terminal."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.bytes_task = bar.add_task("bytes", total=None)
        self.files_task = bar.add_task("files", total=None)

    def start(self, files: int, total_bytes: int) -> None:
        self.bar.update(self.bytes_task, total=total_bytes)
        self.bar.update(self.files_task, total=files)

    def advance(self, nbytes: int) -> None:
        self.bar.advance(self.bytes_task, nbytes)

    def file_done(self) -> None:
        self.bar.advance(self.files_task, 1)


class _Amount(ProgressColumn):
    """Bytes and speed for the bytes bar, 'n/m' for the files bar."""

    def __init__(self) -> None:
        super().__init__()
        self.size, self.speed, self.count = (
            DownloadColumn(),
            TransferSpeedColumn(),
            MofNCompleteColumn(),
        )

    def render(self, task: Task) -> Text:
        if task.description == "bytes":
            return Text.assemble(self.size.render(task), " ", self.speed.render(task))
        return self.count.render(task)


def _progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:>5}"),
        BarColumn(),
        _Amount(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


def ingest(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="Files or folders (folders are read recursively)."),
    collection: str | None = typer.Option(
        None, "--collection", "-c", help="Collection to file the items under."
    ),
    source: str | None = typer.Option(None, "--source", "-s", help="Where the material came from."),
    note: str | None = typer.Option(
        None, "--note", "-n", help="A note kept with this acquisition."
    ),
    follow_symlinks: bool = typer.Option(
        False, "--follow-symlinks", help="Follow symbolic links (off by default)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Store files by SHA-256 and log each acquisition as a custody event.

    Identical content is stored once; ingesting it again adds a custody event. Files that cannot
    be read are reported and skipped; everything else is ingested (exit code 3 if any failed).

    Web archives (WACZ, WARC) are kept whole, and each captured page and image, video or audio
    record in them becomes an item too, with its URL and capture time (WARC-Date) as its
    acquisition's path and time. A WACZ's package hashes and signature are checked and the result
    kept in its metadata; an archive that fails a check or cannot be read to the end is still
    stored, and is reported (exit code 3).
    """
    from gavah.intake import ingest as intake  # on demand: media libraries are slow to import

    vault = open_vault(ctx)
    inputs = [os.fsencode(p) for p in paths]  # exact bytes of the names, whatever their encoding
    run = functools.partial(
        intake.ingest,
        vault,
        inputs,
        collection=collection,
        source=source,
        note=note,
        follow_symlinks=follow_symlinks,
    )
    if err.is_terminal and not as_json:
        with _progress_bar() as bar:
            summary = run(progress=_RichProgress(bar))
    else:
        summary = run()
    if as_json:
        print_json(summary.to_dict())
    else:
        _print_summary(summary)
    troubled = any(a["error"] or a["problems"] for a in summary.archives)
    if summary.failures or summary.aborted or troubled:
        raise typer.Exit(ExitCode.PARTIAL)


def _print_summary(summary: IngestSummary) -> None:
    for item in summary.items:
        flag = "new " if item["new"] else "held"
        say(f"{flag} {item['id']} {item['sha256'][:16]} {item['path']}")
    for archive in summary.archives:
        _print_archive(archive)
    for warning in summary.warnings:
        say(f"warning: {warning}")
    for failure in summary.failures:
        say(f"FAILED {failure.path}: {failure.reason}")
    say(
        f"{summary.files} file(s), {summary.bytes} bytes: {summary.new} new, "
        f"{summary.already_held} already held, {len(summary.failures)} failed"
    )
    if summary.aborted:
        say(f"stopped early: {summary.aborted}")


def _print_archive(a: dict[str, Any]) -> None:
    """A web archive's checks, in words that claim no more than was checked."""
    name = a["path"]
    checks = [f"{a['format'].upper()}"]
    if a["format"] == "wacz":
        checks.append(f"package hashes {a['hashes']['status'].upper()}")
        sig = a["signature"]
        if sig["status"] == "verified":
            checks.append(
                f"signature VERIFIED ({sig.get('kind')} key, SHA-256 "
                f"{str(sig.get('public_key_sha256', ''))[:16]}...; who holds it is not said)"
            )
        elif sig["status"] == "absent":
            checks.append("not signed")
        else:
            checks.append(f"signature {sig['status'].upper()}")
    digests = a["record_digests"]
    checks.append(
        f"{a['extracted']} page/media item(s) of {a['records']} record(s); record digests: "
        f"{digests['sound']} sound, {digests['failed']} failed, {digests['absent']} absent"
    )
    say(f"archive {name}: " + ", ".join(checks))
    sig = a["signature"]
    if sig["status"] in ("unverified", "failed"):
        say(f"  SIGNATURE NOT VERIFIED: {sig.get('reason')}")
    for problem in a["problems"]:
        say(f"  ARCHIVE PROBLEM: {problem}")
    if a["error"]:
        say(f"  ARCHIVE NOT FULLY READ: {a['error']} (the archive itself is stored whole)")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
