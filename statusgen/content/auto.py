"""Automatic incidents (opt-in with `[content] auto_incidents = true`).

When a node is dead and no open automatic incident names it, an `investigating` incident
is written with `auto: service/node` in its front matter; once that node is probed alive
again (sick or healthy), a `resolved` update is appended. The files are the only state,
so one outage gives one incident however many passes it lasts, and people may edit the
incident's title, severity or messages in between. Nodes under maintenance open nothing:
their downtime is expected.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from statusgen.clock import iso
from statusgen.config import Config
from statusgen.content.models import Content
from statusgen.content.writer import add_update, new_incident
from statusgen.health import Evaluation
from statusgen.status import Status, node_key

AUTO_SEVERITY = "major"


def sync_auto_incidents(
    config: Config, content: Content, evaluation: Evaluation, now: datetime
) -> list[Path]:
    """Open and resolve automatic incidents to match `evaluation`; returns the files
    written (none when auto incidents are off). `content` is what was read before."""
    if not config.content.auto_incidents:
        return []
    written: list[Path] = []
    open_auto = {i.auto: i for i in content.open_incidents() if i.auto}
    held = content.maintenance_nodes(config, now)
    for service, node in config.iter_nodes():
        key = node_key(service.id, node.id)
        status = evaluation.nodes.get(key)
        incident = open_auto.get(key)
        if status is Status.DEAD and incident is None and key not in held:
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
