"""ICMP probes with icmplib: one echo request, healthy when the reply comes in time.

Raw ICMP sockets need root (or CAP_NET_RAW); unprivileged ICMP sockets need the OS to
allow them (Linux `net.ipv4.ping_group_range`). Many CI runners allow neither, which is
a result with a clear reason, not a crash.

The round trip is timed from network events, not from when the event loop got round to
the reply: icmplib builds the request, reads the clock and sends it in one synchronous
call, and the reply's time is the kernel's receive timestamp (`SO_TIMESTAMPNS`, read with
`recvmsg`), so a busy loop that reads the reply late does not lengthen it. Where the
kernel gives no timestamp (not Linux), the time the reply is read stands in.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import socket

from icmplib import (
    ICMPLibError,
    ICMPReply,
    ICMPRequest,
    ICMPv4Socket,
    ICMPv6Socket,
    NameLookupError,
    SocketPermissionError,
    async_resolve,
    is_hostname,
    is_ipv6_address,
)

from statusgen.probes.base import SOURCE_ADDRESS, Outcome, failed, timed_out
from statusgen.probes.stamps import ANCILLARY, keep_stamps_on, readable, received_at, stamp_received

NOT_PERMITTED = "ICMP is not permitted on this runner"

# Raw sockets see every echo reply on the host and icmplib matches replies by id alone,
# so concurrent pings need distinct ids.
_ids = itertools.count(random.randrange(1, 0xFFFF))

_PACKET = 1024


def _next_id() -> int:
    return next(_ids) % 0xFFFF + 1


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


class _Stamped:
    """An icmplib socket whose received packets carry the kernel's receive time."""

    __slots__ = ()
    _sock: socket.socket

    def _create_socket(self, type: int) -> socket.socket:  # icmplib's hook
        sock: socket.socket = super()._create_socket(type)  # type: ignore[misc]
        keep_stamps_on()  # timed from the first reply (statusgen.probes.stamps)
        stamp_received(sock)  # without kernel timestamps the time the reply is read stands in
        sock.setblocking(False)
        return sock

    async def reply_to(self, request: ICMPRequest) -> ICMPReply:
        """The reply matching `request` (icmplib parses each packet), timed by the
        kernel's receive timestamp. Waits until one comes: the caller bounds the wait."""
        loop = asyncio.get_running_loop()
        while True:
            packet, received = await _receive(loop, self._sock)
            reply = self._parse_reply(packet, None, received)  # type: ignore[attr-defined]
            if reply and reply.id == request.id and reply.sequence == request.sequence:
                return reply


class _StampedV4(_Stamped, ICMPv4Socket):
    __slots__ = ()


class _StampedV6(_Stamped, ICMPv6Socket):
    __slots__ = ()


async def _receive(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> tuple[bytes, float]:
    """The next packet on `sock` and when the kernel received it (wall-clock seconds, as
    icmplib's send time)."""
    while True:
        try:
            packet, ancillary, _flags, _address = sock.recvmsg(_PACKET, ANCILLARY)
        except (BlockingIOError, InterruptedError):
            await readable(loop, sock)
            continue
        return packet, received_at(ancillary)


async def probe_icmp(host: str, timeout: float) -> Outcome:
    """Send one echo request to `host` and wait up to `timeout` seconds for the reply.
    Uses raw sockets when running as root (falling back to unprivileged ICMP sockets when
    a container withholds them), unprivileged ICMP sockets otherwise. The latency is the
    kernel's receive time of the reply less the time the request was sent."""
    outcome = failed(NOT_PERMITTED, retryable=False)
    for privileged in (True, False) if _is_root() else (False,):
        outcome = await _ping(host, timeout, privileged)
        if outcome.reason != NOT_PERMITTED:
            break
    return outcome


async def _ping(host: str, timeout: float, privileged: bool) -> Outcome:
    try:
        async with asyncio.timeout(timeout):
            return await _echo(host, privileged)
    except TimeoutError:
        return failed(timed_out(timeout))
    except (SocketPermissionError, PermissionError):  # the socket was refused
        return failed(NOT_PERMITTED, retryable=False)
    except NameLookupError:
        return failed("DNS: name not found")
    except ICMPLibError as exc:  # an ICMP error answered the request (unreachable, TTL)
        return failed(f"ICMP: {exc}")
    except OSError as exc:
        return failed(f"ICMP error: {type(exc).__name__}")


async def _echo(host: str, privileged: bool) -> Outcome:
    address = (await async_resolve(host))[0] if is_hostname(host) else host
    stamped = _StampedV6 if is_ipv6_address(address) else _StampedV4
    with stamped(SOURCE_ADDRESS.get(), privileged) as sock:
        request = ICMPRequest(destination=address, id=_next_id(), sequence=0)
        sock.send(request)  # reads the clock just before sendto
        reply = await sock.reply_to(request)
    reply.raise_for_status()
    return Outcome(True, max(0.0, reply.time - request.time), "echo reply")
