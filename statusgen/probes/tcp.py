"""TCP probes: a connection that opens in time is healthy; it is closed at once.

Latency is the TCP handshake alone: the round trip the kernel measured from the SYN it
sent to the SYN-ACK it got (Linux `TCP_INFO`), so a busy event loop that noticed the
connection late does not count; elsewhere, the connection timed by the probe. Resolving
the name comes first and is not counted (docs/probes.md#latency)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import struct
import sys
from time import perf_counter

from statusgen.conditions import Facts
from statusgen.probes.base import Outcome, describe_error, failed, local_addr, timed_out

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
    name resolves to is tried in turn (as `asyncio.open_connection` does), and only the
    handshake that succeeded is timed."""
    loop = asyncio.get_running_loop()
    addresses = _literal(host.strip("[]"), port) or await loop.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM
    )
    error: OSError | None = None
    source = local_addr()  # a location's source_address: every connection leaves from it
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            if source is not None:
                sock.bind(source)
            started = perf_counter()
            await loop.sock_connect(sock, address)
            latency = perf_counter() - started
            latency = min(latency, kernel_rtt(sock) or latency)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        _, writer = await asyncio.open_connection(sock=sock)
        return writer, latency
    raise error or OSError(f"no address for {host}")


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


def _literal(host: str, port: int) -> list[tuple] | None:
    """An IP address needs no resolver (asyncio would still ask one, in a thread)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (host, port))]
