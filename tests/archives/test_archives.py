"""Web archives at intake (issue 19; docs/intake.md): a WACZ or WARC is kept whole, each captured
page and media record becomes an item with its URL and capture time, a WACZ's hashes and signature
are checked and never claimed beyond what was checked, and hostile archives end in a clear message
with the archive stored. Every archive here is made by the test with warcio."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.archives import make_archives as mk
from tests.gavah_cli import gavah

from gavah.db import models
from gavah.intake import archives
from gavah.intake.ingest import IngestSummary, ingest
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace


def _ingest(vault: Vault, path: Path, **limits: int) -> IngestSummary:
    if limits:
        vault.ws.settings = vault.ws.settings.model_copy(
            update={f"archive_max_{k}": v for k, v in limits.items()}
        )
    return ingest(vault, [bytes(path)], collection="web", source="field team")


def _meta(vault: Vault, sha256: str) -> dict[str, Any]:
    with vault.db.read() as session:
        ev = session.execute(
            select(models.Evidence).where(models.Evidence.sha256 == sha256)
        ).scalar_one()
        return dict(json.loads(ev.meta))


def _acquisitions(vault: Vault) -> list[models.Acquisition]:
    with vault.db.read() as session:
        rows = session.execute(select(models.Acquisition).order_by(models.Acquisition.log_index))
        return list(rows.scalars())


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_signed_wacz_gives_its_page_and_image_with_url_and_capture_time(
    vault: Vault, tmp_path: Path
) -> None:
    data = mk.wacz_bytes(sign=mk.new_key())
    summary = _ingest(vault, _write(tmp_path, "capture.wacz", data))
    assert not summary.failures
    archive, page, image = summary.items
    assert archive["mime"] == "application/wacz" and archive["path"].endswith("capture.wacz")
    assert (page["path"], page["mime"]) == (mk.PAGE_URL, "text/html")
    assert (image["path"], image["mime"]) == (mk.IMAGE_URL, "image/png")
    # the archive is kept whole: the stored blob is the file's bytes
    with vault.store.open(archive["sha256"]) as f:
        assert f.read() == data
    verdict = _meta(vault, archive["sha256"])["web_archive"]
    assert verdict["hashes"]["status"] == "verified"
    assert verdict["hashes"]["resources_checked"] == 2
    assert verdict["signature"]["status"] == "verified"
    assert verdict["signature"]["kind"] == "anonymous"
    assert verdict["pages_listed"] == 1
    assert (verdict["records"], verdict["extracted"]) == (5, 2)
    assert verdict["record_digests"] == {"sound": 2, "failed": 0, "absent": 0}
    capture = _meta(vault, image["sha256"])["web_capture"]
    assert capture["url"] == mk.IMAGE_URL and capture["captured_at"] == mk.IMAGE_DATE
    assert capture["archive_sha256"] == archive["sha256"]
    assert capture["archive_member"] == "archive/data.warc.gz"
    assert capture["kind"] == "image" and capture["record_digests"] == "sound"
    assert _meta(vault, page["sha256"])["web_capture"]["listed_page"] is True
    rows = {a.path: a for a in _acquisitions(vault)}
    page_row = rows[mk.PAGE_URL.encode()]
    assert page_row.mtime == mk.PAGE_DATE and page_row.ctime is None
    assert page_row.collection == "web" and page_row.source == "field team"
    assert archive["sha256"] in (page_row.note or "") and "signature verified" in (
        page_row.note or ""
    )
    assert verify_workspace(vault).ok


def test_bare_warc_and_a_signature_in_webcrypto_form(vault: Vault, tmp_path: Path) -> None:
    plain = _ingest(vault, _write(tmp_path, "capture.warc", mk.warc_bytes(gzip=False)))
    assert [i["mime"] for i in plain.items] == ["application/warc", "text/html", "image/png"]
    assert plain.archives[0]["format"] == "warc"
    raw = mk.wacz_bytes(sign=mk.new_key(), raw_signature=True)
    summary = _ingest(vault, _write(tmp_path, "raw.wacz", raw))
    assert summary.archives[0]["signature"]["status"] == "verified"


def test_changed_byte_fails_the_hashes_but_keeps_everything(vault: Vault, tmp_path: Path) -> None:
    members = mk.wacz_members()
    listed = dict(members)
    changed = bytearray(members["pages/pages.jsonl"])
    changed[-3] ^= 1
    members["pages/pages.jsonl"] = bytes(changed)
    summary = _ingest(vault, _write(tmp_path, "t.wacz", mk.wacz_bytes(members, listed=listed)))
    (report,) = summary.archives
    assert report["hashes"]["status"] == "failed"
    assert any("pages/pages.jsonl: SHA-256" in p for p in report["problems"])
    assert len(summary.items) == 3  # stored, and its records read out, marked as unverified
    capture = _meta(vault, summary.items[2]["sha256"])["web_capture"]
    assert capture["archive_checks"].startswith("package hashes failed")


def test_signature_that_does_not_match_is_failed(vault: Vault, tmp_path: Path) -> None:
    data = mk.wacz_bytes(sign=mk.new_key())
    other = json.loads(
        zipfile.ZipFile(io.BytesIO(mk.wacz_bytes(sign=mk.new_key()))).read(
            "datapackage-digest.json"
        )
    )["signedData"]["publicKey"]
    forged = mk.wacz_bytes(sign=mk.new_key(), signed_extra={"publicKey": other})
    for name, blob, status in (("ok.wacz", data, "verified"), ("forged.wacz", forged, "failed")):
        (report,) = _ingest(vault, _write(tmp_path, name, blob)).archives
        assert report["signature"]["status"] == status


def _domain_signed_wacz() -> bytes:
    """Signed as a domain signature is: with a certificate (here self-signed), no publicKey."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = mk.new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "archive.example.org")])
    now = datetime.datetime(2024, 3, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=90))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    extra = {"domain": "archive.example.org", "domainCert": pem}
    data = mk.wacz_bytes(sign=key, signed_extra=extra)
    z = zipfile.ZipFile(io.BytesIO(data))
    digest = json.loads(z.read("datapackage-digest.json"))
    del digest["signedData"]["publicKey"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as w:
        for info in z.infolist():
            name_ = info.filename
            body = (
                json.dumps(digest).encode() if name_ == "datapackage-digest.json" else z.read(info)
            )
            w.writestr(name_, body)
    return out.getvalue()


def test_domain_signature_is_never_called_verified(vault: Vault, tmp_path: Path) -> None:
    (report,) = _ingest(vault, _write(tmp_path, "domain.wacz", _domain_signed_wacz())).archives
    assert report["signature"]["status"] == "unverified"
    assert report["signature"]["kind"] == "domain"
    assert "NOT verified" in report["signature"]["reason"]


def _zip(members: dict[str, bytes], deflate: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _damaged_warc() -> bytes:
    """The page's records, then something that is no WARC record."""
    whole = mk.warc_bytes(gzip=False)
    cut = whole.rfind(b"WARC/1.", 0, whole.index(mk.IMAGE_URL.encode()))
    return whole[:cut] + b"this is not a WARC record\r\n\r\n"


def _no_target_uri() -> bytes:
    whole = mk.warc_bytes(gzip=False)
    line = b"WARC-Target-URI: " + mk.PAGE_URL.encode() + b"\r\n"
    at = whole.index(line)
    return whole[:at] + b"X-Nothing: " + b"x" * (len(line) - 13) + b"\r\n" + whole[at + len(line) :]


def _misframed() -> bytes:
    """A stray line between records: the page's records are read, then reading stops."""
    whole = mk.warc_bytes(gzip=False)
    cut = whole.rfind(b"WARC/1.", 0, whole.index(mk.IMAGE_URL.encode()))
    return whole[:cut] + b"stray line\r\n" + whole[cut:]


HOSTILE = {
    "path traversal": (
        "t.wacz",
        lambda: _zip({"datapackage.json": b"{}", "archive/../../../etc/passwd": b"x"}),
        {},
        "points outside",
    ),
    "zip bomb": (
        "b.wacz",
        lambda: _zip(
            {"datapackage.json": b"{}", "archive/data.warc": b"\0" * 3_000_000}, deflate=True
        ),
        {"unpacked_bytes": 1_000_000},
        "declares 3,000",
    ),
    "gzip bomb": (
        "g.warc.gz",
        lambda: gzip.compress(mk.warc_bytes(gzip=False) + b"\0" * 3_000_000),
        {"unpacked_bytes": 1_000_000},
        "unpacks to more than archive_max_unpacked_bytes",
    ),
    "line bomb": (
        "l.warc.gz",
        lambda: gzip.compress(b"WARC/1.0\r\nWARC-Type: " + b"a" * (2 * 2**20)),
        {},
        "without a line break",
    ),
    "malformed": ("m.warc", _damaged_warc, {}, "malformed WARC after 3 record(s)"),
    "no target uri": ("u.warc", _no_target_uri, {}, "malformed WARC after 1 record(s)"),
    "not json": (
        "j.wacz",
        lambda: _zip({"datapackage.json": b"{nope", "archive/data.warc.gz": mk.warc_bytes()}),
        {},
        "datapackage.json is not JSON",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archives_are_stored_and_named_without_harm(
    vault: Vault, tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archives, "MAX_RUN", 2**20)  # the line bomb at a test's size
    name, make, limits, message = HOSTILE[case]
    data = make()
    summary = _ingest(vault, _write(tmp_path, name, data), **limits)
    assert not summary.failures
    (report,) = summary.archives
    assert message in (report["error"] or ""), report
    with vault.store.open(summary.items[0]["sha256"]) as f:
        assert f.read() == data  # nothing lost: the archive itself is stored whole
    assert verify_workspace(vault).ok


def test_malformed_warc_keeps_the_records_read_before_the_damage(
    vault: Vault, tmp_path: Path
) -> None:
    summary = _ingest(vault, _write(tmp_path, "m.warc", _damaged_warc()))
    assert [i["path"] for i in summary.items[1:]] == [mk.PAGE_URL]
    whole = mk.warc_bytes(gzip=False)
    cut = _ingest(vault, _write(tmp_path, "cut.warc", whole[: whole.index(b"IEND")]))
    (report,) = cut.archives
    assert any(p.startswith(f"truncated: {mk.IMAGE_URL}") for p in report["problems"])
    capture = _meta(vault, cut.items[-1]["sha256"])["web_capture"]
    assert capture["truncated_bytes_missing"] > 0


def test_huge_record_stays_inside_the_archive(vault: Vault, tmp_path: Path) -> None:
    big = mk.png(2) + b"\0" * 200_000
    warc = mk.warc_bytes(
        [
            (mk.PAGE_URL, mk.PAGE_DATE, "text/html", mk.PAGE),
            (mk.IMAGE_URL, mk.IMAGE_DATE, "image/png", big),
        ]
    )
    summary = _ingest(vault, _write(tmp_path, "h.warc.gz", warc), record_bytes=100_000)
    (report,) = summary.archives
    assert report["error"] is None and report["extracted"] == 1
    assert report["skipped"]["larger than archive_max_record_bytes"] == 1
    assert any(mk.IMAGE_URL in p and "not extracted" in p for p in report["problems"])


def test_cli_says_what_was_and_was_not_verified_without_traceback(
    vault: Vault, cli_env: dict[str, str], tmp_path: Path
) -> None:
    domain = _write(tmp_path, "domain.wacz", _domain_signed_wacz())
    hostile = _write(tmp_path, "t.wacz", HOSTILE["path traversal"][1]())
    misframed = _write(tmp_path, "stray.warc", _misframed())
    done = gavah(cli_env, "ingest", str(domain), str(hostile), str(misframed))
    assert done.returncode == 3  # an archive not fully read is reported as a partial ingest
    assert done.stderr == ""  # no traceback, and none of warcio's own warnings
    assert "ARCHIVE NOT FULLY READ: stray.warc: malformed WARC after 3 record(s)" in done.stdout
    lines = done.stdout.splitlines()
    about_domain = [line for line in lines if "domain.wacz" in line or "SIGNATURE" in line]
    assert any("signature UNVERIFIED" in line for line in about_domain)
    assert any("SIGNATURE NOT VERIFIED" in line for line in lines)
    assert not any("signature VERIFIED" in line for line in lines)
    assert any("ARCHIVE NOT FULLY READ" in line and "points outside" in line for line in lines)
    assert "6 file(s)" in done.stdout  # three archives, a page and image, the page again


def test_other_files_are_not_taken_for_archives(vault: Vault, tmp_path: Path) -> None:
    office = _zip({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<x/>"})
    text = b"WARC is a word in this note, not an archive\n"
    for name, data in (("d.docx", office), ("n.txt", text), ("z.gz", gzip.compress(text))):
        summary = _ingest(vault, _write(tmp_path, name, data))
        assert summary.archives == [] and len(summary.items) == 1
