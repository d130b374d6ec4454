"""Target 14: the public site (issue 16): 10,000 incidents build in under 60 s, and a rebuild
after one new incident in under 5 s, on SQLite.

A workspace is filled with synthetic verification rows written straight into the tables (the
bench times the build, not the writes): 40 sources, ``sizes.publish_incidents`` incidents each
with one "occurred" claim and two assessments reviewed by a second person, and a real
``publish.marked`` custody event per incident (marks are read from the log). Timed:

- the full build into an empty folder (``gavah publish build``: select, render both languages,
  write, log every file, proofs, checkpoints, manifest);
- the rebuild after one more incident is added, reviewed and marked (what an operator does
  after a day's work): levels are computed for that incident only, the rest comes from the
  memo the full build kept (gavah.publish.memo);
- the baseline, in the same run: a plain Jinja render of the same pages from the same selection,
  written to disk, without integrity (no hashing, no log, no proofs, no manifest) and without
  incremental bookkeeping.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench._timing import Result, Say, stopwatch
from bench.sizes import Sizes
from gavah.custody.log import Appender, utcnow
from gavah.db import models
from gavah.publish import content, marks, memo, site
from gavah.settings import Settings
from gavah.vault import Vault
from gavah.verify.access import Asker
from gavah.verify.store import Verification
from gavah.workspace import Workspace, init_workspace

TARGET_INCIDENTS = 10_000
TARGET_BUILD = 60.0
TARGET_REBUILD = 5.0
SOURCES = 40
PROVINCES = ("Tehran", "Alborz", "Kurdistan", "Sistan and Baluchestan", "Khuzestan", "Gilan")


def run(tmp: Path, sizes: Sizes, say: Say) -> list[Result]:
    settings = Settings.model_validate(
        {"workspace": tmp / "publish-workspace", "actor": "bench", "ingest_workers": 2}
    )
    ws = init_workspace(settings)
    try:
        with stopwatch() as filled:
            _fill(ws, sizes.publish_incidents, random.Random(16))
        say(f"{sizes.publish_incidents:,} incidents written and marked in {filled.seconds:.1f} s")
        return _time(ws, tmp, sizes.publish_incidents, say)
    finally:
        ws.close()


def _time(ws: Workspace, tmp: Path, incidents: int, say: Say) -> list[Result]:
    verification = Verification(Vault(ws))
    with stopwatch() as plain:
        _plain_render(verification, tmp / "plain")
    say(f"plain render without integrity: {plain.seconds:.1f} s")
    # The plain render's selection kept a memo: gone, so that the full build starts from nothing.
    (ws.settings.workspace / memo.MEMO).unlink(missing_ok=True)
    with stopwatch() as full:
        built = site.build(verification, tmp / "SITE")
    say(f"full build: {built.files:,} files in {full.seconds:.1f} s")
    _one_more(ws, incidents)
    with stopwatch() as again:
        rebuilt = site.build(Verification(Vault(ws)), tmp / "SITE")
    say(
        f"rebuild after one incident: {len(rebuilt.written)} files written in {again.seconds:.1f} s"
    )
    scale = TARGET_INCIDENTS / incidents
    notes: dict[str, Any] = {"incidents": incidents, "files": built.files}
    return [
        Result(
            "14 publish",
            f"site of {incidents:,} incidents built (both languages, every file logged and proven)",
            full.seconds,
            "s",
            "plain Jinja render of the same pages, no integrity",
            plain.seconds,
            target=f"< {TARGET_BUILD:.0f} s for {TARGET_INCIDENTS:,} incidents",
            met=full.seconds * scale < TARGET_BUILD,
            notes=notes,
        ),
        Result(
            "14 publish",
            "rebuild after one new incident",
            again.seconds,
            "s",
            "plain Jinja render of the same pages, no integrity",
            plain.seconds,
            target=f"< {TARGET_REBUILD:.0f} s for {TARGET_INCIDENTS:,} incidents",
            met=again.seconds * scale < TARGET_REBUILD
            if scale > 1
            else again.seconds < TARGET_REBUILD,
            notes={"written": len(rebuilt.written), "unchanged": rebuilt.unchanged},
        ),
    ]


def _plain_render(verification: Verification, out: Path) -> None:
    """The baseline: the same selection and the same templates, rendered and written; nothing
    else (the pages a site without integrity would have)."""
    chosen = content.select_content(verification)
    for page in site.pages(chosen):
        if page.template is None:
            continue
        target = out / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(site.render(page))


def _fill(ws: Workspace, incidents: int, rng: random.Random) -> None:
    at = utcnow()
    sources = [
        {
            "id": f"src-{i:03d}",
            "collection": "bench",
            "name": f"source {i} (synthetic)",
            "kind": rng.choice(("witness", "ngo", "channel", "news-agency")),
            "note": None,
            "grade": rng.choice("ABC"),
            "created_at": at,
            "log_index": -1 - i,
            "actor": "bench-analyst",
        }
        for i in range(SOURCES)
    ]
    with ws.db.write() as session:
        session.execute(insert(models.VerifySource), sources)
    for start in range(0, incidents, 5_000):
        _fill_incidents(ws, range(start, min(incidents, start + 5_000)), rng, at)


def _fill_incidents(ws: Workspace, numbers: range, rng: random.Random, at: Any) -> None:
    rows, claims, assessments, reviews = [], [], [], []
    for n in numbers:
        # Rows written straight in have no log entries: negative indexes, unique, that no
        # real entry (the bench's one more incident) can take.
        who = {"log_index": -1 - n, "actor": "bench-analyst"}
        day = 1 + n % 28
        rows.append(
            {
                "id": f"inc-{n:06d}",
                "collection": "bench",
                "title": f"Incident {n} (synthetic)",
                "kind": "killing-at-protest",
                "description": None,
                "place": None,
                "province": rng.choice(PROVINCES),
                "localities": "[]",
                "place_precision": "province",
                "date": f"2022-{1 + n % 12:02d}-{day:02d}",
                "date_original": None,
                "date_calendar": "gregorian",
                "date_precision": "day",
                "killed_min": rng.randrange(0, 4),
                "killed_max": None,
                "injured_min": rng.randrange(0, 10),
                "injured_max": None,
                "created_at": at,
                **who,
            }
        )
        claims.append(
            {
                "id": f"clm-{n:06d}",
                "collection": "bench",
                "incident_id": f"inc-{n:06d}",
                "kind": "occurred",
                "statement": f"Incident {n} happened (synthetic)",
                "created_at": at,
                **who,
            }
        )
        for k in range(2):
            aid = f"asm-{n:06d}-{k}"
            assessments.append(
                {
                    "id": aid,
                    "claim_id": f"clm-{n:06d}",
                    "source_id": f"src-{rng.randrange(SOURCES):03d}",
                    "evidence_id": None,
                    "stance": "supports",
                    "credibility": rng.randrange(1, 4),
                    "source_analysis": None,
                    "technical_analysis": None,
                    "content_analysis": None,
                    "at": at,
                    "log_index": -1 - (2 * n + k),
                    "actor": "bench-analyst",
                }
            )
            reviews.append(
                {
                    "log_index": -1 - (2 * n + k),
                    "assessment_id": aid,
                    "decision": "agree",
                    "note": None,
                    "actor": "bench-reviewer",
                    "at": at,
                }
            )
    with ws.db.write() as session:
        session.execute(insert(models.VerifyIncident), rows)
        session.execute(insert(models.VerifyClaim), claims)
        session.execute(insert(models.VerifyAssessment), assessments)
        session.execute(insert(models.VerifyReview), reviews)
        appender = Appender(session)
        for row in rows:
            block = {"id": row["id"], "collection": "bench", "note": None}
            appender.append(marks.MARKED, None, at, {"actor": "bench-reviewer", "incident": block})
        Vault(ws).finish(session, appender)


def _one_more(ws: Workspace, incidents: int) -> None:
    analyst = Verification(Vault(ws, "bench-analyst"), Asker.operator("bench-analyst"))
    analyst.add_incident(
        "One more incident (synthetic)",
        "killing-at-protest",
        collection="bench",
        place="Karaj, Alborz",
        date="2022-12-30",
        killed=(1, 1),
        incident_id=f"inc-{incidents:06d}",
    )
    claim = analyst.add_claim(
        "It happened (synthetic)", "occurred", incident_id=f"inc-{incidents:06d}"
    )
    reviewer = Verification(Vault(ws, "bench-reviewer"), Asker.operator("bench-reviewer"))
    for source in ("src-000", "src-001"):
        made = analyst.assess(claim["claim"]["id"], source, stance="supports", credibility=2)
        reviewer.review(made["assessment"]["id"], "agree", "checked (synthetic)")
    marks.mark(reviewer, f"inc-{incidents:06d}")
