"""Badges (statusgen/site/badges.py) measure and escape each text once and write shields'
endpoint JSON by hand: the same bytes as measuring character by character, escaping the
whole title and `json.dumps`, whatever a label holds."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from statusgen.site import badges

# Hostile texts: markup and quotes, the widths' own classes, other scripts, combining
# marks, joiners, RTL marks, control characters, lone surrogates, line separators.
TEXT = st.text(
    st.sampled_from("&<>\"'\\/ ijlmwMW%AZ09é\u0301\u200d\u202e\u2028\u2029\x00\x1f\ud800ß日😀")
    | st.characters(blacklist_categories=()),
    max_size=16,
)


def _width(text: str) -> int:
    """The width character by character, as badges measured before it kept widths."""
    width = 0.0
    for char in text:
        if char in badges._NARROW:
            width += badges._NARROW[char]
        elif char in badges._WIDE:
            width += badges._WIDE[char]
        elif char.isdigit() or char.isupper():
            width += 7.0
        else:
            width += 6.5
    return round(width)


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT, st.sampled_from(["red", "#abc", 'a"&<b>']) | TEXT)
def test_a_badge_is_what_measuring_escaping_and_json_dumps_write(label, message, color):
    body = {"schemaVersion": 1, "label": label, "message": message, "color": color}
    expected = json.dumps(body, ensure_ascii=False, sort_keys=True) + "\n"
    assert badges.endpoint(label, message, color) == expected
    assert badges.text_width(label) == _width(label)
    svg = badges.svg(label, message, color)
    title = escape(f"{label}: {message}")
    assert f'width="{_width(label) + _width(message) + 20}"' in svg
    assert f'aria-label="{title}"><title>{title}</title>' in svg
    assert f">{escape(label)}</text>" in svg and f">{escape(message)}</text>" in svg
