"""The sanctions gap report: for every documented person or body, who designates them and who not.

For each registry entity (people and bodies: Person, PublicBody, Organization, Company,
LegalEntity) and each jurisdiction with an imported list, the report says:

- **designated**: a list entry matches it (a corroborated match or a human's "same"), with the
  list, its own identifier, the programs and the listing date;
- **possible**: an entry's name matches but nothing else corroborates it yet (review it with
  ``gavah sanctions decide``);
- **not designated**: no entry matches.

Each designation also says under which legal regime it was made (:mod:`gavah.sanctions.regimes`:
terrorism or proscription, human rights, proliferation, other), so a row can read "designated by
the US for proliferation, not for human rights"; with ``regime`` given, only designations under
that regime count towards the status (who is documented but not sanctioned *for human rights*).

Each row carries the entity's units (from Membership, Employment and Occupancy links), the roles
and evidence items that document it (from Documentation), so an advocate can go from "not
sanctioned by Canada" to the evidence behind the allegation. The reverse report lists the list
entries that match no registry entity.

Each row also carries its allegations: the claims of the verification layer (:mod:`gavah.verify`)
tied to the entity, with their incident and their computed level. The report can keep only the
entities with an allegation graded at least confirmed, fair or weak (``grade``), so "documented
but not sanctioned" can be read as "confirmed by independent sources, and not sanctioned".
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from followthemoney.proxy import EntityProxy

from gavah.errors import InputError
from gavah.sanctions import match, regimes
from gavah.sanctions.index import StoredIndex
from gavah.sanctions.store import JURISDICTIONS
from gavah.text import spreadsheet
from gavah.text.names import skeleton
from gavah.verify import rules as verify_rules

SUBJECTS = ("Person", "PublicBody", "Organization", "Company", "LegalEntity")
REGIMES: tuple[str, ...] = regimes.FAMILIES  # terrorism, human-rights, proliferation, other
_NAMED = tuple(r for r in REGIMES if r != "other")
GRADES = (
    "confirmed",
    "fair",
    "weak",
)  # the Airwars grades an allegation filter may ask for  # the ones a row says it is "not for"
_UNIT_LINKS = {  # relationship schema -> (the person's side, the unit's side)
    "Membership": ("member", "organization"),
    "Employment": ("employee", "employer"),
    "Directorship": ("director", "organization"),
}


@dataclass(frozen=True)
class Designation:
    list_name: str
    source_id: str
    name: str
    programs: tuple[str, ...]
    listed_on: str | None
    score: float
    decision: str
    explanation: tuple[str, ...]
    regimes: tuple[str, ...] = ()  # the legal regimes of its programmes, in REGIMES order

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_name,
            "id": self.source_id,
            "name": self.name,
            "programs": list(self.programs),
            "regimes": list(self.regimes),
            "listed_on": self.listed_on,
            "score": round(self.score, 4),
            "decision": self.decision,
            "explanation": list(self.explanation),
        }


@dataclass
class Row:
    entity_id: str
    name: str
    names: list[str]
    schema: str
    units: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    status: dict[str, str] = field(default_factory=dict)  # jurisdiction -> status
    designations: dict[str, list[Designation]] = field(default_factory=dict)
    # the claims tied to it (gavah.verify), strongest first: its allegations' confidence
    allegations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def grade(self) -> str | None:
        """The strongest Airwars grade among its allegations (None: no claim is tied to it)."""
        return self.allegations[0]["airwars"] if self.allegations else None

    def regimes(self, jurisdiction: str, decision: str = "match") -> list[str]:
        """The regimes ``jurisdiction`` designates it under (``decision`` "candidate": those of
        the entries still to be reviewed), in :data:`REGIMES` order."""
        found = {
            r
            for d in self.designations.get(jurisdiction, [])
            if d.decision == decision
            for r in d.regimes
        }
        return [r for r in REGIMES if r in found]

    def not_for(self, jurisdiction: str) -> list[str]:
        """The regimes (other than "other") ``jurisdiction`` does not designate it under."""
        held = self.regimes(jurisdiction)
        return [r for r in _NAMED if r not in held]

    def regime_text(self, jurisdiction: str) -> str:
        """The regimes in words: "for proliferation; not for terrorism, human rights";
        "possibly for human rights" (only entries still to be reviewed); or empty."""
        held = self.regimes(jurisdiction)
        if not held:
            maybe = self.regimes(jurisdiction, "candidate")
            return "possibly for " + ", ".join(_label(r) for r in maybe) if maybe else ""
        missing = self.not_for(jurisdiction)
        text = "for " + ", ".join(_label(r) for r in held)
        return text + ("; not for " + ", ".join(_label(r) for r in missing) if missing else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity_id,
            "name": self.name,
            "names": self.names,
            "schema": self.schema,
            "units": self.units,
            "roles": self.roles,
            "evidence": self.evidence,
            "grade": self.grade,
            "allegations": self.allegations,
            "jurisdictions": {
                j: {
                    "status": s,
                    "regimes": self.regimes(j),
                    "possible_regimes": self.regimes(j, "candidate"),
                    "not_for": self.not_for(j),
                    "entries": [d.to_dict() for d in self.designations.get(j, [])],
                }
                for j, s in self.status.items()
            },
        }


def _label(regime: str) -> str:
    return regime.replace("-", " ")


@dataclass(frozen=True)
class ListIndex:
    """One imported list's latest snapshot, indexed for matching (in memory, or the stored
    index: :class:`gavah.sanctions.index.StoredIndex`)."""

    name: str
    jurisdiction: str
    index: match.Index


@dataclass
class Report:
    jurisdictions: list[str]
    rows: list[Row]
    unmatched: dict[str, list[dict[str, Any]]]  # list name -> entries matching no entity
    regime: str | None = None  # only designations under this regime count towards the status
    grade: str | None = None  # only entities with an allegation graded at least this

    def to_dict(self) -> dict[str, Any]:
        return {
            "jurisdictions": self.jurisdictions,
            "regime": self.regime,
            "grade": self.grade,
            "entities": [r.to_dict() for r in self.rows],
            "unmatched_entries": self.unmatched,
        }


def build(
    entities: Sequence[EntityProxy],
    lists: Sequence[ListIndex],
    *,
    jurisdictions: Sequence[str] | None = None,
    threshold: float = match.DEFAULT_THRESHOLD,
    judgements: match.Judgements | None = None,
    unit: str | None = None,
    role: str | None = None,
    regime: str | None = None,
    allegations: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    grade: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """The gap report over ``entities`` (the whole registry: links are read from it too);
    ``regime``, one of :data:`REGIMES`: only designations under it make a status.
    ``allegations``: per entity id, the claims tied to it with their levels, strongest first
    (:meth:`gavah.verify.store.Verification.allegations`); ``grade``, one of :data:`GRADES`:
    only entities with an allegation graded at least that."""
    if regime is not None and regime not in REGIMES:
        raise InputError(f"unknown regime {regime!r}", hint="one of " + ", ".join(REGIMES))
    allegations = allegations or {}
    floor = _grade_floor(grade)
    by_id = {e.id: e for e in entities if e.id}
    context = _context(entities, by_id)
    wanted = list(jurisdictions) if jurisdictions else sorted({li.jurisdiction for li in lists})
    lists = [li for li in lists if li.jurisdiction in wanted]
    subjects = [e for e in entities if e.schema.name in SUBJECTS]
    rows, matched = [], set()
    for n, entity in enumerate(subjects, 1):
        units, roles, evidence = context.get(str(entity.id), ([], [], []))
        if unit and not _mentions(unit, [entity.caption, *units]):
            continue
        if role and not any(role.lower() in r.lower() for r in roles):
            continue
        alleged = [dict(a) for a in allegations.get(str(entity.id), ())]
        if floor is not None and not any(floor(a["airwars"]) for a in alleged):
            continue
        query = match.readable(entity, f"registry:{entity.id}", "registry", str(entity.id))
        row = Row(
            entity_id=str(entity.id),
            name=entity.caption,
            names=sorted(set(entity.get("name")) | set(entity.get("alias", quiet=True))),
            schema=entity.schema.name,
            units=sorted(set(units)),
            roles=sorted(set(roles)),
            evidence=sorted(set(evidence)),
            status={j: "not designated" for j in wanted},
            allegations=alleged,
        )
        for li in lists:
            if query is None:  # no readable name: reported as not designated anywhere
                break
            for m in match.screen([query], li.index, threshold=threshold, judgements=judgements):
                d = _designation(li, m)
                row.designations.setdefault(li.jurisdiction, []).append(d)
                matched.add((li.name, m.right.id))
                if regime is not None and regime not in d.regimes:
                    continue
                status = "designated" if m.decision == "match" else "possible"
                if row.status[li.jurisdiction] != "designated":
                    row.status[li.jurisdiction] = status
        rows.append(row)
        if progress:
            progress(n)
    unmatched = {
        li.name: [e for e in _listed(li.index) if (li.name, e["id"]) not in matched] for li in lists
    }
    return Report(wanted, rows, unmatched, regime, grade)


def _grade_floor(grade: str | None) -> Callable[[str], bool] | None:
    """Whether an Airwars grade is at least ``grade`` (by the rank the verification rules give
    it: a contested or discounted claim never passes)."""
    if grade is None:
        return None
    if grade not in GRADES:
        raise InputError(f"unknown grade {grade!r}", hint="one of " + ", ".join(GRADES))
    table = verify_rules.load()
    least = table.rank(grade)
    return lambda found: table.rank(found) >= least


def _designation(li: ListIndex, m: match.Match) -> Designation:
    programs = tuple(m.right.extra.get("programs", ()))
    jurisdiction = None if li.jurisdiction == "?" else li.jurisdiction
    found = regimes.families(li.name, jurisdiction, programs)
    return Designation(
        li.name,
        m.right.id,
        m.right.name,
        programs,
        m.right.extra.get("listed_on"),
        m.score,
        m.decision,
        m.explanation,
        tuple(r for r in REGIMES if r in found),
    )


def _listed(index: match.Index) -> Iterator[dict[str, Any]]:
    """Every entry of a list's index: id, name and programmes (a stored index's without reading
    their names)."""
    if isinstance(index, StoredIndex):
        for p in index.payloads():
            yield {"id": p["id"], "name": p["name"], "programs": list(p["extra"]["programs"])}
        return
    for r in index.records:
        yield {"id": r.id, "name": r.name, "programs": list(r.extra.get("programs", ()))}


def _context(
    entities: Iterable[EntityProxy], by_id: Mapping[str, EntityProxy]
) -> dict[str, tuple[list[str], list[str], list[str]]]:
    """Per entity id: the units it belongs to, the roles and the evidence documenting it."""
    out: dict[str, tuple[list[str], list[str], list[str]]] = {}

    def slot(key: str) -> tuple[list[str], list[str], list[str]]:
        return out.setdefault(key, ([], [], []))

    for e in entities:
        name = e.schema.name
        if name in _UNIT_LINKS:
            who, where = _UNIT_LINKS[name]
            for person in e.get(who, quiet=True):
                for org in e.get(where, quiet=True):
                    slot(person)[0].append(by_id[org].caption if org in by_id else org)
        elif name == "Occupancy":
            for person in e.get("holder", quiet=True):
                for post in e.get("post", quiet=True):
                    position = by_id.get(post)
                    if position is None:
                        continue
                    slot(person)[0].append(position.caption)
                    for org in position.get("organization", quiet=True):
                        slot(person)[0].append(by_id[org].caption if org in by_id else org)
        elif name == "Documentation":
            for target in e.get("entity", quiet=True):
                slot(target)[1].extend(e.get("role", quiet=True))
                slot(target)[2].extend(e.get("document", quiet=True))
    return out


def _mentions(text: str, names: Iterable[str]) -> bool:
    wanted = {skeleton(w) for w in text.split()} - {""}
    for n in names:
        have = {skeleton(w) for w in n.split()}
        if wanted <= have or text.lower() in n.lower():
            return True
    return False


# --- output ------------------------------------------------------------------------------------


def to_csv(report: Report) -> str:
    buf = io.StringIO()
    writer = spreadsheet.writer(buf, lineterminator="\n")  # names from lists: no formulas
    writer.writerow(
        ["entity", "name", "schema", "units", "roles", "evidence", "grade", "allegations"]
        + [f"{j}_status" for j in report.jurisdictions]
        + [f"{j}_regimes" for j in report.jurisdictions]
        + [f"{j}_entries" for j in report.jurisdictions]
    )
    for r in report.rows:
        writer.writerow(
            [
                r.entity_id,
                r.name,
                r.schema,
                "; ".join(r.units),
                "; ".join(r.roles),
                "; ".join(r.evidence),
                r.grade or "",
                "; ".join(_allegation_text(a) for a in r.allegations),
            ]
            + [r.status[j] for j in report.jurisdictions]
            + [r.regime_text(j) for j in report.jurisdictions]
            + [
                "; ".join(_entry_text(d) for d in r.designations.get(j, []))
                for j in report.jurisdictions
            ]
        )
    return buf.getvalue()


def _allegation_text(a: Mapping[str, Any]) -> str:
    return f"{a['claim']} ({a['airwars']}; {a['proof']}): {a['statement']}"


def _entry_text(d: Designation) -> str:
    programs = ",".join(d.programs)
    when = f" {d.listed_on}" if d.listed_on else ""
    regime = f" {'/'.join(d.regimes)}" if d.regimes else ""
    return f"{d.list_name}:{d.source_id} [{programs}]{regime}{when} ({d.decision} {d.score:.2f})"


_STATUS_CLASS = {"designated": "yes", "possible": "maybe", "not designated": "no"}


def to_html(report: Report, title: str = "Sanctions gap report") -> str:
    """One self-contained page: no script, no external asset; names in either script are laid
    out by their own direction (``dir="auto"``)."""
    e = html.escape
    head = "".join(f"<th>{e(JURISDICTIONS.get(j, j))}</th>" for j in report.jurisdictions)
    body = []
    for r in report.rows:
        cells = []
        for j in report.jurisdictions:
            entries = "<br>".join(e(_entry_text(d)) for d in r.designations.get(j, []))
            regime = r.regime_text(j)
            cells.append(
                f'<td class="{_STATUS_CLASS[r.status[j]]}">{e(r.status[j])}'
                + (f"<div><b>{e(regime)}</b></div>" if regime else "")
                + (f"<div class=small>{entries}</div>" if entries else "")
                + "</td>"
            )
        names = "<br>".join(f'<span dir="auto">{e(n)}</span>' for n in r.names)
        evidence = ", ".join(e(x) for x in r.evidence) or "—"
        alleged = "<br>".join(
            f'<span dir="auto">{e(_allegation_text(a))}</span>' for a in r.allegations
        )
        body.append(
            f'<tr><td><b dir="auto">{e(r.name)}</b><div class=small>{names}</div>'
            f"<div class=small>{e(r.schema)} {e(r.entity_id)}</div></td>"
            f'<td dir="auto">{e("; ".join(r.units)) or "—"}</td><td>{e("; ".join(r.roles)) or "—"}</td>'
            f"<td class=small>{evidence}</td><td class=small>{alleged or '—'}</td>"
            f"{''.join(cells)}</tr>"
        )
    unmatched = "".join(
        f"<li>{e(name)}: {len(entries)} entries match no registry entity</li>"
        for name, entries in report.unmatched.items()
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{e(title)}</title><style>"
        "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}"
        ".yes{background:#dfd}.maybe{background:#ffd}.no{background:#fdd}"
        ".small{font-size:.85em;color:#444}</style></head><body>"
        f"<h1>{e(title)}</h1>"
        + (
            f"<p>Only designations under the {e(_label(report.regime))} regime count.</p>"
            if report.regime
            else ""
        )
        + (
            f"<p>Only entities with an allegation graded {e(report.grade)} or higher.</p>"
            if report.grade
            else ""
        )
        + "<table><tr><th>entity</th><th>units</th><th>roles</th>"
        f"<th>evidence</th><th>allegations</th>{head}</tr>{''.join(body)}</table>"
        f"<h2>List entries with no registry entity</h2><ul>{unmatched}</ul></body></html>\n"
    )
