"""``gavah sources``: who or what information comes from, graded A-F with reasons, and which
sources are not independent of one another."""

from __future__ import annotations

import typer
from rich.table import Table

from gavah.cli._common import JSON_OPTION, out, print_json, printable, say
from gavah.cli._verify import verification

app = typer.Typer(
    help="Sources of information (witnesses, channels, agencies, NGOs, officials) with their "
    "reliability grade (Admiralty A-F) and its history, and declared dependence between them. "
    "See docs/verification.md.",
    no_args_is_help=True,
)

GRADE_HELP = (
    "Admiralty reliability: A completely reliable, B usually reliable, C fairly reliable, "
    "D not usually reliable, E unreliable, F cannot be judged."
)


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The source's name, e.g. 'Witness W-12 (synthetic)'."),
    kind: str = typer.Option(
        ...,
        "--kind",
        help="witness, local-network, channel, news-agency, ngo, official, expert or other.",
    ),
    grade: str = typer.Option(..., "--grade", help=GRADE_HELP),
    reason: str = typer.Option(..., "--reason", help="Why this grade (kept with it)."),
    collection: str = typer.Option(
        ..., "--collection", help="The collection it belongs to (need to know)."
    ),
    note: str | None = typer.Option(None, "--note", help="Anything else about the source."),
    source_id: str | None = typer.Option(
        None, "--id", help="A readable id (default: a new src-... id)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a source with its first reliability grade and the reason for it."""
    result = verification(ctx).add_source(
        name,
        kind,
        collection=collection,
        grade=grade,
        reason=reason,
        note=note,
        source_id=source_id,
    )
    if as_json:
        print_json(result)
    else:
        say(
            f"added source {result['source']['id']} graded {result['grade']['grade']}; "
            f"log index {result['log_index']}"
        )


@app.command("grade")
def grade(
    ctx: typer.Context,
    source_id: str = typer.Argument(..., help="The source's id."),
    new: str = typer.Argument(..., metavar="GRADE", help=GRADE_HELP),
    reason: str = typer.Option(..., "--reason", help="Why it changes (kept with it)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Grade a source again; its earlier grades stay in its history, with their reasons.

    Every claim it bears on is weighed with the new grade the next time it is computed."""
    result = verification(ctx).grade_source(source_id, new, reason)
    if as_json:
        print_json(result)
    else:
        say(
            f"graded {result['grade']['source']} {result['grade']['grade']}; "
            f"log index {result['log_index']}"
        )


@app.command("link")
def link(
    ctx: typer.Context,
    source_id: str = typer.Argument(..., help="The dependent source."),
    other_id: str = typer.Argument(..., help="The source it depends on."),
    relation: str = typer.Option(
        ..., "--as", help="copies, relays or belongs-to: SOURCE copies/relays/belongs to OTHER."
    ),
    note: str | None = typer.Option(None, "--note", help="How this is known."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Declare that one source is not independent of another.

    Example: gavah sources link channel-1 witness-w12 --as relays

    From then on the two, and every source related to either (transitively), count as one
    voice: a relay of a video never corroborates the video."""
    result = verification(ctx).relate(source_id, relation, other_id, note)
    if as_json:
        print_json(result)
    else:
        r = result["relation"]
        say(
            f"{r['source']} {r['relation']} {r['other']}: one voice from now on; "
            f"log index {result['log_index']}"
        )


@app.command("list")
def list_sources(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Sources, with their current grade and independent group."""
    found = verification(ctx).sources()
    if as_json:
        print_json(found)
        return
    if not found:
        say("no sources yet")
        return
    table = Table("id", "grade", "kind", "name", "group", "collection")
    for s in found:
        cells = (s["id"], s["grade"], s["kind"], s["name"], s["independent_group"], s["collection"])
        table.add_row(*(printable(c) for c in cells))
    out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    source_id: str = typer.Argument(..., help="The source's id."),
    as_json: bool = JSON_OPTION,
) -> None:
    """One source: its grades with reasons, oldest first, and its declared relations."""
    found = verification(ctx).source(source_id)
    if as_json:
        print_json(found)
        return
    say(
        f"source {found['id']}: {found['name']} ({found['kind']}, collection {found['collection']})"
    )
    say(f"grade {found['grade']}")
    for g in found["grades"]:
        say(f"  {g['at']} {g['actor']}: {g['grade']}: {g['reason']} (log index {g['log_index']})")
    for r in found["relations"]:
        say(f"{r['source']} {r['relation']} {r['other']}" + (f": {r['note']}" if r["note"] else ""))
    say("independent group: " + ", ".join(found["independent_group"]))
