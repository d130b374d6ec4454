"""gavah's PDQ of each fixture picture is the hash and quality Meta's reference C++ code gives it.

The reference numbers were written by scripts/make_pdq_reference.py (ThreatExchange ``pdq/cpp``
as vendored in pdqhash 0.2.8, compiled with g++, its ``pdqHash256FromFile`` run on each picture
as displayed); see tests/fixtures/pdq/README.md for the pictures. Two of them (a soft cat and
the channel gradients) differed by 2 and 88 bits while gavah went through ``pdqhash.compute``,
whose luma is made in float64: they pin that gavah now computes luma as the reference does.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from gavah.similar import hashing
from gavah.similar.hashing import hash_image

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pdq"
REFERENCE: dict[str, dict[str, Any]] = json.loads(
    (FIXTURES / "reference.json").read_text(encoding="utf-8")
)


def test_fixtures_cover_what_they_should() -> None:
    assert len(REFERENCE) >= 8
    assert all(FIXTURES.joinpath(name).is_file() for name in REFERENCE)
    assert {q["quality"] for q in REFERENCE.values()} >= {0, 100}
    assert any(name.endswith("-large.png") for name in REFERENCE)  # over 512 px: squeezed


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_hash_and_quality_are_the_reference_s(name: str) -> None:
    found = hash_image(FIXTURES / name)
    assert (found.hash, found.quality) == (REFERENCE[name]["hash"], REFERENCE[name]["quality"])


def test_the_reference_s_own_functions_are_called_on_this_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pdqhash.compute is only the fallback for another build of pdqhash; here it must not run.
    assert hashing.REFERENCE is not None
    monkeypatch.setattr(hashing.pdqhash, "compute", _not_called)
    name = "chelsea-106x68-soft.png"
    assert hash_image(FIXTURES / name).hash == REFERENCE[name]["hash"]


def _not_called(*_: Any) -> Any:
    raise AssertionError("pdqhash.compute called")


@pytest.mark.parametrize("name", ["chelsea-151x100.png", "coins-192x152-grey.png"])
def test_without_the_reference_s_symbols_pdqhash_compute_still_hashes(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # Pictures on which pdqhash's float64 luma happens to give the reference's bits.
    monkeypatch.setattr(hashing, "REFERENCE", None)
    found = hash_image(FIXTURES / name)
    assert (found.hash, found.quality) == (REFERENCE[name]["hash"], REFERENCE[name]["quality"])


def test_hashing_in_threads_gives_the_reference_s_hashes() -> None:
    # Intake hashes in its acquire threads, and ctypes lets go of the GIL during each call: the
    # reference's functions keep their state in the buffers each call is given.
    names = sorted(REFERENCE) * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda name: hash_image(FIXTURES / name), names))
    assert [f.hash for f in found] == [REFERENCE[name]["hash"] for name in names]
