"""The fault servers themselves (tests/fault_servers.py).

A connection whose handler has returned is closed on the server's own loop. Left open, it
waits for the garbage collector, which may run in the probing thread: its StreamWriter's
finalizer then closes the transport from that thread, after the socket's own finalizer
has freed the file descriptor, and so unregisters the newer connection that reused the
descriptor from the server's selector. That connection's request is never read, and the
probe waits out its attempt (the redirect-loop row's occasional 'timed out after 10 s'
under load: about 1 pass in 100, each pass opening 21 connections).
"""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator

import pytest

from tests import fault_servers as fs

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture
def thread() -> Iterator[fs.ServerThread]:
    thread = fs.ServerThread()
    yield thread
    thread.stop()


@pytest.mark.parametrize(
    ("handler", "answer"),
    [
        (fs.redirect("/"), b"HTTP/1.1 302 Found\r\n"),
        (fs.dribble(b"HTTP/1.1 200 OK\r\n\r\n", every=0), b"HTTP/1.1 200 OK\r\n\r\n"),
    ],
    ids=["redirect", "dribble"],
)
def test_a_connection_is_closed_when_its_handler_returns(
    thread: fs.ServerThread, handler: fs.Handler, answer: bytes
) -> None:
    server, port = thread.serve(handler, None)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # only the server's own close may end the connection, not a collection
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
            sock.sendall(REQUEST)
            sock.shutdown(socket.SHUT_WR)  # the client is done: the handler returns
            received = b""
            while chunk := sock.recv(65536):  # up to the server's FIN; a timeout fails
                received += chunk
    finally:
        if gc_was_enabled:
            gc.enable()
        thread.close(server)
    assert received.startswith(answer)
