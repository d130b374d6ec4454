"""``gavah review``: four eyes. An assessment counts only once a person other than its author
agrees; a disagreement is kept beside any agreement, never overwritten."""

from __future__ import annotations

import typer
from rich.table import Table

from gavah.cli._common import JSON_OPTION, out, print_json, printable, say
from gavah.cli._verify import verification

app = typer.Typer(
    help="Review of assessments by a second person (four eyes): agree or disagree, with a note. "
    "The reviewer is GAVAH_ACTOR and may not be the assessment's author. See "
    "docs/verification.md.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    ctx: typer.Context,
    assessment_id: str = typer.Argument(..., help="The assessment."),
    decision: str = typer.Argument(..., help="agree or disagree."),
    note: str | None = typer.Option(None, "--note", help="Why (required to disagree)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Agree or disagree with someone else's assessment.

    Your latest decision on an assessment stands; the earlier ones stay in the log. A
    disagreement keeps the assessment out of every level until you agree after all."""
    result = verification(ctx).review(assessment_id, decision, note)
    if as_json:
        print_json(result)
    else:
        r = result["review"]
        say(f"{r['decision']}d with assessment {r['assessment']}; log index {result['log_index']}")


@app.command("list")
def list_queue(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Assessments awaiting review that you (GAVAH_ACTOR) did not make."""
    found = verification(ctx).review_queue()
    if as_json:
        print_json(found)
        return
    if not found:
        say("nothing awaits your review")
        return
    table = Table("id", "claim", "source", "stance", "cred.", "by")
    for a in found:
        cells = (a["id"], a["claim"], a["source"], a["stance"], a["credibility"], a["actor"])
        table.add_row(*(printable(str(c)) for c in cells))
    out.print(table)
