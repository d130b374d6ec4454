"""C2PA Content Credentials embedded in a file, read with the c2pa-python Reader.

Reading is offline: remote manifests and OCSP are never fetched. No trust list is configured,
so a signer is reported as untrusted unless the vault later decides otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import c2pa

from gavah.media._findings import Findings
from gavah.media._values import JsonValue, safe_dict

OFFLINE_SETTINGS = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}

# Type box of a C2PA manifest store's JUMBF description (C2PA 2.1, 11.1.4.1): "c2pa" + 0011-0010-
# 8000-00AA00389B71. Its presence tells a damaged manifest apart from a damaged asset.
MANIFEST_STORE_UUID = bytes.fromhex("6332706100110010800000aa00389b71")

SCAN_CHUNK = 1 << 20


def read_credentials(path: Path, mime: str, findings: Findings) -> None:
    """Add the ``c2pa`` section when the file carries a manifest (valid or not)."""
    if mime not in _supported_mimes():
        return
    try:
        section = _read_manifest_store(path, mime)
    except c2pa.C2paError.NotSupported:
        return
    except c2pa.C2paError as error:
        findings.note("c2pa", str(error))
        if _names_remote_manifest(error) or _has_manifest_store(path):
            findings.add("c2pa", {"present": True, "error": str(error)})
        return
    except Exception as error:  # the binding can also fail outside its own error classes
        findings.fail("c2pa", error)
        return
    if section is not None:
        findings.add("c2pa", section)


def _names_remote_manifest(error: Exception) -> bool:
    # A manifest referenced by URL (XMP dcterms:provenance) is present but deliberately not
    # fetched. c2pa 0.38 raises it as a plain C2paError whose message starts "Remote:".
    return isinstance(error, c2pa.C2paError.RemoteManifest) or str(error).startswith("Remote")


def _supported_mimes() -> frozenset[str]:
    return frozenset(c2pa.Reader.get_supported_mime_types())


def _read_manifest_store(path: Path, mime: str) -> dict[str, JsonValue] | None:
    with (
        c2pa.Context.from_dict(OFFLINE_SETTINGS) as context,
        path.open("rb") as stream,
    ):
        reader = c2pa.Reader.try_create(mime, stream, None, context)
        if reader is None:
            return None
        with reader:
            store = json.loads(reader.json())
            state = reader.get_validation_state()
    return {
        "present": True,
        "manifest_store": safe_dict(store),
        "validation": {"state": state, "failures": _failure_codes(store)},
    }


def _failure_codes(store: dict[str, object]) -> list[JsonValue]:
    statuses = store.get("validation_status")
    if not isinstance(statuses, list):
        return []
    codes = (status.get("code") for status in statuses if isinstance(status, dict))
    return [code for code in codes if isinstance(code, str)]


def _has_manifest_store(path: Path) -> bool:
    """Whether the manifest-store label occurs anywhere in the file, read in bounded chunks."""
    overlap = len(MANIFEST_STORE_UUID) - 1
    tail = b""
    with path.open("rb") as stream:
        while chunk := stream.read(SCAN_CHUNK):
            if MANIFEST_STORE_UUID in tail + chunk:
                return True
            tail = chunk[-overlap:]
    return False
