"""Evidence pages: the list with filters and search, one item with its preview, hashes and
custody timeline, and the ways its bytes and proofs leave the workspace."""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from gavah import search
from gavah.accounts import Can, Principal
from gavah.errors import InputError
from gavah.media import preview as previews
from gavah.media import transcode
from gavah.text.dates import parse_date
from gavah.web.context import check_ticket, preview_ticket, signed_in, state
from gavah.web.evidence import Evidence, Original
from gavah.web.pages.render import render
from gavah.web.serving import SANDBOX_CSP, content_disposition, download_type

router = APIRouter(include_in_schema=False)
KINDS = search.KINDS


def evidence_for(request: Request, me: Principal) -> Evidence:
    return Evidence(state(request).workspace, me)


def parse_day(text: str | None, field: str) -> date | None:
    """A date typed in a filter: Gregorian or Solar Hijri (۱۴۰۵/۰۹/۰۳), as the text module reads."""
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(parse_date(text.strip()).iso[:10])
    except (InputError, ValueError):
        raise InputError(
            f"the {field} date {text[:40]!r} cannot be read",
            hint="write it as 2026-01-08 or ۱۴۰۴/۱۰/۱۸",
        ) from None


def filters_from(
    me: Principal,
    q: str,
    kind: str | None,
    collection: str | None,
    source: str | None,
    date_from: str | None,
    date_to: str | None,
    before: int | None,
    limit: int = 50,
) -> search.Filters:
    if kind and kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}", hint=f"choose one of {', '.join(KINDS)}")
    return search.Filters(
        collections=me.collections(Can.SEE),
        q=q,
        kind=kind or None,
        collection=collection or None,
        source=source or None,
        date_from=parse_day(date_from, "from"),
        date_to=parse_day(date_to, "to"),
        before=before,
        limit=limit,
    )


def _one_row_per_item(hits: list[search.Hit]) -> list[tuple[search.Hit, list[str]]]:
    """Each item once, with every collection it was found in on this page (a file two of the
    reader's collections hold is one item, not two), in the order of its first hit."""
    rows: dict[str, tuple[search.Hit, list[str]]] = {}
    for hit in hits:
        if hit.evidence_id in rows:
            rows[hit.evidence_id][1].append(hit.collection)
        else:
            rows[hit.evidence_id] = (hit, [hit.collection])
    return list(rows.values())


@router.get("/items", response_class=HTMLResponse)
def items_page(
    request: Request,
    me: Principal = Depends(signed_in),
    q: Annotated[str, Query(max_length=500)] = "",
    kind: str | None = None,
    collection: Annotated[str | None, Query(max_length=200)] = None,
    source: Annotated[str | None, Query(max_length=4000)] = None,
    date_from: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    before: int | None = None,
) -> Response:
    evidence = evidence_for(request, me)
    filters = filters_from(me, q, kind, collection, source, date_from, date_to, before)
    page = evidence.page(filters)
    context: dict[str, Any] = {
        "page": page,
        "rows": _one_row_per_item(page.hits),
        "filters": {
            "q": q,
            "kind": kind or "",
            "collection": collection or "",
            "source": source or "",
            "from": date_from or "",
            "to": date_to or "",
        },
        "kinds": KINDS,
        "next_href": _next_href(request, page.next_before),
    }
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "results":
        return render(request, "_results.html", **context)
    return render(
        request,
        "items.html",
        collections=evidence.collections(),
        sources=evidence.sources(),
        **context,
    )


@router.get("/collections", response_class=HTMLResponse)
def collections_page(request: Request, me: Principal = Depends(signed_in)) -> Response:
    """The collections one may see, with how many items each holds and one's role in it."""
    shown = evidence_for(request, me).collections()
    rows = [(name, count, me.role_in(name)) for name, count in shown]
    return render(request, "collections.html", rows=rows)


def _next_href(request: Request, before: int | None) -> str | None:
    if before is None:
        return None
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "before"]
    return "/items?" + urlencode([*params, ("before", str(before))])


@router.get("/items/{ref}", response_class=HTMLResponse)
def item_page(request: Request, ref: str, me: Principal = Depends(signed_in)) -> Response:
    item = evidence_for(request, me).view(ref, via="web page")
    preview = previews.kind_of(item["mime"], item["size"])
    converted = None  # the codec browsers cannot play, when the preview is a WebM copy
    if preview in ("video", "audio"):
        converted = transcode.unplayable(item["metadata"])
        if converted and transcode.too_long(item["metadata"]):
            preview = "too-long"
    text: tuple[list[str], bool] | None = None
    if preview == "text":  # shown in the page itself, escaped: no second request
        evidence = evidence_for(request, me)
        original = evidence.check_preview(item["id"])
        head = evidence.read_head(original, previews.TEXT_PREVIEW_BYTES)
        text = previews.text_preview(head, complete=len(head) == original.size)
    needs_ticket = preview in ("image", "pdf", "video", "audio")
    ticket = preview_ticket(state(request), me, item["id"]) if needs_ticket else None
    metadata = json.dumps(item["metadata"], ensure_ascii=False, indent=2)
    return render(
        request,
        "item.html",
        item=item,
        preview=preview,
        ticket=ticket,
        text=text,
        converted=converted,
        metadata_json=metadata,
    )


