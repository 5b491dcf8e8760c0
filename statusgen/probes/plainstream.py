"""An httpcore network backend on bare non-blocking sockets, for plain-HTTP probes.

httpcore runs on anyio by default, and anyio wraps every connect, read and write in a
cancel scope of its own (a task group for each connect): a third of the CPU of a
plain-HTTP probe. A probe's connection is opened, used for one request and closed, so it
needs none of that, nor asyncio's transports and streams: the socket is connected with
`connect_ex` (`tcp.connect_socket`), written with `send` and read with `recvmsg`, waiting
on the loop only when it would block. Timeouts come from `asyncio.timeout`, and failures
are raised as httpcore's exceptions from the OSError underneath, as anyio's backend
raises them. TLS connections keep httpcore's own backend (`start_tls` is not offered
here).

Reading with `recvmsg` is what times the answer where it happened: the socket has the
kernel's receive timestamps on (`statusgen.probes.stamps`), so `PlainStream.received_at`
is when the kernel received the data last read, and `sent_at` the clock read just before
the first byte was handed to it. A busy event loop that reads an answer late (behind a
thousand other probes' work) does not lengthen its latency (`statusgen.probes.timing`).
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterable
from typing import Any

import httpcore

from statusgen.probes.stamps import (
    ANCILLARY,
    keep_stamps_on,
    readable,
    received_at,
    stamp_received,
    writable,
)
from statusgen.probes.tcp import connect_first, connect_socket

SocketOption = tuple[int, int, int | bytes] | tuple[int, int, None, int]


class PlainStream(httpcore.AsyncNetworkStream):
    """One TCP connection as httpcore reads and writes it. `sent_at` is when its first
    byte was sent and `received_at` when the kernel received what was read last
    (wall-clock seconds, `time.time()`), None until then."""

    def __init__(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        self._sock = sock
        self._loop = loop
        self.sent_at: float | None = None
        self.received_at: float | None = None
        self._lost: OSError | None = None  # why a write failed
        # Read now: a reset later leaves the socket without a peer to ask for (a reset
        # already is for the first read or write to report).
        try:
            self._peer: Any = sock.getpeername()
        except OSError:
            self._peer = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            data, ancillary, _flags, _address = self._sock.recvmsg(max_bytes, ANCILLARY)
        except (BlockingIOError, InterruptedError):  # nothing yet: wait for it
            try:
                async with asyncio.timeout(timeout):
                    data, ancillary = await self._wait_and_read(max_bytes)
            except TimeoutError as exc:
                raise httpcore.ReadTimeout(exc) from exc
            except OSError as exc:
                raise httpcore.ReadError(exc) from exc
        except OSError as exc:
            raise httpcore.ReadError(exc) from exc
        if data:
            self.received_at = received_at(ancillary)
        elif self._lost is not None:
            # httpcore reads on after a failed write (a server may answer, then close):
            # the kernel reports a reset once, so the write's error stands for it here.
            raise httpcore.ReadError(self._lost) from self._lost
        return data

    async def _wait_and_read(self, max_bytes: int) -> tuple[bytes, list[Any]]:
        while True:
            await readable(self._loop, self._sock)
            try:
                data, ancillary, _flags, _address = self._sock.recvmsg(max_bytes, ANCILLARY)
            except (BlockingIOError, InterruptedError):
                continue
            return data, ancillary

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self.sent_at is None:
            self.sent_at = time.time()
        try:
            sent = self._sock.send(buffer)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            self._lost = exc
            raise httpcore.WriteError(exc) from exc
        if sent == len(buffer):
            return
        try:  # the kernel took part of it: send the rest as it makes room
            async with asyncio.timeout(timeout):
                await self._send_rest(memoryview(buffer)[sent:])
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(exc) from exc
        except OSError as exc:
            self._lost = exc
            raise httpcore.WriteError(exc) from exc

    async def _send_rest(self, view: memoryview) -> None:
        while view:
            await writable(self._loop, self._sock)
            try:
                view = view[self._sock.send(view) :]
            except (BlockingIOError, InterruptedError):
                continue

    async def aclose(self) -> None:
        self._sock.close()

    async def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise NotImplementedError("plain HTTP only: TLS keeps httpcore's own backend")

    def get_extra_info(self, info: str) -> Any:
        if info == "server_addr":
            return self._peer
        if info == "client_addr":
            try:
                return self._sock.getsockname()
            except OSError:  # closed
                return None
        if info == "socket":
            return self._sock
        if info == "is_readable":  # the server sent something, or hung up, while idle
            try:
                self._sock.recv(1, socket.MSG_PEEK)  # data, or b"" for a hang-up
            except (BlockingIOError, InterruptedError):
                return False
            except OSError:
                return True
            return True
        return None


class PlainBackend(httpcore.AsyncNetworkBackend):
    """Opens `PlainStream`s."""

    def __init__(self) -> None:
        keep_stamps_on()  # replies are timed from the first one (stamps.keep_stamps_on)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                sock = await _connect(loop, host, port, local_address)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.ConnectError(exc) from exc
        for option in socket_options or ():
            sock.setsockopt(*option)  # type: ignore[arg-type]
        return PlainStream(sock, loop)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connect(
    loop: asyncio.AbstractEventLoop, host: str, port: int, local_address: str | None
) -> socket.socket:
    """A connected non-blocking socket to the first of `host`'s addresses that answers
    (`tcp.connect_first`), from `local_address` when given; its received data timed by
    the kernel, Nagle's delay off."""

    async def connect(sock: socket.socket, address: Any) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if local_address is not None:
            sock.bind((local_address, 0))
        await connect_socket(loop, sock, address)

    sock, _ = await connect_first(loop, host, port, connect)
    stamp_received(sock)
    return sock
