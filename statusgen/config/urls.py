"""Replica URLs that carry more than a host and port: `dns://name?type=...&server=...`."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

DNS_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS")
_DNS_PARAMS = ("type", "server", "expect")


@dataclass(frozen=True, slots=True)
class DnsTarget:
    """One DNS question: `name`'s records of `type`, asked of `server:port` (None: the
    system's first resolver), healthy when an answer equals `expect` (or any answer)."""

    name: str
    type: str = "A"
    server: str | None = None
    port: int = 53
    expect: str | None = None


def parse_dns_url(url: str) -> DnsTarget:
    """`dns://example.com?type=MX&server=192.0.2.53:5353&expect=mail.example.com`, or
    ValueError saying what is wrong."""
    parts = urlsplit(url)
    name = parts.netloc
    if not name or "@" in name or "/" in name:
        raise ValueError(f"expected dns://name?type=A&server=IP, got {url!r}")
    if parts.path not in ("", "/"):
        raise ValueError(f"a dns:// URL has no path (the name is the host), got {url!r}")
    params: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in _DNS_PARAMS:
            raise ValueError(
                f"unknown dns:// parameter {key!r}; expected one of: {', '.join(_DNS_PARAMS)}"
            )
        params[key] = value
    rtype = params.get("type", "A").upper()
    if rtype not in DNS_TYPES:
        raise ValueError(f"dns:// type {rtype!r} is not one of: {', '.join(DNS_TYPES)}")
    server, port = _server(params["server"]) if "server" in params else (None, 53)
    return DnsTarget(name, rtype, server, port, params.get("expect") or None)


def _server(text: str) -> tuple[str, int]:
    """`192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53` or `[2001:db8::53]:5353`."""
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"dns:// server must be an IP address, got {text!r}") from None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"bad port in dns:// server {text!r}")
    return host, int(port)
