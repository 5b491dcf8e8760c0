"""The API documents' encoder for documents that share lists (statusgen/site/documents.py
Dumper): the bytes `dump` writes, whatever the documents hold and share."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from statusgen.site.documents import Dumper, dump

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60)
@given(st.dictionaries(st.text(), VALUES, max_size=6), st.dictionaries(st.text(), VALUES))
def test_documents_sharing_values_are_encoded_as_dump_encodes_them(first, second):
    shared = [value for value in first.values() if type(value) in (list, dict)]
    second = second | {f"shared {i}": value for i, value in enumerate(shared)}
    encode = Dumper()
    assert encode(first) == dump(first)
    assert encode(second) == dump(second)
    assert encode(first) == dump(first)  # a second time, from what it encoded before


@settings(max_examples=60)
@given(VALUES)
def test_anything_but_an_object_with_text_keys_is_dumped(value):
    assert Dumper()(value) == dump(value)
    assert Dumper()({2: value, 1: value}) == dump({2: value, 1: value})
