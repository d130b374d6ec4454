"""Full-text search through the vault, on whichever database this run uses.

Every file, name, note and source here is synthetic: invented for these tests, standing for no
real person, place or event.
"""

from __future__ import annotations

import os
import wave
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import delete, func, select, text, update

from gavah import search
from gavah.db import models
from gavah.errors import InputError, NotFound
from gavah.intake.ingest import ingest
from gavah.search import Filters, Hit, Page, index_text, search_text
from gavah.search.query import fts5_query, tsquery
from gavah.vault import Vault

EVERYONE = None


def put(
    vault: Vault,
    path: Path,
    data: bytes | None = None,
    *,
    collection: str | None = None,
    source: str | None = None,
    note: str | None = None,
) -> str:
    """Ingest one file (written first if ``data`` is given); its evidence id."""
    if data is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    summary = ingest(vault, [os.fsencode(path)], collection=collection, source=source, note=note)
    assert not summary.failures
    return str(summary.items[0]["id"])


def page(
    vault: Vault, q: str = "", visible: frozenset[str] | None = EVERYONE, **kw: object
) -> Page:
    with vault.db.read() as session:
        return search.find(session, Filters(collections=visible, q=q, **kw))


def found(
    vault: Vault, q: str = "", visible: frozenset[str] | None = EVERYONE, **kw: object
) -> set[str]:
    """The evidence ids a search finds (one page of up to 1,000)."""
    hits = page(vault, q, visible, limit=1000, **kw).hits
    return {hit.evidence_id for hit in hits}


def synthetic(label: str) -> bytes:
    """Distinct file content (the vault keeps identical content once)."""
    return f"synthetic test file: {label}\n".encode()


# --- the fold -------------------------------------------------------------------------------


def test_fold_unifies_letter_forms_digits_case_and_punctuation() -> None:
    assert search_text("كتاب ي ۱۲ ١٢") == "کتاب ی 12 12"
    assert search_text("IMG_2041.JPG") == "img 2041 jpg"
    assert search_text("Café-Zürich") == "cafe zurich"
    assert search_text("محمد\u200cرضا") == "محمد رضا"


def test_index_text_keeps_a_zwnj_word_split_and_joined() -> None:
    words = index_text("او می\u200cروم.").split()
    assert words == ["او", "می", "روم", "میروم"]
    assert index_text("no half-space here") == "no half space here"


# --- what is found --------------------------------------------------------------------------


def test_persian_file_name_is_found_with_arabic_letter_forms_and_any_digits(
    vault: Vault, tmp_path: Path
) -> None:
    target = put(vault, tmp_path / "شهادت_کرمانشاهی_۱۴۰۲.txt", synthetic("kermanshahi"))
    put(vault, tmp_path / "شهادت_تبریزی_۱۳۹۹.txt", synthetic("tabrizi"))
    for query in ("كرمانشاهي", "کرمانشاهی", "كرمان", "۱۴۰۲", "١٤٠٢", "1402", "شهادت ۱۴۰۲"):
        assert found(vault, query) == {target}, query
    assert found(vault, "شهادت") >= {target}
    assert found(vault, "كرمانشاهي ۱۳۹۹") == set()


def test_zwnj_word_is_found_with_zwnj_space_or_joined(vault: Vault, tmp_path: Path) -> None:
    target = put(vault, tmp_path / "گزارش‌های محمد‌رضا.txt", synthetic("zwnj"))
    put(vault, tmp_path / "محمدعلی.txt", synthetic("other name"))
    for query in ("محمد\u200cرضا", "محمد رضا", "محمدرضا", "گزارش\u200cهای", "گزارشهای"):
        assert found(vault, query) == {target}, query
    assert found(vault, "محمدرضایی") == set()


def test_english_is_found_case_insensitively_and_by_prefix(vault: Vault, tmp_path: Path) -> None:
    target = put(vault, tmp_path / "Protest_Footage_IMG_2041.JPG", synthetic("footage"))
    put(vault, tmp_path / "IMG_2042.txt", synthetic("another"))
    for query in ("img_2041", "IMG_2041.JPG", "2041", "jpg", "PROTEST", "prot foot", "footage"):
        assert found(vault, query) == {target}, query
    assert len(found(vault, "img")) == 2
    assert found(vault, "footages") == set()
    assert found(vault, "2043") == set()


