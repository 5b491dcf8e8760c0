"""Log output for the long-running commands: one `key=value` line per event on stderr.

Access lines come at the request rate, so the handler does not flush after each one:
it flushes at most every `FLUSH_EVERY` seconds, at once for warnings and errors, and at
exit. A flush is a system call, which at thousands of requests a second costs more than
formatting the line.
"""

from __future__ import annotations

import atexit
import logging
import sys
import time

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
FLUSH_EVERY = 0.5  # seconds


class LazyFlushHandler(logging.StreamHandler):
    """A StreamHandler that flushes on warnings, after FLUSH_EVERY seconds, and at exit."""

    def __init__(self, stream=None) -> None:  # noqa: ANN001 - any text stream
        super().__init__(stream)
        self._flushed = time.monotonic()
        atexit.register(self.flush)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + self.terminator)
            now = time.monotonic()
            if record.levelno >= logging.WARNING or now - self._flushed >= FLUSH_EVERY:
                self.stream.flush()
                self._flushed = now
        except Exception:
            self.handleError(record)


def configure(level: str) -> None:
    """Send every statusgen (and uvicorn) log line to stderr at `level`. Handlers others
    installed stay; calling it twice adds one handler only."""
    root = logging.getLogger()
    if not any(isinstance(h, LazyFlushHandler) for h in root.handlers):
        handler = LazyFlushHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level.upper())
