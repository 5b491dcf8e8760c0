"""Automatic incidents (opt-in with `[content] auto_incidents = true`).

Automatic incidents follow what the flapping guard announces (`statusgen.health.announced`
with `[notify] dead_after_passes` and `recovered_after_passes`, the rule notifications use),
never a single pass: when a node's announced status becomes dead and no open automatic
incident names it, an `investigating` incident is written with `auto: service/node` in its
front matter; once its announced status is no longer dead (sick, or healthy for
`recovered_after_passes` passes), a `resolved` update is appended. The files and the
history are the only state, so one outage gives one incident however many passes it lasts,
and people may edit the incident's title, severity or messages in between. Nodes under
maintenance open nothing: their downtime is expected.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from statusgen.clock import iso
from statusgen.config import Config
from statusgen.content.models import Content
from statusgen.content.writer import add_update, new_incident
from statusgen.health import announced
from statusgen.status import Status, node_key

AUTO_SEVERITY = "major"


def auto_window(config: Config) -> int:
    """How many recent passes of a node `sync_auto_incidents` needs."""
    return config.notify.dead_after_passes + config.notify.recovered_after_passes


def sync_auto_incidents(
    config: Config, content: Content, recent: dict[str, list[Status]], now: datetime
) -> list[Path]:
    """Open and resolve automatic incidents to match what the flapping guard announces
    over `recent`, each node's statuses in its last `auto_window` passes (oldest first,
    this pass last; a node without data this pass has none for it). Returns the files
    written (none when auto incidents are off). `content` is what was read before."""
    if not config.content.auto_incidents:
        return []
    written: list[Path] = []
    open_auto = {i.auto: i for i in content.open_incidents() if i.auto}
    held = content.maintenance_nodes(config, now)
    rules = config.notify
    for service, node in config.iter_nodes():
        key = node_key(service.id, node.id)
        incident = open_auto.get(key)
        statuses = recent.get(key, [])
        # An open incident means the outage was announced: replay from there.
        start = Status.DEAD if incident is not None else Status.HEALTHY
        status = (
            announced(statuses, rules.dead_after_passes, rules.recovered_after_passes, start)
            if statuses
            else None
        )
        # Open only on a dead pass: a node that answers now opens nothing, whatever an
        # older stretch (perhaps under maintenance) would have announced.
        dead_now = bool(statuses) and statuses[-1] is Status.DEAD
        if status is Status.DEAD and dead_now and incident is None and key not in held:
            opened = new_incident(
                config,
                f"{node.label} ({service.name}) is down",
                message=(
                    f"{node.label} in {service.name} stopped answering our checks "
                    f"at {iso(now)}. We are investigating."
                ),
                now=now,
                severity=AUTO_SEVERITY,
                affected=[node.id],
                auto=key,
            )
            written.append(opened.path)
        elif incident is not None and status is not None and status is not Status.DEAD:
            # No data (status None) is not a recovery: keep the incident open.
            resolved = add_update(
                config,
                incident.id,
                message=f"{node.label} answers our checks again ({status}) since {iso(now)}.",
                now=now,
                status="resolved",
            )
            written.append(resolved.path)
    return written
