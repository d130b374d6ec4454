"""The vocabulary of verification, as tables, and how one entered value is read.

Kinds of source, incident and claim, the relations that make sources dependent, and what each
row's custody entry carries (``*_summary``: written into the entry when the row is made, and
recomputed from the row by ``log verify``). Nothing here reads the database.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from gavah.custody.log import isotime
from gavah.db import models
from gavah.errors import InputError
from gavah.text import places
from gavah.text.dates import parse_date

SOURCE_KINDS: dict[str, str] = {
    "witness": "a person who saw or lived it",
    "local-network": "a network of people on the ground",
    "channel": "a social media channel or account (Telegram, Instagram, X, ...)",
    "news-agency": "a news agency or outlet",
    "ngo": "a human rights organisation, its list or report",
    "official": "an authority's statement",
    "expert": "an expert's analysis",
    "other": "anything else",
}
# One source "copies", "relays" or "belongs to" another: either way it is no independent voice.
RELATIONS: dict[str, str] = {
    "copies": "repeats the other's content as its own",
    "relays": "forwards or reposts the other's content",
    "belongs-to": "is part of, or controlled by, the other",
}
INCIDENT_KINDS: dict[str, str] = {
    "killing-at-protest": "people killed at a protest",
    "execution": "an execution",
    "death-in-custody": "a death in custody",
    "mass-arrest": "a mass arrest",
    "torture": "torture or ill-treatment",
    "sexual-violence": "sexual violence",
    "enforced-disappearance": "an enforced disappearance",
    "internet-shutdown": "an internet shutdown",
    "other": "anything else",
}
CLAIM_KINDS: dict[str, str] = {
    "occurred": "the incident happened as described (its grade is the incident's)",
    "harm": "how many were killed or injured",
    "method": "how it was done (live fire was used, ...)",
    "perpetrator": "who did it (unit U was present, ...)",
    "victim": "who was harmed (victim V died here, ...)",
    "other": "anything else",
}
LINK_KINDS: dict[str, str] = {
    "evidence": "an evidence item of the vault (id or SHA-256 prefix)",
    "person": "a victim register record (LIST:ROW)",
    "entity": "a registry entity (person, unit, post)",
}
DECISIONS = ("agree", "disagree")
PREFIX = {"source": "src", "incident": "inc", "claim": "clm", "assessment": "asm"}
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
MAX_TEXT = 20_000  # a note, a statement, an analysis: longer is a pasted document, not a note


def new_id(what: str) -> str:
    return f"{PREFIX[what]}-{secrets.token_hex(6)}"


def given_id(text: str | None, what: str) -> str:
    """An id chosen by the user (lower case letters, digits, '.', '_', '-'), or a new one."""
    if text is None:
        return new_id(what)
    found = text.strip().lower()
    if not _ID.fullmatch(found):
        raise InputError(
            f"{text!r} cannot be a {what} id",
            hint="use up to 80 lower-case letters, digits, '.', '_' or '-', e.g. witness-w12",
        )
    return found


def one_of(value: str, table: Mapping[str, str] | tuple[str, ...], what: str) -> str:
    """``value`` if it is a known name in ``table``; InputError listing them if not."""
    found = value.strip().lower()
    if found not in table:
        raise InputError(f"{value!r} is not a {what}", hint=f"use one of: {', '.join(table)}")
    return found


def text(value: str | None, what: str, *, required: bool = False) -> str | None:
    found = (value or "").strip() or None
    if found is None and required:
        raise InputError(f"the {what} is empty", hint=f"give the {what}")
    if found is not None and len(found) > MAX_TEXT:
        raise InputError(f"the {what} is longer than {MAX_TEXT:,} characters")
    return found


def collection(value: str | None) -> str:
    found = text(value, "collection", required=True)
    assert found is not None
    if len(found) > 200:
        raise InputError("a collection's name is at most 200 characters")
    return found


def grade(value: str) -> str:
    found = value.strip().upper()
    if found not in ("A", "B", "C", "D", "E", "F"):
        raise InputError(
            f"{value!r} is not a reliability grade",
            hint="A completely reliable, B usually, C fairly, D not usually, E unreliable, "
            "F cannot be judged (Admiralty code)",
        )
    return found


def credibility(value: int) -> int:
    if value not in range(1, 7):
        raise InputError(
            f"{value} is not a credibility",
            hint="1 confirmed, 2 probably true, 3 possibly true, 4 doubtful, 5 improbable, "
            "6 cannot be judged (Admiralty code)",
        )
    return value


def figures_written(text: str | None, what: str) -> tuple[int | None, int | None]:
    """``N`` or ``MIN-MAX`` as a person types it (either end may be left out: ``3-``, ``-10``;
    Persian digits and ``تا`` for "to" are read too)."""
    if text is None or not text.strip():
        return None, None
    written = text.strip().replace("\u2013", "-").replace("تا", "-")
    low, sep, high = written.partition("-")
    try:
        lo = int(low) if low.strip() else None  # int() reads Persian and Arabic digits too
        hi = int(high) if high.strip() else None
    except ValueError:
        raise InputError(
            f"{what} {text!r} is not a number or MIN-MAX", hint="e.g. 3 or 2-5"
        ) from None
    return (lo, hi) if sep else (lo, lo)


def figures(low: int | None, high: int | None, what: str) -> tuple[int | None, int | None]:
    """A minimum and maximum count; one alone stands for both ends it can."""
    if low is not None and low < 0 or high is not None and high < 0:
        raise InputError(f"the number {what} cannot be negative")
    if low is not None and high is not None and low > high:
        raise InputError(f"the minimum {what} ({low}) is above the maximum ({high})")
    return low, high


def place_fields(written: str | None) -> dict[str, Any]:
    """Where, through the gazetteer: the province, the localities named, and how precise."""
    found = text(written, "place")
    if found is None:
        return {"place": None, "province": None, "localities": [], "place_precision": "unknown"}
    place = places.locate(found)
    located = sorted(loc for loc in place.localities if not loc.startswith("name:"))
    if located:
        precision = "locality"
    elif place.province:
        precision = "province"
    else:
        precision = "unresolved"
    return {
        "place": found,
        "province": place.province,
        "localities": located,
        "place_precision": precision,
    }


def date_fields(written: str | None) -> dict[str, Any]:
    """When: Gregorian or Solar Hijri, read into ISO with the original and its precision."""
    found = text(written, "date")
    if found is None:
        return {"date": None, "date_original": None, "date_calendar": None, "date_precision": None}
    parsed = parse_date(found)
    return {
        "date": parsed.iso,
        "date_original": parsed.original,
        "date_calendar": parsed.calendar,
        "date_precision": parsed.precision,
    }


# --- what each custody entry carries -----------------------------------------------------------


def source_summary(row: models.VerifySource) -> dict[str, Any]:
    return {
        "id": row.id,
        "collection": row.collection,
        "name": row.name,
        "kind": row.kind,
        "note": row.note,
    }


def grade_summary(row: models.VerifySourceGrade) -> dict[str, Any]:
    return {"source": row.source_id, "grade": row.grade, "reason": row.reason}


def relation_summary(row: models.VerifySourceRelation) -> dict[str, Any]:
    return {
        "source": row.source_id,
        "relation": row.relation,
        "other": row.other_id,
        "note": row.note,
    }


def incident_summary(row: models.VerifyIncident) -> dict[str, Any]:
    return {
        "id": row.id,
        "collection": row.collection,
        "title": row.title,
        "kind": row.kind,
        "description": row.description,
        "place": row.place,
        "province": row.province,
        "localities": json.loads(row.localities),
        "place_precision": row.place_precision,
        "date": row.date,
        "date_original": row.date_original,
        "date_calendar": row.date_calendar,
        "date_precision": row.date_precision,
        "killed": [row.killed_min, row.killed_max],
        "injured": [row.injured_min, row.injured_max],
    }


def claim_summary(row: models.VerifyClaim) -> dict[str, Any]:
    return {
        "id": row.id,
        "collection": row.collection,
        "incident": row.incident_id,
        "kind": row.kind,
        "statement": row.statement,
    }


def link_summary(row: models.VerifyClaimLink) -> dict[str, Any]:
    return {"claim": row.claim_id, "kind": row.kind, "target": row.target}


def assessment_summary(row: models.VerifyAssessment) -> dict[str, Any]:
    return {
        "id": row.id,
        "claim": row.claim_id,
        "source": row.source_id,
        "evidence": row.evidence_id,
        "stance": row.stance,
        "credibility": row.credibility,
        "source_analysis": row.source_analysis,
        "technical_analysis": row.technical_analysis,
        "content_analysis": row.content_analysis,
    }


def review_summary(row: models.VerifyReview) -> dict[str, Any]:
    return {"assessment": row.assessment_id, "decision": row.decision, "note": row.note}


def who(actor: str, at: Any) -> dict[str, Any]:
    return {"actor": actor, "at": isotime(at)}
