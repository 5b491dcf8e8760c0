"""What an HTTP answer shows to a node's conditions: status, body (capped), latency, the
address answered from, and the time left on the certificate."""

from __future__ import annotations

import httpx

from statusgen.conditions import Facts
from statusgen.probes import tls
from statusgen.probes.body import MAX_BODY


async def read_capped_body(response: httpx.Response, limit: int = MAX_BODY) -> tuple[str, bool]:
    """At most `limit` bytes of the decoded body as text, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    truncated = False
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            truncated = True
            break
    data = b"".join(chunks)[:limit]
    try:
        return data.decode(response.charset_encoding or "utf-8", errors="replace"), truncated
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", errors="replace"), truncated


def http_facts(
    response: httpx.Response, latency: float, body: str | None, truncated: bool
) -> Facts:
    """Read while the connection is open: its peer address and certificate."""
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    certificate = None
    if stream is not None and response.url.scheme == "https":  # plain HTTP has no TLS
        certificate = tls.from_ssl_object(stream.get_extra_info("ssl_object"))
    left = None
    if certificate is not None:
        left = (certificate.not_after - tls.utcnow()).total_seconds()
    return Facts(
        connected=True,
        response_time=latency,
        status=response.status_code,
        body=body,
        body_truncated=truncated,
        ip=peer[0] if peer else None,
        certificate_expiration=left,
        certificate_expires=certificate.not_after if certificate is not None else None,
    )
