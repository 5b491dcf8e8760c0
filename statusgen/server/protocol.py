"""uvicorn's HTTP protocol with a deadline on request headers (slowloris).

uvicorn closes an idle keep-alive connection only after `timeout_keep_alive` seconds
without a byte, and every byte restarts that timer; a fresh connection has no timer at
all. A client that connects and sends nothing, or sends its headers one byte every few
seconds, holds a socket (a file descriptor) forever, and about a thousand of them deny
service. Here every connection must deliver a complete request head within
`header_timeout` seconds of connecting or of its previous response; otherwise it is
closed, however many bytes trickle in. Bodies and responses are not limited by it (the
body is capped in size by `server.body_limit`).

A custom protocol class beats a different server: it is ~50 lines on the parser
uvicorn already uses (httptools), and hypercorn's `read_timeout` would change the
server under every other test and the shutdown behaviour. See docs/server.md.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT = 10.0  # seconds


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that closes a connection whose request head is not complete
    within `header_timeout` seconds."""

    header_timeout = HEADER_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and not self.pipeline:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._head_deadline = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        deadline = getattr(self, "_head_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._head_deadline = None

    def _expired(self) -> None:
        self._head_deadline = None
        if self.cycle is None or self.cycle.response_complete:
            self.transport.abort()  # nothing to flush: close the socket now


def protocol(header_timeout: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class for `uvicorn.run(http=...)` with this deadline."""
    return type("HeaderDeadline", (HeaderDeadlineProtocol,), {"header_timeout": header_timeout})
