"""The build cache: pages rendered by an earlier build, kept in the state folder
(`<state>/build-cache/pages.pack`) and used again when nothing they show has changed.

A page's key is a SHA-256 over everything its bytes depend on:

- statusgen itself: its version and the bytes of its code and locale files, so an
  upgrade (or an edited checkout) renders everything afresh;
- the templates the page's template reaches (`extends`, `include`, `import`), by
  source, so editing `incident.html` re-renders incident pages only, and `_base.html`
  every page;
- the whole config (every page shows its name, links and labels) and the logos;
- the locale and the folder it renders into;
- the page's own content: the incident, the maintenance window and its state at the
  build's moment, or the items of a history page.

The HTML of content Markdown (incident updates, maintenance and announcement texts) is
kept too (`markdown.json`), by text, under a key over statusgen's code and the Markdown
and nh3 versions: loading 200 incidents renders only the texts that changed.

A node page is its per-pass part (`_node_pass.html`, rendered every build) set into its
shell (`node.html`), one per service and listed items with a stand-in for the node's
label, which is kept here (statusgen.site.nodeshell). Service and home pages
and the API documents show the latest pass: they are rendered on every build. Pages whose
templates the project overrides are never taken from the cache (an override may show
anything). `statusgen build --full` reads nothing from it (and refills it, but for node
shells: a full build renders them without keeping them). Whatever a build did not use is removed
from the cache at its end, so it holds one build's pages. The raw passes decoded by the
build before are kept beside it, in `raw/` (statusgen.history.rawindex), and the
settled days' part of each node's bars and daily chart in `fragments.json`
(statusgen.site.fragments).

The pages are one file, `pages.pack` (a JSON list of keys and lengths on its first line,
then the pages one after the other, sealed as a whole): a build that changed none of
them does not write it, one that did writes it once. A file per page cost a full build
(on CI, with no state folder kept, every build) a temporary file, a rename and a
directory entry per page.

A template change that makes an incident, maintenance or history page or a node page's
shell show something that changes with the passes must add it to that page's key
(`PageRenderer.cached`, `PageRenderer.node_page`):
`tests/test_site_incremental.py`, which builds both ways over a few passes, fails until
it does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from jinja2 import Environment

import statusgen
from statusgen.files import seal, stat_digest, unseal, write_atomic
from statusgen.resources import theme_dir

FOLDER = "build-cache"
PACK = "pages.pack"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """statusgen's version and the name, size and mtime of each of its Python and locale
    files (an upgrade or an edited checkout changes them)."""
    root = Path(statusgen.__file__).parent
    code = [p for p in sorted(root.rglob("*")) if p.suffix in (".py", ".json", ".toml")]
    return stat_digest(code, statusgen.__version__, root=root)


@lru_cache(maxsize=1)
def markdown_digest() -> str:
    """What the HTML of a Markdown text depends on besides the text: statusgen's code and
    the Markdown and nh3 versions."""
    return page_key(code_digest(), *versions("markdown", "nh3"))


@lru_cache(maxsize=8)
def versions(*names: str) -> tuple[str, ...]:
    """The installed versions of the libraries `names`, read without importing them."""
    return tuple(_version(name) for name in names)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
        return ""


class PageCache:
    """Rendered pages by key, and the HTML of content Markdown by text. With `read`
    False (`--full`) nothing is taken from it, but what the build renders is kept for the
    next one."""

    def __init__(self, folder: Path, read: bool = True) -> None:
        self.folder = folder
        self.file = folder / PACK
        self.markdown_file = folder / "markdown.json"
        self.read = read
        self.used: set[str] = set()
        self._markdown: Memo | None = None
        self._markdown_kept: dict[str, str] | None = None
        self.new: dict[str, bytes] = {}
        self.hits = 0
        self._templates: dict[str, str | None] = {}
        self._old: dict[str, bytes] | None = None

    def get(self, key: str) -> str | None:
        """The page stored under `key`, or None (also when the pack is not whole: it is
        written without fsync, see `save`)."""
        self.used.add(key)
        if not self.read:
            return None
        page = self.stored().get(key)
        if page is None:
            return None
        self.hits += 1
        return page.decode()

    def stored(self) -> dict[str, bytes]:
        """The pages of the pack by key (read once; empty when missing or not whole)."""
        if self._old is None:
            try:
                self._old = unpack(self.file.read_bytes())
            except OSError:
                self._old = {}
        return self._old

    def markdown(self) -> dict[str, str]:
        """The Markdown memo of the last build (empty when unreadable, stale or `--full`),
        for `statusgen.content.render.remembered`; `save` keeps the texts this build
        asked for."""
        memo = self._markdown = Memo()
        if not self.read:
            return memo
        try:
            found = json.loads(self.markdown_file.read_bytes())
        except (OSError, ValueError):
            return memo
        if type(found) is dict and found.get("key") == markdown_digest():
            html = found.get("html")
            if type(html) is dict:
                memo.update((k, v) for k, v in html.items() if type(k) is str and type(v) is str)
                self._markdown_kept = html
        return memo

    def put(self, key: str, page: str) -> None:
        self.used.add(key)
        self.new[key] = page.encode()

    def save(self) -> None:
        """Keep the pages this build used (new or from the pack) and nothing else, and
        the Markdown texts it asked for; a file whose content would not change is not
        written. A cache that cannot be written only costs the next build time.

        Nothing here is fsynced (each file still takes its name with one rename): after
        a crash the pack may be stale, empty or torn. A stale one is still right (a key
        names what the page shows), a torn or empty one fails its checksum (`unseal`)
        and its pages are rendered again, as is an unreadable Markdown memo. A synced
        write cost a flush to disk."""
        with contextlib.suppress(OSError):
            old = self.stored() if self.read else {}
            pages = {}
            for key in sorted(self.used):
                page = self.new.get(key, old.get(key))
                if page is not None:
                    pages[key] = page
            if not self.read or self.new or pages.keys() != old.keys():
                write_atomic(self.file, pack(pages), mode=0o600, sync=False)
            if (self.folder / "pages").is_dir():  # a file per page, before the pack
                shutil.rmtree(self.folder / "pages", ignore_errors=True)
            memo = self._markdown
            if memo is not None:
                kept = {text: memo[text] for text in sorted(memo.asked) if text in memo}
                if kept != self._markdown_kept:
                    document = {"key": markdown_digest(), "html": kept}
                    text = json.dumps(document, ensure_ascii=False)
                    write_atomic(self.markdown_file, text, mode=0o600, sync=False)

    def template_digest(self, env: Environment, name: str) -> str | None:
        """A digest of `name` and every template it reaches, or None when the project
        overrides one of them (such a page is always rendered)."""
        if name not in self._templates:
            self._templates[name] = template_digest(env, name)
        return self._templates[name]


def pack(pages: dict[str, bytes]) -> bytes:
    """`pages` as one sealed file: their keys and lengths, then their bytes."""
    index = json.dumps([[key, len(page)] for key, page in pages.items()]).encode()
    return seal(b"\n".join((index, *pages.values())))


def unpack(data: bytes) -> dict[str, bytes]:
    """The pages of a `pack` (empty when it is not whole or not a pack)."""
    whole = unseal(data)
    if whole is None:
        return {}
    head, _, body = whole.partition(b"\n")
    try:
        index = json.loads(head)
        pages, start = {}, 0
        for key, size in index:
            pages[key], start = body[start : start + size], start + size + 1
    except (ValueError, TypeError):
        return {}
    return pages if start == len(body) + 1 else {}


class Memo(dict):
    """A dict that notes which keys were asked for (`get`)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key, default=None):  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)


