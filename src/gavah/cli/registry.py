"""``gavah registry``: the perpetrator registry. People, state units, posts, incidents and
designations as FollowTheMoney entities; every value keeps its source, every change is a custody
event."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from gavah.cli._common import JSON_OPTION, err, open_vault, out, print_json, printable, say
from gavah.errors import InputError

app = typer.Typer(
    help="The perpetrator registry: people, state units (IRGC, Basij, FARAJA, Revolutionary "
    "Courts, prisons), posts, incidents and designations as FollowTheMoney entities. Every value "
    "keeps its source and spelling; every change is a custody event. See docs/registry.md.",
    no_args_is_help=True,
)

SOURCE_OPTION = typer.Option(
    None,
    "--source",
    help="Where the values come from: an evidence item of the vault (ev-...), a list, a report. "
    "Kept with every value.",
)
PROP_HELP = (
    "PROP=VALUE, repeated: one value of an FtM property. Repeat a property for several values, "
    "e.g. a name in Persian script and its Latin transliteration. Dates may be Gregorian "
    "(2022-09-16) or Solar Hijri (1401/06/25, ۲۵ شهریور ۱۴۰۱); the original is kept. Properties "
    "that link (organization, holder, post, entity, ...) take registry ids."
)


def _pairs(items: list[str], option: str, *, empty_ok: bool = False) -> dict[str, list[str]]:
    """PROP=VALUE options into property -> values (a value may itself hold '=' or ',')."""
    found: dict[str, list[str]] = {}
    for item in items:
        prop, sep, value = item.partition("=")
        if not sep or not prop.strip():
            raise InputError(f"{option} {item!r} is not PROP=VALUE", hint=f"e.g. {option} name=...")
        values = found.setdefault(prop.strip(), [])
        if value.strip() or not empty_ok:
            values.append(value)
    return found


def _counts(result: dict[str, Any]) -> str:
    st = result["statements"]
    return (
        f"{st['added']} value(s) added, {st['seen']} asserted again, {st['retracted']} retracted; "
        f"log index {result['log_index']}"
    )


@app.command("add")
def add(
    ctx: typer.Context,
    schema: str = typer.Argument(
        ...,
        help="Person, PublicBody, Organization, Company, Position, Occupancy, Membership, "
        "Employment, Directorship, Ownership, Asset, RealEstate, Event, Sanction, Documentation "
        "or Document.",
    ),
    prop: list[str] = typer.Option([], "--prop", "-p", help=PROP_HELP),
    entity_id: str | None = typer.Option(
        None,
        "--id",
        help="The entity's id (default: a new reg-... id). An existing entity's id asserts its "
        "values again.",
    ),
    source: str | None = SOURCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add an entity: a person, a unit, a post, an incident, a designation.

    Example: gavah registry add Person -p "name=Hossein Example (synthetic)" -p "name=حسین نمونه"
    -p birthDate=1358/01/12 --source ev-0123456789abcdef

    Required properties, plausible dates and links to existing entities are checked; nothing is
    stored unless every check passes, and each problem is named with its property."""
    from gavah.registry.store import Registry

    result = Registry(open_vault(ctx)).add(
        schema, _pairs(prop, "--prop"), source=source, entity_id=entity_id
    )
    if as_json:
        print_json(result)
        return
    verb = "added" if result["created"] else "asserted again"
    say(f"{verb} {result['schema']} {result['id']}: {_counts(result)}")
    for other in result["same_name"]:
        err.print(
            printable(
                f"note: {other} is a {result['schema']} of the same name; if it is the same, "
                f"assert values on it with --id {other} instead of making a second one"
            ),
            markup=False,
        )


