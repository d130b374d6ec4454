"""What the registry accepts: the FtM schemata it uses, how one entered value becomes a stored
one, and the checks FollowTheMoney 4 leaves to its users.

FtM cleans single values (``Iran`` becomes ``ir``, a URL gets its scheme) but does not say whether
an entity is complete, whether its dates make sense or whether a link points at anything. Those
checks are here, as tables (which dates may lie in the future, which must be in order) and small
functions over one entity's values. Nothing here reads the database: the caller says which
entities exist (``schema_of``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import secrets
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

from followthemoney import model as ftm_model
from followthemoney.property import Property
from followthemoney.proxy import EntityProxy
from followthemoney.schema import Schema
from followthemoney.statement import Statement
from followthemoney.types import registry

from gavah.errors import InputError
from gavah.text.dates import ParsedDate, parse_date, to_hijri

# The schemata named in the registry's issue, and Document for evidence items from the vault.
SCHEMATA = (
    "Person",
    "PublicBody",  # IRGC and its provincial corps, Basij, FARAJA units, courts, prisons
    "Organization",
    "Company",  # front companies
    "Position",  # "judge, Branch 15, Revolutionary Court of Tehran"
    "Occupancy",  # who held a position, when
    "Membership",
    "Employment",
    "Directorship",
    "Ownership",
    "Asset",
    "RealEstate",
    "Event",  # incidents
    "Sanction",  # designations
    "Documentation",  # an evidence item documents an entity, in a role
    "Document",  # an evidence item of the vault
)
_BY_LOWER = {name.lower(): name for name in SCHEMATA}

# The relationships `link` makes: (the property it starts from, the property it points to).
LINKS: dict[str, tuple[str, str]] = {
    "Occupancy": ("holder", "post"),
    "Membership": ("member", "organization"),
    "Employment": ("employee", "employer"),
    "Directorship": ("director", "organization"),
    "Ownership": ("owner", "asset"),
    "Documentation": ("document", "entity"),
}

# Dates that may lie in the future: the planned end of a designation or of an elected term.
FUTURE_DATES = frozenset({("Sanction", "endDate"), ("Occupancy", "periodEnd")})
# Where both dates of a pair are given, the first may not come after the second.
DATE_ORDER = (
    ("birthDate", "deathDate"),
    ("startDate", "endDate"),
    ("periodStart", "periodEnd"),
    ("inceptionDate", "dissolutionDate"),
    ("incorporationDate", "dissolutionDate"),
)
EARLIEST_YEAR = 1800  # no entity of this registry acts before it: an earlier year is a typo
EARLIEST_BIRTH_YEAR = 1900
ID_LENGTH = 100  # registry_entity.id
SOURCE_LENGTH = 200  # registry_statement.source
PERSIAN = "fas"  # ISO 639-3, as FtM's language type and OpenSanctions' statements write it
DATASET = "gavah"  # the FtM dataset name in statement ids

_TEXT_TYPES = frozenset({registry.name, registry.string, registry.text, registry.address})
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]")
_KEEP = {"day": 10, "month": 7, "year": 4}  # ISO prefix length for a date's precision
_TYPE_HINTS = {
    "gender": "male, female or other",
    "country": "a country's name or two-letter code, e.g. Iran or ir",
    "entity": "an entity id of letters, digits, '.' and '-' (see gavah registry list)",
    "url": "a web address",
    "number": "a number in ASCII digits",
    "topic": "an FtM topic such as role.pep, role.oligarch or sanction",
}


class Invalid(Exception):
    """A value or an entity the registry refuses; the message starts with the property's name."""


@dataclass(frozen=True)
class Value:
    """One value as stored: FtM's clean form, the text entered where it differs, the language of
    text in Persian script."""

    value: str
    original: str | None
    lang: str | None


def schema(name: str) -> Schema:
    """One of :data:`SCHEMATA`, by name in any case; InputError names the others otherwise."""
    found = ftm_model.get(_BY_LOWER.get(name.strip().lower(), ""))
    if found is None:
        raise InputError(
            f"schema {name!r} is not used by the registry",
            hint=f"use one of: {', '.join(SCHEMATA)}",
        )
    return found


