"""The plain-HTTP network backend: httpcore's exceptions, from the OSError underneath,
as httpcore's own backend raises them (statusgen.probes.base reads reasons from those)."""

from __future__ import annotations

import asyncio
import socket

import httpcore
import pytest

from statusgen.probes.base import describe_error
from statusgen.probes.plainstream import PlainBackend


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_is_a_connect_error_that_says_so() -> None:
    async def main() -> None:
        await PlainBackend().connect_tcp("127.0.0.1", _closed_port(), timeout=5)

    with pytest.raises(httpcore.ConnectError) as caught:
        asyncio.run(main())
    assert describe_error(caught.value) == "connection refused"


def test_reads_and_writes_time_out_and_the_peer_is_known() -> None:
    async def main() -> object:
        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()  # never answers; returns when the probe hangs up
            writer.close()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            stream = await PlainBackend().connect_tcp("127.0.0.1", port, timeout=5)
            await stream.write(b"GET / HTTP/1.1\r\n\r\n", timeout=5)
            peer = stream.get_extra_info("server_addr")
            with pytest.raises(httpcore.ReadTimeout):
                await stream.read(100, timeout=0.05)
            await stream.aclose()
            return peer

    peer = asyncio.run(main())
    assert peer[0] == "127.0.0.1"
