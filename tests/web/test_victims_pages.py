"""The victim register's pages: records with filters and search in both scripts, a record, the
linkage review queue, the estimate, and importing a list from the browser.

Every list here is synthetic (gavah.casualties.synthetic, or written below). The register is
opened to those granted a role in its collection (``victim-lists``): an account granted only
alpha must get nothing of it, not a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import csrf_of, session_csrf, sign_in
from gavah.casualties import synthetic
from gavah.casualties.people import DECIDED, People
from gavah.casualties.register import COLLECTION, ListInfo, Register, parse_mapping
from gavah.db import models
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah.web.i18n import digits, translations

MAPPING = parse_mapping(
    [
        "id=record_id,name=name,name_fa=name_fa,age=age,age_group=age_group",
        "gender=gender,date=date,province=place",
    ]
)


def build_register(vault: Vault, tmp_path: Path, size: int = 80) -> list[list[dict[str, str]]]:
    """Three synthetic lists of one synthetic population, imported and linked."""
    population = synthetic.people(size, seed=7)
    lists = synthetic.lists(population, [0.6, 0.5, 0.4], seed=8)
    register = Register(vault)
    for j, records in enumerate(lists):
        path = tmp_path / f"list-{j}.csv"
        synthetic.write_csv(records, path)
        register.import_list(path, ListInfo(synthetic.list_prefix(j)), MAPPING)
    People(vault).run_linkage(None, seed=1)
    return lists


@pytest.fixture
def register(vault: Vault, tmp_path: Path) -> list[list[dict[str, str]]]:
    return build_register(vault, tmp_path)


@pytest.fixture
def client_in(
    app: FastAPI, person: Callable[..., Any]
) -> Callable[[str, tuple[str, ...]], TestClient]:
    made: list[int] = []

    def make(role: str, collections: tuple[str, ...] = (COLLECTION,)) -> TestClient:
        made.append(1)
        return sign_in(app, person(f"{role}-{len(made)}", role, collections))

    return make


def _record_count(vault: Vault) -> int:
    with vault.db.read() as session:
        return int(
            session.execute(select(func.count()).select_from(models.VictimRecord)).scalar_one()
        )


def test_the_register_lists_filters_and_searches_in_both_scripts(
    register: Any, client_in: Any, vault: Vault
) -> None:
    viewer = client_in("viewer")
    page = viewer.get("/victims")
    assert page.status_code == 200
    total = _record_count(vault)
    assert f"{digits(total, 'fa')} سابقه یافت شد" in page.text  # N records match
    with vault.db.read() as session:
        rec = session.execute(
            select(models.VictimRecord).where(models.VictimRecord.name_fa.is_not(None)).limit(1)
        ).scalar_one()
    family = rec.name_fa.split()[-1]
    found = viewer.get("/victims", params={"q": family})
    assert rec.id in found.text
    one_list = viewer.get("/victims", params={"list": rec.list_id})
    ids = set(re.findall(r'href="/victims/records/([^"]+)"', one_list.text))
    assert ids and all(i.startswith(rec.list_id + "%3A") for i in ids)
    record = viewer.get(f"/victims/records/{rec.id}")
    assert record.status_code == 200 and rec.name_fa in record.text


COUNTED = (
    "%(people)s distinct people from %(records)s records (linkage run %(run)s, "
    "threshold %(threshold)s)."
)
AWAITING = (
    "%(pairs)s pairs of records scored %(low)s to %(threshold)s await review: if each pair were "
    "one person, %(joined)s people."
)


def _said(msgid: str, about: dict[str, Any], language: str) -> str:
    """The sentence as the register page should say it: thousands grouped, Persian digits."""
    values = {
        "people": about["people"],
        "records": about["records"],
        "run": about["run"],
        "pairs": about["pairs_awaiting_review"],
        "joined": about["people_if_review_joins"],
    }
    shown = {k: digits(f"{v:,}", language) for k, v in values.items()}
    shown |= {"threshold": digits("0.9", language), "low": digits("0.5", language)}
    return translations(language).gettext(msgid) % shown


def test_the_register_says_how_many_people_and_how_far_review_could_lower_it(
    register: Any, client_in: Any, vault: Vault
) -> None:
    _, about = People(vault).people()
    assert about["pairs_awaiting_review"] > 1, "noisy synthetic lists leave pairs to review"
    assert about["people_if_review_joins"] < about["people"]
    viewer = client_in("viewer")
    persian = viewer.get("/victims").text
    for msgid in (COUNTED, AWAITING):
        assert _said(msgid, about, "fa") != _said(msgid, about, "en")  # translated
        assert _said(msgid, about, "fa") in persian
    switched = viewer.post(
        "/account/language", data={"language": "en", "csrf_token": session_csrf(viewer)}
    )
    assert switched.status_code == 200
    english = viewer.get("/victims").text
    for msgid in (COUNTED, AWAITING):
        assert _said(msgid, about, "en") in english


def test_search_finds_persian_names_with_a_latin_query(vault: Vault, tmp_path: Path,
                                                       client_in: Any) -> None:  # fmt: skip
    path = tmp_path / "few.csv"
    path.write_text(
        "name,name_fa,age,date,province,status\n"
        "Mohammad Rezaei,,23,2022-09-21,Tehran,killed\n"
        ",محمد رضایی,23,1401/06/30,تهران,killed\n"
        "Sara Ahmadi,,16,2022-10-01,Zahedan,killed in custody\n",
        encoding="utf-8",
    )
    Register(vault).import_list(path, ListInfo("FEW"))
    viewer = client_in("viewer")
    latin = viewer.get("/victims", params={"q": "Mohammad"}).text
    assert 'class="register-count"' not in latin  # no linkage run yet: no count of people
    assert "FEW:2" in latin and "FEW:3" in latin and "FEW:4" not in latin
    persian = viewer.get("/victims", params={"q": "رضایی"}).text
    assert "FEW:2" in persian and "FEW:3" in persian and "FEW:4" not in persian
    young = viewer.get("/victims", params={"age_to": "18"}).text
    assert "FEW:4" in young and "FEW:2" not in young
    custody = viewer.get("/victims", params={"status": "custody"}).text
    assert "FEW:4" in custody and "FEW:3" not in custody
    hijri = viewer.get("/victims", params={"date_from": "1401/07/01"}).text
    assert "FEW:4" in hijri and "FEW:2" not in hijri
    bad = viewer.get("/victims", params={"date_from": "yesterday"})
    assert bad.status_code == 400


def test_nobody_without_the_collection_sees_a_name(register: Any, client_in: Any,
                                                   vault: Vault) -> None:  # fmt: skip
    with vault.db.read() as session:
        rec = session.execute(select(models.VictimRecord).limit(1)).scalar_one()
    outsider = client_in("reviewer", ("alpha",))
    for path in ("/victims", f"/victims/records/{rec.id}", "/victims/review",
                 "/victims/estimate", "/victims/import"):  # fmt: skip
        response = outsider.get(path)
        assert response.status_code == 403, path
        for name in (rec.name, rec.name_fa):
            assert not name or name not in response.text
    assert 'href="/victims"' not in outsider.get("/items").text


def test_linkage_review_decides_as_the_cli_does(register: Any, client_in: Any,
                                                vault: Vault) -> None:  # fmt: skip
    viewer = client_in("viewer")
    assert viewer.get("/victims/review").status_code == 403
    reviewer = client_in("reviewer")
    page = reviewer.get("/victims/review")
    assert page.status_code == 200
    left, right = re.search(r'data-left="([^"]+)" data-right="([^"]+)"', page.text).groups()
    expected = People(vault).to_review(limit=1)[0]
    assert (left, right) == (expected["left"]["id"], expected["right"]["id"])
    for comparison in expected["explanation"]:
        assert f'data-comparison="{comparison}"' in page.text
    # Said in Persian (the default language): every stored level is one the table knows.
    said = re.findall(r'<li data-comparison="[^"]+">(.*?)</li>', page.text)
    assert said and all("<bdi dir=\"auto\">" not in s for s in said), said
    assert "همان" in page.text or "فرق دارند" in page.text
    decided = reviewer.post("/victims/review", data={"left": left, "right": right,
                            "decision": "different", "note": "synthetic",
                            "csrf_token": csrf_of(page.text)}, follow_redirects=False)  # fmt: skip
    assert decided.status_code == 303
    history = People(vault).decision_history()
    assert [(d["left"], d["right"], d["decision"]) for d in history] == [(left, right, "different")]
    assert history[0]["actor"].startswith("web:reviewer")
    with vault.db.read() as session:
        kinds = session.execute(select(models.CustodyEvent.kind)).scalars().all()
    assert DECIDED in kinds
    assert verify_workspace(vault, check_blobs=False).problems == []
    after = reviewer.get("/victims/review").text
    assert f'data-left="{left}" data-right="{right}"' not in after
    wrong = reviewer.post("/victims/review", data={"left": left, "right": right,
                          "decision": "maybe", "csrf_token": csrf_of(after)})  # fmt: skip
    assert wrong.status_code == 400


def test_the_estimate_shows_charts_guard_rails_and_methods(register: Any, client_in: Any) -> None:
    viewer = client_in("viewer")
    assert "<svg" not in viewer.get("/victims/estimate").text  # asked for, not made on every view
    page = viewer.get("/victims/estimate", params={"run": "true", "method": "loglinear",
                                                   "compare": "true"})  # fmt: skip
    assert page.status_code == 200, page.text[:500]
    assert page.text.count("<svg") >= 2
    assert "lcmcr" in page.text and "dga" in page.text
    rails = re.findall(r"<li data-rail=\"[^\"]+\"[^>]*>", page.text)
    assert rails, "the synthetic register raises guard rails (two lists alone, at least)"
    assert not [r for r in rails if 'lang="en"' in r], rails  # said in Persian, not English
    stratified = viewer.get("/victims/estimate", params={"run": "true", "stratify": "gender"})
    assert stratified.status_code == 200 and stratified.text.count("<svg") >= 2


LIST = (
    "Full name,نام,Age,Died,Province\n"
    "Reza Karimi (synthetic),رضا کریمی,31,1401/06/30,Tehran\n"
    "Leila Moradi (synthetic),لیلا مرادی,24,1401/07/08,Kurdistan\n"
    "Omid Jafari (synthetic),امید جعفری,17,1401/07/10,Sistan and Baluchestan\n"
)


def _stage(client: TestClient, body: str, name: str = "list.csv", list_name: str = "WEB-1") -> str:
    form = client.get("/victims/import")
    assert form.status_code == 200
    staged = client.post(
        "/victims/import",
        data={"list_name": list_name, "publisher": "synthetic", "calendar": "auto",
              "csrf_token": csrf_of(form.text)},
        files={"file": (name, body.encode(), "text/csv")},
        follow_redirects=False,
    )  # fmt: skip
    assert staged.status_code == 303, staged.text
    return str(staged.headers["location"])


MAPPED = {"col-0": "name", "col-1": "name_fa", "col-2": "age", "col-3": "date", "col-4": "province"}


def test_import_from_the_browser_with_a_mapping_and_a_preview(client_in: Any, vault: Vault) -> None:
    intake = client_in("intake")
    where = _stage(intake, LIST)
    first = intake.get(where)
    assert first.status_code == 200 and "Reza Karimi (synthetic)" in first.text
    previewed = intake.get(where, params=MAPPED)
    assert '<option value="age" selected' in previewed.text
    assert "۲۰۲۲-۰۹-۲۱" in previewed.text  # 1401/06/30 read as the import will (Persian page)
    imported = intake.post(where, data={**MAPPED, "csrf_token": csrf_of(previewed.text)})
    assert imported.status_code == 200, imported.text[:800]
    assert "WEB-1" in imported.text and "/victims?list=WEB-1" in imported.text
    shown = Register(vault).show("WEB-1:2")
    assert shown["name_fa"] == "رضا کریمی" and shown["date"] == "2022-09-21"
    assert shown["age"] == 31
    lists = Register(vault).lists()
    assert lists[0]["publisher"] == "synthetic"
    assert intake.get(where).status_code == 404  # the staged file is gone once imported
    assert verify_workspace(vault, check_blobs=False).problems == []


def test_a_list_with_a_bad_row_is_refused_whole_with_its_rows_to_download(
    client_in: Any, vault: Vault
) -> None:
    analyst = client_in("analyst")
    bad = LIST + "Nobody (synthetic),نام,forty-ish and more,1401/13/40,Tehran\n"
    where = _stage(analyst, bad, list_name="WEB-BAD")
    page = analyst.get(where, params=MAPPED)
    refused = analyst.post(where, data={**MAPPED, "csrf_token": csrf_of(page.text)})
    assert refused.status_code == 400
    assert "nothing was imported" in refused.text
    assert "uploads" not in refused.text and "--skip-rejected" not in refused.text
    assert _record_count(vault) == 0
    csv = analyst.get(f"{where}/rejected.csv")
    assert csv.status_code == 200 and "Nobody (synthetic)" in csv.text
    assert "problem" in csv.text.splitlines()[0]
    # Another account's request finds nothing of it.
    other = client_in("analyst")
    assert other.get(where).status_code == 404
    assert other.get(f"{where}/rejected.csv").status_code == 404
    viewer = client_in("viewer")
    assert viewer.get(where).status_code == 403


def test_a_mapping_that_names_a_field_twice_is_refused(client_in: Any) -> None:
    intake = client_in("intake")
    where = _stage(intake, LIST, list_name="WEB-2")
    twice = intake.get(where, params={**MAPPED, "col-1": "name"})
    assert twice.status_code == 400 and "two columns are mapped to name" in twice.text
    evidence = intake.get(where, params={**MAPPED, "col-1": "evidence"})
    assert evidence.status_code == 400


def test_the_home_page_says_what_waits_and_what_one_may_see(
    register: Any, client_in: Any, items: dict[str, str]
) -> None:
    reviewer = client_in("reviewer", ("alpha", COLLECTION))
    home = reviewer.get("/")
    assert home.status_code == 200
    assert 'data-attention="pairs"' in home.text and 'href="/victims"' in home.text
    outsider = client_in("reviewer", ("alpha",))
    home = outsider.get("/")
    assert 'data-attention="pairs"' not in home.text and 'href="/victims"' not in home.text
    # A refused import waits on its importer's home page, with its rejected rows.
    intake = client_in("intake")
    where = _stage(intake, LIST + "Nobody (synthetic),کسی,30,1401/13/45,Tehran\n", list_name="H")
    page = intake.get(where, params=MAPPED)
    assert intake.post(where, data={**MAPPED, "csrf_token": csrf_of(page.text)}).status_code == 400
    waiting = intake.get("/").text
    assert 'data-attention="import"' in waiting and f'href="{where}/rejected.csv"' in waiting
    assert 'data-attention="import"' not in client_in("intake").get("/").text
