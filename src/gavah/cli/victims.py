"""``gavah victims``: the victim register. Import published lists, link records of the same person
within and across lists, review uncertain pairs, and list the distinct victims."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from gavah.cli._common import JSON_OPTION, err, open_vault, out, print_json, printable, say
from gavah.errors import InputError

app = typer.Typer(
    help="The victim register: lists of the dead, linked into distinct people.",
    no_args_is_help=True,
)

SEED_OPTION = typer.Option(19481210, "--seed", help="Random seed: the same seed, the same result.")


def _names(text: str | None) -> list[str] | None:
    names = [n.strip() for n in text.split(",") if n.strip()] if text else []
    return names or None


@app.command("import")
def import_list(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ...,
        help="The list: CSV, XLSX, JSON (array), JSON lines, YAML, a text file of KEY: value "
        "blocks separated by ---, or a folder of one YAML/JSON file per record.",
    ),
    list_name: str = typer.Option(
        ..., "--list", help="Short name for the list, e.g. HRANA-2026-01 (records become NAME:ROW)."
    ),
    mapping: list[str] = typer.Option(
        [],
        "--map",
        help="FIELD=COLUMN pairs, comma-separated or repeated: fields are id, name, name_fa, "
        "given_name, family_name, age, age_group, gender, date, place, province, cause, "
        "circumstances, status, sources, evidence. Nested values are columns such as "
        "sources.url. Default: columns named like the fields.",
    ),
    title: str | None = typer.Option(None, "--title", help="The list's title, as published."),
    publisher: str | None = typer.Option(None, "--publisher", help="Who published the list."),
    published: str | None = typer.Option(None, "--published", help="When it was published."),
    url: str | None = typer.Option(None, "--url", help="Where it was published."),
    fmt: str | None = typer.Option(
        None,
        "--format",
        help="csv, xlsx, json, jsonl, yaml, blocks or folder (default: from the file name; a "
        ".txt file of KEY: value lines and --- is blocks).",
    ),
    delimiter: str | None = typer.Option(
        None, "--delimiter", help="CSV delimiter (default: guessed from ',', ';' or tab)."
    ),
    sheet: str | None = typer.Option(None, "--sheet", help="XLSX sheet (default: the first)."),
    calendar: str = typer.Option(
        "auto",
        "--calendar",
        help="Dates are gregorian, solar_hijri, or auto (years 1200-1499 are Solar Hijri).",
    ),
    status: str | None = typer.Option(
        None,
        "--status",
        help="Import only rows whose status (--map status=COLUMN) is one of these, "
        "comma-separated, any case, e.g. killed,died. The others are counted as left out.",
    ),
    rejected: Path | None = typer.Option(
        None,
        "--rejected",
        help="Where to write the rows that cannot be read, as CSV with their line and problem "
        "(default: LIST-rejected.csv in the current folder).",
    ),
    skip_rejected: bool = typer.Option(
        False,
        "--skip-rejected",
        help="Import the readable rows even if some cannot be read; the import records how "
        "many were rejected.",
    ),
    blank_unreadable: str | None = typer.Option(
        None,
        "--blank-unreadable",
        metavar="FIELDS",
        help="Comma-separated fields, any of date, age and gender: a value of one of them that "
        "cannot be read is left empty and its row imported (the row as published keeps the "
        "value). Such values are counted per field, recorded by the import and written to the "
        "rejected-rows CSV for review; other unreadable values still reject their row.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Import a published list of victims, whole or not at all.

    The file is kept in the vault (by SHA-256; a folder as one ZIP of its files) and every row
    is kept as published beside the fields read from it. Rows that cannot be read are written
    to a CSV with their line and problem, and nothing is imported unless --skip-rejected. With
    --blank-unreadable, a date, age or gender that cannot be read is left empty, its row kept."""
    from gavah.casualties import tables
    from gavah.casualties.register import ListInfo, Register, parse_mapping

    if fmt is not None and fmt not in tables.FORMATS:
        raise InputError(f"unknown --format {fmt!r}", hint=f"use {', '.join(tables.FORMATS)}")
    if calendar not in ("auto", "gregorian", "solar_hijri"):
        raise InputError(f"unknown --calendar {calendar!r}", hint="auto, gregorian or solar_hijri")
    info = ListInfo(list_name, title, publisher, published, url)
    register = Register(open_vault(ctx))
    with err.status(f"importing {printable(file.name)}…") if not as_json else nullcontext():
        result = register.import_list(
            file,
            info,
            parse_mapping(mapping) or None,
            fmt=fmt,
            delimiter=delimiter,
            sheet=sheet,
            calendar=calendar,
            statuses=status.split(",") if status is not None else None,
            skip_rejected=skip_rejected,
            rejected_csv=rejected or Path(f"{list_name}-rejected.csv"),
            blank_unreadable=blank_unreadable.split(",") if blank_unreadable is not None else None,
        )
    if as_json:
        print_json(result)
    else:
        _say_imported(result)


