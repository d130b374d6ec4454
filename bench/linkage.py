"""Target 7: record linkage on realistic synthetic lists, scored against their known truth.

The lists come from :func:`gavah.casualties.synthetic.realistic_lists`: invented people in real
Iranian towns, family names as concentrated as real ones (different people with the same name,
date and town are common), each list in the house style of a kind of real list. Three cases:

- two lists of 100,000 records each (quick: 10,000): a report annex that writes the town alone,
  "About 40" and 8-Jan-2026, against an encyclopaedia's table that writes "City, Province
  Province", ISO dates and half the ages not at all. Timed: the target is under 60 s;
- a list and its revised snapshot (:func:`~gavah.casualties.synthetic.revision`): mostly the
  same rows byte for byte, some corrected, some people added, some removed;
- obvious duplicates: exact copies of rows planted in a list of 50 records and in one of
  500,000 (quick: 10,000). Every copy must be linked to its original.

Each list goes through the import's own reading (:func:`~gavah.casualties.register.convert_row`,
each column mapped to the field of its name), then :func:`~gavah.casualties.linkage.link`; the
register is built at :data:`~gavah.casualties.linkage.DEFAULT_THRESHOLD` as ``People.people``
builds it (the transitive closure of the pairs at or above it), and precision and recall count
the pairs of records inside the resulting people. A value the import cannot read yet (it would
refuse the whole list) is left blank, so that the linkage sees the rest of the row; the notes
count these gaps by field. The baseline, measured in the same run, is what a spreadsheet lookup
does: records match when their folded full name and date of death agree exactly. Target 7b
imports the two lists into a workspace and runs the stored linkage, as a user would.

"7 ceiling" asks how much of the gap to the target any weighting of the same comparisons could
close: a classifier (scikit-learn's gradient boosting) is trained on the truth itself, on each
candidate pair's comparison levels and name frequency, and scored by 5-fold cross-validation on
two lists of 10,000 records. It reports the best recall either model reaches at a precision of
at least the target, over every threshold, side by side.
"""

from __future__ import annotations

import os
import re
import resource
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._timing import Result, stopwatch
from bench.sizes import Sizes
from gavah.casualties import clusters, comparisons, linkage, synthetic
from gavah.casualties.people import People, ReviewRange, review_range
from gavah.casualties.register import ListInfo, Register, RowError, convert_row, default_mapping
from gavah.db import models
from gavah.errors import InputError
from gavah.settings import Settings
from gavah.text.dates import parse_date
from gavah.vault import Vault
from gavah.workspace import init_workspace

TARGET_SECONDS = 60.0
TARGET_SCORE = 0.98  # precision and recall, each
THRESHOLD = linkage.DEFAULT_THRESHOLD
SEED = 1404
CAPTURE = 0.67  # each list records this share of the people
DUPLICATES_FULL = 500_000  # records in the large list of the obvious-duplicates case
DUPLICATES_SMALL = 50
# Realistic styles (synthetic.REALISTIC_STYLES) by list index: capture 0 leaves a list empty.
CITY_LISTS = (CAPTURE, CAPTURE)  # "city" against "city-province"
TABLE_ONLY = (0.0, 1.0)  # one "city-province" list


@dataclass
class Converted:
    """Lists as register records, with the truth and what the import could not read."""

    records: list[models.VictimRecord] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)  # record id -> truth_id
    by_source: dict[tuple[int, str], str] = field(default_factory=dict)  # (list, row id) -> id
    gaps: Counter[str] = field(default_factory=Counter)  # field -> values left blank
    refused: int = 0  # rows the import cannot read even so


@dataclass(frozen=True)
class Score:
    pairs: int  # pairs of records inside the people found
    true_pairs: int
    hits: int

    @property
    def precision(self) -> float:
        return self.hits / self.pairs if self.pairs else 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.true_pairs if self.true_pairs else 0.0

    def notes(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "pairs_found": self.pairs,
            "true_pairs": self.true_pairs,
        }


def _pairs_in(size: int) -> int:
    return size * (size - 1) // 2


