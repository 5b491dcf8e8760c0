"""TCP probes: a connection that opens in time is healthy; it is closed at once.

Latency is the TCP handshake alone: the round trip the kernel measured from the SYN it
sent to the SYN-ACK it got (Linux `TCP_INFO`), so a busy event loop that noticed the
connection late does not count; elsewhere, the connection timed by the probe. Resolving
the name comes first and is not counted (docs/probes.md#latency)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import sys
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import Any, TypeVar

from statusgen.conditions import Facts
from statusgen.probes.base import Outcome, describe_error, failed, local_addr, timed_out

T = TypeVar("T")

# Closing is courtesy, not part of the measurement: never let it hold a pass up.
_CLOSE_GRACE = 1.0


async def probe_tcp(host: str, port: int, timeout: float) -> Outcome:
    """Open a TCP connection to `host:port` within `timeout` seconds, then close it."""
    try:
        async with asyncio.timeout(timeout):
            writer, latency = await open_timed(host, port)
    except TimeoutError:
        return failed(timed_out(timeout))
    except OSError as exc:
        return failed(describe_error(exc))
    peer = writer.get_extra_info("peername")
    facts = Facts(connected=True, response_time=latency, ip=peer[0] if peer else None)
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        async with asyncio.timeout(_CLOSE_GRACE):
            await writer.wait_closed()
    return Outcome(True, latency, "connected", facts=facts, connect=latency)


async def open_timed(host: str, port: int) -> tuple[asyncio.StreamWriter, float]:
    """A stream to `host:port` and the seconds its TCP handshake took: each address the
    name resolves to is tried in turn (`connect_first`), and only the handshake that
    succeeded is timed."""
    loop = asyncio.get_running_loop()
    source = local_addr()  # a location's source_address: every connection leaves from it

    async def handshake(sock: socket.socket, address: Any) -> float:
        if source is not None:
            sock.bind(source)
        started = perf_counter()
        await loop.sock_connect(sock, address)
        latency = perf_counter() - started
        return min(latency, kernel_rtt(sock) or latency)

    sock, latency = await connect_first(loop, host, port, handshake)
    _, writer = await asyncio.open_connection(sock=sock)
    return writer, latency


async def connect_first(
    loop: asyncio.AbstractEventLoop,
    host: str,
    port: int,
    connect: Callable[[socket.socket, Any], Awaitable[T]],
) -> tuple[socket.socket, T]:
    """A non-blocking socket connected by `connect(sock, address)` to the first of
    `host`'s addresses that answers, in the resolver's order (as
    `asyncio.open_connection`), and what `connect` returned: a socket that fails is closed
    and the next address tried; the last failure is raised when none answers."""
    error: OSError | None = None
    for family, kind, proto, _, address in await addresses(loop, host, port):
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            found = await connect(sock, address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        return sock, found
    raise error or OSError(f"no address for {host}")


async def addresses(loop: asyncio.AbstractEventLoop, host: str, port: int) -> list[tuple]:
    """`host`'s addresses (brackets around an IPv6 address allowed): an IP address as it
    is (asyncio would still ask the resolver, in a thread), a name from the loop's
    resolver."""
    host = host.strip("[]")
    try:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except socket.gaierror:
        return await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)


# struct tcp_info (linux/tcp.h): eight one-byte fields, then 32-bit ones; tcpi_rtt is the
# sixteenth of those, in microseconds.
_TCP_INFO_SIZE = 104
_TCPI_RTT = 8 + 15 * 4


def kernel_rtt(sock: socket.socket) -> float | None:
    """The kernel's round-trip time of a just-connected socket (its handshake), in
    seconds; None where the OS does not say (not Linux)."""
    option = getattr(socket, "TCP_INFO", None)
    if option is None or sys.platform != "linux":
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, option, _TCP_INFO_SIZE)
    except OSError:
        return None
    if len(info) < _TCPI_RTT + 4:
        return None
    micros = struct.unpack_from("I", info, _TCPI_RTT)[0]
    return micros / 1e6 if micros else None
