"""The perpetrator registry's pages: persons, units and posts (and every other schema it keeps),
one entity with each value's source and its links, and forms to add and edit.

Need to know: the registry is opened to those granted a role in its collection
(:data:`gavah.registry.COLLECTION`): any role reads it, a role that may describe (analyst,
reviewer) changes it. Additions and edits go through :class:`gavah.registry.store.Registry`, so
the checks are the command line's (required properties, plausible dates, links to entities that
exist) and each change is one custody event named after the web account. An evidence item named
as a source, or documenting an entity, shows only to those who see it; naming one as a source
takes an item the person sees, so the form cannot probe the vault.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gavah.accounts import Can, Principal
from gavah.errors import AccessDenied, InputError, NotFound
from gavah.registry import COLLECTION, model
from gavah.registry.store import Registry
from gavah.vault import Vault
from gavah.verify.access import Asker
from gavah.verify.store import Verification
from gavah.web.context import signed_in, state
from gavah.web.pages.render import render

router = APIRouter(include_in_schema=False)
# The tabs of the list: persons, units (bodies), posts, and the rest.
TABS = {"Person": "Person", "PublicBody": "PublicBody", "Position": "Position", "": ""}
FORM_ROWS = 8  # property = value rows on the add and edit forms
ADDABLE = tuple(s for s in model.SCHEMATA if s not in ("Document", "Documentation"))


async def registry_reader(me: Principal = Depends(signed_in)) -> Principal:
    if not me.can(Can.SEE, COLLECTION):
        raise AccessDenied(
            "the registry is open to those granted its collection",
            hint=f"an admin can grant you a role in collection {COLLECTION}",
        )
    return me


async def registry_editor(me: Principal = Depends(signed_in)) -> Principal:
    if not me.can(Can.DESCRIBE, COLLECTION):
        raise AccessDenied(
            "changing the registry takes the analyst or reviewer role in its collection",
            hint=f"an admin can grant you a role in collection {COLLECTION}",
        )
    return me


def _registry(request: Request, me: Principal) -> Registry:
    return Registry(Vault(state(request).workspace, actor=me.actor))


def _seen_evidence(request: Request, me: Principal, ids: list[str]) -> dict[str, str]:
    """Of these evidence ids, those the person sees, with a file name."""
    vault = Vault(state(request).workspace, actor=me.actor)
    return Verification(vault, Asker.of(me)).evidence_names(ids)


def unseen(request: Request, me: Principal) -> set[str]:
    """The Document entities standing for evidence items the person does not see, and the
    Documentation entities tying one to an entity: their ids, captions and values name the item
    and its SHA-256, so they are "not found" to that person, as the item itself is."""
    registry = _registry(request, me)
    docs = {str(e.id): [str(v) for v in e.get("fileName")] for e in registry.entities(["Document"])}
    cited = [ev for found in docs.values() for ev in found]
    seen = _seen_evidence(request, me, cited) if cited else {}
    hidden = {doc for doc, found in docs.items() if not any(ev in seen for ev in found)}
    for e in registry.entities(["Documentation"]):
        if set(map(str, e.get("document"))) & hidden:
            hidden.add(str(e.id))
    return hidden


@router.get("/registry", response_class=HTMLResponse)
def registry_page(
    request: Request, me: Principal = Depends(registry_reader), schema: str = "", q: str = ""
) -> Response:
    """The registry's entities of one schema (persons, units, posts, or any), searched."""
    if schema and schema not in model.SCHEMATA:
        raise InputError(f"schema {schema!r} is not used by the registry")
    hidden = unseen(request, me)
    found = [
        e
        for e in _registry(request, me).list(schema or None, q[:200] or None)
        if e["id"] not in hidden
    ]
    return render(
        request, "registry.html", entities=found, schema=schema, q=q, tabs=TABS, schemata=ADDABLE
    )


@router.get("/registry/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(
    request: Request, entity_id: str, me: Principal = Depends(registry_reader)
) -> Response:
    """One entity: every value with where it came from, and its links both ways."""
    shown = _visible(request, me, entity_id)
    cited = [str(st["source"]) for st in shown["statements"] if str(st["source"] or "")]
    cited += [str(v) for v in shown["properties"].get("fileName", [])]
    evidence = _seen_evidence(request, me, [c for c in cited if c.startswith("ev-")])
    return render(
        request,
        "registry_entity.html",
        entity=shown,
        evidence=evidence,
        editable=me.can(Can.DESCRIBE, COLLECTION),
    )


