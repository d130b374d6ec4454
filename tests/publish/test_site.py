"""The public site: only what a reviewer marked and whose claims are reviewed goes out; no original,
no metadata, no witness's name, no unreviewed item ever reaches a byte of SITE/ (synthetic data)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from publish_example import ANALYST, REVIEWER, TRAPS, as_, build

from gavah.errors import AccessDenied, InputError
from gavah.publish import integrity, marks, site
from gavah.vault import Vault
from gavah.verify.store import Verification


def _all_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _decoded(data: bytes) -> list[bytes]:
    """The bytes themselves, and every base64 run inside them decoded (log entries ship so)."""
    found = [data]
    for run in re.findall(rb"[A-Za-z0-9+/]{16,}={0,2}", data):
        try:
            found.append(base64.b64decode(run + b"=" * (-len(run) % 4)))
        except ValueError:
            continue
    return found


@pytest.fixture
def example(vault: Vault, tmp_path: Path):  # type: ignore[no-untyped-def]
    return build(vault, tmp_path)


def test_a_site_built_from_a_workspace_of_traps_leaks_none_of_them(
    vault: Vault,
    example,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "SITE"
    result = site.build(Verification(vault), out)
    assert result.incidents == 1
    files = _all_bytes(out)
    originals = [p.read_bytes() for p in example.originals]
    needles = [t.encode() for t in TRAPS] + [t.lower().encode() for t in TRAPS]
    needles += [e.encode() for e in example.evidence] + [s.encode() for s in example.sha256s]
    needles += [bytes.fromhex(s) for s in example.sha256s]  # the originals' digests, raw
    for path, data in files.items():
        for view in _decoded(data):
            for needle in needles:
                assert needle not in view, f"{needle!r} leaked into {path}"
            for original in originals:
                assert original[:64] not in view and original[-64:] not in view, (
                    f"original in {path}"
                )
            assert b"Exif\x00\x00" not in view, f"EXIF block in {path}"
    # what went out, in both languages
    page = next(p for p in files if p.startswith("fa/incidents/i-"))
    assert "Protesters shot at a square" in files[page].decode()
    assert 'dir="rtl"' in files[page].decode() and 'lang="fa"' in files[page].decode()
    english = files[page.replace("fa/", "en/", 1)].decode()
    assert 'dir="ltr"' in english and "fair" in english
    assert "Unit Seven (synthetic)" in files["en/perpetrators.html"].decode()


def test_the_build_reports_what_it_left_out_and_why(vault: Vault, example, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = site.build(Verification(vault), tmp_path / "SITE").to_dict()
    why = {x["id"]: x["reason"] for x in result["left_out"] if x["what"] == "incident"}
    assert set(why) == set(example.left_out)
    for incident, words in example.left_out.items():
        assert words in why[incident], (incident, why[incident])
    media = [x for x in result["left_out"] if x["what"] == "evidence"]
    assert media and all(x["reason"] == "no approved redacted derivative" for x in media)


def test_every_page_has_a_strict_csp_and_loads_nothing_from_outside(
    vault: Vault,
    example,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "SITE"
    site.build(Verification(vault), out)
    pages = list(out.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = page.read_text("utf-8")
        assert f'content="{site.CSP}"' in text, page
        assert not re.search(r"(src|href)=\"(https?:)?//", text), page
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline script in {page}"
        assert not re.search(r"\son[a-z]+=", text), f"inline handler in {page}"
    for css in out.rglob("*.css"):
        assert "url(http" not in css.read_text("utf-8") and "@import" not in css.read_text("utf-8")


def test_marking_is_refused_to_the_incidents_author_and_logged(vault: Vault, example) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AccessDenied):
        marks.mark(as_(vault, ANALYST), "inc-unmarked")
    with pytest.raises(InputError):
        marks.mark(as_(vault, REVIEWER), "inc-ok")  # already marked
    with pytest.raises(InputError):
        marks.unmark(as_(vault, REVIEWER), "inc-ok", "")
    with vault.db.read() as session:
        standing = marks.marks(session)
    assert set(standing) == {"inc-ok", "inc-unrev", "inc-disputed"}
    assert standing["inc-ok"].actor == REVIEWER


def test_unmarking_removes_the_incidents_pages_at_the_next_build(
    vault: Vault,
    example,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "SITE"
    site.build(Verification(vault), out)
    pages = sorted(p.name for p in (out / "en" / "incidents").glob("i-*.html"))
    assert len(pages) == 1
    marks.unmark(as_(vault, REVIEWER), "inc-ok", "a witness could be recognised (synthetic)")
    result = site.build(Verification(vault), out)
    assert f"en/incidents/{pages[0]}" in result.removed
    assert not list((out / "en" / "incidents").glob("i-*.html"))
    manifest = json.loads((out / site.MANIFEST).read_text("utf-8"))
    assert all(not p.endswith(pages[0]) for p in manifest["files"])


def test_every_published_file_has_an_inclusion_proof_in_the_log(
    vault: Vault,
    example,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from gavah.custody import merkle
    from gavah.custody.note import Checkpoint

    out = tmp_path / "SITE"
    site.build(Verification(vault), out)
    manifest = json.loads((out / site.MANIFEST).read_text("utf-8"))
    history = json.loads((out / "integrity" / "checkpoints.json").read_text("utf-8"))
    assert history["key"] == vault.log.verifier.to_text()
    roots = {
        c["size"]: Checkpoint.from_note(c["note"], vault.log.verifier, vault.log.origin).root
        for c in history["checkpoints"]
    }
    for path, item in manifest["files"].items():
        data = (out / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item["sha256"]
        proof = integrity.unwrap((out / integrity.proof_path(item["sha256"])).read_bytes())
        entry = base64.b64decode(proof["entry"])
        assert json.loads(entry)["file"]["sha256"] == item["sha256"]
        path_hashes = [base64.b64decode(h) for h in proof["inclusion"]]
        merkle.verify_inclusion(
            merkle.leaf_hash(entry),
            proof["index"],
            proof["size"],
            path_hashes,
            roots[proof["size"]],
        )
    assert {"figures/harm.json", "figures/incidents.json"} <= set(manifest["files"])


def test_the_gap_report_page_says_who_is_sanctioned_where(
    vault: Vault,
    example,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    from gavah.registry.store import Registry
    from gavah.sanctions.store import Sanctions

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
    Sanctions(vault).import_list(fixtures / "ofac", "ofac", "ofac")
    Registry(vault).add(
        "PublicBody",
        {"name": ["Islamic Revolutionary Guard Corps"]},
        source="public record",
        entity_id="irgc",
    )
    analyst = as_(vault, ANALYST)
    perpetrator = next(c for c in analyst.claims("inc-ok") if c["kind"] == "perpetrator")
    analyst.link_claim(perpetrator["id"], "entity", "irgc")
    out = tmp_path / "SITE"
    site.build(Verification(vault), out)
    page = (out / "en" / "gaps.html").read_text("utf-8")
    row = page[page.index("Islamic Revolutionary Guard Corps") :].split("</tr>")[0]
    assert "sanctioned" in row and "not sanctioned" not in row, row
    assert "US" in page
    unit_row = page[page.index("Unit Seven (synthetic)") :].split("</tr>")[0]
    assert "not sanctioned" in unit_row
    assert "تحریم‌شده" in (out / "fa" / "gaps.html").read_text("utf-8")
    assert "Trapunit Hidden" not in page


def test_an_approved_redacted_derivative_goes_out_and_nothing_of_its_original(
    vault: Vault,
    example,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """The photo the published incident cites, once a reviewer approves its redaction: the
    site carries the derivative's bytes under their own SHA-256 (logged and proven like any
    file), never the original's bytes, name, id, EXIF or digest; the statement, which has no
    derivative, stays left out."""
    from gavah.publish.redact import Redactions, approved

    photo_sha = hashlib.sha256(example.originals[0].read_bytes()).hexdigest()
    photo = example.evidence[example.sha256s.index(photo_sha)]  # ingest may list it second
    statement = next(e for e in example.evidence if e != photo)
    Redactions(vault).propose(photo)
    Redactions(vault).approve(photo, version=1)
    (derivative,) = approved(vault, [photo])
    with derivative.open() as stream:
        data = stream.read()
    out = tmp_path / "SITE"
    result = site.build(Verification(vault), out).to_dict()
    files = _all_bytes(out)
    assert files[f"media/{derivative.sha256}.jpg"] == data
    page = next(p for p in files if p.startswith("en/incidents/i-"))
    assert f"media/{derivative.sha256}.jpg" in files[page].decode()
    left = [x["id"] for x in result["left_out"] if x["what"] == "evidence"]
    assert not any(photo in x for x in left) and any(statement in x for x in left)
    needles = [t.encode() for t in TRAPS] + [e.encode() for e in example.evidence]
    needles += [s.encode() for s in example.sha256s] + [bytes.fromhex(s) for s in example.sha256s]
    original = example.originals[0].read_bytes()
    for path, body in files.items():
        for view in _decoded(body):
            for needle in needles:
                assert needle not in view, f"{needle!r} leaked into {path}"
            assert original[-64:] not in view and b"Exif\x00\x00" not in view, path
    manifest = json.loads((out / site.MANIFEST).read_text("utf-8"))
    assert f"media/{derivative.sha256}.jpg" in manifest["files"]


def test_a_latin_title_in_a_persian_page_is_isolated_where_markup_cannot_go(
    vault: Vault,
    example,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "SITE"
    site.build(Verification(vault), out)
    page = next((out / "fa" / "incidents").glob("i-*.html")).read_text("utf-8")
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None
    # In the title bar the page's direction would take the closing parenthesis to the far end.
    assert "\u2068Protesters shot at a square in Karaj (synthetic)\u2069 · " in title.group(1)
    assert '<bdi dir="auto">It happened (Protesters shot' in page
