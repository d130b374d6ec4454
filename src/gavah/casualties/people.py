"""Distinct people in the register: linkage runs, reviewers' decisions, and capture histories.

A linkage run scores candidate pairs once (:mod:`gavah.casualties.linkage`) and keeps them; the
register of people is then built at any threshold from the stored pairs and every decision a
reviewer made (:mod:`gavah.casualties.clusters`), without scoring again. Runs and decisions are
custody events. Capture histories for multiple systems estimation come from the people: which of
the chosen lists each person appears on, and the stratum each person falls in.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from gavah.casualties import clusters, linkage
from gavah.casualties.clusters import DECISIONS, Groups, Pair, pair
from gavah.casualties.comparisons import MODEL_VERSION
from gavah.casualties.mse import guards
from gavah.casualties.mse.patterns import CaptureHistories
from gavah.custody.entry import canonical_json
from gavah.custody.log import Appender, isotime, utcnow
from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.text import places
from gavah.vault import Vault

LINKAGE_RUN = "victims.linkage-run"
DECIDED = "victims.linkage-decided"
STRATA = ("province", "place", "month", "year", "gender", "age_group", "cause")
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Person:
    id: str  # the smallest record id in the group: stable while the group is
    records: tuple[models.VictimRecord, ...]

    @property
    def lists(self) -> list[str]:
        return sorted({r.list_id for r in self.records})

    def value(self, field: str) -> str:
        """The person's value of a stratum field: the most common among their records."""
        if field in ("month", "year"):
            values = [v for r in self.records if (v := _period(r, field))]
        elif field == "province":  # one name per province, from the place where none is given
            values = [v for r in self.records if (v := _province(r))]
        else:
            values = [v for r in self.records if (v := getattr(r, field))]
        if not values:
            return UNKNOWN
        counts = Counter(values)
        top = max(counts.values())
        return min(v for v, c in counts.items() if c == top)


Scored = tuple[str, str, float, float, str]  # left, right, probability, weight, levels (JSON)


def pairs_digest(pairs: Iterable[Scored]) -> str:
    """Digest of scored pairs in (left, right) order: ids, probability and weight to 6 decimals,
    and the explanation, so that no stored part of a run can change unseen."""
    digest = hashlib.sha256()
    for left, right, probability, weight, levels in pairs:
        row = [left, right, f"{probability:.6f}", f"{weight:.6f}", levels]
        digest.update(canonical_json(row) + b"\n")
    return digest.hexdigest()


def stored_pairs_digest(session: Session, run_id: int) -> str:
    pair = models.LinkagePair
    rows = session.execute(
        select(pair.left_id, pair.right_id, pair.probability, pair.match_weight, pair.levels).where(
            pair.run_id == run_id
        )
    )
    # Sorted here, not in SQL: PostgreSQL's collation may order text differently from Python.
    return pairs_digest(sorted((a, b, float(p), float(w), lv) for a, b, p, w, lv in rows))


def _levels_json(levels: Mapping[str, str]) -> str:
    return json.dumps(levels, sort_keys=True, ensure_ascii=False)


def model_digest(model_json: str) -> str:
    return hashlib.sha256(model_json.encode("utf-8")).hexdigest()


