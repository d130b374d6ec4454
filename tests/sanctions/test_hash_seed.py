"""Screening gives the same pairs, scores and explanations whatever Python's hash seed.

FtM gives an entity's name-typed values as a set, in an order that changes with the hash seed
(``PYTHONHASHSEED``) from one process to the next; a name's blocking keys are a set too. So
the same small screening runs in processes with different seeds, and must print the same.
The people and bodies here are synthetic."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gavah

# Each entry holds several spellings that all agree with the query in full, so which one an
# explanation shows (and which reading of names read alike is kept) is a tie that the order of
# the names decides; a body with no name equal to its caption is looked up in the known-bodies
# table under one of its names.
_SCREEN = """
import json
from followthemoney import model
from gavah.sanctions import match

def record(schema, eid, source, names):
    e = model.make_entity(schema)
    e.id = eid
    e.add("name", names[0])
    e.add("alias", names[1:])
    return match.record(e, f"list:{source}:{eid}", source, eid)

queries = [
    record("Person", "q1", "q", ["Ali Rezaei"]),
    record("Person", "q2", "q", ["Hamid Karimpour"]),
    record("Organization", "q3", "q", ["Evin Prison"]),
]
listed = [
    record("Person", "1", "l", ["ALI REZAEI", "Ali Rezaei", "Ali  Rezaei", "REZAEI, Ali",
                                "Rezaei, Ali", "ali rezaei", "Ali Rezaee"]),
    record("Person", "2", "l", ["KARIMPOUR, Hamid", "Hamid Karimpour", "HAMID KARIMPOUR",
                                "Hamid  Karimpour", "karimpour, hamid", "حمید کریم‌پور"]),
    record("Organization", "3", "l", ["EVIN PRISON", "Evin Prison", "Evin prison",
                                      "Zendan-e Evin", "زندان اوین", "evin prison"]),
]
found = match.screen(queries, match.Index(listed), threshold=0.0)
print(json.dumps([{**m.to_dict(), "exact": m.score} for m in found], ensure_ascii=False))
"""


def _screened(seed: str) -> subprocess.Popen[str]:
    src = str(Path(gavah.__file__).resolve().parents[1])
    path = os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": path}
    return subprocess.Popen(
        [sys.executable, "-c", _SCREEN], env=env, stdout=subprocess.PIPE, text=True
    )


def test_screening_does_not_depend_on_the_hash_seed() -> None:
    running = [_screened(seed) for seed in ("1", "2")]  # two processes at once: two cores
    printed = [proc.communicate(timeout=60)[0] for proc in running]
    assert all(proc.returncode == 0 for proc in running)
    assert printed[0].count('"decision"') >= 3  # every query found its entry
    assert printed[0] == printed[1]
