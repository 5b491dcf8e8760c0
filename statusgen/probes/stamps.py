"""The kernel's receive time of what a socket reads, and waiting on a bare socket.

With Linux's `SO_TIMESTAMPNS` set, every `recvmsg` carries the time the kernel received
the data it returns (for TCP, the last segment read): a reply the busy event loop reads
late is still timed when it arrived. The ICMP probe and the plain-HTTP stream use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import sys
import time
from collections.abc import Callable

# Linux's SO_TIMESTAMPNS (the same number as its control message, SCM_TIMESTAMPNS): the
# socket module does not name it. Its data is a struct timespec of two native longs.
SO_TIMESTAMPNS = 35 if sys.platform == "linux" else None
_TIMESPEC = struct.Struct("@ll")
ANCILLARY = socket.CMSG_SPACE(_TIMESPEC.size)


_keeper: socket.socket | None = None


def stamp_received(sock: socket.socket) -> None:
    """Ask the kernel to time what `sock` receives (nothing where it cannot)."""
    if SO_TIMESTAMPNS is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)


def keep_stamps_on() -> None:
    """Keep one socket of this process asking for receive times, from now on. Linux
    times received packets only while some socket asks; when none does, the first one to
    ask switches timing on later, from a kernel work queue, so a reply arriving in the
    meantime carries no time and is timed when it is read (as a busy loop reads it:
    late). Called when the probe engine makes its first connection-maker, well before
    its first reply."""
    global _keeper
    if _keeper is None and SO_TIMESTAMPNS is not None:
        with contextlib.suppress(OSError):
            keeper = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            stamp_received(keeper)
            _keeper = keeper


def kernel_time(ancillary: list[tuple[int, int, bytes]]) -> float | None:
    """The receive time (wall-clock seconds, as `time.time()`) in `recvmsg`'s ancillary
    data, None when there is none."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= _TIMESPEC.size:
            seconds, nanoseconds = _TIMESPEC.unpack_from(data)
            return seconds + nanoseconds / 1e9
    return None


def received_at(ancillary: list[tuple[int, int, bytes]]) -> float:
    """The kernel's receive time, else now (the time the data is read)."""
    return kernel_time(ancillary) or time.time()


async def readable(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
    """Until `sock` has something to read (or its peer hung up)."""
    await _ready(loop, sock, loop.add_reader, loop.remove_reader)


async def writable(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
    """Until `sock` can take more to send."""
    await _ready(loop, sock, loop.add_writer, loop.remove_writer)


async def _ready(
    loop: asyncio.AbstractEventLoop,
    sock: socket.socket,
    add: Callable[..., object],
    remove: Callable[[int], object],
) -> None:
    ready = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    fd = sock.fileno()
    add(fd, wake)
    try:
        await ready
    finally:
        remove(fd)