def writable(entity_schema: Schema, name: str) -> Property:
    """A property one may set on ``entity_schema``; reverse and hidden ones are FtM's own."""
    prop = entity_schema.properties.get(name)
    if prop is None or prop.stub or prop.hidden:
        names = [p.name for p in entity_schema.properties.values() if not (p.stub or p.hidden)]
        close = difflib.get_close_matches(name, names, n=3)
        also = f" (did you mean {', '.join(close)}?)" if close else ""
        raise Invalid(f"{name}: a {entity_schema.name} has no such property{also}")
    return prop


def read(entity_schema: Schema, name: str, raw: str) -> list[Value]:
    """One entered value as the registry stores it. A Solar Hijri month or year becomes the
    Gregorian months or years it overlaps (FtM's way to say "one of these"), each with the
    original kept. Raises :class:`Invalid` naming the property."""
    prop = writable(entity_schema, name)
    text = raw.strip()
    if not text:
        raise Invalid(f"{name}: the value is empty")
    if prop.type == registry.date:
        cleaned = _dates(name, text)
    else:
        value = prop.type.clean(text)
        if value is None:
            hint = _TYPE_HINTS.get(prop.type.name)
            raise Invalid(
                f"{name}: cannot read {text!r} as a {prop.type.name}"
                + (f" ({hint})" if hint else "")
            )
        cleaned = [value]
    for value in cleaned:
        if len(value) > prop.max_length:
            raise Invalid(f"{name}: {len(value)} characters, longer than {prop.max_length}")
    return [Value(v, text if text != v else None, _lang(prop, v)) for v in cleaned]


def in_persian(text: str) -> bool:
    """Whether text is (partly) in Arabic script, which the registry takes to be Persian."""
    return _ARABIC_SCRIPT.search(text) is not None


def _lang(prop: Property, value: str) -> str | None:
    # Latin script cannot tell a transliteration from English, so it gets no language.
    return PERSIAN if prop.type in _TEXT_TYPES and in_persian(value) else None


def _dates(name: str, text: str) -> list[str]:
    try:
        parsed = parse_date(text)
    except InputError as exc:
        if _ISO_TIME.match(text) and (cleaned := registry.date.clean(text)):
            return [cleaned]  # a timestamp such as 2022-09-16T10:00, read by FtM
        raise Invalid(f"{name}: {exc.message}") from None
    if parsed.calendar == "gregorian" or parsed.precision == "day":
        return [parsed.iso[: _KEEP[parsed.precision]]]
    return _overlapped(parsed)


def _overlapped(parsed: ParsedDate) -> list[str]:
    """The Gregorian months (or years) a Solar Hijri month (or year) overlaps: 1401/06 runs from
    2022-08-23 to 2022-09-22, so it is stored as 2022-08 and 2022-09."""
    year, month, _ = (int(part) for part in to_hijri(parsed.iso).split("/"))
    if parsed.precision == "month":
        following, keep = f"{year + month // 12}/{month % 12 + 1}", 7
    else:
        following, keep = f"{year + 1}", 4
    start = parse_date(following, "solar_hijri").iso
    last = dt.date.fromisoformat(start) - dt.timedelta(days=1)
    first_value, last_value = parsed.iso[:keep], last.isoformat()[:keep]
    return [first_value] if first_value == last_value else [first_value, last_value]


# --- checks of a whole entity ------------------------------------------------------------------


def check(
    entity_schema: Schema,
    entity_id: str,
    values: Mapping[str, Collection[str]],
    schema_of: Callable[[str], str | None],
    today: dt.date,
) -> list[str]:
    """Every problem of one entity as its values would stand, each naming the property."""
    if not any(values.values()) and not entity_schema.required:
        return ["the entity has no values: give at least one property"]
    return [
        *_missing(entity_schema, values),
        *_implausible_dates(entity_schema, values, today),
        *_bad_links(entity_schema, entity_id, values, schema_of),
    ]


def _missing(entity_schema: Schema, values: Mapping[str, Collection[str]]) -> list[str]:
    return [
        f"{name}: required for a {entity_schema.name}, give at least one value"
        for name in sorted(entity_schema.required)
        if not values.get(name)
    ]


