"""What may go out on the public site, and what is left out and why.

Fail closed: an incident goes out only when a reviewer marked it (:mod:`gavah.publish.marks`)
and every one of its claims is reviewed (each assessment agreed by a second person, none
disputed, at least one). Everything else is left out with a reason the build reports to its
operator (never into the site).

What goes out is a whitelist of fields, never a row: an incident's title, kind, province (never the
place as written, which may be an address), date at its precision, figures, grade and its
explanation; its claims' statements and levels, each counted voice as the *kind* of its source
with its grades (never a source's name or id: a witness's name lives there), and the registry
entities its claims name. Internal ids are replaced by slugs derived from them, so that an id
an analyst typed reveals nothing. Evidence media go out only as approved redacted derivatives
(:func:`media_for`); originals never do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.db import models
from gavah.errors import InputError
from gavah.publish import memo, victims
from gavah.publish.marks import marks
from gavah.text import dates
from gavah.text.dates import to_hijri
from gavah.verify import levels, rules
from gavah.verify.report import APART, COUNTED, period_of
from gavah.verify.store import Verification

NO_DERIVATIVE = "no approved redacted derivative"


def slug(kind: str, internal_id: str) -> str:
    """A public name for an internal id: stable across builds, and says nothing of the id."""
    return kind[0] + "-" + hashlib.sha256(f"{kind}\0{internal_id}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class LeftOut:
    """Something the build did not publish, for its operator's report (never in the site)."""

    what: str  # incident, claim, evidence, entity, estimate
    id: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"what": self.what, "id": self.id, "reason": self.reason}


@dataclass
class Selection:
    """Everything the site shows, as public dicts, and what was left out."""

    incidents: list[dict[str, Any]] = field(default_factory=list)
    harm: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # calendar -> rows
    entities: list[dict[str, Any]] = field(default_factory=list)
    gaps: dict[str, Any] | None = None
    estimate: dict[str, Any] | None = None
    victims: list[dict[str, Any]] = field(default_factory=list)  # the lists set for publication
    left_out: list[LeftOut] = field(default_factory=list)
    reused: int = 0  # incidents taken from the last build's memo, not worked out again


def select_content(verification: Verification, estimate: Path | None = None) -> Selection:
    """What the site may show, read from the workspace in one read transaction. Incidents whose
    inputs did not change since the last build are taken from its memo (:mod:`.memo`)."""
    chosen = Selection()
    with verification.db.read() as session:
        rows = _published_incidents(session, verification, chosen)
        chosen.incidents = [public for _, public in rows]
        chosen.harm = {cal: _harm([r for r, _ in rows], chosen.incidents, cal) for cal in CALENDARS}
        chosen.victims = victims.published_lists(session, slug, chosen.left_out, LeftOut)
    chosen.entities = _entities(verification, chosen.incidents)
    chosen.gaps = _gaps(verification, chosen.entities)
    chosen.estimate = read_estimate(estimate) if estimate else None
    return chosen


# --- incidents -----------------------------------------------------------------------------------

# Rows of verify_incident and verify_claim read as plain rows (attribute access as on the models).
IncidentRow = Any
ClaimRow = Any
_Claims = list[tuple[ClaimRow, rules.Level]]


# What of a claim its incident's result is made from (when it was made changes nothing); of
# assessments and reviews, what their levels are made from (gavah.verify.levels).
_CLAIMED = tuple(
    getattr(models.VerifyClaim, name)
    for name in ("id", "incident_id", "kind", "statement", "log_index")
)


