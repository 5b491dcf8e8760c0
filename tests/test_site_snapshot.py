"""build_snapshot: statuses from the latest pass and live reports, push replicas, uptime
with maintenance left out, the downtime warning and extra pages."""

from __future__ import annotations

import textwrap
from datetime import timedelta

import pytest

from statusgen.config import load_config
from statusgen.content import load_content
from statusgen.history import HistoryView, open_store, pass_record
from statusgen.run import evaluate_results
from statusgen.site import build_snapshot
from statusgen.site.markup import bar_class
from statusgen.status import ProbeResult, Status

from .conftest import T0, write_project
from .site_helpers import make_fixture

H, S, D = Status.HEALTHY, Status.SICK, Status.DEAD

SMALL = """
[page]
name = "Small"
downtime_warning_minutes = 10

[[services]]
id = "web"
name = "Web"

  [[services.nodes]]
  id = "site"
  label = "Site"
  replicas = [{ url = "http://127.0.0.1:9/", label = "one" }]

  [[services.nodes]]
  id = "push"
  label = "Pushed"
  mode = "push"
"""


def small_project(tmp_path, timeline, content=None):
    """A one-node project whose history is `timeline`: [(minutes before T0, status)]."""
    config = load_config(write_project(tmp_path, SMALL), env={})
    for rel, text in (content or {}).items():
        path = tmp_path / "config" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    store = open_store(config)
    for minutes, status in timeline:
        at = T0 - timedelta(minutes=minutes)
        result = ProbeResult("web", "site", "one", "one", at, status is not D, 0.1, "x", 1, status)
        store.append(pass_record(evaluate_results(config, [result]), [result], at), at)
    return config


def snapshot_of(config, now=T0, live=None):
    view = HistoryView.load(open_store(config))
    return build_snapshot(config, view, load_content(config), now, live)


def test_live_reports_override_the_latest_pass(tmp_path):
    config = make_fixture(tmp_path)
    snap = snapshot_of(config, live={"api/rest/api-1": H, "api/workers/w2": D})
    rest, workers = snap.node("api/rest"), snap.node("api/workers")
    assert [r.health for r in rest.replicas] == [H]
    assert rest.impact.probe is H
    assert rest.impact.component.value == "major_outage"  # the critical incident still stands
    assert [(r.label, r.health) for r in workers.replicas] == [("w1", H), ("w2", D)]
    assert workers.impact.probe is S  # one of two push replicas dead: sick (replica rule)


def test_push_replicas_known_only_live_are_listed(tmp_path):
    config = small_project(tmp_path, [(5, H)])
    snap = snapshot_of(config, live={"web/push/reporter-a": H})
    assert [(r.id, r.label, r.health) for r in snap.node("web/push").replicas] == [
        ("reporter-a", "reporter-a", H)
    ]
    assert snapshot_of(config).node("web/push").replicas == ()


@pytest.mark.parametrize(
    ("timeline", "now_minutes", "since", "warning"),
    [
        ([(30, H), (5, H)], 0, None, False),
        ([(30, H), (5, D)], 0, 5, False),  # dead for 5 minutes: under the 10 configured
        ([(30, H), (15, D), (5, D)], 0, 15, True),
        ([(30, D), (15, H), (5, D)], 0, 5, False),  # a healthy pass breaks the run
    ],
)
def test_dead_since_and_the_downtime_warning(tmp_path, timeline, now_minutes, since, warning):
    config = small_project(tmp_path, timeline)
    snap = snapshot_of(config, now=T0 - timedelta(minutes=now_minutes))
    expected = None if since is None else T0 - timedelta(minutes=since)
    assert snap.dead_since == expected
    assert snap.downtime_warning is warning


def test_a_critical_incident_raises_the_warning_without_downtime(tmp_path):
    incident = {
        "incidents/2026-11-23-bad.md": """
            ---
            title: Data loss
            severity: critical
            ---
            ## 2026-11-23T11:00:00Z — investigating

            Looking.
            """
    }
    snap = snapshot_of(small_project(tmp_path, [(5, H)], incident))
    assert snap.dead_since is None and snap.downtime_warning is True
    assert snap.impact.component.value == "major_outage"  # a page-wide incident


MAINTENANCE = {
    "maintenance/2026-11-23-work.md": """
        ---
        title: Planned work
        starts: 2026-11-23T10:00:00Z
        ends: 2026-11-23T11:30:00Z
        affected: [site]
        ---
        Work.
        """
}


def test_downtime_inside_maintenance_does_not_count(tmp_path):
    timeline = [(150, H), (110, D), (60, D), (20, H), (5, H)]
    config = small_project(tmp_path, timeline, MAINTENANCE)
    site = snapshot_of(config).node("web/site")
    assert site.series.uptime["24h"] == 1.0
    today = site.series.bars[-1]
    assert today.status is H and today.uptime == 1.0
    assert [n.title for n in today.notes] == ["Planned work"]
    assert bar_class(today) == "m"


def test_downtime_outside_maintenance_counts(tmp_path):
    config = small_project(tmp_path, [(150, H), (110, D), (60, D), (20, D), (5, H)], MAINTENANCE)
    site = snapshot_of(config).node("web/site")
    assert site.series.uptime["24h"] == pytest.approx(2 / 3)
    assert bar_class(site.series.bars[-1]) == "d"


def test_a_node_under_maintenance_does_not_warn(tmp_path):
    config = small_project(tmp_path, [(60, D), (30, D)], MAINTENANCE)
    snap = snapshot_of(config, now=T0 - timedelta(minutes=45))
    assert snap.node("web/site").impact.component.value == "under_maintenance"
    assert snap.dead_since is None and not snap.downtime_warning


def test_latency_series_is_the_mean_of_replicas_per_pass(tmp_path):
    config = make_fixture(tmp_path)
    site = snapshot_of(config).node("web/site")
    last_at, last_ms = site.series.latency[-1]
    assert last_at == T0 and last_ms == 62  # both replicas answered in 62 ms at noon
    assert len(site.series.latency) == 25


def test_every_view_shares_one_node_state(tmp_path):
    config = make_fixture(tmp_path)
    snap = snapshot_of(config)
    [extra] = snap.pages
    assert extra.page.slug == "api-only" and extra.page.prefix == "api-only/"
    assert extra.node("api/rest") is snap.node("api/rest")
    assert extra.node("web/site") is None


def test_the_items_about_a_node_keep_their_order_page_wide_ones_included():
    from statusgen.site.series import items_by_node

    items = [
        ("a", frozenset({"web/site"})),
        ("b", None),  # about every node
        ("c", frozenset({"api/rest", "web/site"})),
        ("d", frozenset()),  # about nothing that exists
        ("e", None),
    ]
    about = items_by_node(items)
    assert about("web/site") == ("a", "b", "c", "e")
    assert about("api/rest") == ("b", "c", "e")
    assert about("other/node") == ("b", "e")
    assert items_by_node([])("web/site") == ()
