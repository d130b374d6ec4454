"""The stored candidate index (gavah.sanctions.index): the same candidates as match.Index, built
on import, kept private, loaded instead of rebuilt, and built again when missing, stale or
unreadable. The lists are the real excerpts in tests/fixtures/sanctions."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from gavah.errors import IntegrityError
from gavah.sanctions import formats, index, match
from gavah.sanctions.index import Indexes, StoredIndex
from gavah.sanctions.store import Sanctions
from gavah.vault import Vault, canonical_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"
LISTS = (
    ("ofac", "us", FIXTURES / "ofac", "ofac"),
    ("eu-hr", "eu", FIXTURES / "eu_oj_32011R0359_excerpt.csv", "eu-csv"),
    ("un", "un", FIXTURES / "un_sc_consolidated_excerpt.xml", "un-xml"),
)


def payloads(name: str, jurisdiction: str, path: Path, fmt: str) -> list[index.Payload]:
    """A list's entries as the stored index reads them, in source-id order."""
    rows = [
        (name, jurisdiction, e.source_id, canonical_text(e.entity.to_dict()),
         canonical_text(list(e.programs)), e.listed_on)
        for e in formats.read(path, fmt)
    ]  # fmt: skip
    return [index.row_payload(r) for r in sorted(rows, key=lambda r: r[2])]


def records(found: list[index.Payload]) -> list[match.Record]:
    return [r for r in map(index.record_of, found) if r is not None]


@pytest.fixture(scope="module")
def every_list() -> dict[str, list[index.Payload]]:
    return {spec[0]: payloads(*spec) for spec in LISTS}


def refs(found: list[match.Record]) -> list[str]:
    return [r.ref for r in found]


def test_the_same_candidates_as_the_in_memory_index(
    every_list: dict[str, list[index.Payload]], tmp_path: Path
) -> None:
    entries = every_list["ofac"]
    stored = index.build(tmp_path / "ofac.1.npz", {"list": "ofac"}, entries, workers=1)
    memory = match.Index(records(entries))
    assert len(stored) == len(memory)
    queries = records(every_list["eu-hr"]) + records(every_list["un"]) + memory.records
    assert sum(1 for q in queries if memory.candidates(q)) > 10  # the lists share people
    for q in queries:
        assert refs(stored.candidates(q)) == refs(memory.candidates(q)), q.ref
        assert refs(stored.candidates(q, limit=3)) == refs(memory.candidates(q, limit=3))
        for found in memory.candidates(q):
            assert stored.namesakes(q, found) == memory.namesakes(q, found)


def test_the_keys_an_index_is_built_from_are_the_records_keys(
    every_list: dict[str, list[index.Payload]],
) -> None:
    """The build reads keys alone (match.blocking_keys), without the rest of the record: for
    every entry of the three lists, and for names that are hard to read, the same kind and
    keys as the whole record, and None exactly where the record is unreadable."""
    from followthemoney import model

    entities = [model.get_proxy(p["entity"]) for entries in every_list.values() for p in entries]
    for schema, names in (
        ("Person", ["Mohammad Reza Naqdi", "محمدرضا نقدی", "NAQDI, Mohammad Reza"]),
        ("Person", ["Hojjat al-Eslam Ali Sadeghi (synthetic)", "Saleh-Nejad (synthetic)"]),
        ("PublicBody", ["Evin Prison", "زندان اوین"]),
        ("Organization", ["IRGC"]),
        ("Organization", ["1st branch of the Revolutionary Court of Tehran"]),
        ("Person", ["—", "…"]),  # nothing readable
    ):
        entity = model.make_entity(schema)
        entity.id = "x"
        entity.add("name", names)
        entities.append(entity)
    unreadable = 0
    for entity in entities:
        rec = match.readable(entity, "ref", "src", "id")
        keys = match.blocking_keys(entity)
        if rec is None:
            unreadable += 1
            assert keys is None, entity.to_dict()
        else:
            assert keys == (rec.kind, rec.names.keys), entity.to_dict()
    assert unreadable >= 1 and len(entities) - unreadable > 80


def test_several_lists_are_searched_as_one_index(
    every_list: dict[str, list[index.Payload]], tmp_path: Path
) -> None:
    parts = [
        index.build(tmp_path / f"{name}.1.npz", {"list": name}, entries, workers=1)
        for name, entries in every_list.items()
    ]
    union = StoredIndex.union(parts)
    memory = match.Index(r for entries in every_list.values() for r in records(entries))
    assert len(union) == len(memory)
    for q in memory.records:
        assert refs(union.candidates(q)) == refs(memory.candidates(q)), q.ref


def test_a_stored_record_is_the_record_the_entry_makes(
    every_list: dict[str, list[index.Payload]], tmp_path: Path
) -> None:
    entries = every_list["eu-hr"]
    stored = index.build(tmp_path / "eu.1.npz", {"list": "eu-hr"}, entries, workers=1)
    for i, expected in enumerate(records(entries)):
        got = stored.record(i)
        assert got == expected and got.extra == expected.extra
        assert got.extra["jurisdiction"] == "eu" and isinstance(got.extra["programs"], tuple)
    listed = list(stored.payloads())
    assert [p["name"] for p in listed] == [r.name for r in records(entries)]


