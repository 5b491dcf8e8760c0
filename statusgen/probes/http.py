"""HTTP and HTTPS probes over shared `httpx.AsyncClient`s.

httpx fixes TLS verification per client, so a pass keeps one client per trust setting
(`ClientPool`: verification on or off, and which extra CA file), each with one SSL context
made once, on its first `https://` request (`trust`: loading the CA store takes 35 to 60
ms, which a page of `http://` nodes never needs; the pass loads it before its first
probe when it has `https://` nodes, see `probes.runner`).

Each request gets a connection of its own, closed with its response (`OwnConnections`):
a probe never reads a body it does not need, and httpcore closes a connection whose
response was not read to its end, so a pool of connections saved nothing, while httpcore's
pool scans every connection it holds (slow and hanging targets' included) twice per
request: a fifth of the CPU of a 1,000-replica pass.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from time import perf_counter
from types import TracebackType
from typing import Any

import httpcore
import httpx

from statusgen import USER_AGENT
from statusgen.config import HttpOptions
from statusgen.probes import tls
from statusgen.probes.base import (
    SOURCE_ADDRESS,
    Outcome,
    chain,
    describe_error,
    failed,
    timed_out,
)
from statusgen.probes.body import (
    MATCH_TIMED_OUT,
    BodySearch,
    Match,
    MatchTimeout,
    healthy_status,
    judge_response,
)
from statusgen.probes.facts import http_facts, read_capped_body
from statusgen.probes.plainstream import PlainBackend
from statusgen.probes.protocol import protocol_reason
from statusgen.probes.timing import HttpTrace

ClientFactory = Callable[[bool | ssl.SSLContext, int], httpx.AsyncClient]
"""Builds a client for one trust setting and a concurrency: `(verify, limit)`. `verify`
is True, False, or an `ssl.SSLContext` that trusts a node's `tls.ca_file`."""


def make_client(
    verify: bool | ssl.SSLContext = True,
    concurrency: int = 100,
    local_address: str | None = None,
) -> httpx.AsyncClient:
    """The client statusgen probes with: statusgen's user agent, redirects followed, no
    cookies kept between probes, no proxies or .netrc from the environment (a probe
    measures the target itself), and a connection of its own for each request, from
    `local_address` when given (a location's `source_address`). `concurrency` is kept
    for callers: the pass bounds its probes in flight itself.

    `verify` may be an `ssl.SSLContext`, which is how a caller trusts its own CA."""
    del concurrency  # each request has its own connection: nothing to size
    return _ProbeClient(
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        trust_env=False,
        transport=OwnConnections(verify, local_address),
    )


_TRUST: dict[bool, ssl.SSLContext] = {}