def score(groups: Iterable[Sequence[str]], truth: Mapping[str, str]) -> Score:
    """Pairs inside ``groups`` against the true pairs, counted without listing them (one large
    group of common names would otherwise hold millions)."""
    pairs = hits = 0
    for members in groups:
        pairs += _pairs_in(len(members))
        hits += sum(_pairs_in(c) for c in Counter(truth[m] for m in members).values())
    true_pairs = sum(_pairs_in(c) for c in Counter(truth.values()).values())
    return Score(pairs, true_pairs, hits)


def mapping_for(columns: Iterable[str]) -> dict[str, str]:
    """Each column named like an import field mapped to it; the list's record id as ``id``.
    The truth column is never mapped: the linkage must not see it."""
    named = [c for c in columns if c not in ("record_id", "truth_id")]
    return {"id": "record_id", **default_mapping(named)}


def _no_evidence(ref: str) -> str:
    return ref


def convert(lists: Sequence[Sequence[Mapping[str, str]]], names: Sequence[str]) -> Converted:
    """The lists as the import reads them (records named LIST:ROW, as the register names them)."""
    out = Converted()
    readable: dict[tuple[str, str], bool] = {}
    for j, (name, rows) in enumerate(zip(names, lists, strict=True)):
        mapping = mapping_for(rows[0]) if rows else {}
        for number, row in enumerate(rows, start=2):
            fields = _read(row, mapping, readable, out)
            if fields is None:
                continue
            rec = models.VictimRecord(
                id=f"{name}:{number}", list_id=name, row=number, original="{}", **fields
            )
            out.records.append(rec)
            out.truth[rec.id] = row["truth_id"]
            out.by_source[(j, row["record_id"])] = rec.id
    return out


def _read(
    row: Mapping[str, str],
    mapping: Mapping[str, str],
    readable: dict[tuple[str, str], bool],
    out: Converted,
) -> dict[str, Any] | None:
    """convert_row's fields, with the values it cannot read (yet) left blank and counted."""
    try:
        fields, _ = convert_row(row, mapping, "auto", _no_evidence)
        return fields
    except RowError:
        pass
    blank = [f for f, column in mapping.items() if not _readable(f, column, row, readable)]
    out.gaps.update(blank)
    cleared = {**row, **{mapping[f]: "" for f in blank}}
    try:
        fields, _ = convert_row(cleared, mapping, "auto", _no_evidence)
    except RowError:
        out.refused += 1
        return None
    return fields


def _readable(
    field: str, column: str, row: Mapping[str, str], known: dict[tuple[str, str], bool]
) -> bool:
    key = (field, row.get(column, ""))
    if key not in known:  # lists repeat their values: each is tried once
        try:
            convert_row({column: key[1]}, {field: column}, "auto", _no_evidence)
            known[key] = True
        except RowError:
            known[key] = False
    return known[key]


def exact_groups(recs: Sequence[models.VictimRecord]) -> list[list[str]]:
    """People by folded full name (either script as given) and date agreeing exactly."""
    groups: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    singles: list[list[str]] = []
    for rec in recs:
        name = unicodedata.normalize("NFKC", (rec.name or rec.name_fa or "")).casefold().strip()
        if name:
            groups[(name, rec.date)].append(rec.id)
        else:
            singles.append([rec.id])
    return [*groups.values(), *singles]


@dataclass(frozen=True)
class Linked:
    groups: list[list[str]]
    seconds: float
    result: linkage.LinkageResult
    processor_seconds: float  # of this process and of the name workers it started
    load_average: float  # over the last minute, when done
    people: clusters.Groups  # the groups above, as clustered


def _processor_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def linked(recs: Sequence[models.VictimRecord]) -> Linked:
    """Link, then build the register's people at the default threshold (timed together)."""
    before = _processor_seconds()
    with stopwatch() as lap:
        result = linkage.link(recs, seed=1)
        scored = [(p.left, p.right, p.probability) for p in result.pairs]
        lists = {r.id: r.list_id for r in recs}  # as People.people builds the register
        people = clusters.cluster([r.id for r in recs], scored, {}, THRESHOLD, lists)
        groups = people.groups()
    spent = _processor_seconds() - before
    return Linked(list(groups.values()), lap.seconds, result, spent, os.getloadavg()[0], people)


