"""Latency from the network events of the probe's own connection (docs/probes.md#latency).

A probe's coroutine can wait a long time before its request leaves (for a connection, for
the event loop, behind the other probes of a busy pass); none of that is the target's
time. httpx reports each step of a request through its `trace` extension, so HTTP latency
is measured from the request being sent to its response headers being received, and the
time to connect and to complete the TLS handshake is kept apart.
"""

from __future__ import annotations

from functools import lru_cache
from time import perf_counter
from typing import Any

# The httpcore trace events, without their `http11.`/`http2.`/`connection.` prefix.
_CONNECT = "connect_tcp"
_TLS = "start_tls"
_SENT = "send_request_headers"
_ANSWERED = "receive_response_headers"


@lru_cache(maxsize=64)
def _split(event: str) -> tuple[str, str]:
    """`http11.send_request_headers.started` -> (`send_request_headers`, `started`): a
    handful of event names, met ten times per request."""
    step, _, phase = event.partition(".")[2].rpartition(".")
    return step, phase


class HttpTrace:
    """Collects one probe's timings from httpx's `trace` request extension.

    Pass it as `extensions={"trace": trace}` on every request of the probe (redirects
    included): `latency` sums, over the requests, the time from starting to send the
    request headers to the response headers received; `connect` and `tls` sum the
    connections opened on the way. `seen` is False when the transport reported nothing
    (a mock transport): the caller then falls back to its own clock."""

    def __init__(self) -> None:
        self.latency = 0.0
        self.connect: float | None = None
        self.tls: float | None = None
        self.seen = False
        self._started: dict[str, float] = {}

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        now = perf_counter()
        step, phase = _split(event)
        if phase == "started":
            self._started[step] = now
            return
        began = self._started.pop(step, None)
        if phase != "complete" or began is None:
            return
        if step == _CONNECT:
            self.connect = (self.connect or 0.0) + now - began
        elif step == _TLS:
            self.tls = (self.tls or 0.0) + now - began
        elif step == _ANSWERED:
            sent = self._started.pop(_SENT, None)
            if sent is not None:
                self.latency += now - sent
                self.seen = True
        if step == _SENT:
            # Keep when sending began: the latency runs from there to the answer.
            self._started[_SENT] = began
