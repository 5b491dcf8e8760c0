"""`statusgen import`: fixtures in each tool's own format, imported, checked and built.

Round trip: import, `statusgen check` passes, `statusgen build` shows the imported
incidents with their updates; what could not carry over is listed, never dropped silently.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from statusgen.cli import main
from statusgen.importers.cstate import updates
from statusgen.importers.gatus import next_window
from statusgen.scaffold import init_project

FIXTURES = Path(__file__).parent / "import_fixtures"
NOW = "2026-11-21T00:00Z"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def imported(root: Path, fmt: str, source: str | Path, *extra: str) -> Result:
    return run("import", fmt, str(source), "--root", str(root), "--now", NOW, *extra)


def check_and_build(root: Path, env: dict[str, str] | None = None) -> Path:
    config = str(root / "config" / "statusgen.toml")
    checked = run("check", "-c", config, env=env)
    assert checked.exit_code == 0, checked.output
    built = run("build", "-c", config, "--now", NOW, env=env)
    assert built.exit_code == 0, built.output
    return root / "output"


@pytest.fixture
def page(tmp_path: Path) -> Path:
    """A fresh `statusgen init` page with its example content removed."""
    init_project(tmp_path)
    for kind in ("incidents", "maintenance", "announcements"):
        for path in (tmp_path / "config" / kind).glob("*.md"):
            path.unlink()
    return tmp_path


# --- monitors' configs ------------------------------------------------------------------


def test_gatus_endpoints_conditions_alerts_and_announcements(tmp_path: Path) -> None:
    result = imported(tmp_path, "gatus", FIXTURES / "gatus" / "config.yaml")
    assert result.exit_code == 0, result.output
    config = (tmp_path / "config" / "statusgen.toml").read_text()
    assert 'conditions = ["[STATUS] == 200", "[BODY].status == UP"' in config
    assert "dns://example.org?type=A&server=8.8.8.8" in config
    assert "dead_after_passes = 5" in config and "recovered_after_passes = 3" in config
    assert 'url = "tgram://123456:ABC/987654"' in config
    for listed in (
        "storage: not supported by statusgen",
        "endpoints[0].conditions[4]: '[DOMAIN_EXPIRATION] > 720h'",
        "endpoints[4].url: ssh:// endpoints are not probed by statusgen",
        "alerting.pagerduty: no Apprise equivalent carried over",
    ):
        assert listed in result.output
    assert "recurs every Monday, Thursday" in result.output
    maintenance = next((tmp_path / "config" / "maintenance").glob("*.md")).read_text()
    assert "starts: 2026-11-23T22:00:00Z" in maintenance  # 23:00 Amsterdam, a Monday
    announcements = sorted(p.name for p in (tmp_path / "config" / "announcements").glob("*"))
    assert announcements == [
        "2026-11-06-elevated-api-response-times-observed-for-us.md",
        "2026-11-07-scheduled-maintenance-on-database-servers-from-14.md",
    ]
    check_and_build(tmp_path)


def test_upptime_sites_status_codes_and_tcp_ping(tmp_path: Path) -> None:
    result = imported(tmp_path, "upptime", FIXTURES / "upptime" / ".upptimerc.yml")
    assert result.exit_code == 0, result.output
    config = (tmp_path / "config" / "statusgen.toml").read_text()
    assert "healthy_above = 200\nhealthy_below = 202" in config
    assert 'conditions = ["[STATUS] == any(200, 204)"]' in config
    assert 'replicas = ["tcp://db.example.org:5432"]' in config
    assert 'Authorization = "Bearer ${API_TOKEN}"' in config
    assert "delay_sick = 2.0" in config
    assert "sites[4]: check 'ws' is not probed by statusgen" in result.output
    assert "history: wrote 90 sealed days" in result.output
    assert "set these environment variables: API_TOKEN, NOTIFICATION_SLACK_WEBHOOK_URL" in (
        result.output
    )
    env = {"API_TOKEN": "t0ken", "NOTIFICATION_SLACK_WEBHOOK_URL": "slack://T000/B000/XXXX"}
    check_and_build(tmp_path, env)


def test_upptime_history_becomes_sealed_days(tmp_path: Path) -> None:
    source = FIXTURES / "upptime" / ".upptimerc.yml"
    assert imported(tmp_path, "upptime", source).exit_code == 0
    days = tmp_path / "history" / "days"
    website = "sites/website/https:-example.org"
    rows = {
        d: json.loads((days / f"{d}.json").read_text())["k"]
        for d in ("2026-11-18", "2026-11-19", "2026-11-20")
    }
    # 288 checks a day (every 5 minutes); 12 minutes down -> 3 dead checks
    assert rows["2026-11-18"][website] == [288, 285, 0, 3, None, None]
    assert rows["2026-11-19"]["sites/website"] == [288, 0, 0, 288, None, None]
    assert rows["2026-11-19"][""] == [288, 0, 0, 288, None, None]
    assert rows["2026-11-20"][website] == [288, 288, 0, 0, None, None]
    day14 = json.loads((days / "2026-11-14.json").read_text())["k"]
    assert website not in day14  # its record starts on the 15th (history/website.yml)
    assert not (days / "2026-11-21.json").exists()  # today is not over
    again = imported(tmp_path, "upptime", source, "--force")
    assert "history: wrote 0 sealed days, kept 90 already sealed" in again.output


def test_vigil_services_nodes_metrics_and_notify(tmp_path: Path) -> None:
    result = imported(tmp_path, "vigil", FIXTURES / "vigil" / "config.cfg")
    assert result.exit_code == 0, result.output
    config = (tmp_path / "config" / "statusgen.toml").read_text()
    assert 'healthy_match = "/Crisp.+Help/"' in config
    assert 'mode = "push"' in config and "mention_channel = true" in config
    assert 'target = "https://domain.com/webhooks/xxxx"' in config
    assert "probe.service[1].node[1]: script nodes are not run by statusgen" in result.output
    assert "notify.pushover: no statusgen equivalent carried over" in result.output
    assert "move them to ${VARIABLES}" in result.output
    check_and_build(tmp_path)


# --- content ------------------------------------------------------------------------------


def test_statuspage_incidents_and_maintenance_keep_every_update(page: Path) -> None:
    result = imported(page, "statuspage", FIXTURES / "statuspage")
    assert result.exit_code == 0, result.output
    assert "incidents[0].components: 'Webhooks' matches no service or node" in result.output
    output = check_and_build(page)
    html = (output / "incidents" / "2026-11-19-elevated-api-errors.html").read_text()
    for update in (
        "Error rates are back to normal.",
        "A fix is rolled out; we are watching.",
        "We are investigating elevated error rates on the API.",
    ):
        assert update in html
    maintenance = (page / "config" / "maintenance" / "2027-01-10-database-upgrade.md").read_text()
    assert "affected: [db]" in maintenance and "ends: 2027-01-10T07:30:00Z" in maintenance


def test_statuspage_from_a_live_page(page: Path, httpserver: HTTPServer) -> None:
    for name in ("incidents.json", "scheduled-maintenances.json"):
        body = (FIXTURES / "statuspage" / name).read_text()
        httpserver.expect_request(f"/api/v2/{name}").respond_with_data(
            body, content_type="application/json"
        )
    result = imported(page, "statuspage", httpserver.url_for("/"))
    assert result.exit_code == 0, result.output
    assert (page / "config" / "incidents" / "2026-11-10-website-outage.md").exists()


def test_cstate_issues_become_incidents_maintenance_and_announcements(page: Path) -> None:
    result = imported(page, "cstate", FIXTURES / "cstate")
    assert result.exit_code == 0, result.output
    assert "affected: 'Billing' matches no service or node" in result.output
    incident = (page / "config" / "incidents" / "2026-11-18-api-unavailable.md").read_text()
    assert "severity: critical" in incident and "affected: [rest]" in incident
    assert "## 2026-11-18T09:58:00Z — monitoring\n\nA fix is deployed." in incident
    assert "A database failover did not complete." in incident
    assert (page / "config" / "announcements" / "2026-11-01-a-new-region.md").exists()
    maintenance = (page / "config" / "maintenance" / "2027-01-10-database-upgrade.md").read_text()
    assert "ends: 2027-01-10T07:30:00Z" in maintenance
    output = check_and_build(page)
    html = (output / "incidents" / "2026-11-18-api-unavailable.html").read_text()
    assert "We are looking into failing API requests." in html


def test_content_needs_a_page_to_go_into(tmp_path: Path) -> None:
    result = imported(tmp_path, "cstate", FIXTURES / "cstate")
    assert result.exit_code == 2
    assert "run `statusgen init` first" in result.output


# --- never overwrite ----------------------------------------------------------------------


def test_nothing_is_overwritten_without_force(page: Path) -> None:
    before = (page / "config" / "statusgen.toml").read_text()
    result = imported(page, "gatus", FIXTURES / "gatus" / "config.yaml")
    assert result.exit_code == 2
    assert "statusgen.toml: already exists; use --force to overwrite" in result.output
    assert (page / "config" / "statusgen.toml").read_text() == before
    assert not list((page / "config" / "announcements").glob("*.md"))  # nothing half-written
    forced = imported(page, "gatus", FIXTURES / "gatus" / "config.yaml", "--force")
    assert forced.exit_code == 0, forced.output
    assert "Acme Health" in (page / "config" / "statusgen.toml").read_text()


def test_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    result = imported(tmp_path, "gatus", FIXTURES / "gatus" / "config.yaml", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would write" in result.output
    assert not (tmp_path / "config").exists()


def test_a_missing_source_is_an_error(tmp_path: Path) -> None:
    result = imported(tmp_path, "gatus", tmp_path / "nope.yaml")
    assert result.exit_code == 2 and "nope.yaml: cannot read it" in result.output


# --- pure parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "now", "expected"),
    [
        (
            {"start": "23:00", "duration": "1h", "timezone": "Europe/Amsterdam"},
            datetime(2026, 11, 21, 0, 0, tzinfo=UTC),
            (datetime(2026, 11, 21, 22, 0, tzinfo=UTC), datetime(2026, 11, 21, 23, 0, tzinfo=UTC)),
        ),
        (
            {"start": "02:00", "duration": "2h", "every": ["Saturday"]},
            datetime(2026, 11, 21, 3, 0, tzinfo=UTC),  # a Saturday, inside the window
            (datetime(2026, 11, 21, 2, 0, tzinfo=UTC), datetime(2026, 11, 21, 4, 0, tzinfo=UTC)),
        ),
        ({"start": "noon", "duration": "1h"}, datetime(2026, 11, 21, tzinfo=UTC), None),
    ],
)
def test_gatus_maintenance_next_window(window: dict, now: datetime, expected) -> None:
    assert next_window(window, now) == expected


def test_cstate_track_shortcodes_become_updates() -> None:
    body = (
        '**Update**: first. {{< track "2026-01-01 10:00:00" >}}\n\n'
        '*Monitoring* - second. {{< track "2026-01-01 11:00:00" >}}\n\n'
        '<!-- *Resolved* - draft {{< track "2026-01-01 12:00:00" >}} -->\n'
        "No track here."
    )
    lead, found = updates(body, resolved=False)
    assert [(u[0].hour, u[1], u[2]) for u in found] == [
        (10, "investigating", "**Update**: first."),
        (11, "monitoring", "second."),
    ]
    assert lead == "No track here."