@dataclass(frozen=True)
class Case:
    """One linkage case, scored, with its exact-match baseline."""

    converted: Converted
    linked: Linked
    ours: Score
    baseline: Score
    baseline_seconds: float
    review: ReviewRange  # pairs awaiting review, none decided

    def notes(self) -> dict[str, Any]:
        recs = self.converted.records
        return {
            "records": len(recs),
            "lists": dict(Counter(r.list_id for r in recs)),
            "threshold": THRESHOLD,
            **self.ours.notes(),
            # Pairs weigh a large false person heavily; the count is what a register prints.
            "people_found": len(self.linked.groups),
            "people_if_review_joins": self.review.people_if_joined,
            "true_people": len(set(self.converted.truth.values())),
            "pairs_awaiting_review": self.review.pairs,
            "seconds": round(self.linked.seconds, 2),
            "processor_seconds": round(self.linked.processor_seconds, 2),
            "load_average": round(self.linked.load_average, 2),
            "baseline_exact_name_and_date": {
                **self.baseline.notes(),
                "seconds": round(self.baseline_seconds, 2),
            },
            "import_gaps": dict(self.converted.gaps),
            "rows_refused": self.converted.refused,
            "candidate_pairs_kept": len(self.linked.result.pairs),
            "weights": self.linked.result.training.get("weights"),
        }


def run_case(lists: Sequence[Sequence[Mapping[str, str]]], names: Sequence[str]) -> Case:
    converted = convert(lists, names)
    with stopwatch() as base_lap:
        base = exact_groups(converted.records)
    found = linked(converted.records)
    scored = [(p.left, p.right, p.probability) for p in found.result.pairs]
    lists = {r.id: r.list_id for r in converted.records}
    return Case(
        converted,
        found,
        score(found.groups, converted.truth),
        score(base, converted.truth),
        base_lap.seconds,
        review_range(scored, {}, found.people, THRESHOLD, lists),
    )


def quality(bench: str, what: str, case: Case, extra: Mapping[str, Any]) -> list[Result]:
    """Precision and recall as two results, each against the baseline's and the target."""
    out = []
    for measure in ("precision", "recall"):
        ours, base = getattr(case.ours, measure), getattr(case.baseline, measure)
        out.append(
            Result(
                f"{bench} {measure}",
                f"{what}: {measure} of the pairs inside people at threshold {THRESHOLD:g}",
                ours,
                "share",
                baseline="exact name + date join",
                baseline_value=base,
                target=f">= {TARGET_SCORE}",
                met=ours >= TARGET_SCORE,
                notes={**extra, **case.notes()} if measure == "precision" else {},
            )
        )
    return out


def two_lists(per_list: int) -> tuple[list[Result], list[list[dict[str, str]]]]:
    population = synthetic.realistic_people(round(per_list / CAPTURE), seed=SEED)
    lists = synthetic.realistic_lists(population, CITY_LISTS, seed=SEED + 1)
    case = run_case(lists, [synthetic.list_prefix(j) for j in range(len(lists))])
    on_lists = {r["truth_id"] for rows in lists for r in rows}
    floor = synthetic.lookalike_pairs(p for p in population if str(p.person_id) in on_lists)
    scale = 200_000 / max(len(case.converted.records), 1)
    what = f"2 lists (town alone / 'City, Province Province'), {len(case.converted.records):,}"
    timed = Result(
        "7 linkage",
        f"link {what} records and build the people",
        case.linked.seconds,
        "s",
        target=f"< {TARGET_SECONDS:.0f} s for 2 x 100,000 records",
        met=case.linked.seconds * scale < TARGET_SECONDS if scale <= 1 else None,
        baseline="exact name + date join (no Persian folding, no model)",
        baseline_value=case.baseline_seconds,
    )
    extra = {"lookalike_pairs": floor}
    return [timed, *quality("7 linkage", what, case, extra)], lists


