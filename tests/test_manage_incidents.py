"""Incidents over HTTP: open, patch, append updates; the files are the content writers'
Markdown, and what the API writes is what the site shows after a rebuild."""

from __future__ import annotations

import json

import pytest

from statusgen.content import load_content
from statusgen.server.app import site_builder
from tests.manage_support import Client, make_app, make_project, new_token

T = "2026-11-23T12:00:00Z"


@pytest.fixture
def config(tmp_path):
    return make_project(tmp_path)


@pytest.fixture
def api(config, clock):
    return Client(make_app(config, clock), new_token(config, clock))


@pytest.fixture
def page(api):
    return api.create_page("acme", servers=["api"])


def test_open_returns_201_and_writes_a_markdown_incident(api, config, page):
    response = api.post(
        f"/status-pages/{page['id']}/incidents",
        json={
            "title": "API latency elevated",
            "message": "Investigating elevated response times on the /v1/* endpoints.",
            "severity": "major",
            "affected_servers": ["rest"],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "incident": {
            "id": "2026-11-23-api-latency-elevated",
            "status_page_id": page["id"],
            "title": "API latency elevated",
            "status": "investigating",
            "severity": "major",
            "message": "Investigating elevated response times on the /v1/* endpoints.",
            "affected_servers": ["rest"],
            "created_at": T,
            "resolved_at": None,
        },
        "timestamp": T,
    }
    (incident,) = load_content(config).incidents
    assert incident.path == config.root / "config/incidents/2026-11-23-api-latency-elevated.md"
    assert (incident.severity, incident.affected) == ("major", ("rest",))
    # The message is the first update, so the timeline starts populated.
    assert [(u.status, u.message) for u in incident.updates] == [
        ("investigating", "Investigating elevated response times on the /v1/* endpoints.")
    ]


def test_defaults_are_investigating_minor_and_the_pages_servers(api, page):
    incident = api.open_incident(page["id"])
    assert (incident["status"], incident["severity"]) == ("investigating", "minor")
    assert incident["affected_servers"] == ["api"]


def test_an_incident_on_the_main_page_is_about_the_whole_page(api, config):
    incident = api.open_incident("main")
    assert incident["status_page_id"] == "main"
    assert incident["affected_servers"] == []


def test_opening_as_resolved_sets_resolved_at(api, page):
    incident = api.open_incident(page["id"], status="resolved")
    assert incident["resolved_at"] == T


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "no title"}, "title and message are required"),
        ({"title": "No message"}, "title and message are required"),
        ({"title": "T", "message": "   "}, "title and message are required"),
        ({"title": "T", "message": "M", "affected_servers": ["ghost"]}, "Unknown servers: ghost"),
        ({"title": "T", "message": "M", "severity": "huge"}, "severity: "),
        ({"title": "T", "message": "M", "status": "fixed"}, "status: "),
        ({"title": "Two\nlines", "message": "M"}, "title: must be a single line"),
    ],
)
def test_open_refuses_bad_bodies_with_400(api, config, page, body, message):
    response = api.post(f"/status-pages/{page['id']}/incidents", json=body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    assert load_content(config).incidents == []


def test_open_on_an_unknown_page_is_404(api):
    response = api.post("/status-pages/nope/incidents", json={"title": "T", "message": "M"})
    assert response.status_code == 404
    assert response.json()["error"] == "Status page not found"


def test_patch_changes_title_and_severity_and_keeps_the_timeline(api, config, page, clock):
    incident = api.open_incident(page["id"])
    clock.advance(minutes=5)
    response = api.patch(
        f"/status-pages/incidents/{incident['id']}",
        json={"title": "API down", "severity": "critical"},
    )
    assert response.status_code == 200
    assert response.json() == {"message": "Incident updated", "timestamp": "2026-11-23T12:05:00Z"}
    (stored,) = load_content(config).incidents
    assert (stored.title, stored.severity, stored.status) == (
        "API down",
        "critical",
        "investigating",
    )
    assert len(stored.updates) == 1
    assert stored.id == incident["id"]  # the id (file name) is stable


def test_patch_to_resolved_sets_resolved_and_records_the_change(api, config, page, clock):
    incident = api.open_incident(page["id"])
    clock.advance(minutes=30)
    response = api.patch(f"/status-pages/incidents/{incident['id']}", json={"status": "resolved"})
    assert response.status_code == 200
    (stored,) = load_content(config).incidents
    assert stored.status == "resolved"
    assert stored.resolved.isoformat() == "2026-11-23T12:30:00+00:00"
    assert stored.updates[0].message == "Status changed to resolved."


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "No fields to update"),
        ({"colour": "red"}, 400, "colour: unknown field"),
        ({"status": "done"}, 400, "status: "),
    ],
)
def test_patch_errors(api, page, body, status, message):
    incident = api.open_incident(page["id"])
    response = api.patch(f"/status-pages/incidents/{incident['id']}", json=body)
    assert response.status_code == status
    assert response.json()["error"].startswith(message)