def trust(verify: bool | ssl.SSLContext) -> ssl.SSLContext:
    """The SSL context for `verify`: a node's own (`tls.ca_file`) as given; the system's
    CA store (or none) made once per process, as nothing in it changes while it runs."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify not in _TRUST:
        _TRUST[verify] = httpx.create_ssl_context(verify=verify, trust_env=False)
    return _TRUST[verify]


class OwnConnections(httpx.AsyncBaseTransport):
    """An httpx transport that sends each request on a new connection, closed when its
    response is closed (see the module's docstring for why)."""

    def __init__(
        self, verify: bool | ssl.SSLContext = True, local_address: str | None = None
    ) -> None:
        self._verify = verify
        self._local_address = local_address
        self._plain = PlainBackend()
        self._open: set[httpx.AsyncHTTPTransport] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        transport = httpx.AsyncHTTPTransport(
            # A plain request's connection is the bare one below, never TLS (a redirect
            # to https:// is a request of its own): it gets the context that loads no
            # CA store, which httpx still wants.
            verify=trust(self._verify if url.scheme == "https" else False),
            trust_env=False,
            limits=_ONE_CONNECTION,
            local_address=self._local_address,
        )
        if url.scheme == "http":
            # httpx takes no network backend: its transport gets the one connection it
            # needs, on a bare socket (statusgen.probes.plainstream says why).
            transport._pool = httpcore.AsyncHTTPConnection(
                httpcore.Origin(b"http", url.raw_host, url.port or 80),
                local_address=self._local_address,
                network_backend=self._plain,
            )
        self._open.add(transport)
        try:
            response = await transport.handle_async_request(request)
        except BaseException:
            await self._close(transport)
            raise
        response.stream = _ClosingStream(response.stream, self, transport)
        return response

    async def _close(self, transport: httpx.AsyncHTTPTransport) -> None:
        self._open.discard(transport)
        await transport.aclose()

    async def aclose(self) -> None:
        transports, self._open = list(self._open), set()
        for transport in transports:
            await transport.aclose()


_ONE_CONNECTION = httpx.Limits(max_connections=1, max_keepalive_connections=0)


class _ClosingStream(httpx.AsyncByteStream):
    """A response body that closes its request's own connection when it is closed."""

    def __init__(
        self,
        stream: httpx.AsyncByteStream,
        owner: OwnConnections,
        transport: httpx.AsyncHTTPTransport,
    ) -> None:
        self._stream = stream
        self._owner = owner
        self._transport = transport

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            await self._owner._close(self._transport)


class _NoCookies(httpx.Cookies):
    """A cookie store that keeps nothing: a probe carries no state from one request to
    the next. (A `CookieJar` whose policy refuses every cookie does the same, but httpx
    still builds urllib's request and response copies for it on every answer.)"""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class _ProbeClient(httpx.AsyncClient):
    """An `httpx.AsyncClient` whose cookie store keeps nothing (`_NoCookies`)."""

    def __init__(self, **options: Any) -> None:
        self._no_cookies = _NoCookies()
        super().__init__(**options)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        return None  # never kept


def _default_factory(verify: bool | ssl.SSLContext, concurrency: int) -> httpx.AsyncClient:
    # Made inside the pass, so the pass's source address (if any) is the one in effect.
    return make_client(verify, concurrency, SOURCE_ADDRESS.get())


class ClientPool:
    """One client per trust setting, made on first use and closed together.

    Use as `async with ClientPool(factory, concurrency) as pool:`; `factory` defaults to
    `make_client` and is the injection point for tests and custom trust stores."""

    def __init__(self, factory: ClientFactory | None = None, concurrency: int = 100) -> None:
        self._factory = factory or _default_factory
        self._concurrency = concurrency
        self._clients: dict[tuple[bool, str | None], httpx.AsyncClient] = {}

    def get(self, verify: bool, ca_file: str | Path | None = None) -> httpx.AsyncClient:
        """The client for `verify`; with `ca_file` (ignored when not verifying), one
        that also trusts the CAs in that PEM file."""
        key = (verify, str(ca_file) if verify and ca_file else None)
        if key not in self._clients:
            trust = tls.trust_context(key[1]) if key[1] else verify
            self._clients[key] = self._factory(trust, self._concurrency)
        return self._clients[key]

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def __aenter__(self) -> ClientPool:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def probe_http(
    url: str,
    options: HttpOptions,
    timeout: float,
    pool: ClientPool,
    read_body: bool = False,
    ca_file: str | Path | None = None,
) -> Outcome:
    """One request to `url` with the node's options, following redirects, bounded by
    `timeout` seconds in all (connect, TLS, headers and the body search). The body is read
    only when `healthy_match` needs it, or for conditions when `read_body`. `ca_file` is a
    PEM file of extra trusted CAs."""
    client = pool.get(options.verify_tls, ca_file)
    trip = _Trip(_parsed_url(url), HttpTrace())
    deadline = asyncio.get_running_loop().time() + timeout
    started = perf_counter()
    search = BodySearch(options.healthy_match, deadline) if options.healthy_match else None
    match: Match | None = None
    cert_problem: str | None = None
    try:
        async with asyncio.timeout_at(deadline):
            response = await _send(client, options, timeout, trip)
            try:
                if search is not None and healthy_status(response.status_code, options):
                    match = await search.run(response)
                text, truncated = await read_capped_body(response) if read_body else (None, False)
                latency = trip.trace.latency if trip.trace.seen else perf_counter() - started
                facts = http_facts(response, latency, text, truncated)
                if not options.verify_tls:
                    cert_problem = _unverified_problem(response)
            finally:
                await response.aclose()
    except MatchTimeout:
        return failed(MATCH_TIMED_OUT, retryable=False)
    except (TimeoutError, httpx.TimeoutException):
        if search is not None and search.interrupted:
            return failed(MATCH_TIMED_OUT, retryable=False)
        return failed(timed_out(timeout))
    except (httpx.HTTPError, OSError) as exc:
        certificate = await _certificate_reason(exc, trip, deadline)
        if certificate is not None:
            return failed(certificate, retryable=False)
        reason = describe_http_error(exc)
        if isinstance(exc, httpx.TooManyRedirects):
            return failed(reason, retryable=False)
        return failed(trip.after_redirects(reason))
    timings = {"connect": trip.trace.connect, "tls": trip.trace.tls}
    if cert_problem is not None:
        return Outcome(False, latency, cert_problem, retryable=False, facts=facts, **timings)
    ok, reason = judge_response(response.status_code, match, options)
    return Outcome(ok, latency, reason, facts=facts, **timings)


@lru_cache(maxsize=16384)
def _parsed_url(url: str) -> httpx.URL:
    # httpx.URL is immutable, and a replica's URL is parsed on every attempt otherwise.
    return httpx.URL(url)


@dataclass(slots=True)
class _Trip:
    """Where one probe request has got to: its current URL, redirects followed, and the
    timings of its requests so far."""

    url: httpx.URL
    trace: HttpTrace
    redirects: int = 0

    def after_redirects(self, reason: str) -> str:
        # The URL redirected to is not named: it may carry what the replica URL hides.
        if not self.redirects:
            return reason
        plural = "s" if self.redirects > 1 else ""
        return f"{reason} after {self.redirects} redirect{plural}"


async def _send(
    client: httpx.AsyncClient, options: HttpOptions, timeout: float, trip: _Trip
) -> httpx.Response:
    """Send the probe request and follow redirects one by one, so a failure can say that
    it came after a redirect. Returns the final response, streaming."""
    request = client.build_request(
        options.method, trip.url, headers=options.headers, content=options.body, timeout=timeout
    )
    while True:
        request.extensions["trace"] = trip.trace
        response = await client.send(request, stream=True, follow_redirects=False)
        if response.next_request is None:
            return response
        await response.aclose()
        if trip.redirects >= client.max_redirects:
            raise httpx.TooManyRedirects("too many redirects", request=request)
        request = response.next_request
        trip.url = request.url
        trip.redirects += 1


def _unverified_problem(response: httpx.Response) -> str | None:
    """With `verify_tls = false` nothing is verified, but an expired certificate still
    breaks every client that does verify: say so."""
    stream = response.extensions.get("network_stream")
    if response.url.scheme != "https" or stream is None:
        return None
    try:
        cert = tls.from_ssl_object(stream.get_extra_info("ssl_object"))
    except ValueError:  # a certificate cryptography cannot parse: nothing to judge
        return None
    found = tls.problems(cert, response.url.host, tls.utcnow()) if cert else []
    return tls.reason(found) if found else None


async def _certificate_reason(exc: BaseException, trip: _Trip, deadline: float) -> str | None:
    """When verification failed, every problem of the certificate: OpenSSL names only the
    first. Reads the certificate on a second, unverified connection within the time left."""
    error = next((e for e in chain(exc) if isinstance(e, ssl.SSLCertVerificationError)), None)
    if error is None or deadline <= asyncio.get_running_loop().time():
        return None
    host, port = trip.url.host, trip.url.port or 443
    loop = asyncio.get_running_loop()
    # The second connection is an extra: it gets a share of the time left, and one more
    # try when it stalls, so it never eats the attempt's own deadline.
    cert = None
    for share in (0.5, 0.9):
        now = loop.time()
        try:
            async with asyncio.timeout_at(now + (deadline - now) * share):
                cert = await tls.fetch(host, port)
            break
        except TimeoutError:
            continue
        except (OSError, ValueError):
            return None
    if cert is None:
        return None
    found = tls.problems(cert, host, tls.utcnow(), error.verify_code, error.verify_message)
    return trip.after_redirects(tls.reason(found))


def describe_http_error(exc: BaseException) -> str:
    """A short reason for a failed request: HTTP-level trouble first, then the network
    error underneath (TLS, DNS, refused)."""
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, httpx.RemoteProtocolError):
        return protocol_reason(str(exc))
    return describe_error(exc)
