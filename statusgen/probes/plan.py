"""How one replica is probed, worked out once per pass rather than on every attempt:
its scheme and address, its node's conditions, and the HTTP options as judged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from statusgen.conditions import Condition, reads_body
from statusgen.config import HttpOptions, Node, Replica


@dataclass(frozen=True, slots=True)
class Plan:
    """What every attempt at one replica needs from the config."""

    url: str
    scheme: str
    host: str
    port: int | None
    conditions: tuple[Condition, ...]
    http: HttpOptions
    read_body: bool  # conditions read [BODY]
    ca_file: Path | None


def plan_for(node: Node, replica: Replica) -> Plan:
    parts = urlsplit(replica.url)
    conditions = node.parsed_conditions
    return Plan(
        url=replica.url,
        scheme=parts.scheme,
        host=parts.hostname or "",
        port=parts.port,
        conditions=conditions,
        http=_http_options(node, conditions),
        read_body=reads_body(conditions),
        ca_file=node.ca_file,
    )


def _http_options(node: Node, conditions: tuple[Condition, ...]) -> HttpOptions:
    """A node with a [STATUS] condition judges statuses by it, not by the healthy range."""
    if any("STATUS" in c.placeholders() for c in conditions):
        return node.http.model_copy(update={"healthy_above": 100, "healthy_below": 600})
    return node.http