@dataclass
class _Inputs:
    """Every row an incident's result is made from, read at once for all incidents (plain rows,
    not ORM objects: a site reads every incident and claim, and building tens of thousands of
    ORM objects costs more than everything else the selection does)."""

    claims: dict[str, list[ClaimRow]]  # incident id -> its claims, in the order made
    assessments: dict[str, list[tuple[Any, ...]]]  # claim id -> its assessments
    reviews: dict[str, list[tuple[Any, ...]]]  # assessment id -> its reviews
    links: dict[str, list[tuple[str, str]]]  # claim id -> (kind, target), sorted
    derivatives: dict[str, tuple[str, str]]  # evidence id -> approved (SHA-256, mime)
    kinds: dict[str, str]  # source id -> kind
    shared: str  # digest of what every incident's result depends on

    @classmethod
    def read(cls, session: Session) -> _Inputs:
        claims: dict[str, list[ClaimRow]] = {}
        for c in session.execute(select(*_CLAIMED)):
            claims.setdefault(c.incident_id or "", []).append(c)
        for found in claims.values():
            found.sort(key=lambda c: c.log_index)
        # As plain tuples in the order made (a log index is unique): digested as they are.
        A, V = models.VerifyAssessment, models.VerifyReview
        assessments: dict[str, list[tuple[Any, ...]]] = {}
        made = select(*levels.ASSESSMENT_COLUMNS).order_by(A.log_index, A.id)
        for a in session.execute(made):
            assessments.setdefault(a.claim_id, []).append(tuple(a))
        reviews: dict[str, list[tuple[Any, ...]]] = {}
        reviewed = select(*levels.REVIEW_COLUMNS).order_by(V.log_index, V.assessment_id)
        for r in session.execute(reviewed):
            reviews.setdefault(r.assessment_id, []).append(tuple(r))
        L = models.VerifyClaimLink
        links: dict[str, list[tuple[str, str]]] = {}
        for claim, kind, target in session.execute(select(L.claim_id, L.kind, L.target)):
            links.setdefault(claim, []).append((kind, target))
        for found_links in links.values():
            found_links.sort()
        S = models.VerifySource
        sources = session.execute(select(S.id, S.kind, S.grade)).all()
        R = models.VerifySourceRelation
        related = sorted(session.execute(select(R.source_id, R.other_id)).all())
        shared = memo.digest(
            [
                memo.code_digest([levels, rules, dates, _this_module()]),  # dates: date_hijri
                (resources.files("gavah.verify") / "rules.toml").read_text("utf-8"),
                sorted(tuple(s) for s in sources),
                [tuple(r) for r in related],
            ]
        )
        return cls(
            claims,
            assessments,
            reviews,
            links,
            _derivatives(session),
            {s.id: s.kind for s in sources},
            shared,
        )

    def of(self, row: IncidentRow) -> str:
        """The digest of everything one incident's result is made from."""
        claims = self.claims.get(row.id, [])
        body: list[Any] = [tuple(row)]
        for c in claims:
            made = self.assessments.get(c.id, [])
            assessed = [[a, self.reviews.get(a[0], [])] for a in made]  # a[0]: its id
            body.append([tuple(c), assessed, self.links.get(c.id, [])])
        shown = sorted({t for c in claims for k, t in self.links.get(c.id, []) if k == "evidence"})
        body.append([(e, self.derivatives.get(e)) for e in shown])
        return memo.digest(body)


def _this_module() -> Any:
    import sys

    return sys.modules[__name__]


def _published_incidents(
    session: Session, verification: Verification, selection: Selection
) -> list[tuple[IncidentRow, dict[str, Any]]]:
    """The incidents that go out, each with its public dict, in order of date; the others are
    left out with the reason. Only marked incidents whose inputs changed since the last build
    are worked out (their claims' levels computed); the rest come from the memo."""
    marked = marks(session)
    incidents = [
        i
        for i in session.execute(select(*_columns(models.VerifyIncident)))
        if verification.asker.sees(i.collection)  # what one may not see is not even left out
    ]
    inputs = _Inputs.read(session)
    kept = memo.Memo(verification.vault.ws.settings.workspace / memo.MEMO, inputs.shared)
    results: dict[str, dict[str, Any]] = {}
    changed: list[tuple[IncidentRow, str]] = []
    ordered = sorted(incidents, key=lambda i: (i.date is None, i.date or "", i.id))
    for row in ordered:
        if row.id not in marked:
            continue  # left out below; no level is needed to say so
        digest = inputs.of(row)
        found = kept.get(row.id, digest)
        if found is None:
            changed.append((row, digest))
        else:
            results[row.id] = {**found, "public": _expand(found["public"])}
    results.update(_work_out(session, inputs, changed, kept))
    kept.save()
    selection.reused, left_out = kept.hits, selection.left_out
    chosen: list[tuple[IncidentRow, dict[str, Any]]] = []
    media_left: list[LeftOut] = []
    for row in ordered:
        result = results.get(row.id)
        if result is None:
            left_out.append(LeftOut("incident", row.id, "not marked for publication by a reviewer"))
        elif result["reason"]:
            left_out.append(LeftOut("incident", row.id, result["reason"]))
        else:
            chosen.append((row, result["public"]))
            media_left.extend(LeftOut(*x) for x in result["left"])
    left_out.extend(media_left)
    return chosen


