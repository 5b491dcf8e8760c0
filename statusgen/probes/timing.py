"""Latency from the network events of the probe's own connection (docs/probes.md#latency).

A probe's coroutine can wait a long time before its request leaves (for a connection, for
the event loop, behind the other probes of a busy pass); none of that is the target's
time. httpx reports each step of a request through its `trace` extension, so HTTP latency
is measured from the request being sent to its response headers being received, and the
time to connect and to complete the TLS handshake is kept apart.

On a plain-HTTP connection (`statusgen.probes.plainstream`) both ends come from the
connection itself: the clock read just before the request's first byte is sent, and the
kernel's receive time of the data holding the response headers, so the time the event
loop took to get round to reading and parsing them is not counted either. Over TLS the
trace events' own times stand.
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
        self._stream: object = None  # the current request's connection

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
            self._stream = info.get("return_value")
        elif step == _TLS:
            self.tls = (self.tls or 0.0) + now - began
        elif step == _ANSWERED:
            sent = self._started.pop(_SENT, None)
            if sent is not None:
                stamped = _stamped(self._stream)
                self.latency += now - sent if stamped is None else stamped
                self.seen = True
        if step == _SENT:
            # Keep when sending began: the latency runs from there to the answer.
            self._started[_SENT] = began


def _stamped(stream: object) -> float | None:
    """What a stream that times its own traffic (`plainstream.PlainStream`) measured:
    from its first byte sent to the kernel's receive time of the data read last, which
    holds the response headers just parsed. None for other streams (TLS)."""
    sent = getattr(stream, "sent_at", None)
    received = getattr(stream, "received_at", None)
    if sent is None or received is None:
        return None
    return max(0.0, received - sent)
