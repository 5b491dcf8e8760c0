"""Reading a server's TLS certificate and saying everything that is wrong with it.

OpenSSL stops at the first verification error, and `getpeercert()` is empty when
verification is off or failed, so a probe that only reads the handshake error says
"self-signed certificate" for a certificate that is also expired and for another host.
This module reads the peer certificate itself (with `cryptography`), whether or not it
verified, and lists its problems in the order a human fixes them: expiry, name, trust.
Other parts of statusgen (certificate checks, imports) read certificates through it too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded on the first certificate read: an http-only pass skips it
    from cryptography import x509


# OpenSSL verification codes (X509_V_ERR_*). OpenSSL checks trust first, then the name,
# then the dates, and reports only the first failure: these say how far it got.
CERT_NOT_YET_VALID = 9
CERT_HAS_EXPIRED = 10
HOSTNAME_MISMATCH = 62
IP_ADDRESS_MISMATCH = 64
UNTRUSTED = frozenset(
    {
        2,  # unable to get issuer certificate
        18,  # depth zero self-signed certificate
        19,  # self-signed certificate in chain
        20,  # unable to get local issuer certificate
        21,  # unable to verify the first certificate
        27,  # certificate not trusted
    }
)
_PASSED_TRUST = frozenset(
    {CERT_NOT_YET_VALID, CERT_HAS_EXPIRED, HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH}
)
_PASSED_NAME = frozenset({CERT_NOT_YET_VALID, CERT_HAS_EXPIRED})
_ISSUER_LIMIT = 40


@dataclass(frozen=True, slots=True)
class PeerCertificate:
    """What a server's leaf certificate says about itself."""

    subject: str
    issuer: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, ...]
    not_before: datetime
    not_after: datetime
    self_issued: bool

    @classmethod
    def from_der(cls, der: bytes) -> PeerCertificate:
        """Parse a DER certificate (what `getpeercert(binary_form=True)` returns)."""
        from cryptography import x509

        cert = x509.load_der_x509_certificate(der)
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            dns = tuple(san.get_values_for_type(x509.DNSName))
            ips = tuple(san.get_values_for_type(x509.IPAddress))
        except x509.ExtensionNotFound:
            dns, ips = (), ()
        return cls(
            subject=display_name(cert.subject),
            issuer=display_name(cert.issuer),
            dns_names=dns,
            ip_addresses=ips,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            self_issued=cert.issuer == cert.subject,
        )

    @property
    def names(self) -> tuple[str, ...]:
        """The hosts it is for, DNS names first."""
        return self.dns_names + tuple(str(ip) for ip in self.ip_addresses)

    def matches(self, host: str) -> bool:
        """Whether it is for `host` (subjectAltName only, as browsers and Python do)."""
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return any(_dns_match(name, host) for name in self.dns_names)
        return ip in self.ip_addresses

    def date_problem(self, now: datetime) -> str | None:
        if now > self.not_after:
            return f"certificate expired on {self.not_after.date().isoformat()}"
        if now < self.not_before:
            return f"certificate not valid before {self.not_before.date().isoformat()}"
        return None


def display_name(name: x509.Name) -> str:
    """A name's common name, else its organisation, else the whole RFC 4514 string."""
    from cryptography.x509.oid import NameOID

    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        attributes = name.get_attributes_for_oid(oid)
        if attributes:
            return str(attributes[0].value)
    return name.rfc4514_string()


def _dns_match(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        # A wildcard stands for exactly one whole left-most label (RFC 6125).
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == host


def problems(
    cert: PeerCertificate,
    host: str,
    now: datetime,
    verify_code: int | None = None,
    verify_message: str = "",
) -> list[str]:
    """Every problem of `cert` for `host` at `now`, most useful first: its dates, its name,
    then its issuer. `verify_code` is OpenSSL's verification error when there was one
    (None: verification was off, so only the dates are judged)."""
    found: list[str] = []
    date = cert.date_problem(now)
    if date is not None:
        found.append(date)
    if verify_code is None:
        return found
    name_failed = verify_code in (HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH)
    if name_failed or (verify_code not in _PASSED_NAME and not cert.matches(host)):
        found.append("name mismatch")
    if verify_code in UNTRUSTED:
        found.append(_trust_problem(cert))
    elif verify_code not in _PASSED_TRUST and verify_message:
        found.append(verify_message)
    return found or [verify_message or "certificate verify failed"]


def _trust_problem(cert: PeerCertificate) -> str:
    if cert.self_issued:
        return "self-signed certificate"
    issuer = cert.issuer
    if len(issuer) > _ISSUER_LIMIT:
        issuer = issuer[: _ISSUER_LIMIT - 1] + "…"
    return f"untrusted issuer {issuer!r}"


def reason(found: Sequence[str]) -> str:
    """The probe reason for a list of `problems`."""
    return "TLS: " + ", ".join(found)


def unverified_context() -> ssl.SSLContext:
    """A client context that completes any handshake, to read what the server presents."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def trust_context(ca_file: str | Path) -> ssl.SSLContext:
    """A verifying client context that trusts `ca_file` (PEM) besides the system's CAs."""
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=str(ca_file))
    return context


def from_ssl_object(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> PeerCertificate | None:
    """The peer certificate of an open TLS connection, verified or not."""
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return _parsed(der) if der else None


@lru_cache(maxsize=256)
def _parsed(der: bytes) -> PeerCertificate:
    # Replicas behind one host share its certificate: parse it once, not on every probe.
    return PeerCertificate.from_der(der)


async def fetch(host: str, port: int) -> PeerCertificate | None:
    """Connect to `host:port` without verifying and read its certificate. The caller
    bounds the time (`asyncio.timeout`); network errors propagate as OSError."""
    _, writer = await asyncio.open_connection(
        host, port, ssl=unverified_context(), server_hostname=host.strip("[]") or None
    )
    try:
        return from_ssl_object(writer.get_extra_info("ssl_object"))
    finally:
        writer.transport.abort()  # nothing to say to it: no TLS goodbye to wait for


def utcnow() -> datetime:
    """OpenSSL judges certificate dates by the system clock; so do our reports, or the
    two would disagree about the same certificate."""
    return datetime.now(UTC)
