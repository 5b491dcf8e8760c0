"""Markdown to safe HTML: the only way content text becomes markup.

Messages come from files anyone with commit access writes and, later, from the management
API, so raw HTML inside them is never trusted: the rendered HTML goes through nh3 (a
maintained whitelist sanitiser), which drops scripts and styles with their content, event
handler attributes and links with schemes other than the few below.
"""

from __future__ import annotations

import threading

import markdown
import nh3

EXTENSIONS = ["extra", "sane_lists"]
URL_SCHEMES = {"http", "https", "mailto", "tel"}


_local = threading.local()


def render_markdown(text: str) -> str:
    """Render Markdown to sanitised HTML. Safe to embed in a page as is."""
    # Building a Markdown instance (loading extensions) costs more than rendering a short
    # update, so each thread keeps one and resets it between texts.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    html = parser.reset().convert(text)
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    """Keep only harmless tags and attributes; `javascript:` and similar links lose their
    href, `<script>` and `<style>` lose their content too."""
    return nh3.clean(
        html,
        url_schemes=URL_SCHEMES,
        clean_content_tags={"script", "style"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
