"""What notifications say, and who hears them: pure functions of config and a pass.

A channel gets at most one message per pass, naming every node that died, recovered,
went sick or is still dead, since when, the probes' reasons and a link to the node's page
(`<page.url>nodes/<service>/<node>.html`). The web hook gets the seeds' payload.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from statusgen.config import Channel, Config
from statusgen.health import Evaluation
from statusgen.notify.transitions import Transition, node_of
from statusgen.status import ProbeResult, Status

HEALTH_EVENT = "status:health:changed"
SLACK_MENTION = "<!channel>"

_HEADINGS = {"dead": "DEAD", "sick": "SICK", "recovered": "RECOVERED", "reminder": "STILL DEAD"}
_VERBS = {"dead": "is dead", "sick": "is sick", "recovered": "recovered", "reminder": "still dead"}


Level = Literal["info", "success", "warning", "failure"]


@dataclass(frozen=True, slots=True)
class Message:
    """Plain text; `level` picks the notifier's icon or colour (Apprise's notify type)."""

    title: str
    body: str
    level: Level = "info"


def node_link(base_url: str | None, service: str, node: str) -> str | None:
    """The node's page on the published site, when the page's public URL is known."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/nodes/{service}/{node}.html"


def format_duration(seconds: float) -> str:
    """`45 s`, `14 min`, `1 h 2 min`, `3 d 4 h`: short and unambiguous."""
    total = int(round(seconds))
    if total < 60:
        return f"{total} s"
    minutes, _ = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def format_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def wants(channel: Channel, transition: Transition) -> bool:
    """Whether a channel hears of a transition: its services filter (service or node
    ids; empty means all) and its events. A recovery is news to a `recovered` channel
    when the outage reached dead, and also needs `sick` when it never went past sick."""
    service, node = node_of(transition.key).split("/")
    if channel.services and service not in channel.services and node not in channel.services:
        return False
    events = set(channel.events)
    if transition.kind == "recovered":
        return "recovered" in events and (transition.worst is Status.DEAD or "sick" in events)
    return transition.event in events


class Details:
    """Labels, reasons and links for the keys of one pass (config, evaluation, results)."""

    def __init__(self, config: Config, evaluation: Evaluation, results: Iterable[ProbeResult]):
        self.config = config
        self.evaluation = evaluation
        self.results = {r.key: r for r in results}
        self.services = {s.id: s.name for s in config.services}
        self.nodes = {f"{s.id}/{n.id}": n for s, n in config.iter_nodes()}

    def replica_label(self, key: str) -> str:
        node = self.nodes.get(node_of(key))
        replica_id = key.split("/", 2)[2]
        for replica in node.replicas if node else []:
            if replica.id == replica_id:
                return replica.label or replica_id
        result = self.results.get(key)
        return result.label if result else replica_id

    def subject(self, key: str) -> str:
        """`Service / Node`, or `Service / Node / replica` for a replica key."""
        service, node_id = node_of(key).split("/")
        node = self.nodes.get(node_of(key))
        parts = [self.services.get(service, service), node.label if node else node_id]
        if key.count("/") == 2:
            parts.append(self.replica_label(key))
        return " / ".join(parts)

    def link(self, key: str) -> str | None:
        service, node = node_of(key).split("/")
        return node_link(self.config.page.url, service, node)

    def failing(self, key: str) -> list[str]:
        """Replica keys of this node (or this replica) that are not healthy this pass."""
        prefix = key + "/"
        return [
            k
            for k, status in self.evaluation.replicas.items()
            if (k == key or k.startswith(prefix)) and status is not Status.HEALTHY
        ]

    def reasons(self, key: str) -> list[str]:
        """One line per failing replica: its public label and the probe's reason."""
        lines = []
        for replica in self.failing(key):
            result = self.results.get(replica)
            why = result.reason if result and result.reason else self.evaluation.replicas[replica]
            lines.append(self.config.redact(f"{self.replica_label(replica)}: {why}"))
        return lines


