"""``gavah sanctions``: official sanctions lists, matched against the registry and each other."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import Progress
from rich.table import Table

from gavah.cli._common import JSON_OPTION, err, open_vault, out, print_json, printable, say
from gavah.errors import InputError

if TYPE_CHECKING:
    from gavah.sanctions.match import Record
    from gavah.sanctions.store import Sanctions
    from gavah.vault import Vault

app = typer.Typer(
    help="Sanctions lists (OFAC, UN, EU, and FtM exports such as the UK's, Canada's and "
    "Australia's): import dated snapshots, match them against the registry and against each "
    "other, and report who is documented but not designated where.",
    no_args_is_help=True,
)

THRESHOLD_OPTION = typer.Option(
    None,
    "--threshold",
    min=0.0,
    max=1.0,
    help="Lowest probability to report, 0 to 1 (default: the lower candidate band, "
    "docs/sanctions.md). A pair is a 'match' in the fitted match band (for a person, with a "
    "fact beyond the name), or when a reviewer said 'same'.",
)


@app.command("import")
def import_list(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ...,
        help="The list file; for ofac, the sdn.csv file or a folder holding sdn.csv "
        "(and alt.csv, add.csv when present).",
    ),
    fmt: str = typer.Option(..., "--format", help="ofac, un-xml, eu-csv or ftm (JSON lines)."),
    name: str = typer.Option(
        ..., "--list", help="Short name of the list, e.g. ofac, un, eu-iran-hr, uk."
    ),
    jurisdiction: str | None = typer.Option(
        None,
        "--jurisdiction",
        help="us, eu, uk, ca, au, un, ... (default: us for ofac, un for un-xml, eu for eu-csv; "
        "give it for ftm files).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Import a sanctions list as a new dated snapshot, whole or not at all.

    Every entry keeps the list's own identifier (OFAC ent_num, UN reference number, EU annex
    and recordId, FtM id). The files are kept in the vault; importing identical files again
    changes nothing. A malformed row is reported with its file and line and nothing is
    imported."""
    from gavah.sanctions import formats
    from gavah.sanctions.store import Sanctions

    if fmt not in formats.FORMATS:
        raise InputError(f"unknown --format {fmt!r}", hint="one of " + ", ".join(formats.FORMATS))
    store = Sanctions(open_vault(ctx))
    with err.status(f"reading {printable(path.name)}…") if not as_json else nullcontext():
        result = store.import_list(path, fmt, name, jurisdiction)
    if as_json:
        print_json(result)
    elif result["unchanged"]:
        say(f"{name}: identical to snapshot {result['id']}; nothing changed")
    else:
        say(
            f"{name}: snapshot {result['id']} with {result['entry_count']:,} entries "
            f"(custody log entry {result['log_index']})"
        )


@app.command("lists")
def lists(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """The imported lists and their snapshots."""
    from gavah.sanctions.store import Sanctions

    found = Sanctions(open_vault(ctx)).lists()
    if as_json:
        print_json(found)
        return
    if not found:
        say("no sanctions lists yet: gavah sanctions import FILE --format F --list NAME")
        return
    table = Table("list", "format", "jurisdiction", "snapshot", "imported", "entries", "files")
    for lst in found:
        for s in lst["snapshots"]:
            table.add_row(
                printable(lst["name"]),
                lst["format"],
                lst["jurisdiction"] or "",
                str(s["id"]),
                s["imported_at"][:19],
                f"{s['entries']:,}",
                printable(", ".join(s["files"])),
            )
    out.print(table)


def list_records(store: Sanctions, name: str, snapshot: int | None = None) -> list[Record]:
    from gavah.sanctions import match

    found = (
        match.readable(
            e.entity,
            e.ref,
            e.list_name,
            e.source_id,
            programs=e.programs,
            listed_on=e.listed_on,
            jurisdiction=e.jurisdiction,
        )
        for e in store.entries(name, snapshot)
    )
    return [r for r in found if r is not None]


def registry_records(vault: Vault) -> list[Record]:
    from gavah.registry.store import Registry
    from gavah.sanctions import gaps, match

    found = (
        match.readable(e, f"registry:{e.id}", "registry", str(e.id))
        for e in Registry(vault).entities(gaps.SUBJECTS)
    )
    return [r for r in found if r is not None]


def _emit(matches: Any, as_json: bool, title: str) -> int:
    count = 0
    table = Table("score", "decision", "left", "right", "why", title=title)
    for m in matches:
        count += 1
        if as_json:
            sys.stdout.write(json.dumps(m.to_dict(), ensure_ascii=False) + "\n")
            continue
        left, right = m.left.describe(), m.right.describe()
        table.add_row(
            f"{m.score:.2f}",
            m.decision,
            printable(f"{left['list']}:{left['id']} {left['name']}"),
            printable(f"{right['list']}:{right['id']} {right['name']}"),
            printable("\n".join(m.explanation)),
        )
    if not as_json:
        out.print(table) if count else say("no pairs at or above the threshold")
    return count


@app.command("xref")
def xref(
    ctx: typer.Context,
    left: str = typer.Argument(..., help="One list (its latest snapshot)."),
    right: str = typer.Argument(..., help="The other list."),
    threshold: float | None = THRESHOLD_OPTION,
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object per line: left, right, score, decision, explanation."
    ),
) -> None:
    """Match two lists against each other: every pair at or above the threshold, explained.

    The right list is searched through its stored index (built on import)."""
    from gavah.sanctions import match
    from gavah.sanctions.index import Indexes
    from gavah.sanctions.store import Judgements, Sanctions

    vault = open_vault(ctx)
    store = Sanctions(vault)
    with err.status("loading the index…") if not as_json else nullcontext():
        queries, index = list_records(store, left), Indexes(store).of_list(right)
    found = match.screen(
        queries,
        index,
        threshold=match.DEFAULT_THRESHOLD if threshold is None else threshold,
        judgements=Judgements(vault).standing(),
    )
    _emit(found, as_json, f"{left} against {right}")


