"""Every static API document of a Snapshot, as bytes keyed by output-relative path.

`build_site` writes these files; `statusgen serve` answers the same paths from the same
function, so a static host and the live server never disagree. For the main page (and
under `<slug>/` for each extra page):

    api/v1/status.json          statusgen's own document (the widget reads it)
    api/v2/*.json               Statuspage's public API v2
    status/text                 Vigil: healthy | sick | dead (and status/text.txt, the same)
    status/report               Vigil's JSON report
    badges/...                  status and uptime badges (SVG + shields.io endpoint JSON)
    badge/<kind>.svg            Vigil's badges (color, icon); `serve` also answers badge/<kind>

and at the root `status/<slug>.json` for every page (the seeds' public read endpoint).
Only `generated_at` in api/v1/status.json depends on the build time.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from statusgen.clock import iso
from statusgen.content.models import Announcement, Incident, Maintenance
from statusgen.impact import Impact
from statusgen.site import statuspage
from statusgen.site.badges import badge_pair, vigil_badges
from statusgen.site.locations import LocationState
from statusgen.site.snapshot import NodeState, Snapshot

UPTIME_BADGE_WINDOW = "30d"


def dump(document: Any) -> bytes:
    """JSON as the API serves it: compact (the C encoder: an indent forces the pure-Python
    one, several times slower), sorted keys, UTF-8, final newline."""
    text = json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode()


_ENCODE = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode


class Dumper:
    """`dump` for documents that hold the same lists or objects (the v1 services in the
    seeds' document, the v2 components in the summary): each of those is encoded once,
    and a document is its sorted keys with their values' JSON, as the encoder writes it."""

    def __init__(self) -> None:
        self.encoded: dict[int, tuple[Any, str]] = {}  # id -> (the value, held; its JSON)

    def __call__(self, document: Any) -> bytes:
        if type(document) is not dict or any(type(key) is not str for key in document):
            return dump(document)
        fields = sorted(document.items(), key=lambda item: item[0])
        body = ",".join(f"{_ENCODE(key)}:{self._value(value)}" for key, value in fields)
        return ("{" + body + "}\n").encode()

    def _value(self, value: Any) -> str:
        if type(value) is not list and type(value) is not dict:
            return _ENCODE(value)
        found = self.encoded.get(id(value))
        if found is None:
            found = self.encoded[id(value)] = (value, _ENCODE(value))
        return found[1]


def _at(value: Any) -> str | None:
    return iso(value) if value else None


def _incident(item: Incident) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "severity": item.severity,
        "status": item.status,
        "affected": list(item.affected),
        "started": iso(item.started),
        "resolved": _at(item.resolved),
        "updated": iso(item.updated),
        "html": item.updates[0].html if item.updates else item.html,
    }


def _maintenance(item: Maintenance, snapshot: Snapshot) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "status": item.status(snapshot.now),
        "affected": list(item.affected),
        "starts": iso(item.starts),
        "ends": iso(item.end),
        "html": item.html,
    }


def _announcement(item: Announcement) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "starts": _at(item.starts),
        "expires": _at(item.expires),
        "html": item.html,
    }


def _node(node: NodeState) -> dict[str, Any]:
    # Only a node without data whose reason is known (a secret not set) has a reason.
    reason = {"no_data_reason": node.no_data_reason} if node.no_data_reason else {}
    return reason | {
        "id": node.id,
        "label": node.label,
        "mode": node.mode,
        "health": _health(node.impact),
        "status": node.impact.state,
        "probe": node.impact.probe.value if node.impact.probe else None,
        "maintenance": node.impact.maintenance,
        "incidents": list(node.impact.incidents),
        "checked_at": _at(node.checked_at),
        "uptime": node.series.uptime,
        "replicas": [
            {
                "label": r.label,
                "health": r.health.value if r.health else None,
                "latency_ms": r.latency_ms,
            }
            for r in node.replicas
        ],
        **({"locations": [_location(state) for state in node.locations]} if node.locations else {}),
    }


def _location(state: LocationState) -> dict[str, Any]:
    return {
        "id": state.id,
        "name": state.name,
        "health": state.health.value if state.health else None,
        "latency_ms": state.latency_ms,
        "checked_at": _at(state.checked_at),
    }


def _health(impact: Impact) -> str | None:
    """The seeds' word, or None for a thing without data."""
    return None if impact.no_data else impact.health.value


