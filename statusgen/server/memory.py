"""Giving memory back to the OS after a pass or a build.

A build reads the recent history and renders every page: tens of megabytes that are
free again once it is done. CPython returns freed memory to the C allocator, and glibc's
malloc keeps it: each worker thread that ran a build has an arena of its own, and free
space inside a heap is not handed back by itself. A long-running server's RSS then climbs
with every build (by its high-water mark, in one more arena) although the live data stay
the same. `malloc_trim(0)` hands the free pages of every arena back to the OS; elsewhere
(not glibc) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable


def _load_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim  # glibc only (musl has none)
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_trim = _load_trim()


def release_free_memory() -> bool:
    """Hand the C allocator's free pages back to the OS; False where it cannot."""
    if _trim is None:
        return False
    _trim(0)
    return True
