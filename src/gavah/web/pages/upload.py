"""Uploading from the browser: one or many files, with progress, resumable after a dropped
connection (tus 1.0, served by the tuspyserver library; see gavah.intake.uploads).

Every tus request runs the same checks as any other: signed in, CSRF header for browser
sessions, and UPLOAD allowed in the chosen collection. Each account's uploads in progress live
in a folder of its own, so nobody can look at, resume or finish another person's upload.

The library writes what it is sent before it looks at a request's headers, and reads a creation
request's body into memory whole. So every request is checked here, in dependencies that run
before the library touches the body: a creation request carries no body (the bytes come in
PATCH requests), a chunk must be a tus chunk (version and type) whose declared length fits in
what is left of its upload, and nothing past a request's Content-Length is ever read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tuspyserver import create_tus_router

from gavah.accounts import Can, Principal
from gavah.errors import AccessDenied, InputError, NotFound, TooLarge
from gavah.intake import uploads
from gavah.vault import Vault
from gavah.web.context import signed_in, state
from gavah.web.pages.render import render

router = APIRouter(include_in_schema=False)
TUS_PREFIX = "/uploads"
CHUNK_SIZE = 5 * 1024 * 1024
TUS_VERSION = "1.0.0"
CHUNK_TYPE = "application/offset+octet-stream"
TUS_EXTENSIONS = b"creation,expiration,termination"
_BYTES = re.compile(r"[0-9]{1,19}")  # a length or offset: digits only, no sign, no spaces


def _folder(request: Request, me: Principal) -> Path:
    return uploads.account_folder(state(request).settings.uploads_dir, me.account_id)


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, me: Principal = Depends(signed_in)) -> Response:
    allowed = me.collections(Can.UPLOAD)
    if allowed is None:  # an admin: every collection that exists, and any new name
        from gavah.web.evidence import Evidence

        names = [name for name, _ in Evidence(state(request).workspace, me).collections() if name]
    else:
        names = sorted(allowed)
    if not names and not me.is_admin:
        raise AccessDenied("your role allows no uploads", hint="ask an admin for the intake role")
    return render(
        request,
        "upload.html",
        collections=names,
        max_size=state(request).settings.upload_max_bytes,
        chunk_size=CHUNK_SIZE,
    )


async def _uploader(request: Request) -> Principal:
    """tus 'auth' dependency: signed in (CSRF checked), allowed to upload somewhere, and no
    concatenation (its partial uploads would bypass the per-file checks)."""
    me = await signed_in(request)
    if not me.can_anywhere(Can.UPLOAD):
        raise AccessDenied("your role allows no uploads", hint="ask an admin for the intake role")
    if "upload-concat" in request.headers:
        raise InputError("concatenated uploads are not accepted; upload each file whole")
    return me


def _bytes_header(request: Request, name: str) -> int | None:
    raw = request.headers.get(name)
    if raw is None:
        return None
    if not _BYTES.fullmatch(raw.strip()):
        raise InputError(f"{name} must be a whole number of bytes (0 or more), not {raw[:40]!r}")
    return int(raw)


def _check_chunk(request: Request, folder: Path, upload_id: str, limit: int) -> None:
    """A PATCH is refused before the library writes a byte of it unless it is a tus chunk
    whose length is declared and fits in what is left of its upload."""
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise HTTPException(
            412, f"send the header Tus-Resumable: {TUS_VERSION}", {"Tus-Version": TUS_VERSION}
        )
    if request.headers.get("content-type") != CHUNK_TYPE:
        raise HTTPException(415, f"a chunk must be sent as Content-Type: {CHUNK_TYPE}")
    length = _bytes_header(request, "Content-Length")
    if length is None or "transfer-encoding" in request.headers:
        raise HTTPException(411, "give the chunk's length (Content-Length)")
    offset = _bytes_header(request, "Upload-Offset")
    if offset is None:
        raise InputError("give the chunk's place in the file (Upload-Offset)")
    upload = uploads.declared(folder, upload_id)
    end = max(offset, upload.offset) + length
    if end > upload.size:
        raise TooLarge(
            f"the chunk would exceed the upload's declared length: it ends at byte {end:,}, "
            f"the upload is {upload.size:,} bytes",
            hint="send only the bytes that are left, from the offset HEAD gives",
        )
    if end > limit:
        raise TooLarge(f"this workspace accepts at most {limit:,} bytes in one file")


async def _files(request: Request) -> Callable[[dict[str, Any]], dict[str, str]]:
    me = await _uploader(request)
    uid = request.path_params.get("uuid")
    if uid is not None and not uploads.is_upload_id(str(uid)):
        # Only ids this server hands out: never the folder itself, its locks or a state file.
        raise NotFound(f"no upload {str(uid)[:40]!r}")
    folder = _folder(request, me)
    if request.method == "PATCH" and uid is not None:
        _check_chunk(request, folder, str(uid), state(request).settings.upload_max_bytes)

    def where(_metadata: dict[str, Any]) -> dict[str, str]:
        return {"files_dir": str(folder)}

    return where


def _check_creation(request: Request, limit: int) -> None:
    """A creation request declares a size within the limit and carries no bytes: the library
    would read a body whole into memory, and write it whatever length was declared."""
    if "upload-defer-length" in request.headers:
        raise InputError("give the file's size when the upload starts (Upload-Length)")
    size = _bytes_header(request, "Upload-Length")
    if size is None:
        raise InputError("give the file's size when the upload starts (Upload-Length)")
    if size > limit:
        raise TooLarge(
            f"the file is {size:,} bytes; this workspace accepts at most {limit:,}",
            hint="split it, or ask the admin to raise GAVAH_UPLOAD_MAX_BYTES",
        )
    if request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers:
        raise InputError(
            "a request that creates an upload carries no file bytes",
            hint="create the upload, then send the bytes in PATCH requests",
        )


async def _before_create(request: Request) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    me = await _uploader(request)
    _check_creation(request, state(request).settings.upload_max_bytes)

    def check(metadata: dict[str, Any], _info: dict[str, Any]) -> None:
        fields = uploads.clean_metadata(metadata)
        if not me.can(Can.UPLOAD, fields["collection"]):
            raise AccessDenied(f"you may not upload into collection {fields['collection']!r}")

    return check


async def _on_complete(request: Request) -> Callable[[str, dict[str, Any]], Any]:
    me = await _uploader(request)
    web = state(request)

    async def record(path: str, metadata: dict[str, Any]) -> None:
        if not me.can(Can.UPLOAD, str(metadata.get("collection") or "")):
            raise AccessDenied("you may no longer upload into this collection")
        vault = Vault(web.workspace, actor=me.actor)
        await run_in_threadpool(uploads.record_upload, vault, Path(path), metadata)

    return record


class TusBoundary:
    """Pure ASGI, on /uploads only. Nothing past a request's Content-Length reaches the upload
    routes (HTTP/1.1 servers frame bodies so already; this holds for any server), and the tus
    extensions advertised are those gavah accepts: the library also names creation-with-upload,
    creation-defer-length and concatenation, which the checks above refuse."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(TUS_PREFIX):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        left = int(declared) if declared.isdigit() else None  # none: refused before reading

        async def bounded() -> Message:
            nonlocal left
            message = await receive()
            if message["type"] == "http.request" and left is not None:
                body: bytes = message.get("body", b"")
                if len(body) >= left:
                    message = {"type": "http.request", "body": body[:left], "more_body": False}
                left -= len(message["body"])
            return message

        async def honest(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (k, TUS_EXTENSIONS if k.lower() == b"tus-extension" else v)
                    for k, v in message.get("headers", [])
                ]
            await send(message)

        await self.app(scope, bounded, honest)


def install_tus(app: FastAPI) -> None:
    """Mount the tus endpoints at /uploads/ with gavah's checks."""
    web = app.state.gavah
    # tuspyserver's annotations say plain callables; it awaits dependencies and their results
    # (see its routes), which is what these are.
    tus = create_tus_router(
        prefix=TUS_PREFIX,
        files_dir=str(web.settings.uploads_dir),
        max_size=web.settings.upload_max_bytes,
        auth=_uploader,  # type: ignore[arg-type]
        days_to_keep=web.settings.upload_keep_days,
        upload_complete_dep=_on_complete,  # type: ignore[arg-type]
        pre_create_dep=_before_create,  # type: ignore[arg-type]
        file_dep=_files,  # type: ignore[arg-type]
        tags=["uploads"],
    )
    # tus is its own protocol (documented at tus.io), not part of the JSON API's schema.
    app.include_router(tus, include_in_schema=False)
    app.add_middleware(TusBoundary)