@router.get("/items/{ref}/preview")
async def item_preview(
    request: Request, ref: str, t: str = "", me: Principal = Depends(signed_in)
) -> Response:
    evidence = evidence_for(request, me)
    original = await run_in_threadpool(evidence.check_preview, ref)
    check_ticket(state(request), me, original.evidence_id, t)
    kind = previews.kind_of(original.mime, original.size)
    headers = {"Content-Security-Policy": SANDBOX_CSP, "Cache-Control": "private, no-store"}
    if kind in ("image", "pdf"):
        png = await run_in_threadpool(_render_preview, evidence, original, kind)
        return Response(png, media_type="image/png", headers=headers)
    if kind in ("video", "audio") and transcode.unplayable(original.metadata):
        if transcode.too_long(original.metadata):
            raise InputError("this recording is too long to convert here", hint="download it")
        copy = state(request).settings.workspace / "previews" / f"{original.sha256}.webm"
        if not copy.exists():
            await run_in_threadpool(_make_webm, evidence, original, copy)
        media = "video/webm" if _has_video(original.metadata) else "audio/webm"
        return FileResponse(copy, media_type=media, headers=headers)
    if kind in ("video", "audio"):
        headers["Content-Disposition"] = content_disposition("inline", "preview", "preview")
        return StreamingResponse(
            evidence.stream(original), media_type=original.mime, headers=headers
        )
    raise InputError("this item has no preview", hint="download it to look at it")


def _make_webm(evidence: Evidence, original: Original, copy: Path) -> None:
    with evidence.store.open(original.sha256) as src:
        transcode.webm_copy(src, copy)


def _has_video(metadata: dict[str, Any]) -> bool:
    streams = (metadata.get("av") or {}).get("streams") or []
    return any(isinstance(s, dict) and s.get("type") == "video" for s in streams)


def _render_preview(evidence: Evidence, original: Original, kind: str) -> bytes:
    data = evidence.read_all(original)
    if kind == "pdf":
        return previews.pdf_preview(data)
    import io

    return previews.image_preview(io.BytesIO(data))


def send_original(evidence: Evidence, original: Original) -> StreamingResponse:
    headers = {
        "Content-Disposition": content_disposition(
            "attachment", original.filename, original.evidence_id
        ),
        "Content-Length": str(original.size),
        "Content-Security-Policy": SANDBOX_CSP,
    }
    return StreamingResponse(
        evidence.stream(original), media_type=download_type(original.mime), headers=headers
    )


@router.get("/items/{ref}/download")
def item_download(request: Request, ref: str, me: Principal = Depends(signed_in)) -> Response:
    evidence = evidence_for(request, me)
    return send_original(evidence, evidence.download(ref, via="web download"))


def json_attachment(data: dict[str, Any], filename: str) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    headers = {"Content-Disposition": content_disposition("attachment", filename, "download.json")}
    return Response(body, media_type="application/json", headers=headers)


@router.get("/items/{ref}/proof")
def item_proof(request: Request, ref: str, me: Principal = Depends(signed_in)) -> Response:
    bundle = evidence_for(request, me).proof(ref, via="web proof")
    return json_attachment(bundle, f"{bundle['evidence']['id']}.proof.json")


@router.get("/items/{ref}/custody-report")
def item_report(request: Request, ref: str, me: Principal = Depends(signed_in)) -> Response:
    report = evidence_for(request, me).custody_report(ref, via="web export")
    return json_attachment(report, f"{report['evidence']['id']}.custody-report.json")


@router.get("/items/{ref}/bag")
def item_bag(request: Request, ref: str, me: Principal = Depends(signed_in)) -> Response:
    """The item as a court bag, zipped (BagIt allows a bag to travel as one ZIP): what
    ``gavah export ITEM --bag`` writes, as this reader may see it. It is made in a private
    folder of the workspace, never the system's temporary folder (it holds the original), and
    removed once sent."""
    evidence = evidence_for(request, me)
    exports = state(request).workspace.settings.workspace / "exports"
    exports.mkdir(mode=0o700, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bag-", dir=exports))
    try:
        bagged = evidence.bag([ref], work / "bag", via="web bag")
        name = f"{bagged.items[0]['id']}-bag"
        archive = work / f"{name}.zip"
        _zip_folder(bagged.path, archive, name)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    headers = {"Content-Disposition": content_disposition("attachment", f"{name}.zip", "bag.zip")}
    return FileResponse(
        archive,
        media_type="application/zip",
        headers=headers,
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )


def _zip_folder(folder: Path, archive: Path, top: str) -> None:
    """``folder`` as one ZIP under ``top/``, stored as is (originals are media: compressing
    them costs time and saves nothing)."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, f"{top}/{path.relative_to(folder).as_posix()}")


@router.post("/items/{ref}/description")
def item_describe(
    request: Request,
    ref: str,
    description: Annotated[str, Form(max_length=20000)],
    collection: Annotated[str, Form(max_length=200)] = "",
    me: Principal = Depends(signed_in),
) -> Response:
    evidence_for(request, me).describe(ref, description, collection or None)
    return RedirectResponse(f"/items/{ref}?done=described", status_code=303)
