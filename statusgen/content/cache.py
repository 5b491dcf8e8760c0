"""Content files read and validated by an earlier build, kept in the build cache.

A build reads every incident, announcement and maintenance file: YAML, the update
timeline, pydantic validation and the checks against the config. Between builds most
files do not change, so `<state>/build-cache/content.json` keeps each valid item by its
kind, its path and a SHA-256 of the file's bytes; the next build reads the bytes, and
when they hash the same it takes the item from there instead of parsing it again. A file
with a problem is never kept: it is read (and reported) every time.

The entries are kept under one key over what an item depends on besides its file: this
package's code (names, sizes, mtimes), the PyYAML, pydantic and Python versions, and the
ids the files are checked against (services, nodes and pages of the config): change any
of them and every file is read afresh. Markdown is not kept here: an item's HTML is
rendered from its message when it is taken from the cache (the Markdown memo,
`statusgen.content.render.remembered`, keeps that cheap), so the HTML is the reader's.

JSON (not pickle) so that a build cache restored from elsewhere (a CI cache) can cost a
wrong page at worst, never run code; the file is sealed (`statusgen.files.seal`) against
a torn write.

Outside a build the same entries are kept in memory, for the process only: the last
read's, under their key. `statusgen run` reads (and validates) the content before its
pass and again in its build, `serve` on every pass and in every build: each read after
the first parses only the files whose bytes changed, even without a state folder (CI).
`build --full` reads every file all the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from statusgen.config import Config
from statusgen.content.models import Announcement, Incident, Maintenance, Update
from statusgen.content.vocabulary import MAX_CONTENT_BYTES
from statusgen.files import read_entry, stat_digest, write_entry

FILE = "content.json"
FORMAT = 1
Item = Incident | Announcement | Maintenance
KINDS: dict[str, type[Item]] = {
    "incident": Incident,
    "announcement": Announcement,
    "maintenance": Maintenance,
}
DATES = frozenset({"at", "started", "resolved", "created", "starts", "expires", "ends"})

_local = threading.local()


@contextmanager
def kept_content(folder: Path, read: bool = True) -> Iterator[ContentCache]:
    """Within the block (in this thread), `read_content` takes unchanged files from the
    cache in `folder` (the build cache) and keeps what it read there. With `read` False
    (`build --full`) every file is read, and kept for the next build."""
    cache = ContentCache(folder / FILE, read)
    before = getattr(_local, "cache", None)
    _local.cache = cache
    try:
        yield cache
    finally:
        _local.cache = before


def active_cache(config: Config) -> ContentCache:
    """The cache of the enclosing `kept_content` block, else one in memory only (what
    this process read last: `statusgen run` reads the content before its pass and again
    in its build, `serve` on every pass), set up for `config`."""
    cache: ContentCache | None = getattr(_local, "cache", None)
    if cache is None:
        cache = ContentCache(None)
    cache.open(config)
    return cache


# The entries of the last read in this process, under their key: replaced whole (one
# assignment), so threads reading content at once each see one read's entries.
_last: tuple[str, dict[str, list[Any]]] = ("", {})


class ContentCache:
    """Valid items by (kind, path) with the digest of the bytes they were read from."""

    def __init__(self, file: Path | None, read: bool = True) -> None:
        self.file = file
        self.read_old = read
        self.key = ""
        self.old: dict[str, list[Any]] = {}
        self.used: dict[str, list[Any]] = {}
        self.hits = 0
        self.misses = 0

    def open(self, config: Config) -> None:
        """Load the entries kept under this config's key: this process's last read's, and
        the file's when there is one (none when stale or unreadable)."""
        self.key = cache_key(config)
        self.old, self.used = {}, {}
        if not self.read_old:
            return
        key, entries = _last
        if self.file is not None:
            self.old = self._stored()
        if key == self.key:
            self.old.update(entries)

    def _stored(self) -> dict[str, list[Any]]:
        assert self.file is not None
        data = read_entry(self.file)
        try:
            found = json.loads(data) if data is not None else None
        except ValueError:
            return {}
        if type(found) is dict and found.get("key") == self.key:
            entries = found.get("files")
            if type(entries) is dict:
                return entries
        return {}

    def read(
        self, kind: str, config: Config, path: Path, name: str, render: Callable[[str], str]
    ) -> tuple[Any, list[str]]:
        """The item of `kind` in `path` and its problems (`reader.read_file`), from the
        cache when the file's bytes are those a valid item was read from."""
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_CONTENT_BYTES + 1)
        except OSError:
            data = b""
        entry_key = f"{kind}\0{path}"
        digest = hashlib.sha256(data).hexdigest()
        entry = self.old.get(entry_key)
        if data and type(entry) is list and len(entry) == 2 and entry[0] == digest:
            with contextlib.suppress(TypeError, ValueError, KeyError, IndexError):
                item = decode(kind, entry[1], render, path)
                self.used[entry_key] = entry
                self.hits += 1
                return item, []
        self.misses += 1
        # The reader (PyYAML, the schemas) is loaded by the first file not in the cache.
        from statusgen.content.reader import read_file

        try:
            if not data or len(data) > MAX_CONTENT_BYTES:
                raise ValueError  # unreadable, empty or too large: the reader says which
            text = data.decode("utf-8")
        except ValueError:  # UnicodeDecodeError included
            return read_file(kind, config, path, None, render, name)
        item, problems = read_file(kind, config, path, text, render, name)
        if item is not None and not problems:
            self.used[entry_key] = [digest, encode(item)]
        return item, problems

    def save(self) -> None:
        """Keep this read's valid items (and only those), in memory and in the file; a
        cache that cannot be written only costs the next build time."""
        global _last
        _last = (self.key, dict(self.used))
        if self.file is None or (self.misses == 0 and self.used.keys() == self.old.keys()):
            return
        document = {"key": self.key, "files": self.used}
        data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        write_entry(self.file, data)


