"""Redaction review in the browser: an item's face boxes over the derivative they make, and the
forms that propose, change and approve them, as ``gavah redact propose|show|boxes|approve`` do.

Every form goes through :class:`gavah.publish.redact.Redactions` as the signed-in person
(``web:NAME``), so each step is the same ``redaction.*`` custody event the command line writes,
and a changed box withdraws an approval there too. Need to know as on the item pages: an item in
none of one's collections is "not found"; seeing the page needs the item (its view is logged, as
the item page's is: the picture shows the original outside its boxes); proposing, changing and
approving need the REVIEW right (reviewer, admin) in one of the item's collections.

The picture is the derivative as the boxes now stand (blurred where they are), a PNG made on the
server without metadata; the boxes are drawn over it in SVG, numbered as the CLI numbers them.
No script: the boxes are changed with numeric fields.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from gavah.accounts import Can, Principal
from gavah.errors import InputError, NotFound
from gavah.publish import faces
from gavah.publish.location import PRECISIONS
from gavah.publish.redact import IMAGES, RECORDINGS, Redactions
from gavah.web.context import check_ticket, preview_ticket, signed_in, state
from gavah.web.pages.items import evidence_for
from gavah.web.pages.render import render
from gavah.web.serving import SANDBOX_CSP

router = APIRouter(include_in_schema=False)
MAX_BOXES = 200  # fields a form may send: more is refused, not read
Coordinate = Annotated[str, Form(max_length=12)]


def _redactions(request: Request, me: Principal) -> Redactions:
    return Redactions(evidence_for(request, me).vault)


def _may_review(request: Request, me: Principal, ref: str) -> str:
    """The item's id if the person may change its redaction (REVIEW in one of its
    collections); not found if they may not see it, forbidden if they may only see it."""
    return evidence_for(request, me).require(ref, Can.REVIEW)


def _current(redactions: Redactions, ref: str) -> dict[str, Any] | None:
    try:
        return redactions.show(ref)
    except NotFound:
        return None


@router.get("/items/{ref}/redaction", response_class=HTMLResponse)
def redaction_page(request: Request, ref: str, me: Principal = Depends(signed_in)) -> Response:
    evidence = evidence_for(request, me)
    item = evidence.view(ref, via="web redaction page")
    redactions = _redactions(request, me)
    current = _current(redactions, item["id"])
    size = None
    if current is not None and item["mime"] in IMAGES:
        size = redactions.upright_size(item["id"])
    return render(
        request,
        "redaction.html",
        item=item,
        redaction=current,
        size=size,
        redactable=item["mime"] in IMAGES or item["mime"].startswith(RECORDINGS),
        may_review="review" in item["can"],
        ticket=preview_ticket(state(request), me, item["id"]),
        precisions=PRECISIONS,
    )


@router.get("/items/{ref}/redaction/image")
async def redaction_image(
    request: Request, ref: str, t: str = "", me: Principal = Depends(signed_in)
) -> Response:
    """The derivative as the boxes stand, for the page's picture (part of its logged view)."""
    evidence = evidence_for(request, me)
    original = await run_in_threadpool(evidence.check_preview, ref)
    check_ticket(state(request), me, original.evidence_id, t)
    png, _, _ = await run_in_threadpool(_redactions(request, me).review_image, original.evidence_id)
    headers = {"Content-Security-Policy": SANDBOX_CSP, "Cache-Control": "private, no-store"}
    return Response(png, media_type="image/png", headers=headers)


@router.post("/items/{ref}/redaction/propose")
def redaction_propose(
    request: Request,
    ref: str,
    location: Annotated[str, Form(max_length=20)] = "none",
    me: Principal = Depends(signed_in),
) -> Response:
    item = _may_review(request, me, ref)
    _redactions(request, me).propose(item, location)
    return RedirectResponse(f"/items/{item}/redaction?done=proposed", status_code=303)


@router.post("/items/{ref}/redaction/boxes")
async def redaction_boxes(
    request: Request, ref: str, me: Principal = Depends(signed_in)
) -> Response:
    """Fields ``x-N y-N w-N h-N`` move box N where they differ from it, ``remove-N`` removes
    it, ``x-new y-new w-new h-new`` add one: one change, one custody event, as one
    ``gavah redact boxes`` with its --move, --remove and --add."""
    form = await request.form()
    if len(form) > 6 * MAX_BOXES:
        raise InputError("too many fields in the form")
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    item = await run_in_threadpool(_may_review, request, me, ref)
    redactions = _redactions(request, me)
    current = await run_in_threadpool(redactions.show, item)
    change = changes(current["boxes"], fields)
    if not any(change.values()):
        raise InputError("nothing to change", hint="change a box's numbers, remove or add one")
    await run_in_threadpool(lambda: redactions.change(item, **change))
    return RedirectResponse(f"/items/{item}/redaction?done=boxes-changed", status_code=303)


def changes(boxes: list[dict[str, Any]], fields: dict[str, str]) -> dict[str, Any]:
    """What the form asks of the boxes: the keyword arguments of ``Redactions.change``."""
    move, remove = [], []
    for number, box in enumerate(boxes, start=1):
        if fields.get(f"remove-{number}"):
            remove.append(number)
            continue
        sent = _box(fields, str(number))
        if sent is not None and (sent.x, sent.y, sent.w, sent.h) != tuple(box[k] for k in "xywh"):
            move.append((number, sent))
    new = _box(fields, "new")
    return {"add": [new] if new is not None else [], "move": move, "remove": remove}


def _box(fields: dict[str, str], suffix: str) -> faces.Box | None:
    """The box of four fields, None when all four are empty; refused when only some are."""
    values = [fields.get(f"{k}-{suffix}", "").strip() for k in "xywh"]
    if not any(values):
        return None
    try:
        x, y, w, h = (int(v) for v in values)
    except ValueError:
        raise InputError(
            f"box {suffix}: x, y, width and height must all be whole numbers of pixels"
        ) from None
    if x < 0 or y < 0 or w < 1 or h < 1:
        raise InputError(f"box {suffix}: x, y >= 0 and a positive width and height")
    return faces.Box(x, y, w, h)


@router.post("/items/{ref}/redaction/approve")
def redaction_approve(
    request: Request,
    ref: str,
    version: Annotated[int, Form()],
    location: Annotated[str, Form(max_length=20)] = "",
    me: Principal = Depends(signed_in),
) -> Response:
    item = _may_review(request, me, ref)
    _redactions(request, me).approve(item, version, location or None)
    return RedirectResponse(f"/items/{item}/redaction?done=approved", status_code=303)