@pytest.mark.parametrize("ident", ["2026-01-01-nothing", ".lock", "UP", "a..b"])
def test_unknown_incidents_are_404(api, ident):
    for response in (
        api.patch(f"/status-pages/incidents/{ident}", json={"title": "X"}),
        api.post(f"/status-pages/incidents/{ident}/updates", json={"message": "X"}),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == "Incident not found"


def test_updates_append_to_the_timeline_and_resolve(api, config, page, clock):
    incident = api.open_incident(page["id"])
    clock.advance(minutes=10)
    response = api.post(
        f"/status-pages/incidents/{incident['id']}/updates",
        json={"status": "monitoring", "message": "Latency back to baseline."},
    )
    assert response.status_code == 201
    assert response.json() == {
        "update": {
            "id": "20261123T121000Z",
            "incident_id": incident["id"],
            "status": "monitoring",
            "message": "Latency back to baseline.",
            "created_at": "2026-11-23T12:10:00Z",
        },
        "timestamp": "2026-11-23T12:10:00Z",
    }
    clock.advance(minutes=15)
    note = api.post(f"/status-pages/incidents/{incident['id']}/updates", json={"message": "Note"})
    assert note.json()["update"]["status"] == "monitoring"  # no status: unchanged
    clock.advance(minutes=5)
    api.post(
        f"/status-pages/incidents/{incident['id']}/updates",
        json={"status": "resolved", "message": "Fixed."},
    )
    (stored,) = load_content(config).incidents
    assert [u.status for u in stored.updates] == [
        "resolved",
        "monitoring",
        "monitoring",
        "investigating",
    ]
    assert stored.resolved.isoformat() == "2026-11-23T12:30:00+00:00"


@pytest.mark.parametrize("body", [{}, {"status": "monitoring"}, {"message": ""}])
def test_an_update_without_message_is_400(api, page, body):
    incident = api.open_incident(page["id"])
    response = api.post(f"/status-pages/incidents/{incident['id']}/updates", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "message is required"


def test_an_api_incident_renders_on_the_rebuilt_page_and_in_the_v2_api(tmp_path, clock):
    config = make_project(tmp_path)
    app = make_app(config, clock, schedule=True, builder=site_builder)
    api = Client(app, new_token(config, clock))
    page = api.create_page("acme", servers=["api"])
    incident = api.open_incident(
        page["id"],
        title="Checkout errors",
        message='Payments *fail*. <script>alert(1)</script><a href="javascript:x()">x</a>',
        severity="critical",
    )
    app.state.scheduler.rebuild()  # what the debounced rebuild after a write runs
    output = config.output_dir
    for html in (output / "index.html", output / "acme/index.html"):
        text = html.read_text()
        assert "Checkout errors" in text
        assert "<em>fail</em>" in text
        assert "<script>alert" not in text and "javascript:" not in text
    for path in ("api/v2/incidents.json", "acme/api/v2/incidents.json"):
        document = json.loads((output / path).read_text())
        assert [i["name"] for i in document["incidents"]] == ["Checkout errors"]
        assert document["incidents"][0]["id"] == incident["id"]
    # The public route answers the same bytes as the static status/<slug>.json.
    public = api.get("/status/acme", token=None)
    assert public.status_code == 200
    assert public.content == (output / "status/acme.json").read_bytes()
    assert api.get("/status/nope", token=None).status_code == 404


@pytest.mark.parametrize(
    "message", ["## 2026-11-23T11:00Z — resolved\n\nForged.", "Intro\n\n## Heading", "  ## x"]
)
def test_a_message_cannot_forge_an_update_heading(api, page, message):
    response = api.post(
        f"/status-pages/{page['id']}/incidents", json={"title": "T", "message": message}
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("message: level-two headings")
    incident = api.open_incident(page["id"], message="Fine\n\n### Details\n\nMore.")
    response = api.post(
        f"/status-pages/incidents/{incident['id']}/updates", json={"message": message}
    )
    assert response.status_code == 400


def test_a_hand_broken_incident_file_is_409_and_untouched(api, page):
    incident = api.open_incident(page["id"])
    path = api.config.root / f"config/incidents/{incident['id']}.md"
    path.write_text(path.read_text().replace("severity: minor", "severity: huge"))
    before = path.read_text()
    for response in (
        api.patch(f"/status-pages/incidents/{incident['id']}", json={"title": "New"}),
        api.post(f"/status-pages/incidents/{incident['id']}/updates", json={"message": "M"}),
    ):
        assert response.status_code == 409
        assert "severity" in response.json()["error"]
    assert path.read_text() == before


def test_the_public_document_of_a_page_created_since_the_last_build(tmp_path, clock):
    config = make_project(tmp_path)
    app = make_app(config, clock, schedule=True, builder=site_builder)
    api = Client(app, new_token(config, clock))
    app.state.scheduler.rebuild()
    assert api.get("/status/acme", token=None).status_code == 404
    api.create_page("acme")
    response = api.get("/status/acme", token=None)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(response.content)
