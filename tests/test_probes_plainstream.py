"""The plain-HTTP network backend: httpcore's exceptions, from the OSError underneath,
as httpcore's own backend raises them (statusgen.probes.base reads reasons from those)."""

from __future__ import annotations

import asyncio
import socket
import ssl

import httpcore
import httpx
import pytest

from statusgen.probes.base import describe_error
from statusgen.probes.plainstream import PlainBackend
from tests.fault_servers import reset


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


def test_a_plain_http_request_goes_through_the_asyncio_backend(monkeypatch) -> None:
    # OwnConnections sets httpx's private transport._pool: if an httpx upgrade stops
    # using it, plain requests would silently fall back to anyio's backend.
    from statusgen.probes import http, plainstream

    opened: list[tuple[str, int]] = []
    real_connect = plainstream.PlainBackend.connect_tcp

    async def counting(self, host, port, *args, **kwargs):
        opened.append((host, port))
        return await real_connect(self, host, port, *args, **kwargs)

    monkeypatch.setattr(plainstream.PlainBackend, "connect_tcp", counting)

    async def main() -> int:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            transport = http.OwnConnections(ssl.create_default_context())
            async with httpx.AsyncClient(transport=transport) as client:
                response = await client.get(f"http://127.0.0.1:{port}/")
        return response.status_code

    assert asyncio.run(main()) == 204
    assert len(opened) == 1 and opened[0][1] > 0


def test_a_name_is_resolved_and_a_large_body_is_sent_whole() -> None:
    # More than the socket's send buffer takes at once: the rest goes as it makes room.
    body = b"x" * (8 * 1024 * 1024)

    async def main() -> tuple[bytes, int]:
        async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            received = len(await reader.read())  # until the probe stops sending
            writer.write(str(received).encode())
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(count, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            stream = await PlainBackend().connect_tcp("localhost", port, timeout=5)
            await stream.write(body, timeout=10)
            stream.get_extra_info("socket").shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := await stream.read(100, timeout=10):
                answer += chunk
            await stream.aclose()
            return answer, port

    answer, _ = asyncio.run(main())
    assert int(answer) == len(body)


def test_the_peer_is_known_after_it_reset_the_connection() -> None:
    # [IP] is read once the answer is in, when the server may already have reset.
    async def main() -> tuple[object, int]:
        async def reset_after_hello(reader: asyncio.StreamReader, writer) -> None:
            await reader.read(1)
            reset(writer)

        server = await asyncio.start_server(reset_after_hello, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            stream = await PlainBackend().connect_tcp("127.0.0.1", port, timeout=5)
            await stream.write(b"x", timeout=5)
            with pytest.raises(httpcore.ReadError) as caught:
                await stream.read(100, timeout=5)  # until the reset arrives
            assert describe_error(caught.value) == "connection reset"
            peer = stream.get_extra_info("server_addr")
            await stream.aclose()
            return peer, port

    peer, port = asyncio.run(main())
    assert peer == ("127.0.0.1", port)


def test_a_connection_still_being_set_up_is_waited_for_within_the_timeout() -> None:
    # A listener whose backlog is full drops the SYN: the connection stays in progress.
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(0)
        port = listening.getsockname()[1]
        queued = [socket.socket() for _ in range(3)]
        for sock in queued:
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", port))

        async def main() -> None:
            await PlainBackend().connect_tcp("127.0.0.1", port, timeout=0.2)

        try:
            with pytest.raises(httpcore.ConnectTimeout):
                asyncio.run(main())
        finally:
            for sock in queued:
                sock.close()