def encode(item: Item) -> list[Any]:
    """An item's fields but its HTML (rendered again from the message), as JSON values."""
    return [_encode(name, getattr(item, name)) for name in _names(type(item))]


def _encode(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in DATES:
        return value.isoformat()
    if name == "path":
        return str(value)
    if name == "updates":
        return [encode(update) for update in value]
    if name == "affected":
        return list(value)
    return value


def decode(
    kind: str, values: list[Any], render: Callable[[str], str], path: Path | None = None
) -> Item:
    """The item `encode` gave `values` for, its HTML rendered by `render` (`path`: the
    file's Path, taken as is when it is the one kept)."""
    cls = KINDS[kind]
    return cls(**_decoded(cls, values, render, path))  # type: ignore[arg-type]


def _decoded(
    cls: type, values: list[Any], render: Callable[[str], str], path: Path | None = None
) -> dict[str, Any]:
    names = _names(cls)
    if len(values) != len(names):
        raise ValueError("fields changed")
    out: dict[str, Any] = {}
    for name, value in zip(names, values, strict=True):
        if value is not None:
            if name in DATES:
                value = datetime.fromisoformat(value)
            elif name == "path":
                value = path if path is not None and str(path) == value else Path(value)
            elif name == "updates":
                value = tuple(Update(**_decoded(Update, update, render)) for update in value)
            elif name == "affected":
                value = tuple(value)
        out[name] = value
    out["html"] = render(out["message"])
    return out


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name != "html")


def cache_key(config: Config) -> str:
    """What a valid item depends on besides its file (see the module)."""
    digest = hashlib.sha256(code_digest().encode())
    nodes = sorted(f"{s.id}/{n.id}" for s in config.services for n in s.nodes)
    pages = sorted({config.page.id, *(page.slug for page in config.pages)})
    for part in (sorted(config.known_ids()), nodes, pages):
        digest.update(json.dumps(part).encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """This package's code, the helpers it parses times with, and the libraries that read
    the files (an upgrade or an edited checkout reads them afresh). Files are known by
    name, size and mtime; the libraries by their package's `__init__.py`, found without
    importing them (a rebuild from the cache loads neither)."""
    here = Path(__file__).parent
    files = [*sorted(here.glob("*.py")), here.parent / "clock.py", here.parent / "validation.py"]
    for library in ("yaml", "pydantic", "pydantic_core"):
        spec = find_spec(library)
        if spec is not None and spec.origin:
            files.append(Path(spec.origin))
    return stat_digest(files, str(FORMAT), sys.version)
