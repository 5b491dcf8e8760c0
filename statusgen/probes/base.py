"""What one probe attempt found, and how low-level failures read to a human.

Every scheme module returns an `Outcome`; the runner turns outcomes into ProbeResults.
Reasons are built from error types and codes, never from a request's URL, so a replica
URL carrying credentials cannot leak into a reason.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from statusgen.conditions import Facts

# OpenSSL's X509_V_ERR_CERT_HAS_EXPIRED: the one verification failure worth its own words.
_CERT_HAS_EXPIRED = 10
# OpenSSL's words for what a human would say otherwise.
_SSL_REASONS = {
    "UNEXPECTED_EOF_WHILE_READING": "connection closed during the handshake",
    "WRONG_VERSION_NUMBER": "the server does not speak TLS (wrong version number)",
}
# The local address every probe of this pass connects from (a location's
# `source_address`), None for the system's choice. Set by the runner for its pass.
SOURCE_ADDRESS: ContextVar[str | None] = ContextVar("statusgen_source_address", default=None)


def local_addr() -> tuple[str, int] | None:
    """`local_addr` for asyncio's connections: the pass's source address, any port."""
    address = SOURCE_ADDRESS.get()
    return None if address is None else (address, 0)


_NAME_NOT_FOUND = {
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code is not None
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt: whether the target answered correctly, how fast (seconds, None when
    nothing answered), a human reason, and whether trying again could change anything.
    `facts` is what an answer showed, for the node's conditions; `sick` marks an answer
    that is correct but degraded (a failing [RESPONSE_TIME] condition, say). `connect`
    and `tls` are the seconds spent opening the connection and on its TLS handshake, when
    the attempt opened one (reported apart from `latency`: docs/probes.md#latency)."""

    ok: bool
    latency: float | None
    reason: str
    retryable: bool = True
    facts: Facts | None = None
    sick: bool = False
    connect: float | None = None
    tls: float | None = None


def failed(reason: str, *, retryable: bool = True) -> Outcome:
    return Outcome(False, None, reason, retryable)


def timed_out(seconds: float) -> str:
    return f"timed out after {seconds:g} s"


def describe_error(exc: BaseException) -> str:
    """A short human reason for a network failure, from the first error in the cause chain
    that says something specific (TLS, DNS, refused, other OS errors)."""
    for error in chain(exc):
        reason = _describe_one(error)
        if reason:
            return reason
    return _words(type(exc).__name__)


def _describe_one(error: BaseException) -> str | None:
    # Order matters: verification errors are SSLErrors, and all of these are OSErrors.
    if isinstance(error, ssl.SSLCertVerificationError):
        if error.verify_code == _CERT_HAS_EXPIRED:
            return "TLS: certificate has expired"
        return f"TLS: certificate verify failed: {short(error.verify_message or 'unknown')}"
    if isinstance(error, ssl.SSLError):
        if error.reason in _SSL_REASONS:
            return f"TLS: {_SSL_REASONS[error.reason]}"
        return f"TLS: {short(_words(error.reason or 'handshake failed'))}"
    if isinstance(error, socket.gaierror):
        if error.errno in _NAME_NOT_FOUND:
            return "DNS: name not found"
        return f"DNS: {short(lower_first(error.strerror or 'lookup failed'))}"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ConnectionResetError):
        return "connection reset"
    if isinstance(error, TimeoutError):
        return None  # the caller knows the limit and says "timed out after N s"
    if isinstance(error, OSError) and error.strerror:
        return short(lower_first(error.strerror))
    return None


def chain(exc: BaseException) -> Iterator[BaseException]:
    """The error, its causes and contexts, and the members of exception groups."""
    seen: set[int] = set()
    queue = [exc]
    while queue:
        error = queue.pop(0)
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        if isinstance(error, BaseExceptionGroup):
            queue.extend(error.exceptions)
        queue.extend(e for e in (error.__cause__, error.__context__) if e is not None)


def _words(name: str) -> str:
    """`CERTIFICATE_VERIFY_FAILED` or `RemoteProtocolError` as lower-case words."""
    if "_" in name or name.isupper():
        return name.replace("_", " ").lower()
    spaced = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return spaced.removesuffix(" error") or spaced


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split()).rstrip(".")
    return text if len(text) <= limit else text[: limit - 1] + "…"
