"""Log output of every command: one `key=value` line per event on stderr, secrets masked.

`configure` installs one handler on the root logger, so records of every library
(httpx's request lines, urllib3's debug lines, Apprise, uvicorn) go through it; its
MaskingFormatter masks every known secret in the formatted line, traceback included:
config secrets (`${VAR}` values, channel URLs, hook secrets), the credentials and query
values of every configured URL, and tokens given on the command line (`protect`).

Access lines come at the request rate, so the handler does not flush after each one:
it flushes at most every `FLUSH_EVERY` seconds, at once for warnings and errors, and at
exit. A flush is a system call, which at thousands of requests a second costs more than
formatting the line.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import sys
import time
from collections.abc import Iterable

from statusgen.config import Config
from statusgen.notify.redact import url_secrets
from statusgen.secrets import MaskingFormatter, url_credentials

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
FLUSH_EVERY = 0.5  # seconds


class LazyFlushHandler(logging.StreamHandler):
    """A StreamHandler that flushes on warnings, after FLUSH_EVERY seconds, and at exit.
    Without a stream it writes to whatever `sys.stderr` is at the time (as Python's
    last-resort handler does), so a caller that swaps stderr still gets the lines."""

    def __init__(self, stream=None) -> None:  # noqa: ANN001 - any text stream
        super().__init__(stream)
        self._current_stderr = stream is None
        self._flushed = time.monotonic()
        atexit.register(self._flush_quietly)

    def _flush_quietly(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            self.flush()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._current_stderr:
                self.stream = sys.stderr
            self.stream.write(self.format(record) + self.terminator)
            now = time.monotonic()
            if record.levelno >= logging.WARNING or now - self._flushed >= FLUSH_EVERY:
                self.stream.flush()
                self._flushed = now
        except Exception:
            self.handleError(record)


def configure(level: str, secrets: Iterable[str] = ()) -> None:
    """Send every log line (statusgen's and every library's) to stderr at `level`, with
    `secrets` masked from now on. Handlers others installed stay; calling it again adds
    no handler, only secrets (and sets the level)."""
    handler = _handler()
    assert isinstance(handler.formatter, MaskingFormatter)
    handler.formatter.protect(secrets)
    handler.setLevel(level.upper())
    logging.getLogger().setLevel(level.upper())


def protect(secrets: Iterable[str]) -> None:
    """Mask `secrets` in every line of statusgen's handler (installed when missing) and
    let it pass warnings and errors only, as Python's own last-resort handler would."""
    handler = _handler()
    assert isinstance(handler.formatter, MaskingFormatter)
    handler.formatter.protect(secrets)
    handler.setLevel(logging.WARNING)  # a command that wants more calls `configure` next


def config_secrets(config: Config) -> set[str]:
    """Everything of a config that must not reach a log line: its secrets, the
    credentials and query values of its probe and hook URLs, every part of its Apprise
    URLs (tokens sit in their host and path), hook secrets."""
    found = set(config.secrets)
    for _, node in config.iter_nodes():
        for replica in node.replicas:
            found |= url_credentials(replica.url)
        found.update(v for k, v in node.http.headers.items() if k.lower() == "authorization")
    for channel in config.notify.channels:
        found |= url_secrets(channel.url) | url_credentials(channel.url)
    for hook in config.notify.hooks:
        found |= url_credentials(hook.target)
        if hook.secret:
            found.add(hook.secret)
    return found


def _handler() -> LazyFlushHandler:
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, LazyFlushHandler):
            return handler
    handler = LazyFlushHandler()
    handler.setFormatter(MaskingFormatter(FORMAT))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    return handler