def _say_imported(result: dict[str, Any]) -> None:
    if result["already_imported"]:
        say(f"list {result['list']} was imported from this file before: nothing changed")
        return
    say(
        f"imported {result['records']:,} records as list {result['list']} "
        f"(file {result['file']['evidence_id']}, log index {result['log_index']})"
    )
    if result["left_out"]:
        say(f"{result['left_out']:,} rows left out by --status")
    if result["rejected"]:
        say(
            f"{result['rejected']:,} rows could not be read and were not imported; they are in "
            f"{printable(result['rejected_file'] or '')}"
        )
    for field, count in (result["left_empty"] or {}).items():
        if count:
            noun, were = (field, "was") if count == 1 else (f"{field}s", "were")
            say(
                f"{count:,} {noun} could not be read and {were} left empty (kept as published): "
                f"see {printable(result['rejected_file'] or '')}"
            )
    if lenient := result["read_line_by_line"]:
        names = ", ".join(printable(n) for n in lenient)
        say(f"{len(lenient)} files were not valid YAML and were read line by line: {names}")
    if unreadable := result["unreadable"]:
        say(f"{len(unreadable)} files could not be read: {', '.join(map(printable, unreadable))}")
    if result["without_name"]:
        say(f"{result['without_name']:,} records have no name; they cannot be linked by name")


@app.command("lists")
def lists(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """The lists in the register: who published each, when, and how many records it holds."""
    from gavah.casualties.register import Register

    found = Register(open_vault(ctx)).lists()
    if as_json:
        print_json(found)
        return
    if not found:
        say("no lists yet: import one with `gavah victims import FILE --list NAME`")
        return
    table = Table("list", "records", "publisher", "published", "file")
    for item in found:
        table.add_row(
            *(
                printable(str(v or ""))
                for v in (
                    item["id"],
                    f"{item['record_count']:,}",
                    item["publisher"],
                    item["published"],
                    item["file"],
                )
            )
        )
    out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    record: str = typer.Argument(..., help="A record, named LIST:ROW."),
    as_json: bool = JSON_OPTION,
) -> None:
    """One record: its fields, the row as published, and what it is linked to."""
    from gavah.casualties.register import Register

    found = Register(open_vault(ctx)).show(record)
    if as_json:
        print_json(found)
        return
    for key, value in found.items():
        if value not in (None, [], {}):
            say(f"{key}: {value}")


