"""The Khartoum analysis reproduced: its files, its eligibility rule and covariates.

Dahab, AbuKoura, Checchi et al. (2024), "War-Time Mortality in Sudan: A Capture-Recapture
Analysis" (SSRN 5016438), linked three lists of deaths by hand: each candidate within-list
duplicate and each candidate cross-list match got a confidence score 1-5, and each score a
probability of being real. Their main analysis redraws the linkage many times and pools the
estimates: the general method is :mod:`gavah.casualties.mse.linkage_draws`; this module reads
their public files into it, says who counts (died in Khartoum State in the study period) and
gives each person the covariates they fitted (01_functions.R ``f_model``: month of death,
number of reports, cause). The worked example is docs/sudan-example.md.

(An earlier version of their code, commit 32f075d, drew ``prob < runif()``, accepting with
1 - p; the version with the score quantiles accepts with p, as gavah does.)
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from gavah.casualties.mse.linkage_draws import (
    OVERFIT_P,
    CandidateLink,
    CovariateRule,
    Draw,
    EligibleRule,
    LinkageRun,
    LinkKind,
    Person,
    Record,
    ScoreProbabilities,
    capture_histories,
    link_people,
    pooled_estimate,
    run_once,
    threshold_probabilities,
)
from gavah.errors import InputError

KHARTOUM_LISTS = ("PB", "PV", "SM")  # public survey, private survey, social media
STUDY_START = date(2023, 4, 15)
STUDY_END = date(2024, 6, 4)

__all__ = [
    "KHARTOUM_LISTS",
    "STUDY_END",
    "STUDY_START",
    "PersonFacts",
    "khartoum_all_cause",
    "khartoum_covariates",
    "person_facts",
    "read_khartoum",
    "read_score_probabilities",
    # the general method (linkage_draws), as the worked example and its tests name it
    "OVERFIT_P",
    "CandidateLink",
    "CovariateRule",
    "Draw",
    "EligibleRule",
    "LinkKind",
    "LinkageRun",
    "Person",
    "Record",
    "ScoreProbabilities",
    "capture_histories",
    "link_people",
    "pooled_estimate",
    "run_once",
    "threshold_probabilities",
]

# --- The Khartoum files (sdn_mortality_2024, public release) -----------------------------------


def read_khartoum(data_csv: Path, pairs_csv: Path) -> tuple[list[Record], list[CandidateLink]]:
    """Records of ``sdn_cam_data_final_public`` (data sheet as CSV) and candidate links: each
    scored duplicate to its group's parent (``dup_id`` = parent id + suffix), and each scored
    cross-list pair of ``ovrlp_base``. Pairs naming an id not in the data are left out, as in
    the published code."""
    records = [_khartoum_record(row) for row in _read_rows(data_csv)]
    by_dup = {r.fields["dup_id"]: r for r in records}
    for r in records:  # a parent id with no entry of its own names the group's first member
        by_dup.setdefault(r.fields["parent_id"], r)
    links = _duplicate_links(records, by_dup) + _match_links(_read_rows(pairs_csv), by_dup)
    return records, links


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def _normalise_id(raw: str) -> str:
    """``PB_904_2`` -> ``PB904_2``, the form the overlap table uses. Not stripped: the published
    code keeps ``"PV_476 "`` (trailing space) apart from its duplicates ``PV_476_1/_2``, and so
    do we, to reproduce its counts."""
    for name in KHARTOUM_LISTS:
        raw = raw.replace(name + "_", name)
    return raw


_LOCATION_ALIASES = {"Al Qadarif": "Gedaref", "West Darfour": "West Darfur"}
_UNKNOWN_LOCATIONS = {"", "NA", "Egypt borders", "Libya borders", "Sudan"}
_ABROAD = {
    "Australia", "Chad", "Egypt", "Eritrea", "Ethiopia", "France", "Germany", "India", "Kuwait",
    "Libya", "Mali", "New Zealand", "Qatar", "Saudi Arabia", "South Sudan", "Tanzania",
    "Türkiye", "UAE", "Uganda", "UK", "USA",
}  # fmt: skip


def _location(raw: str) -> str:
    if raw in _UNKNOWN_LOCATIONS:
        return "unknown / unclear"
    if raw in _ABROAD:
        return "outside Sudan"
    return _LOCATION_ALIASES.get(raw, raw)


def _cause(raw: str) -> str:
    """Causes grouped as 02_read_prepare_data.R does before any merging."""
    if raw in {"natural death", "other", "starvation_disease"}:
        return "disease"
    return "unknown / unclear" if raw in {"", "NA"} else raw


def _khartoum_record(row: Mapping[str, str]) -> Record:
    dup_id = _normalise_id(row["dup_id"])
    death = row.get("death_date", "").strip()
    fields = {
        "dup_id": dup_id,
        "parent_id": dup_id.split("_")[0],
        "dup_score": row["dup_score"].strip(),
        "del_score": row["del_score"].strip(),
        "loc_death": _location(row.get("loc_death", "").strip()),
        "year_death": row.get("year_death", "").strip(),
        "month_death": row.get("month_death", "").strip(),
        "day_death": death[8:10] if len(death) >= 10 else "15",
        "cod": _cause(row.get("cod", "").strip()),
    }
    key = _normalise_id(row["id"])
    return Record(key=key, list_name=key[:2], fields=fields)


def _duplicate_links(
    records: Sequence[Record], by_dup: Mapping[str, Record]
) -> list[CandidateLink]:
    """Each scored duplicate to its parent. A group whose parent entry is missing gets a link
    between every two members, scored the lower of their scores: at any threshold the members
    at or above it merge together, as the published grouping by parent id does."""
    groups: dict[str, list[Record]] = {}
    for r in records:
        groups.setdefault(r.fields["parent_id"], []).append(r)
    links = []
    for parent_id, members in groups.items():
        parent = by_dup.get(parent_id)
        if parent is None:
            links += _orphan_links(members)
            continue
        for r in members:
            if r is not parent and int(r.fields["dup_score"]) > 0:
                links.append(
                    CandidateLink(r.key, parent.key, "duplicate", int(r.fields["dup_score"]))
                )
    return links


def _orphan_links(members: Sequence[Record]) -> list[CandidateLink]:
    scores = [int(r.fields["dup_score"]) for r in members]
    return [
        CandidateLink(a.key, b.key, "duplicate", min(sa, sb))
        for i, (a, sa) in enumerate(zip(members, scores, strict=True))
        for b, sb in zip(members[i + 1 :], scores[i + 1 :], strict=True)
        if min(sa, sb) > 0
    ]


def _match_links(
    rows: Iterable[Mapping[str, str]], by_dup: Mapping[str, Record]
) -> list[CandidateLink]:
    links = []
    for row in rows:
        a, b = by_dup.get(row["match1_id"].strip()), by_dup.get(row["match2_id"].strip())
        if a is not None and b is not None:
            score = int(float(row["ovrlp_score"]))
            links.append(CandidateLink(a.key, b.key, "match", score))
    return links


def read_score_probabilities(path: Path) -> ScoreProbabilities:
    """``score_probs``: rows ``par`` (d = duplicate, o = overlap/match), ``score``, ``p_cum``,
    ``prob``; the values over ``p_cum`` are the plausible probabilities for that score."""
    kinds = {"d": "duplicate", "o": "match"}
    values: dict[tuple[str, int], list[float]] = {}
    for row in _read_rows(path):
        key = (kinds[row["par"].strip()], int(float(row["score"])))
        values.setdefault(key, []).append(float(row["prob"]))
    return ScoreProbabilities({k: tuple(v) for k, v in values.items()})


@dataclass(frozen=True)
class PersonFacts:
    """A merged person's facts, combined as the published code does: within each duplicate
    group, then across groups; categories by the single most common value (a tie gives no
    value), numbers by the mean, dates rounded from mean year, month and day."""

    location: str | None
    del_score: float
    death_date: date | None
    cause: str | None = None
    reports: int = 1  # entries merged into this person (the published ``n_rep``)


def person_facts(person: Person) -> PersonFacts:
    groups = [_group_facts(g) for g in person]
    location = _mode([g[0] for g in groups])
    del_score = _mean([g[1] for g in groups])
    ymd = [_mean([g[2][i] for g in groups]) for i in range(3)]
    cause = _mode([_mode([r.fields.get("cod") for r in g]) for g in person])
    reports = sum(len(g) for g in person)
    return PersonFacts(location, del_score, _date([_round(v) for v in ymd]), cause, reports)


def khartoum_covariates(people: Sequence[Person]) -> dict[str, list[float]]:
    """The published main analysis's confounders, per person: ``month`` of death (a running
    month number; unknown when the date is), ``reports`` (entries merged) and ``cause`` (1 when
    not an intentional injury, as its ``cod2``)."""
    facts = [person_facts(p) for p in people]
    return {
        "month": [
            math.nan if f.death_date is None else 12.0 * f.death_date.year + f.death_date.month
            for f in facts
        ],
        "reports": [float(f.reports) for f in facts],
        "cause": [float((f.cause or "unknown / unclear") != "injury_intentional") for f in facts],
    }


def _group_facts(group: Sequence[Record]) -> tuple[str | None, float, list[float]]:
    location = _mode([r.fields["loc_death"] for r in group])
    del_score = _mean([_number(r.fields["del_score"]) for r in group])
    names = ("year_death", "month_death", "day_death")
    ymd = [_round(_mean([_number(r.fields[n]) for r in group])) for n in names]
    return location, del_score, ymd


def _number(raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        return math.nan


def _mean(values: Sequence[float]) -> float:
    known = [v for v in values if not math.isnan(v)]
    return sum(known) / len(known) if known else math.nan


def _round(value: float) -> float:
    return value if math.isnan(value) else float(round(value))  # half to even, as R's round


def _mode(values: Sequence[str | None]) -> str | None:
    known = [v for v in values if v is not None]
    counts = {v: known.count(v) for v in set(known)}
    top = [v for v, c in counts.items() if c == max(counts.values(), default=0)]
    return top[0] if len(top) == 1 else None


def _date(ymd: Sequence[float]) -> date | None:
    if any(math.isnan(v) for v in ymd):
        return None
    try:
        day = date(int(ymd[0]), int(ymd[1]), int(ymd[2]))
    except ValueError:
        return None
    return None if day > STUDY_END else day


def khartoum_all_cause(person: Person) -> bool:
    """Published inclusion: enough identifiers (every entry del_score 5), died on or after
    15 April 2023 (or date unknown), and died in Khartoum State."""
    facts = person_facts(person)
    if not facts.del_score >= 5:
        return False
    if facts.death_date is not None and facts.death_date < STUDY_START:
        return False
    return (facts.location or "unknown / unclear") == "Khartoum"