def _work_out(
    session: Session,
    inputs: _Inputs,
    changed: list[tuple[IncidentRow, str]],
    kept: memo.Memo,
) -> dict[str, dict[str, Any]]:
    """The results of the incidents whose inputs changed: their claims' levels, then whether
    they may go out and their public dicts."""
    ids = sorted(c.id for row, _ in changed for c in inputs.claims.get(row.id, []))
    found = levels.claim_levels(session, ids) if ids else {}
    results = {}
    for row, digest in changed:
        mine = inputs.claims.get(row.id, [])
        reason = _why_not(mine, found)
        public, left = None, []
        if reason is None:
            left_here: list[LeftOut] = []
            public = _incident(row, [(c, found[c.id]) for c in mine], inputs, left_here)
            left = [(x.what, x.id, x.reason) for x in left_here]
        kept.put(row.id, digest, reason, _compact(public), left)
        results[row.id] = {"reason": reason, "public": public, "left": left}
    return results


def _compact(public: dict[str, Any] | None) -> dict[str, Any] | None:
    """An incident's public dict as the memo keeps it: each level by its rule's id (the rule's
    words are the same for thousands of claims), the grade by the claim it comes from."""
    if public is None:
        return None
    levels_ = [c["level"] for c in public["claims"]]
    grade = next(
        (
            n
            for n, c in enumerate(public["claims"])
            if c["kind"] == "occurred" and c["level"] == public["grade"]
        ),
        None,
    )
    return {
        **public,
        "grade": grade,
        "claims": [
            {**c, "level": {k: lv[k] for k in ("rule", "counts", "voices")}}
            for c, lv in zip(public["claims"], levels_, strict=True)
        ],
    }


def _expand(kept: dict[str, Any] | None) -> dict[str, Any] | None:
    """The public dict :func:`_compact` kept, as :func:`_incident` made it."""
    if kept is None:
        return None
    claims = [
        {**c, "level": {**_grade_of(c["level"]["rule"]), **c["level"], "rule": c["level"]["rule"]}}
        for c in kept["claims"]
    ]
    grade = kept["grade"]
    return {
        **kept,
        "grade": dict(claims[grade]["level"]) if grade is not None else _ungraded(),
        "claims": claims,
    }


def _grade_of(rule_id: str | None) -> dict[str, Any]:
    return dict(_rule_words(rule_id))


def _ungraded() -> dict[str, Any]:
    return {**_grade(None), "counts": {}, "voices": []}


def _columns(table: Any) -> list[Any]:
    return list(table.__table__.columns)


def _why_not(claims: list[ClaimRow], found: Mapping[str, rules.Level]) -> str | None:
    """Why a marked incident may not go out, or None when it may."""
    if not claims:
        return "marked, but it has no claims"
    for c in claims:
        level = found[c.id]
        pending = [a for a, why in level.not_counting.items() if _unreviewed(why)]
        if pending:
            return f"claim {c.id}: assessments not reviewed ({', '.join(sorted(pending))})"
        if level.counts.get("reviewed", 0) == 0:
            return f"claim {c.id}: no reviewed assessment"
    return None


def _unreviewed(why: str) -> bool:
    return why.startswith(levels.AWAITING) or why.startswith(levels.DISPUTED)


