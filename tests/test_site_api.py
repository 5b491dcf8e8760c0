"""The static JSON API: Statuspage v2 documents validate against models of Statuspage's
public shapes; Vigil's status/text and status/report; statusgen's v1; the seeds' per-page
document; badges. Built once from the fixture page."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, datetime
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict

from statusgen.content import load_content
from statusgen.history import HistoryView, open_store
from statusgen.site import api_documents, build_site, build_snapshot

from .conftest import T0
from .site_helpers import make_fixture

ComponentStatus = Literal[
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"
]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(Shape):
    id: str
    name: str
    url: str
    time_zone: str
    updated_at: datetime | None


class Status(Shape):
    indicator: Literal["none", "minor", "major", "critical"]
    description: str


class Component(Shape):
    id: str
    name: str
    status: ComponentStatus
    created_at: datetime | None
    updated_at: datetime | None
    position: int
    description: str | None
    showcase: bool
    start_date: date | None
    group_id: str | None
    page_id: str
    group: bool
    only_show_if_degraded: bool
    components: list[str] | None = None


class IncidentUpdate(Shape):
    id: str
    status: str
    body: str
    incident_id: str
    created_at: datetime
    updated_at: datetime
    display_at: datetime
    affected_components: list[dict] | None
    deliver_notifications: bool
    custom_tweet: str | None
    tweet_id: str | None


class Incident(Shape):
    id: str
    name: str
    status: Literal["investigating", "identified", "monitoring", "resolved", "postmortem"]
    created_at: datetime
    updated_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    impact: Literal["none", "minor", "major", "critical"]
    shortlink: str
    started_at: datetime
    page_id: str
    incident_updates: list[IncidentUpdate]
    components: list[Component]


class Maintenance(Incident):
    status: Literal["scheduled", "in_progress", "verifying", "completed"]  # type: ignore[assignment]
    impact: Literal["none", "minor", "major", "critical", "maintenance"]  # type: ignore[assignment]
    scheduled_for: datetime
    scheduled_until: datetime


class StatusDoc(Shape):
    page: Page
    status: Status


class ComponentsDoc(Shape):
    page: Page
    components: list[Component]


class IncidentsDoc(Shape):
    page: Page
    incidents: list[Incident]


class MaintenancesDoc(Shape):
    page: Page
    scheduled_maintenances: list[Maintenance]


class Summary(Shape):
    page: Page
    components: list[Component]
    incidents: list[Incident]
    scheduled_maintenances: list[Maintenance]
    status: Status


V2 = {
    "summary.json": Summary,
    "status.json": StatusDoc,
    "components.json": ComponentsDoc,
    "incidents.json": IncidentsDoc,
    "incidents/unresolved.json": IncidentsDoc,
    "scheduled-maintenances.json": MaintenancesDoc,
    "scheduled-maintenances/upcoming.json": MaintenancesDoc,
    "scheduled-maintenances/active.json": MaintenancesDoc,
}


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    config = make_fixture(tmp_path_factory.mktemp("api"))
    build_site(config, T0)
    return config.output_dir


def doc(output, rel):
    return json.loads((output / rel).read_text(encoding="utf-8"))


@pytest.mark.parametrize("prefix", ["", "api-only/"])
@pytest.mark.parametrize(("rel", "model"), V2.items())
def test_statuspage_v2_documents_validate(output, prefix, rel, model):
    model.model_validate(doc(output, f"{prefix}api/v2/{rel}"))


def test_v2_values_follow_statuspage(output):
    summary = doc(output, "api/v2/summary.json")
    assert summary["status"] == {"indicator": "critical", "description": "Partial System Outage"}
    assert summary["page"]["url"] == "https://status.acme.test"
    groups = [c for c in summary["components"] if c["group"]]
    assert [(g["id"], g["components"]) for g in groups] == [
        ("web", ["site", "docs"]),
        ("api", ["rest", "workers"]),
    ]
    children = {
        c["id"]: (c["status"], c["group_id"]) for c in summary["components"] if not c["group"]
    }
    assert children == {
        "site": ("operational", "web"),
        "docs": ("under_maintenance", "web"),
        "rest": ("major_outage", "api"),
        "workers": ("operational", "api"),
    }
    [incident] = summary["incidents"]
    assert incident["impact"] == "critical" and incident["status"] == "identified"
    assert [u["status"] for u in incident["incident_updates"]] == ["identified", "investigating"]
    assert incident["shortlink"] == "https://status.acme.test/incidents/2026-11-23-rest-down.html"
    assert [c["id"] for c in incident["components"]] == ["rest"]
    assert [m["status"] for m in summary["scheduled_maintenances"]] == ["in_progress", "scheduled"]


def test_v2_lists_split_as_statuspage_does(output):
    every = doc(output, "api/v2/incidents.json")["incidents"]
    assert [i["id"] for i in every] == ["2026-11-23-rest-down", "2026-11-22-site-errors"]
    assert every[1]["resolved_at"] == "2026-11-22T09:05:00Z"
    unresolved = doc(output, "api/v2/incidents/unresolved.json")["incidents"]
    assert [i["id"] for i in unresolved] == ["2026-11-23-rest-down"]
    upcoming = doc(output, "api/v2/scheduled-maintenances/upcoming.json")
    active = doc(output, "api/v2/scheduled-maintenances/active.json")
    assert [m["id"] for m in upcoming["scheduled_maintenances"]] == ["2026-11-30-db"]
    assert [m["id"] for m in active["scheduled_maintenances"]] == ["2026-11-23-docs-upgrade"]
    assert active["scheduled_maintenances"][0]["impact"] == "maintenance"


def test_an_extra_page_shows_only_its_services(output):
    summary = doc(output, "api-only/api/v2/summary.json")
    assert [c["id"] for c in summary["components"]] == ["api", "rest", "workers"]
    assert summary["page"]["id"] == "api-only"
    maintenance = doc(output, "api-only/api/v2/scheduled-maintenances.json")
    assert [m["id"] for m in maintenance["scheduled_maintenances"]] == ["2026-11-30-db"]
    html = (output / "api-only" / "index.html").read_text()
    assert "Documentation" not in html and "REST API" in html
    assert 'data-theme="light"' in html


def test_vigil_text_and_report(output):
    assert (output / "status" / "text").read_text() == "dead"
    report = doc(output, "status/report")
    assert report["health"] == "dead"
    assert report["page"] == {"name": "Acme Status", "url": "https://status.acme.test/"}
    assert [(p["name"], p["status"]) for p in report["probes"]] == [
        ("Website", "healthy"),
        ("API", "dead"),
    ]
    nodes = {n["name"]: (n["status"], n["replicas"]) for p in report["probes"] for n in p["nodes"]}
    assert nodes["Landing page"] == ("healthy", ["healthy", "healthy"])
    assert nodes["REST API"] == ("dead", ["dead"])
    assert nodes["Workers"] == ("healthy", ["healthy"])


def test_v1_status_document(output):
    status = doc(output, "api/v1/status.json")
    assert status["page"]["id"] == "acme" and status["page"]["locale"] == "en"
    assert [a["title"] for a in status["announcements"]] == ["New status page"]
    assert [i["id"] for i in status["incidents"]] == ["2026-11-23-rest-down"]
    assert [m["id"] for m in status["maintenance"]["active"]] == ["2026-11-23-docs-upgrade"]
    assert [m["id"] for m in status["maintenance"]["upcoming"]] == ["2026-11-30-db"]
    rest = status["services"][1]["nodes"][0]
    assert rest["uptime"]["24h"] == pytest.approx(23 / 25)
    assert rest["replicas"] == [{"health": "dead", "label": "api-1", "latency_ms": None}]
    assert status["generated_at"] == "2026-11-23T12:00:00Z"


def test_seed_page_documents(output):
    main = doc(output, "status/acme.json")
    extra = doc(output, "status/api-only.json")
    assert main["status_page"]["slug"] == "acme" and main["status_page"]["enabled"] == 1
    assert extra["status_page"]["servers"] == ["api"]
    assert extra["status_page"]["theme"] == "light"
    assert extra["health"] == "dead"
    assert [s["id"] for s in extra["services"]] == ["api"]


def test_badges_are_svg_and_shields_endpoints(output):
    for rel in ("badges/status.svg", "badges/uptime.svg", "badges/nodes/api/rest/status.svg"):
        root = ET.fromstring((output / rel).read_text())
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert doc(output, "badges/status.json") == {
        "schemaVersion": 1,
        "label": "status",
        "message": "major outage",
        "color": "red",
    }
    site = doc(output, "badges/nodes/web/docs/status.json")
    assert (site["label"], site["message"], site["color"]) == (
        "Documentation",
        "maintenance",
        "blue",
    )
    uptime = doc(output, "badges/nodes/web/site/uptime.json")
    assert uptime["label"] == "Landing page uptime 30d" and uptime["message"].endswith("%")


def test_api_documents_are_what_the_build_writes(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    view = HistoryView.load(open_store(config))
    documents = api_documents(build_snapshot(config, view, load_content(config), T0))
    for rel, data in documents.items():
        assert (config.output_dir / rel).read_bytes() == data, rel
