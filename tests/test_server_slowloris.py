"""Slowloris: `statusgen serve` closes connections that send nothing or trickle their
request head, however many bytes trickle in, and keeps answering everyone else."""

from __future__ import annotations

import signal
import socket
import time

import httpx

from tests.server_support import make_project
from tests.test_server_sigterm import Serve

SLOW = 12  # sockets of each kind: bounded, far below the file limit
HEADER_TIMEOUT = 1.0


def closed_by_peer(sock: socket.socket) -> bool:
    try:
        return sock.recv(1024) == b""
    except BlockingIOError:
        return False
    except (ConnectionResetError, ConnectionAbortedError):
        return True


def test_idle_and_slow_header_connections_are_closed(tmp_path):
    config = make_project(tmp_path, '[page]\nname = "Slow"\n')
    server = Serve(config.path, "--header-timeout", str(HEADER_TIMEOUT))
    sockets: list[socket.socket] = []
    try:
        url = server.url()
        port = int(url.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(SLOW)]
        slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(SLOW)]
        kept = socket.create_connection(("127.0.0.1", port))  # one whole request, then idle
        kept.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        sockets = [*idle, *slow, kept]
        for sock in slow:
            sock.sendall(b"GET / HTTP/1.1\r\n")
        for sock in sockets:
            sock.setblocking(False)
        began = time.monotonic()
        open_ones = set(sockets)
        # Keep trickling one header byte every 0.2 s: each byte would restart uvicorn's
        # keep-alive timer; the head deadline must still close them.
        while open_ones and time.monotonic() - began < HEADER_TIMEOUT + 8:
            for sock in list(open_ones):
                if closed_by_peer(sock):
                    open_ones.discard(sock)
                elif sock in slow:
                    try:
                        sock.send(b"X")
                    except OSError:
                        open_ones.discard(sock)
            time.sleep(0.2)
        assert not open_ones, f"{len(open_ones)} of {len(sockets)} connections still open"
        assert httpx.get(url + "/robots.txt", timeout=10).status_code == 200
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=20) == 0
    finally:
        for sock in sockets:
            sock.close()
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
