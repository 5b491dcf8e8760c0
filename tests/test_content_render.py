"""The Markdown parser is built from the extensions' modules (no scan of every installed
package's entry points) and renders exactly what naming the extensions renders."""

from __future__ import annotations

import threading
from pathlib import Path

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statusgen.content import render

ROOT = Path(__file__).resolve().parents[1]
FEATURES = """
Term
:   Definition with *emphasis* and `code`.

| a | b |
|---|---|
| 1 | 2 |

Text with a footnote.[^1] and an HTML abbreviation.

*[HTML]: Hyper Text Markup Language

[^1]: The note.

```python
print("fenced")
```

A paragraph {: #anchor .klass }

<div markdown="1">*inside* html</div>

1. one
2. two

* a
* b
"""


def test_the_parser_is_built_without_scanning_entry_points(monkeypatch):
    def scan() -> None:
        raise AssertionError("entry points scanned")

    monkeypatch.setattr(markdown.util, "get_installed_extensions", scan)
    parser = render._parser()
    assert "<table>" in parser.convert(FEATURES)


@pytest.mark.parametrize(
    "text",
    [FEATURES, *(p.read_text() for p in sorted((ROOT / "docs").glob("*.md")))],
    ids=["features", *(p.name for p in sorted((ROOT / "docs").glob("*.md")))],
)
def test_it_renders_what_the_named_extensions_render(text):
    named = markdown.Markdown(extensions=render.EXTENSIONS, output_format="html")
    assert render._parser().convert(text) == named.convert(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(render.PLAIN, fullmatch=True))
def test_a_plain_line_is_the_paragraph_markdown_makes_of_it(text):
    assert render._parser().convert(text) == f"<p>{text}</p>"


@pytest.mark.parametrize(
    "text",
    ["1. one", "- a", "A *b*", "A_b_", "A `b`", "A [b](c)", "A <b>", "A & b", "A\nb", "A  "],
)
def test_a_line_with_markdown_syntax_is_not_plain(text):
    assert not render.PLAIN.fullmatch(text)


def _slow(text: str) -> str:
    """What render_markdown wrote before its plain-line shortcut: Markdown, then nh3."""
    return render.sanitize_html(render._parser().reset().convert(text))


# Lines one step from plain that Markdown reads otherwise (or might): a hard break, a
# setext underline, lists, typographic and autolink candidates, footnote, abbreviation
# and definition syntax, an escape, other scripts, marks, joiners, RTL and NUL.
HOSTILE = [
    *("Fixed  ", "Fixed\\", "Down\n===", "Down\n---", "1) one", "A 1) b", "+ a", "A + b"),
    *("A (c) 2026", "See http://x", "See <http://x>", "A [^1] b", "*[API]: x", "Term\n: def"),
    *("100% done", "A -- b --- c", "It's 'quoted'", "A = b", "A:b/c", "Ça répond 503 (encore)!"),
    *("שלום עולם", "مرحبا", "e\u0301\u200d\u202e", "A\x00b", "A\u2028b", "a" * 3000, "A\tb"),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_line_renders_as_markdown_renders_it_plain_or_not(text):
    assert render.render_markdown(text) == _slow(text)


# A plain line with up to three pieces of syntax put in anywhere: texts on PLAIN's edge.
SYNTAX = [*"*_`[]#<>&\\~|{}^\t\n", "  ", "\n===", "1) ", "+ ", "http://x", "[^1]", "\n: "]
NEAR_PLAIN = st.builds(
    lambda text, syntax: (
        "".join(piece for i, char in enumerate(text) for piece in (syntax.get(i, ""), char))
        + syntax.get(len(text), "")
    ),
    st.from_regex(render.PLAIN, fullmatch=True) | st.from_regex(r"[aZé][ab1 .,;:!?'()/%+=-]*"),
    st.dictionaries(st.integers(0, 12), st.sampled_from(SYNTAX), max_size=3),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NEAR_PLAIN)
def test_a_line_near_plain_renders_as_markdown_then_nh3_render_it(text):
    assert render.render_markdown(text) == _slow(text)


def test_plain_lines_are_rendered_without_building_a_markdown_parser():
    found = {}

    def in_a_new_thread() -> None:
        found["html"] = render.render_markdown("We are looking into it (again).")
        found["parser"] = getattr(render._local, "parser", None)

    thread = threading.Thread(target=in_a_new_thread)
    thread.start()
    thread.join()
    assert found == {"html": "<p>We are looking into it (again).</p>", "parser": None}
