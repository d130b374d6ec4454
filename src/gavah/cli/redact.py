"""``gavah redact``: the derivatives published in place of evidence. Faces are proposed by a
detector, a reviewer adds, moves or removes boxes, then approves the version they saw; only then
is the derivative made (metadata removed, faces blurred). Every step is a custody event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from gavah.cli._common import JSON_OPTION, open_vault, print_json, say
from gavah.errors import ExitCode, InputError
from gavah.publish.location import PRECISIONS

# The face detector and the redaction engine are imported by the commands that use them: with
# numpy and the media libraries they add about 0.2 s to the start of every gavah command.
if TYPE_CHECKING:
    from gavah.publish import faces
    from gavah.publish.redact import Redactions

app = typer.Typer(
    help="Redaction for publication: faces blurred, metadata removed, places coarsened, and a "
    "check for rare attributes. See docs/redaction.md.",
    no_args_is_help=True,
)
ITEM = typer.Argument(..., help="Item id (ev-...) or a unique prefix of its SHA-256.")
LOCATION_HELP = f"How precisely its place may be published: {', '.join(PRECISIONS)}."


def _redactions(ctx: typer.Context) -> Redactions:
    from gavah.publish.redact import Redactions

    return Redactions(open_vault(ctx))


def _print(result: dict[str, Any], as_json: bool, what: str) -> None:
    if as_json:
        print_json(result)
        return
    say(
        f"{what}: {result['item']} ({result['id']}), boxes version {result['version']}, "
        f"{result['status']}, location {result['location']}"
    )
    for number, box in enumerate(result["boxes"], start=1):
        say(
            f"  {number}: x={box['x']} y={box['y']} w={box['w']} h={box['h']} "
            f"by {box['by']} ({box['score']}%)"
        )
    if result.get("derivative"):
        derivative = result["derivative"]
        sha = derivative["sha256"] if isinstance(derivative, dict) else derivative
        say(f"  derivative: {sha}")


@app.command("propose")
def propose(
    ctx: typer.Context,
    item: str = ITEM,
    location: str = typer.Option("none", "--location", help=LOCATION_HELP),
    as_json: bool = JSON_OPTION,
) -> None:
    """Detect faces in an item (images; in video every frame is searched when the derivative is
    made) and store them as version 1 of its boxes, for a reviewer."""
    _print(_redactions(ctx).propose(item, location), as_json, "proposed")


@app.command("show")
def show(
    ctx: typer.Context,
    item: str = ITEM,
    preview: Path | None = typer.Option(
        None,
        "--preview",
        help="Write a PNG of the original with the boxes drawn and numbered "
        "(it shows the original: keep it private; the view is logged).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """An item's boxes, numbered, their version and whether they are approved."""
    _print(_redactions(ctx).show(item, preview), as_json, "redaction")


@app.command("boxes")
def boxes(
    ctx: typer.Context,
    item: str = ITEM,
    add: list[str] = typer.Option([], "--add", help="A new box X,Y,W,H (repeatable)."),
    move: list[str] = typer.Option(
        [], "--move", help="N=X,Y,W,H: box N put there instead (repeatable)."
    ),
    remove: list[int] = typer.Option([], "--remove", help="Box N removed (repeatable)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add, move or remove boxes. The version goes up and any approval is withdrawn."""
    if not (add or move or remove):
        raise InputError("nothing to change", hint="give --add, --move or --remove")
    moves = [_move(m) for m in move]
    result = _redactions(ctx).change(
        item, add=[_box(a) for a in add], move=moves, remove=remove
    )
    _print(result, as_json, "changed")


def _box(text: str) -> faces.Box:
    from gavah.publish.redact import parse_box

    return parse_box(text)


def _move(text: str) -> tuple[int, faces.Box]:
    number, _, box = text.partition("=")
    if not number.strip().isdigit() or not box:
        raise InputError(f"{text!r} is not N=X,Y,W,H", hint="e.g. --move 2=120,80,64,64")
    return int(number), _box(box)


@app.command("approve")
def approve(
    ctx: typer.Context,
    item: str = ITEM,
    version: int = typer.Option(
        ..., "--version", help="The version of the boxes you reviewed (gavah redact show)."
    ),
    location: str | None = typer.Option(None, "--location", help=LOCATION_HELP),
    as_json: bool = JSON_OPTION,
) -> None:
    """Approve the boxes you reviewed and make the derivative: new bytes without metadata, faces
    blurred, stored and logged. Refused if the boxes changed since that version."""
    _print(_redactions(ctx).approve(item, version, location), as_json, "approved")


@app.command("check")
def check(
    file: Path = typer.Argument(
        ...,
        help="A JSON object of the fields to publish (name -> text), with optional "
        "'place', 'date_precision' and 'age'.",
        exists=True,
        dir_okay=False,
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Flag rare attributes that could identify someone (exact address, named workplace, a
    small place with an exact date or age). Exits 3 when anything is flagged."""
    try:
        record = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{file} is not a JSON object: {exc}") from None
    if not isinstance(record, dict):
        raise InputError(f"{file} is not a JSON object")
    place, precision, age = record.pop("place", None), record.pop("date_precision", None), None
    if isinstance(record.get("age"), int):
        age = record.pop("age")
    fields = {k: str(v) for k, v in record.items() if v is not None}
    from gavah.publish import reident

    flags = reident.check(fields, place=place, date_precision=precision, age=age)
    if as_json:
        print_json({"flags": [f.to_dict() for f in flags]})
    else:
        for flag in flags:
            say(f"{flag.field}: {flag.kind}: {flag.text!r} ({flag.why})")
        say(f"{len(flags)} flag(s)" if flags else "nothing flagged")
    if flags:
        raise typer.Exit(int(ExitCode.PARTIAL))
