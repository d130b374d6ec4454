"""``gavah assess``: how credible a claim is on the word of one source, with the Berkeley
Protocol's analyses recorded."""

from __future__ import annotations

import typer
from rich.table import Table

from gavah.cli._common import JSON_OPTION, out, print_json, printable, say
from gavah.cli._verify import verification

app = typer.Typer(
    help="Assessments: for a claim and a source (and the evidence item it rests on), whether it "
    "supports or contradicts the claim and how credible it is (Admiralty 1-6), with the "
    "Berkeley Protocol's source, technical and content analysis. It counts once a second "
    "person agrees (gavah review). See docs/verification.md.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    ctx: typer.Context,
    claim_id: str = typer.Argument(..., help="The claim."),
    source_id: str = typer.Argument(..., help="The source whose word this weighs."),
    stance: str = typer.Option(..., "--stance", help="supports or contradicts."),
    credibility: int = typer.Option(
        ...,
        "--credibility",
        help="1 confirmed, 2 probably true, 3 possibly true, 4 doubtful, 5 improbable, "
        "6 cannot be judged.",
    ),
    evidence: str | None = typer.Option(
        None, "--evidence", help="The evidence item it rests on (id or SHA-256 prefix)."
    ),
    source_analysis: str | None = typer.Option(
        None, "--source-analysis", help="Who the source is and how they know."
    ),
    technical_analysis: str | None = typer.Option(
        None, "--technical-analysis", help="Metadata, C2PA, hashes, signs of editing."
    ),
    content_analysis: str | None = typer.Option(
        None, "--content-analysis", help="Geolocation, chronolocation, consistency."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Assess a claim on the word of one source. The author is GAVAH_ACTOR."""
    result = verification(ctx).assess(
        claim_id,
        source_id,
        stance=stance,
        credibility=credibility,
        evidence=evidence,
        source_analysis=source_analysis,
        technical_analysis=technical_analysis,
        content_analysis=content_analysis,
    )
    if as_json:
        print_json(result)
    else:
        say(
            f"assessment {result['assessment']['id']} awaits a second person's review; "
            f"log index {result['log_index']}"
        )


@app.command("list")
def list_assessments(
    ctx: typer.Context,
    claim: str | None = typer.Option(None, "--claim", help="Only this claim's."),
    status: str | None = typer.Option(
        None, "--status", help="Only those 'awaiting review', 'reviewed' or 'disputed'."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Assessments with where each stands in review."""
    found = verification(ctx).assessments(claim, status)
    if as_json:
        print_json(found)
        return
    if not found:
        say("no assessments found")
        return
    table = Table("id", "claim", "source", "stance", "cred.", "by", "status")
    for a in found:
        cells = (
            a["id"],
            a["claim"],
            a["source"],
            a["stance"],
            a["credibility"],
            a["actor"],
            a["status"],
        )
        table.add_row(*(printable(str(c)) for c in cells))
    out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    assessment_id: str = typer.Argument(..., help="The assessment's id."),
    as_json: bool = JSON_OPTION,
) -> None:
    """One assessment: its analyses and its reviews."""
    a = verification(ctx).assessment(assessment_id)
    if as_json:
        print_json(a)
        return
    say(f"assessment {a['id']} of claim {a['claim']} by {a['actor']} at {a['at']}: {a['status']}")
    say(
        f"source {a['source']} {a['stance']} the claim, credibility {a['credibility']}"
        + (f", evidence {a['evidence']}" if a["evidence"] else "")
    )
    for step in ("source_analysis", "technical_analysis", "content_analysis"):
        say(f"{step.replace('_', ' ')}: {a[step] or '-'}")
    for r in a["reviews"]:
        say(
            f"  {r['actor']} {r['decision']}s at {r['at']}"
            + (f": {r['note']}" if r["note"] else "")
        )
