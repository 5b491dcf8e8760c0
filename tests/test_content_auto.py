"""Automatic incidents: one per outage, opened when a node's death is announced, resolved
on its announced recovery (the flapping guard of notifications)."""

from __future__ import annotations

from statusgen.clock import FixedClock
from statusgen.content import auto_window, load_content, sync_auto_incidents
from statusgen.content.writer import add_update, new_maintenance
from statusgen.status import Status
from tests.conftest import T0
from tests.test_content_support import make_config

H, S, D = Status.HEALTHY, Status.SICK, Status.DEAD
AUTO = "[content]\nauto_incidents = true\n"


KEYS = {"site": "web/site", "docs": "web/docs", "rest": "api/rest", "db": "api/db"}
PASSES: dict[str, dict[str, list[Status]]] = {}


def run(config, clock: FixedClock, **nodes: Status):
    """One pass: remember the nodes' statuses (as the history would), read the files, sync,
    and return the paths written. A node left out has no data this pass."""
    seen = PASSES.setdefault(str(config.path), {})
    for name, status in nodes.items():
        seen.setdefault(KEYS[name], []).append(status)
    recent = {KEYS[name]: seen[KEYS[name]][-auto_window(config) :] for name in nodes}
    return sync_auto_incidents(config, load_content(config), recent, clock())


def test_off_by_default(tmp_path, clock):
    config = make_config(tmp_path)
    assert run(config, clock, site=D) == []
    assert load_content(config).incidents == []


def test_one_incident_per_outage_across_passes(tmp_path, clock):
    config = make_config(tmp_path, AUTO)
    assert run(config, clock, site=H, rest=H) == []

    clock.advance(120)
    (opened,) = run(config, clock, site=D, rest=H)
    (incident,) = load_content(config).incidents
    assert incident.path == opened
    assert (incident.status, incident.auto, incident.affected) == (
        "investigating",
        "web/site",
        ("site",),
    )
    assert incident.title == "Landing page (Website) is down"
    assert incident.started == clock()

    for _ in range(3):  # still dead: nothing new
        clock.advance(120)
        assert run(config, clock, site=D, rest=H) == []
    clock.advance(120)
    assert run(config, clock, rest=H) == []  # no data is not a recovery

    clock.advance(120)
    assert run(config, clock, site=S, rest=H) == [opened]
    (incident,) = load_content(config).incidents
    assert incident.status == "resolved"
    assert incident.resolved == clock()
    assert [u.status for u in incident.updates] == ["resolved", "investigating"]
    assert "answers our checks again (sick)" in incident.updates[0].message

    clock.advance(120)
    assert run(config, clock, site=H, rest=H) == []
    assert len(load_content(config).incidents) == 1


def test_a_second_outage_opens_a_second_incident(tmp_path, clock):
    config = make_config(tmp_path, AUTO)
    first = run(config, clock, db=D)
    clock.advance(600)
    run(config, clock, db=H)
    clock.advance(600)
    run(config, clock, db=H)  # recovered_after_passes = 2: now announced
    clock.advance(600)
    second = run(config, clock, db=D)
    assert first != second
    content = load_content(config)
    assert [i.status for i in content.incidents] == ["investigating", "resolved"]


def test_several_nodes_get_their_own_incidents(tmp_path, clock):
    config = make_config(tmp_path, AUTO)
    assert len(run(config, clock, site=D, db=D, rest=H)) == 2
    for _ in range(2):
        clock.advance(60)
        run(config, clock, site=H, db=D, rest=H)
    open_ones = load_content(config).open_incidents()
    assert [i.auto for i in open_ones] == ["api/db"]


def test_people_may_edit_an_auto_incident_before_it_resolves(tmp_path, clock):
    config = make_config(tmp_path, AUTO)
    (path,) = run(config, clock, rest=D)
    clock.advance(60)
    add_update(config, path.stem, message="A bad deploy; rolling back.", now=clock(),
               status="identified")  # fmt: skip
    clock.advance(60)
    assert run(config, clock, rest=D) == []
    for _ in range(2):
        clock.advance(60)
        run(config, clock, rest=H)
    (incident,) = load_content(config).incidents
    assert [u.status for u in incident.updates] == ["resolved", "identified", "investigating"]


def test_nodes_under_maintenance_open_no_incident(tmp_path):
    clock = FixedClock(T0)
    config = make_config(tmp_path, AUTO)
    new_maintenance(config, "Work", starts=T0, ends=clock.advance(hours=1), affected=["api"])
    clock.now = T0
    assert run(config, clock, db=D, rest=D) == []
    clock.advance(hours=2)
    assert len(run(config, clock, db=D, rest=H)) == 1


def test_one_bad_pass_opens_nothing_when_dead_needs_two(tmp_path, clock):
    config = make_config(tmp_path, AUTO + "[notify]\ndead_after_passes = 2\n")
    assert run(config, clock, site=H) == []
    clock.advance(1)
    assert run(config, clock, site=D) == []  # one bad pass: not announced
    clock.advance(1)
    assert run(config, clock, site=H) == []
    assert load_content(config).incidents == []
    clock.advance(1)
    assert run(config, clock, site=D) == []
    clock.advance(1)
    (opened,) = run(config, clock, site=D)  # the second dead pass in a row
    assert load_content(config).incidents[0].path == opened


def test_a_flapping_node_keeps_one_incident_open_until_recovery_is_announced(tmp_path, clock):
    config = make_config(tmp_path, AUTO)
    (opened,) = run(config, clock, site=D)
    for status in (H, D, H, D, H):  # never two healthy passes in a row
        clock.advance(1)
        assert run(config, clock, site=status) == []
    assert [i.status for i in load_content(config).incidents] == ["investigating"]
    clock.advance(1)
    assert run(config, clock, site=H) == [opened]
    assert load_content(config).incidents[0].status == "resolved"
