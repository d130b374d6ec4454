"""``gavah incidents``: what happened, where and when, how many were harmed, and how well it is
established; civilian harm per period and place; incidents as FtM Event entities."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from gavah.cli._common import JSON_OPTION, out, print_json, printable, say
from gavah.cli._verify import figures, level_line, verification, write_output
from gavah.errors import InputError

app = typer.Typer(
    help="Incidents: what happened, where (gazetteer), when (Gregorian or Solar Hijri), how many "
    "were killed and injured, and their grade, computed from the claims that they occurred. "
    "See docs/verification.md.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    ctx: typer.Context,
    title: str = typer.Argument(..., help="What happened, in a line."),
    kind: str = typer.Option(
        ...,
        "--kind",
        help="killing-at-protest, execution, death-in-custody, mass-arrest, torture, "
        "sexual-violence, enforced-disappearance, internet-shutdown or other.",
    ),
    collection: str = typer.Option(
        ..., "--collection", help="The collection it belongs to (need to know)."
    ),
    place: str | None = typer.Option(
        None, "--place", help="Where: 'Karaj', 'Karaj, Alborz', 'کرج' (read by the gazetteer)."
    ),
    date: str | None = typer.Option(
        None, "--date", help="When: 2022-09-30, 1401/07/08, مهر ۱۴۰۱ or 2022 (precision kept)."
    ),
    killed: str | None = typer.Option(None, "--killed", help="N or MIN-MAX."),
    injured: str | None = typer.Option(None, "--injured", help="N or MIN-MAX."),
    description: str | None = typer.Option(None, "--description", help="What is known."),
    incident_id: str | None = typer.Option(
        None, "--id", help="A readable id (default: a new inc-... id)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add an incident. Its grade comes from its 'occurred' claims (gavah claims add)."""
    result = verification(ctx).add_incident(
        title,
        kind,
        collection=collection,
        place=place,
        date=date,
        killed=figures(killed, "killed"),
        injured=figures(injured, "injured"),
        description=description,
        incident_id=incident_id,
    )
    if as_json:
        print_json(result)
        return
    i = result["incident"]
    say(
        f"added incident {i['id']}: place {i['place_precision']}"
        + (f" ({i['province']})" if i["province"] else "")
        + (f", date {i['date']} ({i['date_precision']}, {i['date_calendar']})" if i["date"] else "")
        + f"; log index {result['log_index']}"
    )


@app.command("list")
def list_incidents(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Incidents with their grade, oldest first."""
    found = verification(ctx).incidents()
    if as_json:
        print_json(found)
        return
    if not found:
        say("no incidents yet")
        return
    table = Table("id", "date", "province", "kind", "grade", "killed", "title")
    for i in found:
        killed = "-".join(str(n) for n in dict.fromkeys(i["killed"]) if n is not None)
        cells = (
            i["id"],
            i["date"] or "",
            i["province"] or "",
            i["kind"],
            i["grade"]["airwars"],
            killed,
            i["title"],
        )
        table.add_row(*(printable(str(c)) for c in cells))
    out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    incident_id: str = typer.Argument(..., help="The incident's id."),
    as_json: bool = JSON_OPTION,
) -> None:
    """One incident: where, when, figures, its grade and its claims with their levels."""
    found = verification(ctx).incident(incident_id)
    if as_json:
        print_json(found)
        return
    say(
        f"incident {found['id']}: {found['title']} ({found['kind']}, collection {found['collection']})"
    )
    say(
        f"place: {found['place'] or '-'} ({found['place_precision']}; province {found['province'] or '-'})"
    )
    say(
        f"date: {found['date'] or '-'} (written {found['date_original'] or '-'}, {found['date_precision'] or '-'})"
    )
    say(f"killed {found['killed']}, injured {found['injured']} (minimum, maximum)")
    grade = found["grade"]
    from_claim = f" from claim {grade['claim']}" if grade["claim"] else " (no 'occurred' claim yet)"
    say(f"grade: {grade['airwars']} / {grade['proof']}{from_claim}")
    for c in found["claims"]:
        say(f"  claim {c['id']} [{c['kind']}] {level_line(c['level'])}: {c['statement']}")


@app.command("harm")
def harm(
    ctx: typer.Context,
    by: str = typer.Option("month", "--by", help="month or year."),
    calendar: str = typer.Option("gregorian", "--calendar", help="gregorian or solar_hijri."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Civilian harm per period and province, from fair and confirmed incidents only.

    Contested incidents are listed apart and never added in; weak, discounted and ungraded
    ones are counted, not summed."""
    from gavah.verify import report

    if by not in ("month", "year") or calendar not in ("gregorian", "solar_hijri"):
        raise InputError(
            f"cannot group by {by!r} in {calendar!r}",
            hint="--by month or year; --calendar gregorian or solar_hijri",
        )
    found = report.harm(verification(ctx), by, calendar)  # type: ignore[arg-type]
    if as_json:
        print_json(found)
        return
    say(f"harm from {' and '.join(found['counted_grades'])} incidents, by {by} ({calendar}):")
    for row in found["rows"]:
        say(
            f"  {row['period']} {row['province']}: killed {row['killed'][0]}-{row['killed'][1]}, "
            f"injured {row['injured'][0]}-{row['injured'][1]} ({len(row['incidents'])} incident(s))"
        )
    for c in found["contested"]:
        say(f"  contested, not counted: {c['id']} {c['title']}: killed {c['killed']}")
    say("not counted: " + ", ".join(f"{n} {g}" for g, n in found["not_counted"].items()))


@app.command("export")
def export(
    ctx: typer.Context,
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file (default: standard output)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Export incidents as FtM Event entities (JSON lines), with the Document entities of the
    evidence their claims cite; the registry entities they involve are named by id.

    The export is a custody event with the SHA-256 of what was written."""
    from gavah.verify import report

    if output is None and as_json:
        raise InputError("--json needs --output", hint="the entities themselves go to stdout")
    v = verification(ctx)
    count = write_output(output, lambda stream: report.export_events(v, stream))
    if as_json:
        print_json({"entities": count, "file": str(output)})
    elif output is not None:
        say(f"exported {count} entities to {output}")
