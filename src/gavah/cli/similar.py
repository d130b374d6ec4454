"""``gavah similar`` and ``gavah clusters``: near-duplicates found by perceptual hashes (PDQ)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from gavah.cli._common import JSON_OPTION, open_vault, print_json, say

# The similarity index is imported by the two commands: it brings numpy, which would add to the
# start of every gavah command.
if TYPE_CHECKING:
    from gavah.similar.query import Cluster, Copy, Match

COLLECTION_OPTION = typer.Option(
    None,
    "--collection",
    "-c",
    help="Look only among items acquired into this collection (repeat for several).",
)


def _visible(collection: list[str] | None) -> frozenset[str] | None:
    return frozenset(collection) if collection else None


def _copy_line(copy: Copy) -> str:
    made = f", made {copy.captured_at}" if copy.captured_at else ""
    where = f" [{copy.collection}]" if copy.collection else ""
    source = f" from {copy.source}" if copy.source else ""
    return f"{copy.received_at}{made}{where}{source}: {copy.filename} (#{copy.log_index})"


def similar(
    ctx: typer.Context,
    item: str = typer.Argument(..., help="Item id (ev-...) or a unique prefix of its SHA-256."),
    collection: list[str] | None = COLLECTION_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Items that are near-duplicates of ITEM: the same picture or video re-encoded, resized or
    lightly cropped (PDQ hashes within 31 bits of 256; for videos, half the sampled frames)."""
    from gavah.similar.index import THRESHOLD
    from gavah.similar.query import similar_to

    vault = open_vault(ctx)
    with vault.db.read() as session:
        ev = vault.resolve(session, item)
        found = similar_to(session, ev.id, _visible(collection))
    if as_json:
        print_json({"item": ev.id, "threshold": THRESHOLD, "matches": [_match(m) for m in found]})
        return
    if not found:
        say(f"{ev.id}: no near-duplicates")
        return
    for match in found:
        frames = f", frames {match.frames[0]}/{match.frames[1]}" if match.frames[1] > 1 else ""
        say(f"{match.evidence_id}  distance {match.distance}{frames}")
        for copy in match.copies:
            say(f"    {_copy_line(copy)}")


def _match(match: Match) -> dict[str, Any]:
    return {
        "id": match.evidence_id,
        "distance": match.distance,
        "frames_matched": match.frames[0],
        "frames": match.frames[1],
        "copies": [c.to_dict() for c in match.copies],
    }


def clusters_command(
    ctx: typer.Context,
    collection: list[str] | None = COLLECTION_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Groups of near-duplicate items, each with its copies oldest first: the earliest known
    copy (by the time the device recorded, else the time it was ingested) is marked."""
    from gavah.similar.index import THRESHOLD
    from gavah.similar.query import clusters

    vault = open_vault(ctx)
    with vault.db.read() as session:
        found = clusters(session, _visible(collection))
    if as_json:
        print_json({"threshold": THRESHOLD, "clusters": [c.to_dict() for c in found]})
        return
    if not found:
        say("no near-duplicates")
    for number, cluster in enumerate(found, 1):
        _say_cluster(number, cluster)


def _say_cluster(number: int, cluster: Cluster) -> None:
    say(f"cluster {number}: {len(cluster.items)} items, {len(cluster.copies)} copies")
    for copy in cluster.copies:
        mark = "earliest" if copy is cluster.earliest else "        "
        say(f"  {mark} {copy.evidence_id} {_copy_line(copy)}")


def register(app: typer.Typer) -> None:
    app.command()(similar)
    app.command(name="clusters")(clusters_command)
