"""C2PA Content Credentials: a real signed asset made offline with a self-made ES256 chain."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

from gavah.media import extract_metadata

NOT_BEFORE = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
NOT_AFTER = datetime.datetime(2044, 1, 1, tzinfo=datetime.UTC)

MANIFEST = {
    "claim_generator_info": [{"name": "gavah-tests", "version": "0"}],
    "title": "checkpoint.jpg",
    "assertions": [
        {
            "label": "c2pa.actions",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                    }
                ]
            },
        }
    ],
}


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "gavah tests"),
        ]
    )


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_key_usage(signing=not ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if not ca:
        # C2PA requires an end-entity certificate with a signing EKU (C2PA 2.1, 14.5.1).
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def signer_info() -> c2pa.C2paSignerInfo:
    """ES256 signer whose chain ends in a root made here; no timestamp authority (offline)."""
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _certificate("gavah test root", root_key, _name("gavah test root"), root_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate("gavah test signer", leaf_key, root.subject, root_key, ca=False)
    chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, root))
    key = leaf_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None)


def sign_jpeg(info: c2pa.C2paSignerInfo, dest: Path, *, remote_url: str | None = None) -> Path:
    source = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(source, "JPEG")
    source.seek(0)
    signed = io.BytesIO()
    with c2pa.Signer.from_info(info) as signer, c2pa.Builder.from_json(MANIFEST) as builder:
        if remote_url is not None:
            builder.set_no_embed()
            builder.set_remote_url(remote_url)
        builder.sign(signer, "image/jpeg", source, signed)
    dest.write_bytes(signed.getvalue())
    return dest


@pytest.fixture
def signed_jpeg(signer_info: c2pa.C2paSignerInfo, tmp_path: Path) -> Path:
    return sign_jpeg(signer_info, tmp_path / "signed.jpg")


def _c2pa(path: Path) -> dict[str, object]:
    section = extract_metadata(path, "image/jpeg")["c2pa"]
    assert isinstance(section, dict)
    return section


def test_signed_asset_reports_its_manifest(signed_jpeg: Path) -> None:
    section = _c2pa(signed_jpeg)
    assert section["present"] is True
    store = section["manifest_store"]
    assert isinstance(store, dict)
    active = store["manifests"][store["active_manifest"]]  # type: ignore[index]
    assert active["title"] == "checkpoint.jpg"
    assert active["signature_info"]["common_name"] == "gavah test signer"
    # Integrity holds; the self-made root is on no trust list, and that is reported.
    assert section["validation"] == {"state": "Valid", "failures": ["signingCredential.untrusted"]}


def test_tampered_asset_fails_its_data_hash(signed_jpeg: Path) -> None:
    data = bytearray(signed_jpeg.read_bytes())
    data[-100] ^= 0xFF  # inside the picture data, which the manifest's data hash covers
    signed_jpeg.write_bytes(bytes(data))
    validation = _c2pa(signed_jpeg)["validation"]
    assert isinstance(validation, dict)
    assert validation["state"] == "Invalid"
    assert "assertion.dataHash.mismatch" in validation["failures"]


def test_damaged_manifest_is_present_with_error(signed_jpeg: Path) -> None:
    data = bytearray(signed_jpeg.read_bytes())
    start = data.index(b"jumb")
    data[start + 200 : start + 260] = bytes(b ^ 0xFF for b in data[start + 200 : start + 260])
    signed_jpeg.write_bytes(bytes(data))
    meta = extract_metadata(signed_jpeg, "image/jpeg")
    section = meta["c2pa"]
    assert isinstance(section, dict)
    assert section["present"] is True
    assert section["error"]
    assert any(str(e).startswith("c2pa: ") for e in meta["errors"])  # type: ignore[union-attr]


def test_remote_manifest_is_present_but_not_fetched(
    signer_info: c2pa.C2paSignerInfo, tmp_path: Path
) -> None:
    # Port 9 (discard) on loopback: if the reader ever tried to fetch, nothing could answer.
    url = "http://127.0.0.1:9/manifest.c2pa"
    section = _c2pa(sign_jpeg(signer_info, tmp_path / "remote.jpg", remote_url=url))
    assert section["present"] is True
    assert url in str(section["error"])


@pytest.mark.parametrize(
    ("fixture", "mime"),
    [
        ("plain_jpeg", "image/jpeg"),
        ("png_named_jpg", "image/png"),
        ("mp4_video", "video/mp4"),
        ("wav_audio", "audio/wav"),
    ],
)
def test_no_manifest_means_no_key(fixture: str, mime: str, request: pytest.FixtureRequest) -> None:
    meta = extract_metadata(request.getfixturevalue(fixture), mime)
    assert "c2pa" not in meta
    assert meta["errors"] == []


def test_unparseable_asset_without_manifest_is_recorded(broken_header_jpeg: Path) -> None:
    meta = extract_metadata(broken_header_jpeg, "image/jpeg")
    assert "c2pa" not in meta  # a broken file is not a claim of content credentials
    assert any(str(e).startswith("c2pa: ") for e in meta["errors"])  # type: ignore[union-attr]


def test_truncated_signed_asset_still_shows_a_manifest(signed_jpeg: Path) -> None:
    data = signed_jpeg.read_bytes()
    signed_jpeg.write_bytes(data[: len(data) - 300])
    section = extract_metadata(signed_jpeg, "image/jpeg")["c2pa"]
    assert isinstance(section, dict)
    assert section["present"] is True


def test_same_signed_file_same_result(signed_jpeg: Path) -> None:
    assert extract_metadata(signed_jpeg, "image/jpeg") == extract_metadata(
        signed_jpeg, "image/jpeg"
    )