@app.command("attach")
def attach(
    ctx: typer.Context,
    record: str = typer.Argument(..., help="A record, named LIST:ROW."),
    evidence: str | None = typer.Option(
        None, "--evidence", help="An evidence item (id or SHA-256 prefix)."
    ),
    incident: str | None = typer.Option(None, "--incident", help="An incident's identifier."),
    entity: str | None = typer.Option(None, "--entity", help="A registry entity's identifier."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Link a record to an evidence item, an incident or a registry entity (a custody event)."""
    from gavah.casualties.register import Register

    given = [
        (k, v) for k, v in (("evidence", evidence), ("incident", incident), ("entity", entity)) if v
    ]
    if len(given) != 1:
        raise InputError("give exactly one of --evidence, --incident or --entity")
    result = Register(open_vault(ctx)).attach(record, *given[0])
    if as_json:
        print_json(result)
    else:
        say(f"{result['record']} linked to {result['kind']} {result['target']}")


@app.command("link")
def link(
    ctx: typer.Context,
    lists_opt: str | None = typer.Option(
        None, "--lists", help="Comma-separated lists to link (default: all)."
    ),
    seed: int = SEED_OPTION,
    weights: str = typer.Option(
        "auto",
        "--weights",
        help="auto: the weights learned in an earlier run if there are any, else the declared "
        "ones; declared: always the declared weights; learn: learn them from this register "
        "(5,000 records or more) and keep them for later runs.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Find records of the same person within and across lists.

    A Fellegi-Sunter model (Splink on DuckDB) compares names (the Persian-aware name comparison
    shared with sanctions screening), ages, dates, places (through a gazetteer of Iran) and
    gender, and keeps every pair with a match probability of 5% or more. Records identical in
    every field are always linked. Review the uncertain pairs with `gavah victims review`."""
    from gavah.casualties.people import People

    if weights not in ("auto", "declared", "learn"):
        raise InputError(f"unknown --weights {weights!r}", hint="auto, declared or learn")
    people = People(open_vault(ctx))
    with err.status("linking records…", spinner="dots") if not as_json else nullcontext():
        result = people.run_linkage(_names(lists_opt), seed=seed, weights=weights)  # type: ignore[arg-type]
    if as_json:
        print_json(result)
        return
    say(
        f"linkage run {result['run']}: {result['records']:,} records in "
        f"{len(result['lists'])} lists, {result['pairs']:,} candidate pairs kept"
    )
    say(f"weights: {result['training']['weights']}")


@app.command("review")
def review(
    ctx: typer.Context,
    run: int | None = typer.Option(None, "--run", help="Linkage run (default: the latest)."),
    lower: float = typer.Option(0.2, "--lower", min=0.0, max=1.0, help="Lowest probability shown."),
    upper: float = typer.Option(
        0.98, "--upper", min=0.0, max=1.0, help="Highest probability shown."
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="Pairs to review in this session."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Decide uncertain pairs: same person, different people, or unsure.

    Pairs are shown most uncertain first, side by side with what the model saw. Decisions are
    custody events, remembered transitively: a pair already settled by other decisions is not
    asked. With --json, the pairs waiting for review are printed instead."""
    from gavah.casualties.people import People

    people = People(open_vault(ctx))
    pending = people.to_review(run=run, lower=lower, upper=upper, limit=limit)
    if as_json:
        print_json(pending)
        return
    if not pending:
        say("nothing to review in that range")
        return
    answers = {"s": "same", "d": "different", "u": "unsure"}
    done = 0
    for number, item in enumerate(pending, start=1):
        _show_pair(item, number, len(pending))
        while True:
            answer = typer.prompt("same (s), different (d), unsure (u), skip (k), quit (q)")
            answer = answer.strip().lower()[:1]
            if answer in answers or answer in ("k", "q"):
                break
        if answer == "q":
            break
        if answer == "k":
            continue
        try:
            people.decide(item["left"]["id"], item["right"]["id"], answers[answer])
            done += 1
        except InputError as exc:  # settled meanwhile by a decision on another pair
            say(f"not recorded: {exc.message}")
    say(f"{done} decision(s) recorded")


def _show_pair(item: dict[str, Any], number: int, total: int) -> None:
    table = Table(
        "",
        printable(item["left"]["id"]),
        printable(item["right"]["id"]),
        title=f"pair {number} of {total}: match probability {item['probability']:.2f}",
    )
    for field in ("name", "name_fa", "age", "gender", "date", "place"):
        table.add_row(
            field,
            printable(str(item["left"][field] or "")),
            printable(str(item["right"][field] or "")),
        )
    out.print(table)
    for comparison, level in item["explanation"].items():
        say(f"  {comparison}: {level}")


@app.command("decide")
def decide(
    ctx: typer.Context,
    left: str = typer.Argument(..., help="A record, LIST:ROW."),
    right: str = typer.Argument(..., help="Another record, LIST:ROW."),
    decision: str = typer.Argument(..., help="same, different or unsure."),
    note: str | None = typer.Option(None, "--note", help="Why (kept with the decision)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record one decision on a pair, as in review (for scripts). The latest decision on a pair
    stands; a decision that contradicts others (transitively) is refused with the reason."""
    from gavah.casualties.people import People

    result = People(open_vault(ctx)).decide(left, right, decision.strip().lower(), note)
    if as_json:
        print_json(result)
    else:
        say(f"{result['left']} / {result['right']}: {result['decision']}")


@app.command("decisions")
def decisions(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Every decision made, in order, with who made it and when."""
    from gavah.casualties.people import People

    found = People(open_vault(ctx)).decision_history()
    if as_json:
        print_json(found)
        return
    for d in found:
        note = f" ({d['note']})" if d["note"] else ""
        say(f"{d['at']}  {d['actor']}: {d['left']} / {d['right']}: {d['decision']}{note}")


@app.command("register")
def register_cmd(
    ctx: typer.Context,
    lists_opt: str | None = typer.Option(
        None, "--lists", help="Comma-separated lists (default: all)."
    ),
    threshold: float = typer.Option(
        0.9, "--threshold", min=0.0, max=1.0, help="Match probability from which pairs are linked."
    ),
    run: int | None = typer.Option(None, "--run", help="Linkage run (default: the latest)."),
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
    as_json: bool = JSON_OPTION,
) -> None:
    """The distinct victims: each with the records and lists it appears on."""
    from gavah.casualties.people import People, person_dict
    from gavah.text import spreadsheet

    if as_json:
        fmt = "json"
    if fmt not in ("table", "csv", "json"):
        raise InputError(f"unknown --format {fmt!r}", hint="table, csv or json")
    found, about = People(open_vault(ctx)).people(
        lists=_names(lists_opt), threshold=threshold, run=run
    )
    rows = [person_dict(p) for p in found]
    if fmt == "json":
        print_json({**about, "people": len(rows), "register": rows})
    elif fmt == "csv":
        writer = spreadsheet.writer(sys.stdout)  # names from lists: no formulas
        writer.writerow(["id", "lists", "records", "name", "name_fa", "date", "province"])
        for r in rows:
            writer.writerow(
                [
                    r["id"],
                    ";".join(r["lists"]),
                    ";".join(r["records"]),
                    r["name"],
                    r["name_fa"],
                    r["date"],
                    r["province"],
                ]
            )
    else:
        say(_counted(about))
        table = Table("person", "lists", "name", "name_fa", "date")
        for r in rows[:200]:
            table.add_row(
                *(
                    printable(str(v or ""))
                    for v in (r["id"], ", ".join(r["lists"]), r["name"], r["name_fa"], r["date"])
                )
            )
        out.print(table)
        if len(rows) > 200:
            say(f"… and {len(rows) - 200:,} more (use --format csv for all)")


def _counted(about: dict[str, Any]) -> str:
    """The register's count, and how far the pairs awaiting review could lower it."""
    from gavah.casualties.mse.guards import LOOKS_ALIKE_FROM

    threshold = f"{about['threshold']:g}"
    line = (
        f"{about['people']:,} distinct people from {about['records']:,} records "
        f"(linkage run {about['run']}, threshold {threshold})"
    )
    waiting = about["pairs_awaiting_review"]
    if not waiting:
        return line
    scored = f"scored {LOOKS_ALIKE_FROM:g} to {threshold}"
    pairs = (
        f"1 pair of records {scored} awaits"
        if waiting == 1
        else f"{waiting:,} pairs of records {scored} await"
    )
    return (
        f"{line}; {pairs} review: if each pair were one person, "
        f"{about['people_if_review_joins']:,} people"
    )
