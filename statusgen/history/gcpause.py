"""The cyclic garbage collector paused while a build reads the history, and kept off the
history and snapshot while it renders.

Decoding a day of raw passes at 1,000 nodes makes about a million small objects (dicts,
lists, strings, ints), kept only until they are folded into columns; the collector's
young generation fills every 700 allocations and its full collections walk everything
alive, so a build spent a sixth of its history reading in collections that found
nothing: decoded JSON holds no cycles. Paused, the objects are freed by reference
counting as before; cycles made meanwhile elsewhere wait for the first collection after.

Rendering does make cycles (template contexts), so the collector runs then; but each of
its full collections walked the snapshot and the history view too, some million objects
that outlive the rendering. `collector_frozen` moves every object alive at its start out
of the collector's sight (`gc.freeze`) until it ends: collections during rendering walk
only what rendering made. A build enters it while the collector is still paused: else
the first collection after the pause walks every object the pause let pile up.

Threads share the collector (the server builds in worker threads): the first pause
switches it off, the last one to end switches it back on, and only if it was on; the
first freeze freezes, the last one to end unfreezes.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False
_frozen = 0


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (reference counting still frees)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


@contextmanager
def collector_frozen() -> Iterator[None]:
    """Objects alive on entry are left out of the collections inside (they are still
    freed by reference counting, and collected again after)."""
    global _frozen
    with _lock:
        if _frozen == 0:
            gc.freeze()
        _frozen += 1
    try:
        yield
    finally:
        with _lock:
            _frozen -= 1
            if _frozen == 0:
                gc.unfreeze()