def _implausible_dates(
    entity_schema: Schema, values: Mapping[str, Collection[str]], today: dt.date
) -> list[str]:
    problems = []
    for name, found in sorted(values.items()):
        prop = entity_schema.properties.get(name)
        if prop is None or prop.type != registry.date:
            continue
        earliest = EARLIEST_BIRTH_YEAR if name == "birthDate" else EARLIEST_YEAR
        for value in sorted(found):
            if int(value[:4]) < earliest:
                problems.append(f"{name}: {value} is before {earliest}, which is not plausible")
            elif (entity_schema.name, name) not in FUTURE_DATES and _after(
                value, today.isoformat()
            ):
                problems.append(f"{name}: {value} is in the future")
    for first, second in DATE_ORDER:
        starts, ends = values.get(first), values.get(second)
        if starts and ends and _after(min(starts), max(ends)):
            problems.append(f"{first}: {min(starts)} is after {second} {max(ends)}")
    return problems


def _after(left: str, right: str) -> bool:
    """Whether ISO date ``left`` is after ``right`` at the precision both have (2022 is not after
    2022-05-01)."""
    n = min(len(left), len(right), 10)
    return left[:n] > right[:n]


def _bad_links(
    entity_schema: Schema,
    entity_id: str,
    values: Mapping[str, Collection[str]],
    schema_of: Callable[[str], str | None],
) -> list[str]:
    problems = []
    for name, found in sorted(values.items()):
        prop = entity_schema.properties.get(name)
        if prop is None or prop.type != registry.entity:
            continue
        for target in sorted(found):
            problems.extend(_bad_link(entity_schema, entity_id, prop, target, schema_of(target)))
    return problems


def _bad_link(
    entity_schema: Schema, entity_id: str, prop: Property, target: str, kind: str | None
) -> list[str]:
    if target == entity_id:
        return [f"{prop.name}: points at the entity itself"]
    target_schema = ftm_model.get(kind) if kind else None
    if target_schema is None:
        return [f"{prop.name}: there is no entity {target} in the registry"]
    if prop.range is not None and not target_schema.is_a(prop.range):
        return [
            f"{prop.name}: {target} is a {kind}, but a {entity_schema.name}'s {prop.name} "
            f"must be a {prop.range.name}"
        ]
    return []


# --- entities and statements ---------------------------------------------------------------------


def proxy(schema_name: str, entity_id: str, values: Mapping[str, Iterable[str]]) -> EntityProxy:
    """The FtM entity with these (already clean) values, in sorted order."""
    entity = ftm_model.make_entity(schema_name)
    entity.id = entity_id
    for name in sorted(values):
        entity.add(name, sorted(values[name]), cleaned=True, quiet=True)
    return entity


def caption(schema_name: str, entity_id: str, values: Mapping[str, Iterable[str]]) -> str:
    return str(proxy(schema_name, entity_id, values).caption)


def entity_id(text: str) -> str:
    """An entity id as FtM accepts it and the registry's table holds it."""
    cleaned = registry.entity.clean(text.strip())
    if cleaned is None or len(cleaned) > ID_LENGTH:
        raise InputError(
            f"{text!r} is not usable as an entity id",
            hint=f"use up to {ID_LENGTH} letters, digits, '.' and '-', starting and ending with "
            "a letter or digit",
        )
    return cleaned


def new_id() -> str:
    return f"reg-{secrets.token_hex(8)}"


def link_id(schema_name: str, values: Mapping[str, Iterable[str]]) -> str:
    """The id of a relationship, derived from its ends, role and dates: linking the same again
    asserts the same entity, a second term in the same post is another."""
    parts = [schema_name, *(f"{k}={v}" for k in sorted(values) for v in sorted(values[k]))]
    return "reg-" + hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def document_id(evidence_id: str) -> str:
    """The Document entity that stands for an evidence item of the vault."""
    return f"doc-{evidence_id}"


def statement_id(entity: str, prop: str, value: str, source: str | None) -> str:
    """FtM's statement key (SHA-1 over dataset, entity, property and value), with the source in
    the dataset part: one statement per entity, property, value and source."""
    dataset = f"{DATASET}:{source}" if source else DATASET
    key = Statement.make_key(dataset, entity, prop, value, False)
    if key is None:
        raise ValueError("a statement needs a property and a value")
    return key
