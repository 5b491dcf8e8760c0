"""An httpcore network backend on asyncio's own streams, for plain-HTTP probes.

httpcore runs on anyio by default, and anyio wraps every connect, read and write in a
cancel scope of its own (a task group for each connect): a third of the CPU of a
plain-HTTP probe. A probe's connection is opened, used for one request and closed, so it
needs none of that; timeouts come from `asyncio.timeout`, and failures are raised as
httpcore's exceptions from the OSError underneath, as anyio's backend raises them. TLS
connections keep httpcore's own backend (`start_tls` is not offered here).
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Iterable
from typing import Any

import httpcore

SocketOption = tuple[int, int, int | bytes] | tuple[int, int, None, int]


class PlainStream(httpcore.AsyncNetworkStream):
    """One TCP connection as httpcore reads and writes it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.ReadError(exc) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._writer.transport.is_closing():  # reset or closed before it could send
            raise httpcore.WriteError(self._lost()) from self._lost()
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.WriteError(exc) from exc

    def _lost(self) -> OSError:
        """Why the connection went: the reset the reader saw, else a plain close."""
        error = self._reader.exception()
        if isinstance(error, OSError):
            return error
        return BrokenPipeError(errno.EPIPE, "connection closed")

    async def aclose(self) -> None:
        self._writer.close()
        await asyncio.sleep(0)  # the transport closes on the loop's next turn: let it

    async def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise NotImplementedError("plain HTTP only: TLS keeps httpcore's own backend")

    def get_extra_info(self, info: str) -> Any:
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":  # the server sent something, or hung up, while idle
            return self._reader.at_eof()
        return None


class PlainBackend(httpcore.AsyncNetworkBackend):
    """Opens `PlainStream`s."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        local = None if local_address is None else (local_address, 0)
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(exc) from exc
        except OSError as exc:
            raise httpcore.ConnectError(exc) from exc
        sock: socket.socket | None = writer.get_extra_info("socket")
        for option in socket_options or ():
            if sock is not None:
                sock.setsockopt(*option)  # type: ignore[arg-type]
        return PlainStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