def test_sha256_prefix_and_item_id_are_found(vault: Vault, tmp_path: Path) -> None:
    target = put(vault, tmp_path / "a.txt", synthetic("hash"))
    put(vault, tmp_path / "b.txt", synthetic("other hash"))
    with vault.db.read() as session:
        sha256 = session.get(models.Evidence, target).sha256  # type: ignore[union-attr]
    assert found(vault, sha256[:12]) == {target}
    assert found(vault, sha256[:12].upper()) == {target}
    assert found(vault, sha256) == {target}
    assert found(vault, target) == {target}


def test_note_and_description_become_searchable(vault: Vault, tmp_path: Path) -> None:
    target = put(vault, tmp_path / "x.txt", synthetic("note"), note="شاهد عینی در میدان")
    assert found(vault, "ميدان") == {target}
    assert found(vault, "zephyrine") == set()
    doc_id = page(vault, "ميدان").hits[0].doc_id
    vault.describe(target, "Recorded by volunteer Zephyrine (synthetic)")
    assert found(vault, "zephyr volunteer") == {target}
    assert page(vault, "zephyrine").hits[0].doc_id == doc_id  # updated in place
    vault.describe(target, "changed")
    assert found(vault, "zephyrine") == set()


def test_metadata_values_are_searchable(vault: Vault, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Quillfeather"  # an invented camera maker
    exif[ExifTags.Base.Model] = "Kestrel 9"
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (8, 8), (10, 20, 30)).save(path, "JPEG", exif=exif)
    target = put(vault, path)
    put(vault, tmp_path / "plain.txt", synthetic("plain"))
    assert found(vault, "quillfeather") == {target}
    assert found(vault, "kestrel 9") == {target}
    assert found(vault, "image/jpeg") == {target}


# --- need to know ---------------------------------------------------------------------------


def test_a_collection_never_reveals_another_collections_words(vault: Vault, tmp_path: Path) -> None:
    data = synthetic("shared item")
    item = put(vault, tmp_path / "alpha-name.txt", data, collection="A", note="Marigold")
    assert put(vault, tmp_path / "bravo-name.txt", data, collection="B", note="Tamarind") == item
    only_b, only_a = frozenset({"B"}), frozenset({"A"})
    assert found(vault, "marigold", only_b) == set()
    assert found(vault, "alpha", only_b) == set()
    assert found(vault, "marigold", only_a) == {item}
    [hit] = page(vault, "tamarind", only_b).hits
    assert (hit.collection, hit.filename) == ("B", "bravo-name.txt")
    assert [h.collection for h in page(vault, "marigold").hits] == ["A"]
    assert len(page(vault, "").hits) == 2  # one row per collection
    assert page(vault, "", frozenset()) == Page([], None)
    assert page(vault, "", only_b, collection="A") == Page([], None)


def test_items_in_no_collection_are_seen_only_with_the_empty_name(
    vault: Vault, tmp_path: Path
) -> None:
    loose = put(vault, tmp_path / "loose.txt", synthetic("loose"))
    held = put(vault, tmp_path / "held.txt", synthetic("held"), collection="A")
    assert found(vault, "", frozenset({""})) == {loose}
    assert found(vault, "", frozenset({"A"})) == {held}
    with vault.db.read() as session:
        assert search.collections(session, None) == [("", 1), ("A", 1)]
        assert search.collections(session, frozenset({"A", "Z"})) == [("A", 1)]
        assert search.collections(session, frozenset()) == []


# --- filters ----------------------------------------------------------------------------------


def _wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * 800)
    return path


def test_kind_filter_follows_the_mime_type(vault: Vault, tmp_path: Path) -> None:
    photo = tmp_path / "p.png"
    Image.new("RGB", (4, 4), "red").save(photo, "PNG")
    pdf = b"%PDF-1.4\n%synthetic\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    kinds = {
        "image": put(vault, photo),
        "audio": put(vault, _wav(tmp_path / "a.wav")),
        "document": put(vault, tmp_path / "d.pdf", pdf),
        "other": put(vault, tmp_path / "o.bin", bytes(range(256)) * 4),
    }
    text_item = put(vault, tmp_path / "t.txt", synthetic("text is a document"))
    assert found(vault, kind="document") == {kinds["document"], text_item}
    for kind in ("image", "audio", "other"):
        assert found(vault, kind=kind) == {kinds[kind]}, kind
    assert found(vault, kind="video") == set()
    for hit in page(vault).hits:
        assert hit.evidence_id in found(vault, kind=search.kind_of(hit.mime))
    with pytest.raises(InputError, match="unknown kind"):
        page(vault, kind="images")


