"""What content says at a given time: open incidents, announcements, maintenance."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from statusgen.content import load_content
from tests.test_content_support import make_config, write_item


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


MAINTENANCE = """
---
title: Database upgrade
starts: 2027-01-10T06:00:00Z
ends: 2027-01-10T07:00:00Z
affected: [db, web]
---

Upgrading.
"""


@pytest.fixture
def window(tmp_path):
    config = make_config(tmp_path)
    write_item(tmp_path, "maintenance", "2027-01-10-db.md", MAINTENANCE)
    return config, load_content(config)


@pytest.mark.parametrize(
    ("now", "active", "upcoming", "status"),
    [
        (utc(2027, 1, 10, 5, 59, 59), False, True, "scheduled"),
        (utc(2027, 1, 10, 6, 0), True, False, "in_progress"),
        (utc(2027, 1, 10, 6, 59, 59), True, False, "in_progress"),
        (utc(2027, 1, 10, 7, 0), False, False, "completed"),
    ],
)
def test_maintenance_before_inside_and_after_its_window(window, now, active, upcoming, status):
    config, content = window
    (item,) = content.maintenance
    assert bool(content.active_maintenance(now)) is active
    assert bool(content.upcoming_maintenance(now)) is upcoming
    assert item.status(now) == status
    expected = {"api/db", "web/site", "web/docs"} if active else set()
    assert content.maintenance_nodes(config, now) == expected


def test_maintenance_windows_per_node_for_uptime_maths(window):
    config, content = window
    span = (utc(2027, 1, 10, 6), utc(2027, 1, 10, 7))
    assert content.maintenance_windows(config) == {
        "api/db": [span],
        "web/docs": [span],
        "web/site": [span],
    }


def test_a_completed_update_ends_maintenance_early(tmp_path):
    config = make_config(tmp_path)
    write_item(
        tmp_path,
        "maintenance",
        "m.md",
        MAINTENANCE
        + "\n## 2027-01-10T06:20:00Z — completed\n\nDone early.\n"
        + "\n## 2027-01-10T06:00:00Z — in progress\n\nStarted.\n",
    )
    (item,) = load_content(config).maintenance
    assert item.end == utc(2027, 1, 10, 6, 20)
    assert item.status(utc(2027, 1, 10, 6, 10)) == "in_progress"
    assert item.status(utc(2027, 1, 10, 6, 30)) == "completed"
    assert load_content(config).maintenance_windows(config)["api/db"] == [
        (utc(2027, 1, 10, 6), utc(2027, 1, 10, 6, 20))
    ]


def test_upcoming_maintenance_is_soonest_first_and_lists_newest_first(tmp_path):
    config = make_config(tmp_path)
    for day in (12, 10, 11):
        write_item(
            tmp_path,
            "maintenance",
            f"2027-01-{day}-m.md",
            MAINTENANCE.replace("2027-01-10", f"2027-01-{day}"),
        )
    content = load_content(config)
    assert [m.starts.day for m in content.maintenance] == [12, 11, 10]
    assert [m.starts.day for m in content.upcoming_maintenance(utc(2027, 1, 1))] == [10, 11, 12]


@pytest.mark.parametrize(
    ("front", "now", "shown"),
    [
        ("expires: 2026-12-01T00:00:00Z", utc(2026, 11, 30, 23, 59), True),
        ("expires: 2026-12-01T00:00:00Z", utc(2026, 12, 1), False),
        ("starts: 2026-12-01T00:00:00Z", utc(2026, 11, 30), False),
        ("starts: 2026-12-01T00:00:00Z", utc(2030, 1, 1), True),
        ("created: 2026-11-01T00:00:00Z", utc(2020, 1, 1), True),
    ],
)
def test_announcement_is_shown_only_inside_its_window(tmp_path, front, now, shown):
    config = make_config(tmp_path)
    write_item(tmp_path, "announcement", "a.md", f"---\ntitle: A\n{front}\n---\n\nHello.\n")
    assert bool(load_content(config).active_announcements(now)) is shown


def test_open_incidents_and_the_nodes_they_affect(tmp_path):
    config = make_config(tmp_path)
    body = "\n## 2026-11-23T09:00:00Z — {status}\n\nText.\n"
    write_item(
        tmp_path,
        "incident",
        "2026-11-23-open.md",
        "---\ntitle: A\naffected: [api, site]\n---\n" + body.format(status="identified"),
    )
    write_item(
        tmp_path,
        "incident",
        "2026-11-20-done.md",
        "---\ntitle: B\naffected: [api]\n---\n" + body.format(status="resolved"),
    )
    content = load_content(config)
    (incident,) = content.open_incidents()
    assert incident.id == "2026-11-23-open"
    assert incident.node_keys(config) == {"api/rest", "api/db", "web/site"}
    assert [i.id for i in content.incidents_for(config, "api/db")] == ["2026-11-23-open"]
    assert content.incidents_for(config, "web/docs") == []
    assert content.incident("2026-11-20-done").resolved == utc(2026, 11, 23, 9)
