"""``gavah monitor SITE/``: a third party's watch over the log behind a published site.

A monitor keeps, in a small state file of its own, the log's key (pinned at its first run) and
every checkpoint it has seen (tree size and root). Each run, in this order, failing closed:

1. every checkpoint the site ships is a signed note by the pinned key, for the site's origin,
   sizes rising;
2. consecutive checkpoints are tied by consistency proofs (RFC 6962 2.1.2, checked as RFC 9162
   2.1.4.2 says), so the newest extends every earlier one;
3. every checkpoint seen before is still in the site with the same root: a seen size missing, a
   different root for a seen size (a fork), or a newest size below one seen (a rollback) fails;
4. with files: every file under the site but ``integrity/`` is in the manifest with its SHA-256,
   and its proof's entry names that SHA-256 and is included in a shipped checkpoint.

Only when all hold are the site's checkpoints added to the state. Uses only
:mod:`gavah.custody.merkle` and :mod:`gavah.custody.note`: no database, no workspace.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gavah.custody import merkle
from gavah.custody.note import Checkpoint, Verifier
from gavah.errors import IntegrityError, ProofError
from gavah.publish import integrity


@dataclass(frozen=True)
class Watch:
    """What one run of the monitor checked."""

    origin: str
    checkpoints: int
    newest: int
    seen: int
    files: int
    state: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "checkpoints": self.checkpoints,
            "newest": self.newest,
            "seen_before": self.seen,
            "files": self.files,
            "state": str(self.state),
        }


def default_state(origin: str) -> Path:
    name = hashlib.sha256(origin.encode()).hexdigest()[:16]
    return Path.home() / ".local" / "state" / "gavah" / "monitor" / f"{name}.json"


def check(site: Path, state_path: Path | None = None, *, files: bool = True) -> Watch:
    """Check ``site`` against what was seen before (see the module's steps); raises
    :class:`IntegrityError` on anything wrong, and records the site's checkpoints when all hold."""
    history = _read_json(site / integrity.FOLDER / "checkpoints.json", "checkpoint history")
    origin = str(history.get("origin", ""))
    state_path = state_path or default_state(origin)
    state = _read_state(state_path)
    verifier = _pinned_key(history, state)
    heads = _checkpoints(history, verifier, origin)
    _consistency(history, heads)
    _seen_still_there(state, heads)
    checked = _files(site, heads) if files else 0
    seen = len(state.get("seen", {}))
    _save_state(state_path, origin, verifier, heads, state)
    return Watch(origin, len(heads), max(heads), seen, checked, state_path)


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise IntegrityError(
            f"{path}: no {what}: this is not a gavah site", hint="give the site's top folder"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntegrityError(f"{path}: unreadable {what}: {exc}") from None
    if not isinstance(found, dict):
        raise IntegrityError(f"{path}: the {what} is not a JSON object")
    return found


def _read_state(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    return _read_json(path, "monitor state")


def _pinned_key(history: dict[str, Any], state: dict[str, Any]) -> Verifier:
    key = str(history.get("key", ""))
    verifier = Verifier.from_text(key)
    pinned = state.get("key")
    if pinned is not None and pinned != verifier.to_text():
        raise IntegrityError(
            f"THE LOG'S KEY CHANGED: the site now says {verifier.to_text()}, "
            f"this monitor pinned {pinned}",
            hint="a new key can mean a compromised or replaced log: ask the publisher, out of band",
        )
    return verifier


def _checkpoints(history: dict[str, Any], verifier: Verifier, origin: str) -> dict[int, bytes]:
    heads: dict[int, bytes] = {}
    last = 0
    for item in history.get("checkpoints", []):
        checkpoint = Checkpoint.from_note(str(item["note"]), verifier, origin)
        if checkpoint.size != item["size"] or checkpoint.size <= last:
            raise IntegrityError(
                f"checkpoint of size {item['size']}: sizes are not as listed, rising"
            )
        heads[checkpoint.size] = checkpoint.root
        last = checkpoint.size
    if not heads:
        raise IntegrityError("the site ships no checkpoint")
    return heads


def _consistency(history: dict[str, Any], heads: dict[int, bytes]) -> None:
    """Each checkpoint to the next: the newest extends every one."""
    sizes = sorted(heads)
    steps = {(s["from"], s["to"]): s["path"] for s in history.get("consistency", [])}
    for old, new in zip(sizes, sizes[1:], strict=False):
        path = steps.get((old, new))
        if path is None:
            raise IntegrityError(f"no consistency proof from checkpoint {old} to {new}")
        try:
            merkle.verify_consistency(old, new, heads[old], heads[new], [_b64(h) for h in path])
        except ProofError as exc:
            raise IntegrityError(
                f"THE LOG IS NOT CONSISTENT from size {old} to {new}: {exc.message}"
            ) from None


def _seen_still_there(state: dict[str, Any], heads: dict[int, bytes]) -> None:
    newest = max(heads)
    for size_text, root in sorted(state.get("seen", {}).items(), key=lambda kv: int(kv[0])):
        size = int(size_text)
        if size > newest:
            raise IntegrityError(
                f"THE LOG WAS ROLLED BACK: this monitor saw a checkpoint of size {size}, "
                f"the site's newest is {newest}"
            )
        if size not in heads:
            raise IntegrityError(
                f"THE LOG WAS REWRITTEN: the checkpoint of size {size} seen before is gone",
                hint="a site ships every checkpoint of its builds; keep this state file as evidence",
            )
        if heads[size] != _b64(root):
            raise IntegrityError(
                f"THE LOG HAS FORKED: the checkpoint of size {size} has another root than the one "
                "seen before",
                hint="two different logs were signed by one key; keep this state file as evidence",
            )


def _files(site: Path, heads: dict[int, bytes]) -> int:
    manifest = _read_json(site / integrity.FOLDER / "manifest.json", "manifest")
    listed: dict[str, Any] = manifest.get("files", {})
    on_disk = {
        p.relative_to(site).as_posix()
        for p in site.rglob("*")
        if p.is_file() and p.relative_to(site).parts[0] != integrity.FOLDER
    }
    extra = sorted(on_disk - set(listed))
    if extra:
        raise IntegrityError(f"files not in the manifest (not proven): {', '.join(extra[:5])}")
    for path, item in sorted(listed.items()):
        _file(site, path, item, heads)
    return len(listed)


def _file(site: Path, path: str, item: dict[str, Any], heads: dict[int, bytes]) -> None:
    try:
        data = (site / path).read_bytes()
    except OSError:
        raise IntegrityError(f"{path}: listed in the manifest but missing") from None
    sha = hashlib.sha256(data).hexdigest()
    if sha != item["sha256"]:
        raise IntegrityError(
            f"{path}: CHANGED: its SHA-256 is {sha}, the manifest says {item['sha256']}"
        )
    try:
        proof = integrity.unwrap((site / integrity.proof_path(sha)).read_bytes())
    except OSError:
        raise IntegrityError(f"{path}: no inclusion proof") from None
    entry = _b64(proof["entry"])
    event = json.loads(entry)
    if event.get("kind") != integrity.FILE_PUBLISHED or event.get("file", {}).get("sha256") != sha:
        raise IntegrityError(f"{path}: its proof's log entry does not name its SHA-256")
    size = int(proof["size"])
    if size not in heads:
        raise IntegrityError(f"{path}: its proof's checkpoint {size} is not in the site's history")
    try:
        merkle.verify_inclusion(
            merkle.leaf_hash(entry),
            int(proof["index"]),
            size,
            [_b64(h) for h in proof["inclusion"]],
            heads[size],
        )
    except ProofError as exc:
        raise IntegrityError(f"{path}: {exc.message}") from None


def _save_state(
    path: Path, origin: str, verifier: Verifier, heads: dict[int, bytes], state: dict[str, Any]
) -> None:
    seen = dict(state.get("seen", {}))
    seen.update({str(size): base64.b64encode(root).decode() for size, root in heads.items()})
    body = {
        "origin": origin,
        "key": verifier.to_text(),
        "seen": dict(sorted(seen.items(), key=lambda kv: int(kv[0]))),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    os.replace(partial, path)


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise IntegrityError("a proof holds a value that is not base64") from None
