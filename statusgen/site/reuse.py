"""Files that show content and dates, not the passes (the feeds and `maintenance.ics`),
taken from the build before when they would be made of the same values.

Each is made in two steps: the values it shows, computed on every build (cheap), then
the writing of the file from them alone (a Jinja template, icalendar), which is what a
build skips. The file is kept in the build cache (`<state>/build-cache/files/`, a
PageCache of its own: statusgen/site/cache.py) under a key over those values and over
everything that writes them: statusgen's code and locale files, the versions of the
libraries that write the file and the template by source (a file whose template the
project overrides is always written afresh). As the key holds the values
themselves, a new pass, a new day or a content edit that changes any of them changes the
key; one that changes none of them gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import Environment

from statusgen.site.cache import PageCache, code_digest, page_key, versions

FOLDER = "files"  # below the build cache's folder


def kept(cache: PageCache | None, parts: tuple, make: Callable[[], str]) -> str:
    """`make()`, or the text the build before kept under `parts` (with statusgen's code)."""
    if cache is None:
        return make()
    key = page_key(code_digest(), *parts)
    text = cache.get(key)
    if text is None:
        text = make()
        cache.put(key, text)
    return text


def rendered(
    cache: PageCache | None, env: Environment, name: str, values: dict, helpers: dict
) -> str:
    """Template `name` rendered with `values` (data: part of the key) and `helpers`
    (functions of statusgen's code), or the text the build before kept for the same."""
    digest = cache.template_digest(env, name) if cache is not None else None
    if digest is None:  # no cache, or the project's own template
        return env.get_template(name).render(values | helpers)
    parts = (digest, versions("jinja2", "markupsafe"), sorted(values.items()))
    return kept(cache, parts, lambda: env.get_template(name).render(values | helpers))