class People:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.db = vault.db

    # --- linkage runs ----------------------------------------------------------------------
    def run_linkage(
        self, lists: Sequence[str] | None, *, seed: int, weights: linkage.Weights = "auto"
    ) -> dict[str, Any]:
        """Score the pairs of ``lists`` (default: all) and keep them as a new run. With
        ``weights="auto"``, learned weights stored with an earlier run are reused, so that a
        pair's score does not change when a list is added."""
        with self.db.read() as session:
            chosen = self._lists(session, lists)
            records = self._records(session, chosen)
            stored = self._learned_model(session) if weights == "auto" else None
        model = json.loads(stored.model) if stored is not None else None
        workers = self.vault.ws.settings.linkage_workers
        result = linkage.link(records, seed=seed, model=model, weights=weights, workers=workers)
        if stored is not None and result.model is model:
            result.training["model_from_run"] = stored.id
        model_json = json.dumps(result.model, sort_keys=True)
        digest = pairs_digest(
            (p.left, p.right, p.probability, p.match_weight, _levels_json(p.levels))
            for p in result.pairs
        )
        with self.db.write() as session:
            run_id = int(session.execute(select(func.max(models.LinkageRun.id))).scalar() or 0) + 1
            appender = Appender(session)
            at = utcnow()
            settings = {"seed": seed, "store_from": linkage.STORE_FROM, **result.training}
            event = {
                "actor": self.vault.actor,
                "linkage": {
                    "run": run_id,
                    "lists": chosen,
                    "records": len(records),
                    "settings": {k: str(v) for k, v in settings.items()},
                    "model_sha256": model_digest(model_json),
                    "pairs": len(result.pairs),
                    "pairs_sha256": digest,
                },
            }
            index = appender.append(LINKAGE_RUN, None, at, event).index
            session.add(
                models.LinkageRun(
                    id=run_id,
                    lists=json.dumps(chosen),
                    settings=json.dumps(settings, sort_keys=True),
                    model=model_json,
                    record_count=len(records),
                    pair_count=len(result.pairs),
                    pairs_sha256=digest,
                    log_index=index,
                    actor=self.vault.actor,
                    created_at=at,
                )
            )
            session.flush()
            rows = [
                {
                    "run_id": run_id,
                    "left_id": p.left,
                    "right_id": p.right,
                    "probability": p.probability,
                    "match_weight": p.match_weight,
                    "levels": _levels_json(p.levels),
                }
                for p in result.pairs
            ]
            for start in range(0, len(rows), 20_000):
                session.execute(insert(models.LinkagePair), rows[start : start + 20_000])
            self.vault.finish(session, appender)
        return {
            "run": run_id,
            "lists": chosen,
            "records": len(records),
            "pairs": len(result.pairs),
            "training": result.training,
            "log_index": index,
        }

    def _learned_model(self, session: Session) -> models.LinkageRun | None:
        """The latest run whose weights were learned, if its model can be read by this code."""
        runs = session.execute(
            select(models.LinkageRun).order_by(models.LinkageRun.id.desc())
        ).scalars()
        for run in runs:
            if json.loads(run.settings).get("weights", "").startswith("learned"):
                model = json.loads(run.model)
                return run if model.get("version") == MODEL_VERSION else None
        return None

    def _lists(self, session: Session, lists: Sequence[str] | None) -> list[str]:
        known = list(
            session.execute(select(models.VictimList.id).order_by(models.VictimList.id)).scalars()
        )
        if not known:
            raise NotFound("the register holds no lists", hint="import one: gavah victims import")
        if not lists:
            return known
        missing = [name for name in lists if name not in known]
        if missing:
            raise NotFound(
                f"no list named {', '.join(missing)} in the register",
                hint=f"lists: {', '.join(known)}",
            )
        return sorted(dict.fromkeys(lists))

    def _records(self, session: Session, lists: Sequence[str]) -> list[models.VictimRecord]:
        return list(
            session.execute(
                select(models.VictimRecord)
                .where(models.VictimRecord.list_id.in_(lists))
                .order_by(models.VictimRecord.list_id, models.VictimRecord.row)
            ).scalars()
        )

    def run_id(self, run: int | None = None) -> int:
        """The linkage run's number: ``run`` if it exists, else the latest."""
        with self.db.read() as session:
            return self._run(session, run).id

    def _run(self, session: Session, run: int | None) -> models.LinkageRun:
        if run is None:
            found = session.execute(
                select(models.LinkageRun).order_by(models.LinkageRun.id.desc()).limit(1)
            ).scalar_one_or_none()
            if found is None:
                raise NotFound(
                    "no linkage run yet", hint="run the linkage first: gavah victims link"
                )
            return found
        chosen = session.get(models.LinkageRun, run)
        if chosen is None:
            raise NotFound(f"no linkage run {run}")
        return chosen

    def _scored(self, session: Session, run: models.LinkageRun) -> list[tuple[str, str, float]]:
        rows = session.execute(
            select(
                models.LinkagePair.left_id,
                models.LinkagePair.right_id,
                models.LinkagePair.probability,
            )
            .where(models.LinkagePair.run_id == run.id)
            .order_by(models.LinkagePair.left_id, models.LinkagePair.right_id)
        )
        return [(a, b, float(p)) for a, b, p in rows]

    # --- decisions -------------------------------------------------------------------------
    def decisions(self, session: Session) -> dict[Pair, str]:
        """The standing decision per pair (the latest made)."""
        rows = session.execute(
            select(
                models.LinkageDecision.left_id,
                models.LinkageDecision.right_id,
                models.LinkageDecision.decision,
            ).order_by(models.LinkageDecision.id)
        )
        return {(a, b): d for a, b, d in rows}

    def decide(self, a: str, b: str, decision: str, note: str | None = None) -> dict[str, Any]:
        if decision not in DECISIONS:
            raise InputError(
                f"unknown decision {decision!r}", hint=f"decide one of {', '.join(DECISIONS)}"
            )
        left, right = pair(a.strip(), b.strip())
        if left == right:
            raise InputError("a record is always the same person as itself")
        with self.db.write() as session:
            for ref in (left, right):
                if session.get(models.VictimRecord, ref) is None:
                    raise NotFound(f"no victim record {ref!r}", hint="records are named LIST:ROW")
            standing = self.decisions(session)
            already = clusters.contradicted(standing, left, right, decision)
            if already is not None:
                raise InputError(
                    f"{left} and {right} are already {'one person' if already == 'same' else 'different people'} "
                    "through other decisions",
                    hint="change the decision that links them first (gavah victims decisions)",
                )
            at = utcnow()
            appender = Appender(session)
            event = {
                "actor": self.vault.actor,
                "decision": {"left": left, "right": right, "decision": decision, "note": note},
            }
            index = appender.append(DECIDED, None, at, event).index
            session.add(
                models.LinkageDecision(
                    left_id=left,
                    right_id=right,
                    decision=decision,
                    note=note,
                    log_index=index,
                    actor=self.vault.actor,
                    at=at,
                )
            )
            self.vault.finish(session, appender)
        return {
            "left": left,
            "right": right,
            "decision": decision,
            "implied_before": already,
            "log_index": index,
        }

    def decision_history(self) -> list[dict[str, Any]]:
        with self.db.read() as session:
            rows = session.execute(
                select(models.LinkageDecision).order_by(models.LinkageDecision.id)
            ).scalars()
            return [
                {
                    "left": d.left_id,
                    "right": d.right_id,
                    "decision": d.decision,
                    "note": d.note,
                    "actor": d.actor,
                    "at": isotime(d.at),
                    "log_index": d.log_index,
                }
                for d in rows
            ]

    def to_review(
        self, *, run: int | None = None, lower: float = 0.2, upper: float = 0.98, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Uncertain pairs nobody has decided, most uncertain first; pairs already settled by
        decisions on other pairs (transitively) are left out."""
        with self.db.read() as session:
            chosen = self._run(session, run)
            standing = self.decisions(session)
            ids = {x for p in standing for x in p}
            groups, _ = clusters.human_groups(ids, standing)
            rows = session.execute(
                select(models.LinkagePair)
                .where(
                    models.LinkagePair.run_id == chosen.id,
                    models.LinkagePair.probability >= lower,
                    models.LinkagePair.probability <= upper,
                )
                .order_by(
                    func.abs(models.LinkagePair.probability - 0.5), models.LinkagePair.left_id
                )
            ).scalars()
            out: list[dict[str, Any]] = []
            for p in rows:
                if (p.left_id, p.right_id) in standing:
                    continue
                if clusters.implied(groups, p.left_id, p.right_id) is not None:
                    continue
                left = session.get(models.VictimRecord, p.left_id)
                right = session.get(models.VictimRecord, p.right_id)
                assert left is not None and right is not None
                out.append(
                    {
                        "run": chosen.id,
                        "left": _brief(left),
                        "right": _brief(right),
                        "probability": p.probability,
                        "match_weight": p.match_weight,
                        "explanation": json.loads(p.levels),
                    }
                )
                if len(out) >= limit:
                    break
            return out

    # --- what the estimate's guard rails ask of the register -------------------------------
    def checks(
        self,
        lists: Sequence[str] | None,
        *,
        threshold: float = linkage.DEFAULT_THRESHOLD,
        run: int | None = None,
    ) -> tuple[guards.Coverage, int]:
        """Each list's dates of death (to the day) and people per province, for
        :func:`~gavah.casualties.mse.guards.coverage`; and how many pairs of records look alike
        yet stay apart (:func:`awaiting_review`), for
        :func:`~gavah.casualties.mse.guards.under_linked`."""
        with self.db.read() as session:
            state = self._state(session, lists, run)
        dates: dict[str, list[date]] = {name: [] for name in state.about["lists"]}
        provinces: dict[str, Counter[str]] = {name: Counter() for name in state.about["lists"]}
        for rec in state.by_id.values():
            if rec.date and rec.date_precision in (None, "day"):
                dates[rec.list_id].append(date.fromisoformat(rec.date))
            where = _province(rec)
            if where:
                provinces[rec.list_id][where] += 1
        groups = state.cluster(threshold)
        apart = len(awaiting_review(state.scored, state.decisions, groups, threshold))
        return guards.Coverage(dates, provinces), apart

    # --- people ----------------------------------------------------------------------------
    def people(
        self,
        *,
        lists: Sequence[str] | None = None,
        threshold: float = linkage.DEFAULT_THRESHOLD,
        run: int | None = None,
    ) -> tuple[list[Person], dict[str, Any]]:
        """The people at ``threshold``, and what the register says of them: the run, lists and
        records, and the range the pairs awaiting review leave open (:class:`ReviewRange`)."""
        with self.db.read() as session:
            state = self._state(session, lists, run)
            groups = state.cluster(threshold)
            found = state.people(groups)
        span = review_range(state.scored, state.decisions, groups, threshold, state.lists)
        about = {**state.about, "threshold": threshold, "people": len(found), **span.fields()}
        return found, about

    def _state(self, session: Session, lists: Sequence[str] | None, run: int | None) -> _State:
        chosen_lists = self._lists(session, lists)
        records = self._records(session, chosen_lists)
        linkage_run = self._run(session, run)
        missing = sorted(set(chosen_lists) - set(json.loads(linkage_run.lists)))
        if missing:
            raise InputError(
                f"linkage run {linkage_run.id} did not include {', '.join(missing)}",
                hint="run the linkage again over these lists: gavah victims link",
            )
        by_id = {r.id: r for r in records}
        scored = [t for t in self._scored(session, linkage_run) if t[0] in by_id and t[1] in by_id]
        decided = {
            p: d for p, d in self.decisions(session).items() if p[0] in by_id and p[1] in by_id
        }
        about = {"run": linkage_run.id, "lists": chosen_lists, "records": len(records)}
        return _State(by_id, scored, decided, about)

    def histories(
        self,
        lists: Sequence[str] | None,
        strata: Sequence[str],
        *,
        thresholds: Sequence[float] = (linkage.DEFAULT_THRESHOLD,),
        samples: int = 0,
        seed: int = 19481210,
        run: int | None = None,
    ) -> Iterator[tuple[str, dict[tuple[str, ...], CaptureHistories]]]:
        """Capture histories by stratum for each linkage threshold (label "threshold 0.9"), or
        for ``samples`` draws of the linkage (label "draw 3"), each pair accepted with its
        probability."""
        bad = [s for s in strata if s not in STRATA]
        if bad:
            raise InputError(
                f"cannot stratify by {', '.join(bad)}", hint=f"strata: {', '.join(STRATA)}"
            )
        with self.db.read() as session:
            state = self._state(session, lists, run)
        chosen = tuple(state.about["lists"])
        if samples:
            rng = np.random.default_rng(seed)
            for draw in range(1, samples + 1):
                uniforms = rng.random(len(state.scored)).tolist()
                groups = clusters.sample(
                    state.ids, state.scored, state.decisions, uniforms, state.lists
                )
                yield f"draw {draw}", _tables(state.people(groups), chosen, strata)
        else:
            for t in thresholds:
                groups = state.cluster(t)
                yield f"threshold {t:g}", _tables(state.people(groups), chosen, strata)


@dataclass
class _State:
    by_id: dict[str, models.VictimRecord]
    scored: list[tuple[str, str, float]]
    decisions: dict[Pair, str]
    about: dict[str, Any]

    @property
    def ids(self) -> list[str]:
        return list(self.by_id)

    @property
    def lists(self) -> dict[str, str]:
        """Each record's list: two records of one list are one person only where the model
        links them directly (gavah.casualties.clusters.cluster)."""
        return {i: r.list_id for i, r in self.by_id.items()}

    def cluster(self, threshold: float) -> Groups:
        return clusters.cluster(self.ids, self.scored, self.decisions, threshold, self.lists)

    def people(self, groups: Groups) -> list[Person]:
        return [
            Person(root, tuple(self.by_id[i] for i in members))
            for root, members in sorted(groups.groups().items())
        ]


def awaiting_review(
    scored: Iterable[tuple[str, str, float]],
    decisions: Mapping[Pair, str],
    groups: Groups,
    threshold: float,
) -> list[tuple[str, str, float]]:
    """The pairs of records that look alike (scored from
    :data:`~gavah.casualties.mse.guards.LOOKS_ALIKE_FROM` up to ``threshold``), that no reviewer
    decided, and that the people at ``threshold`` (``groups``) keep apart: each may be one
    person counted twice. A pair the people join anyway, through other records, is not one."""
    return [
        (a, b, p)
        for a, b, p in scored
        if guards.LOOKS_ALIKE_FROM <= p < threshold
        and (a, b) not in decisions
        and groups.find(a) != groups.find(b)
    ]


@dataclass(frozen=True)
class ReviewRange:
    """How far the count of people can move with the pairs awaiting review: ``pairs`` of them,
    and ``people_if_joined``, the people if every one were one person."""

    pairs: int
    people_if_joined: int

    def fields(self) -> dict[str, int]:
        return {
            "pairs_awaiting_review": self.pairs,
            "people_if_review_joins": self.people_if_joined,
        }


def review_range(
    scored: Sequence[tuple[str, str, float]],
    decisions: Mapping[Pair, str],
    groups: Groups,
    threshold: float,
    lists: Mapping[str, str],
) -> ReviewRange:
    """Of the records in ``lists`` (each record's list), the pairs :func:`awaiting_review` among the people at ``threshold`` (``groups``), and
    the people if each were one person: the same clustering (decisions first, the list rule)
    at :data:`~gavah.casualties.mse.guards.LOOKS_ALIKE_FROM`. A pair a reviewer was unsure of
    is not awaiting review, so it is not joined there either; a reviewer's "different" still
    keeps two groups apart, so not every pair awaiting review need join."""
    waiting = awaiting_review(scored, decisions, groups, threshold)
    people = len(groups.groups())
    if not waiting:
        return ReviewRange(0, people)
    low = guards.LOOKS_ALIKE_FROM
    kept = [t for t in scored if not (low <= t[2] < threshold and (t[0], t[1]) in decisions)]
    joined = clusters.cluster(lists.keys(), kept, decisions, low, lists)
    return ReviewRange(len(waiting), len(joined.groups()))


def _period(rec: models.VictimRecord, field: str) -> str | None:
    """The Gregorian month ("2026-01") or year of a record's date, where the date says it. A
    Solar Hijri month straddles two Gregorian months (Dey 1404 is 22 December to 20 January), so
    it gives no Gregorian month, and a year only when it lies inside one; a Hijri year gives none."""
    if not rec.date:
        return None
    if rec.date_precision in (None, "day") or rec.date_calendar != "solar_hijri":
        exact = field == "year" or rec.date_precision in (None, "day", "month")
        return (rec.date[:7] if field == "month" else rec.date[:4]) if exact else None
    if field == "year" and rec.date_precision == "month":
        start = date.fromisoformat(rec.date)
        end = start + timedelta(days=30)
        return str(start.year) if start.year == end.year else None
    return None


def _province(rec: models.VictimRecord) -> str | None:
    """The record's province in one spelling whatever the list's script: from its province
    column, else from its place through the gazetteer ("Karaj" is in Alborz); a province the
    gazetteer does not know stays as written."""
    found = places.locate(rec.place, rec.province).province
    if found:
        return found
    return (places.province(rec.province) or rec.province) if rec.province else None


def _tables(
    people: Sequence[Person], lists: Sequence[str], strata: Sequence[str]
) -> dict[tuple[str, ...], CaptureHistories]:
    counts: dict[tuple[str, ...], Counter[tuple[int, ...]]] = {}
    for person in people:
        on = set(person.lists)
        key = tuple(person.value(s) for s in strata)
        counts.setdefault(key, Counter())[tuple(int(name in on) for name in lists)] += 1
    return {key: CaptureHistories.from_counts(lists, c) for key, c in sorted(counts.items())}


def _brief(rec: models.VictimRecord) -> dict[str, Any]:
    return {
        "id": rec.id,
        "list": rec.list_id,
        "name": rec.name,
        "name_fa": rec.name_fa,
        "age": rec.age if rec.age is not None else rec.age_group,
        "gender": rec.gender,
        "date": rec.date_original or rec.date,
        "place": ", ".join(v for v in (rec.place, rec.province) if v) or None,
    }


def person_dict(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "lists": person.lists,
        "records": [r.id for r in person.records],
        "name": next((r.name for r in person.records if r.name), None),
        "name_fa": next((r.name_fa for r in person.records if r.name_fa), None),
        "date": person.value("date"),
        "province": person.value("province"),
    }
