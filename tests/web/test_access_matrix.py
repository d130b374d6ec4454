"""Every route of the web workspace, tried as every role and as an anonymous visitor, against an
expected-outcome table written as data.

The table must name every (method, path) the app serves: a new route without a row fails
``test_the_table_covers_every_route``. State-changing requests carry the CSRF token (header and
form field), so the matrix tests authorisation, not CSRF (tests/web/test_accounts_web.py does
CSRF). The API and upload rows run a second time with Bearer API tokens: same checks.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from PIL import Image

from gavah.accounts import Accounts, Principal
from gavah.accounts import credentials as cred
from gavah.casualties import synthetic
from gavah.casualties.people import People
from gavah.casualties.register import COLLECTION, ListInfo, Register
from gavah.intake.ingest import ingest
from gavah.registry import COLLECTION as REGISTRY
from gavah.registry.store import Registry
from gavah.sanctions.store import Sanctions
from gavah.vault import Vault
from gavah.verify.access import Asker
from gavah.verify.store import Verification
from gavah.web.context import preview_ticket
from totp_codes import next_code

SANCTIONS_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
WHO = ("admin", "intake", "analyst", "reviewer", "viewer", "anon")
ROLES = WHO[:-1]
UPLOADERS = ("admin", "intake", "analyst", "reviewer")
LOGIN = "login"  # a page's answer to nobody signed in: 303 to /login?next=...
ERROR_KEYS = {"error", "message", "hint", "exit_code", "status"}
Outcome = int | str

# Public on purpose and not in the table: the static files, the health check, the API's schema.
SKIPPED = {
    ("GET", "/healthz"),
    ("GET", "/api/v1/openapi.json"),
    ("HEAD", "/api/v1/openapi.json"),
    ("MOUNT", "/static"),
}
# Routes an anonymous visitor may use: signing in, setting an account up, the language of the
# sign-in page. Every other row must refuse anonymous visitors.
SIGN_IN_FLOW = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/language"),
    ("GET", "/setup/{token}"),
    ("POST", "/setup/{token}"),
}


@dataclass(frozen=True)
class Row:
    """One request and what each of WHO gets. Strings in ``fill``, ``form``, ``json``,
    ``headers`` and ``content`` are filled from the world's values for the one asking."""

    method: str
    path: str
    expect: dict[str, Outcome]
    fill: dict[str, str] = field(default_factory=dict)  # path parameter -> value name
    variant: str = ""
    form: dict[str, str] | None = None
    json: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content: str | None = None
    files: dict[str, tuple[str, str]] | None = None  # field -> (file name, content)

    @property
    def api(self) -> bool:
        return self.path.startswith(("/api/", "/uploads", "/match/"))

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}" + (f" [{self.variant}]" if self.variant else "")


def row(method: str, path: str, outcomes: tuple[Outcome, ...], **kw: Any) -> Row:
    assert len(outcomes) == len(WHO), (method, path)
    return Row(method, path, dict(zip(WHO, outcomes, strict=True)), **kw)