def _incident(
    row: IncidentRow, claims: _Claims, inputs: _Inputs, left_out: list[LeftOut]
) -> dict[str, Any]:
    links = {c.id: inputs.links.get(c.id, []) for c, _ in claims}
    kinds = inputs.kinds
    occurred = [lv for c, lv in claims if c.kind == "occurred"]
    best = max(occurred, key=lambda lv: _rules().rank(lv.airwars), default=None)
    media: list[dict[str, Any]] = []
    for evidence in sorted(
        {t for c, _ in claims for k, t in links.get(c.id, []) if k == "evidence"}
    ):
        media.extend(_media(inputs.derivatives.get(evidence), evidence, row.id, left_out))
    return {
        "slug": slug("incident", row.id),
        "title": row.title,
        "kind": row.kind,
        "province": row.province,
        **_date(row),
        "killed": [row.killed_min, row.killed_max],
        "injured": [row.injured_min, row.injured_max],
        "grade": _public_level(best, kinds) if best else _ungraded(),
        "claims": [
            {
                "slug": slug("claim", c.id),
                "kind": c.kind,
                "statement": c.statement,
                "level": _public_level(lv, kinds),
            }
            for c, lv in claims
        ],
        "entities": sorted(
            {slug("entity", t) for c, _ in claims for k, t in links.get(c.id, []) if k == "entity"}
        ),
        "_entity_ids": sorted(
            {t for c, _ in claims for k, t in links.get(c.id, []) if k == "entity"}
        ),
        "media": media,
    }


def media_for(
    session: Session, evidence_id: str, incident_id: str, left_out: list[LeftOut]
) -> list[dict[str, Any]]:
    """The published media of one evidence item: its approved redacted derivative only
    (gavah.publish.redact: metadata removed, faces blurred, boxes approved by a reviewer as they
    stand), under a name made of its own SHA-256, so neither the item's id nor its file name
    goes out. An item without one is left out, and said so; an original is never published.
    The site builder copies the derivative's bytes (:func:`gavah.publish.site.media_files`)."""
    found = _derivatives(session, evidence_id).get(evidence_id)
    return _media(found, evidence_id, incident_id, left_out)


def _derivatives(session: Session, evidence_id: str | None = None) -> dict[str, tuple[str, str]]:
    """Evidence id -> (SHA-256, mime) of its approved derivative (an item has one redaction)."""
    query = select(
        models.Redaction.evidence_id, models.Derivative.sha256, models.Derivative.mime
    ).join(models.Redaction, models.Redaction.derivative_sha256 == models.Derivative.sha256)
    query = query.where(models.Redaction.status == "approved")
    if evidence_id is not None:
        query = query.where(models.Redaction.evidence_id == evidence_id)
    return {e: (sha, mime) for e, sha, mime in session.execute(query)}


def _media(
    found: tuple[str, str] | None, evidence_id: str, incident_id: str, left_out: list[LeftOut]
) -> list[dict[str, Any]]:
    if found is None:
        left_out.append(
            LeftOut("evidence", f"{evidence_id} (incident {incident_id})", NO_DERIVATIVE)
        )
        return []
    sha256, mime = found
    kind = mime.split("/", 1)[0] if mime.split("/", 1)[0] in MEDIA_KINDS else "file"
    return [{"path": f"media/{sha256}{_EXTENSIONS.get(mime, '')}", "kind": kind, "sha256": sha256}]


MEDIA_KINDS = ("image", "video", "audio")
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "video/webm": ".webm",
    "audio/webm": ".webm",
}


def _rules() -> rules.Rules:
    return rules.load()


def _grade(level: rules.Level | None) -> dict[str, Any]:
    return dict(_rule_words(level.rule.id if level else None))


@cache
def _rule_words(rule_id: str | None) -> tuple[tuple[str, Any], ...]:
    """A rule's level and its words (a few rules, tens of thousands of claims: made once)."""
    loaded = _rules()
    rule = next(r for r in loaded.rules if r.id == rule_id) if rule_id else None
    airwars = rule.airwars if rule else "ungraded"
    proof = rule.proof if rule else "not met"
    return (
        ("airwars", airwars),
        ("proof", proof),
        ("rule", rule.id if rule else None),
        ("because", _because(rule) if rule else None),
        ("meaning", next(m for n, _, m in loaded.airwars if n == airwars)),
        ("proof_meaning", dict(loaded.proof)[proof]),
    )