@app.command("screen")
def screen(
    ctx: typer.Context,
    list_names: list[str] = typer.Option(
        [], "--list", help="Lists to screen against (repeat; default: every list)."
    ),
    threshold: float | None = THRESHOLD_OPTION,
    as_json: bool = typer.Option(
        False, "--json", help="One JSON object per line: left, right, score, decision, explanation."
    ),
) -> None:
    """Screen every person and body of the registry against the lists (through their stored
    indexes, built on import)."""
    from gavah.sanctions import match
    from gavah.sanctions.index import Indexes
    from gavah.sanctions.store import Judgements, Sanctions

    vault = open_vault(ctx)
    store = Sanctions(vault)
    names = list_names or [lst["name"] for lst in store.lists()]
    if not names:
        raise InputError("no sanctions lists to screen against", hint="import one first")
    queries = registry_records(vault)
    with err.status("loading the index…") if not as_json else nullcontext():
        index = Indexes(store).of_lists(names)
    found = match.screen(
        queries,
        index,
        threshold=match.DEFAULT_THRESHOLD if threshold is None else threshold,
        judgements=Judgements(vault).standing(),
    )
    _emit(found, as_json, f"registry ({len(queries)}) against {', '.join(names)}")


@app.command("index")
def index_cmd(
    ctx: typer.Context,
    list_names: list[str] = typer.Option(
        [], "--list", help="Lists to index (repeat; default: every list)."
    ),
    rebuild: bool = typer.Option(
        False, "--rebuild", help="Build again even when the stored index is current."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Build the stored candidate index of each list's latest snapshot, where it is missing or
    stale.

    Importing a list builds its index, and screen, xref and gaps build a missing or stale one
    themselves; this command does it ahead of time (after an upgrade of gavah, say), or again
    with --rebuild. The index is kept in WORKSPACE/index/sanctions/."""
    import time

    from gavah.sanctions.index import Indexes
    from gavah.sanctions.store import Sanctions

    store = Sanctions(open_vault(ctx))
    names = list_names or [lst["name"] for lst in store.lists()]
    indexes = Indexes(store)
    done = []
    for name in names:
        start = time.perf_counter()
        with err.status(f"indexing {printable(name)}…") if not as_json else nullcontext():
            index = indexes.of_list(name, rebuild=rebuild)
        manifest = index.manifests[0]
        done.append(
            {
                "list": name,
                "snapshot": manifest["snapshot"],
                "entries": len(index),
                "seconds": round(time.perf_counter() - start, 2),
                "path": str(indexes.path(store.snapshot(name))),
            }
        )
    if as_json:
        print_json(done)
        return
    for d in done:
        say(
            f"{printable(d['list'])}: snapshot {d['snapshot']}, {d['entries']:,} entries "
            f"({d['seconds']:.1f} s)"
        )


@app.command("decide")
def decide(
    ctx: typer.Context,
    left: str = typer.Argument(..., help="registry:ENTITY_ID or list:LIST:SOURCE_ID"),
    right: str = typer.Argument(..., help="The other record, written the same way."),
    judgement: str = typer.Argument(..., help="same, different or unsure"),
    note: str | None = typer.Option(None, "--note", help="Why (kept in the custody log)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a human judgement on a pair: same, different or unsure.

    Judgements are transitive and kept with who made them and when; a judgement that
    contradicts others is refused with the reason."""
    from gavah.sanctions.store import Judgements

    result = Judgements(open_vault(ctx)).judge(left, right, judgement, note)
    if as_json:
        print_json(result)
    else:
        say(
            f"{result['left']} and {result['right']}: {result['judgement']} "
            f"(custody log entry {result['log_index']})"
        )


@app.command("decisions")
def decisions(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Every judgement, oldest first, with who made it and when."""
    from gavah.sanctions.store import Judgements

    found = Judgements(open_vault(ctx)).history()
    if as_json:
        print_json(found)
        return
    table = Table("when", "who", "left", "right", "judgement", "note")
    for j in found:
        table.add_row(
            j["at"][:19],
            printable(j["actor"]),
            printable(j["left"]),
            printable(j["right"]),
            j["judgement"],
            printable(j["note"] or ""),
        )
    out.print(table) if found else say("no judgements yet")


@app.command("gaps")
def gaps_cmd(
    ctx: typer.Context,
    jurisdiction: str | None = typer.Option(
        None, "--jurisdiction", help="Comma-separated: us,eu,uk,ca,au,un (default: every one)."
    ),
    fmt: str = typer.Option("table", "--format", help="table, csv, json or html."),
    unit: str | None = typer.Option(
        None, "--unit", help="Only entities of this unit (e.g. 'Revolutionary Court', IRGC)."
    ),
    role: str | None = typer.Option(
        None, "--role", help="Only entities documented in this role (e.g. perpetrator)."
    ),
    regime: str | None = typer.Option(
        None,
        "--regime",
        help="Only designations under this legal regime count: terrorism, human-rights, "
        "proliferation or other (who is documented but not sanctioned for human rights).",
    ),
    threshold: float | None = typer.Option(
        None,
        "--confidence",
        min=0.0,
        max=1.0,
        help="Lowest match probability counted (default: the lower candidate band).",
    ),
    grade: str | None = typer.Option(
        None,
        "--grade",
        help="Only entities with an allegation graded at least this: confirmed, fair or weak "
        "(the computed level of the claims tied to them: gavah claims link CLAIM entity ID).",
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to a file (the table format is written as CSV)."
    ),
    as_json: bool = typer.Option(False, "--json", help="The same as --format json."),
) -> None:
    """The gap report: who is documented but not designated where.

    For every registry entity, which jurisdictions designate it (program, legal regime, date)
    and which do not, with its units, roles and evidence, and its allegations: the claims tied
    to it with their computed grade; then the list entries that match no entity."""
    from gavah.registry.store import Registry
    from gavah.sanctions import gaps, match
    from gavah.sanctions.index import Indexes
    from gavah.sanctions.store import Judgements, Sanctions
    from gavah.verify.store import Verification

    fmt = "json" if as_json else fmt
    if fmt not in ("table", "csv", "json", "html"):
        raise InputError(f"unknown --format {fmt!r}", hint="table, csv, json or html")
    if grade is not None and grade not in gaps.GRADES:
        raise InputError(f"unknown --grade {grade!r}", hint=", ".join(gaps.GRADES))
    vault = open_vault(ctx)
    store = Sanctions(vault)
    wanted = [j.strip().lower() for j in jurisdiction.split(",")] if jurisdiction else None
    stored = Indexes(store)
    indexes = [
        gaps.ListIndex(lst["name"], lst["jurisdiction"] or "?", stored.of_list(lst["name"]))
        for lst in store.lists()
    ]
    if not indexes:
        raise InputError("no sanctions lists imported", hint="gavah sanctions import FILE ...")
    entities = list(Registry(vault).entities())
    subjects = sum(1 for e in entities if e.schema.name in gaps.SUBJECTS)
    show = fmt == "table" and output is None and err.is_terminal
    with Progress(console=err, disable=not show) as bar:
        task = bar.add_task("matching", total=subjects)
        report = gaps.build(
            entities,
            indexes,
            jurisdictions=wanted,
            threshold=match.DEFAULT_THRESHOLD if threshold is None else threshold,
            judgements=Judgements(vault).standing(),
            unit=unit,
            role=role,
            regime=regime,
            allegations=Verification(vault).allegations(),
            grade=grade,
            progress=lambda n: bar.update(task, completed=n),
        )
    text = _render(report, fmt)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        say(f"wrote {printable(str(output))}: {len(report.rows)} entities")
    elif fmt == "table":
        _gap_table(report)
    else:
        sys.stdout.write(text)


def _render(report: Any, fmt: str) -> str:
    from gavah.sanctions import gaps

    if fmt == "json":
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return gaps.to_csv(report)
    if fmt == "html":
        return gaps.to_html(report)
    return gaps.to_csv(report)


def _gap_table(report: Any) -> None:
    table = Table("entity", "units", "evidence", "grade", *report.jurisdictions)
    for r in report.rows:
        cells = []
        for j in report.jurisdictions:
            entries = r.designations.get(j, [])
            detail = "; ".join(
                f"{d.list_name}:{d.source_id} {','.join(d.programs)} {d.listed_on or ''}".strip()
                for d in entries
            )
            lines = (r.status[j], r.regime_text(j), detail)
            cells.append("\n".join(printable(x) for x in lines if x))
        table.add_row(
            f"{printable(r.name)}\n{printable(r.entity_id)}",
            printable("; ".join(r.units)),
            printable(", ".join(r.evidence)),
            printable(r.grade or "-"),
            *cells,
        )
    out.print(table)
    for name, entries in report.unmatched.items():
        say(f"{name}: {len(entries):,} entries match no registry entity")