def _visible(request: Request, me: Principal, entity_id: str) -> dict[str, Any]:
    """The entity as ``Registry.show`` has it, without what the person may not see."""
    hidden = unseen(request, me)
    shown = _registry(request, me).show(entity_id)
    if shown["id"] in hidden:
        raise NotFound(f"no registry entity {entity_id!r}")
    shown["refers_to"] = [r for r in shown["refers_to"] if r["id"] not in hidden]
    shown["referred_by"] = [r for r in shown["referred_by"] if r["id"] not in hidden]
    return shown


def _pairs(form: dict[str, str]) -> dict[str, list[str]]:
    """The form's ``prop-N`` / ``value-N`` rows into property -> values (blank rows skipped)."""
    found: dict[str, list[str]] = {}
    for i in range(FORM_ROWS):
        prop, value = form.get(f"prop-{i}", "").strip(), form.get(f"value-{i}", "")
        if prop and value.strip():
            found.setdefault(prop, []).append(value)
    return found


def _source(request: Request, me: Principal, text: str) -> str | None:
    """The source as given; an evidence item must be one the person sees (else "not found",
    as anywhere else: the form must not tell whether an item exists in another collection)."""
    source = text.strip() or None
    if source and source.lower().startswith("ev-"):
        seen = _seen_evidence(request, me, [source])
        if source not in seen:
            raise NotFound(f"no evidence item {source!r}", hint="give an item's full id")
    return source


@router.get("/registry/new", response_class=HTMLResponse)
def add_form(
    request: Request, me: Principal = Depends(registry_editor), schema: str = "Person"
) -> Response:
    entity_schema = model.schema(schema)
    return _form(request, "add", entity_schema.name, None, {}, "", None)


@router.post("/registry/new")
async def add_entity(request: Request, me: Principal = Depends(registry_editor)) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    schema = model.schema(form.get("schema", "")).name
    values = _pairs(form)
    try:
        source = _source(request, me, form.get("source", ""))
        made = _registry(request, me).add(schema, values, source=source)
    except InputError as exc:
        return _form(request, "add", schema, None, values, form.get("source", ""), exc)
    done = "added-namesake" if made["same_name"] else "added"
    return RedirectResponse(f"/registry/entities/{made['id']}?done={done}", status_code=303)


@router.get("/registry/entities/{entity_id}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request, entity_id: str, me: Principal = Depends(registry_editor)
) -> Response:
    shown = _visible(request, me, entity_id)
    return _form(request, "edit", shown["schema"], shown, {}, "", None)


@router.post("/registry/entities/{entity_id}/edit")
async def edit_entity(
    request: Request, entity_id: str, me: Principal = Depends(registry_editor)
) -> Response:
    form = await request.form()
    fields = {k: str(v) for k, v in form.items()}
    registry = _registry(request, me)
    shown = _visible(request, me, entity_id)
    remove: dict[str, list[str]] = {}
    for item in form.getlist("remove"):
        prop, _, value = str(item).partition("=")
        remove.setdefault(prop, []).append(value)
    add = _pairs(fields)
    try:
        source = _source(request, me, fields.get("source", ""))
        registry.edit(shown["id"], add=add, remove=remove, source=source)
    except InputError as exc:
        return _form(request, "edit", shown["schema"], shown, add, fields.get("source", ""), exc)
    return RedirectResponse(f"/registry/entities/{shown['id']}?done=edited", status_code=303)


def _form(
    request: Request,
    mode: str,
    schema: str,
    entity: dict[str, Any] | None,
    values: dict[str, list[str]],
    source: str,
    problem: InputError | None,
) -> Response:
    entity_schema = model.schema(schema)
    props = sorted(
        (p for p in entity_schema.properties.values() if not (p.stub or p.hidden)),
        key=lambda p: (p.name not in entity_schema.required, p.name != "name", p.label),
    )
    rows = [(prop, value) for prop, found in values.items() for value in found]
    rows += [("", "")] * (FORM_ROWS - len(rows))
    return render(
        request,
        "registry_form.html",
        status=400 if problem else 200,
        mode=mode,
        schema=schema,
        schemata=ADDABLE,
        entity=entity,
        props=props,
        required=set(entity_schema.required),
        rows=rows[:FORM_ROWS],
        source=source,
        problem=problem,
    )
