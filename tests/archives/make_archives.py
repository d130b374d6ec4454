"""Small web archives made by the tests themselves with warcio: a page and an image in a WARC,
zipped into a WACZ with its datapackage.json (and, when asked, an anonymous ECDSA signature as
ArchiveWeb.page makes them)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PAGE_URL = "https://news.example.org/report/2024/killing"
IMAGE_URL = "https://news.example.org/media/photo.png"
PAGE_DATE = "2024-03-05T10:11:12Z"
IMAGE_DATE = "2024-03-05T10:11:13Z"
PAGE = b"<!doctype html><html><body><h1>Report</h1><img src='/media/photo.png'></body></html>"


def png(seed: int = 1) -> bytes:
    img = Image.new("RGB", (32, 24), (seed * 40 % 256, 90, 160))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def warc_bytes(
    records: list[tuple[str, str, str, bytes]] | None = None, *, gzip: bool = True
) -> bytes:
    """A WARC of response records (url, WARC-Date, Content-Type, payload), plus a request
    record and a metadata record that are not captures."""
    if records is None:
        records = [
            (PAGE_URL, PAGE_DATE, "text/html; charset=utf-8", PAGE),
            (IMAGE_URL, IMAGE_DATE, "image/png", png()),
        ]
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gzip)
    writer.write_record(
        writer.create_warc_record("", "warcinfo", payload=io.BytesIO(b"software: gavah tests\r\n"))
    )
    for url, date, ctype, payload in records:
        http = StatusAndHeaders(
            "200 OK",
            [("Content-Type", ctype), ("Content-Length", str(len(payload)))],
            protocol="HTTP/1.1",
        )
        writer.write_record(
            writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(payload),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
        )
        request = StatusAndHeaders(
            "GET / HTTP/1.1", [("Host", "news.example.org")], is_http_request=True
        )
        writer.write_record(
            writer.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(b""),
                http_headers=request,
                warc_headers_dict={"WARC-Date": date},
            )
        )
    return buf.getvalue()


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def wacz_members(warc: bytes | None = None) -> dict[str, bytes]:
    warc = warc if warc is not None else warc_bytes()
    pages = (
        "\n".join(
            [
                json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}),
                json.dumps({"id": "p1", "url": PAGE_URL, "ts": PAGE_DATE, "title": "Report"}),
            ]
        ).encode()
        + b"\n"
    )
    return {"archive/data.warc.gz": warc, "pages/pages.jsonl": pages}


def wacz_bytes(
    members: dict[str, bytes] | None = None,
    *,
    sign: ec.EllipticCurvePrivateKey | None = None,
    listed: dict[str, bytes] | None = None,
    raw_signature: bool = False,
    signed_extra: dict[str, Any] | None = None,
) -> bytes:
    """A WACZ; ``listed`` are the bytes datapackage.json hashes (default: the members')."""
    members = members if members is not None else wacz_members()
    listed = listed if listed is not None else members
    package = json.dumps(
        {
            "profile": "data-package",
            "wacz_version": "1.1.1",
            "created": "2024-03-05T10:12:00Z",
            "software": "gavah tests",
            "resources": [
                {"name": Path(n).name, "path": n, "hash": _sha(d), "bytes": len(d)}
                for n, d in listed.items()
            ],
        },
        indent=2,
    ).encode()
    digest: dict[str, Any] = {"path": "datapackage.json", "hash": _sha(package)}
    if sign is not None:
        der_sig = sign.sign(digest["hash"].encode(), ec.ECDSA(hashes.SHA256()))
        if raw_signature:
            from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

            r, s = decode_dss_signature(der_sig)
            der_sig = r.to_bytes(32) + s.to_bytes(32)
        public = sign.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        digest["signedData"] = {
            "hash": digest["hash"],
            "created": "2024-03-05T10:12:01Z",
            "software": "gavah tests",
            "signature": base64.b64encode(der_sig).decode(),
            "publicKey": base64.b64encode(public).decode(),
            **(signed_extra or {}),
        }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data, compress_type=zipfile.ZIP_STORED)
        z.writestr("datapackage.json", package)
        z.writestr("datapackage-digest.json", json.dumps(digest))
    return out.getvalue()


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())
