"""Integrity anyone can check: every published file in the custody log, with its proof.

Each file of the site (pages, figures, styles, scripts) is one custody event,
``publish.file-published``, carrying its path and SHA-256; a build that publishes anything new
ends with ``publish.site-built`` and a signed checkpoint. The site then ships, under
``integrity/``:

- ``key.txt``: the log's verifier key (C2SP signed-note form);
- ``proofs/AB/SHA256.js``: for each file, its log entry and its inclusion path (RFC 6962 2.1.1)
  to the checkpoint of the build that first published it. A file that did not change keeps its
  proof, so an incremental build rewrites only the proofs of new files;
- ``checkpoints.json`` (and ``.js`` for the page): the signed checkpoints of the builds, oldest
  first, with a consistency proof (RFC 6962 2.1.2) from each to the next, so a proof made against
  an older checkpoint is tied to the newest one;
- ``manifest.json``: every published file with its SHA-256, log index and checkpoint.

The entries of published files name a fixed actor, not a person: they are shipped to the public,
and who publishes is no one's business but the log's (the ``publish.site-built`` entry, not
shipped, names the person). ``.js`` files are JSON inside a function call, so that a page opened
from disk can load them (browsers refuse ``fetch`` of ``file:`` URLs; a script is allowed by the
site's ``script-src 'self'``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.custody import merkle
from gavah.custody.log import Appender, fetch_nodes, utcnow
from gavah.db import models
from gavah.errors import IntegrityError
from gavah.vault import Vault

FILE_PUBLISHED = "publish.file-published"
SITE_BUILT = "publish.site-built"
PUBLIC_ACTOR = "gavah publish"  # the actor of entries shipped to the public: see above
FOLDER = "integrity"
_NODE_CHUNK = 2000


@dataclass(frozen=True)
class Logged:
    """A published file as the log knows it."""

    path: str
    sha256: str
    index: int


def proof_path(sha256: str) -> str:
    return f"{FOLDER}/proofs/{sha256[:2]}/{sha256}.js"


def wrap(function: str, value: Any) -> bytes:
    """JSON a page can load from disk: ``function(\\n{...}\\n);``."""
    body = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"{function}(\n{body}\n);\n".encode()


def unwrap(data: bytes) -> Any:
    """The JSON inside a file :func:`wrap` wrote."""
    lines = data.decode("utf-8").split("\n")
    if len(lines) < 3 or not lines[0].endswith("("):
        raise IntegrityError("not a gavah integrity script (no JSON inside a call)")
    return json.loads(lines[1])


def logged_files(session: Session) -> dict[tuple[str, str], int]:
    """(path, SHA-256) -> log index of every file ever published from this workspace."""
    E = models.CustodyEvent
    found: dict[tuple[str, str], int] = {}
    for idx, entry in session.execute(select(E.idx, E.entry).where(E.kind == FILE_PUBLISHED)):
        block = orjson.loads(bytes(entry))["file"]  # orjson: one entry per file ever published
        found.setdefault((block["path"], block["sha256"]), idx)
    return found


def build_sizes(session: Session) -> list[int]:
    """The tree size signed at the end of each build (its ``site-built`` entry is the last)."""
    E = models.CustodyEvent
    return [
        int(i) + 1
        for i in session.execute(
            select(E.idx).where(E.kind == SITE_BUILT).order_by(E.idx)
        ).scalars()
    ]


def record(vault: Vault, files: Mapping[str, str]) -> tuple[dict[str, int], int]:
    """Log the files (path -> SHA-256) not logged before, in one transaction ending with a signed
    checkpoint. Returns each file's log index and the newest build's tree size."""
    with vault.db.write() as session:
        appender = Appender(session)  # first: it locks the log head
        known = logged_files(session)
        at = utcnow()
        indexes, new = {}, 0
        for path, sha in sorted(files.items()):
            found = known.get((path, sha))
            if found is None:
                event = {"actor": PUBLIC_ACTOR, "file": {"path": path, "sha256": sha}}
                found = appender.append(FILE_PUBLISHED, None, at, event).index
                new += 1
            indexes[path] = found
        if new:
            listing = "".join(f"{p}\0{h}\n" for p, h in sorted(files.items())).encode()
            site = {"files": len(files), "new": new, "listing_sha256": _hex(listing)}
            appender.append(SITE_BUILT, None, at, {"actor": vault.actor, "site": site})
            vault.finish(session, appender)
        sizes = build_sizes(session)
    if not sizes:
        raise IntegrityError("no site build is logged", hint="gavah publish build logs one")
    return indexes, sizes[-1]


def proofs(vault: Vault, wanted: Mapping[str, int], size: int) -> dict[int, dict[str, Any]]:
    """Inclusion proofs of log indexes to the checkpoint of ``size``, keyed by index: the entry
    (base64) and the path, the nodes read in a few queries for all of them at once."""
    with vault.db.read() as session:
        indexes = sorted(set(wanted.values()))
        paths = _with_nodes(
            session, lambda node: {i: merkle.inclusion_path(i, size, node) for i in indexes}
        )
        E = models.CustodyEvent
        entries: dict[int, bytes] = {}
        for start in range(0, len(indexes), 500):
            chunk = indexes[start : start + 500]
            entries.update(
                (i, bytes(e))
                for i, e in session.execute(select(E.idx, E.entry).where(E.idx.in_(chunk)))
            )
    return {
        i: {
            "index": i,
            "size": size,
            "entry": base64.b64encode(entries[i]).decode(),
            "inclusion": [base64.b64encode(h).decode() for h in paths[i]],
        }
        for i in indexes
    }


def _with_nodes(session: Session, compute: Any) -> Any:
    """:func:`gavah.custody.log.with_stored_nodes`, its reads cut into chunks (a build may need
    tens of thousands of nodes, more than one query may name)."""
    wanted: set[tuple[int, int]] = set()

    def record_node(level: int, idx: int) -> bytes:
        wanted.add((level, idx))
        return b"\0" * merkle.HASH_SIZE

    compute(record_node)
    coords = sorted(wanted)
    nodes: dict[tuple[int, int], bytes] = {}
    for start in range(0, len(coords), _NODE_CHUNK):
        nodes.update(fetch_nodes(session, coords[start : start + _NODE_CHUNK]))
    return compute(lambda level, idx: nodes[(level, idx)])


def checkpoints(vault: Vault) -> dict[str, Any]:
    """The signed checkpoints of every build, oldest first, each with a consistency proof to the
    next."""
    with vault.db.read() as session:
        sizes = build_sizes(session)
        notes = [{"size": s, "note": vault.log.checkpoint_note(session, s)} for s in sizes]
        steps = [
            {
                "from": old,
                "to": new,
                "path": [
                    base64.b64encode(h).decode()
                    for h in vault.log.consistency_path(session, old, new)
                ],
            }
            for old, new in zip(sizes, sizes[1:], strict=False)
        ]
    return {
        "origin": vault.log.origin,
        "key": vault.log.verifier.to_text(),
        "checkpoints": notes,
        "consistency": steps,
    }


def _hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return _hex(path.read_bytes())
