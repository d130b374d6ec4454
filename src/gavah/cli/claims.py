"""``gavah claims``: checkable statements about incidents, people and units, linked to what they
concern, and their level of confidence explained."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from gavah.cli._common import JSON_OPTION, out, print_json, printable, say
from gavah.cli._verify import level_line, say_explained, verification, write_output
from gavah.errors import InputError

app = typer.Typer(
    help="Claims: one checkable statement each ('live fire was used', 'unit U was present'), "
    "linked to evidence, victim register records and registry entities; their level of "
    "confidence is computed by declared rules and explains itself. See docs/verification.md.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    ctx: typer.Context,
    statement: str = typer.Argument(..., help="The statement, checkable on its own."),
    kind: str = typer.Option(
        ..., "--kind", help="occurred, harm, method, perpetrator, victim or other."
    ),
    incident: str | None = typer.Option(
        None, "--incident", help="The incident it is about (its collection is the claim's)."
    ),
    collection: str | None = typer.Option(
        None, "--collection", help="The collection, for a claim about no incident."
    ),
    claim_id: str | None = typer.Option(
        None, "--id", help="A readable id (default: a new clm-... id)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a claim. An incident's grade is the level of its 'occurred' claims."""
    result = verification(ctx).add_claim(
        statement, kind, incident_id=incident, collection=collection, claim_id=claim_id
    )
    if as_json:
        print_json(result)
    else:
        say(f"added claim {result['claim']['id']}; log index {result['log_index']}")


@app.command("link")
def link(
    ctx: typer.Context,
    claim_id: str = typer.Argument(..., help="The claim's id."),
    target: str = typer.Argument(
        ..., help="An evidence id or SHA-256 prefix, a record LIST:ROW, or a registry id."
    ),
    kind: str = typer.Option(..., "--as", help="evidence, person or entity."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Link a claim to an evidence item, a victim register record or a registry entity."""
    result = verification(ctx).link_claim(claim_id, kind, target)
    if as_json:
        print_json(result)
    else:
        k = result["link"]
        say(
            f"linked claim {k['claim']} to {k['kind']} {k['target']}; log index {result['log_index']}"
        )


@app.command("list")
def list_claims(
    ctx: typer.Context,
    incident: str | None = typer.Option(None, "--incident", help="Only this incident's."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Claims with their level on both scales."""
    found = verification(ctx).claims(incident)
    if as_json:
        print_json(found)
        return
    if not found:
        say("no claims yet")
        return
    table = Table("id", "incident", "kind", "level", "statement")
    for c in found:
        cells = (c["id"], c["incident"] or "", c["kind"], level_line(c["level"]), c["statement"])
        table.add_row(*(printable(str(v)) for v in cells))
    out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    claim_id: str = typer.Argument(..., help="The claim's id."),
    as_json: bool = JSON_OPTION,
) -> None:
    """One claim: its links, its assessments with their reviews, and its level explained."""
    found = verification(ctx).claim(claim_id)
    if as_json:
        print_json(found)
        return
    say(f"claim {found['id']} [{found['kind']}]: {found['statement']}")
    say(f"incident {found['incident'] or '-'}, collection {found['collection']}")
    for k in found["links"]:
        say(f"  linked: {k['kind']} {k['target']}")
    for a in found["assessments"]:
        say(
            f"  assessment {a['id']} by {a['actor']}: {a['stance']}, source {a['source']}, "
            f"credibility {a['credibility']}: {a['status']}"
        )
        for r in a["reviews"]:
            say(f"    {r['actor']} {r['decision']}s" + (f": {r['note']}" if r["note"] else ""))
    say_explained(found["level"])


@app.command("explain")
def explain(
    ctx: typer.Context,
    claim_id: str = typer.Argument(..., help="The claim's id."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Why a claim has its level: the rule that fired, the independent sources and evidence
    that counted, those that did not and why, and what would raise it."""
    found = verification(ctx).explain(claim_id)
    if as_json:
        print_json(found)
        return
    say(f"claim {found['claim']['id']}: {found['claim']['statement']}")
    say_explained(found)


@app.command("report")
def report_claims(
    ctx: typer.Context,
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file (default: standard output)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """A JSON report of every claim with its links, level and explanation.

    The report is a custody event with the SHA-256 of what was written."""
    from gavah.verify import report

    if output is None and as_json:
        raise InputError("--json needs --output", hint="the report itself is JSON on stdout")
    v = verification(ctx)
    write_output(output, lambda stream: report.claims_report(v, stream))
    if as_json:
        print_json({"file": str(output)})
    elif output is not None:
        say(f"wrote the claims report to {output}")
