"""Statuspage's public API v2 documents (`api/v2/*.json`), with its field names and values,
so monitoring tools and aggregators that read Statuspage pages read ours unchanged.

Services are component groups and nodes their components; incidents carry `impact`
(their severity) and `incident_updates` newest first; maintenance windows are scheduled
maintenances with `impact: maintenance`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from statusgen.clock import iso
from statusgen.content.models import Incident, Maintenance, Update
from statusgen.site import feeds
from statusgen.site.snapshot import NodeState, ServiceState, Snapshot

LIMIT = 50  # Statuspage lists the 50 most recent incidents and maintenances


def _at(value: datetime | None) -> str | None:
    return iso(value) if value else None


def page(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "id": snapshot.page.slug,
        "name": snapshot.page.name,
        "url": snapshot.base_url.rstrip("/"),
        "time_zone": "Etc/UTC",
        "updated_at": _at(snapshot.updated_at),
    }


def status(snapshot: Snapshot) -> dict[str, str]:
    return {
        "indicator": snapshot.impact.indicator.value,
        "description": snapshot.impact.description,
    }


def _component(
    snapshot: Snapshot,
    ident: str,
    name: str,
    status: str,
    at: str | None,
    position: int,
    description: str = "",
) -> dict[str, Any]:
    return {
        "id": ident,
        "name": name,
        "status": status,
        "created_at": at,
        "updated_at": at,
        "position": position,
        "description": description or None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": snapshot.page.slug,
        "group": False,
        "only_show_if_degraded": False,
    }


def node_component(snapshot: Snapshot, node: NodeState, position: int) -> dict[str, Any]:
    updated = _at(node.checked_at or snapshot.updated_at)
    out = _component(
        snapshot,
        node.id,
        node.label,
        node.impact.component.value,
        updated,
        position,
        node.description,
    )
    # Created when the history first saw the node: it never moves between passes.
    out["created_at"] = _at(node.first_seen) or updated
    out["group_id"] = node.service
    return out


def group_component(snapshot: Snapshot, service: ServiceState) -> dict[str, Any]:
    out = _component(
        snapshot,
        service.id,
        service.name,
        service.impact.component.value,
        _at(snapshot.updated_at),
        service.position,
        service.description,
    )
    seen = [n.first_seen for n in service.nodes if n.first_seen is not None]
    out["created_at"] = _at(min(seen)) if seen else out["updated_at"]
    out["group"] = True
    out["components"] = [node.id for node in service.nodes if not node.impact.no_data]
    return out


class Nodes:
    """The nodes' components of one page's documents, each made once (the components list
    and every incident and window that affects the node share it), and which nodes an
    incident or window affects, in display order, found by id instead of a walk over
    every node."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.made: dict[tuple[int, int], dict[str, Any]] = {}
        self.where: dict[str, list[tuple[int, int]]] = {}  # a service's or node's id
        for place, service in enumerate(snapshot.services):
            for index, node in enumerate(service.nodes, start=1):
                self.where.setdefault(service.id, []).append((place, index))
                self.where.setdefault(node.id, []).append((place, index))

    def component(self, place: int, index: int) -> dict[str, Any]:
        found = self.made.get((place, index))
        if found is None:
            node = self.snapshot.services[place].nodes[index - 1]
            found = self.made[place, index] = node_component(self.snapshot, node, index)
        return found

    def affected(self, ids: tuple[str, ...]) -> list[dict[str, Any]]:
        """The components of the nodes of services `ids` and of nodes `ids`."""
        places = sorted({at for ident in set(ids) for at in self.where.get(ident, ())})
        return [self.component(*at) for at in places]


def components(snapshot: Snapshot, nodes: Nodes) -> list[dict[str, Any]]:
    """Groups, each followed by its components, in display order. Statuspage has no "no
    data": a node without data is left out until its first report, and so is a group with
    no component left."""
    out = []
    for place, service in enumerate(snapshot.services):
        if service.impact.no_data:
            continue
        out.append(group_component(snapshot, service))
        out += [
            nodes.component(place, i)
            for i, n in enumerate(service.nodes, start=1)
            if not n.impact.no_data
        ]
    return out


