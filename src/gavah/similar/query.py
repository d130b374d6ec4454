"""Near-duplicates as one reader may see them: "what else is this item?" and clusters.

Need-to-know: the index is built from the hashes of items acquired into collections the reader
may see, and each copy listed is one acquisition into such a collection. An item another
collection also holds shows only this reader's acquisitions of it; an item only other collections
hold is not loaded at all, so no answer (not even a count) can depend on it.

Two items match when, with PDQ's threshold, at least :data:`FRAME_SHARE` of the frames of
either one find a frame of the other (vPDQ's rule; an image is one frame, so two images match
when their hashes do, and a screenshot matches the video it came from).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gavah.casualties.clusters import Groups
from gavah.custody.log import isotime
from gavah.db import models
from gavah.similar.index import MIN_QUALITY, HashIndex, words_from_bytes

FRAME_SHARE = 0.5
"""Share of one item's frames that must match the other's (vPDQ's default is 80% on whole
videos; half lets a clip cut from a longer video, or the longer video, find the other)."""

Visible = frozenset[str] | None
"""Collections the reader may see ("" for items acquired into none); None: all of them."""


@dataclass(frozen=True)
class Copy:
    """One acquisition of an item: where it came from and when."""

    evidence_id: str
    sha256: str
    mime: str
    filename: str
    collection: str | None
    source: str | None
    received_at: str  # when it was ingested
    captured_at: str | None  # when the device says it was made (EXIF / container), if it does
    log_index: int

    @property
    def known_time(self) -> str:
        """Capture time if known, else ingest time: what "earliest" is judged by."""
        return self.captured_at or self.received_at

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "known_time": self.known_time}


@dataclass(frozen=True)
class Match:
    evidence_id: str
    distance: int  # the closest pair of hashes, in bits of 256
    frames: tuple[int, int]  # frames of the asked item matched, of its frames
    copies: tuple[Copy, ...]


@dataclass(frozen=True)
class Cluster:
    """Near-duplicate items, their copies oldest first; ``earliest`` is the first copy."""

    items: tuple[str, ...]
    copies: tuple[Copy, ...]

    @property
    def earliest(self) -> Copy:
        return self.copies[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": list(self.items),
            "earliest": self.earliest.to_dict(),
            "copies": [c.to_dict() for c in self.copies],
        }


@dataclass
class _Loaded:
    index: HashIndex
    owners: list[str]  # item of each stored row
    frames: dict[str, list[int]] = field(default_factory=dict)  # item -> its rows


# Built indexes, per database and visible set, kept while no hash or acquisition is added.
_INDEXES: dict[tuple[Any, ...], _Loaded] = {}
_INDEXES_MAX = 16


def _visible_items(visible: Visible) -> Any:
    query = select(models.Acquisition.evidence_id)
    if visible is not None:
        named = sorted(c for c in visible if c)
        clauses = [models.Acquisition.collection.in_(named)]
        if "" in visible:
            clauses.append(models.Acquisition.collection.is_(None))
        query = query.where(or_(*clauses))
    return query


def _version(session: Session, visible: Visible) -> tuple[Any, ...]:
    """What a built index is good for: hashes are stored only with an item's first acquisition
    (gavah.similar.store_hashes, in the same transaction), so the newest acquisition's log index
    (the primary key: no scan, unlike counting the hashes on every item page) says when to build
    it again."""
    newest = session.execute(select(func.max(models.Acquisition.log_index))).scalar()
    url = str(session.get_bind().engine.url)
    return (url, visible, newest)


def _load(session: Session, visible: Visible) -> _Loaded:
    key = _version(session, visible)
    loaded = _INDEXES.get(key)
    if loaded is None:
        loaded = _build(session, visible)
        if len(_INDEXES) >= _INDEXES_MAX:
            _INDEXES.clear()
        _INDEXES[key] = loaded
    return loaded


def _build(session: Session, visible: Visible) -> _Loaded:
    ph = models.PerceptualHash
    rows = session.execute(
        select(ph.evidence_id, ph.hash)
        .where(ph.quality >= MIN_QUALITY, ph.evidence_id.in_(_visible_items(visible)))
        .order_by(ph.evidence_id, ph.seq)
    ).all()
    owners = [r[0] for r in rows]
    loaded = _Loaded(HashIndex(words_from_bytes(b"".join(r[1] for r in rows))), owners)
    for row, owner in enumerate(owners):
        loaded.frames.setdefault(owner, []).append(row)
    return loaded


def _matches(loaded: _Loaded, evidence_id: str) -> dict[str, tuple[int, set[int], set[int]]]:
    """Other items matching one: item -> (best distance, its frames hit, our frames hit)."""
    ours = loaded.frames.get(evidence_id, [])
    if not ours:
        return {}
    found: dict[str, tuple[int, set[int], set[int]]] = {}
    for asked, row, gap in loaded.index.search(loaded.index.rows(ours)):
        other = loaded.owners[row]
        if other == evidence_id:
            continue
        best, theirs, mine = found.get(other, (256, set(), set()))
        found[other] = (min(best, gap), theirs | {row}, mine | {asked})
    return {
        item: hit
        for item, hit in found.items()
        if len(hit[2]) >= FRAME_SHARE * len(ours)
        or len(hit[1]) >= FRAME_SHARE * len(loaded.frames[item])
    }


def _all_matches(loaded: _Loaded) -> list[tuple[str, str]]:
    """Every matching pair of items, by the rule of :func:`_matches`, in one batched search."""
    hits: dict[tuple[str, str], tuple[set[int], set[int]]] = {}
    everything = loaded.index.rows(range(len(loaded.owners)))
    for asked, row, _ in loaded.index.search(everything):
        item, other = loaded.owners[asked], loaded.owners[row]
        if item != other:
            mine, theirs = hits.setdefault((item, other), (set(), set()))
            mine.add(asked)
            theirs.add(row)
    return [
        (item, other)
        for (item, other), (mine, theirs) in hits.items()
        if len(mine) >= FRAME_SHARE * len(loaded.frames[item])
        or len(theirs) >= FRAME_SHARE * len(loaded.frames[other])
    ]


def _has_hashes(session: Session, evidence_id: str) -> bool:
    ph = models.PerceptualHash
    found = session.execute(
        select(ph.seq).where(ph.evidence_id == evidence_id, ph.quality >= MIN_QUALITY).limit(1)
    ).first()
    return found is not None


def similar_to(session: Session, evidence_id: str, visible: Visible) -> list[Match]:
    """Items near-duplicate to one, nearest first, each with the copies the reader may see."""
    if not _has_hashes(session, evidence_id):
        return []  # a document, a sound: no index is loaded for its page
    loaded = _load(session, visible)
    hits = _matches(loaded, evidence_id)
    copies = _copies(session, hits, visible)
    ours = len(loaded.frames.get(evidence_id, []))
    matches = [
        Match(item, best, (len(mine), ours), tuple(copies[item]))
        for item, (best, _, mine) in hits.items()
    ]
    return sorted(matches, key=lambda m: (m.distance, m.copies[0].known_time, m.evidence_id))


def clusters(session: Session, visible: Visible) -> list[Cluster]:
    """Every group of near-duplicates (connected components), largest first."""
    loaded = _load(session, visible)
    groups = Groups(loaded.frames)  # the one union-find (casualties.clusters), no constraints
    for item, other in _all_matches(loaded):
        groups.union(item, other)
    members = [sorted(g) for g in groups.groups().values() if len(g) > 1]
    copies = _copies(session, [i for g in members for i in g], visible)
    found = [
        Cluster(tuple(g), tuple(sorted((c for i in g for c in copies[i]), key=_oldest)))
        for g in members
    ]
    return sorted(found, key=lambda c: (-len(c.items), c.earliest.known_time))


def _oldest(copy: Copy) -> tuple[str, int]:
    return (copy.known_time, copy.log_index)


def _copies(session: Session, items: Iterable[str], visible: Visible) -> dict[str, list[Copy]]:
    wanted = sorted(set(items))
    found: dict[str, list[Copy]] = {item: [] for item in wanted}
    acq, ev = models.Acquisition, models.Evidence
    for first in range(0, len(wanted), 500):
        query = (
            select(acq, ev)
            .join(ev, ev.id == acq.evidence_id)
            .where(acq.evidence_id.in_(wanted[first : first + 500]))
            .where(acq.log_index.in_(_visible_acquisitions(visible)))
            .order_by(acq.log_index)
        )
        for a, e in session.execute(query).all():
            found[a.evidence_id].append(_copy(a, e))
    return found


def _visible_acquisitions(visible: Visible) -> Any:
    return _visible_items(visible).with_only_columns(models.Acquisition.log_index)


def _copy(a: models.Acquisition, e: models.Evidence) -> Copy:
    return Copy(
        e.id,
        e.sha256,
        e.mime,
        a.filename,
        a.collection,
        a.source,
        isotime(a.at),
        captured_at(json.loads(e.meta)),
        a.log_index,
    )


def captured_at(metadata: dict[str, Any]) -> str | None:
    """When the device says the picture or video was made, as ``YYYY-MM-DDTHH:MM:SS`` (a camera's
    EXIF time has no zone: it is compared as written)."""
    camera = metadata.get("camera") or {}
    raw = camera.get("datetime_original") if isinstance(camera, dict) else None
    if isinstance(raw, str) and len(raw) >= 19 and raw[4] == ":":
        return f"{raw[:4]}-{raw[5:7]}-{raw[8:10]}T{raw[11:19]}"
    av = metadata.get("av") or {}
    made = av.get("creation_time") if isinstance(av, dict) else None
    if isinstance(made, str) and len(made) >= 19:
        return made[:10] + "T" + made[11:19]
    return None


def in_collection(found: Sequence[Cluster], collection: str) -> list[Cluster]:
    """Clusters with a copy in ``collection`` (all their visible copies kept)."""
    return [c for c in found if any(copy.collection == collection for copy in c.copies)]
