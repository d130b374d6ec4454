"""What verification hands out: civilian harm per period and place, incidents as FtM ``Event``
entities, and a JSON report of claims with their levels and explanations.

Harm is counted as Airwars counts it: figures from incidents graded fair or confirmed only;
contested incidents are listed apart, with their figures, and never added in. Exports are custody
events carrying the SHA-256 of what was written, as the registry's are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import IO, Any, Literal

from followthemoney import model as ftm_model
from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.custody.log import Appender, utcnow
from gavah.db import models
from gavah.errors import InputError
from gavah.registry import ftm
from gavah.registry import model as registry_model
from gavah.text.dates import parse_date, to_hijri
from gavah.verify import levels, model, rules
from gavah.verify.store import EXPORTED, Verification, incident_grades

COUNTED = ("confirmed", "fair")  # the grades whose figures are added up
APART = ("contested",)  # listed with their figures, never added in
Period = Literal["month", "year"]
CalendarName = Literal["gregorian", "solar_hijri"]


# --- civilian harm -------------------------------------------------------------------------------


def harm(
    verification: Verification, by: Period = "month", calendar: CalendarName = "gregorian"
) -> dict[str, Any]:
    """Killed and injured per period and province, from fair and confirmed incidents only."""
    if by not in ("month", "year") or calendar not in ("gregorian", "solar_hijri"):
        raise InputError(
            f"cannot group by {by} in {calendar}", hint="month or year; gregorian or solar_hijri"
        )
    with verification.db.read() as session:
        rows = _visible_incidents(session, verification)
        grades = incident_grades(session, [i.id for i in rows])
    table: dict[tuple[str, str], dict[str, Any]] = {}
    apart: list[dict[str, Any]] = []
    left_counts = {g: 0 for g, _, _ in rules.load().airwars if g not in COUNTED + APART}
    for row in rows:
        grade = grades[row.id]["airwars"]
        if grade in APART:
            apart.append({**_figures(row), "id": row.id, "title": row.title, "grade": grade})
        elif grade in COUNTED:
            key = (period_of(row, by, calendar), row.province or "unknown")
            _add(table.setdefault(key, _empty(key)), row)
        else:
            left_counts[grade] += 1
    return {
        "counted_grades": list(COUNTED),
        "by": by,
        "calendar": calendar,
        "rows": [table[k] for k in sorted(table)],
        "contested": sorted(apart, key=lambda a: a["id"]),
        "not_counted": left_counts,
    }


def _visible_incidents(session: Session, verification: Verification) -> list[models.VerifyIncident]:
    found = session.execute(select(models.VerifyIncident)).scalars().all()
    return sorted((i for i in found if verification.asker.sees(i.collection)), key=lambda i: i.id)


def _empty(key: tuple[str, str]) -> dict[str, Any]:
    return {
        "period": key[0],
        "province": key[1],
        "incidents": [],
        "killed": [0, 0],
        "injured": [0, 0],
        "unknown_figures": 0,
    }


def _add(cell: dict[str, Any], row: models.VerifyIncident) -> None:
    """Minimums add known minimums; maximums add known maximums, a missing one read as the
    minimum; an incident with neither figure is counted as having unknown figures."""
    cell["incidents"].append(row.id)
    for what, low, high in (
        ("killed", row.killed_min, row.killed_max),
        ("injured", row.injured_min, row.injured_max),
    ):
        cell[what][0] += low or 0
        cell[what][1] += high if high is not None else (low or 0)
    if all(v is None for v in (row.killed_min, row.killed_max, row.injured_min, row.injured_max)):
        cell["unknown_figures"] += 1


def _figures(row: models.VerifyIncident) -> dict[str, Any]:
    return {
        "killed": [row.killed_min, row.killed_max],
        "injured": [row.injured_min, row.injured_max],
        "province": row.province,
        "date": row.date,
    }


def period_of(row: models.VerifyIncident, by: Period, calendar: CalendarName) -> str:
    """The period an incident falls in, in ``calendar``. A month or year written in the other
    calendar straddles two of this one's, so it keeps its own label ("1401/10 (solar_hijri)")
    rather than be put in a period it may not belong to."""
    if row.date is None:
        return "undated"
    month_wanted = by == "month" and row.date_precision != "year"
    if row.date_precision == "day" or row.date_calendar == calendar:
        return _label(row.date, calendar, month_wanted)
    written: CalendarName = "solar_hijri" if row.date_calendar == "solar_hijri" else "gregorian"
    return f"{_label(row.date, written, month_wanted)} ({written})"


def _label(iso: str, calendar: CalendarName, month: bool) -> str:
    if calendar == "solar_hijri":
        hijri = to_hijri(iso)
        return hijri[:7] if month else hijri[:4]
    return iso[:7] if month else iso[:4]


# --- FtM export ----------------------------------------------------------------------------------


def export_events(verification: Verification, out: IO[str]) -> int:
    """Every incident the asker sees as an FtM ``Event`` (with the ``Document`` entities of the
    evidence its claims cite), one JSON line each, sorted by id. Logged with its SHA-256."""
    with verification.db.read() as session:
        incidents = _visible_incidents(session, verification)
        grades = incident_grades(session, [i.id for i in incidents])
        links = _incident_links(session, [i.id for i in incidents])
        entities = [_event(i, grades[i.id], links.get(i.id, {})) for i in incidents]
        documents = {e for found in links.values() for e in found.get("evidence", ())}
        entities += [_document(session, e) for e in sorted(documents)]
    lines = sorted(ftm.entity_line(e) for e in entities)
    return _write_logged(verification, out, lines, "events")


def _incident_links(session: Session, ids: list[str]) -> dict[str, dict[str, set[str]]]:
    C, L = models.VerifyClaim, models.VerifyClaimLink
    rows = session.execute(
        select(C.incident_id, L.kind, L.target)
        .join(L, L.claim_id == C.id)
        .where(C.incident_id.in_(ids))
    ).all()
    found: dict[str, dict[str, set[str]]] = {}
    for incident, kind, target in rows:
        assert incident is not None  # selected by incident
        found.setdefault(incident, {}).setdefault(kind, set()).add(target)
    schemata = dict(
        session.execute(
            select(models.RegistryEntity.id, models.RegistryEntity.schema).where(
                models.RegistryEntity.id.in_(
                    sorted({t for f in found.values() for t in f.get("entity", ())})
                )
            )
        ).all()
    )
    for links in found.values():  # Event.involved takes legal entities (people, bodies) only
        links["entity"] = {e for e in links.get("entity", ()) if _legal(schemata.get(e))}
    return found


def _legal(schema: str | None) -> bool:
    found = ftm_model.get(schema) if schema else None
    return found is not None and found.is_a("LegalEntity")


def _event(
    row: models.VerifyIncident, grade: Mapping[str, Any], links: Mapping[str, set[str]]
) -> Any:
    values: dict[str, list[str]] = {
        "name": [row.title],
        "summary": [row.description] if row.description else [],
        "location": [", ".join(p for p in (row.place, row.province) if p)]
        if row.place or row.province
        else [],
        "country": ["ir"],
        "recordId": [row.id],
        "involved": sorted(links.get("entity", ())),
        "proof": sorted(registry_model.document_id(e) for e in links.get("evidence", ())),
        "notes": [_notes(row, grade)],
        **_dates(row),
    }
    return registry_model.proxy("Event", row.id, {k: v for k, v in values.items() if v})


def _notes(row: models.VerifyIncident, grade: Mapping[str, Any]) -> str:
    figures = f"killed {_span(row.killed_min, row.killed_max)}, injured {_span(row.injured_min, row.injured_max)}"
    return (
        f"gavah {row.kind}; grade {grade['airwars']} ({grade['proof']}, rule {grade['rule']}); "
        f"{figures}; place precision {row.place_precision}"
    )


def _span(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return "unknown"
    return str(low) if low == high or high is None else f"{low or 0}-{high}"


def _dates(row: models.VerifyIncident) -> dict[str, list[str]]:
    """FtM dates: a Gregorian date cut to its precision; a Solar Hijri month or year as the
    Gregorian days it starts and ends on (it straddles two Gregorian months or years)."""
    if row.date is None:
        return {}
    if row.date_precision == "day" or row.date_calendar == "gregorian":
        keep = {"day": 10, "month": 7, "year": 4}[row.date_precision or "day"]
        return {"date": [row.date[:keep]]}
    year, month = int(to_hijri(row.date)[:4]), int(to_hijri(row.date)[5:7])
    after = (year + 1, 1) if row.date_precision == "year" or month == 12 else (year, month + 1)
    end = dt.date.fromisoformat(parse_date(f"{after[0]}/{after[1]:02d}/01", "solar_hijri").iso)
    return {"startDate": [row.date], "endDate": [(end - dt.timedelta(days=1)).isoformat()]}


def _document(session: Session, evidence_id: str) -> Any:
    ev = session.get(models.Evidence, evidence_id)
    assert ev is not None  # links are checked when made
    values = {
        "fileName": [ev.id],  # not the name it arrived under: that may identify a witness
        "fileSize": [str(ev.size)],
        "summary": [f"gavah evidence item {ev.id}, SHA-256 {ev.sha256}"],
    }
    return registry_model.proxy("Document", registry_model.document_id(ev.id), values)


# --- the claims report ---------------------------------------------------------------------------


def claims_report(verification: Verification, out: IO[str]) -> int:
    """Every claim the asker sees with its links and its level explained, as one JSON document
    (sorted keys, claims in id order, no time inside: the same rows give the same bytes)."""
    with verification.db.read() as session:
        claims = sorted(
            (
                c
                for c in session.execute(select(models.VerifyClaim)).scalars()
                if verification.asker.sees(c.collection)
            ),
            key=lambda c: c.id,
        )
        found = levels.claim_levels(session, [c.id for c in claims])
        links = _claim_links(session, [c.id for c in claims])
    loaded = rules.load()
    document = {
        "rules_version": loaded.version,
        "claims": [
            {**model.claim_summary(c), "links": links.get(c.id, []), "level": found[c.id].explain()}
            for c in claims
        ],
    }
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    _write_logged(verification, out, [text], "claims")
    return len(claims)


def _claim_links(session: Session, ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    L = models.VerifyClaimLink
    found: dict[str, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(L).where(L.claim_id.in_(list(ids))).order_by(L.claim_id, L.kind, L.target)
    )
    for link in rows.scalars():
        found.setdefault(link.claim_id, []).append({"kind": link.kind, "target": link.target})
    return found


def _write_logged(verification: Verification, out: IO[str], parts: list[str], what: str) -> int:
    digest = hashlib.sha256()
    for part in parts:
        out.write(part)
        digest.update(part.encode("utf-8"))
    with verification.db.write() as session:
        appender = Appender(session)
        event = {
            "actor": verification.asker.actor,
            "export": {"what": what, "parts": len(parts), "sha256": digest.hexdigest()},
        }
        appender.append(EXPORTED, None, utcnow(), event)
        verification.vault.finish(session, appender)
    return len(parts)
