"""HTTP and HTTPS probes over shared `httpx.AsyncClient`s.

httpx fixes TLS verification per client, so a pass keeps one client per verification
setting (`ClientPool`), each with connection limits sized to the pass's concurrency.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Callable
from functools import lru_cache
from http.cookiejar import CookieJar, DefaultCookiePolicy
from time import perf_counter
from types import TracebackType

import httpx

from statusgen import USER_AGENT
from statusgen.config import HttpOptions
from statusgen.probes.base import Outcome, describe_error, failed, lower_first, short, timed_out
from statusgen.probes.facts import http_facts, read_capped_body

MAX_BODY = 1 << 20  # bytes read for healthy_match; a status page is not a download manager

ClientFactory = Callable[[bool, int], httpx.AsyncClient]
"""Builds a client for one TLS-verification setting and a concurrency: `(verify, limit)`."""


def make_client(verify: bool | ssl.SSLContext = True, concurrency: int = 100) -> httpx.AsyncClient:
    """The client statusgen probes with: statusgen's user agent, redirects followed, no
    cookies kept between probes, no proxies or .netrc from the environment (a probe
    measures the target itself), and up to `concurrency` connections.

    `verify` may be an `ssl.SSLContext`, which is how a caller trusts its own CA."""
    return httpx.AsyncClient(
        verify=verify,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        trust_env=False,
    )


def _default_factory(verify: bool, concurrency: int) -> httpx.AsyncClient:
    return make_client(verify, concurrency)


class ClientPool:
    """One client per TLS-verification setting, made on first use and closed together.

    Use as `async with ClientPool(factory, concurrency) as pool:`; `factory` defaults to
    `make_client` and is the injection point for tests and custom trust stores."""

    def __init__(self, factory: ClientFactory | None = None, concurrency: int = 100) -> None:
        self._factory = factory or _default_factory
        self._concurrency = concurrency
        self._clients: dict[bool, httpx.AsyncClient] = {}

    def get(self, verify: bool) -> httpx.AsyncClient:
        if verify not in self._clients:
            self._clients[verify] = self._factory(verify, self._concurrency)
        return self._clients[verify]

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
    url: str, options: HttpOptions, timeout: float, pool: ClientPool, read_body: bool = False
) -> Outcome:
    """One request to `url` with the node's options, bounded by `timeout` seconds in all
    (connect, TLS, headers and the capped body read). The body is read only when
    `healthy_match` needs it, or for conditions when `read_body`."""
    client = pool.get(options.verify_tls)
    started = perf_counter()
    try:
        async with (
            asyncio.timeout(timeout),
            client.stream(
                options.method,
                url,
                headers=options.headers,
                content=options.body,
                timeout=timeout,
            ) as response,
        ):
            body = await read_capped(response) if options.healthy_match else None
            text, truncated = await read_capped_body(response) if read_body else (None, False)
            latency = perf_counter() - started
            facts = http_facts(response, latency, text, truncated)
    except (TimeoutError, httpx.TimeoutException):
        return failed(timed_out(timeout))
    except (httpx.HTTPError, OSError) as exc:
        return failed(describe_http_error(exc))
    ok, reason = judge_response(response.status_code, body, options)
    return Outcome(ok, latency, reason, facts=facts)


def describe_http_error(exc: BaseException) -> str:
    """A short reason for a failed request: HTTP-level trouble first, then the network
    error underneath (TLS, DNS, refused)."""
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, httpx.RemoteProtocolError):
        # The peer broke HTTP (closed early, sent garbage); h11's words say how, not where.
        return f"HTTP protocol error: {short(lower_first(str(exc))) or 'bad response'}"
    return describe_error(exc)


async def read_capped(response: httpx.Response, limit: int = MAX_BODY) -> str:
    """At most `limit` bytes of the decoded body, as text (undecodable bytes replaced)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    data = b"".join(chunks)[:limit]
    try:
        return data.decode(response.charset_encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", errors="replace")


def judge_response(status: int, body: str | None, options: HttpOptions) -> tuple[bool, str]:
    """Whether a response is healthy under the node's options, and why (pure).

    Healthy means `healthy_above <= status < healthy_below` and, when `healthy_match` is
    set, the body contains it (`/regex/` searches a regular expression)."""
    if not options.healthy_above <= status < options.healthy_below:
        bounds = f"{options.healthy_above}-{options.healthy_below - 1}"
        return False, f"HTTP {status} (healthy {bounds})"
    pattern = options.healthy_match
    if pattern and body is not None:
        if _is_regex(pattern):
            if not _compiled(pattern[1:-1]).search(body):
                return False, f"body did not match {pattern}"
        elif pattern not in body:
            return False, f"body did not contain {pattern!r}"
    return True, f"HTTP {status}"


def _is_regex(pattern: str) -> bool:
    return len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/")


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
