"""The victim register on the public site: a list goes out only as its setting allows (counts, or
names), never as its file or its rows' other fields; each setting is a custody event, and only a
reviewer of the register may make one. The lists are gavah's synthetic samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from gavah.casualties.register import ListInfo, Register, parse_mapping
from gavah.errors import AccessDenied, InputError, NotFound
from gavah.publish import site, victims
from gavah.vault import Vault
from gavah.vault.verify import verify_workspace
from gavah.verify.access import Asker
from gavah.verify.store import Verification

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "victim-lists"
MAP = "id=record_id,name=name,name_fa=name_fa,age=age,gender=gender,date=date,province=place"


@pytest.fixture
def lists(vault: Vault) -> dict[str, str]:
    register = Register(vault)
    for name in ("A", "B", "C"):
        register.import_list(
            SAMPLES / f"list-{name}.csv",
            ListInfo(f"DEMO-{name}", title=f"Synthetic list {name}", publisher=f"NGO {name}"),
            parse_mapping([MAP]),
        )
    return {n: f"DEMO-{n}" for n in "ABC"}


def _text(root: Path) -> str:
    return "\n".join(
        p.read_text("utf-8", errors="replace") for p in sorted(root.rglob("*")) if p.is_file()
    )


def test_each_list_goes_out_as_its_setting_allows(
    vault: Vault, lists: dict[str, str], tmp_path: Path
) -> None:
    first = (SAMPLES / "list-A.csv").read_text("utf-8").splitlines()[1].split(",")
    a_name, a_name_fa = first[2], first[3]
    on_a = {row.split(",")[2] for row in (SAMPLES / "list-A.csv").read_text("utf-8").splitlines()}
    b_rows = (SAMPLES / "list-B.csv").read_text("utf-8").splitlines()[1:]
    b_name = next(n for row in b_rows if (n := row.split(",")[2]) not in on_a)  # B's alone
    v = Verification(vault)
    victims.set_list(v, lists["A"], "names", "the publisher allows it (synthetic)")
    victims.set_list(v, lists["B"], "counts")
    out = tmp_path / "SITE"
    result = site.build(v, out).to_dict()
    left = {x["id"]: x["reason"] for x in result["left_out"] if x["what"] == "victim list"}
    assert left == {lists["C"]: victims.NOT_SET}
    english = (out / "en" / "victims.html").read_text("utf-8")
    persian = (out / "fa" / "victims.html").read_text("utf-8")
    assert "Synthetic list A" in english and "Synthetic list B" in english
    assert "Synthetic list C" not in _text(out)
    assert a_name in english and a_name_fa in persian  # names: A's people are named
    assert b_name not in _text(out)  # counts only: B's are not
    count_b = (SAMPLES / "list-B.csv").read_text("utf-8").count("\n") - 1
    assert f"<strong>{count_b:,}</strong>" in english
    assert "SYNTHETIC - not real people" not in _text(out)  # a row's other fields stay in
    section_a = english.split("Synthetic list A", 1)[1].split("</section>", 1)[0]
    names_a = section_a.split("<h3>Names</h3>", 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
    rows = names_a.split("</tr>")[:-1]
    count_a = (SAMPLES / "list-A.csv").read_text("utf-8").count("\n") - 1
    assert len(rows) == count_a  # one row per record of A
    assert all(row.count("<td>") == 3 for row in rows)  # name, date, province: no age, no note
    assert '<bdi dir="auto">تهران</bdi>' in persian  # provinces by page
    assert '<bdi dir="auto">Tehran</bdi>' in english
    assert 'dir="rtl"' in persian and "victims.html" in (out / "en" / "index.html").read_text()

    victims.set_list(v, lists["A"], "none", "withdrawn (synthetic)")
    site.build(v, out)
    assert a_name not in _text(out) and "Synthetic list A" not in _text(out)
    assert verify_workspace(vault, check_blobs=False).problems == []


def test_a_setting_is_a_reviewers_and_says_what_is_wrong(
    vault: Vault, lists: dict[str, str]
) -> None:
    analyst = Verification(vault, Asker("web:analyst", None, frozenset({"alpha"})))
    with pytest.raises(AccessDenied):
        victims.set_list(analyst, lists["A"], "names")
    v = Verification(vault)
    with pytest.raises(NotFound):
        victims.set_list(v, "NO-SUCH-LIST", "counts")
    with pytest.raises(InputError):
        victims.set_list(v, lists["A"], "everything")
    victims.set_list(v, lists["A"], "counts")
    with pytest.raises(InputError):
        victims.set_list(v, lists["A"], "counts")  # already so
