"""The opt-in `certificate` channel event: a replica's certificate coming within
`tls_expiry_warn_days` of its expiry is announced once, and its renewal once.

What was announced lives in the notifier state (`certificates`: replica key -> the expiry
that was announced), so a cron pass or a restart never repeats it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from statusgen.clock import iso, parse_iso
from statusgen.config import Channel, Config
from statusgen.status import ProbeResult

EVENT = "certificate"


@dataclass(frozen=True, slots=True)
class CertificateEvent:
    key: str  # replica key
    kind: str  # "expiring" or "renewed"
    expires: datetime
    line: str  # one human line


def certificate_events(
    config: Config, results: Iterable[ProbeResult], announced: dict[str, str], now: datetime
) -> tuple[list[CertificateEvent], dict[str, str]]:
    """This pass's certificate news, and the announced map to keep (pure)."""
    kept = dict(announced)
    events: list[CertificateEvent] = []
    for result in results:
        expires = result.certificate_expires
        node = config.find_node(result.service, result.node)
        if expires is None or node is None:
            continue
        warn = node.metrics(config.metrics).tls_expiry_warn_days
        days = (expires - now).total_seconds() / 86400
        before = kept.get(result.key)
        where = _where(config, result)
        if days <= warn:
            if before != iso(expires):
                when = f"in {int(days)} days" if days >= 1 else "today"
                if days < 0:
                    when = "already: it has expired"
                line = f"{where}: certificate expires {when} ({expires.date().isoformat()})"
                events.append(CertificateEvent(result.key, "expiring", expires, line))
                kept[result.key] = iso(expires)
        elif before is not None:
            del kept[result.key]
            if expires > parse_iso(before):
                line = f"{where}: certificate renewed, now expires {expires.date().isoformat()}"
                events.append(CertificateEvent(result.key, "renewed", expires, line))
    return events, kept


def _where(config: Config, result: ProbeResult) -> str:
    found = config.find_node(result.service, result.node)
    label = found.label if found is not None else result.node
    return f"{label} ({result.label})" if result.label else label


def wants_certificates(channel: Channel, key: str) -> bool:
    service, node = key.split("/")[:2]
    if channel.services and service not in channel.services and node not in channel.services:
        return False
    return EVENT in channel.events


def certificate_message(
    config: Config, channel: Channel, events: list[CertificateEvent]
) -> tuple[str, str, str] | None:
    """(title, body, level) for one channel, or None when none of it concerns it."""
    mine = [e for e in events if wants_certificates(channel, e.key)]
    if not mine:
        return None
    expiring = [e for e in mine if e.kind == "expiring"]
    title = f"{config.page.name}: " + (
        "certificate expiring"
        if len(mine) == 1 and expiring
        else "certificate renewed"
        if len(mine) == 1
        else f"{len(mine)} certificate changes"
    )
    body = "\n".join(e.line for e in mine)
    return title, body, "warning" if expiring else "success"
