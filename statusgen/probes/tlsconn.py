"""tls:// replicas: a TCP connection with a verified TLS handshake (SMTPS, IMAPS, LDAPS...),
closed at once. A failed verification names every problem of the certificate (read again
without verifying, through probes/tls)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path
from time import perf_counter

from statusgen.conditions import Facts
from statusgen.probes import tls
from statusgen.probes.base import Outcome, describe_error, failed, timed_out
from statusgen.probes.tcp import open_timed


async def probe_tls(host: str, port: int, timeout: float, ca_file: Path | None = None) -> Outcome:
    """Connect to `host:port`, complete a verified TLS handshake within `timeout` seconds
    and close; healthy when it verifies. Latency is the TCP handshake plus the TLS
    handshake, each timed around itself (`connect` and `tls` apart)."""
    context = tls.trust_context(ca_file) if ca_file else ssl.create_default_context()
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            writer, connect = await open_timed(host, port)
            started = perf_counter()
            await writer.start_tls(context, server_hostname=host.strip("[]"))
            handshake = perf_counter() - started
    except TimeoutError:
        _abort(writer)
        return failed(timed_out(timeout))
    except ssl.SSLCertVerificationError as exc:
        _abort(writer)
        return failed(await _verify_reason(host, port, exc, timeout), retryable=False)
    except OSError as exc:
        _abort(writer)
        return failed(describe_error(exc))
    latency = connect + handshake
    certificate = tls.from_ssl_object(writer.get_extra_info("ssl_object"))
    peer = writer.get_extra_info("peername")
    writer.transport.abort()  # nothing to say to it: no TLS goodbye to wait for
    facts = Facts(
        connected=True,
        response_time=latency,
        ip=peer[0] if peer else None,
        certificate_expiration=None
        if certificate is None
        else (certificate.not_after - tls.utcnow()).total_seconds(),
        certificate_expires=certificate.not_after if certificate is not None else None,
    )
    return Outcome(True, latency, "TLS handshake", facts=facts, connect=connect, tls=handshake)


def _abort(writer: asyncio.StreamWriter | None) -> None:
    if writer is not None:
        writer.transport.abort()


async def _verify_reason(
    host: str, port: int, exc: ssl.SSLCertVerificationError, timeout: float
) -> str:
    with contextlib.suppress(OSError, TimeoutError, ValueError):
        async with asyncio.timeout(timeout):
            certificate = await tls.fetch(host, port)
        if certificate is not None:
            found = tls.problems(
                certificate, host, tls.utcnow(), exc.verify_code, exc.verify_message or ""
            )
            return tls.reason(found)
    return describe_error(exc)
