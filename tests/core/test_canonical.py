"""Canonical JSON: the byte form behind every hash and signature."""
import pytest

from examserver.canonical import canonical_bytes, digest


def test_sorted_keys_utf8_no_whitespace():
    assert canonical_bytes({"b": 1, "a": ["ң", True, None]}) == '{"a":["ң",true,null],"b":1}'.encode()


def test_floats_are_refused_with_their_path():
    with pytest.raises(TypeError, match=r"float at \$.score\[1\]"):
        canonical_bytes({"score": [1, 2.5]})


def test_digest_is_stable():
    assert digest({"x": "Өмүр"}) == digest({"x": "Өмүр"})
    assert digest({"x": 1}) != digest({"x": 2})
