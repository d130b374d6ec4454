"""Log entries are RFC 8785 canonical JSON: the fast path agrees with the rfc8785 package."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785

from gavah.custody.entry import canonical_json, decode_entry, encode_entry
from gavah.errors import IntegrityError

TRICKY: list[Any] = [
    {"b": 1, "a": [True, False, None], "A": "x", "_": {}},
    {"s": 'control \x00\x01\x1f\x7f tab\t nl\n cr\r bs\b ff\f quote" backslash\\ slash/'},
    {"fa": "گواه\u200cها ي ی ك ک", "emoji": "\U0001f600", "ls": "\u2028\u2029"},
    {"n": 2**53 - 1, "m": -(2**53) + 1, "z": 0, "neg": -7},
    {"nested": [[[]], [{}], [{"k": [1, "2", None]}]]},
    [],
    "just a string",
]


@pytest.mark.parametrize("value", TRICKY)
def test_fast_path_equals_rfc8785(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [{"f": 1.5}, {"f": 1e21}, {"big": 2**60 // 3 * 3 + 0.0}, {"\U0001f600": 1, "\ue000": 2}],
)
def test_other_values_go_to_rfc8785(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


def test_lone_surrogate_is_refused_like_rfc8785() -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_json({"s": "\ud800"})


def test_integers_beyond_double_precision_are_refused() -> None:
    with pytest.raises(rfc8785.IntegerDomainError):
        canonical_json({"n": 2**60})


def test_non_canonical_entries_are_refused() -> None:
    entry = encode_entry({"kind": "x", "at": "2026-01-01T00:00:00.000000Z"})
    assert decode_entry(entry)["kind"] == "x"
    with pytest.raises(IntegrityError, match="canonical"):
        decode_entry(entry.replace(b",", b", ", 1))
    with pytest.raises(IntegrityError, match="JSON"):
        decode_entry(entry[:-1])