def _because(rule: rules.Rule) -> list[str]:
    """The rule's conditions in words, as ``gavah claims explain`` says them."""
    said = [f"{rules.MEASURES[m]} >= {n}" for m, n in sorted(rule.at_least.items())]
    return said + [f"{rules.MEASURES[m]} <= {n}" for m, n in sorted(rule.at_most.items())]


def _public_level(level: rules.Level, kinds: Mapping[str, str]) -> dict[str, Any]:
    """A claim's level without any source's name or id: each counted voice as its source's kind
    and grades, and the counts the rule read."""
    return {
        **_grade(level),
        "counts": dict(sorted(level.counts.items())),
        "voices": [
            {
                "stance": v.stance,
                "strength": v.strength,
                "source_kind": kinds.get(v.counted.source, "other"),
                "reliability": v.counted.reliability,
                "credibility": v.counted.credibility,
                "group_size": len(v.sources),
            }
            for v in level.voices
        ],
    }


def _date(row: IncidentRow) -> dict[str, Any]:
    if row.date is None:
        return {"date": None, "date_hijri": None, "date_precision": None}
    cut = {"day": 10, "month": 7, "year": 4}.get(row.date_precision or "day", 10)
    return {
        "date": row.date[:cut],
        "date_hijri": _hijri(row.date)[:cut],
        "date_precision": row.date_precision,
    }


@cache
def _hijri(iso: str) -> str:
    return to_hijri(iso)  # many incidents share a day: computed once per day


# --- harm ----------------------------------------------------------------------------------------

CALENDARS = ("gregorian", "solar_hijri")


def _harm(
    rows: list[IncidentRow], public: list[dict[str, Any]], calendar: str
) -> list[dict[str, Any]]:
    """Killed and injured per month and province from the published fair and confirmed
    incidents, as ``gavah incidents harm`` counts them; contested ones apart, never added."""
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for row, shown in zip(rows, public, strict=True):
        grade = shown["grade"]["airwars"]
        if grade not in COUNTED + APART:
            continue
        key = (
            _period(row.date, row.date_precision, row.date_calendar, calendar),
            row.province or "unknown",
        )
        cell = table.setdefault(
            key,
            {
                "period": key[0],
                "province": key[1],
                "incidents": 0,
                "contested": 0,
                "killed": [0, 0],
                "injured": [0, 0],
            },
        )
        if grade in APART:
            cell["contested"] += 1
            continue
        cell["incidents"] += 1
        for what in ("killed", "injured"):
            low, high = shown[what]
            cell[what][0] += low or 0
            cell[what][1] += high if high is not None else (low or 0)
    return [table[k] for k in sorted(table)]


@cache
def _period(date: str | None, precision: str | None, written: str | None, calendar: str) -> str:
    """:func:`gavah.verify.report.period_of`, once per distinct date."""
    row = SimpleNamespace(date=date, date_precision=precision, date_calendar=written)
    return period_of(row, "month", calendar)  # type: ignore[arg-type]


# --- perpetrators and the gap report -------------------------------------------------------------