def test_screening_takes_a_stored_index(
    every_list: dict[str, list[index.Payload]], tmp_path: Path
) -> None:
    entries = every_list["ofac"]
    stored = index.build(tmp_path / "ofac.1.npz", {"list": "ofac"}, entries, workers=1)
    queries = records(every_list["eu-hr"])
    ours = [m.to_dict() for m in match.screen(queries, stored)]
    theirs = [m.to_dict() for m in match.screen(queries, match.Index(records(entries)))]
    assert ours == theirs and ours


def test_worker_processes_build_the_same_file(
    every_list: dict[str, list[index.Payload]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = every_list["ofac"] + every_list["eu-hr"]
    one = index.build(tmp_path / "one.npz", {"list": "x"}, entries, workers=1)
    monkeypatch.setattr(index, "PARALLEL_FROM", 1)
    monkeypatch.setattr(index, "CHUNK", 10)
    two = index.build(tmp_path / "two.npz", {"list": "x"}, entries, workers=2)
    for name in ("key_hash", "key_start", "postings", "kind", "payload", "payload_start"):
        assert np.array_equal(getattr(one.parts[0], name), getattr(two.parts[0], name)), name


def test_the_file_is_private_and_holds_no_code(
    every_list: dict[str, list[index.Payload]], tmp_path: Path
) -> None:
    folder = tmp_path / "index"
    path = folder / "ofac.1.npz"
    index.build(path, {"list": "ofac"}, every_list["ofac"], workers=1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in folder.iterdir()] == ["ofac.1.npz"]  # no temporary file left
    # A file holding a pickled object is refused, not unpickled.
    hostile = tmp_path / "hostile.npz"
    np.savez(hostile, key_hash=np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(IntegrityError, match="cannot be read"):
        StoredIndex.load(hostile)
    # So is a damaged one.
    damaged = tmp_path / "damaged.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        StoredIndex.load(damaged)


# --- in the workspace ----------------------------------------------------------------------------


def test_missing_folders_are_made_private(
    every_list: dict[str, list[index.Payload]], tmp_path: Path
) -> None:
    path = tmp_path / "index" / "sanctions" / "ofac.1.npz"
    index.build(path, {"list": "ofac"}, every_list["ofac"][:3], workers=1)
    for folder in (tmp_path / "index", tmp_path / "index" / "sanctions"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def index_files(vault: Vault) -> list[str]:
    folder = vault.ws.settings.workspace / "index" / "sanctions"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_importing_a_list_builds_its_index(vault: Vault) -> None:
    store = Sanctions(vault)
    snap = store.import_list(FIXTURES / "ofac", "ofac", "ofac")
    assert index_files(vault) == [f"ofac.{snap['id']}.npz"]
    path = vault.ws.settings.workspace / "index" / "sanctions" / f"ofac.{snap['id']}.npz"
    built = path.stat().st_mtime_ns
    loaded = Indexes(store).of_list("ofac")
    assert path.stat().st_mtime_ns == built, "a current index is loaded, not built again"
    manifest = loaded.manifests[0]
    assert (
        manifest["snapshot"] == snap["id"] and manifest["entries_sha256"] == snap["entries_sha256"]
    )
    assert manifest["code"] == index.code_version()
    memory = match.Index(
        records(
            [
                index.row_payload(r)
                for r in sorted(store.entry_rows("ofac", snap["id"]), key=lambda r: r[2])
            ]
        )
    )
    assert len(loaded) == len(memory) == manifest["entries"]


def test_a_new_snapshot_replaces_the_old_index(vault: Vault, tmp_path: Path) -> None:
    store = Sanctions(vault)
    first = store.import_list(FIXTURES / "ofac", "ofac", "ofac")
    store.import_list(FIXTURES / "eu_oj_32011R0359_excerpt.csv", "eu-csv", "eu.hr")
    smaller = tmp_path / "ofac"
    smaller.mkdir()
    lines = (FIXTURES / "ofac" / "sdn.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (smaller / "sdn.csv").write_text("".join(lines[:10]), encoding="utf-8")
    second = store.import_list(smaller, "ofac", "ofac")
    assert second["id"] != first["id"]
    # The other list's file stays, though its name starts like this one's.
    assert index_files(vault) == sorted([f"ofac.{second['id']}.npz", "eu.hr.2.npz"])
    assert len(Indexes(store).of_list("ofac")) <= 10


def test_a_missing_stale_or_damaged_index_is_built_again(vault: Vault) -> None:
    store = Sanctions(vault)
    snap = store.import_list(FIXTURES / "eu_oj_32011R0359_excerpt.csv", "eu-csv", "eu-hr")
    path = vault.ws.settings.workspace / "index" / "sanctions" / f"eu-hr.{snap['id']}.npz"
    size = len(Indexes(store).of_list("eu-hr"))
    path.unlink()
    assert len(Indexes(store).of_list("eu-hr")) == size and path.exists()
    # Made by other code (the manifest names another code version): stale.
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    manifest = json.loads(arrays["manifest"].tobytes())
    arrays["manifest"] = np.frombuffer(
        json.dumps({**manifest, "code": "older"}).encode(), dtype=np.uint8
    )
    with path.open("wb") as f:
        np.savez(f, allow_pickle=False, **arrays)
    again = Indexes(store).of_list("eu-hr")
    assert again.manifests[0]["code"] == index.code_version()
    path.write_bytes(b"not an index")
    assert len(Indexes(store).of_list("eu-hr")) == size
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    os.utime(path)
    rebuilt = Indexes(store).of_list("eu-hr", rebuild=True)
    assert len(rebuilt) == size
