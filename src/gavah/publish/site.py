"""``gavah publish build -o SITE/``: the public site as plain files, in Persian and English.

The site opens from disk, from a USB stick or any static host: relative links only, no external
asset, a strict Content-Security-Policy in every page (scripts and styles from the site itself,
no inline script, nothing sent anywhere), no tracking. Persian (right to left) is the default
(``SITE/index.html`` leads to ``fa/``); English is under ``en/``.

Builds are incremental: each page's inputs (its public context, the templates, the strings) are
fingerprinted and kept in the manifest; a page whose fingerprint did not change is not rendered
again, a rendered page whose bytes did not change is not rewritten, and a page no longer
published (an incident unmarked) is removed with its proof. Then :mod:`gavah.publish.integrity`
logs what is new and writes the proofs.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import orjson

from gavah.errors import InputError, IntegrityError
from gavah.publish import content, integrity
from gavah.publish.content import Selection, public_json
from gavah.text import places
from gavah.verify.store import Verification

LANGUAGES = ("fa", "en")  # the first is the default
DIRECTION = {"fa": "rtl", "en": "ltr"}
PER_PAGE = 500  # incidents per list page
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)
MANIFEST = f"{integrity.FOLDER}/manifest.json"
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@dataclass(frozen=True)
class Page:
    """One file of the site: its path, and how to make its bytes (a template and its context,
    or bytes as they are)."""

    path: str
    template: str | None
    context: dict[str, Any] = field(default_factory=dict)
    data: bytes | None = None
    inputs: str | None = None  # a digest of the context, made once for several pages

    def fingerprint(self, templates: str) -> str:
        if self.data is not None:
            return hashlib.sha256(self.data).hexdigest()
        if self.inputs is not None:
            body = [self.template, self.context["lang"], self.inputs]
        else:
            body = [self.template, self.context]
        return hashlib.sha256(templates.encode() + _canonical(body)).hexdigest()


def _canonical(value: Any) -> bytes:
    """A value's canonical JSON for fingerprints (orjson: a site has tens of thousands)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


@dataclass
class Build:
    """What a build did: files written, kept and removed, what it left out, and the log."""

    site: Path
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    left_out: list[content.LeftOut] = field(default_factory=list)
    files: int = 0
    checkpoint: int = 0
    incidents: int = 0
    reused: int = 0  # incidents the last build's memo gave (gavah.publish.memo)

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": str(self.site),
            "files": self.files,
            "written": sorted(self.written),
            "unchanged": self.unchanged,
            "removed": sorted(self.removed),
            "incidents": self.incidents,
            "incidents_reused": self.reused,
            "checkpoint": self.checkpoint,
            "left_out": [x.to_dict() for x in self.left_out],
        }


