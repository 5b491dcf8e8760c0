"""The HTML pages of one page in one locale, rendered from a Snapshot with one Jinja2
environment (autoescape on) over the theme: the project's own `site-templates/` first
(any file of the same name overrides the default theme's), then the default theme.

Every link is relative, so the site works at a domain's root, under a GitHub Pages
project path or from a folder; only the 404 page, which a host serves at any path, uses
the page's absolute path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)

from statusgen.config import LOCALES
from statusgen.content.models import Incident, Maintenance
from statusgen.impact import Impact
from statusgen.resources import template_dirs
from statusgen.site.cache import PageCache, page_key, template_digest
from statusgen.site.csp import content_security_policy
from statusgen.site.fragments import Fragments
from statusgen.site.i18n import Messages, messages
from statusgen.site.markup import note_text
from statusgen.site.nodepage import NodeHelpers, notable
from statusgen.site.nodeshell import NodePages
from statusgen.site.snapshot import NodeState, ServiceState, Snapshot

PROJECT_URL = "https://github.com/statusgen/statusgen"
EXAMPLE_URL = "https://status.example.com/"  # embed codes' stand-in without `page.url`
HISTORY_PAGE_SIZE = 20
COLOR_SCHEME = {"light": "light", "dark": "dark", "auto": "light dark"}


def environment(project_root: Path | None = None) -> Environment:
    """The one Jinja2 environment over the theme of the project at `project_root` (the
    default theme alone when None): HTML, XML and SVG autoescaped, undefined names fail.
    Compiled templates are cached (Jinja's per-user cache in the temp folder): compiling
    them is most of a small site's build time."""
    return Environment(
        loader=FileSystemLoader(template_dirs(project_root)),
        bytecode_cache=FileSystemBytecodeCache(),
        auto_reload=False,  # one build: templates do not change under it
        autoescape=select_autoescape(["html", "xml", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class Assets:
    """Logo and banner references, relative to the output root unless absolute URLs."""

    logo: str | None = None
    footer_logo: str | None = None
    banner: str | None = None
    page_logos: tuple[tuple[str, str | None], ...] = ()

    def logo_for(self, slug: str, main: bool) -> str | None:
        return self.logo if main else dict(self.page_logos).get(slug)


@dataclass(frozen=True, slots=True)
class Item:
    """An incident or maintenance in a list (history, service and node pages)."""

    kind: str
    id: str
    title: str
    start: datetime
    value: Incident | Maintenance


def items(incidents: Iterable[Incident], windows: Iterable[Maintenance], now: datetime) -> list:
    """Incidents and started maintenance, newest first."""
    out = [Item("incident", i.id, i.title, i.started, i) for i in incidents]
    out += [Item("maintenance", m.id, m.title, m.starts, m) for m in windows if m.starts <= now]
    return sorted(out, key=lambda item: (item.start, item.id), reverse=True)


def describe(impact: Impact, t: Messages) -> str:
    """The page's banner line in the page's language (impact speaks Statuspage English)."""
    key = "desc_" + impact.description.lower().replace(" ", "_")
    return t(key) if key in t.strings else impact.description


def relative_root(path: str) -> str:
    return "../" * path.count("/")


class PageRenderer:
    """Renders the pages of one Snapshot in one locale into `<prefix><lang dir>`."""

    def __init__(
        self,
        env: Environment,
        snapshot: Snapshot,
        lang: str,
        lang_dir: str,
        assets: Assets,
        picker: bool,
        cache: PageCache | None = None,
        inputs: str = "",
        fragments: Fragments | None = None,
    ) -> None:
        """`cache` (with `inputs`, the build's share of every key): where incident,
        maintenance and history pages are looked up before they are rendered;
        `fragments`: the nodes' settled days' pieces (statusgen.site.fragments)."""
        self.env = env
        self.cache = cache
        self.inputs = inputs
        self.s = snapshot
        self.t = messages(lang)
        self.dir = snapshot.page.prefix + lang_dir
        self.assets = assets
        self.picker = picker
        config = snapshot.config
        labels = {s.id: s.name for s in config.services}
        labels.update({n.id: n.label for _, n in config.iter_nodes()})
        self.labels = labels
        self.helpers = NodeHelpers(self.t, snapshot.now)
        self.helpers.fragments = fragments
        self._contexts: dict[tuple[str, str], dict[str, Any]] = {}
        self._nodes: NodePages | None = None  # see node_page

    def names(self, ids: Iterable[str]) -> str:
        ids = list(ids)
        return ", ".join(self.labels.get(i, i) for i in ids) if ids else self.t("whole_page")

    def context(self, path: str) -> dict[str, Any]:
        """What every template sees, for the page written at `path` (output-relative): a
        new dict, the same for every page of a folder (a thousand node pages) but for the
        language links, which name the page."""
        key = self.folder(path)
        found = self._contexts.get(key)
        if found is None:
            found = self._contexts[key] = self._context(*key)
        return dict(found)

    def folder(self, path: str) -> tuple[str, str]:
        """What the context of the page at `path` shares with its folder's: the way to the
        root and, when the language links name the page, its path inside the language."""
        return relative_root(path), path[len(self.dir) :] if self.picker else ""

    def _context(self, root: str, inner: str) -> dict[str, Any]:
        base = root + self.dir
        page = self.s.page
        return {
            "t": self.t,
            "text": self.t.text,
            "s": self.s,
            "page": page,
            "cfg": self.s.config.page,
            "now": self.s.now,
            "root": root,
            "base": base,
            "home": base or "./",
            "feeds": root + page.prefix,
            "noindex": self.s.config.page.forbid_indexing,
            "color_scheme": COLOR_SCHEME[page.theme],
            "langs": self.lang_links(root, inner),
            "logo": _asset(root, self.assets.logo_for(page.slug, page.main)),
            "footer_logo": _asset(root, self.assets.footer_logo),
            "banner": _asset(root, self.assets.banner),
            "csp": content_security_policy(self.s.config.page.include_html),
            "project_url": PROJECT_URL,
            "h": self.helpers,
            "note_text": note_text,
            "notable": notable,
            "names": self.names,
            "describe": lambda impact: describe(impact, self.t),
        }

    def lang_links(self, root: str, inner: str) -> list[dict[str, str]]:
        if not self.picker:
            return []
        default = self.s.config.page.locale
        return [
            {
                "lang": lang,
                "name": messages(lang).name,
                "href": root + self.s.page.prefix + ("" if lang == default else f"{lang}/") + inner,
            }
            for lang in LOCALES
        ]

    def render(self, template: str, path: str, **extra: Any) -> tuple[str, str]:
        context = self.context(path)
        context.update(extra)
        return path, self.env.get_template(template).render(context)

    def digest(self, name: str) -> str | None:
        """`template_digest` of `name`: once a build through the cache when there is one."""
        cache = self.cache
        return cache.template_digest(self.env, name) if cache else template_digest(self.env, name)

    def cached(self, template: str, path: str, parts: tuple, **extra: Any) -> tuple[str, str]:
        """`render`, through the build cache: `parts` are what the page shows beyond the
        config, the templates, the locale and statusgen itself (see site/cache.py)."""
        cache = self.cache
        digest = cache.template_digest(self.env, template) if cache else None
        if cache is None or digest is None:
            return self.render(template, path, **extra)
        key = page_key(self.inputs, digest, self.t.lang, path, self.picker, self.s.page, *parts)
        found = cache.get(key)
        if found is None:
            path, found = self.render(template, path, **extra)
            cache.put(key, found)
        return path, found

    def pages(self) -> Iterator[tuple[str, str]]:
        """(output-relative path, HTML) of every page."""
        s, d = self.s, self.dir
        yield self.render("index.html", f"{d}index.html")
        url = s.config.page.url
        root_url = (url if url.endswith("/") else url + "/") if url else EXAMPLE_URL
        yield self.render(
            "subscribe.html",
            f"{d}subscribe.html",
            public=s.base_url or root_url + s.page.prefix,
            root_url=root_url,
        )
        yield from self.history()
        for incident in s.incidents:
            path = f"{d}incidents/{incident.id}.html"
            yield self.cached("incident.html", path, (incident,), incident=incident)
        for window in s.maintenance:
            path = f"{d}maintenance/{window.id}.html"
            yield self.cached(
                "maintenance.html", path, (window, window.status(s.now)), window=window
            )
        for service in s.services:
            yield self.render(
                "service.html",
                f"{d}services/{service.id}.html",
                service=service,
                items=items(
                    _union(n.incidents for n in service.nodes),
                    _union(n.maintenance for n in service.nodes),
                    s.now,
                ),
            )
            for node in service.nodes:
                yield self.node_page(f"{d}nodes/{node.service}/{node.id}.html", node, service)

    def node_page(self, path: str, node: NodeState, service: ServiceState) -> tuple[str, str]:
        """A node page: its per-pass part set into its shell (statusgen.site.nodeshell)."""
        now = self.s.now
        listed = items(node.incidents, node.maintenance, now)
        context = self.context(path)
        context.update(node=node, service=service, items=listed)
        shown = tuple((i, i.value.status(now) if i.kind == "maintenance" else "") for i in listed)
        folder = self.folder(path)
        if self._nodes is None:  # what every shell's key shares, hashed once
            shell = self.digest("node.html")
            key = page_key(self.inputs, shell, self.t.lang, self.picker, self.s.page)
            own = shell is None, self.digest("_node_pass.html") is None
            self._nodes = NodePages(self.env, self.helpers, self.cache, key, *own)
        return path, self._nodes.page(node, context, shown, folder)

    def history(self) -> Iterator[tuple[str, str]]:
        """The incident history, newest first, grouped by month, HISTORY_PAGE_SIZE items
        a page: history.html, then history/2.html, ..."""
        listed = items(self.s.incidents, self.s.maintenance, self.s.now)
        chunks = [
            listed[i : i + HISTORY_PAGE_SIZE] for i in range(0, len(listed), HISTORY_PAGE_SIZE)
        ] or [[]]
        for number, chunk in enumerate(chunks, start=1):
            months: list[dict[str, Any]] = []
            for item in chunk:
                label = self.t.month(item.start.year, item.start.month)
                if not months or months[-1]["label"] != label:
                    months.append({"label": label, "entries": []})
                months[-1]["entries"].append(item)
            path = f"{self.dir}history.html" if number == 1 else f"{self.dir}history/{number}.html"
            # A maintenance window's state changes with time; an incident's with its file.
            shown = tuple(
                (item, item.value.status(self.s.now) if item.kind == "maintenance" else "")
                for item in chunk
            )
            yield self.cached(
                "history.html",
                path,
                (shown, number, len(chunks)),
                months=months,
                number=number,
                pages=len(chunks),
            )

    def not_found(self) -> tuple[str, str]:
        """404.html at the output root: links are absolute, from the page URL's path."""
        url = self.s.config.page.url
        absolute = (urlsplit(url).path if url else "/") or "/"
        absolute = absolute if absolute.endswith("/") else absolute + "/"
        context = self.context("404.html")
        context.update(root=absolute, base=absolute, home=absolute, feeds=absolute, langs=[])
        for key in ("logo", "footer_logo", "banner"):
            value = {"logo": self.assets.logo, "footer_logo": self.assets.footer_logo}.get(
                key, self.assets.banner
            )
            context[key] = _asset(absolute, value)
        return "404.html", self.env.get_template("404.html").render(context)


def _asset(root: str, value: str | None) -> str | None:
    """A logo or banner: absolute URLs as they are, copied files relative to the root."""
    if value is None:
        return None
    if value.startswith(("http://", "https://", "data:", "/")):
        return value
    return root + value


def _union(groups: Iterable[Iterable[Any]]) -> list[Any]:
    """Items of several lists, each once (by id), in first-seen order."""
    seen: dict[str, Any] = {}
    for group in groups:
        for item in group:
            seen.setdefault(item.id, item)
    return list(seen.values())