def status_v1(snapshot: Snapshot) -> dict[str, Any]:
    """statusgen's own document: everything the page shows, in the seeds' words."""
    page = snapshot.page
    generated = snapshot.now.replace(microsecond=0)
    stale_after = int(snapshot.config.page.stale_after)
    return {
        "page": {
            "id": page.slug,
            "name": page.name,
            "description": page.description,
            "url": snapshot.base_url or None,
            "locale": snapshot.config.page.locale,
        },
        "health": _health(snapshot.impact),
        "status": statuspage.status(snapshot),
        "state": snapshot.impact.state,
        "uptime": snapshot.uptime,
        "services": [
            {
                "id": service.id,
                "name": service.name,
                "health": _health(service.impact),
                "status": service.impact.state,
                "uptime": service.series.uptime,
                "nodes": [_node(node) for node in service.nodes],
            }
            for service in snapshot.services
        ],
        "announcements": [_announcement(a) for a in snapshot.announcements],
        "incidents": [_incident(i) for i in snapshot.open_incidents],
        "maintenance": {
            "active": [_maintenance(m, snapshot) for m in snapshot.active_maintenance],
            "upcoming": [_maintenance(m, snapshot) for m in snapshot.upcoming_maintenance],
        },
        "dead_since": _at(snapshot.dead_since),
        "downtime_warning": snapshot.downtime_warning,
        "downtime_warning_minutes": snapshot.config.page.downtime_warning_minutes,
        "updated_at": _at(snapshot.updated_at),
        "generated_at": iso(generated),
        "stale_after": stale_after,
        # The main page's custom domain and its last check (extra pages: null).
        "domain": snapshot.domain.document() if snapshot.domain and page.main else None,
        # When the next build is due at the latest: past it, the page is stale.
        "next_update_by": iso(generated + timedelta(seconds=stale_after)),
    }


def vigil_report(snapshot: Snapshot) -> dict[str, Any]:
    """Vigil's `status/report`: probes (services) with nodes with replica statuses. Vigil
    has no "no data": a node without data is left out until its first report, and a
    service with no node left is too."""
    return {
        "health": snapshot.health.value,
        "page": {"name": snapshot.page.name, "url": snapshot.base_url or None},
        "probes": [
            {
                "id": service.id,
                "name": service.name,
                "status": service.impact.health.value,
                "nodes": [
                    {
                        "id": node.id,
                        "name": node.label,
                        "status": node.impact.health.value,
                        "replicas": [r.health.value for r in node.replicas if r.health],
                    }
                    for node in service.nodes
                    if not node.impact.no_data
                ],
            }
            for service in snapshot.services
            if not service.impact.no_data
        ],
    }


def seed_page(snapshot: Snapshot, v1: dict[str, Any] | None = None) -> dict[str, Any]:
    """`status/<slug>.json`: the seeds' status page object with its live status (`v1`:
    the page's `status_v1` document, when the caller has it already)."""
    page = snapshot.page
    v1 = status_v1(snapshot) if v1 is None else v1
    return {
        "status_page": {
            "id": page.slug,
            "slug": page.slug,
            "name": page.name,
            "description": page.description,
            "logo_url": page.logo,
            "servers": list(page.ids) or [s.id for s in snapshot.services],
            "theme": page.theme,
            "custom_domain": page.custom_domain,
            "enabled": 1 if page.enabled else 0,
            "created_at": page.created_at,
            "url": snapshot.base_url or None,
        },
        "health": snapshot.health.value,
        "status": statuspage.status(snapshot),
        "services": v1["services"],
        "incidents": [_incident(i) for i in snapshot.open_incidents],
        "timestamp": _at(snapshot.updated_at),
    }


def badges(snapshot: Snapshot) -> dict[str, str]:
    window = UPTIME_BADGE_WINDOW
    prefix = f"{snapshot.page.prefix}badges/"
    out = badge_pair(prefix, "status", snapshot.impact.state, snapshot.uptime[window], window)
    for service in snapshot.services:
        out |= badge_pair(
            f"{prefix}services/{service.id}/",
            service.name,
            service.impact.state,
            service.series.uptime[window],
            window,
        )
        for node in service.nodes:
            out |= badge_pair(
                f"{prefix}nodes/{node.service}/{node.id}/",
                node.label,
                node.impact.state,
                node.series.uptime[window],
                window,
            )
    return out


def page_documents(snapshot: Snapshot) -> dict[str, bytes]:
    """The API documents of one page, under its prefix, with `status/<slug>.json`: each
    document built once, and each list they share encoded once (the v1 services with the
    seeds' document, the v2 components and open incidents with the summary)."""
    prefix = snapshot.page.prefix
    encode = Dumper()
    v1 = status_v1(snapshot)
    out = {f"{prefix}api/v1/status.json": encode(v1)}
    out[f"status/{snapshot.page.slug}.json"] = encode(seed_page(snapshot, v1))
    for path, document in statuspage.documents(snapshot).items():
        out[f"{prefix}api/v2/{path}"] = encode(document)
    out[f"{prefix}status/text"] = snapshot.health.value.encode()
    # Static hosts serve the extension-less file as application/octet-stream.
    out[f"{prefix}status/text.txt"] = snapshot.health.value.encode()
    out[f"{prefix}status/report"] = encode(vigil_report(snapshot))
    out.update({path: text.encode() for path, text in badges(snapshot).items()})
    vigil = vigil_badges(prefix, snapshot.health.value)
    out.update({path: text.encode() for path, text in vigil.items()})
    return out


def api_documents(snapshot: Snapshot) -> dict[str, bytes]:
    """Every API document of the main page and of each enabled extra page, with
    `status/<slug>.json` for each, keyed by output-relative path."""
    out: dict[str, bytes] = {}
    for page in snapshot.all_pages():
        out.update(page_documents(page))
    return dict(sorted(out.items()))