def build(
    verification: Verification,
    site: Path,
    *,
    estimate: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Build:
    """Build (or bring up to date) the site in ``site``."""
    step = progress or (lambda _: None)
    _check_target(site)
    step("reading what may be published")
    chosen = content.select_content(verification, estimate)
    result = Build(
        site, left_out=chosen.left_out, incidents=len(chosen.incidents), reused=chosen.reused
    )
    step("rendering")
    old = _read_manifest(site)
    figures = figure_files(chosen)
    made = [
        *_static_pages(),
        *(Page(path, None, data=body) for path, body in figures.items()),
        *(Page(path, None, data=body) for path, body in media_files(verification, chosen)),
        *pages(chosen, figures),
    ]
    shas, inputs, sizes = _write_pages(site, made, old, result)
    for path in sorted(set(old.get("files", {})) - set(shas)):
        _remove(site / path)
        result.removed.append(path)
    step("logging what is new and writing proofs")
    _write_integrity(verification, site, shas, inputs, sizes, old)
    result.files = len(shas)
    result.checkpoint = json.loads((site / MANIFEST).read_text("utf-8"))["newest"]
    return result


def _check_target(site: Path) -> None:
    if site.exists() and not site.is_dir():
        raise InputError(f"{site} is not a folder", hint="-o names the site's folder")
    # A folder of other things is refused; one a build cut short left (no manifest yet, only
    # the site's own top-level names) is built again.
    ours = {"index.html", "static", "figures", integrity.FOLDER, *LANGUAGES}
    if site.is_dir() and {p.name for p in site.iterdir()} - ours:
        raise InputError(
            f"{site} holds files that are not a gavah site",
            hint="build into an empty or new folder, or one an earlier build made",
        )


# --- the pages -----------------------------------------------------------------------------------


def _static_pages() -> Iterator[Page]:
    root = resources.files("gavah.publish") / "static"
    for entry in _walk(root):
        rel = entry[0]
        yield Page(f"static/{rel}", None, data=entry[1])


def _walk(folder: Any, prefix: str = "") -> Iterator[tuple[str, bytes]]:
    for child in sorted(folder.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            yield from _walk(child, f"{prefix}{child.name}/")
        elif not child.name.startswith("."):
            yield f"{prefix}{child.name}", child.read_bytes()


def media_files(verification: Verification, chosen: Selection) -> Iterator[tuple[str, bytes]]:
    """The approved redacted derivatives the incidents show (content.media_for chose them),
    read from the blob store and checked against their SHA-256: a blob that is not what was
    approved stops the build rather than publish other bytes."""
    done = set()
    for incident in chosen.incidents:
        for m in incident["media"]:
            if m["path"] in done:
                continue
            done.add(m["path"])
            with verification.vault.store.open(m["sha256"]) as stream:
                data = stream.read()
            if hashlib.sha256(data).hexdigest() != m["sha256"]:
                raise IntegrityError(f"derivative {m['sha256'][:16]} is not what was approved")
            yield m["path"], data


def figure_files(chosen: Selection) -> dict[str, bytes]:
    """Each published figure as a data file (path -> bytes): logged and proven like any page."""
    files = {
        "figures/harm.json": public_json(chosen.harm),
        "figures/incidents.json": public_json(_figures(chosen)),
    }
    if chosen.estimate is not None:
        files["figures/estimate.json"] = public_json(chosen.estimate)
    return files


def _figures(chosen: Selection) -> list[dict[str, Any]]:
    return [
        {k: i[k] for k in ("slug", "date", "province", "killed", "injured")}
        | {"grade": i["grade"]["airwars"]}
        for i in chosen.incidents
    ]


def pages(chosen: Selection, figures: dict[str, bytes] | None = None) -> Iterator[Page]:
    """The rendered pages of the site (not the static files and figures, whose SHA-256 the
    harm and estimate pages show: ``figures`` as :func:`figure_files` made them)."""
    data = figures if figures is not None else figure_files(chosen)
    sha = {path: hashlib.sha256(body).hexdigest() for path, body in data.items()}
    figures_sha = {
        "harm": sha["figures/harm.json"],
        "estimate": sha.get("figures/estimate.json"),
    }
    yield Page("index.html", "landing.html", {"lang": "fa"})
    digests = _digests(chosen)
    for lang in LANGUAGES:
        summary = {
            "incidents": len(chosen.incidents),
            "entities": len(chosen.entities),
            "estimate": chosen.estimate is not None,
        }
        yield Page(f"{lang}/index.html", "home.html", {"lang": lang, "summary": summary})
        yield from _incident_pages(lang, chosen, digests)
        yield Page(
            f"{lang}/harm.html",
            "harm.html",
            {"lang": lang, "harm": chosen.harm, "sha": figures_sha["harm"]},
        )
        yield Page(
            f"{lang}/estimate.html",
            "estimate.html",
            {"lang": lang, "estimate": chosen.estimate, "sha": figures_sha["estimate"]},
        )
        yield Page(
            f"{lang}/perpetrators.html",
            "perpetrators.html",
            {"lang": lang, "entities": chosen.entities},
        )
        yield Page(f"{lang}/gaps.html", "gaps.html", {"lang": lang, "gaps": chosen.gaps})
        yield Page(f"{lang}/victims.html", "victims.html", {"lang": lang, "lists": chosen.victims})
        yield Page(f"{lang}/verify.html", "verify.html", {"lang": lang})


def _digests(chosen: Selection) -> dict[str, str]:
    """One digest of each incident's public content, shared by its pages in both languages."""
    return {i["slug"]: hashlib.sha256(_canonical(i)).hexdigest() for i in chosen.incidents}


def _incident_pages(lang: str, chosen: Selection, digests: dict[str, str]) -> Iterator[Page]:
    shown = [
        {k: i[k] for k in ("slug", "title", "kind", "province", "date", "date_hijri")}
        | {"grade": i["grade"]["airwars"]}
        for i in chosen.incidents
    ]
    pages = max(1, -(-len(shown) // PER_PAGE))
    for n in range(pages):
        name = "index.html" if n == 0 else f"page-{n + 1}.html"
        yield Page(
            f"{lang}/incidents/{name}",
            "incidents.html",
            {
                "lang": lang,
                "incidents": shown[n * PER_PAGE : (n + 1) * PER_PAGE],
                "page": n + 1,
                "more": n + 1 < pages,  # not the page count: a new page then changes one page only
                # the total on the first page only: the others change only when their rows do
                "total": len(shown) if n == 0 else None,
            },
        )
    for incident in chosen.incidents:
        yield Page(
            f"{lang}/incidents/{incident['slug']}.html",
            "incident.html",
            {"lang": lang, "incident": incident},
            inputs=digests[incident["slug"]],
        )


# --- rendering and writing -----------------------------------------------------------------------


def _write_pages(
    site: Path, made: list[Page], old: dict[str, Any], result: Build
) -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
    """Render what changed and write what differs; returns path -> SHA-256, input, size."""
    templates = _templates_digest()
    before = old.get("files", {})
    shas: dict[str, str] = {}
    inputs: dict[str, str] = {}
    sizes: dict[str, int] = {}
    root = str(site)
    for page in made:
        fingerprint = page.fingerprint(templates)
        known = before.get(page.path)
        target = os.path.join(root, page.path)  # a string: Path objects cost on 20,000 pages
        if known and known.get("input") == fingerprint and _same_size(target, known):
            shas[page.path], inputs[page.path] = known["sha256"], fingerprint
            sizes[page.path] = known["size"]
            result.unchanged += 1
            continue
        data = page.data if page.data is not None else render(page)
        sha = hashlib.sha256(data).hexdigest()
        if not (known and known.get("sha256") == sha and _same_size(target, known)):
            _write(Path(target), data)
            result.written.append(page.path)
        else:
            result.unchanged += 1
        shas[page.path], inputs[page.path], sizes[page.path] = sha, fingerprint, len(data)
    return shas, inputs, sizes


def _same_size(path: str, known: dict[str, Any]) -> bool:
    try:
        return os.stat(path).st_size == known.get("size")
    except OSError:
        return False


def _write(path: Path, data: bytes) -> None:
    """A file that exists is replaced whole (a partial file renamed into place), so a mirror
    never serves half of it; a new one is written in place (nobody reads it before the manifest,
    written last, lists it; a build cut short leaves it shorter than listed, and the next build
    writes it again)."""
    try:
        if path.exists():
            partial = path.with_name(path.name + ".partial")
            partial.write_bytes(data)
            os.replace(partial, path)
            return
        try:
            path.write_bytes(data)
        except FileNotFoundError:  # its folder is new: made once, not checked per file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def render(page: Page) -> bytes:
    """A page's bytes: its template in its language."""
    assert page.template is not None
    lang = page.context["lang"]
    depth = page.path.count("/")
    other = {lng: _swap_language(page.path, lng) for lng in LANGUAGES}
    html = (
        _environment()
        .get_template(page.template)
        .render(
            **page.context,
            root="../" * depth,
            here=page.path,
            other=other,
            dir=DIRECTION[lang],
            csp=CSP,
            t=_strings(lang),
        )
    )
    return html.encode("utf-8")


def _swap_language(path: str, lang: str) -> str:
    """The same page in ``lang``, relative to the page's folder."""
    if path == "index.html":
        return f"{lang}/index.html"
    depth = path.count("/")
    return "../" * depth + lang + "/" + path.split("/", 1)[1]


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gavah.publish", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _number
    env.filters["isolate"] = isolate
    env.filters["province"] = places.province_name
    return env


def isolate(text: str) -> str:
    """Text written by people between Unicode isolates (FSI ... PDI, UAX #9 section 2.7), for
    where markup cannot go, above all a page's <title>: a Latin title in a Persian page's title
    bar ("Incident (synthetic) · ...") otherwise takes the page's direction at its edges, and
    its closing parenthesis shows at the wrong end, mirrored. Inside the isolates its direction
    comes from its own first strong letter, as ``<bdi dir="auto">`` does in the page."""
    return f"\u2068{text}\u2069"


def _number(value: Any, lang: str) -> str:
    """A number (or a date, a range) written in the language's digits."""
    if value is None:
        return "–"
    text = f"{value:,}" if isinstance(value, int) else str(value)
    if lang == "fa":
        return text.replace(",", "٬").translate(_PERSIAN_DIGITS)
    return text


@cache
def _strings(lang: str) -> dict[str, str]:
    raw = (resources.files("gavah.publish") / "strings.toml").read_text("utf-8")
    return {key: value[lang] for key, value in tomllib.loads(raw).items()}


@cache
def _templates_digest() -> str:
    """One digest over the templates and the strings: a change to either renders every page."""
    digest = hashlib.sha256()
    root = resources.files("gavah.publish")
    for name, data in _walk(root / "templates"):
        digest.update(name.encode() + b"\0" + data)
    digest.update((root / "strings.toml").read_bytes())
    return digest.hexdigest()


# --- the manifest and the proofs -----------------------------------------------------------------


def _read_manifest(site: Path) -> dict[str, Any]:
    path = site / MANIFEST
    if not path.is_file():
        return {}
    try:
        found = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}  # an unreadable manifest: every page is made again
    return found if isinstance(found, dict) else {}


def _write_integrity(
    verification: Verification,
    site: Path,
    shas: dict[str, str],
    inputs: dict[str, str],
    sizes: dict[str, int],
    old: dict[str, Any],
) -> None:
    vault = verification.vault
    indexes, newest = integrity.record(vault, shas)
    before = old.get("files", {})
    files: dict[str, dict[str, Any]] = {}
    fresh: dict[str, int] = {}
    root = str(site)  # strings: Path objects cost on 20,000 files
    for path, sha in shas.items():
        known = before.get(path)
        kept = (
            known
            and known.get("index") == indexes[path]
            and os.path.isfile(os.path.join(root, integrity.proof_path(sha)))
        )
        checkpoint = known["checkpoint"] if kept else newest
        if not kept:
            fresh[sha] = indexes[path]
        files[path] = {
            "sha256": sha,
            "size": sizes[path],
            "index": indexes[path],
            "checkpoint": checkpoint,
            "input": inputs[path],
        }
    made = integrity.proofs(vault, fresh, newest) if fresh else {}
    named = {(f["sha256"], f["index"]): p for p, f in files.items()}
    for sha, index in fresh.items():
        path = named[(sha, index)]
        _write(
            site / integrity.proof_path(sha),
            integrity.wrap("gavahProof", {"path": path, "sha256": sha, **made[index]}),
        )
    used = {integrity.proof_path(f["sha256"]) for f in files.values()}
    for path in old.get("files", {}).values():
        proof = integrity.proof_path(path["sha256"])
        if proof not in used:
            _remove(site / proof)
    history = integrity.checkpoints(vault)  # every build's: a monitor may have seen any
    _write_if_changed(site / f"{integrity.FOLDER}/checkpoints.json", public_json(history))
    _write_if_changed(
        site / f"{integrity.FOLDER}/checkpoints.js", integrity.wrap("gavahCheckpoints", history)
    )
    _write_if_changed(site / f"{integrity.FOLDER}/key.txt", (history["key"] + "\n").encode())
    manifest = {"origin": history["origin"], "newest": newest, "files": dict(sorted(files.items()))}
    _write_if_changed(site / MANIFEST, public_json(manifest))


def _write_if_changed(path: Path, data: bytes) -> None:
    if not (path.is_file() and path.read_bytes() == data):
        _write(path, data)