def notice(transition: Transition, details: Details) -> list[str]:
    """The lines that announce one transition."""
    t = transition
    heading = _HEADINGS[t.kind]
    if t.kind == "sick" and t.previous is Status.DEAD:
        heading = "SICK (was dead)"
    subject = details.subject(t.key)
    if t.kind == "recovered":
        first = (
            f"{heading}: {subject} at {format_time(t.since)}, after "
            f"{format_duration(t.duration or 0)} {'down' if t.worst is Status.DEAD else 'sick'}"
        )
        if t.outage_since:
            first += f" (since {format_time(t.outage_since)})"
        lines = [first]
    elif t.kind == "reminder":
        lines = [
            f"{heading}: {subject} for {format_duration(t.duration or 0)} "
            f"(since {format_time(t.outage_since or t.since)}), reminder {t.reminder}"
        ]
        lines += [f"  {line}" for line in details.reasons(t.key)]
    else:
        lines = [f"{heading}: {subject} since {format_time(t.since)}"]
        lines += [f"  {line}" for line in details.reasons(t.key)]
    link = details.link(t.key)
    if link:
        lines.append(f"  {link}")
    return lines


def compose(channel: Channel, transitions: list[Transition], details: Details) -> Message | None:
    """The one message a channel gets this pass, or None when nothing concerns it."""
    mine = [t for t in transitions if wants(channel, t)]
    if not mine:
        return None
    name = details.config.page.name
    if len(mine) == 1:
        headline = f"{details.subject(mine[0].key)} {_VERBS[mine[0].kind]}"
    else:
        counts: dict[str, int] = {}
        for t in mine:
            counts[_VERBS[t.kind]] = counts.get(_VERBS[t.kind], 0) + 1
        headline = ", ".join(f"{n} {verb.removeprefix('is ')}" for verb, n in counts.items())
    lines = [SLACK_MENTION] if channel.mention_channel else []
    for t in mine:
        lines += notice(t, details)
    return Message(title=f"{name}: {headline}", body="\n".join(lines), level=_level(mine))


def _level(transitions: list[Transition]) -> Level:
    kinds = {t.kind for t in transitions}
    if kinds & {"dead", "reminder"}:
        return "failure"
    return "warning" if "sick" in kinds else "success"


def trial_message(config: Config, channel_name: str, now: datetime) -> Message:
    """What `statusgen notify test` sends."""
    return Message(
        title=f"{config.page.name}: test notification",
        body=f"Test from statusgen: channel {channel_name!r} works ({format_time(now)}).",
    )


def affected_nodes(node_keys: list[str], details: Details) -> list[dict[str, str]]:
    """The hook payload's `nodes`: one entry per failing replica of each given node.

    With `[[locations]]` an entry also says from where, in `reason`: the merged
    replica's reason (`unreachable from Paris (1 of 3 locations): connection reset`,
    `HTTP 500 from Paris and New York (2 of 3 locations)`, `only 1 of 3 locations
    reporting; ...`). Without locations the entries keep the seeds' two keys."""
    located = bool(details.config.locations)
    entries = []
    for key in node_keys:
        node = details.nodes.get(key)
        label = node.label if node else key.split("/")[1]
        replicas = details.failing(key)
        if not replicas and node and node.replicas:
            replicas = [f"{key}/{node.replicas[0].id}"]
        for replica in replicas or [""]:
            entry = {"label": label, "replica": details.replica_label(replica) if replica else ""}
            result = details.results.get(replica) if located and replica else None
            if result is not None and result.reason:
                entry["reason"] = result.reason
            entries.append(entry)
    return entries


def health_payload(
    website_id: str, health: Status, nodes: list[dict[str, str]], now: datetime
) -> dict[str, object]:
    """The seeds' `status:health:changed` web hook payload; `nodes` is empty when the
    page is back to healthy."""
    return {
        "website_id": website_id,
        "event": HEALTH_EVENT,
        "data": {
            "website_id": website_id,
            "health": health.value,
            "nodes": [] if health is Status.HEALTHY else nodes,
        },
        "timestamp": int(now.timestamp() * 1000),
    }
