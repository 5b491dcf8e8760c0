"""TCP probes: a connection that opens in time is healthy; it is closed at once.

Latency is the TCP handshake alone: the round trip the kernel measured from the SYN it
sent to the SYN-ACK it got (Linux `TCP_INFO`), so a busy event loop that noticed the
connection late does not count; elsewhere, the connection timed by the probe. Resolving
the name comes first and is not counted (docs/probes.md#latency)."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import struct
import sys
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import Any, TypeVar

from statusgen.conditions import Facts
from statusgen.probes.base import Outcome, describe_error, failed, local_addr, timed_out
from statusgen.probes.stamps import writable

T = TypeVar("T")


async def probe_tcp(host: str, port: int, timeout: float) -> Outcome:
    """Open a TCP connection to `host:port` within `timeout` seconds, then close it (the
    bare socket: no stream is built around a connection that is closed at once)."""
    try:
        async with asyncio.timeout(timeout):
            sock, latency = await connect_timed(host, port)
    except TimeoutError:
        return failed(timed_out(timeout))
    except OSError as exc:
        return failed(describe_error(exc))
    with sock:
        try:
            peer = sock.getpeername()
        except OSError:  # reset since
            peer = None
    facts = Facts(connected=True, response_time=latency, ip=peer[0] if peer else None)
    return Outcome(True, latency, "connected", facts=facts, connect=latency)


async def open_timed(host: str, port: int) -> tuple[asyncio.StreamWriter, float]:
    """A stream to `host:port` and the seconds its TCP handshake took (`connect_timed`)."""
    sock, latency = await connect_timed(host, port)
    try:
        _, writer = await asyncio.open_connection(sock=sock)
    except BaseException:
        sock.close()
        raise
    return writer, latency


async def connect_timed(host: str, port: int) -> tuple[socket.socket, float]:
    """A connected non-blocking socket to `host:port` and the seconds its TCP handshake
    took: each address the name resolves to is tried in turn (`connect_first`), and only
    the handshake that succeeded is timed."""
    loop = asyncio.get_running_loop()
    source = local_addr()  # a location's source_address: every connection leaves from it

    async def handshake(sock: socket.socket, address: Any) -> float:
        if source is not None:
            sock.bind(source)
        started = perf_counter()
        await connect_socket(loop, sock, address)
        latency = perf_counter() - started
        return min(latency, kernel_rtt(sock) or latency)

    return await connect_first(loop, host, port, handshake)


async def connect_socket(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, address: Any
) -> None:
    """Connect non-blocking `sock` to the resolved `address`, waiting only when the
    handshake is not over at once. (uvloop's `sock_connect` looks the address up again on
    every call: 73 µs of CPU a loopback connection, against 40 µs for its own.)"""
    error = sock.connect_ex(address)
    if error in _IN_PROGRESS:
        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if not error and not _established(sock):  # else done already (a near peer)
            await writable(loop, sock)
            error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if error:
        raise OSError(error, os.strerror(error))


def _established(sock: socket.socket) -> bool:
    try:
        sock.getpeername()
    except OSError:
        return False
    return True


_IN_PROGRESS = {errno.EINPROGRESS, errno.EAGAIN, errno.EWOULDBLOCK, errno.EALREADY}


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
