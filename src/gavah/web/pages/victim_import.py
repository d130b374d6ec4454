"""Importing a list of victims from the browser: upload the file, choose what each column becomes
while seeing the first rows read through that choice, then import, whole or not at all.

The import itself is :meth:`gavah.casualties.register.Register.import_list`, called as ``gavah
victims import`` calls it (no ``--skip-rejected``): a list with a row that cannot be read is
refused whole, and its rejected rows are offered as a CSV to correct. Between the steps the file
waits in a folder of the importer's own account (``uploads/account-N/lists/TOKEN``), which no
other account's request looks in; it is removed once imported, and waiting files older than
``upload_keep_days`` are removed when the same account stages another.

Need to know: importing takes the upload role in the register's collection. The ``evidence``
field is not offered here: resolving evidence references would tell an importer whether items
exist in collections they may not see (link records to evidence from the command line).
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from gavah.accounts import Can, Principal
from gavah.casualties import tables
from gavah.casualties.register import COLLECTION, FIELDS, ListInfo, Register, preview
from gavah.errors import AccessDenied, InputError, NotFound, TooLarge
from gavah.intake import uploads
from gavah.intake.limits import ImportLimits
from gavah.vault import Vault
from gavah.web.context import signed_in, state
from gavah.web.pages.render import render

router = APIRouter(include_in_schema=False)
WEB_FIELDS = tuple(f for f in FIELDS if f != "evidence")
CALENDARS = ("auto", "gregorian", "solar_hijri")
FORMATS = tuple(f for f in tables.FORMATS if f != "folder")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")
_INFO = "about.json"
REJECTED = "rejected.csv"
REFUSED = "refused.txt"  # why the last import of a staged list was refused
PREVIEW_ROWS = 10
CHUNK = 1 << 20


async def importer(me: Principal = Depends(signed_in)) -> Principal:
    if not me.can(Can.UPLOAD, COLLECTION):
        raise AccessDenied(
            "importing a list takes the intake, analyst or reviewer role in the "
            "register's collection",
            hint=f"an admin can grant you a role in collection {COLLECTION}",
        )
    return me


def _lists_folder(request: Request, me: Principal) -> Path:
    return uploads.account_folder(state(request).settings.uploads_dir, me.account_id) / "lists"


def _staged(request: Request, me: Principal, token: str) -> Path:
    """The folder of one of this account's staged lists; another account's token finds none."""
    folder = _lists_folder(request, me) / token
    if not _TOKEN.fullmatch(token) or not (folder / _INFO).is_file():
        raise NotFound(
            "no list waiting to be imported under that name", hint="upload the list again"
        )
    return folder


def _about(folder: Path) -> dict[str, Any]:
    about: dict[str, Any] = json.loads((folder / _INFO).read_text(encoding="utf-8"))
    return about


def _file_name(sent: str | None) -> str:
    name = (sent or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in (".", "..") or "\x00" in name or len(name.encode()) > 200:
        raise InputError("the file has no usable name", hint="rename it, e.g. list.csv")
    return name


def _sweep_old(folder: Path, keep_days: int) -> None:
    """Staged lists nobody came back to: removed when the same account stages another."""
    if not folder.is_dir():
        return
    cutoff = time.time() - keep_days * 86400
    for staged in folder.iterdir():
        if staged.is_dir() and not staged.is_symlink() and staged.stat().st_mtime < cutoff:
            shutil.rmtree(staged, ignore_errors=True)


@router.get("/victims/import", response_class=HTMLResponse)
def import_form(request: Request, me: Principal = Depends(importer)) -> Response:
    return render(request, "victims_import.html", calendars=CALENDARS, formats=FORMATS)


@router.post("/victims/import")
async def import_stage(
    request: Request,
    file: Annotated[UploadFile, File()],
    list_name: Annotated[str, Form(max_length=64)],
    title: Annotated[str, Form(max_length=2000)] = "",
    publisher: Annotated[str, Form(max_length=2000)] = "",
    published: Annotated[str, Form(max_length=40)] = "",
    url: Annotated[str, Form(max_length=2000)] = "",
    fmt: Annotated[str, Form(max_length=10)] = "",
    calendar: Annotated[str, Form(max_length=20)] = "auto",
    me: Principal = Depends(importer),
) -> Response:
    """Keep the file in the account's own folder and show its first rows."""
    if fmt and fmt not in FORMATS or calendar not in CALENDARS:
        raise InputError("choose a format and a calendar from the form")
    name = _file_name(file.filename)
    settings = state(request).settings
    lists = _lists_folder(request, me)
    await run_in_threadpool(_sweep_old, lists, settings.upload_keep_days)
    token = secrets.token_urlsafe(16)
    folder = lists / token
    folder.mkdir(parents=True, mode=0o700)
    try:
        await _save(file, folder / name, settings.import_max_bytes)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    about = {
        "file": name,
        "list": list_name.strip(),
        "title": title.strip() or None,
        "publisher": publisher.strip() or None,
        "published": published.strip() or None,
        "url": url.strip() or None,
        "format": fmt or None,
        "calendar": calendar,
    }
    (folder / _INFO).write_text(json.dumps(about), encoding="utf-8")
    return RedirectResponse(f"/victims/import/{token}", status_code=303)


async def _save(file: UploadFile, path: Path, limit: int) -> None:
    size = 0
    with path.open("xb") as out:
        while chunk := await file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"the list is larger than {limit:,} bytes (import_max_bytes)")
            out.write(chunk)