def revised_snapshot(per_list: int) -> list[Result]:
    population = synthetic.realistic_people(round(per_list / CAPTURE), seed=SEED + 10)
    _, first = synthetic.realistic_lists(population, (0.0, CAPTURE), seed=SEED + 11)
    edition = synthetic.revision(first, SEED + 12, population=population)
    case = run_case([first, list(edition.rows)], ["B", "B2"])
    changes = {
        "unchanged": len(edition.unchanged),
        "edited": len(edition.edited),
        "added": len(edition.added),
        "dropped": len(edition.dropped),
    }
    what = f"a list of {len(first):,} and its next edition"
    return quality("7 revised snapshot", what, case, changes)


def obvious_duplicates(size: int) -> Result:
    """A list of about ``size`` records with exact copies planted; how many are linked."""
    planted = max(5, size // 100)
    people = round((size - planted) / 1.02)  # within-list second copies add about 2%
    population = synthetic.realistic_people(people, seed=SEED + size)
    _, rows = synthetic.realistic_lists(population, TABLE_ONLY, seed=SEED + size + 1)
    rows, pairs = synthetic.exact_copies(rows, planted, seed=SEED + size + 2)
    converted = convert([rows], ["D"])
    found = linked(converted.records)
    person = {rec: k for k, members in enumerate(found.groups) for rec in members}
    ids = converted.by_source
    joined = sum(1 for a, b in pairs if person[ids[(0, a)]] == person[ids[(0, b)]])
    return Result(
        f"7 obvious duplicates {size:,}",
        f"exact copies (same name, date, place ...) planted in a list of {len(rows):,} records, "
        f"linked at threshold {THRESHOLD:g}",
        joined,
        "linked",
        target=f"all {len(pairs)}",
        met=joined == len(pairs),
        notes={
            "records": len(rows),
            "planted": len(pairs),
            "linked": joined,
            "seconds": round(found.seconds, 2),
            "import_gaps": dict(converted.gaps),
            "weights": found.result.training.get("weights"),
            **score(found.groups, converted.truth).notes(),
        },
    )


def end_to_end(tmp: Path, lists: Sequence[Sequence[Mapping[str, str]]]) -> Result:
    """The two lists through the register: each CSV file imported into a fresh workspace
    (SQLite, local folder), a stored linkage run, then the people at the default threshold."""
    ws = init_workspace(Settings(workspace=tmp / "register-bench"))
    notes: dict[str, Any] = {}
    try:
        vault = Vault(ws)
        with stopwatch() as imported:
            try:
                _import(tmp, Register(vault), lists)
            except InputError as exc:  # the import refuses what it cannot read: say so
                notes["import_refused"] = exc.message.splitlines()[0]
        if not notes:
            with stopwatch() as linked_lap:
                run = People(vault).run_linkage(None, seed=1)
                found, about = People(vault).people(threshold=THRESHOLD)
            truth = {
                f"{synthetic.list_prefix(j)}:{number}": row["truth_id"]
                for j, rows in enumerate(lists)
                for number, row in enumerate(rows, start=2)
            }
            groups = [[r.id for r in person.records] for person in found]
            notes |= {
                "linkage_run_seconds": round(linked_lap.seconds, 2),
                "pairs_stored": run["pairs"],
                **score(groups, truth).notes(),
                "people_found": about["people"],
                "people_if_review_joins": about["people_if_review_joins"],
                "true_people": len(set(truth.values())),
                "pairs_awaiting_review": about["pairs_awaiting_review"],
            }
    finally:
        ws.close()
    seconds = imported.seconds + notes.get("linkage_run_seconds", 0.0)
    return Result(
        "7b register",
        "import both lists into a workspace, a stored linkage run, the people",
        seconds,
        "s",
        notes={"import_seconds": round(imported.seconds, 2), **notes},
    )


def _import(tmp: Path, register: Register, lists: Sequence[Sequence[Mapping[str, str]]]) -> None:
    for j, rows in enumerate(lists):
        path = tmp / f"list-{j}.csv"
        synthetic.write_csv(rows, path)
        register.import_list(path, ListInfo(synthetic.list_prefix(j)), mapping_for(rows[0]))


CEILING_RECORDS = 10_000  # per list
CEILING_THRESHOLDS = tuple(t / 100 for t in range(5, 100, 5)) + (0.99,)
_WEIGHT = re.compile(r"\s*\(([-+0-9.]+)\)$")


def _level_features(pairs: Sequence[linkage.ScoredPair]) -> Any:
    """Each pair's level per comparison (a category number) and its name-frequency bits."""
    import numpy as np

    names = [c.name for c in comparisons.PRIORS]
    codes: dict[str, dict[str, int]] = {n: {} for n in [*names, "record"]}
    rows = []
    for p in pairs:
        row: list[float] = []
        for n in codes:
            label = _WEIGHT.sub("", p.levels.get(n, ""))
            row.append(codes[n].setdefault(label, len(codes[n])))
        found = _WEIGHT.search(p.levels.get("name frequency", ""))
        row.append(float(found.group(1)) if found else 0.0)
        rows.append(row)
    return np.array(rows, dtype=float), len(codes)


def _best_at_precision(
    ids: Sequence[str], scored: Sequence[tuple[str, str, float]], truth: Mapping[str, str]
) -> tuple[float, Score]:
    """The threshold whose people reach the target precision with the most recall (where none
    reaches it, the most precise one), and that point's score."""
    points = [
        (t, score(clusters.cluster(ids, scored, {}, t).groups().values(), truth))
        for t in CEILING_THRESHOLDS
    ]
    precise = [(t, s) for t, s in points if s.precision >= TARGET_SCORE]
    if precise:
        return max(precise, key=lambda point: point[1].recall)
    return max(points, key=lambda point: point[1].precision)


def _recall_if_precise(found: Score) -> float:
    return found.recall if found.precision >= TARGET_SCORE else 0.0


def ceiling() -> Result:
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import KFold, cross_val_predict

    population = synthetic.realistic_people(round(CEILING_RECORDS / CAPTURE), seed=SEED)
    lists = synthetic.realistic_lists(population, CITY_LISTS, seed=SEED + 1)
    converted = convert(lists, [synthetic.list_prefix(j) for j in range(len(lists))])
    result = linkage.link(converted.records, seed=1, keep_from=1e-9)
    features, categorical = _level_features(result.pairs)
    truth = converted.truth
    labels = np.array([truth[p.left] == truth[p.right] for p in result.pairs])
    model = HistGradientBoostingClassifier(
        categorical_features=np.arange(features.shape[1]) < categorical, random_state=SEED
    )
    folds = KFold(5, shuffle=True, random_state=SEED)
    trained = cross_val_predict(model, features, labels, cv=folds, method="predict_proba")[:, 1]
    ids = [r.id for r in converted.records]
    ours = _best_at_precision(ids, [(p.left, p.right, p.probability) for p in result.pairs], truth)
    best = _best_at_precision(
        ids,
        [(p.left, p.right, float(q)) for p, q in zip(result.pairs, trained, strict=True)],
        truth,
    )
    return Result(
        "7 ceiling",
        f"recall at precision >= {TARGET_SCORE} on 2 x {CEILING_RECORDS:,} records: a classifier "
        "trained on the truth, on the same comparisons (5-fold cross-validated)",
        _recall_if_precise(best[1]),
        "share",
        baseline="gavah's declared weights at their best threshold",
        baseline_value=_recall_if_precise(ours[1]),
        notes={
            "candidate_pairs": len(result.pairs),
            "true_pairs_among_candidates": int(labels.sum()),
            "trained_on_truth": {"threshold": best[0], **best[1].notes()},
            "declared_weights": {"threshold": ours[0], **ours[1].notes()},
        },
    )


def run(sizes: Sizes, tmp: Path) -> list[Result]:
    parse_date("2026-01-08")  # warm the calendar tables outside the timing
    results, lists = two_lists(sizes.linkage_records)
    results += revised_snapshot(sizes.linkage_records)
    large = DUPLICATES_FULL if sizes.mode == "full" else sizes.linkage_records
    results += [obvious_duplicates(size) for size in (DUPLICATES_SMALL, large)]
    results.append(end_to_end(tmp, lists))
    results.append(ceiling())
    return results
