"""Judging an HTTP response: its status, and `healthy_match` searched while the body streams.

The body is searched as it arrives and reading stops at the first match, so an endless
stream whose first chunk matches is healthy at once. A body with a Content-Length is read
to its end (within the cap) so that a truncated one is caught. At most `MAX_BODY` bytes
are read. Regular expressions run in a worker thread with the `regex` library's timeout:
stdlib `re` holds the GIL and cannot be stopped, so one catastrophic pattern would pin
the event loop, and every other probe's clock with it.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import enum
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

import httpx
import regex

from statusgen.config import HttpOptions

MAX_BODY = 1 << 20  # bytes read for healthy_match; a status page is not a download manager
MAX_BODY_WORDS = "the first 1 MiB"
MATCH_TIMED_OUT = "body match timed out"

T = TypeVar("T")


class Match(enum.Enum):
    """What searching the body for `healthy_match` found."""

    FOUND = "found"
    MISSING = "missing"
    MISSING_IN_CAP = "missing in the capped part"  # the body went on past MAX_BODY


class MatchTimeout(Exception):
    """A regular expression ran out of the attempt's time."""


def healthy_status(status: int, options: HttpOptions) -> bool:
    return options.healthy_above <= status < options.healthy_below


def judge_response(status: int, match: Match | None, options: HttpOptions) -> tuple[bool, str]:
    """Whether a response is healthy under the node's options, and why (pure).

    Healthy means `healthy_above <= status < healthy_below` and, when `healthy_match` is
    set, the body contains it (`/regex/` searches a regular expression)."""
    if not healthy_status(status, options):
        bounds = f"{options.healthy_above}-{options.healthy_below - 1}"
        return False, f"HTTP {status} (healthy {bounds})"
    pattern = options.healthy_match
    if pattern and match is not None and match is not Match.FOUND:
        verb = f"match {pattern}" if is_regex(pattern) else f"contain {pattern!r}"
        where = f" in {MAX_BODY_WORDS}" if match is Match.MISSING_IN_CAP else ""
        return False, f"body did not {verb}{where}"
    return True, f"HTTP {status}"


def is_regex(pattern: str) -> bool:
    return len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/")


@lru_cache(maxsize=256)
def compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern)


@dataclass(slots=True)
class BodySearch:
    """Searching one body for `pattern` by `deadline` (event loop time): what has arrived,
    when to look again, and whether the deadline fell while a regular expression ran."""

    pattern: str
    deadline: float  # event loop time
    pieces: list[str] = field(default_factory=list)
    size: int = 0  # characters in pieces
    tail: str = ""  # the end of the text so far that a substring may still start in
    next_regex_search: int = 0
    interrupted: bool = False

    async def feed(self, text: str) -> bool:
        """Add decoded text; whether the pattern is certainly in the body already."""
        self.pieces.append(text)
        self.size += len(text)
        if not is_regex(self.pattern):
            window = self.tail + text
            keep = len(self.pattern) - 1
            self.tail = window[-keep:] if keep else ""
            return self.pattern in window
        # Searching all of it on every chunk would be quadratic: look when it has doubled.
        if self.size < self.next_regex_search:
            return False
        self.next_regex_search = 2 * self.size
        found = await self._regex("".join(self.pieces), partial=True)
        # A match touching the end might be cut short (`$`, a greedy run): wait for more.
        return found is not None and not found.partial and found.end() < self.size

    async def finish(self) -> bool:
        """Whether the pattern is in the whole text read."""
        if not is_regex(self.pattern):
            return False  # every window was searched as it arrived
        return await self._regex("".join(self.pieces), partial=False) is not None

    async def _regex(self, text: str, *, partial: bool) -> regex.Match[str] | None:
        loop = asyncio.get_running_loop()
        remaining = self.deadline - loop.time()
        if remaining <= 0:
            raise MatchTimeout
        # concurrent=True releases the GIL while matching, so the event loop runs on.
        search = functools.partial(
            compiled(self.pattern[1:-1]).search,
            text,
            partial=partial,
            concurrent=True,
            timeout=remaining,
        )
        try:
            return await _detached(search)
        except TimeoutError:
            raise MatchTimeout from None
        except asyncio.CancelledError:
            self.interrupted = True  # the attempt's deadline fell while matching
            raise

    async def run(self, response: httpx.Response) -> Match:
        """Read `response` until the pattern is found, the body ends or `MAX_BODY` bytes
        are read; a body with a Content-Length is read to its end (within the cap) even
        after a match. Raises MatchTimeout when a regular expression outlives the deadline,
        and httpx errors for a broken body (one shorter than its Content-Length, say)."""
        decoder = _decoder(response)
        whole = _length(response) is not None
        size, capped, found = 0, False, False
        async for chunk in response.aiter_bytes():
            room = MAX_BODY - size
            capped = len(chunk) >= room
            size += min(len(chunk), room)
            if not found:
                found = await self.feed(decoder.decode(chunk[:room]))
                if found and not whole:
                    return Match.FOUND
            if capped:
                break
        if not found:
            rest = decoder.decode(b"", final=True)
            found = (bool(rest) and await self.feed(rest)) or await self.finish()
        if found:
            return Match.FOUND
        return Match.MISSING_IN_CAP if capped else Match.MISSING


def _detached(func: Callable[[], T]) -> asyncio.Future[T]:
    """Run `func` in a daemon thread of its own. Not the loop's executor: when the attempt
    gives up first, the pass must not wait for the match to notice its own timeout (the
    `regex` timeout is loose under load), and neither must the interpreter's exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # the attempt gave up
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result, error = func(), None
        except Exception as exc:  # noqa: BLE001 - handed to the awaiting probe
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name="statusgen-match", daemon=True).start()
    return future


def _length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["content-length"])
    except (KeyError, ValueError):
        return None


def _decoder(response: httpx.Response) -> codecs.IncrementalDecoder:
    try:
        return codecs.getincrementaldecoder(response.charset_encoding or "utf-8")("replace")
    except LookupError:  # a charset Python does not know
        return codecs.getincrementaldecoder("utf-8")("replace")
