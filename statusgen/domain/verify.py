"""Check a custom domain: its DNS records (dnspython, through `domain.nameserver` or the
system's resolver) and the certificate it serves on HTTPS (read through probes/tls).

A check that cannot be made (no resolver, the resolver silent, no network) is not a
failure of the domain: it comes back unchecked with the reason, and the caller keeps the
previous result. Nothing here raises for the domain's sake; a run never fails on it.
"""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import dns.exception
import dns.resolver

from statusgen.config import Config
from statusgen.config.settings import nameserver_address
from statusgen.domain import state
from statusgen.domain.records import Expected, expected
from statusgen.domain.state import Check, DomainStatus
from statusgen.probes import tls
from statusgen.probes.base import describe_error

# Names that never resolve on the public DNS (RFC 2606, RFC 6761): only asked of a
# resolver the config names.
RESERVED = ("test", "example", "invalid", "localhost")


class CannotCheck(Exception):
    """The check could not be made; the message says why."""


def refresh(
    config: Config, now: datetime, env: Mapping[str, str] | None = None
) -> DomainStatus | None:
    """Check `page.custom_domain` now and record the result (None: no custom domain, or
    `domain.verify` is off). Never raises for the domain's sake."""
    name = (config.page.custom_domain or "").strip(".").lower()
    if not name or not config.domain.verify:
        return None
    now = now.replace(microsecond=0)
    status = state.merge(state.load(config), name, check_domain(config, now, env), now)
    state.save(config, status)
    return status


def check_domain(config: Config, now: datetime, env: Mapping[str, str] | None = None) -> Check:
    """The records and certificate of `page.custom_domain` against what `domain.host`
    needs."""
    env = os.environ if env is None else env
    want = expected(config, env=env)
    try:
        resolver = make_resolver(config, want.domain, env)
        problems, address = check_records(resolver, want)
    except CannotCheck as why:
        return Check(False, reason=str(why))
    if address is None:
        return Check(True, tuple(problems))
    settings = config.domain
    ca_file = config.resolve(config.tls.ca_file) if config.tls.ca_file else None
    found, expires = check_certificate(
        want.domain, address, settings.https_port, ca_file, settings.timeout, now
    )
    return Check(True, tuple(problems + found), expires)


def make_resolver(config: Config, domain: str, env: Mapping[str, str]) -> dns.resolver.Resolver:
    server = env.get("STATUSGEN_NAMESERVER") or config.domain.nameserver
    if server:
        try:
            address, port = nameserver_address(server)
        except ValueError:
            raise CannotCheck(f"nameserver {server!r}: expected IP or IP:port") from None
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [address]
        resolver.port = port
    elif domain.rsplit(".", 1)[-1] in RESERVED:
        raise CannotCheck(f"{domain} is a reserved name; only checked with domain.nameserver")
    else:
        try:
            resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            raise CannotCheck("no resolver configured on this machine") from None
    resolver.timeout = resolver.lifetime = config.domain.timeout
    resolver.cache = None
    return resolver


def check_records(resolver: dns.resolver.Resolver, want: Expected) -> tuple[list[str], str | None]:
    """What is wrong with the domain's records, and an address it answers at (None when
    it has none)."""
    domain = want.domain
    problems: list[str] = []
    if want.wants_cname:
        targets = lookup(resolver, domain, "CNAME")
        if targets is None:
            return [f"{domain} does not exist in DNS (NXDOMAIN)"], None
        shown = want.cname or f"<owner>{want.cname_suffix}"
        if not targets:
            problems.append(f"{domain} has no CNAME record; expected CNAME {shown}")
        elif not any(_cname_matches(t, want) for t in targets):
            problems.append(f"{domain} is a CNAME to {targets[0]}; expected {shown}")
    v4 = lookup(resolver, domain, "A")
    v6 = lookup(resolver, domain, "AAAA")
    if v4 is None or v6 is None:
        return [*problems, f"{domain} does not exist in DNS (NXDOMAIN)"], None
    if want.addresses and not want.wants_cname:
        wanted = set(want.addresses)
        foreign = [a for a in v4 + v6 if a not in wanted]
        if foreign:
            problems.append(
                f"{domain} points to {', '.join(foreign)}, not the host's "
                f"addresses ({', '.join(want.addresses)})"
            )
        if not any(a in wanted for a in v4 + v6):
            problems.append(f"{domain} has no A record to the host; expected A {want.addresses[0]}")
    elif not v4 and not v6:
        problems.append(f"{domain} has no address (no A or AAAA record at the end of its chain)")
    # The certificate is read from an address of the host's when there is one.
    ours = [a for a in v4 + v6 if a in want.addresses]
    return problems, (ours or v4 or v6 or [None])[0]


def lookup(resolver: dns.resolver.Resolver, name: str, rtype: str) -> list[str] | None:
    """The values of `name`'s records of `rtype` ([] when it has none, None when the name
    does not exist). A resolver that does not answer is CannotCheck."""
    try:
        answer = resolver.resolve(name, rtype, raise_on_no_answer=False, search=False)
    except dns.resolver.NXDOMAIN:
        return None
    except dns.resolver.NoNameservers:
        raise CannotCheck(f"DNS: no server answered {name} {rtype} (SERVFAIL or refused)") from None
    except dns.exception.Timeout:
        raise CannotCheck(f"DNS: no answer for {name} {rtype} in time") from None
    except (OSError, dns.exception.DNSException) as error:
        raise CannotCheck(f"DNS: {describe_error(error)}") from None
    if answer.rrset is None:
        return []
    return [_value(record) for record in answer.rrset]


def _value(record: object) -> str:
    target = getattr(record, "target", None)
    text = target.to_text() if target is not None else record.to_text()  # type: ignore[attr-defined]
    return text.rstrip(".").lower()


def _cname_matches(target: str, want: Expected) -> bool:
    if want.cname is not None:
        return target == want.cname
    return bool(want.cname_suffix) and target.endswith(want.cname_suffix or "")


def check_certificate(
    domain: str,
    address: str,
    port: int,
    ca_file: Path | None,
    timeout: float,
    now: datetime,
) -> tuple[list[str], datetime | None]:
    """Connect to `address:port` asking for `domain` and verify what it serves: the
    problems (each named, through probes/tls) and the certificate's expiry."""
    where = f"https://{domain}/" + ("" if port == 443 else f" (port {port})")
    context = tls.trust_context(ca_file) if ca_file else ssl.create_default_context()
    try:
        certificate = _handshake(context, domain, address, port, timeout)
    except ssl.SSLCertVerificationError as error:
        try:
            certificate = _handshake(tls.unverified_context(), domain, address, port, timeout)
        except (OSError, ssl.SSLError):
            certificate = None
        if certificate is None:
            return [f"{where}: certificate: {error.verify_message}"], None
        found = tls.problems(certificate, domain, now, error.verify_code, error.verify_message)
        return [f"{where}: certificate: {', '.join(found)}"], certificate.not_after
    except TimeoutError:
        return [f"{where} does not answer within {timeout:g} s"], None
    except (OSError, ssl.SSLError) as error:
        return [f"{where} does not answer: {describe_error(error)}"], None
    if certificate is None:
        return [f"{where}: no certificate"], None
    return [], certificate.not_after


def _handshake(
    context: ssl.SSLContext, domain: str, address: str, port: int, timeout: float
) -> tls.PeerCertificate | None:
    with (
        socket.create_connection((address, port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=domain) as connection,
    ):
        return tls.from_ssl_object(connection)
