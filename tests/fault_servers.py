"""Misbehaving servers for the probe fault suite: each is an asyncio connection handler
served on 127.0.0.1 in the test's own event loop, plus the certificates TLS faults present.

Handlers never sleep to wait for state: a "hang" waits on an event that never fires, a
"dribble" writes on a timer until the probe gives up and closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import socket
import ssl
import struct
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK"


async def forever() -> None:
    await asyncio.Event().wait()


async def read_request(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
        await reader.readuntil(b"\r\n\r\n")


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with an RST instead of a FIN (SO_LINGER 0)."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


# --- handlers -----------------------------------------------------------------------


def respond(data: bytes, then: str = "close", *, raw: bool = False) -> Handler:
    """Read the request (`raw`: whatever arrives first, a TLS ClientHello say), write
    `data`, then `close`, `reset` or `hang`."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if raw:
            await reader.read(65536)
        else:
            await read_request(reader)
        writer.write(data)
        await writer.drain()
        if then == "hang":
            await forever()
        elif then == "reset":
            reset(writer)
        else:
            writer.close()

    return handler


async def reset_on_accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    reset(writer)


async def hang(reader: asyncio.StreamReader, _: asyncio.StreamWriter) -> None:
    """Accept, read whatever comes (a request, a TLS ClientHello) and never answer."""
    await reader.read(65536)
    await forever()


async def close_after_hello(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Read a TLS ClientHello and close before any ServerHello."""
    await reader.read(65536)
    writer.close()


def dribble(data: bytes, every: float = 0.2) -> Handler:
    """Write `data` one byte every `every` seconds (a slowloris in reverse)."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(every)

    return handler


def endless_chunks(first: bytes, rest: bytes = b"x" * 65536, pause: float = 0) -> Handler:
    """A chunked body that never ends: `first`, then `rest` every `pause` seconds."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = first
        while True:
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
            await asyncio.sleep(pause)
            chunk = rest

    return handler


def redirect(location: str) -> Handler:
    """Answer every request on the connection (kept alive) with a redirect."""
    answer = f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while not reader.at_eof():
            await read_request(reader)
            writer.write(answer.encode())
            await writer.drain()

    return handler


def quiet(handler: Handler) -> Handler:
    """The probe closing or resetting mid-write is expected, not worth a traceback. The
    connection is closed when the handler ends, here on the server's loop: one left to the
    garbage collector may be finalized in the probing thread, whose StreamWriter finalizer
    closes the transport from there after its socket's descriptor was freed, and so takes
    the reader of a newer connection that reused that descriptor off the server's selector
    (that connection's request is never read; tests/test_fault_servers.py)."""

    async def wrapped(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            with contextlib.suppress(ConnectionError):
                await handler(reader, writer)
        finally:
            writer.close()

    return wrapped


class ServerThread:
    """An event loop in its own thread that serves the fault handlers, so the servers'
    work never stalls the probing loop (and the other way round)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def serve(self, handler: Handler, context: ssl.SSLContext | None) -> tuple[asyncio.Server, int]:
        async def start() -> asyncio.Server:
            return await asyncio.start_server(quiet(handler), "127.0.0.1", 0, ssl=context)

        server = asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        return server, server.sockets[0].getsockname()[1]

    def close(self, server: asyncio.Server) -> None:
        self.loop.call_soon_threadsafe(server.close)

    def stop(self) -> None:
        async def cancel_all() -> None:
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(cancel_all(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


# --- certificates ---------------------------------------------------------------------


def days(n: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(days=n)


def server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    return context


def expired(ca: trustme.CA, host: str = "127.0.0.1") -> trustme.LeafCert:
    return ca.issue_cert(host, not_before=days(-30), not_after=days(-1))


def self_signed(host: str, folder: Path) -> tuple[Path, Path]:
    """A genuinely self-signed certificate (its own issuer) for `host`, valid for a year, as PEM
    files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(days(-1))
        .not_valid_after(days(365))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "self-signed.pem", folder / "self-signed.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def self_signed_context(host: str, folder: Path) -> ssl.SSLContext:
    """A server context presenting a genuinely self-signed certificate (its own issuer)."""
    cert_path, key_path = self_signed(host, folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context
