"""The probe fault suite: real misbehaving servers on 127.0.0.1, one table row each.

Every row runs a whole probe pass against one faulty server and asserts the replica's
status, its reason (a regular expression over the whole reason) and that the pass ended
within its deadline. One more test runs every fault in a single pass: a pass survives all
of them at once.

A fault judged by the attempt's timeout (a hang) gets delay_dead = 0.5 s, so a hang costs
0.5 s. A fault judged by what the server sends gets a generous delay_dead: that bound
costs time only when the probe is broken, while a tight one turns a slow handshake on a
loaded runner into "timed out" (or a healthy answer into a sick one) instead of the
verdict under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import trustme

from statusgen.clock import FixedClock
from statusgen.config import load_config
from statusgen.probes import make_client, run_probes
from statusgen.status import ProbeResult, Status
from tests import fault_servers as fs
from tests.conftest import write_project

DEAD = 0.5  # seconds per attempt of a fault whose verdict is the timeout: a hang's cost
ANSWERED = 10.0  # seconds per attempt of a fault judged by its answer: only a bug waits it out
GRACE = 3.0  # seconds a pass may take beyond its slowest attempt (client, set-up, clean-up)


@dataclass(frozen=True)
class Env:
    ca: trustme.CA  # the CA probes trust
    rogue: trustme.CA  # a CA nobody trusts
    folder: Path
    closed_port: int


@dataclass(frozen=True)
class Fault:
    id: str
    handler: Callable[[Env], fs.Handler]
    status: Status
    reason: str  # matches the whole reason; {expired}: yesterday's date, {dead}: delay_dead
    http: dict[str, object] = field(default_factory=dict)
    tls: Callable[[Env], ssl.SSLContext] | None = None
    scheme: str | None = None  # default: https when `tls` is set
    node: Callable[[Env], dict[str, object]] = lambda env: {}
    dead: float = ANSWERED  # seconds per attempt (DEAD for a fault that hangs)


def _ok(env: Env) -> fs.Handler:
    return fs.respond(fs.OK)


def _status(line: bytes) -> Callable[[Env], fs.Handler]:
    return lambda env: fs.respond(line)


def _second_connection_stalls(env: Env) -> fs.Handler:
    """A TCP relay to a server with an expired certificate that leaves the second
    connection (the probe's certificate read) silent."""
    context = fs.server_context(fs.expired(env.ca))
    state: dict[str, int] = {"count": 0, "port": 0}

    async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state["count"] += 1
        if not state["port"]:
            backend = await asyncio.start_server(fs.quiet(_ok(env)), "127.0.0.1", 0, ssl=context)
            state["port"] = backend.sockets[0].getsockname()[1]
        if state["count"] == 2:
            await reader.read()  # silent until the probe gives up on it
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", state["port"])
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    return relay


FAULTS = [
    # --- TCP and connection level
    Fault("reset-on-accept", lambda env: fs.reset_on_accept, Status.DEAD, "connection reset"),
    Fault(
        "close-without-response",
        lambda env: fs.respond(b""),
        Status.DEAD,
        "HTTP protocol error: server disconnected without sending a response",
    ),
    Fault(
        "reset-mid-headers",
        lambda env: fs.respond(b"HTTP/1.1 200 OK\r\nContent-Le", then="reset"),
        Status.DEAD,
        "connection reset",
    ),
    Fault(
        "hang-before-headers",
        lambda env: fs.hang,
        Status.DEAD,
        "timed out after {dead} s",
        dead=DEAD,
    ),
    Fault(
        "hang-mid-headers",
        lambda env: fs.respond(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", then="hang"),
        Status.DEAD,
        "timed out after {dead} s",
        dead=DEAD,
    ),
    Fault(
        "dribble-headers",
        lambda env: fs.dribble(fs.OK),
        Status.DEAD,
        "timed out after {dead} s",
        dead=DEAD,
    ),
    # --- bodies
    Fault(
        "hang-mid-body",
        lambda env: fs.respond(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nOK", then="hang"),
        Status.DEAD,
        "timed out after {dead} s",
        http={"healthy_match": "OK"},
        dead=DEAD,
    ),
    Fault(
        "reset-mid-body",
        lambda env: fs.respond(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nOK", then="reset"),
        Status.DEAD,
        "connection reset",
        http={"healthy_match": "OK"},
    ),
    Fault(
        "endless-chunked-first-chunk-matches",
        lambda env: fs.endless_chunks(b"status: OK\n", b"x" * 1024, pause=0.05),
        Status.HEALTHY,
        "HTTP 200",
        http={"healthy_match": "OK"},
    ),
    Fault(
        "endless-chunked-regex-first-chunk-matches",
        lambda env: fs.endless_chunks(b"workers: 12\n", b"x" * 1024, pause=0.05),
        Status.HEALTHY,
        "HTTP 200",
        http={"healthy_match": r"/workers: [1-9]\d*/"},
    ),
    Fault(
        "endless-chunked-without-match",
        lambda env: fs.endless_chunks(b"starting"),
        Status.DEAD,
        "body did not contain 'NEEDLE' in the first 1 MiB",
        http={"healthy_match": "NEEDLE"},
    ),
    Fault(
        "lying-content-length",
        _status(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nOK"),
        Status.DEAD,
        "body truncated: 2 of 100 bytes",
        http={"healthy_match": "OK"},
    ),
    Fault(
        "bad-chunked-encoding",
        _status(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nOK\r\n"),
        Status.DEAD,
        "bad chunked encoding",
        http={"healthy_match": "OK"},
    ),
    Fault(
        "catastrophic-regex",
        _status(b"HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n" + b"x" * 40000),
        Status.DEAD,
        "body match timed out",
        http={"healthy_match": "/(x+x+)+y/"},
        dead=4 * DEAD,  # the body must arrive before the deadline falls, mid-match
    ),
    # --- not quite HTTP
    Fault(
        "bad-status-line",
        _status(b"HTTP/1.1 abc\r\n\r\n"),
        Status.DEAD,
        "bad status line 'HTTP/1.1 abc'",
    ),
    Fault(
        "garbage-response",
        _status(b"\x00\x01\x02garbage\xff\r\n\r\n"),
        Status.DEAD,
        "not an HTTP response",
    ),
    Fault(
        "http-0.9",
        _status(b"<html><body>OK</body></html>\r\n\r\n"),
        Status.DEAD,
        "not an HTTP response",
    ),
    Fault(
        "huge-headers",
        _status(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\nOK"),
        Status.DEAD,
        "response headers too large",
    ),
    Fault(
        "server-error",
        _status(b"HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"),
        Status.DEAD,
        r"HTTP 503 \(healthy 200-399\)",
        http={"healthy_match": "OK"},
    ),
    # --- redirects
    Fault(
        "redirect-loop",
        lambda env: fs.redirect("/"),
        Status.DEAD,
        "too many redirects",
    ),
    Fault(
        "redirect-to-closed-port",
        lambda env: fs.redirect(f"http://127.0.0.1:{env.closed_port}/"),
        Status.DEAD,
        "connection refused after 1 redirect",
    ),
    # --- TLS
    Fault(
        "tls-trusted",
        _ok,
        Status.HEALTHY,
        "HTTP 200",
        tls=lambda env: fs.server_context(env.ca.issue_cert("127.0.0.1")),
    ),
    Fault(
        "tls-expired",
        _ok,
        Status.DEAD,
        "TLS: certificate expired on {expired}",
        tls=lambda env: fs.server_context(fs.expired(env.ca)),
    ),
    Fault(
        "tls-wrong-host",
        _ok,
        Status.DEAD,
        "TLS: name mismatch",
        tls=lambda env: fs.server_context(env.ca.issue_cert("other.example")),
    ),
    Fault(
        "tls-self-signed",
        _ok,
        Status.DEAD,
        "TLS: self-signed certificate",
        tls=lambda env: fs.self_signed_context("127.0.0.1", env.folder),
    ),
    Fault(
        "tls-untrusted-issuer",
        _ok,
        Status.DEAD,
        "TLS: untrusted issuer 'trustme.*'",
        tls=lambda env: fs.server_context(env.rogue.issue_cert("127.0.0.1")),
    ),
    Fault(
        "tls-expired-wrong-host-untrusted",
        _ok,
        Status.DEAD,
        "TLS: certificate expired on {expired}, name mismatch, untrusted issuer 'trustme.*'",
        tls=lambda env: fs.server_context(fs.expired(env.rogue, "other.example")),
    ),
    Fault(
        "tls-expired-unverified",
        _ok,
        Status.DEAD,
        "TLS: certificate expired on {expired}",
        http={"verify_tls": False},
        tls=lambda env: fs.server_context(fs.expired(env.rogue, "other.example")),
    ),
    Fault(
        "tls-self-signed-unverified",
        _ok,
        Status.HEALTHY,
        "HTTP 200",
        http={"verify_tls": False},
        tls=lambda env: fs.self_signed_context("127.0.0.1", env.folder),
    ),
    Fault(
        "tls-internal-ca-file",
        _ok,
        Status.HEALTHY,
        "HTTP 200",
        tls=lambda env: fs.server_context(env.rogue.issue_cert("127.0.0.1")),
        node=lambda env: {"tls": {"ca_file": str(env.folder / "rogue-ca.pem")}},
    ),
    Fault(
        "tls-handshake-hang",
        lambda env: fs.hang,
        Status.DEAD,
        "timed out after {dead} s",
        scheme="https",
        dead=DEAD,
    ),
    Fault(
        "tls-close-mid-handshake",
        lambda env: fs.close_after_hello,
        Status.DEAD,
        "TLS: connection closed during the handshake",
        scheme="https",
    ),
    Fault(
        "tls-expired-certificate-read-stalls",
        _second_connection_stalls,
        Status.DEAD,
        "TLS: certificate expired on {expired}",
        scheme="https",
        dead=3.0,
    ),
    Fault(
        "https-to-plain-http",
        lambda env: fs.respond(b"HTTP/1.1 400 Bad Request\r\n\r\n", raw=True),
        Status.DEAD,
        r"TLS: the server does not speak TLS \(wrong version number\)",
        scheme="https",
    ),
]


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def servers() -> Iterator[fs.ServerThread]:
    thread = fs.ServerThread()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    folder = tmp_path_factory.mktemp("faults")
    rogue = trustme.CA()
    rogue.cert_pem.write_to_path(str(folder / "rogue-ca.pem"))
    with socket.create_server(("127.0.0.1", 0)) as sock:
        closed_port = sock.getsockname()[1]
    return Env(trustme.CA(), rogue, folder, closed_port)


def trusting(env: Env) -> Callable[[bool | ssl.SSLContext, int], httpx.AsyncClient]:
    """The production client, trusting the test CA instead of the system's."""

    def factory(verify: bool | ssl.SSLContext, concurrency: int) -> httpx.AsyncClient:
        if verify is True:
            context = ssl.create_default_context()
            env.ca.configure_trust(context)
            verify = context
        return make_client(verify, concurrency)

    return factory


def node_toml(index: int, fault: Fault, url: str, env: Env, dead: float) -> str:
    options = {"http": fault.http, **fault.node(env)}
    tables = "".join(
        f"\n[services.nodes.{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in t.items())
        for name, t in options.items()
        if t
    )
    return f"""
[[services.nodes]]
id = "n{index}"
label = "{fault.id}"
retry = 0
delay_sick = {dead - 0.1}
delay_dead = {dead}
replicas = ["{url}"]
{tables}"""


def serve(fault: Fault, env: Env, thread: fs.ServerThread) -> tuple[asyncio.Server, str]:
    context = fault.tls(env) if fault.tls else None
    server, port = thread.serve(fault.handler(env), context)
    scheme = fault.scheme or ("https" if context else "http")
    return server, f"{scheme}://127.0.0.1:{port}/"


def pass_deadline(faults: list[Fault], slack: float = 0) -> float:
    """The pass's deadline: its slowest attempt and a grace. Every fault is judged by its
    own attempt's bound, well within it (a verdict from the deadline fails the row)."""
    return max(f.dead for f in faults) + slack + GRACE


def run_pass(
    faults: list[Fault],
    env: Env,
    thread: fs.ServerThread,
    root: Path,
    *,
    slack: float = 0,
) -> tuple[list[ProbeResult], float]:
    """Serve each fault and probe them all in one pass, each attempt allowed `slack` more
    seconds than the fault's own; the results and the pass's own seconds (serving the
    faults and loading the config are the test's, not the pass's)."""
    servers = [serve(fault, env, thread) for fault in faults]
    nodes = "".join(
        node_toml(i, f, url, env, f.dead + slack)
        for i, (f, (_, url)) in enumerate(zip(faults, servers, strict=True))
    )
    text = f'[page]\nname = "Faults"\n[probe]\ndeadline = {pass_deadline(faults, slack)}\n'
    text += f'[[services]]\nid = "faults"\nname = "Faults"\n{nodes}'
    config = load_config(write_project(root, text))
    clock = FixedClock(fs.days(0))
    try:
        started = time.perf_counter()
        results = asyncio.run(run_probes(config, clock, client_factory=trusting(env)))
        elapsed = time.perf_counter() - started
    finally:
        for server, _ in servers:
            thread.close(server)
    return results, elapsed


def expected_reason(fault: Fault, dead: float) -> str:
    reason = fault.reason.replace("{expired}", fs.days(-1).date().isoformat())
    return reason.replace("{dead}", re.escape(f"{dead:g}"))


def assert_judged(fault: Fault, result: ProbeResult, slack: float = 0) -> None:
    assert result.status is fault.status, (fault.id, result.status, result.reason)
    pattern = expected_reason(fault, fault.dead + slack)
    assert re.fullmatch(pattern, result.reason), (fault.id, result.reason)


# --- the suite ------------------------------------------------------------------------


def test_the_suite_has_at_least_twenty_network_faults() -> None:
    assert len({f.id for f in FAULTS}) == len(FAULTS) >= 20


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
def test_fault(fault: Fault, env: Env, servers: fs.ServerThread, tmp_path: Path) -> None:
    (result,), elapsed = run_pass([fault], env, servers, tmp_path)
    assert_judged(fault, result)
    assert elapsed < pass_deadline([fault])


def test_one_pass_survives_every_fault_at_once(
    env: Env, servers: fs.ServerThread, tmp_path: Path
) -> None:
    # Thirty-odd handshakes and streams at once on two shared cores: a wider attempt (the
    # catastrophic regex's body must still arrive before its attempt's deadline).
    slack = 3.0
    results, elapsed = run_pass(FAULTS, env, servers, tmp_path, slack=slack)
    for fault, result in zip(FAULTS, results, strict=True):
        assert_judged(fault, result, slack=slack)
    assert elapsed < pass_deadline(FAULTS, slack)
