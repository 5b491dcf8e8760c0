"""Markdown to safe HTML: the only way content text becomes markup.

Messages come from files anyone with commit access writes and, later, from the management
API, so raw HTML inside them is never trusted: the rendered HTML goes through nh3 (a
maintained whitelist sanitiser), which drops scripts and styles with their content, event
handler attributes and links with schemes other than the few below.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

EXTENSIONS = ["extra", "sane_lists"]
URL_SCHEMES = {"http", "https", "mailto", "tel"}


_local = threading.local()

# One line of words and plain punctuation, starting with a letter and ending with no
# space: no Markdown syntax of any of `EXTENSIONS` can be in it (no list marker, heading,
# code, emphasis, link, table, footnote, abbreviation, attribute or HTML), so Markdown
# renders it as one paragraph, `<p>text</p>` (tests/test_content_render.py compares the
# two on generated texts). Most status updates are such a line: rendering them without
# Markdown saves loading it (about 30 ms) and its per-text passes.
_WORDS = r"[^\W_]|[.,;:!?'()/%+=-]"  # a letter or digit, or plain punctuation
PLAIN = re.compile(rf"[^\W\d_](?:(?:{_WORDS}| )*(?:{_WORDS}))?")


def render_markdown(text: str) -> str:
    """Render Markdown to sanitised HTML. Safe to embed in a page as is."""
    memo = getattr(_local, "memo", None)
    if memo is not None:
        found = memo.get(text)
        if found is not None:
            return found
    if PLAIN.fullmatch(text):
        html = sanitize_html(f"<p>{text}</p>")
    else:
        # Building a Markdown instance (loading extensions) costs more than rendering a
        # short update, so each thread keeps one and resets it between texts.
        parser = getattr(_local, "parser", None)
        if parser is None:
            parser = _local.parser = _parser()
        html = sanitize_html(parser.reset().convert(text))
    if memo is not None:
        memo[text] = html
    return html


def _parser() -> Any:
    """A Markdown parser with `EXTENSIONS`, built from the extensions' own modules: named
    by string, Markdown first scans every installed package's entry points for them (a
    few ms per build), and "extra" is the list `markdown.extensions.extra.extensions`."""
    import markdown  # here: reading content only to check it renders nothing
    from markdown.extensions import extra

    names = [n for name in EXTENSIONS for n in (extra.extensions if name == "extra" else [name])]
    modules = [importlib.import_module(f"markdown.extensions.{name}") for name in names]
    return markdown.Markdown(
        extensions=[module.makeExtension() for module in modules], output_format="html"
    )


@contextmanager
def remembered(memo: dict[str, str]) -> Iterator[dict[str, str]]:
    """Within the block (in this thread), `render_markdown` takes a text's HTML from
    `memo` when it is there and adds what it renders: the build cache keeps the memo
    between builds, so unchanged incidents are not rendered again (the output is a pure
    function of the text and of the Markdown and nh3 versions, which key the memo)."""
    before = getattr(_local, "memo", None)
    _local.memo = memo
    try:
        yield memo
    finally:
        _local.memo = before


def sanitize_html(html: str) -> str:
    """Keep only harmless tags and attributes; `javascript:` and similar links lose their
    href, `<script>` and `<style>` lose their content too."""
    import nh3

    return nh3.clean(
        html,
        url_schemes=URL_SCHEMES,
        clean_content_tags={"script", "style"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