def template_digest(env: Environment, name: str) -> str | None:
    """A digest of the default theme's `name` and every template it reaches, or None when
    the project overrides one of them."""
    default = theme_dir().resolve()
    digest = hashlib.sha256()
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        source, filename, _ = env.loader.get_source(env, current)
        if not filename or Path(filename).resolve().parent != default:
            return None  # the project's own version of it
        digest.update(current.encode() + b"\0" + source.encode() + b"\0")
        for reference in REFERENCE.finditer(source):
            name = reference.group(2)
            if name[:1] not in "\"'" or name[-1:] != name[:1]:
                return None  # a template named by an expression: cannot tell which
            todo.append(name[1:-1])
    return digest.hexdigest()


# `{% extends "x" %}`, `{% include "x" %}`, `{% import "x" as m %}`, `{% from "x" import y %}`
# (parsing every template on every build would cost more than the cache saves).
REFERENCE = re.compile(r"\{%[-+]?\s*(extends|include|import|from)\s+([^\s%]+)")


def page_key(*parts: object) -> str:
    """The key of a page from the reprs of its inputs (frozen dataclasses, strings)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode() + b"\0")
    return digest.hexdigest()


def build_inputs(config_json: str, extra: Iterable[object]) -> str:
    """The part of every key shared by a build: statusgen's code and the config."""
    return page_key(code_digest(), config_json, *extra)
