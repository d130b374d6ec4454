"""Matching entities described by example against the lists: what yente's ``/match`` does.

A query is an FtM entity written as an example (``{"schema": "Person", "properties": {"name":
[...], "birthDate": [...]}}``). It is read into a :class:`~gavah.sanctions.match.Record` like a
registry entity, its candidates come from the lists' stored indexes and each is scored with the
same comparison and the same explanations as ``gavah sanctions screen``. Only the sanctions
lists are searched: never the registry, never a collection, and no human judgement (those are
about the workspace's own records), so an answer says nothing of what the workspace holds.

What is asked is checked whole before anything is searched: an unknown schema or property, a
value that is not text, or a query without a readable name is refused with its key and field
(:class:`~gavah.errors.InputError`): no name must not pass for "no match".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from followthemoney import model, registry
from followthemoney.exc import InvalidData
from followthemoney.proxy import EntityProxy

from gavah.errors import InputError, NotFound
from gavah.sanctions import calibration, match, regimes
from gavah.sanctions.index import Payload, StoredIndex
from gavah.text.name_compare import compare

DEFAULT_DATASET = "default"  # every list, as yente's "default" collection
DEFAULT_LIMIT, MAX_LIMIT = 5, 500  # yente's MATCH_PAGE and MAX_MATCHES
MAX_QUERIES = 100  # yente's MAX_BATCH
MAX_VALUES, MAX_VALUE_CHARS = 50, 1000  # per property of one query


@dataclass(frozen=True)
class Options:
    """yente's query parameters, as gavah reads them.

    ``threshold``: a result is a ``match`` only when gavah decides "match" (something beyond
    the name agrees) and its score is at least this. Results are returned from the lower of
    ``threshold`` and ``cutoff``, or from gavah's own threshold when neither is given."""

    limit: int = DEFAULT_LIMIT
    threshold: float | None = None
    cutoff: float | None = None
    exclude_schema: frozenset[str] = frozenset()
    exclude_entity_ids: frozenset[str] = frozenset()

    @property
    def floor(self) -> float:
        given = [x for x in (self.threshold, self.cutoff) if x is not None]
        return min(given) if given else match.DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Found:
    """One list entry found for a query: its match, stored entry and feature values."""

    match: match.Match
    entry: Payload
    features: dict[str, float] = field(default_factory=dict)
    regimes: tuple[str, ...] = ()

    @property
    def entity_id(self) -> str:
        return str(self.entry["entity"].get("id") or self.entry["ref"])


def lists_for(
    dataset: str,
    known: Sequence[str],
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> list[str]:
    """The lists a query on ``dataset`` searches: one list by its name, or every list for
    ``default``; ``include`` and ``exclude`` narrow them (yente's include_dataset and
    exclude_dataset)."""
    if dataset != DEFAULT_DATASET and dataset not in known:
        raise NotFound(
            f"no sanctions list named {dataset!r}",
            hint="use 'default' for every list, or one of: " + (", ".join(known) or "(none)"),
        )
    chosen = list(known) if dataset == DEFAULT_DATASET else [dataset]
    if include:
        chosen = [n for n in chosen if n in include]
    return [n for n in chosen if n not in exclude]


def query_record(key: str, example: Mapping[str, Any]) -> match.Record:
    """The record of one query (``example``: ``schema``, ``properties``, optionally ``id``)."""
    entity = example_entity(key, example)
    named = entity.get_type_values(registry.name) or entity.get("lastName", quiet=True)
    # Without a name the caption would be the schema's label ("Person"), read as a name.
    found = match.readable(entity, f"query:{key}", "query", key) if named else None
    if found is None:
        raise InputError(
            f"query {key!r}: no name gavah can compare",
            hint="give properties.name (or firstName and lastName) with letters in it",
        )
    return found


def example_entity(key: str, example: Mapping[str, Any]) -> EntityProxy:
    schema = model.get(str(example.get("schema") or ""))
    if schema is None:
        raise InputError(
            f"query {key!r}: unknown schema {example.get('schema')!r}",
            hint="an FtM schema such as Person, Organization, Company, LegalEntity",
        )
    entity = model.make_entity(schema)
    entity.id = str(example.get("id") or key)
    for prop, values in dict(example.get("properties") or {}).items():
        for value in _values(key, prop, values):
            try:
                entity.add(prop, value)
            except InvalidData as exc:
                raise InputError(
                    f"query {key!r}: {schema.name} has no property {prop!r} ({exc})",
                    hint="see https://followthemoney.tech/explorer/ for each schema's properties",
                ) from None
    return entity


def _values(key: str, prop: str, values: Any) -> list[str]:
    given = values if isinstance(values, list) else [values]
    if len(given) > MAX_VALUES:
        raise InputError(f"query {key!r}: more than {MAX_VALUES} values of {prop!r}")
    out = []
    for v in given:
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise InputError(
                f"query {key!r}: properties.{prop} holds {type(v).__name__}, not text",
                hint='write each value as a string, e.g. "birthDate": ["1961"]',
            )
        if len(str(v)) > MAX_VALUE_CHARS:
            raise InputError(f"query {key!r}: a value of {prop!r} is over {MAX_VALUE_CHARS} chars")
        out.append(str(v))
    return out


def match_one(index: StoredIndex, query: match.Record, options: Options) -> tuple[int, list[Found]]:
    """How many entries score at least ``options.floor`` for ``query``, and the best
    ``options.limit`` of them, best first."""
    found = []
    for rec in index.candidates(query, limit=max(match.MAX_CANDIDATES, options.limit)):
        entry = index.payload_of(rec)
        if entry["entity"].get("schema") in options.exclude_schema:
            continue
        if {entry["ref"], entry["entity"].get("id")} & options.exclude_entity_ids:
            continue
        m = match.score(query, rec, index=index)
        if m.score >= options.floor:
            found.append(Found(m, entry, _features(query, rec, index), _regimes(rec)))
    found.sort(key=lambda f: (-f.match.score, f.match.right.ref))
    return len(found), found[: options.limit]


def is_match(found: Found, options: Options) -> bool:
    """yente's ``match``: gavah decided "match", at or above the threshold if one was given."""
    above = options.threshold is None or found.match.score >= options.threshold
    return found.match.decision == "match" and above


def _features(query: match.Record, rec: match.Record, index: StoredIndex) -> dict[str, float]:
    values, _ = match.features(query, rec, compare(query.names, rec.names), index)
    return {k: round(v, 4) for k, v in values.items() if v}


def _regimes(rec: match.Record) -> tuple[str, ...]:
    programs = tuple(rec.extra.get("programs", ()))
    found = regimes.families(rec.source, rec.extra.get("jurisdiction"), programs)
    return tuple(r for r in regimes.FAMILIES if r in found)


def feature_docs() -> dict[str, dict[str, Any]]:
    """yente's ``matcher``: each feature's meaning and weight (the person model's; a body's is
    in docs/sanctions.md)."""
    weights = calibration.models()["person"].weights
    return {
        f.name: {
            "description": f.meaning,
            "coefficient": weights.get(f.name, 0.0),
            "url": "docs/sanctions.md",
        }
        for f in calibration.FEATURES
    }
