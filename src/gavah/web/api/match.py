"""``POST /match/{dataset}``: yente's matching API, answered from gavah's sanctions lists.

Clients written for OpenSanctions' yente work against gavah: the same request (``queries`` of
FtM examples, ``threshold``, ``limit`` and yente's other parameters) and the same response
(``responses`` per query key with ``status``, ``results``, ``total`` and ``query``). Each result
also carries gavah's ``explanation`` (the reasons, in words), its ``decision`` and the legal
``regimes`` of its designation. ``dataset`` is a list's name, or ``default`` for every list.

Authentication is an API token, as ``Authorization: Bearer TOKEN`` or yente's ``Authorization:
ApiKey TOKEN``. Only the lists are searched (gavah.sanctions.examples), so every signed-in
account may ask; each request is written to the audit trail with the lists and snapshots it
searched and the SHA-256 of the request body, not the names asked about.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from gavah.accounts import Accounts, Principal
from gavah.errors import InputError, TooLarge
from gavah.sanctions import examples
from gavah.sanctions.index import Indexes, StoredIndex
from gavah.sanctions.store import Sanctions
from gavah.vault import Vault
from gavah.web.api.models import UtcDatetime
from gavah.web.context import client_ip, signed_in, state
from gavah.web.failures import ERROR_RESPONSES

router = APIRouter(tags=["matching (yente-compatible)"], responses=ERROR_RESPONSES)
MAX_BODY = 1 << 20  # bytes: a hundred queries of fifty names each fit many times over
AUDIT_KIND = "sanctions-match"


class Example(BaseModel):
    """An FtM entity given by example, as yente takes it."""

    model_config = ConfigDict(populate_by_name=True)
    id: str | None = Field(None, max_length=200)
    schema_: str = Field(alias="schema", max_length=60, examples=["Person"])
    properties: dict[str, str | list[Any]] = Field(examples=[{"name": ["John Doe"]}])


class MatchQuery(BaseModel):
    """yente's EntityMatchQuery. ``weights`` and ``config`` tune yente's own algorithms: gavah
    accepts and ignores them (its weights are fitted, docs/sanctions.md)."""

    queries: dict[str, Example | None]
    weights: dict[str, float] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)


class Total(BaseModel):
    value: int
    relation: str = "eq"


class ScoredEntity(BaseModel):
    """A list entry found, in yente's ScoredEntityResponse shape, plus gavah's reasons."""

    model_config = ConfigDict(populate_by_name=True)
    id: str
    caption: str
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str]]
    datasets: list[str]
    referents: list[str] = Field(description="gavah's reference: list:LIST:SOURCE_ID")
    target: bool = True
    first_seen: UtcDatetime | None = None
    last_seen: UtcDatetime | None = Field(None, description="when the snapshot was imported")
    last_change: UtcDatetime | None = None
    score: float
    match: bool = Field(description="gavah decided 'match' (at or above threshold, if given)")
    features: dict[str, float] = Field(description="the calibrated model's feature values")
    decision: str = Field(description="match or candidate (a person must review it)")
    explanation: list[str] = Field(description="why, in words, as gavah sanctions screen says")
    regimes: list[str] = Field(description="terrorism, human-rights, proliferation or other")
    programs: list[str]
    listed_on: str | None


class QueryMatches(BaseModel):
    status: int = 200
    results: list[ScoredEntity]
    total: Total
    query: Example


class FeatureDoc(BaseModel):
    description: str
    coefficient: float
    url: str


class MatchResponse(BaseModel):
    responses: dict[str, QueryMatches]
    matcher: dict[str, FeatureDoc]
    limit: int


_BODY_SCHEMA = {
    "type": "object",
    "required": ["queries"],
    "properties": {
        "queries": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["schema", "properties"],
                "properties": {
                    "id": {"type": "string"},
                    "schema": {"type": "string", "example": "Person"},
                    "properties": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                        "example": {"name": ["John Doe"], "birthDate": ["1975-04-21"]},
                    },
                },
            },
        },
        "weights": {"type": "object", "additionalProperties": {"type": "number"}},
        "config": {"type": "object"},
    },
}


@router.post(
    "/match/{dataset}",
    response_model=MatchResponse,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _BODY_SCHEMA}}}
    },
)
async def match(
    request: Request,
    response: Response,
    dataset: str,
    who: Principal = Depends(signed_in),
    limit: Annotated[int, Query(ge=1, le=examples.MAX_LIMIT)] = examples.DEFAULT_LIMIT,
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0)] = None,
    cutoff: Annotated[float | None, Query(ge=0.0, le=1.0, deprecated=True)] = None,
    algorithm: Annotated[str, Query(max_length=60, description="accepted; gavah's is used")] = "",
    include_dataset: Annotated[list[str], Query()] = [],  # noqa: B006 (FastAPI copies it)
    exclude_dataset: Annotated[list[str], Query()] = [],  # noqa: B006
    exclude_schema: Annotated[list[str], Query()] = [],  # noqa: B006
    exclude_entity_ids: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
    topics: Annotated[list[str], Query(description="accepted; every entry is a sanction")] = [],  # noqa: B006
    changed_since: Annotated[str | None, Query(max_length=40, description="accepted")] = None,
) -> Any:
    """Match entities given by example against the sanctions lists, as yente's `/match` does.
    `dataset` is a list's name or `default` (every list). Authenticate with `Authorization:
    Bearer TOKEN` or `Authorization: ApiKey TOKEN`."""
    body, digest = await _body(request)
    options = examples.Options(
        limit=limit,
        threshold=threshold,
        cutoff=cutoff,
        exclude_schema=frozenset(exclude_schema),
        exclude_entity_ids=frozenset(exclude_entity_ids),
    )
    answer = await run_in_threadpool(
        _answer, request, who, dataset, (body, digest), options, include_dataset, exclude_dataset
    )
    response.headers["x-batch-size"] = str(len(answer.responses))
    return answer


async def _body(request: Request) -> tuple[MatchQuery, str]:
    """The request body, checked, and its SHA-256."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise TooLarge(f"the request body is over {MAX_BODY:,} bytes", hint="send fewer queries")
    try:
        body = MatchQuery.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise InputError(
            f"the request body is not a yente match query: {problems}",
            hint='send {"queries": {"key": {"schema": "Person", "properties": {"name": [...]}}}}',
        ) from None
    queries = {k: q for k, q in body.queries.items() if q is not None}
    if not queries:
        raise InputError("no queries given", hint="put at least one example under 'queries'")
    if len(queries) > examples.MAX_QUERIES:
        raise InputError(f"too many queries in one request (at most {examples.MAX_QUERIES})")
    return body.model_copy(update={"queries": queries}), hashlib.sha256(raw).hexdigest()


def _answer(
    request: Request,
    who: Principal,
    dataset: str,
    asked: tuple[MatchQuery, str],
    options: examples.Options,
    include: list[str],
    exclude: list[str],
) -> MatchResponse:
    body, digest = asked
    web = state(request)
    sanctions = Sanctions(Vault(web.workspace, who.actor))
    known = {lst["name"]: lst for lst in sanctions.lists()}
    names = examples.lists_for(dataset, list(known), include, exclude)
    queries = {
        key: examples.query_record(key, q.model_dump(by_alias=True))
        for key, q in body.queries.items()
        if q is not None
    }  # every query is read before anything is searched: one bad query refuses the request
    index = _indexes(request, sanctions).of_lists(names)
    seen = {n: _imported(known[n]) for n in names}
    responses = {}
    for key, query in queries.items():
        total, found = examples.match_one(index, query, options)
        responses[key] = QueryMatches(
            results=[_result(f, options, seen) for f in found],
            total=Total(value=total),
            query=body.queries[key],  # type: ignore[arg-type]  # None were left out
        )
    _audit(request, who, (dataset, digest), names, index, len(queries))
    return MatchResponse(
        responses=responses,
        matcher={k: FeatureDoc(**v) for k, v in examples.feature_docs().items()},
        limit=options.limit,
    )


def _result(
    found: examples.Found, options: examples.Options, seen: dict[str, datetime | None]
) -> ScoredEntity:
    m, entity = found.match, found.entry["entity"]
    return ScoredEntity(
        id=found.entity_id,
        caption=m.right.name,
        schema=str(entity.get("schema")),
        properties={k: [str(v) for v in vs] for k, vs in entity.get("properties", {}).items()},
        datasets=[m.right.source],
        referents=[m.right.ref],
        last_seen=seen.get(m.right.source),
        score=round(m.score, 4),
        match=examples.is_match(found, options),
        features=found.features,
        decision=m.decision,
        explanation=list(m.explanation),
        regimes=list(found.regimes),
        programs=list(m.right.extra.get("programs", ())),
        listed_on=m.right.extra.get("listed_on"),
    )


def _imported(listed: dict[str, Any]) -> datetime | None:
    snapshots = listed.get("snapshots") or []
    return datetime.fromisoformat(snapshots[-1]["imported_at"]) if snapshots else None


_INDEXES_LOCK = threading.Lock()


def _indexes(request: Request, sanctions: Sanctions) -> Indexes:
    """The app's stored indexes, loaded once and kept while current (Indexes checks each
    request's lists against their latest snapshots)."""
    with _INDEXES_LOCK:
        found: Indexes | None = getattr(request.app.state, "sanctions_indexes", None)
        if found is None:
            found = Indexes(sanctions)
            request.app.state.sanctions_indexes = found
        return found


def _audit(
    request: Request,
    who: Principal,
    asked: tuple[str, str],
    names: list[str],
    index: StoredIndex,
    queries: int,
) -> None:
    """The audit trail keeps who asked, when, from where, against which snapshots, and the
    digest of what was asked (a client that kept its request can show it), never the names."""
    dataset, digest = asked
    snapshots = {m["list"]: m["snapshot"] for m in index.manifests}
    with state(request).workspace.db.write() as session:
        Accounts.audit(
            session,
            AUDIT_KIND,
            who.name,
            who.actor,
            client_ip(request),
            dataset=dataset,
            lists=names,
            snapshots=snapshots,
            queries=queries,
            via=who.via,
            request_sha256=digest,
        )
