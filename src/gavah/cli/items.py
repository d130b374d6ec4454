"""Commands on one evidence item: ``show``, ``describe``, ``proof``, ``export``.
Each is a custody event: the log records who looked at, described, proved or exported what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from gavah.cli._common import JSON_OPTION, open_vault, print_json, say
from gavah.errors import InputError
from gavah.vault.export import export_item, issue_proof

ITEM = typer.Argument(
    ..., help="Item id (ev-...) or a unique prefix of its SHA-256 (4+ hex digits)."
)


def show(ctx: typer.Context, item: str = ITEM, as_json: bool = JSON_OPTION) -> None:
    """Metadata, hashes, acquisitions, custody timeline and log position of an item."""
    data = open_vault(ctx).show(item)
    if as_json:
        print_json(data)
        return
    for key in ("id", "sha256", "size", "mime", "description", "created_at", "log_index"):
        if data[key] is not None:  # an item never described has no description line
            say(f"{key:>12}: {data[key]}")
    say("acquisitions:")
    for acq in data["acquisitions"]:
        say(f"  #{acq['log_index']} {acq['at']} by {acq['actor']}: {acq['path']}")
        for field in ("collection", "source", "note", "mtime"):
            if acq[field]:
                say(f"      {field}: {acq[field]}")
    say("metadata:")
    for line in json.dumps(data["metadata"], ensure_ascii=False, indent=2).splitlines():
        say(f"  {line}")
    say("custody timeline:")
    for event in data["custody"]:
        say(f"  #{event['log_index']:<7} {event['at']}  {event['kind']:<28} {event['actor']}")
    cp = data["checkpoint"]
    say(f"covered by signed checkpoint: size {cp['size']}, root {cp['root']}")


def describe(
    ctx: typer.Context,
    item: str = ITEM,
    text: str = typer.Argument(..., help="The new description."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change an item's description; the change is written into the custody log."""
    index = open_vault(ctx).describe(item, text)
    if as_json:
        print_json({"log_index": index})
    else:
        say(f"description changed (log entry {index})")


def _write_new(path: Path, text: str) -> None:
    try:
        with path.open("x", encoding="utf-8") as f:
            f.write(text)
    except FileExistsError:
        raise InputError(f"{path} already exists", hint="choose another file name") from None
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None


def proof(
    ctx: typer.Context,
    item: str = ITEM,
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Write the bundle here (default: stdout)."
    ),
) -> None:
    """Inclusion proof bundle for an item's ingest event, under the newest signed checkpoint.

    Check it anywhere with `gavah verify-proof BUNDLE --key KEY.pub`."""
    bundle: dict[str, Any] = issue_proof(open_vault(ctx), item)
    text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        _write_new(output, text)
        say(f"proof written to {output}")


def export(
    ctx: typer.Context,
    items: list[str] = typer.Argument(
        ..., help="Item ids (ev-...) or unique SHA-256 prefixes; several only with --bag."
    ),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="New or empty folder to export one item into."
    ),
    bag: Path | None = typer.Option(
        None,
        "--bag",
        help="New or empty folder to write a BagIt bag of the items into, for a court.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Export the original bytes, unchanged, with a custody report (JSON and text).

    With --bag, the items go into one BagIt bag (RFC 8493): each original and its custody report
    with every inclusion proof, the signed checkpoint, the log's public key, a checker that needs
    only Python, and a README in English and Persian saying how to verify it all without gavah
    (bagit.py --validate or sha256sum, then the proofs against the checkpoint with the key).
    Every export is a custody event, covered by the checkpoint it ships with."""
    if (output is None) == (bag is None):
        raise InputError("give either --output FOLDER (one item) or --bag FOLDER")
    if bag is not None:
        from gavah.vault.bag import export_bag

        done = export_bag(open_vault(ctx), items, bag)
        if as_json:
            print_json(
                {
                    "bag": str(done.path),
                    "items": done.items,
                    "checkpoint_size": done.checkpoint_size,
                }
            )
            return
        for item in done.items:
            say(f"bagged {item['id']} {item['sha256'][:16]} ({item['events']} custody events)")
        say(f"bag written and validated: {done.path} (checkpoint of size {done.checkpoint_size})")
        say(f"verify it anywhere: bagit.py --validate {done.path}; see {done.path}/data/README.txt")
        return
    if len(items) != 1:
        raise InputError("--output exports one item; give --bag FOLDER for several")
    assert output is not None
    exported = export_item(open_vault(ctx), items[0], output)
    paths = {
        "original": str(exported.original),
        "report_json": str(exported.report_json),
        "report_text": str(exported.report_text),
    }
    if as_json:
        print_json(paths)
    else:
        for name, path in paths.items():
            say(f"{name:>11}: {path}")


def register(app: typer.Typer) -> None:
    for command in (show, describe, proof, export):
        app.command()(command)