def _entities(verification: Verification, incidents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Registry entities named by the claims of published incidents, with their allegations."""
    named: dict[str, list[dict[str, Any]]] = {}
    for incident in incidents:
        for entity_id in incident.pop("_entity_ids"):
            named.setdefault(entity_id, []).append(
                {
                    "incident": incident["slug"],
                    "title": incident["title"],
                    "grade": incident["grade"]["airwars"],
                    "claims": [
                        c["statement"] for c in incident["claims"] if c["kind"] == "perpetrator"
                    ],
                }
            )
    if not named:
        return []
    from gavah.registry.store import Registry  # the registry loads only when an entity is named

    registry = Registry(verification.vault)
    found = []
    for entity_id in sorted(named):
        proxy = registry.entity(entity_id)
        found.append(
            {
                "slug": slug("entity", entity_id),
                "_id": entity_id,
                "name": proxy.caption,
                "schema": proxy.schema.name,
                "allegations": named[entity_id],
                "units": [],
            }
        )
    return found


def _gaps(verification: Verification, entities: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The gap report rows of the published entities; None where no list is imported."""
    ids = {e.pop("_id"): e for e in entities}
    if not ids:
        return None
    from gavah.registry.store import Registry  # the sanctions stack loads only when needed
    from gavah.sanctions import gaps, match
    from gavah.sanctions.index import Indexes
    from gavah.sanctions.store import Judgements, Sanctions

    store = Sanctions(verification.vault)
    lists = store.lists()
    if not lists or not ids:
        return None
    stored = Indexes(store)
    indexes = [
        gaps.ListIndex(x["name"], x["jurisdiction"] or "?", stored.of_list(x["name"]))
        for x in lists
    ]
    report = gaps.build(
        list(Registry(verification.vault).entities()),
        indexes,
        threshold=match.DEFAULT_THRESHOLD,
        judgements=Judgements(verification.vault).standing(),
    )
    rows = []
    for row in report.rows:
        if row.entity_id not in ids:
            continue
        public = ids[row.entity_id]
        public["units"] = row.units
        rows.append(
            {
                "entity": public["slug"],
                "name": public["name"],
                "jurisdictions": {
                    j: {"status": s, "regimes": row.regime_text(j)} for j, s in row.status.items()
                },
            }
        )
    return {"jurisdictions": report.jurisdictions, "rows": rows}


# --- the estimate --------------------------------------------------------------------------------

_ESTIMATE_KEYS = ("observed", "estimate", "interval", "method")


def read_estimate(path: Path) -> dict[str, Any]:
    """An estimate chosen for publication: the JSON ``gavah estimate --json`` printed. Only its
    figures, method and caveats go out (never the lists' names: a list may be a network's)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not JSON ({exc})", hint="gavah estimate --json > FILE") from None
    missing = [k for k in _ESTIMATE_KEYS if not isinstance(data, dict) or k not in data]
    if missing:
        raise InputError(
            f"{path}: not an estimate: no {', '.join(missing)}", hint="gavah estimate --json > FILE"
        )
    low, high = data["interval"]
    names = [str(n) for n in data.get("lists", [])]
    rails = [g for g in data.get("guard_rails", []) if isinstance(g, dict)]
    return {
        "observed": int(data["observed"]),
        "estimate": round(float(data["estimate"])),
        "interval": [round(float(low)), round(float(high))],
        "method": str(data["method"]),
        "lists": len(names),
        # A guard rail goes out as its code, which the site says in its own words in both
        # languages (strings.toml, "caveat_" + code); its message names the lists.
        "caveats": sorted({str(g.get("code", "")) for g in rails if g.get("code") in CAVEATS}),
        "other_caveats": [
            unnamed(str(g.get("message", "")), names) for g in rails if g.get("code") not in CAVEATS
        ]
        + [unnamed(str(w), names) for w in data.get("warnings", [])],
    }


CAVEATS = frozenset(
    {
        "two-lists-only",
        "near-copy",
        "dependent-lists",
        "periods-differ",
        "places-differ",
        "under-linked",
        "far-above-documented",
        "small-strata",
        "poor-fit",
        "most-complex-model",
        "methods-disagree",
    }
)
"""The estimate's guard rails the site says in its own words (gavah.casualties.mse.guards)."""


def unnamed(text: str, names: list[str]) -> str:
    """A warning with each list's name replaced by its number ("list 2"): the names stay home."""
    for i, name in sorted(enumerate(names, 1), key=lambda n: -len(n[1])):
        if name:
            text = text.replace(repr(name), f"list {i}").replace(name, f"list {i}")
    return text


def public_json(value: Any) -> bytes:
    """The canonical bytes of a published figure file (sorted keys, compact, UTF-8; compact
    because an indented dump runs in pure Python, several times slower on a large site)."""
    # orjson writes what json.dumps(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # writes for strings, integers, lists and dicts (tests/publish/test_incremental.py checks),
    # several times faster: the manifest of a large site is megabytes.
    return orjson.dumps(
        value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE
    )


def strip_private(items: Iterable[dict[str, Any]]) -> None:
    """Drop the helper keys (``_...``) that never go out."""
    for item in items:
        for key in [k for k in item if k.startswith("_")]:
            del item[key]
