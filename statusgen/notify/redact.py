"""Keep channel URLs and hook secrets out of logs, including third-party libraries' logs.

Apprise and httpx log from the thread that sends. While a thread sends to a channel or
hook, its secrets are registered here; one filter on those libraries' loggers rewrites
that thread's records with the secrets masked and keeps its warnings, which become the
error reported for the channel. The filter is installed once per process because
logging is process-wide and adding or removing filters while other threads log is not
safe; with no registration it lets records through untouched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, unquote, urlsplit

from statusgen.secrets import MASK, mask

LIBRARY_LOGGERS = ("apprise", "httpx", "httpcore")


def url_secrets(url: str) -> set[str]:
    """The parts of a URL that may be credentials: the whole URL, user, password, path
    segments and query values (tokens live in all of these for one service or another)."""
    found = {url}
    try:
        parts = urlsplit(url)
        found.update(x for x in (parts.username, parts.password) if x)
        segments = [s for s in parts.path.split("/") if s]
        if parts.scheme not in ("http", "https"):
            # Apprise puts tokens in the "host" of many schemes (slack://T/B/C, pover://u@t)
            found.add(parts.netloc.rpartition("@")[2])
        found.update(segments)
        found.update(value for _, value in parse_qsl(parts.query))
    except ValueError:
        pass
    found |= {unquote(s) for s in found}
    return {s for s in found if len(s) >= 4}


def redacted_url(url: str) -> str:
    """A URL reduced to what is safe to print: its scheme."""
    scheme = urlsplit(url).scheme if "://" in url else ""
    return f"{scheme or 'url'}://{MASK}"


class _ThreadSecrets(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._by_thread: dict[int, tuple[frozenset[str], list[str]]] = {}

    def register(self, secrets: frozenset[str]) -> list[str]:
        captured: list[str] = []
        with self._lock:
            self._by_thread[threading.get_ident()] = (secrets, captured)
        return captured

    def unregister(self) -> None:
        with self._lock:
            self._by_thread.pop(threading.get_ident(), None)

    def filter(self, record: logging.LogRecord) -> bool:
        entry = self._by_thread.get(record.thread or 0)
        if entry is None:
            return True
        secrets, captured = entry
        message = mask(record.getMessage(), secrets)
        record.msg, record.args = message, None
        if record.levelno >= logging.WARNING:
            captured.append(message)
        return True


_FILTER = _ThreadSecrets()
_installed = threading.Lock()


def _install() -> None:
    with _installed:
        for name in LIBRARY_LOGGERS:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)


@contextmanager
def guarded(secrets: Iterable[str]) -> Iterator[list[str]]:
    """While inside, library records logged by this thread have `secrets` masked; yields
    the list that collects this thread's (masked) warnings and errors."""
    _install()
    captured = _FILTER.register(frozenset(secrets))
    try:
        yield captured
    finally:
        _FILTER.unregister()
