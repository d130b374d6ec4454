"""The web's one error boundary: every :class:`~gavah.errors.GavahError` (and every framework
error) becomes either an HTML page or the one JSON error shape, with a status code from the
table below. Nothing else in the web package turns errors into responses."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from gavah.accounts import SignInRefused, Standing, TooManyAttempts
from gavah.errors import (
    AccessDenied,
    ConfigError,
    DatabaseBusy,
    ExitCode,
    GavahError,
    InputError,
    IntegrityError,
    NotFound,
    StoreError,
    TooLarge,
)
from gavah.web.context import SignInIncomplete, SignInRequired
from gavah.web.pages.render import render


class ErrorBody(BaseModel):
    """The one error shape of the JSON API (and of `gavah --json`, plus ``status``)."""

    error: str
    message: str
    hint: str | None = None
    exit_code: int
    status: int


# Most specific first: the first class an error is an instance of decides its status.
STATUS: tuple[tuple[type[GavahError], int], ...] = (
    (SignInRequired, 401),
    (SignInIncomplete, 401),
    (TooManyAttempts, 429),
    (SignInRefused, 401),
    (AccessDenied, 403),
    (NotFound, 404),
    (TooLarge, 413),
    (InputError, 400),
    (DatabaseBusy, 503),
    (StoreError, 507),
    (IntegrityError, 500),
    (ConfigError, 500),
)
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (400, "Bad input"),
        (401, "Not signed in"),
        (403, "Not allowed"),
        (404, "Not found"),
        (422, "Malformed request"),
    )
}


def status_of(exc: GavahError) -> int:
    return next((code for cls, code in STATUS if isinstance(exc, cls)), 500)


def wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        path.startswith("/api/")
        or path.startswith("/uploads")
        or path.startswith("/match/")  # yente's matching API (gavah.web.api.match)
        or "authorization" in request.headers
        or "application/json" in request.headers.get("accept", "")
    )


def _json(error: str, message: str, hint: str | None, exit_code: int, status: int) -> JSONResponse:
    body = ErrorBody(error=error, message=message, hint=hint, exit_code=exit_code, status=status)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _page(request: Request, status: int, message: str, hint: str | None) -> Response:
    return render(request, "error.html", status=status, message=message, hint=hint, code=status)


def on_gavah_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GavahError)
    status = status_of(exc)
    if wants_json(request):
        return _json(type(exc).__name__, exc.message, exc.hint, int(exc.exit_code), status)
    if isinstance(exc, SignInIncomplete):
        target = "/login/code" if exc.standing is Standing.NEEDS_CODE else "/account/enrol"
        return RedirectResponse(target, status_code=303)
    if isinstance(exc, SignInRequired):
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)
    return _page(request, status, exc.message, exc.hint)


def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "request refused"
    if wants_json(request):
        kind = "NotFound" if exc.status_code == 404 else "HTTPError"
        code = ExitCode.NOT_FOUND if exc.status_code == 404 else ExitCode.USAGE
        response: Response = _json(kind, message, None, int(code), exc.status_code)
    else:
        response = _page(request, exc.status_code, message, None)
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg')}" for err in exc.errors()
    )
    message = f"the request is malformed: {problems}"[:2000]
    if wants_json(request):
        return _json("InputError", message, None, int(ExitCode.USAGE), 422)
    return _page(request, 422, message, None)


def on_unexpected(request: Request, exc: Exception) -> Response:
    """A bug: say so plainly, without a traceback or any detail that could leak data."""
    message = "an unexpected error happened; it was logged on the server"
    if wants_json(request):
        return _json("InternalError", message, None, int(ExitCode.ERROR), 500)
    try:
        return _page(request, 500, message, None)
    except Exception:  # the page itself failed: a plain one, without the translator
        return HTMLResponse(f"<!doctype html><title>500</title><p>{message}</p>", status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(GavahError, on_gavah_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)
