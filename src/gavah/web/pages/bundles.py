"""Opening a sealed bundle sealed with a passphrase, from the browser (docs/bundles.md §5.5).

Pieces uploaded on the upload page are held per collection; a complete bundle opens by itself
with the workspace's bundle-opening key, but one sealed with a passphrase waits for someone who
knows it. This page takes the passphrase and opens the bundle from what is held for it in one
collection, by the same code as `gavah bundle open --passphrase`.

The passphrase is a secret: it comes only in a POST body (never a URL), is used for the one
decryption and dropped. It is not logged, kept, put in the custody event (which says only that a
passphrase opened the bundle) or shown again: the form comes back empty. Need to know: the
person needs the upload right in the collection, and learns only what is held there (pieces are
held per collection), so a bundle id that another collection holds looks like one never seen.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from gavah.accounts import Can, Principal
from gavah.bundles import ingest as receiving
from gavah.bundles.open import Key, refuse_unless_complete
from gavah.errors import AccessDenied, GavahError, IntegrityError, NotFound
from gavah.vault import Vault
from gavah.web.context import signed_in, state
from gavah.web.failures import status_of
from gavah.web.pages.render import render

router = APIRouter(include_in_schema=False)
MAX_PASSPHRASE = 1024


def _collections(request: Request, me: Principal) -> list[str]:
    """Where this person may upload, and so open bundles."""
    allowed = me.collections(Can.UPLOAD)
    if allowed is None:  # an admin: every collection that exists
        from gavah.web.evidence import Evidence

        return [name for name, _ in Evidence(state(request).workspace, me).collections() if name]
    if not allowed:
        raise AccessDenied("your role allows no uploads", hint="ask an admin for the intake role")
    return sorted(allowed)


def _form(
    request: Request,
    me: Principal,
    *,
    collection: str = "",
    bundle: str = "",
    status: int = 200,
    opened: receiving.Opened | None = None,
    failed: GavahError | None = None,
) -> HTMLResponse:
    return render(
        request,
        "bundle_open.html",
        status=status,
        collections=_collections(request, me),
        chosen=collection,
        bundle=bundle,
        max_passphrase=MAX_PASSPHRASE,
        opened=opened,
        failed=failed,
    )


@router.get("/bundles/open", response_class=HTMLResponse)
def open_form(
    request: Request,
    collection: Annotated[str, Query(max_length=200)] = "",
    bundle: Annotated[str, Query(max_length=64)] = "",
    me: Principal = Depends(signed_in),
) -> Response:
    return _form(request, me, collection=collection, bundle=bundle.lower())


@router.post("/bundles/open", response_class=HTMLResponse)
async def open_with_passphrase(
    request: Request,
    collection: Annotated[str, Form(max_length=200)],
    bundle: Annotated[str, Form(max_length=64)],
    passphrase: Annotated[str, Form(max_length=MAX_PASSPHRASE)],
    me: Principal = Depends(signed_in),
) -> Response:
    """Open the bundle held for ``collection`` with ``passphrase``; the page says what it
    became, or why it did not open (the pieces stay held)."""
    bundle = bundle.strip().lower()
    if not me.can(Can.UPLOAD, collection):
        raise AccessDenied(f"you may not upload into collection {collection!r}")
    vault = Vault(state(request).workspace, actor=me.actor)
    try:
        opened = await run_in_threadpool(_open, vault, bundle, collection, passphrase)
    except GavahError as exc:
        # The form again, empty: the passphrase is never sent back to the browser.
        # (a bundle that does not open is the bundle's or the passphrase's fault: 422, not 500)
        status = 422 if isinstance(exc, IntegrityError) else status_of(exc)
        return _form(request, me, collection=collection, bundle=bundle, status=status, failed=exc)
    finally:
        del passphrase
    return _form(request, me, collection=collection, bundle=bundle, opened=opened)


def _open(vault: Vault, bundle_id: str, collection: str, passphrase: str) -> receiving.Opened:
    done = receiving.already_opened(vault, bundle_id, collection) if len(bundle_id) == 64 else None
    if done is not None:
        return done
    held = receiving.held_bundle(vault, bundle_id, collection)
    if held is None:
        raise NotFound(
            f"no piece of bundle {bundle_id[:16]} is held in collection {collection!r}",
            hint="upload its pieces into this collection first (the upload page)",
        )
    refuse_unless_complete(held)
    return receiving.open_bundle(vault, held, Key(passphrase=passphrase), collection=collection)