def _set_created(vault: Vault, evidence_id: str, at: datetime) -> None:
    """Move an item's arrival: a row is dated by its collection's first acquisition."""
    with vault.db.write() as session:
        session.execute(
            update(models.Evidence).where(models.Evidence.id == evidence_id).values(created_at=at)
        )
        session.execute(
            update(models.Acquisition)
            .where(models.Acquisition.evidence_id == evidence_id)
            .values(at=at)
        )
        search.refresh(session, evidence_id)


def test_date_filter_is_inclusive_on_utc_dates(vault: Vault, tmp_path: Path) -> None:
    late = put(vault, tmp_path / "1.txt", synthetic("late on the 1st"))
    early = put(vault, tmp_path / "2.txt", synthetic("early on the 2nd"))
    later = put(vault, tmp_path / "3.txt", synthetic("the 5th"))
    _set_created(vault, late, datetime(2024, 3, 1, 23, 59, 59, tzinfo=UTC))
    _set_created(vault, early, datetime(2024, 3, 2, 0, 0, 0, tzinfo=UTC))
    _set_created(vault, later, datetime(2024, 3, 5, 12, tzinfo=UTC))
    day = date(2024, 3, 2)
    assert found(vault, date_from=day, date_to=day) == {early}
    assert found(vault, date_to=date(2024, 3, 1)) == {late}
    assert found(vault, date_from=day) == {early, later}
    assert found(vault, "txt", date_from=date(2024, 3, 3)) == {later}
    [hit] = page(vault, date_to=date(2024, 3, 1)).hits
    assert hit.created_at == datetime(2024, 3, 1, 23, 59, 59, tzinfo=UTC)


def test_source_and_collection_filters_are_exact(vault: Vault, tmp_path: Path) -> None:
    tg = put(vault, tmp_path / "1.txt", synthetic("1"), collection="A", source="Telegram X")
    wu = put(vault, tmp_path / "2.txt", synthetic("2"), collection="B", source="Witness upload")
    nb = put(vault, tmp_path / "3.txt", synthetic("3"), collection="B")
    assert found(vault, source="Witness upload") == {wu}
    assert found(vault, source="Witness") == set()
    assert found(vault, collection="B") == {wu, nb}
    assert found(vault, "txt", frozenset({"A", "B"}), collection="A") == {tg}
    with vault.db.read() as session:
        assert search.sources(session, None) == ["Telegram X", "Witness upload"]
        assert search.sources(session, frozenset({"B"})) == ["Witness upload"]
        assert search.sources(session, None, limit=1) == ["Telegram X"]


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "limit"), [("", 25), ("batchfile", 25), ("batch", 40)])
def test_keyset_pages_return_each_item_once_newest_first(
    vault: Vault, tmp_path: Path, query: str, limit: int
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(120):
        (folder / f"batchfile_{n:03d}.txt").write_bytes(synthetic(f"item {n}"))
    put(vault, tmp_path / "unrelated.txt", synthetic("unrelated"))
    assert ingest(vault, [os.fsencode(folder)]).files == 120
    seen: list[Hit] = []
    before, pages = None, 0
    while True:
        result = page(vault, query, before=before, limit=limit)
        seen += result.hits
        pages += 1
        if result.next_before is None:
            break
        assert result.next_before == result.hits[-1].doc_id
        before = result.next_before
    total = 121 if query == "" else 120
    assert pages == -(-total // limit)
    assert len(seen) == len({h.evidence_id for h in seen}) == total
    doc_ids = [h.doc_id for h in seen]
    assert doc_ids == sorted(doc_ids, reverse=True)


def test_limit_is_bounded(vault: Vault) -> None:
    for limit in (0, 1001):
        with pytest.raises(InputError, match="limit"):
            page(vault, limit=limit)


# --- keeping the index --------------------------------------------------------------------------


def test_backfill_indexes_items_whose_rows_are_missing(vault: Vault, tmp_path: Path) -> None:
    data = synthetic("two collections")
    both = put(vault, tmp_path / "both.txt", data, collection="A", note="Marigold")
    put(vault, tmp_path / "both-b.txt", data, collection="B", note="Tamarind")
    loose = put(vault, tmp_path / "loose.txt", synthetic("loose"), note="Juniper")
    with vault.db.write() as session:
        assert search.backfill(session) == 0
        session.execute(delete(models.SearchDoc).where(models.SearchDoc.collection == "B"))
    assert found(vault, "tamarind") == set()
    with vault.db.write() as session:
        assert search.backfill(session) == 1
    assert found(vault, "tamarind", frozenset({"B"})) == {both}
    assert found(vault, "marigold", frozenset({"B"})) == set()
    with vault.db.write() as session:
        session.execute(delete(models.SearchDoc))
        assert search.backfill(session) == 2
        assert search.backfill(session) == 0
        assert session.execute(select(func.count()).select_from(models.SearchDoc)).scalar() == 3
    assert found(vault, "juniper") == {loose}
    assert found(vault, "marigold", frozenset({"A"})) == {both}


def test_refresh_of_an_unknown_item_fails(vault: Vault) -> None:
    with vault.db.write() as session, pytest.raises(NotFound):
        search.refresh(session, "ev-0000000000000000")


# --- hostile queries ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("unicorn OR zebra", "none"),  # OR is a word here, not an operator
        ("zebra | unicorn", "none"),
        ('"zebra" NEAR(unicorn)', "none"),
        ("NEAR(zebra crossing)", "none"),  # "near" must match too
        ("body:zebra", "none"),  # no column filters: "body" must match
        ("zebra -crossing", "zebra"),  # no negation either
        ("zebra & !crossing", "zebra"),
        ("zebra:*", "zebra"),
        ("zeb*", "zebra"),
        ('"zebra', "zebra"),
        ("'zebra'", "zebra"),
        ("^zebra", "zebra"),
        ("zebra <-> crossing", "zebra"),
        ("'; drop table search_doc; --", "none"),
        ("zebra'); DELETE FROM evidence; --", "none"),
        ("\\' OR 1=1 --", "none"),
        ("*", "all"),  # no letters or digits: no text condition
        ('" * : & ! ( ) -', "all"),
    ],
)
def test_hostile_queries_mean_only_their_words(
    vault: Vault, tmp_path: Path, query: str, expected: str
) -> None:
    zebra = put(vault, tmp_path / "zebra_crossing.txt", synthetic("zebra"))
    other = put(vault, tmp_path / "unicorn.txt", synthetic("unicorn"))
    want = {"none": set(), "zebra": {zebra}, "all": {zebra, other}}[expected]
    assert found(vault, query) == want
    assert found(vault, query, frozenset({"no such collection"})) == set()
    assert found(vault, "crossing") == {zebra}  # nothing was dropped or deleted