def shortlink(snapshot: Snapshot, path: str) -> str:
    """The page of an incident or maintenance: absolute under `page.url`; without it, the
    path relative to the page's root (`incidents/<id>.html`), which a reader resolves
    against the page's address (this document's, less `api/v2/...`). Never empty: an
    exporter given "" builds its own link (`/incidents/<id>`), which a static host
    answers with 404."""
    return f"{snapshot.base_url}{path}"


def _update(item_id: str, update: Update) -> dict[str, Any]:
    at = iso(update.at)
    return {
        "id": f"{item_id}-{update.id}",
        "status": update.status,
        "body": update.message,
        "incident_id": item_id,
        "created_at": at,
        "updated_at": at,
        "display_at": at,
        "affected_components": None,
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }


def incident(snapshot: Snapshot, item: Incident, nodes: Nodes) -> dict[str, Any]:
    monitoring = [u.at for u in item.updates if u.status == "monitoring"]
    return {
        "id": item.id,
        "name": item.title,
        "status": item.status,
        "created_at": iso(item.created or item.started),
        "updated_at": iso(item.updated),
        "monitoring_at": _at(min(monitoring) if monitoring else None),
        "resolved_at": _at(item.resolved),
        "impact": item.severity,
        "shortlink": shortlink(snapshot, f"incidents/{item.id}.html"),
        "started_at": iso(item.started),
        "page_id": snapshot.page.slug,
        "incident_updates": [_update(item.id, u) for u in item.updates],
        "components": nodes.affected(item.affected),
    }


def maintenance(snapshot: Snapshot, item: Maintenance, nodes: Nodes) -> dict[str, Any]:
    # `created`, else its first update; never its (future) start: the feeds' own rule.
    announced = feeds.announced(item, snapshot.now, snapshot.updated_at)
    updates = [_update(item.id, u) for u in item.updates]
    if not updates:
        # Statuspage always has a first update: the announcement of the window.
        opening = Update("scheduled", announced, "scheduled", item.message, item.html)
        updates = [_update(item.id, opening)]
    updated = max([announced, *(u.at for u in item.updates)])
    return {
        "id": item.id,
        "name": item.title,
        "status": item.status(snapshot.now),
        "created_at": iso(announced),
        "updated_at": iso(updated),
        "monitoring_at": None,
        "resolved_at": _at(item.end if item.end <= snapshot.now else None),
        "impact": "maintenance",
        "shortlink": shortlink(snapshot, f"maintenance/{item.id}.html"),
        "started_at": iso(item.starts),
        "page_id": snapshot.page.slug,
        "incident_updates": updates,
        "components": nodes.affected(item.affected),
        "scheduled_for": iso(item.starts),
        "scheduled_until": iso(item.end),
    }


def documents(snapshot: Snapshot) -> dict[str, Any]:
    """{path under api/v2/: document} for one page."""
    head = {"page": page(snapshot)}
    nodes = Nodes(snapshot)
    comps = components(snapshot, nodes)
    every = [incident(snapshot, i, nodes) for i in snapshot.incidents[:LIMIT]]
    unresolved = [incident(snapshot, i, nodes) for i in snapshot.open_incidents]
    windows = [maintenance(snapshot, m, nodes) for m in snapshot.maintenance]
    upcoming = [m for m in windows if m["status"] == "scheduled"]
    active = [m for m in windows if m["status"] in ("in_progress", "verifying")]
    upcoming.sort(key=lambda m: (m["scheduled_for"], m["id"]))
    return {
        "summary.json": {
            **head,
            "components": comps,
            "incidents": unresolved,
            "scheduled_maintenances": active + upcoming,
            "status": status(snapshot),
        },
        "status.json": {**head, "status": status(snapshot)},
        "components.json": {**head, "components": comps},
        "incidents.json": {**head, "incidents": every},
        "incidents/unresolved.json": {**head, "incidents": unresolved},
        "scheduled-maintenances.json": {**head, "scheduled_maintenances": windows[:LIMIT]},
        "scheduled-maintenances/upcoming.json": {**head, "scheduled_maintenances": upcoming},
        "scheduled-maintenances/active.json": {**head, "scheduled_maintenances": active},
    }