ALPHA = {"ref": "alpha"}
BETA = {"ref": "beta"}
TUS = {"Tus-Resumable": "1.0.0"}
PATCH = {"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
DESCRIBE = {"description": "described by {who}"}
AGREE = {"decision": "agree", "note": "checked by {who}"}
SOURCE = {"name": "source of {who}", "kind": "ngo", "grade": "C", "reason": "synthetic"}
REGRADE = {"grade": "B", "reason": "regraded by {who}"}
INCIDENT = {"title": "incident of {who}", "kind": "other", "killed": "1-2"}
CLAIM = {"statement": "claim of {who}", "kind": "other"}
LINK = {"kind": "no-such-kind", "target": "x"}
BOX = {"x-new": "1", "y-new": "1", "w-new": "4", "h-new": "4"}
ASSESS = {"stance": "supports", "credibility": "3", "content_analysis": "by {who}"}
# yente's request, as its documentation shows it (gavah.web.api.match).
# A list's columns mapped to the register's fields, as the import page's selects send them.
MAPPED = {"col-0": "name", "col-1": "name_fa", "col-2": "age", "col-3": "date"}
VICTIMS_LIST = "name,name_fa,age,date\nSynthetic Person,شخص نمونه,30,1401/06/30\n"
YENTE = {"queries": {"entity1": {"schema": "Person", "properties": {"name": ["John Doe"]}}}}
# Rows run in this order, each for all of WHO before the next (later rows may depend on
# earlier ones: grant before revoke, HEAD before DELETE, sign-out last).
#                                                      admin intake analyst reviewer viewer anon
TABLE: tuple[Row, ...] = (
    # --- signing in: public -------------------------------------------------------------------
    row("GET", "/login", (200, 200, 200, 200, 200, 200)),
    row("POST", "/login", (401, 401, 401, 401, 401, 401), variant="wrong password",
        form={"name": "{name}", "password": "not the password at all"}),
    row("GET", "/login/code", (303, 303, 303, 303, 303, LOGIN)),
    row("POST", "/login/code", (401, 401, 401, 401, 401, LOGIN), variant="bad code",
        form={"code": "not-a-code"}),
    row("POST", "/language", (303, 303, 303, 303, 303, 303), form={"language": "en"}),
    row("GET", "/setup/{token}", (200, 200, 200, 200, 200, 200), fill={"token": "setup_token"}),
    row("POST", "/setup/{token}", (400, 400, 400, 400, 400, 400), fill={"token": "setup_token"},
        variant="passwords differ",
        form={"password": "one long password", "password_again": "another long password"}),
    row("GET", "/", (200, 200, 200, 200, 200, LOGIN)),
    # --- one's own account ------------------------------------------------------------------
    row("GET", "/account", (200, 200, 200, 200, 200, LOGIN)),
    row("POST", "/account/language", (303, 303, 303, 303, 303, LOGIN), form={"language": "en"}),
    # Someone else's live session or token (before their owners revoke them): not found.
    row("POST", "/account/sessions/{handle}/revoke", (404, 404, 404, 404, 404, LOGIN),
        fill={"handle": "their_handle"}, variant="someone else's session"),
    row("POST", "/account/sessions/{handle}/revoke", (303, 303, 303, 303, 303, LOGIN),
        fill={"handle": "handle"}, variant="my other session"),
    row("POST", "/account/tokens", (200, 200, 200, 200, 200, LOGIN), form={"name": "matrix"}),
    row("POST", "/account/tokens/{token_id}/revoke", (404, 404, 404, 404, 404, LOGIN),
        fill={"token_id": "their_token_id"}, variant="someone else's token"),
    row("POST", "/account/tokens/{token_id}/revoke", (303, 303, 303, 303, 303, LOGIN),
        fill={"token_id": "token_id"}, variant="my token"),
    row("GET", "/account/enrol", (200, 200, 200, 200, 200, LOGIN)),
    row("POST", "/account/enrol", (200, 200, 200, 200, 200, LOGIN),
        form={"secret": "{enrol_secret}", "code": "{enrol_code}"}),
    # --- evidence pages -----------------------------------------------------------------------
    row("GET", "/items", (200, 200, 200, 200, 200, LOGIN)),
    row("GET", "/collections", (200, 200, 200, 200, 200, LOGIN)),
    row("GET", "/items/{ref}", (200, 200, 200, 200, 200, LOGIN), fill=ALPHA, variant="alpha"),
    row("GET", "/items/{ref}", (200, 404, 404, 404, 404, LOGIN), fill=BETA, variant="beta"),
    row("GET", "/items/{ref}/preview?t={ticket_alpha}", (200, 200, 200, 200, 200, LOGIN),
        fill={"ref": "alpha_img"}, variant="alpha, with a ticket"),
    row("GET", "/items/{ref}/preview", (403, 403, 403, 403, 403, LOGIN),
        fill={"ref": "alpha_img"}, variant="alpha, no ticket"),
    row("GET", "/items/{ref}/preview?t={ticket_beta}", (200, 404, 404, 404, 404, LOGIN),
        fill={"ref": "beta_img"}, variant="beta, with a ticket"),
    row("GET", "/items/{ref}/download", (200, 403, 200, 200, 403, LOGIN), fill=ALPHA,
        variant="alpha"),
    row("GET", "/items/{ref}/download", (200, 404, 404, 404, 404, LOGIN), fill=BETA,
        variant="beta"),
    row("GET", "/items/{ref}/proof", (200, 403, 200, 200, 403, LOGIN), fill=ALPHA,
        variant="alpha"),
    row("GET", "/items/{ref}/proof", (200, 404, 404, 404, 404, LOGIN), fill=BETA,
        variant="beta"),
    row("GET", "/items/{ref}/custody-report", (200, 403, 200, 200, 403, LOGIN), fill=ALPHA,
        variant="alpha"),
    row("GET", "/items/{ref}/custody-report", (200, 404, 404, 404, 404, LOGIN), fill=BETA,
        variant="beta"),
    row("GET", "/items/{ref}/bag", (200, 403, 200, 200, 403, LOGIN), fill=ALPHA,
        variant="alpha"),
    row("GET", "/items/{ref}/bag", (200, 404, 404, 404, 404, LOGIN), fill=BETA,
        variant="beta"),
    row("POST", "/items/{ref}/description", (303, 403, 303, 303, 403, LOGIN), fill=ALPHA,
        variant="alpha", form=DESCRIBE),
    row("POST", "/items/{ref}/description", (303, 404, 404, 404, 404, LOGIN), fill=BETA,
        variant="beta", form=DESCRIBE),
    row("GET", "/upload", (200, 200, 200, 200, 403, LOGIN)),
    # A passphrase bundle opened from what is held for it in a collection one may upload into.
    row("GET", "/bundles/open", (200, 200, 200, 200, 403, LOGIN)),
    row("POST", "/bundles/open", (404, 404, 404, 404, 403, LOGIN), variant="alpha, none held",
        form={"collection": "alpha", "bundle": "0" * 64, "passphrase": "synthetic"}),
    row("POST", "/bundles/open", (404, 403, 403, 403, 403, LOGIN), variant="beta",
        form={"collection": "beta", "bundle": "0" * 64, "passphrase": "synthetic"}),
    # --- redaction review: seen with the item, boxes changed and approved by reviewers ----------
    row("GET", "/items/{ref}/redaction", (200, 200, 200, 200, 200, LOGIN),
        fill={"ref": "alpha_img"}, variant="alpha, nothing proposed"),
    # The admin proposes first; the reviewer then finds boxes already proposed (400).
    row("POST", "/items/{ref}/redaction/propose", (303, 403, 403, 400, 403, LOGIN),
        fill={"ref": "alpha_img"}, variant="alpha", form={"location": "none"}),
    row("POST", "/items/{ref}/redaction/propose", (303, 404, 404, 404, 404, LOGIN),
        fill={"ref": "beta_img"}, variant="beta", form={"location": "none"}),
    row("GET", "/items/{ref}/redaction", (200, 200, 200, 200, 200, LOGIN),
        fill={"ref": "alpha_img"}, variant="alpha, proposed"),
    row("GET", "/items/{ref}/redaction", (200, 404, 404, 404, 404, LOGIN),
        fill={"ref": "beta_img"}, variant="beta"),
    row("GET", "/items/{ref}/redaction/image?t={ticket_alpha}", (200, 200, 200, 200, 200, LOGIN),
        fill={"ref": "alpha_img"}, variant="alpha, with a ticket"),
    row("GET", "/items/{ref}/redaction/image", (403, 403, 403, 403, 403, LOGIN),
        fill={"ref": "alpha_img"}, variant="alpha, no ticket"),
    row("GET", "/items/{ref}/redaction/image?t={ticket_beta}", (200, 404, 404, 404, 404, LOGIN),
        fill={"ref": "beta_img"}, variant="beta, with a ticket"),
    row("POST", "/items/{ref}/redaction/boxes", (303, 403, 403, 303, 403, LOGIN),
        fill={"ref": "alpha_img"}, variant="alpha", form=BOX),
    row("POST", "/items/{ref}/redaction/boxes", (303, 404, 404, 404, 404, LOGIN),
        fill={"ref": "beta_img"}, variant="beta", form=BOX),
    # Version 3: proposed, then a box added by the admin and one by the reviewer.
    row("POST", "/items/{ref}/redaction/approve", (303, 403, 403, 303, 403, LOGIN),
        fill={"ref": "alpha_img"}, variant="alpha", form={"version": "3"}),
    row("POST", "/items/{ref}/redaction/approve", (303, 404, 404, 404, 404, LOGIN),
        fill={"ref": "beta_img"}, variant="beta", form={"version": "2"}),
    # --- verification pages: need to know by collection; review for the reviewer role ---------
    row("GET", "/incidents", (200, 200, 200, 200, 200, LOGIN)),
    row("GET", "/incidents/{ref}", (200, 200, 200, 200, 200, LOGIN),
        fill={"ref": "incident_alpha"}, variant="alpha"),
    row("GET", "/incidents/{ref}", (200, 404, 404, 404, 404, LOGIN),
        fill={"ref": "incident_beta"}, variant="beta"),
    row("GET", "/claims/{ref}", (200, 200, 200, 200, 200, LOGIN),
        fill={"ref": "claim_alpha"}, variant="alpha"),
    row("GET", "/claims/{ref}", (200, 404, 404, 404, 404, LOGIN),
        fill={"ref": "claim_beta"}, variant="beta"),
    row("GET", "/harm", (200, 200, 200, 200, 200, LOGIN)),
    row("GET", "/review", (200, 403, 403, 200, 403, LOGIN)),
    row("POST", "/review/{assessment_id}", (303, 403, 403, 303, 403, LOGIN),
        fill={"assessment_id": "assessment_alpha"}, variant="alpha", form=AGREE),
    row("POST", "/review/{assessment_id}", (303, 403, 403, 404, 403, LOGIN),
        fill={"assessment_id": "assessment_beta"}, variant="beta", form=AGREE),
    # Four eyes: the reviewer made this one (the admin may review it).
    row("POST", "/review/{assessment_id}", (303, 403, 403, 403, 403, LOGIN),
        fill={"assessment_id": "assessment_reviewers"}, variant="the reviewer's own", form=AGREE),
    # Verification from the browser: writing needs DESCRIBE (analyst, reviewer) in the collection.
    row("GET", "/sources", (200, 200, 200, 200, 200, LOGIN)),
    row("POST", "/sources", (303, 403, 303, 303, 403, LOGIN), variant="alpha",
        form={**SOURCE, "collection": "alpha"}),
    row("POST", "/sources", (303, 403, 403, 403, 403, LOGIN), variant="beta",
        form={**SOURCE, "collection": "beta"}),
    row("GET", "/sources/{ref}", (200, 200, 200, 200, 200, LOGIN),
        fill={"ref": "source_alpha"}, variant="alpha"),
    row("GET", "/sources/{ref}", (200, 404, 404, 404, 404, LOGIN),
        fill={"ref": "source_beta"}, variant="beta"),
    row("POST", "/sources/{ref}/grade", (303, 403, 303, 303, 403, LOGIN),
        fill={"ref": "source_alpha"}, variant="alpha", form=REGRADE),
    row("POST", "/sources/{ref}/grade", (303, 404, 404, 404, 404, LOGIN),
        fill={"ref": "source_beta"}, variant="beta", form=REGRADE),
    # A source related to itself is refused (400): past the access check, nothing is stored.
    row("POST", "/sources/{ref}/relations", (400, 403, 400, 400, 403, LOGIN),
        fill={"ref": "source_alpha"}, variant="alpha",
        form={"relation": "copies", "other": "src-alpha"}),
    row("POST", "/sources/{ref}/relations", (400, 404, 404, 404, 404, LOGIN),
        fill={"ref": "source_beta"}, variant="beta",
        form={"relation": "copies", "other": "src-beta"}),
    row("POST", "/incidents", (303, 403, 303, 303, 403, LOGIN), variant="alpha",
        form={**INCIDENT, "collection": "alpha"}),
    row("POST", "/incidents", (303, 403, 403, 403, 403, LOGIN), variant="beta",
        form={**INCIDENT, "collection": "beta"}),
    row("POST", "/incidents/{ref}/claims", (303, 403, 303, 303, 403, LOGIN),
        fill={"ref": "incident_alpha"}, variant="alpha", form=CLAIM),
    row("POST", "/incidents/{ref}/claims", (303, 404, 404, 404, 404, LOGIN),
        fill={"ref": "incident_beta"}, variant="beta", form=CLAIM),
    # An unknown kind of link is refused (400) past the access check.
    row("POST", "/claims/{ref}/links", (400, 403, 400, 400, 403, LOGIN),
        fill={"ref": "claim_alpha"}, variant="alpha", form=LINK),
    row("POST", "/claims/{ref}/links", (400, 404, 404, 404, 404, LOGIN),
        fill={"ref": "claim_beta"}, variant="beta", form=LINK),
    row("POST", "/claims/{ref}/assessments", (303, 403, 303, 303, 403, LOGIN),
        fill={"ref": "claim_alpha"}, variant="alpha",
        form={**ASSESS, "source": "src-alpha"}),
    row("POST", "/claims/{ref}/assessments", (303, 404, 404, 404, 404, LOGIN),
        fill={"ref": "claim_beta"}, variant="beta", form={**ASSESS, "source": "src-beta"}),
    # --- the victim register: need to know by its collection (victim-lists) -------------------
    row("GET", "/victims", (200, 200, 200, 200, 200, LOGIN)),
    row("GET", "/victims/records/{ref}", (200, 200, 200, 200, 200, LOGIN),
        fill={"ref": "victim_record"}),
    row("GET", "/victims/estimate", (200, 200, 200, 200, 200, LOGIN)),
    row("GET", "/victims/review", (200, 403, 403, 200, 403, LOGIN)),
    row("POST", "/victims/review", (303, 403, 403, 303, 403, LOGIN),
        form={"left": "{pair_left}", "right": "{pair_right}", "decision": "unsure"}),
    row("GET", "/victims/import", (200, 200, 200, 200, 403, LOGIN)),
    row("POST", "/victims/import", (303, 303, 303, 303, 403, LOGIN),
        form={"list_name": "NEW-{who}", "calendar": "auto"},
        files={"file": ("list.csv", VICTIMS_LIST)}),
    # Each account's staged lists are its own: another's token finds nothing.
    row("GET", "/victims/import/{token}", (200, 200, 200, 200, 403, LOGIN),
        fill={"token": "staged_good"}, variant="mine"),
    row("GET", "/victims/import/{token}", (404, 404, 404, 404, 403, LOGIN),
        fill={"token": "their_staged"}, variant="someone else's"),
    row("POST", "/victims/import/{token}", (400, 400, 400, 400, 403, LOGIN),
        fill={"token": "staged_bad"}, variant="a bad row: refused whole", form=MAPPED),
    row("GET", "/victims/import/{token}/rejected.csv", (200, 200, 200, 200, 403, LOGIN),
        fill={"token": "staged_bad"}, variant="mine"),
    row("GET", "/victims/import/{token}/rejected.csv", (404, 404, 404, 404, 403, LOGIN),
        fill={"token": "their_staged_bad"}, variant="someone else's"),
    row("POST", "/victims/import/{token}", (200, 200, 200, 200, 403, LOGIN),
        fill={"token": "staged_good"}, variant="mine", form=MAPPED),
    # --- sanctions: the gap report and candidates show the registry (its collection) ---------
    row("GET", "/sanctions", (200, 200, 200, 200, 200, LOGIN)),
    row("GET", "/sanctions/screen?name=Synthetic%20Name", (200, 200, 200, 200, 200, LOGIN)),
    row("GET", "/sanctions/review", (200, 403, 403, 200, 403, LOGIN)),
    row("POST", "/sanctions/review", (303, 403, 403, 303, 403, LOGIN),
        form={"left": "{judge_left}", "right": "{judge_right}", "decision": "unsure"}),
    # --- the registry: read by any role in its collection, changed by those who describe ------
    row("GET", "/registry", (200, 200, 200, 200, 200, LOGIN)),
    row("GET", "/registry/entities/{entity_id}", (200, 200, 200, 200, 200, LOGIN),
        fill={"entity_id": "registry_entity"}),
    row("GET", "/registry/new", (200, 403, 200, 200, 403, LOGIN)),
    row("POST", "/registry/new", (303, 403, 303, 303, 403, LOGIN),
        form={"schema": "Person", "prop-0": "name", "value-0": "Made by {who} (synthetic)"}),
    row("GET", "/registry/entities/{entity_id}/edit", (200, 403, 200, 200, 403, LOGIN),
        fill={"entity_id": "registry_entity"}),
    row("POST", "/registry/entities/{entity_id}/edit", (303, 403, 303, 303, 403, LOGIN),
        fill={"entity_id": "registry_entity"}, form={"prop-0": "alias", "value-0": "alias by {who}"}),
    # --- administration pages -------------------------------------------------------------------
    row("GET", "/admin/users", (200, 403, 403, 403, 403, LOGIN)),
    row("POST", "/admin/users", (200, 403, 403, 403, 403, LOGIN),
        form={"name": "made-by-{who}", "role": "viewer", "collection": "alpha"}),
    row("POST", "/admin/users/{name}/reset", (200, 403, 403, 403, 403, LOGIN),
        fill={"name": "account"}),
    row("POST", "/admin/users/{name}/grants", (303, 403, 403, 403, 403, LOGIN),
        fill={"name": "account"}, form={"collection": "beta", "role": "viewer"}),
    row("POST", "/admin/users/{name}/grants/revoke", (303, 403, 403, 403, 403, LOGIN),
        fill={"name": "account"}, form={"collection": "beta"}),
    row("POST", "/admin/users/{name}/unlock", (303, 403, 403, 403, 403, LOGIN),
        fill={"name": "account"}),
    row("POST", "/admin/users/{name}/disable", (303, 403, 403, 403, 403, LOGIN),
        fill={"name": "account"}),
    row("POST", "/admin/users/{name}/enable", (303, 403, 403, 403, 403, LOGIN),
        fill={"name": "account"}),
    row("GET", "/admin/audit", (200, 403, 403, 403, 403, LOGIN)),
    # --- the JSON API -------------------------------------------------------------------------
    row("GET", "/api/v1/me", (200, 200, 200, 200, 200, 401)),
    row("GET", "/api/v1/items", (200, 200, 200, 200, 200, 401)),
    row("GET", "/api/v1/collections", (200, 200, 200, 200, 200, 401)),
    row("GET", "/api/v1/items/{ref}", (200, 200, 200, 200, 200, 401), fill=ALPHA,
        variant="alpha"),
    row("GET", "/api/v1/items/{ref}", (200, 404, 404, 404, 404, 401), fill=BETA, variant="beta"),
    row("GET", "/api/v1/items/{ref}/content", (200, 403, 200, 200, 403, 401), fill=ALPHA,
        variant="alpha"),
    row("GET", "/api/v1/items/{ref}/content", (200, 404, 404, 404, 404, 401), fill=BETA,
        variant="beta"),
    row("GET", "/api/v1/items/{ref}/proof", (200, 403, 200, 200, 403, 401), fill=ALPHA,
        variant="alpha"),
    row("GET", "/api/v1/items/{ref}/proof", (200, 404, 404, 404, 404, 401), fill=BETA,
        variant="beta"),
    row("GET", "/api/v1/items/{ref}/custody-report", (200, 403, 200, 200, 403, 401), fill=ALPHA,
        variant="alpha"),
    row("GET", "/api/v1/items/{ref}/custody-report", (200, 404, 404, 404, 404, 401), fill=BETA,
        variant="beta"),
    row("PUT", "/api/v1/items/{ref}/description", (200, 403, 200, 200, 403, 401), fill=ALPHA,
        variant="alpha", json=DESCRIBE),
    row("PUT", "/api/v1/items/{ref}/description", (200, 404, 404, 404, 404, 401), fill=BETA,
        variant="beta", json=DESCRIBE),
    row("GET", "/api/v1/items/{ref}", (404, 404, 404, 404, 404, 401),
        fill={"ref": "missing"}, variant="no such item"),
    # A finished upload's receipt is its uploader's alone (intake made this one).
    row("GET", "/api/v1/uploads/{upload_id}", (404, 200, 404, 404, 404, 401),
        fill={"upload_id": "upload_id"}),
    row("GET", "/api/v1/accounts", (200, 403, 403, 403, 403, 401)),
    row("POST", "/api/v1/accounts", (201, 403, 403, 403, 403, 401),
        json={"name": "api-made-by-{who}", "role": "viewer", "collections": ["alpha"]}),
    row("PUT", "/api/v1/accounts/{name}/grants/{collection}", (200, 403, 403, 403, 403, 401),
        fill={"name": "account", "collection": "collection"}, json={"role": "viewer"}),
    row("DELETE", "/api/v1/accounts/{name}/grants/{collection}", (200, 403, 403, 403, 403, 401),
        fill={"name": "account", "collection": "collection"}),
    row("GET", "/api/v1/audit", (200, 403, 403, 403, 403, 401)),
    # Sanctions lists are shared: every account may match against them (nothing of a collection).
    row("POST", "/match/{dataset}", (200, 200, 200, 200, 200, 401), fill={"dataset": "dataset"},
        json=YENTE),
    row("POST", "/match/{dataset}", (404, 404, 404, 404, 404, 401), fill={"dataset": "missing"},
        variant="no such list", json=YENTE),
    # --- resumable uploads (tus) --------------------------------------------------------------
    row("OPTIONS", "/uploads/", (204, 204, 204, 204, 403, 401), headers=TUS),
    row("POST", "/uploads/", (201, 201, 201, 201, 403, 401), variant="into alpha",
        headers={**TUS, "Upload-Length": "3", "Upload-Metadata": "{meta_alpha}"}),
    row("POST", "/uploads/", (201, 403, 403, 403, 403, 401), variant="into beta",
        headers={**TUS, "Upload-Length": "3", "Upload-Metadata": "{meta_beta}"}),
    row("POST", "/uploads", (201, 201, 201, 201, 403, 401), variant="into alpha",
        headers={**TUS, "Upload-Length": "3", "Upload-Metadata": "{meta_alpha}"}),
    row("HEAD", "/uploads/{uuid}", (200, 200, 200, 200, 403, 401), fill={"uuid": "pending"},
        variant="mine", headers=TUS),
    row("PATCH", "/uploads/{uuid}", (204, 204, 204, 204, 403, 401), fill={"uuid": "patchable"},
        variant="mine", content="{patch_body}", headers={**TUS, **PATCH}),
    # Each account's uploads live in a folder of its own: another's upload id finds nothing.
    row("HEAD", "/uploads/{uuid}", (404, 404, 404, 404, 403, 401), fill={"uuid": "theirs"},
        variant="someone else's", headers=TUS),
    row("PATCH", "/uploads/{uuid}", (404, 404, 404, 404, 403, 401), fill={"uuid": "theirs"},
        variant="someone else's", content="{patch_body}", headers={**TUS, **PATCH}),
    row("DELETE", "/uploads/{uuid}", (404, 404, 404, 404, 403, 401), fill={"uuid": "theirs"},
        variant="someone else's", headers=TUS),
    row("DELETE", "/uploads/{uuid}", (204, 204, 204, 204, 403, 401), fill={"uuid": "pending"},
        variant="mine", headers=TUS),
    # --- signing out: last ----------------------------------------------------------------------
    row("POST", "/logout", (303, 303, 303, 303, 303, LOGIN)),
)  # fmt: skip


def served_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, mounts as ("MOUNT", path)."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path
        assert isinstance(path, str)
        methods = route.methods
        if methods is None:  # a mount: static files
            found.add(("MOUNT", path))
        else:
            found.update((method, path) for method in methods)
    return found


def route_of(r: Row) -> tuple[str, str]:
    return (r.method, r.path.split("?", 1)[0])


# --- the world the table is tried in ---------------------------------------------------------


@dataclass
class World:
    app: FastAPI
    accounts: Accounts
    clients: dict[str, TestClient]
    values: dict[str, dict[str, str]]  # who -> value name -> value
    principals: dict[str, Principal]
    api_tokens: dict[str, str]
    courier: dict[str, str]  # the Authorization header of an account outside WHO
    spares: dict[str, str]  # who -> an API token the matrix revokes
    others: dict[str, str]  # who -> the cookie of a second session the matrix revokes


def _png(path: Path, color: tuple[int, int, int]) -> Path:
    Image.new("RGB", (8, 8), color).save(path, "PNG")
    return path


def _tus_meta(collection: str, filename: str) -> str:
    pairs = {"filename": filename, "filetype": "text/plain", "collection": collection}
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


def _tus_create(client: TestClient, headers: dict[str, str], body: bytes, collection: str) -> str:
    response = client.post(
        "/uploads/",
        headers={
            **headers,
            **TUS,
            "Upload-Length": str(len(body)),
            "Upload-Metadata": _tus_meta(collection, "note.txt"),
        },
    )
    assert response.status_code == 201, response.text
    return response.headers["location"].rstrip("/").rsplit("/", 1)[1]


def _tus_send(client: TestClient, headers: dict[str, str], uuid: str, body: bytes) -> None:
    response = client.patch(
        f"/uploads/{uuid}",
        content=body,
        headers={
            **headers,
            **TUS,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert response.status_code == 204, response.text


def _verifications(vault: Vault, items: dict[str, str]) -> dict[str, str]:
    """An incident, a claim and assessments in alpha and in beta (made as the CLI makes them),
    and one assessment in alpha made by the reviewer's own web account."""
    found: dict[str, str] = {}
    for collection in ("alpha", "beta"):
        made = Verification(vault, Asker.operator("matrix-analyst"))
        made.add_source(f"source in {collection}", "witness", collection=collection, grade="C",
                        reason="synthetic", source_id=f"src-{collection}")  # fmt: skip
        made.add_incident(f"incident in {collection}", "other", collection=collection,
                          incident_id=f"inc-{collection}")  # fmt: skip
        made.add_claim("synthetic", "occurred", incident_id=f"inc-{collection}",
                       claim_id=f"clm-{collection}")  # fmt: skip
        assessed = made.assess(f"clm-{collection}", f"src-{collection}", stance="supports",
                               credibility=2, evidence=items[collection])  # fmt: skip
        found[f"source_{collection}"] = f"src-{collection}"
        found[f"incident_{collection}"] = f"inc-{collection}"
        found[f"claim_{collection}"] = f"clm-{collection}"
        found[f"assessment_{collection}"] = assessed["assessment"]["id"]
    reviewers = Verification(vault, Asker.operator("web:reviewer"))
    own = reviewers.assess("clm-alpha", "src-alpha", stance="supports", credibility=3)
    found["assessment_reviewers"] = own["assessment"]["id"]
    return found


def _victims(vault: Vault, tmp_path: Path) -> dict[str, str]:
    """Three small synthetic lists, imported and linked as the CLI does: a record to open and
    a pair to decide."""
    population = synthetic.people(30, seed=3)
    register = Register(vault)
    for j, records in enumerate(synthetic.lists(population, [0.7, 0.6, 0.5], seed=4)):
        path = tmp_path / f"victims-{j}.csv"
        synthetic.write_csv(records, path)
        register.import_list(path, ListInfo(synthetic.list_prefix(j)), {"name_fa": "name_fa"})
    people = People(vault)
    people.run_linkage(None, seed=1)
    pending = people.to_review(lower=0.0, upper=1.0, limit=1)
    return {
        "victim_record": f"{synthetic.list_prefix(0)}:2",
        "pair_left": pending[0]["left"]["id"],
        "pair_right": pending[0]["right"]["id"],
    }


def _sanctions(vault: Vault) -> dict[str, str]:
    """The OFAC excerpt and one synthetic registry entity: a pair to judge."""
    store = Sanctions(vault)
    store.import_list(SANCTIONS_FIXTURES / "ofac", "ofac", "ofac")
    entry = next(iter(store.entries("ofac")))
    made = Registry(vault).add("Person", {"name": ["Synthetic Name"]}, source="synthetic")
    return {
        "judge_left": f"registry:{made['id']}",
        "judge_right": entry.ref,
        "registry_entity": made["id"],
    }


def _stage_list(client: TestClient, csrf: str, name: str, body: str) -> str:
    """A list uploaded for import, as the import page sends it; its token."""
    response = client.post(
        "/victims/import",
        data={"list_name": name, "calendar": "auto", "csrf_token": csrf},
        files={"file": ("list.csv", body.encode(), "text/csv")},
        headers={"X-CSRF-Token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"]).rsplit("/", 1)[1]


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """The matrix is about authorisation; a cheaper argon2id (same algorithm) keeps a dozen
    sign-ins quick. tests/web/test_accounts_web.py checks the real hashes."""
    monkeypatch.setattr(cred, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def world(
    app: FastAPI,
    accounts: Accounts,
    person: Callable[..., Any],
    signed_in: Callable[[FastAPI, Any], TestClient],
    items: dict[str, str],
    vault: Vault,
    tmp_path: Path,
) -> Iterator[World]:
    images = tmp_path / "images"
    for collection, color in (("alpha", (200, 0, 0)), ("beta", (0, 0, 200))):
        (images / collection).mkdir(parents=True)
        png = _png(images / collection / f"{collection}.png", color)
        made = ingest(vault, [os.fsencode(png)], collection=collection, source="synthetic")
        items[f"{collection}_img"] = made.items[0]["id"]

    granted = ("alpha", COLLECTION, REGISTRY)
    people = {role: person(role, role, granted) for role in ROLES}
    accounts.create("target", "viewer", ["alpha"], "test-admin")
    setup_token = accounts.create("newbie", "viewer", ["alpha"], "test-admin").token

    clients = {role: signed_in(app, people[role]) for role in ROLES}
    anon = TestClient(app, base_url="https://testserver")
    assert anon.get("/login").status_code == 200  # the sign-in form's double-submit cookie
    clients["anon"] = anon

    principals: dict[str, Principal] = {}
    values: dict[str, dict[str, str]] = {}
    api_tokens: dict[str, str] = {}
    spares: dict[str, str] = {}
    others: dict[str, str] = {}
    web = app.state.gavah
    for role in ROLES:
        found = accounts.principal_for_session(clients[role].cookies["gavah_session"])
        assert found is not None
        principals[role] = found
        api_tokens[role] = accounts.create_token(found, "matrix")
        spares[role] = accounts.create_token(found, "spare")
        spare = [t for t in accounts.tokens(found.account_id) if t["name"] == "spare"]
        other = accounts.sign_in(role, people[role].password, None, "a second browser")
        others[role] = other.token
        enrol_secret = accounts.enrolment_totp_secret(found)  # the server makes it
        values[role] = {
            "who": role,
            "name": role,
            "token_id": str(spare[0]["id"]),
            "handle": cred.digest(other.token)[:16],
            "enrol_secret": enrol_secret,
            "enrol_code": next_code(enrol_secret),
            "ticket_alpha": preview_ticket(web, found, items["alpha_img"]),
            "ticket_beta": preview_ticket(web, found, items["beta_img"]),
        }
    # Someone else's session and token: the viewer's for everyone but the viewer (admin's).
    for role in ROLES:
        owner = "admin" if role == "viewer" else "viewer"
        values[role]["their_handle"] = values[owner]["handle"]
        values[role]["their_token_id"] = values[owner]["token_id"]

    # Uploads in progress: one to look at and delete, one to finish; intake also finished one.
    for role in UPLOADERS:
        body = f"uploaded by {role}\n".encode()
        values[role]["patch_body"] = body.decode()
        headers = {"X-CSRF-Token": str(principals[role].csrf)}
        values[role]["pending"] = _tus_create(clients[role], headers, body, "alpha")
        values[role]["patchable"] = _tus_create(clients[role], headers, body, "alpha")
    intake_headers = {"X-CSRF-Token": str(principals["intake"].csrf)}
    finished = _tus_create(clients["intake"], intake_headers, b"finished\n", "alpha")
    _tus_send(clients["intake"], intake_headers, finished, b"finished\n")
    # Someone outside WHO with an upload in progress, made with an API token.
    courier = accounts.create_with_credentials("courier", "intake", ["alpha"], "test-admin")
    opened = accounts.principal_for_session(
        accounts.sign_in("courier", courier.password, None, None).token
    )
    assert opened is not None
    courier_auth = {"Authorization": f"Bearer {accounts.create_token(opened, 'courier')}"}
    with TestClient(app, base_url="https://testserver") as bare:
        theirs = _tus_create(bare, courier_auth, b"uploaded by the courier\n", "alpha")

    values["viewer"].update(
        {k: values["intake"][k] for k in ("pending", "patchable", "patch_body")}
    )
    verifications = _verifications(vault, items)
    register = {**_victims(vault, tmp_path), **_sanctions(vault)}
    for role in UPLOADERS:
        client, csrf = clients[role], str(principals[role].csrf)
        values[role]["staged_good"] = _stage_list(client, csrf, f"WEB-{role}", VICTIMS_LIST)
        bad = VICTIMS_LIST + "Another,دیگری,30,1401/13/45\n"
        values[role]["staged_bad"] = _stage_list(client, csrf, f"BAD-{role}", bad)
    for role in UPLOADERS:
        owner = "intake" if role != "intake" else "admin"
        values[role]["their_staged"] = values[owner]["staged_good"]
        values[role]["their_staged_bad"] = values[owner]["staged_bad"]
    for key in ("staged_good", "staged_bad", "their_staged", "their_staged_bad"):
        values["viewer"][key] = values["intake"][key]
    values["anon"] = {
        **values["viewer"],
        "who": "anon",
        "name": "nobody",
        "ticket_alpha": "0.0",
        "ticket_beta": "0.0",
    }
    for who in WHO:
        values[who].update(
            {
                "alpha": items["alpha"],
                "beta": items["beta"],
                "alpha_img": items["alpha_img"],
                "beta_img": items["beta_img"],
                "missing": "ev-" + "0" * 26,
                "dataset": "default",
                "account": "target",
                "collection": "gamma",
                "setup_token": setup_token,
                "upload_id": finished,
                "theirs": theirs,
                **verifications,
                **register,
                "meta_alpha": _tus_meta("alpha", f"{who}.txt"),
                "meta_beta": _tus_meta("beta", f"{who}.txt"),
            }
        )
    yield World(
        app, accounts, clients, values, principals, api_tokens, courier_auth, spares, others
    )
    for client in clients.values():
        client.close()


# --- trying the table ------------------------------------------------------------------------


def _fill(text: str, values: dict[str, str]) -> str:
    return text.format_map(values)


def request(
    client: TestClient, r: Row, values: dict[str, str], auth: dict[str, str], form_token: str
) -> Any:
    path = r.path
    for param, name in r.fill.items():
        path = path.replace("{" + param + "}", values[name])
    path = _fill(path, values)
    headers = {k: _fill(v, values) for k, v in {**auth, **r.headers}.items()}
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if r.form is not None or (r.method == "POST" and r.json is None and not r.api):
        form = {k: _fill(v, values) for k, v in (r.form or {}).items()}
        kwargs["data"] = {**form, "csrf_token": form_token}
    if r.json is not None:
        kwargs["json"] = {
            k: _fill(v, values) if isinstance(v, str) else v for k, v in r.json.items()
        }
    if r.content is not None:
        kwargs["content"] = _fill(r.content, values).encode()
    if r.files is not None:
        kwargs["files"] = {
            k: (name, _fill(body, values).encode(), "text/csv")
            for k, (name, body) in r.files.items()
        }
    return client.request(r.method, path, **kwargs)


def mismatch(r: Row, who: str, response: Any, expected: Outcome) -> str | None:
    """Why ``response`` is not ``expected``, or None if it is."""
    status, location = response.status_code, response.headers.get("location", "")
    seen = f"{status} {location}".strip()
    if expected == LOGIN:
        if status != 303 or not location.startswith("/login?next="):
            return f"{r.label} as {who}: expected a redirect to sign in, got {seen}"
        return None
    if status != expected:
        return f"{r.label} as {who}: expected {expected}, got {seen}: {response.text[:200]}"
    if status == 303 and location.startswith("/login?next="):
        return f"{r.label} as {who}: sent to sign in, expected {expected} ({location})"
    if r.api and status >= 400 and r.method != "HEAD":
        body = response.json()
        if set(body) != ERROR_KEYS or body["status"] != status:
            return f"{r.label} as {who}: not the one error shape: {body}"
    return None


def run(world: World, rows: tuple[Row, ...], *, bearer: bool) -> list[str]:
    problems: list[str] = []
    for r in rows:
        for who in WHO:
            client = world.clients[who]
            values = world.values[who]
            if who == "anon":
                auth: dict[str, str] = {}
            elif bearer:
                auth = {"Authorization": f"Bearer {world.api_tokens[who]}"}
            else:
                auth = {"X-CSRF-Token": str(world.principals[who].csrf)}
            form_token = client.cookies.get("gavah_form") or ""
            if bearer and who != "anon":
                # No cookies at all: the token alone must carry the request.
                with TestClient(world.app, base_url="https://testserver") as bare:
                    response = request(bare, r, values, auth, "")
            else:
                response = request(client, r, values, auth, form_token)
            problem = mismatch(r, who, response, r.expect[who])
            if problem:
                problems.append(problem)
    return problems


# --- the tests -------------------------------------------------------------------------------


def assert_courier_upload_untouched(world: World) -> None:
    with TestClient(world.app, base_url="https://testserver") as bare:
        uuid = world.values["viewer"]["theirs"]
        head = bare.head(f"/uploads/{uuid}", headers={**world.courier, **TUS})
        assert head.status_code == 200 and head.headers["upload-offset"] == "0"


def test_the_table_covers_every_route(app: FastAPI) -> None:
    served = served_routes(app)
    in_table = {route_of(r) for r in TABLE}
    assert served - SKIPPED - in_table == set(), "routes without a row in the table"
    assert in_table - served == set(), "rows for routes that do not exist"
    assert served & SKIPPED == SKIPPED, "a skipped route no longer exists: update SKIPPED"
    for r in TABLE:  # every row says what every one of WHO gets
        assert set(r.expect) == set(WHO), r.label


def test_only_the_sign_in_flow_and_the_skipped_routes_are_public(app: FastAPI) -> None:
    for r in TABLE:
        anonymous = r.expect["anon"]
        if route_of(r) in SIGN_IN_FLOW:
            # No sign-in needed: nobody is treated exactly like a signed-in viewer.
            assert anonymous == r.expect["viewer"] and anonymous != LOGIN, r.label
        else:
            assert anonymous == (401 if r.api else LOGIN), r.label
    with TestClient(app, base_url="https://testserver") as anon:
        assert anon.get("/healthz").json() == {"status": "ok"}
        assert anon.get("/api/v1/openapi.json").json()["info"]["title"] == "gavah"
        assert anon.get("/static/app.css").status_code == 200


def test_every_route_as_every_role_in_a_browser_session(world: World) -> None:
    problems = run(world, TABLE, bearer=False)
    assert not problems, "\n".join(problems)
    # The refused requests changed nothing; the allowed ones did what they say.
    events = world.accounts.events(limit=1000)
    kinds = {(e["kind"], e["account"]) for e in events}
    assert ("grant", "target") in kinds and ("revoke", "target") in kinds
    assert ("disabled", "target") in kinds and ("enabled", "target") in kinds
    made = {a["name"] for a in world.accounts.overview()}
    assert {"made-by-admin", "api-made-by-admin"} <= made
    assert not {f"made-by-{role}" for role in ROLES[1:]} & made
    assert not {f"api-made-by-{role}" for role in ROLES[1:]} & made
    # What the "mine" rows revoked is revoked; what was "someone else's" is untouched.
    for role in ROLES:
        assert world.accounts.principal_for_session(world.others[role]) is None
        assert world.accounts.principal_for_token(world.spares[role]) is None
        assert world.accounts.principal_for_token(world.api_tokens[role]) is not None
    assert_courier_upload_untouched(world)
    # Signed out: the old cookies open nothing any more.
    for role in ROLES:
        again = world.clients[role].get("/items", follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_api_and_uploads_with_bearer_tokens_get_the_same_checks(world: World) -> None:
    api_rows = tuple(r for r in TABLE if r.api)
    assert len(api_rows) >= 25
    problems = run(world, api_rows, bearer=True)
    assert not problems, "\n".join(problems)
    assert_courier_upload_untouched(world)
    with TestClient(world.app, base_url="https://testserver") as bare:
        me = bare.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {world.api_tokens['analyst']}"}
        )
        assert me.json()["via"] == "token" and me.json()["name"] == "analyst"
        # A token that was never issued is nobody: 401 on every API and upload route.
        forged = {"Authorization": "Bearer gvh_" + "A" * 43}
        for r in api_rows:
            response = request(bare, r, world.values["viewer"], forged, "")
            assert response.status_code == 401, r.label
