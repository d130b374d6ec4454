"""The web workspace's app factory: ``create_app(settings)`` and nothing global."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gavah import __version__, search
from gavah.accounts import Accounts
from gavah.settings import Settings
from gavah.web import failures
from gavah.web.api import admin as api_admin
from gavah.web.api import items as api_items
from gavah.web.api import match as api_match
from gavah.web.context import WebState
from gavah.web.pages import (
    account,
    admin,
    auth,
    bundles,
    home,
    items,
    redaction,
    registry,
    sanctions,
    upload,
    verify,
    verify_forms,
    victim_import,
    victims,
)
from gavah.web.serving import SecurityHeaders
from gavah.workspace import Workspace, open_workspace

DESCRIPTION = """\
gavah's web workspace: evidence items, their custody timelines and inclusion proofs, for the
collections an account was granted. Authenticate scripts with `Authorization: Bearer TOKEN`
(create tokens on your account page; `Authorization: ApiKey TOKEN`, as yente clients send it,
works too). Every view, download, proof and export is a custody event. `POST /match/{dataset}`
answers yente's matching API from the imported sanctions lists. Uploads use the tus 1.0
resumable protocol at `/uploads/`. Errors have one shape:
`{"error", "message", "hint", "exit_code", "status"}`.
"""


def create_app(settings: Settings, workspace: Workspace | None = None) -> FastAPI:
    """The app for one workspace (opened from ``settings`` unless given)."""
    ws = workspace or open_workspace(settings)
    with ws.db.write() as session:
        search.backfill(session)  # workspaces made before the web workspace existed
    app = FastAPI(
        title="gavah",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: not here
        redoc_url=None,
    )
    accounts = Accounts(ws)
    # Preview tickets must check in whichever worker process the preview request reaches.
    app.state.gavah = WebState(
        settings=ws.settings, workspace=ws, accounts=accounts, ticket_key=accounts.keys.tickets
    )
    failures.install(app)
    static = resources.files("gavah.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for router in (auth.router, account.router, items.router, upload.router, admin.router):
        app.include_router(router)
    app.include_router(verify.router)
    app.include_router(verify_forms.router)
    app.include_router(redaction.router)
    app.include_router(home.router)
    app.include_router(victims.router)
    app.include_router(victim_import.router)
    app.include_router(bundles.router)
    app.include_router(sanctions.router)
    app.include_router(registry.router)
    app.include_router(api_items.router)
    app.include_router(api_admin.router)
    app.include_router(api_match.router)
    upload.install_tus(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(SecurityHeaders)
    if ws.settings.trusted_proxies:
        # The browser's address from X-Forwarded-For, believed only from these proxies (the
        # rightmost address not theirs): sign-in throttling counts per browser, not per proxy.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=ws.settings.trusted_proxies)
    return app
