"""The Markdown parser is built from the extensions' modules (no scan of every installed
package's entry points) and renders exactly what naming the extensions renders."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

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
