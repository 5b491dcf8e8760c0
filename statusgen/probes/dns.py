"""DNS probes with dnspython: one question to one server, judged on the answer.

Healthy when the answer holds a record equal to `expect` (or any record of the type when
there is no `expect`); dead on a wrong answer, no record, an error rcode (NXDOMAIN,
SERVFAIL, REFUSED) or no answer in time. A truncated UDP answer is asked again over TCP.
"""

from __future__ import annotations

import asyncio
import ipaddress
from time import perf_counter

import dns.asyncquery
import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype
import dns.resolver

from statusgen.conditions import Facts
from statusgen.config.urls import DnsTarget
from statusgen.probes.base import (
    SOURCE_ADDRESS,
    Outcome,
    describe_error,
    failed,
    short,
    timed_out,
)


async def probe_dns(target: DnsTarget, timeout: float) -> Outcome:
    """Ask `target.server` (default: the system's first resolver) for `target.name`'s
    records of `target.type`, within `timeout` seconds."""
    server = target.server or _system_resolver()
    if server is None:
        return failed("DNS: no resolver configured on this machine", retryable=False)
    query = dns.message.make_query(target.name, target.type)
    started = perf_counter()
    try:
        async with asyncio.timeout(timeout):
            response, _ = await dns.asyncquery.udp_with_fallback(
                query, server, timeout=timeout, port=target.port, source=SOURCE_ADDRESS.get()
            )
    except (TimeoutError, dns.exception.Timeout):
        return failed(timed_out(timeout))
    except OSError as exc:
        return failed(describe_error(exc))
    except dns.exception.DNSException as exc:
        return failed(f"DNS error: {short(str(exc) or type(exc).__name__)}")
    latency = perf_counter() - started
    return judge_answer(target, response, latency, server)


def judge_answer(
    target: DnsTarget, response: dns.message.Message, latency: float, server: str
) -> Outcome:
    """Whether `response` answers `target` as expected, and why (pure)."""
    rcode = dns.rcode.to_text(response.rcode())
    records = answers(response, target.type)
    facts = Facts(
        connected=True,
        response_time=latency,
        ip=server,
        dns_rcode=rcode,
        body=records[0] if records else "",
    )
    if rcode != "NOERROR":
        return Outcome(False, latency, f"DNS {rcode}", rcode != "NXDOMAIN", facts)
    if not records:
        return Outcome(False, latency, f"no {target.type} record", True, facts)
    shown = short(f"{target.type} {', '.join(records)}")
    if target.expect is not None and not any(_same(target.type, r, target.expect) for r in records):
        return Outcome(False, latency, f"{shown}, expected {target.expect}", True, facts)
    return Outcome(True, latency, shown, True, facts)


def answers(response: dns.message.Message, rtype: str) -> list[str]:
    """The answer section's records of `rtype` as text, sorted (a record set has no order,
    and a reason should not change from pass to pass): addresses, names without the
    final dot, `10 mail.example.com` for MX, TXT strings joined."""
    wanted = dns.rdatatype.from_text(rtype)
    out: list[str] = []
    for rrset in response.answer:
        if rrset.rdtype != wanted:
            continue
        for rdata in rrset:
            out.append(_text(rdata))
    return sorted(out)


def _text(rdata: object) -> str:
    if hasattr(rdata, "strings"):  # TXT
        return b"".join(rdata.strings).decode("utf-8", errors="replace")
    if hasattr(rdata, "exchange"):  # MX
        return f"{rdata.preference} {rdata.exchange.to_text(omit_final_dot=True)}"
    if hasattr(rdata, "target"):  # CNAME, NS
        return rdata.target.to_text(omit_final_dot=True)
    return rdata.to_text()  # A, AAAA


def _same(rtype: str, record: str, expect: str) -> bool:
    """`expect` names the record: addresses compare as addresses, names without case or
    a final dot, and an MX record matches its exchange alone or `preference exchange`."""
    if rtype in ("A", "AAAA"):
        try:
            return ipaddress.ip_address(record) == ipaddress.ip_address(expect)
        except ValueError:
            return record == expect
    if rtype == "TXT":
        return record == expect
    want = expect.lower().rstrip(".")
    got = record.lower()
    return got == want or (rtype == "MX" and got.split(" ", 1)[-1] == want)


def _system_resolver() -> str | None:
    try:
        servers = dns.resolver.get_default_resolver().nameservers
    except dns.resolver.NoResolverConfiguration:
        return None
    return str(servers[0]) if servers else None
