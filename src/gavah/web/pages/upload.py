"""Uploading from the browser: one or many files, with progress, resumable after a dropped
connection (tus 1.0, served by the tuspyserver library; see gavah.intake.uploads).

Every tus request runs the same checks as any other: signed in, CSRF header for browser
sessions, and UPLOAD allowed in the chosen collection. Each account's uploads in progress live
in a folder of its own, so nobody can look at, resume or finish another person's upload.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
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


async def _files(request: Request) -> Callable[[dict[str, Any]], dict[str, str]]:
    me = await _uploader(request)
    uid = request.path_params.get("uuid")
    if uid is not None and not uploads.is_upload_id(str(uid)):
        # Only ids this server hands out: never the folder itself, its locks or a state file.
        raise NotFound(f"no upload {str(uid)[:40]!r}")
    folder = _folder(request, me)

    def where(_metadata: dict[str, Any]) -> dict[str, str]:
        return {"files_dir": str(folder)}

    return where


async def _before_create(request: Request) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    me = await _uploader(request)
    limit = state(request).settings.upload_max_bytes

    def check(metadata: dict[str, Any], info: dict[str, Any]) -> None:
        fields = uploads.clean_metadata(metadata)
        if not me.can(Can.UPLOAD, fields["collection"]):
            raise AccessDenied(f"you may not upload into collection {fields['collection']!r}")
        size = info.get("size")
        if size is None:
            raise InputError("give the file's size when the upload starts (Upload-Length)")
        if int(size) > limit:
            raise TooLarge(
                f"the file is {int(size):,} bytes; this workspace accepts at most {limit:,}",
                hint="split it, or ask the admin to raise GAVAH_UPLOAD_MAX_BYTES",
            )

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
        days_to_keep=7,
        upload_complete_dep=_on_complete,  # type: ignore[arg-type]
        pre_create_dep=_before_create,  # type: ignore[arg-type]
        file_dep=_files,  # type: ignore[arg-type]
        tags=["uploads"],
    )
    # tus is its own protocol (documented at tus.io), not part of the JSON API's schema.
    app.include_router(tus, include_in_schema=False)