@app.command("edit")
def edit(
    ctx: typer.Context,
    entity_id: str = typer.Argument(..., help="The entity's id."),
    add_: list[str] = typer.Option([], "--add", help="PROP=VALUE to add (from --source)."),
    set_: list[str] = typer.Option(
        [],
        "--set",
        help="PROP=VALUE: these become the property's only current values; the others are "
        "retracted. PROP= with no value retracts them all.",
    ),
    remove: list[str] = typer.Option(
        [], "--remove", help="PROP=VALUE to retract, whatever its source."
    ),
    source: str | None = SOURCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change an entity's values: add, replace or retract them.

    Nothing is deleted: a removed value's statements are marked retracted and stay, and who
    retracted them and when is in the custody log."""
    from gavah.registry.store import Registry

    result = Registry(open_vault(ctx)).edit(
        entity_id,
        add=_pairs(add_, "--add"),
        set=_pairs(set_, "--set", empty_ok=True),
        remove=_pairs(remove, "--remove"),
        source=source,
    )
    if as_json:
        print_json(result)
    else:
        say(f"edited {result['schema']} {result['id']}: {_counts(result)}")


@app.command("link")
def link(
    ctx: typer.Context,
    from_id: str = typer.Argument(
        ...,
        help="Where the link starts: the holder, member, employee, director or owner; for "
        "Documentation an evidence item (id or SHA-256 prefix).",
    ),
    to_id: str = typer.Argument(
        ..., help="Where it points: the post, organization, employer, asset or documented entity."
    ),
    schema: str = typer.Option(
        ...,
        "--as",
        help="Occupancy (holder -> post), Membership (member -> organization), Employment "
        "(employee -> employer), Directorship (director -> organization), Ownership (owner -> "
        "asset) or Documentation (evidence item -> entity).",
    ),
    role: str | None = typer.Option(
        None, "--role", help="The role, e.g. 'interrogator' or 'photo of the accused'."
    ),
    start: str | None = typer.Option(
        None, "--start", help="Start date (Gregorian or Solar Hijri)."
    ),
    end: str | None = typer.Option(None, "--end", help="End date (Gregorian or Solar Hijri)."),
    prop: list[str] = typer.Option([], "--prop", "-p", help="Other PROP=VALUE of the link."),
    source: str | None = SOURCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Link two entities, or an evidence item to an entity (Documentation).

    Example: gavah registry link reg-1a2b reg-3c4d --as Occupancy --start 1401/06/25

    Linking the same ends with the same role and dates again asserts the same link."""
    from gavah.registry.store import Registry

    result = Registry(open_vault(ctx)).link(
        schema,
        from_id,
        to_id,
        role=role,
        start_date=start,
        end_date=end,
        properties=_pairs(prop, "--prop"),
        source=source,
    )
    if as_json:
        print_json(result)
    else:
        say(f"linked: {result['schema']} {result['id']}: {_counts(result)}")


@app.command("show")
def show(
    ctx: typer.Context,
    entity_id: str = typer.Argument(..., help="The entity's id."),
    as_json: bool = JSON_OPTION,
) -> None:
    """One entity: its values, where each came from, its links, and its allegations (the
    claims tied to it, each with its computed grade).

    Names in Persian script and Latin letters are shown side by side; every statement with its
    source, original spelling, first and last seen; retracted values; the entities it links to
    and that link to it."""
    from gavah.registry.store import Registry
    from gavah.verify.store import Verification

    vault = open_vault(ctx)
    found = Registry(vault).show(entity_id)
    found["allegations"] = Verification(vault).allegations([found["id"]]).get(found["id"], [])
    if as_json:
        print_json(found)
        return
    say(f"{found['schema']} {found['id']}: {found['caption']}")
    if names := [n["value"] for n in found["names"] if n["prop"] == "name"]:
        say("names: " + " · ".join(names))
    for prop, values in found["properties"].items():
        say(f"{prop}: {', '.join(values)}")
    say("statements:")
    for st in found["statements"]:
        say("  " + _statement_line(st))
    for ref in found["refers_to"]:
        say(f"{ref['prop']} -> {ref.get('schema')} {ref['id']}: {ref.get('caption')}")
    for ref in found["referred_by"]:
        say(f"<- {ref['prop']} of {ref.get('schema')} {ref['id']}")
    for a in found["allegations"]:
        say(
            f"alleged in claim {a['claim']} (incident {a['incident'] or '-'}): {a['statement']}; "
            f"{a['airwars']}, {a['proof']} (gavah claims explain {a['claim']})"
        )


def _statement_line(st: dict[str, Any]) -> str:
    entered = f" (entered as {st['original_value']})" if st["original_value"] else ""
    lang = f" [{st['lang']}]" if st["lang"] else ""
    state = "RETRACTED " if st["retracted"] else ""
    return (
        f"{state}{st['prop']} = {st['value']}{entered}{lang}; source {st['source'] or '-'}; "
        f"first seen {st['first_seen']}, last seen {st['last_seen']} (log index {st['log_index']})"
    )


@app.command("list")
def list_entities(
    ctx: typer.Context,
    schema: str | None = typer.Option(None, "--schema", help="Only this schema, e.g. Person."),
    query: str | None = typer.Option(
        None,
        "--query",
        "-q",
        help="Only entities whose id or a value contains this (Persian letter forms, Latin case "
        "and accents folded).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """The entities of the registry, with their names in both scripts."""
    from gavah.registry.store import Registry

    found = Registry(open_vault(ctx)).list(schema, query)
    if as_json:
        print_json(found)
        return
    if not found:
        say("no entities found" if schema or query else "the registry is empty")
        return
    table = Table("id", "schema", "names")
    for item in found:
        table.add_row(*(printable(v) for v in (item["id"], item["schema"], _label(item))))
    out.print(table)


def _label(item: dict[str, Any]) -> str:
    if item["link"]:
        return f"{', '.join(item['link']['from'])} -> {', '.join(item['link']['to'])}"
    return " · ".join(item["names"]) or str(item["caption"])


@app.command("export")
def export(
    ctx: typer.Context,
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write to this file (default: standard output)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Export every entity as FtM JSON lines, for yente, Aleph and the ftm tools.

    One entity per line, current values only, sorted; the tools load the file as it is. The
    export is a custody event with the SHA-256 of what was written. Evidence items appear as
    Document entities named by their evidence id, never by the file names they arrived under."""
    from gavah.registry.store import Registry

    registry = Registry(open_vault(ctx))
    if output is None:
        if as_json:
            raise InputError("--json needs --output", hint="the entities themselves go to stdout")
        registry.export(sys.stdout)
        return
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as stream:
            count = registry.export(stream)
        os.replace(partial, output)
    except OSError as exc:
        raise InputError(f"{output}: cannot write: {exc.strerror}") from None
    if as_json:
        print_json({"entities": count, "file": str(output)})
    else:
        say(f"exported {count} entities to {output}")


@app.command("import")
def import_file(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="FtM JSON lines: one entity per line."),
    source: str | None = typer.Option(
        None, "--source", help="Where the file came from (kept with its acquisition)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Import FtM entities, whole or not at all.

    The file is kept in the vault and its evidence id becomes the source of every value. Links
    may point at entities earlier or later in the file or already in the registry. Every
    problem is named as FILE:LINE; importing the same file again changes nothing."""
    from gavah.registry.store import Registry

    result = Registry(open_vault(ctx)).import_file(file, source=source)
    if as_json:
        print_json(result)
    elif result["already_imported"]:
        say(f"{file.name} was imported before (log index {result['log_index']}): nothing changed")
    else:
        say(
            f"imported {result['entities']} entities ({result['new_entities']} new) from "
            f"{file.name} (evidence {result['file']['id']}): {_counts(result)}"
        )