def test_overlong_queries_are_refused_not_cut(vault: Vault) -> None:
    with pytest.raises(InputError, match="words"):
        page(vault, " ".join(f"w{n}" for n in range(33)))


def test_query_builders_keep_operator_characters_inside_terms(vault: Vault, tmp_path: Path) -> None:
    # Folded terms hold only letters and digits; these raw ones check the quoting on its own.
    put(vault, tmp_path / "zebra.txt", synthetic("zebra"))
    raw = ['a"b', "near(x", "it's", "x:*", "a\\b", "OR", "c-d", "e!f", "g&h|i", "zebra"]
    with vault.db.read() as session:
        if vault.db.is_sqlite:
            sql = "SELECT count(*) FROM search_fts WHERE search_fts MATCH :q"
            build = fts5_query
        else:
            sql = "SELECT count(*) FROM search_doc WHERE to_tsvector('simple', body) @@ to_tsquery('simple', :q)"
            build = tsquery
        assert session.execute(text(sql), {"q": build(raw)}).scalar() == 0
        assert session.execute(text(sql), {"q": build(["zebr"])}).scalar() == 1
    assert fts5_query(['a"b', "OR"]) == '"a""b"* "OR"*'
    assert tsquery(["it's", "a\\b"]) == "'it''s':* & 'a\\\\b':*"


def test_any_cursor_and_any_filter_text_is_an_answer_not_a_crash(
    vault: Vault, tmp_path: Path
) -> None:
    """On PostgreSQL a cursor past the integer column's range and a NUL in a filter were 500s
    (found by the API contract test); a cursor past every id is the first page."""
    one = put(vault, tmp_path / "a.txt", synthetic("cursor"), collection="c1")
    assert found(vault, before=2**40) == found(vault) == {one}
    assert found(vault, q="txt", before=2**62) == {one}
    for field in ("collection", "source"):
        with pytest.raises(InputError, match="NUL"):
            found(vault, **{field: "c\x001"})
