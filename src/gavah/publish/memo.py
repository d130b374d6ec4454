"""What the last build made of each incident, so that the next one recomputes only what changed.

Working out whether an incident may go out, and what of it, costs the confidence level of each
of its claims (its assessments, their reviews, the sources' grades and relations under the rules)
and a public dict: most of a rebuild's time on a large site. Each incident's result is kept under
a digest of everything it was made from: the incident's row, its claims, their assessments and
reviews, their links and the approved derivatives they show, and a digest of what every incident
shares (the sources' grades, kinds and relations, the rules, the code that decides). An incident
whose digest did not change takes its result from here; any change to an input, however small,
changes the digest and the incident is worked out again. So a rebuild gives the bytes a full
build would (tests/publish/test_incremental.py builds both and compares them).

The memo lives in the workspace (``index/publish/incidents.json``, readable by its owner only),
never in the site: it holds internal ids and the reasons incidents were left out, which the
public must not see. A memo that cannot be read, or made by other code or rules, is ignored (the
build is then a full one); it is a cache and nothing else reads it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

MEMO = Path("index") / "publish" / "incidents.json"
_VERSION = 1


def digest(value: Any) -> str:
    """SHA-256 of a value's canonical JSON (datetimes in ISO form, anything else as text)."""
    body = orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(body).hexdigest()


def code_digest(modules: Iterable[Any]) -> str:
    """A digest of the source of the modules that decide what goes out: new code, new memo."""
    found = hashlib.sha256()
    for module in modules:
        found.update(Path(module.__file__).read_bytes())
    return found.hexdigest()


class Memo:
    """Results of the last build, by incident id, valid under one shared digest."""

    def __init__(self, path: Path, shared: str) -> None:
        self.path = path
        self.shared = shared
        self.old: dict[str, Any] = _read(path, shared)
        self.new: dict[str, Any] = {}
        self.hits = 0

    def get(self, incident_id: str, inputs: str) -> dict[str, Any] | None:
        """The result kept for this incident if it was made from the same inputs."""
        found = self.old.get(incident_id)
        if isinstance(found, dict) and found.get("inputs") == inputs:
            self.hits += 1
            self.new[incident_id] = found
            return found
        return None

    def put(
        self,
        incident_id: str,
        inputs: str,
        reason: str | None,
        public: dict[str, Any] | None,
        left: Sequence[tuple[str, str, str]],
    ) -> dict[str, Any]:
        # Serialised now: the caller goes on changing the public dict (entities take their ids).
        entry = {
            "inputs": inputs,
            "reason": reason,
            "public": public,
            "left": [list(x) for x in left],
        }
        self.new[incident_id] = orjson.loads(orjson.dumps(entry))
        return entry

    def save(self) -> None:
        """Write the memo of this build (only the incidents it looked at), replacing the old."""
        if self.new == self.old:
            return
        body = orjson.dumps({"v": _VERSION, "shared": self.shared, "incidents": self.new})
        try:
            for folder in (self.path.parent.parent, self.path.parent):  # index/, index/publish/
                folder.mkdir(exist_ok=True, mode=0o700)  # the workspace is its owner's alone
            partial = self.path.with_name(self.path.name + ".partial")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as sink:
                sink.write(body)
            os.replace(partial, self.path)
        except OSError:
            pass  # a cache: the next build is a full one


def _read(path: Path, shared: str) -> dict[str, Any]:
    try:
        found = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    if not isinstance(found, dict) or found.get("v") != _VERSION or found.get("shared") != shared:
        return {}
    incidents = found.get("incidents")
    return incidents if isinstance(incidents, dict) else {}
