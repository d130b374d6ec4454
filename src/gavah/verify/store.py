"""Verification over a vault: sources, incidents, claims, assessments and reviews.

Each change writes its row and one ``verify.*`` custody event carrying the row's summary
(:mod:`gavah.verify.model`), in one transaction that also signs a checkpoint; ``gavah log
verify`` compares every row with its entry (:mod:`gavah.verify.audit`). Rows are never updated
or deleted, except a source's current grade, whose history is kept row by row. Confidence is
never stored: it is computed from the rows by the declared rules whenever it is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gavah.custody.log import Appender, utcnow
from gavah.db import models
from gavah.errors import AccessDenied, InputError, NotFound
from gavah.vault import Vault
from gavah.verify import levels, model, rules
from gavah.verify.access import Asker

# Custody event kinds (added to, never renamed).
SOURCE_ADDED = "verify.source-added"
SOURCE_GRADED = "verify.source-graded"
SOURCES_RELATED = "verify.sources-related"
INCIDENT_ADDED = "verify.incident-added"
CLAIM_ADDED = "verify.claim-added"
CLAIM_LINKED = "verify.claim-linked"
ASSESSED = "verify.assessed"
REVIEWED = "verify.reviewed"
EXPORTED = "verify.exported"

_Row = (
    models.VerifySource
    | models.VerifySourceGrade
    | models.VerifySourceRelation
    | models.VerifyIncident
    | models.VerifyClaim
    | models.VerifyClaimLink
    | models.VerifyAssessment
    | models.VerifyReview
)
_Made = list[tuple[str, _Row, dict[str, Any]]]  # (entry block, row, its summary) of one change


class Verification:
    """Verification of one vault, as one person (``asker``; the CLI's operator by default)."""

    def __init__(self, vault: Vault, asker: Asker | None = None) -> None:
        self.vault = vault
        self.db = vault.db
        self.asker = asker or Asker.operator(vault.actor)

    # --- writing -------------------------------------------------------------------------------
    def _write(
        self,
        kind: str,
        make: Callable[[Session, int, datetime], _Made],
    ) -> dict[str, Any]:
        """One change: ``make`` adds rows (given the session, the log index its entry will have
        and the time) and returns (block name, row, summary) for the entry; then the entry is
        appended and a checkpoint signed, in the same transaction."""
        with self.db.write() as session:
            appender = Appender(session)  # first: it locks the log head, so writers take turns
            at, index = utcnow(), appender.size
            made = make(session, index, at)
            session.flush()
            event: dict[str, Any] = {"actor": self.asker.actor}
            event.update({name: summary for name, _, summary in made})
            appender.append(kind, None, at, event)
            self.vault.finish(session, appender)
            return {**{name: summary for name, _, summary in made}, "log_index": index}

    def add_source(
        self,
        name: str,
        kind: str,
        *,
        collection: str,
        grade: str,
        reason: str,
        note: str | None = None,
        source_id: str | None = None,
    ) -> dict[str, Any]:
        """A source with its first grade (Admiralty A-F) and the reason for it."""
        row = models.VerifySource(
            id=model.given_id(source_id, "source"),
            collection=model.collection(collection),
            name=model.text(name, "source's name", required=True),
            kind=model.one_of(kind, model.SOURCE_KINDS, "kind of source"),
            note=model.text(note, "note"),
            grade=model.grade(grade),
            actor=self.asker.actor,
        )
        why = model.text(reason, "reason for the grade", required=True)
        self.asker.require_sight(row.collection, f"collection {row.collection!r}")

        def make(session: Session, index: int, at: datetime) -> _Made:
            if session.get(models.VerifySource, row.id) is not None:
                raise InputError(f"there is already a source {row.id}", hint="choose another --id")
            row.log_index, row.created_at = index, at
            graded = models.VerifySourceGrade(
                log_index=index,
                source_id=row.id,
                grade=row.grade,
                reason=why,
                actor=self.asker.actor,
                at=at,
            )
            session.add(row)
            session.flush()
            session.add(graded)
            return [
                ("source", row, model.source_summary(row)),
                ("grade", graded, model.grade_summary(graded)),
            ]

        return self._write(SOURCE_ADDED, make)

    def grade_source(self, source_id: str, grade: str, reason: str) -> dict[str, Any]:
        """A new grade for a source; the earlier ones stay, with their reasons."""
        new = model.grade(grade)
        why = model.text(reason, "reason for the grade", required=True)

        def make(session: Session, index: int, at: datetime) -> _Made:
            source = self._source(session, source_id)
            source.grade = new
            graded = models.VerifySourceGrade(
                log_index=index,
                source_id=source.id,
                grade=new,
                reason=why,
                actor=self.asker.actor,
                at=at,
            )
            session.add(graded)
            return [("grade", graded, model.grade_summary(graded))]

        return self._write(SOURCE_GRADED, make)

    def relate(
        self, source_id: str, relation: str, other_id: str, note: str | None = None
    ) -> dict[str, Any]:
        """Declare that one source copies, relays or belongs to another: from then on the two
        (and every source related to either) count as one voice."""
        how = model.one_of(relation, model.RELATIONS, "relation between sources")
        said = model.text(note, "note")

        def make(session: Session, index: int, at: datetime) -> _Made:
            source, other = self._source(session, source_id), self._source(session, other_id)
            if source.id == other.id:
                raise InputError("a source cannot depend on itself")
            if source.collection != other.collection:
                raise InputError(
                    f"{source.id} and {other.id} are in different collections",
                    hint="relate sources of one collection (a claim is weighed within its own)",
                )
            _refuse_related_again(session, source.id, other.id)
            row = models.VerifySourceRelation(
                source_id=source.id,
                other_id=other.id,
                relation=how,
                note=said,
                log_index=index,
                actor=self.asker.actor,
                at=at,
            )
            session.add(row)
            return [("relation", row, model.relation_summary(row))]

        return self._write(SOURCES_RELATED, make)

    def add_incident(
        self,
        title: str,
        kind: str,
        *,
        collection: str,
        place: str | None = None,
        date: str | None = None,
        killed: tuple[int | None, int | None] = (None, None),
        injured: tuple[int | None, int | None] = (None, None),
        description: str | None = None,
        incident_id: str | None = None,
    ) -> dict[str, Any]:
        """An incident: what, where (through the gazetteer), when (either calendar), how many
        were killed and injured (minimum and maximum)."""
        killed_min, killed_max = model.figures(*killed, "killed")
        injured_min, injured_max = model.figures(*injured, "injured")
        row = models.VerifyIncident(
            id=model.given_id(incident_id, "incident"),
            collection=model.collection(collection),
            title=model.text(title, "title", required=True),
            kind=model.one_of(kind, model.INCIDENT_KINDS, "kind of incident"),
            description=model.text(description, "description"),
            killed_min=killed_min,
            killed_max=killed_max,
            injured_min=injured_min,
            injured_max=injured_max,
            actor=self.asker.actor,
        )
        fields = {**model.place_fields(place), **model.date_fields(date)}
        fields["localities"] = json.dumps(fields["localities"])
        for key, value in fields.items():
            setattr(row, key, value)
        self.asker.require_sight(row.collection, f"collection {row.collection!r}")

        def make(session: Session, index: int, at: datetime) -> _Made:
            if session.get(models.VerifyIncident, row.id) is not None:
                raise InputError(
                    f"there is already an incident {row.id}", hint="choose another --id"
                )
            row.log_index, row.created_at = index, at
            session.add(row)
            return [("incident", row, model.incident_summary(row))]

        return self._write(INCIDENT_ADDED, make)

    def add_claim(
        self,
        statement: str,
        kind: str,
        *,
        incident_id: str | None = None,
        collection: str | None = None,
        claim_id: str | None = None,
    ) -> dict[str, Any]:
        """A claim about an incident (in the incident's collection) or, without one, about a
        person or a unit (then the collection must be given)."""
        said = model.text(statement, "statement", required=True)
        what = model.one_of(kind, model.CLAIM_KINDS, "kind of claim")
        cid = model.given_id(claim_id, "claim")

        def make(session: Session, index: int, at: datetime) -> _Made:
            where, incident = collection, None
            if incident_id is not None:
                incident = self._incident(session, incident_id)
                if collection is not None and collection.strip() != incident.collection:
                    raise InputError(
                        f"incident {incident.id} is in collection {incident.collection!r}",
                        hint="leave out --collection: a claim about an incident is in its collection",
                    )
                where = incident.collection
            if where is None:
                raise InputError(
                    "a claim about no incident needs a collection",
                    hint="give --incident ID, or --collection NAME for a claim about a person or unit",
                )
            row = models.VerifyClaim(
                id=cid,
                collection=model.collection(where),
                statement=said,
                kind=what,
                incident_id=incident.id if incident is not None else None,
                log_index=index,
                actor=self.asker.actor,
                created_at=at,
            )
            self.asker.require_sight(row.collection, f"collection {row.collection!r}")
            if session.get(models.VerifyClaim, row.id) is not None:
                raise InputError(f"there is already a claim {row.id}", hint="choose another --id")
            session.add(row)
            return [("claim", row, model.claim_summary(row))]

        return self._write(CLAIM_ADDED, make)

    def link_claim(self, claim_id: str, kind: str, target: str) -> dict[str, Any]:
        """Tie a claim to an evidence item, a victim register record or a registry entity."""
        how = model.one_of(kind, model.LINK_KINDS, "kind of link")

        def make(session: Session, index: int, at: datetime) -> _Made:
            claim = self._claim(session, claim_id)
            found = self._target(session, how, target)
            if session.get(models.VerifyClaimLink, (claim.id, how, found)) is not None:
                raise InputError(f"claim {claim.id} is already linked to {how} {found}")
            row = models.VerifyClaimLink(
                claim_id=claim.id,
                kind=how,
                target=found,
                log_index=index,
                actor=self.asker.actor,
                at=at,
            )
            session.add(row)
            return [("link", row, model.link_summary(row))]

        return self._write(CLAIM_LINKED, make)

    def _target(self, session: Session, kind: str, target: str) -> str:
        ref = target.strip()
        if kind == "evidence":
            return self._evidence(session, ref)
        found: Any = session.get(
            models.VictimRecord if kind == "person" else models.RegistryEntity, ref
        )
        if found is None and kind == "person":
            raise NotFound(
                f"no victim register record {ref!r}",
                hint="a record's id is LIST:ROW, e.g. NGO-A:12",
            )
        if found is None:
            raise NotFound(f"no registry entity {ref!r}", hint="gavah registry list shows them")
        return ref

    def assess(
        self,
        claim_id: str,
        source_id: str,
        *,
        stance: str,
        credibility: int,
        evidence: str | None = None,
        source_analysis: str | None = None,
        technical_analysis: str | None = None,
        content_analysis: str | None = None,
    ) -> dict[str, Any]:
        """How credible a claim is on the word of one source (and evidence item), with the
        Berkeley Protocol's steps as notes: source analysis (who, and how they know),
        technical analysis (metadata, C2PA, hashes), content analysis (geolocation,
        chronolocation, consistency). It counts once another person agrees (:meth:`review`)."""
        side = model.one_of(stance, ("supports", "contradicts"), "stance")
        level = model.credibility(credibility)
        notes = {
            "source_analysis": model.text(source_analysis, "source analysis"),
            "technical_analysis": model.text(technical_analysis, "technical analysis"),
            "content_analysis": model.text(content_analysis, "content analysis"),
        }

        def make(session: Session, index: int, at: datetime) -> _Made:
            claim = self._claim(session, claim_id)
            source = self._source(session, source_id)
            if source.collection != claim.collection:
                raise InputError(
                    f"source {source.id} is in collection {source.collection!r}, claim "
                    f"{claim.id} in {claim.collection!r}",
                    hint="add the source to the claim's collection: a claim is weighed within it",
                )
            item = self._evidence(session, evidence) if evidence else None
            row = models.VerifyAssessment(
                id=model.new_id("assessment"),
                claim_id=claim.id,
                source_id=source.id,
                evidence_id=item,
                stance=side,
                credibility=level,
                **notes,
                log_index=index,
                actor=self.asker.actor,
                at=at,
            )
            session.add(row)
            return [("assessment", row, model.assessment_summary(row))]

        return self._write(ASSESSED, make)

    def review(self, assessment_id: str, decision: str, note: str | None = None) -> dict[str, Any]:
        """A second person agrees or disagrees with an assessment. Its author may not review it
        (four eyes); a disagreement is kept beside any agreement, never overwritten."""
        said = model.one_of(decision, model.DECISIONS, "decision")
        why = model.text(note, "note")
        if said == "disagree" and why is None:
            raise InputError("say why you disagree", hint='add --note "..."')

        def make(session: Session, index: int, at: datetime) -> _Made:
            assessment = self._assessment(session, assessment_id)
            claim = session.get(models.VerifyClaim, assessment.claim_id)
            assert claim is not None  # a foreign key
            self.asker.require_review(claim.collection)
            if assessment.actor == self.asker.actor:
                raise AccessDenied(
                    f"{self.asker.actor} made assessment {assessment.id} and cannot review it",
                    hint="another person reviews it (four eyes); in the CLI the person is "
                    "GAVAH_ACTOR",
                )
            row = models.VerifyReview(
                log_index=index,
                assessment_id=assessment.id,
                decision=said,
                note=why,
                actor=self.asker.actor,
                at=at,
            )
            session.add(row)
            return [("review", row, model.review_summary(row))]

        return self._write(REVIEWED, make)

    # --- finding one ---------------------------------------------------------------------------
    def _evidence(self, session: Session, ref: str) -> str:
        """An evidence item acquired into a collection the asker sees (any, for the operator)."""
        found = self.vault.resolve(session, ref)
        if self.asker.visible is not None:
            held = session.execute(
                select(models.Acquisition.collection).where(
                    models.Acquisition.evidence_id == found.id
                )
            ).scalars()
            if not any(self.asker.sees(c or "") for c in held):
                raise NotFound(f"no evidence item {ref!r}")
        return found.id

    def _visible(self, row: Any, what: str) -> Any:
        if row is None or not self.asker.sees(row.collection):
            raise NotFound(f"no {what}", hint=f"gavah {what.split()[0]}s list shows them")
        return row

    def _source(self, session: Session, ref: str) -> models.VerifySource:
        found = session.get(models.VerifySource, ref.strip().lower())
        return self._visible(found, f"source {ref!r}")  # type: ignore[no-any-return]

    def _incident(self, session: Session, ref: str) -> models.VerifyIncident:
        found = session.get(models.VerifyIncident, ref.strip().lower())
        return self._visible(found, f"incident {ref!r}")  # type: ignore[no-any-return]

    def _claim(self, session: Session, ref: str) -> models.VerifyClaim:
        found = session.get(models.VerifyClaim, ref.strip().lower())
        return self._visible(found, f"claim {ref!r}")  # type: ignore[no-any-return]

    def _assessment(self, session: Session, ref: str) -> models.VerifyAssessment:
        found = session.get(models.VerifyAssessment, ref.strip().lower())
        if found is not None:
            claim = session.get(models.VerifyClaim, found.claim_id)
            if claim is not None and self.asker.sees(claim.collection):
                return found
        raise NotFound(f"no assessment {ref!r}", hint="gavah assess list shows them")

    # --- reading -------------------------------------------------------------------------------
    def sources(self) -> list[dict[str, Any]]:
        """Sources in the collections the asker sees, with their current grade and group."""
        with self.db.read() as session:
            group_of = levels.source_groups(session)
            rows = session.execute(select(models.VerifySource)).scalars().all()
            return [
                {**model.source_summary(s), "grade": s.grade, "independent_group": group_of[s.id]}
                for s in sorted(rows, key=lambda s: s.id)
                if self.asker.sees(s.collection)
            ]

    def source(self, source_id: str) -> dict[str, Any]:
        """One source: its grades with their reasons (oldest first), and its declared relations."""
        with self.db.read() as session:
            source = self._source(session, source_id)
            grades = session.execute(
                select(models.VerifySourceGrade)
                .where(models.VerifySourceGrade.source_id == source.id)
                .order_by(models.VerifySourceGrade.log_index)
            ).scalars()
            relations = session.execute(
                select(models.VerifySourceRelation).where(
                    or_(
                        models.VerifySourceRelation.source_id == source.id,
                        models.VerifySourceRelation.other_id == source.id,
                    )
                )
            ).scalars()
            group_of = levels.source_groups(session)
            return {
                **model.source_summary(source),
                "grade": source.grade,
                "grades": [
                    {**model.grade_summary(g), "log_index": g.log_index, **model.who(g.actor, g.at)}
                    for g in grades
                ],
                "relations": sorted(
                    (model.relation_summary(r) for r in relations),
                    key=lambda r: (r["source"], r["other"]),
                ),
                "independent_group": sorted(
                    s for s, g in group_of.items() if g == group_of[source.id]
                ),
                **model.who(source.actor, source.created_at),
            }

    def incidents(self) -> list[dict[str, Any]]:
        """Incidents the asker may see, each with its grade, in date order (undated last)."""
        with self.db.read() as session:
            rows = [
                i
                for i in session.execute(select(models.VerifyIncident)).scalars()
                if self.asker.sees(i.collection)
            ]
            grades = incident_grades(session, [i.id for i in rows])
            rows.sort(key=lambda i: (i.date is None, i.date or "", i.id))
            return [{**model.incident_summary(i), "grade": grades[i.id]} for i in rows]

    def incident(self, incident_id: str) -> dict[str, Any]:
        """One incident with its grade (and the claim it comes from) and its claims' levels."""
        with self.db.read() as session:
            row = self._incident(session, incident_id)
            claims = (
                session.execute(
                    select(models.VerifyClaim).where(models.VerifyClaim.incident_id == row.id)
                )
                .scalars()
                .all()
            )
            found = levels.claim_levels(session, [c.id for c in claims])
            occurred = [(c.id, row.id) for c in claims if c.kind == "occurred"]
            return {
                **model.incident_summary(row),
                "grade": _grades([row.id], occurred, found)[row.id],
                "claims": [
                    {**model.claim_summary(c), "level": _short(found[c.id])}
                    for c in sorted(claims, key=lambda c: c.log_index)
                ],
                **model.who(row.actor, row.created_at),
            }

    def claims(self, incident_id: str | None = None) -> list[dict[str, Any]]:
        with self.db.read() as session:
            query = select(models.VerifyClaim).order_by(models.VerifyClaim.log_index)
            if incident_id is not None:
                query = query.where(
                    models.VerifyClaim.incident_id == self._incident(session, incident_id).id
                )
            rows = [c for c in session.execute(query).scalars() if self.asker.sees(c.collection)]
            found = levels.claim_levels(session, [c.id for c in rows])
            return [{**model.claim_summary(c), "level": _short(found[c.id])} for c in rows]

    def claim(self, claim_id: str) -> dict[str, Any]:
        """One claim: its links, its assessments with their reviews, and its level explained."""
        found, level = self.claims_read([claim_id])[0]
        return {**found, "level": level.explain()}

    def claims_read(self, claim_ids: Sequence[str]) -> list[tuple[dict[str, Any], rules.Level]]:
        """Claims (each as :meth:`claim` gives it, without ``level``) with their levels, in the
        order asked, read in one transaction with one computation of the levels: a page that
        shows an incident's claims asks for them together (NotFound for any the asker may not
        see)."""
        with self.db.read() as session:
            wanted = [c.strip().lower() for c in claim_ids]
            held = {
                r.id: r for r in _rows(session, models.VerifyClaim, models.VerifyClaim.id, wanted)
            }
            rows = [
                self._visible(held.get(c), f"claim {ref!r}")
                for c, ref in zip(wanted, claim_ids, strict=True)
            ]
            ids = [r.id for r in rows]
            links: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
            for link in _rows(
                session, models.VerifyClaimLink, models.VerifyClaimLink.claim_id, ids
            ):
                links[link.claim_id].append(model.link_summary(link))
            assessed: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
            collection = {r.id: r.collection for r in rows}
            found = _rows(session, models.VerifyAssessment, models.VerifyAssessment.claim_id, ids)
            for a in _with_reviews(session, [(a, collection[a.claim_id]) for a in found]):
                assessed[a["claim"]].append(a)
            computed = levels.claim_levels(session, ids)
            return [
                (
                    {
                        **model.claim_summary(row),
                        **model.who(row.actor, row.created_at),
                        "links": sorted(links[row.id], key=lambda k: (k["kind"], k["target"])),
                        "assessments": assessed[row.id],
                    },
                    computed[row.id],
                )
                for row in rows
            ]

    def explain(self, claim_id: str) -> dict[str, Any]:
        """The claim's level on both scales and why: rule, counts, voices, what would raise it."""
        with self.db.read() as session:
            row = self._claim(session, claim_id)
            level = levels.claim_levels(session, [row.id])[row.id]
            return {"claim": model.claim_summary(row), **level.explain()}

    def assessments(
        self, claim_id: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Assessments (of one claim), with where each stands in review; ``status`` filters."""
        with self.db.read() as session:
            query = select(models.VerifyAssessment, models.VerifyClaim.collection).join(
                models.VerifyClaim, models.VerifyClaim.id == models.VerifyAssessment.claim_id
            )
            if claim_id:
                query = query.where(models.VerifyClaim.id == self._claim(session, claim_id).id)
            rows = [(a, c) for a, c in session.execute(query).all() if self.asker.sees(c)]
            found = _with_reviews(session, rows)
            return [a for a in found if status is None or a["status"] == status]

    def review_queue(self) -> list[dict[str, Any]]:
        """Assessments awaiting review that the asker did not make and may review."""
        return [
            a
            for a in self.assessments(status=levels.AWAITING)
            if a["actor"] != self.asker.actor
            and (self.asker.reviews is None or a["collection"] in self.asker.reviews)
        ]

    def _assessments(self, session: Session, claim_id: str) -> list[dict[str, Any]]:
        claim = session.get(models.VerifyClaim, claim_id)
        assert claim is not None
        rows = session.execute(
            select(models.VerifyAssessment).where(models.VerifyAssessment.claim_id == claim_id)
        ).scalars()
        return _with_reviews(session, [(a, claim.collection) for a in rows])

    def assessment(self, assessment_id: str) -> dict[str, Any]:
        with self.db.read() as session:
            row = self._assessment(session, assessment_id)
            return next(a for a in self._assessments(session, row.claim_id) if a["id"] == row.id)

    def level(self, claim_id: str) -> rules.Level:
        """The claim's level as the rules give it, for readers that show it their own way (the
        web, in the reader's language); :meth:`explain` is the same as JSON."""
        with self.db.read() as session:
            row = self._claim(session, claim_id)
            return levels.claim_levels(session, [row.id])[row.id]

    def evidence_names(self, ids: Iterable[str]) -> dict[str, str]:
        """Of these evidence items, those acquired into a collection the asker sees, each with
        the file name of its first such acquisition. An item cited by a claim but held only in
        collections the asker does not see is left out: its id says nothing to them."""
        wanted = sorted(set(ids))
        A = models.Acquisition
        found: dict[str, str] = {}
        with self.db.read() as session:
            for start in range(0, len(wanted), 500):
                rows = session.execute(
                    select(A.evidence_id, A.filename, A.collection)
                    .where(A.evidence_id.in_(wanted[start : start + 500]))
                    .order_by(A.log_index)
                ).all()
                for evidence_id, filename, collection in rows:
                    if evidence_id not in found and self.asker.sees(collection or ""):
                        found[evidence_id] = filename
        return found

    def allegations(
        self, entity_ids: Iterable[str] | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Per registry entity (of ``entity_ids``, or every one), the claims tied to it that the
        asker may see, each with its incident and level, strongest first: what the registry
        alleges of a person's or a unit's role ("unit U was present", "P ordered the firing")
        takes its confidence from these claims, never from a typed value. An entity with no
        such claim is left out. A unit's claims are its own: they are not passed on to its
        members."""
        L, C = models.VerifyClaimLink, models.VerifyClaim
        query = (
            select(L.target, C.id, C.incident_id, C.kind, C.statement, C.collection)
            .join(C, C.id == L.claim_id)
            .where(L.kind == "entity")
        )
        wanted = None if entity_ids is None else sorted(set(entity_ids))
        with self.db.read() as session:
            rows = []
            for start in range(0, len(wanted) if wanted is not None else 1, 500):
                page = query
                if wanted is not None:
                    page = query.where(L.target.in_(wanted[start : start + 500]))
                rows += [r for r in session.execute(page).all() if self.asker.sees(r.collection)]
            found = levels.claim_levels(session, sorted({r.id for r in rows}))
        order = {name: i for i, (name, _, _) in enumerate(rules.load().airwars)}
        out: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            out.setdefault(r.target, []).append(
                {
                    "claim": r.id,
                    "incident": r.incident_id,
                    "kind": r.kind,
                    "statement": r.statement,
                    **_short(found[r.id]),
                }
            )
        for claims in out.values():
            claims.sort(key=lambda a: (order[a["airwars"]], a["claim"]))
        return out

    def history(self, incident_id: str) -> list[dict[str, Any]]:
        """The ``verify.*`` changes of one incident, in log order: the incident, its claims and
        their links, assessments and reviews, each with its log index, actor and time (read
        from the rows, which ``log verify`` checks against the entries)."""
        with self.db.read() as session:
            incident = self._incident(session, incident_id)
            claims = _rows(
                session, models.VerifyClaim, models.VerifyClaim.incident_id, [incident.id]
            )
            claim_ids = [c.id for c in claims]
            links = _rows(
                session, models.VerifyClaimLink, models.VerifyClaimLink.claim_id, claim_ids
            )
            assessed = _rows(
                session, models.VerifyAssessment, models.VerifyAssessment.claim_id, claim_ids
            )
            reviews = _rows(
                session,
                models.VerifyReview,
                models.VerifyReview.assessment_id,
                [a.id for a in assessed],
            )
            found = [_event(INCIDENT_ADDED, incident, incident.created_at, incident.id)]
            found += [_event(CLAIM_ADDED, c, c.created_at, c.id) for c in claims]
            found += [_event(CLAIM_LINKED, k, k.at, k.claim_id, k.target) for k in links]
            found += [_event(ASSESSED, a, a.at, a.id, a.claim_id) for a in assessed]
            found += [_event(REVIEWED, r, r.at, r.assessment_id, r.decision) for r in reviews]
        return sorted(found, key=lambda e: e["log_index"])


def incident_grades(session: Session, incident_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each incident's grade: the highest level among its ``occurred`` claims (ungraded without
    one), with the claim it comes from."""
    rows = session.execute(
        select(models.VerifyClaim.id, models.VerifyClaim.incident_id).where(
            models.VerifyClaim.incident_id.in_(incident_ids), models.VerifyClaim.kind == "occurred"
        )
    ).all()
    found = levels.claim_levels(session, sorted(c for c, _ in rows))
    return _grades(incident_ids, [(c, i) for c, i in rows if i is not None], found)


def _grades(
    incident_ids: Sequence[str],
    rows: Sequence[tuple[str, str]],
    found: Mapping[str, rules.Level],
) -> dict[str, dict[str, Any]]:
    """Of (occurred claim, incident) pairs and the claims' levels, each incident's grade."""
    rank = {name: -i for i, (name, _, _) in enumerate(rules.load().airwars)}
    best: dict[str, dict[str, Any]] = {
        i: {"airwars": "ungraded", "proof": "not met", "rule": None, "claim": None}
        for i in incident_ids
    }
    for claim_id, incident_id in sorted(rows):
        level = found[claim_id]
        current = best[incident_id]
        if current["claim"] is None or rank[level.airwars] > rank[current["airwars"]]:
            best[incident_id] = {**_short(level), "claim": claim_id}
    return best


def _short(level: rules.Level) -> dict[str, Any]:
    return {"airwars": level.airwars, "proof": level.proof, "rule": level.rule.id}


def _with_reviews(
    session: Session, rows: list[tuple[models.VerifyAssessment, str]]
) -> list[dict[str, Any]]:
    """Assessments (with their claim's collection) as dicts with their reviews, in log order."""
    reviews: dict[str, list[models.VerifyReview]] = {a.id: [] for a, _ in rows}
    ids = list(reviews)
    for start in range(0, len(ids), 500):
        found = session.execute(
            select(models.VerifyReview).where(
                models.VerifyReview.assessment_id.in_(ids[start : start + 500])
            )
        ).scalars()
        for r in found:
            reviews[r.assessment_id].append(r)
    ordered = sorted(rows, key=lambda row: row[0].log_index)
    return [_assessment_dict(a, collection, reviews[a.id]) for a, collection in ordered]


def _assessment_dict(
    a: models.VerifyAssessment, collection: str, reviews: list[models.VerifyReview]
) -> dict[str, Any]:
    found = levels.standing(a.actor, reviews)
    return {
        **model.assessment_summary(a),
        "collection": collection,
        "log_index": a.log_index,
        **model.who(a.actor, a.at),
        "status": found.status,
        "reviews": [
            {**model.review_summary(r), "log_index": r.log_index, **model.who(r.actor, r.at)}
            for r in sorted(reviews, key=lambda r: r.log_index)
        ],
    }


def _refuse_related_again(session: Session, a: str, b: str) -> None:
    R = models.VerifySourceRelation
    found = session.execute(
        select(R).where(
            or_((R.source_id == a) & (R.other_id == b), (R.source_id == b) & (R.other_id == a))
        )
    ).scalar_one_or_none()
    if found is not None:
        raise InputError(
            f"already declared: {found.source_id} {found.relation.replace('-', ' ')} "
            f"{found.other_id} (log index {found.log_index})",
            hint="the two already count as one voice",
        )


def _rows(session: Session, table: Any, column: Any, ids: list[str]) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(ids), 500):
        query = select(table).where(column.in_(ids[start : start + 500]))
        found.extend(session.execute(query).scalars())
    return found


def _event(
    kind: str, row: Any, at: datetime, subject: str, detail: str | None = None
) -> dict[str, Any]:
    return {
        "kind": kind,
        "log_index": row.log_index,
        **model.who(row.actor, at),
        "subject": subject,
        "detail": detail,
    }
