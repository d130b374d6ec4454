"""Evidence through the JSON API: the same checks and custody events as the pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from gavah.accounts import Principal
from gavah.intake import uploads
from gavah.web.api import models as m
from gavah.web.context import signed_in, state
from gavah.web.failures import ERROR_RESPONSES
from gavah.web.pages.items import evidence_for, filters_from, json_attachment, send_original

router = APIRouter(prefix="/api/v1", tags=["evidence"], responses=ERROR_RESPONSES)
Kind = Literal["image", "video", "audio", "document", "other"]


@router.get("/me", response_model=m.Me)
def me(who: Principal = Depends(signed_in)) -> m.Me:
    """The account this request acts as, and its roles."""
    return m.Me(
        name=who.name,
        admin=who.is_admin,
        language=who.language,
        grants=dict(who.grants),
        via=who.via,
    )


@router.get("/items", response_model=m.ItemList)
def list_items(
    request: Request,
    who: Principal = Depends(signed_in),
    q: Annotated[str, Query(max_length=500, description="words, Persian or English")] = "",
    kind: Kind | None = None,
    collection: Annotated[str | None, Query(max_length=200)] = None,
    source: Annotated[str | None, Query(max_length=4000)] = None,
    date_from: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    before: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> m.ItemList:
    """Items in the collections this account may see, newest first; `q` searches file names,
    notes, sources, descriptions and extracted metadata."""
    filters = filters_from(who, q, kind, collection, source, date_from, date_to, before, limit)
    page = evidence_for(request, who).page(filters)
    items = [
        m.ItemSummary(
            id=h.evidence_id,
            collection=h.collection,
            filename=h.filename,
            source=h.source,
            mime=h.mime,
            size=h.size,
            created_at=h.created_at,
        )
        for h in page.hits
    ]
    return m.ItemList(items=items, next_before=page.next_before)


@router.get("/items/{ref}", response_model=m.ItemDetail)
def get_item(request: Request, ref: str, who: Principal = Depends(signed_in)) -> Any:
    """One item, its acquisitions and its custody timeline. This view is a custody event."""
    return evidence_for(request, who).view(ref, via="api")


@router.get(
    "/items/{ref}/content",
    response_class=Response,
    responses={
        200: {
            # The stored type (text/plain, image/jpeg...); application/octet-stream for types a
            # browser would render actively (HTML, SVG, PDF...).
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            "description": "the original, as an attachment",
        }
    },
)
def get_content(request: Request, ref: str, who: Principal = Depends(signed_in)) -> Response:
    """The original bytes, as an attachment. A custody event."""
    evidence = evidence_for(request, who)
    return send_original(evidence, evidence.download(ref, via="api"))


@router.get(
    "/items/{ref}/proof",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def get_proof(request: Request, ref: str, who: Principal = Depends(signed_in)) -> Response:
    """The inclusion proof of the item's ingest under the newest signed checkpoint; check it
    with `gavah verify-proof`. A custody event."""
    bundle = evidence_for(request, who).proof(ref, via="api")
    return json_attachment(bundle, f"{bundle['evidence']['id']}.proof.json")


@router.get(
    "/items/{ref}/custody-report",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def get_report(request: Request, ref: str, who: Principal = Depends(signed_in)) -> Response:
    """Every custody event of the item with its proof (an export). A custody event."""
    report = evidence_for(request, who).custody_report(ref, via="api")
    return json_attachment(report, f"{report['evidence']['id']}.custody-report.json")


@router.put("/items/{ref}/description", response_model=m.Done)
def put_description(
    request: Request, ref: str, body: m.Description, who: Principal = Depends(signed_in)
) -> m.Done:
    """Change the item's description in a collection, or in every collection holding it where
    this account may describe (a custody event each, carrying the new text); each collection's
    description is seen only by those who see that collection."""
    evidence_for(request, who).describe(ref, body.description, body.collection or None)
    return m.Done()


@router.get("/collections", response_model=list[m.Collection])
def get_collections(request: Request, who: Principal = Depends(signed_in)) -> list[m.Collection]:
    """The collections this account may see, with how many items each holds."""
    return [m.Collection(name=n, items=c) for n, c in evidence_for(request, who).collections()]


@router.get("/uploads/{upload_id}", response_model=m.UploadReceipt, tags=["uploads"])
def get_upload(request: Request, upload_id: str, who: Principal = Depends(signed_in)) -> Any:
    """What a finished upload of this account's became (uploads themselves use tus 1.0 at
    /uploads/)."""
    folder = uploads.account_folder(state(request).settings.uploads_dir, who.account_id)
    return uploads.receipt(folder, upload_id)
