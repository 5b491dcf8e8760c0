"""Statuspage v2 details a real exporter relies on: creation times that are neither in the
future nor moving between passes, and shortlinks that are never empty."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from statusgen.cli import main
from statusgen.clock import FixedClock
from statusgen.config import load_config
from statusgen.content import add_update, new_incident, new_maintenance
from statusgen.content.writer import add_maintenance_update
from statusgen.run import run_pass
from statusgen.site import build_site

from .conftest import T0, write_project
from .site_helpers import FIXTURE_CONFIG, make_fixture

PROJECT = """
[page]
name = "Times"

[[services]]
id = "web"
name = "Web"

  [[services.nodes]]
  id = "site"
  label = "Site"
  retry = 0
  replicas = ["tcp://127.0.0.1:9"]
"""


def v2(config, rel: str) -> dict:
    return json.loads((config.output_dir / "api" / "v2" / rel).read_text(encoding="utf-8"))


def test_maintenance_is_created_when_announced_not_at_its_future_start(tmp_path):
    config = load_config(write_project(tmp_path, PROJECT), env={})
    starts = T0 + timedelta(days=3)
    written = new_maintenance(
        config, "DB", starts=starts, ends=starts + timedelta(hours=1), affected=["web"],
        message="Read-only.", now=T0,
    )  # fmt: skip
    assert "created: 2026-11-23T12:00:00Z" in written.path.read_text()
    # An older file without `created` falls back to its first update.
    (tmp_path / "config" / "maintenance" / "older.md").write_text(
        "---\ntitle: Older\nstarts: 2026-12-01T08:00:00Z\nends: 2026-12-01T09:00:00Z\n"
        "affected: [web]\n---\n\n## 2026-11-20T10:00:00Z · scheduled\n\nPlanned.\n"
    )
    build_site(config, T0 + timedelta(hours=1))
    windows = {
        m["id"]: m for m in v2(config, "scheduled-maintenances.json")["scheduled_maintenances"]
    }
    new = windows[written.id]
    assert new["created_at"] == "2026-11-23T12:00:00Z" != new["scheduled_for"]
    assert new["incident_updates"][0]["created_at"] == "2026-11-23T12:00:00Z"
    assert new["updated_at"] == "2026-11-23T12:00:00Z"  # not the future start either
    assert windows["older"]["created_at"] == "2026-11-20T10:00:00Z"
    # Hand-written, with neither `created` nor an update: never its future start.
    (tmp_path / "config" / "maintenance" / "bare.md").write_text(
        "---\ntitle: Bare\nstarts: 2026-12-05T08:00:00Z\nends: 2026-12-05T09:00:00Z\n"
        "affected: [web]\n---\n\nPlanned.\n"
    )
    build_site(config, T0 + timedelta(hours=1))
    bare = v2(config, "scheduled-maintenances.json")["scheduled_maintenances"]
    [bare] = [m for m in bare if m["id"] == "bare"]
    assert bare["created_at"] <= "2026-11-23T13:00:00Z" < bare["scheduled_for"]


def test_created_survives_updates_to_incidents_and_maintenance(tmp_path):
    config = load_config(write_project(tmp_path, PROJECT), env={})
    incident = new_incident(config, "Down", message="Looking.", now=T0)
    later = add_update(config, incident.id, message="Found.", now=T0 + timedelta(hours=1))
    assert incident.created == later.created == T0
    window = new_maintenance(
        config, "Work", starts=T0 + timedelta(days=1), ends=T0 + timedelta(days=1, hours=1),
        affected=["site"], now=T0,
    )  # fmt: skip
    updated = add_maintenance_update(
        config, window.id, message="Soon.", now=T0 + timedelta(hours=2), status="scheduled"
    )
    assert updated.created == T0


def test_a_component_is_created_when_the_history_first_saw_it(tmp_path):
    config = load_config(write_project(tmp_path, PROJECT), env={})
    clock = FixedClock(T0)
    seen = []
    for _ in range(2):
        run_pass(config, clock)
        build_site(config, clock())
        seen.append({c["id"]: c for c in v2(config, "components.json")["components"]})
        clock.advance(minutes=5)
    first, second = seen
    for ident in ("web", "site"):
        assert first[ident]["created_at"] == second[ident]["created_at"] == "2026-11-23T12:00:00Z"
    assert second["site"]["updated_at"] == "2026-11-23T12:05:00Z"  # updated_at does move


def test_without_page_url_shortlinks_are_page_relative_and_check_warns(tmp_path):
    text = FIXTURE_CONFIG.replace('url = "https://status.acme.test/"\n', "")
    config = make_fixture(tmp_path, text)
    build_site(config, T0)
    incidents = v2(config, "incidents.json")["incidents"]
    assert incidents and all(i["shortlink"] == f"incidents/{i['id']}.html" for i in incidents)
    windows = v2(config, "scheduled-maintenances.json")["scheduled_maintenances"]
    assert all(m["shortlink"] == f"maintenance/{m['id']}.html" for m in windows)
    # Each file named is there, relative to the page's root.
    assert all((config.output_dir / i["shortlink"]).is_file() for i in incidents)

    result = CliRunner().invoke(main, ["check", "-c", str(config.path)])
    assert result.exit_code == 0, result.output
    assert "page.url is not set" in result.output
    config.path.write_text(FIXTURE_CONFIG)
    result = CliRunner().invoke(main, ["check", "-c", str(config.path)])
    assert result.exit_code == 0, result.output
    assert "page.url" not in result.output