def _mapping_from(query: dict[str, str], columns: tuple[str, ...]) -> dict[str, str] | None:
    """``col-N=FIELD`` pairs (N: the column's place) into field -> column; None if none given."""
    chosen: dict[str, str] = {}
    given = False
    for i, column in enumerate(columns):
        field = query.get(f"col-{i}")
        if field is None:
            continue
        given = True
        if not field:
            continue
        if field not in WEB_FIELDS:
            raise InputError(f"unknown field {field!r}", hint=f"fields: {', '.join(WEB_FIELDS)}")
        if field in chosen:
            raise InputError(
                f"two columns are mapped to {field}: {chosen[field]}, {column}",
                hint="map each field from one column",
            )
        chosen[field] = column
    return chosen if given else None


def _preview_page(
    request: Request,
    token: str,
    folder: Path,
    mapping: dict[str, str] | None,
    problem: str | None = None,
    hint: str | None = None,
    status: int = 200,
) -> Response:
    about = _about(folder)
    limits = ImportLimits.from_settings(state(request).settings)
    seen = preview(
        folder / about["file"],
        limits,
        mapping,
        fmt=about["format"],
        calendar=about["calendar"],
        rows=PREVIEW_ROWS,
    )
    by_column = {column: field for field, column in seen.mapping.items()}
    fields = [f for f in WEB_FIELDS if f in seen.mapping]
    return render(
        request,
        "victims_import_preview.html",
        status=status,
        token=token,
        about=about,
        seen=seen,
        by_column=by_column,
        fields=fields,
        all_fields=WEB_FIELDS,
        field_help=FIELDS,
        problem=problem,
        hint=hint,
        rejected=(folder / REJECTED).is_file(),
    )


@router.get("/victims/import/{token}", response_class=HTMLResponse)
def import_preview(request: Request, token: str, me: Principal = Depends(importer)) -> Response:
    """The first rows, as published and as the chosen mapping reads them."""
    folder = _staged(request, me, token)
    about = _about(folder)
    limits = ImportLimits.from_settings(state(request).settings)
    columns = preview(folder / about["file"], limits, {}, fmt=about["format"], rows=0).columns
    mapping = _mapping_from(dict(request.query_params), columns)
    return _preview_page(request, token, folder, mapping)


@router.post("/victims/import/{token}")
async def import_run(request: Request, token: str, me: Principal = Depends(importer)) -> Response:
    """Import the list through the mapping shown, whole or not at all."""
    folder = _staged(request, me, token)
    form = {k: str(v) for k, v in (await request.form()).items()}
    return await run_in_threadpool(_import, request, me, token, folder, form)


def _import(
    request: Request, me: Principal, token: str, folder: Path, form: dict[str, str]
) -> Response:
    about = _about(folder)
    limits = ImportLimits.from_settings(state(request).settings)
    path = folder / about["file"]
    columns = preview(path, limits, {}, fmt=about["format"], rows=0).columns
    mapping = _mapping_from(form, columns) or {}
    info = ListInfo(
        about["list"], about["title"], about["publisher"], about["published"], about["url"]
    )
    register = Register(Vault(state(request).workspace, actor=me.actor))
    (folder / REJECTED).unlink(missing_ok=True)
    try:
        result = register.import_list(
            path,
            info,
            mapping,
            fmt=about["format"],
            calendar=about["calendar"],
            rejected_csv=folder / REJECTED,
        )
    except InputError as exc:
        (folder / REFUSED).write_text(exc.message, encoding="utf-8")
        message, hint = _for_the_web(exc, (folder / REJECTED).is_file())
        return _preview_page(request, token, folder, mapping, message, hint, status=400)
    shutil.rmtree(folder, ignore_errors=True)
    return render(request, "victims_imported.html", result=result)


def _for_the_web(exc: InputError, rejected: bool) -> tuple[str, str | None]:
    """The refusal without what concerns the command line only: the server's path of the
    rejected-rows file (the page offers it for download) and the options of ``victims import``."""
    lines = [
        line
        for line in exc.message.splitlines()
        if not line.startswith("the rejected rows are in ")
    ]
    if rejected:
        hint = "correct those rows (or the mapping) in the rejected-rows file, then import again"
        return "\n".join(lines), hint
    return "\n".join(lines), exc.hint


@router.get("/victims/import/{token}/rejected.csv")
def import_rejected(request: Request, token: str, me: Principal = Depends(importer)) -> Response:
    """The rows that could not be read, with their line and problem, to correct."""
    path = _staged(request, me, token) / REJECTED
    if not path.is_file():
        raise NotFound("this list has no rejected rows", hint="try to import it first")
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", _about(path.parent)["list"]) or "list"
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=f"{name}-rejected.csv")


def staged_lists(request: Request, me: Principal) -> list[dict[str, Any]]:
    """This account's lists waiting to be imported, those refused first (for the home page)."""
    folder = _lists_folder(request, me)
    if not folder.is_dir():
        return []
    found = []
    for staged in sorted(folder.iterdir()):
        if _TOKEN.fullmatch(staged.name) and (staged / _INFO).is_file():
            found.append(
                {
                    **_about(staged),
                    "token": staged.name,
                    "refused": (staged / REFUSED).is_file(),
                    "refused_rows": (staged / REJECTED).is_file(),
                }
            )
    return sorted(found, key=lambda s: (not s["refused"], s["list"]))
