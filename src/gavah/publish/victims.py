"""The victim register on the public site, list by list, as each list's setting allows.

A list goes out only when a reviewer of the victim register has set it for publication:
``counts`` (how many people the list names, per province), or ``names`` (also each person's name
in both scripts, date of death and province, as the list published them); a list never set, or
set back to ``none``, stays out. Each setting is a custody event (``publish.list-set``); the
settings are read back from the log itself, the last one per list standing, as the incidents'
marks are (:mod:`gavah.publish.marks`). Only the fields named here go out: never a row's
original text, its sources, notes, age or circumstances, nor the list's file.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gavah.custody.log import Appender, isotime, utcnow
from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.verify.store import Verification

LIST_SET = "publish.list-set"
SETTINGS = ("none", "counts", "names")
NOT_SET = "not set for publication (gavah publish list LIST --as counts|names)"


def set_list(
    verification: Verification, list_id: str, how: str, note: str | None = None
) -> dict[str, Any]:
    """Set how a victim list goes out on the site: none, counts or names. Needs the reviewer
    role in the victim register's collection."""
    if how not in SETTINGS:
        raise InputError(f"unknown setting {how!r}", hint="none, counts or names")
    from gavah.casualties.register import COLLECTION  # the register's import is heavy

    asker = verification.asker
    asker.require_review(COLLECTION)
    with verification.db.write() as session:
        appender = Appender(session)  # first: it locks the log head
        row = session.get(models.VictimList, list_id)
        if row is None:
            raise NotFound(f"no victim list {list_id!r}", hint="gavah victims lists shows them")
        name = row.id
        if settings(session).get(name, "none") == how:
            raise InputError(f"list {name} is already set to {how}")
        at = utcnow()
        block = {"id": name, "as": how, "note": note}
        index = appender.append(LIST_SET, None, at, {"actor": asker.actor, "list": block}).index
        verification.vault.finish(session, appender)
    return {"list": name, "as": how, "log_index": index, "at": isotime(at)}


def settings(session: Session) -> dict[str, str]:
    """Each list's standing setting, read from the log (a list never set is absent)."""
    E = models.CustodyEvent
    found: dict[str, str] = {}
    for (entry,) in session.execute(select(E.entry).where(E.kind == LIST_SET).order_by(E.idx)):
        block = json.loads(bytes(entry))["list"]
        found[block["id"]] = block["as"]
    return found


def published_lists(
    session: Session, slug: Any, left_out: list[Any], left: Any
) -> list[dict[str, Any]]:
    """The lists that go out, each as the site shows it; the others are reported left out."""
    chosen = settings(session)
    out = []
    for lst in session.execute(select(models.VictimList).order_by(models.VictimList.id)).scalars():
        how = chosen.get(lst.id, "none")
        if how == "none":
            left_out.append(left("victim list", lst.id, NOT_SET))
            continue
        R = models.VictimRecord
        rows = session.execute(
            select(R.name, R.name_fa, R.date, R.province).where(R.list_id == lst.id)
        ).all()
        provinces = Counter(r.province or "" for r in rows)
        entry: dict[str, Any] = {
            "slug": slug("list", lst.id),
            "title": lst.title or lst.publisher or "",
            "publisher": lst.publisher or "",
            "published": lst.published or "",
            "count": len(rows),
            "provinces": sorted(provinces.items(), key=lambda p: (-p[1], p[0])),
            "names": how == "names",
        }
        if how == "names":
            entry["records"] = sorted(
                (
                    {
                        "name": r.name or "",
                        "name_fa": r.name_fa or "",
                        "date": r.date or "",
                        "province": r.province or "",
                    }
                    for r in rows
                ),
                key=lambda r: (r["date"] or "9999", r["name_fa"] or r["name"]),
            )
        out.append(entry)
    return out
