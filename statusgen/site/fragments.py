"""Pieces of node markup drawn from a node's settled days, kept between builds: the
settled cells of its uptime bars (detailed and compact) and the settled part of its
90-day daily chart's lines, in `<state>/build-cache/fragments.json`.

A node's bars and daily chart show 90 days, of which all but today (and yesterday until
it is sealed) are settled: their Bars and daily rows come from the series cache
(`statusgen.site.seriescache`) under an entry that names everything they depend on. A
fragment is keyed by that entry, the locale and the kind of piece; the whole file by the
series cache's calendar (`SeriesCache.base`: statusgen's code, today, the settled days
and their files) and the build's inputs (the config and the assets, `build_inputs`). A
rebuild then draws only the days after the settled ones and joins them to the kept part
(`statusgen.site.markup.uptime_bar`, `statusgen.site.charts.daily_chart`); the bytes are
those of a whole draw (`tests/test_site_fragments.py`, `tests/test_site_incremental.py`).

A node whose settled part was computed without being kept (the history warned) has no
entry and is drawn whole. Written without fsync, sealed (`statusgen.files.write_entry`):
a torn file only costs a build the time to draw every piece. `--full` neither reads nor
writes it (`statusgen.site.build.build_site`): keeping the pieces costs a build that
finds none more than drawing them whole (about 40 ms at 1,000 nodes).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from statusgen.files import read_entry, write_entry
from statusgen.site.cache import page_key

FILE = "fragments.json"
FORMAT = 1


class Fragments:
    """The kept pieces of one build: `base` (the series cache's calendar), `count` (its
    settled days), `entries` (node key -> its settled part's entry)."""

    def __init__(self, folder: Path, base: str, count: int, entries: Mapping[str, str]) -> None:
        self.path = folder / FILE
        self.base, self.count, self.entries = base, count, entries
        self.hits = 0
        self._key = ""
        self._old: dict[str, Any] = {}
        self._new: dict[str, Any] = {}
        self._used: set[str] = set()

    def start(self, inputs: str) -> None:
        """Read the kept pieces for this calendar and the build's `inputs`."""
        self._key = page_key(FORMAT, self.base, inputs) if self.base and self.count else ""
        if not self._key:
            return
        data = read_entry(self.path)
        if data is None:
            return
        try:
            found = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if type(found) is dict and found.get("key") == self._key:
            items = found.get("items")
            if type(items) is dict:
                self._old = items

    def key(self, node: str, lang: str, kind: str) -> str | None:
        """The key of a piece of node `node`, None when it has no kept settled part."""
        entry = self.entries.get(node) if self._key else None
        return f"{entry}/{lang}/{kind}" if entry else None

    def get(self, key: str) -> Any:
        """The piece kept under `key` (a JSON value), or None."""
        self._used.add(key)
        found = self._old.get(key)
        if found is not None:
            self.hits += 1
        return found

    def put(self, key: str, piece: Any) -> None:
        self._used.add(key)
        self._new[key] = piece

    def save(self) -> None:
        """Keep the pieces this build used, and nothing else; not written when they are
        the ones read."""
        if not self._key:
            return
        items = {}
        for key in sorted(self._used):
            piece = self._new.get(key, self._old.get(key))
            if piece is not None:
                items[key] = piece
        if not self._new and items.keys() == self._old.keys():
            return
        write_entry(self.path, orjson.dumps({"key": self._key, "items": items}))
