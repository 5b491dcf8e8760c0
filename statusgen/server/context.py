"""What every route of the live server shares: config, clock, live state, tokens, locks.

One `ServerContext` is made per app by `create_app` and handed to each route module's
`routes(ctx)`. Route modules never reach for globals: everything they need is here.

Writers (a pass of the scheduler, the management API) serialise on `write_lock` and run
in a worker thread (`await ctx.run_locked(fn)`), so the event loop never blocks on it.
Across processes (a `statusgen run` from cron in the same checkout) the history store's
file lock (`statusgen.files.locked`) is what keeps writes apart; a writer that changes
content files should hold it too: `with locked(ctx.config.history_dir): ...`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from statusgen.clock import Clock
from statusgen.config import Config
from statusgen.server.live import LiveState
from statusgen.server.tokens import ReporterToken

T = TypeVar("T")


@dataclass
class Documents:
    """The live API documents (output-relative path -> bytes), swapped whole on rebuild."""

    by_path: dict[str, bytes] = field(default_factory=dict)
    version: int = 0

    def replace(self, documents: dict[str, bytes]) -> None:
        self.by_path = dict(documents)
        self.version += 1


@dataclass
class ServerContext:
    """Shared state of one server. `on_change` is called when a report or write changed
    something visible (the scheduler records a pass and rebuilds, debounced)."""

    config: Config
    clock: Clock
    live: LiveState
    token: ReporterToken
    state_dir: Path
    documents: Documents = field(default_factory=Documents)
    write_lock: threading.RLock = field(default_factory=threading.RLock)
    on_change: Callable[[], None] = lambda: None
    on_rebuild: Callable[[], None] = lambda: None
    extras: dict[str, Any] = field(default_factory=dict)

    def changed(self) -> None:
        """A replica's status changed: record a pass soon."""
        self.on_change()

    def request_rebuild(self) -> None:
        """Content or config changed (a management write): rebuild `output/` soon."""
        self.on_rebuild()

    async def run_locked(self, fn: Callable[[], T]) -> T:
        """Run a blocking writer in a worker thread while holding `write_lock`."""

        def call() -> T:
            with self.write_lock:
                return fn()

        return await asyncio.to_thread(call)
