"""Reading content files: format, timeline, sanitising, and every validation message."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from statusgen.config import load_config
from statusgen.content import check_content, load_content
from statusgen.errors import ContentError
from tests.test_content_support import make_config, write_item

REPO = Path(__file__).resolve().parent.parent

INCIDENT = """
---
title: API latency elevated
severity: major
affected: [api, site]
---

## 2026-11-23T10:40:00Z — monitoring

A fix is deployed.

### Details

Still watching.

## 2026-11-23T10:05Z · identified

Found it.

## 2026-11-23 09:12 UTC | investigating

We are investigating *slow* responses.
"""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_incident_is_read_with_its_timeline_newest_first(tmp_path):
    config = make_config(tmp_path)
    write_item(tmp_path, "incident", "2026-11-23-api-latency.md", INCIDENT)
    (incident,) = load_content(config).incidents
    assert incident.id == "2026-11-23-api-latency"
    assert incident.title == "API latency elevated"
    assert (incident.severity, incident.status, incident.affected) == (
        "major",
        "monitoring",
        ("api", "site"),
    )
    assert [u.status for u in incident.updates] == ["monitoring", "identified", "investigating"]
    assert [u.at for u in incident.updates] == [
        utc(2026, 11, 23, 10, 40),
        utc(2026, 11, 23, 10, 5),
        utc(2026, 11, 23, 9, 12),
    ]
    assert incident.started == utc(2026, 11, 23, 9, 12)  # the oldest update
    assert incident.resolved is None and incident.open
    assert incident.message == "We are investigating *slow* responses."
    assert incident.html == "<p>We are investigating <em>slow</em> responses.</p>"
    assert "<h3>Details</h3>" in incident.updates[0].html
    assert incident.updates[0].id == "20261123T104000Z"


def test_updates_out_of_order_in_the_file_are_read_newest_first(tmp_path):
    config = make_config(tmp_path)
    write_item(
        tmp_path,
        "incident",
        "x.md",
        """
        ---
        title: T
        ---

        ## 2026-11-23T09:00:00Z - investigating

        First.

        ## 2026-11-23T11:00:00Z - resolved

        Last.

        ## 2026-11-23T10:00:00Z - monitoring

        Middle.
        """,
    )
    (incident,) = load_content(config).incidents
    assert [u.message for u in incident.updates] == ["Last.", "Middle.", "First."]
    assert incident.status == "resolved"
    assert incident.resolved == utc(2026, 11, 23, 11)
    assert incident.message == "First."


def test_a_body_without_headings_is_the_opening_message(tmp_path):
    config = make_config(tmp_path)
    write_item(
        tmp_path,
        "incident",
        "x.md",
        """
        ---
        title: Outage
        severity: critical
        started: 2026-11-23T09:00:00Z
        ---

        Everything is down.
        """,
    )
    (incident,) = load_content(config).incidents
    assert incident.status == "investigating"
    assert [(u.at, u.status, u.message) for u in incident.updates] == [
        (utc(2026, 11, 23, 9), "investigating", "Everything is down.")
    ]


def test_headings_in_code_blocks_and_deeper_headings_belong_to_the_message(tmp_path):
    config = make_config(tmp_path)
    write_item(
        tmp_path,
        "incident",
        "x.md",
        """
        ---
        title: T
        ---

        ## 2026-11-23T09:00:00Z — investigating

        ```
        ## not a heading
        ```

        ### Neither is this
        """,
    )
    (incident,) = load_content(config).incidents
    assert len(incident.updates) == 1
    assert "## not a heading" in incident.updates[0].message


def test_yaml_timestamps_dates_and_naive_times_are_utc(tmp_path):
    config = make_config(tmp_path)
    write_item(
        tmp_path,
        "announcement",
        "a.md",
        """
        ---
        title: A
        starts: 2026-11-20
        expires: 2026-12-01 08:30:00
        created: "2026-11-19T10:00+01:00"
        ---

        Hello.
        """,
    )
    (item,) = load_content(config).announcements
    assert item.starts == utc(2026, 11, 20)
    assert item.expires == utc(2026, 12, 1, 8, 30)
    assert item.created == utc(2026, 11, 19, 9)


def test_maintenance_description_and_updates(tmp_path):
    config = make_config(tmp_path)
    write_item(
        tmp_path,
        "maintenance",
        "2027-01-10-db.md",
        """
        ---
        title: Database upgrade
        starts: 2027-01-10T06:00:00Z
        ends: 2027-01-10T07:00:00Z
        affected: db
        ---

        Upgrading the database.

        ## 2027-01-10T06:00:00Z — in progress

        Started.
        """,
    )
    (item,) = load_content(config).maintenance
    assert item.affected == ("db",)
    assert item.html == "<p>Upgrading the database.</p>"
    assert [(u.status, u.message) for u in item.updates] == [("in_progress", "Started.")]


@pytest.mark.parametrize(
    ("body", "absent"),
    [
        ("Hi <script>alert(1)</script> there", ["<script", "alert(1)"]),
        ("[click](javascript:alert(1))", ["javascript:"]),
        ('<a href="JaVaScRiPt:alert(2)">x</a>', ["javascript", "JaVaScRiPt"]),
        ('<img src="x.png" onerror="alert(1)">', ["onerror", "alert"]),
        ('<b onclick="steal()">b</b>', ["onclick", "steal"]),
        ('<iframe src="https://evil.example/"></iframe>', ["<iframe"]),
        ("<style>body{display:none}</style>", ["<style", "display:none"]),
    ],
)
def test_raw_html_in_bodies_is_sanitised(tmp_path, body, absent):
    config = make_config(tmp_path)
    write_item(tmp_path, "announcement", "a.md", f"---\ntitle: A\n---\n\n{body}\n")
    (item,) = load_content(config).announcements
    for text in absent:
        assert text not in item.html


def test_safe_links_survive_sanitising(tmp_path):
    config = make_config(tmp_path)
    write_item(
        tmp_path, "announcement", "a.md", "---\ntitle: A\n---\n\n[docs](https://x.example/)\n"
    )
    (item,) = load_content(config).announcements
    assert 'href="https://x.example/"' in item.html


def test_missing_folders_mean_no_content(tmp_path):
    content = load_content(make_config(tmp_path))
    assert (content.incidents, content.announcements, content.maintenance) == ([], [], [])


def test_hidden_and_non_markdown_files_are_ignored(tmp_path):
    config = make_config(tmp_path)
    write_item(tmp_path, "incident", ".x.md.1234.tmp", "junk")
    write_item(tmp_path, "incident", ".draft.md", "junk")
    write_item(tmp_path, "incident", "README.txt", "junk")
    assert check_content(config) == []


def test_the_shipped_example_content_is_valid():
    config = load_config(REPO / "config" / "statusgen.toml")
    content = load_content(config)
    now = utc(2026, 11, 23, 12)
    assert content.incidents and not content.open_incidents()
    assert content.active_announcements(now)
    assert content.upcoming_maintenance(now)


# --- validation messages --------------------------------------------------------------

X = "config/incidents/x.md"
OK_BODY = "\n## 2026-11-23T09:00:00Z — investigating\n\nHello.\n"


def incident_problems(tmp_path: Path, text: str) -> list[str]:
    config = make_config(tmp_path)
    write_item(tmp_path, "incident", "x.md", text)
    return check_content(config)


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        (
            "title: T\nsevrity: major\n",
            f"{X}:3: sevrity: unknown key 'sevrity'; did you mean 'severity'?",
        ),
        (
            "title: T\nseverity: huge\n",
            f"{X}:3: severity: expected 'minor', 'major' or 'critical', got 'huge'",
        ),
        (
            "title: T\nstatus: fixed\n",
            f"{X}:3: status: expected 'investigating', 'identified', 'monitoring' or "
            "'resolved', got 'fixed'",
        ),
        (
            "title: T\nstarted: yesterday\n",
            f"{X}:3: started: expected an ISO 8601 time like 2026-11-23T14:05Z, got 'yesterday'",
        ),
        (
            "title: T\naffected:\n  - web\n  - apii\n",
            f"{X}:5: affected[1]: unknown service or node 'apii'; did you mean 'api'?",
        ),
        (
            "title: T\naffected: [zzzzzz]\n",
            f"{X}:3: affected[0]: unknown service or node 'zzzzzz'; "
            "expected one of: api, db, docs, rest, site, web",
        ),
        ("severity: major\n", f"{X}:1: title: required key is missing"),
        (
            "title: T\nauto: api/nope\n",
            f"{X}:3: auto: unknown node 'api/nope'; expected a service/node key from the config",
        ),
        (
            "title: T\nstatus: monitoring\n",
            f"{X}:3: status: 'monitoring' disagrees with the newest update ('investigating' "
            "at line 6); expected the same",
        ),
        (
            "title: T\nresolved: 2026-11-23T10:00:00Z\n",
            f"{X}:3: resolved: set but status is 'investigating'; expected status 'resolved' "
            "or no 'resolved'",
        ),
        (
            "title: T\ntitle: U\n",
            f"{X}:3: title: duplicate key (first at line 2)",
        ),
    ],
)
def test_front_matter_errors_name_file_line_and_expectation(tmp_path, front, expected):
    assert incident_problems(tmp_path, f"---\n{front}---\n{OK_BODY}") == [expected]


def test_resolved_before_started_is_an_error(tmp_path):
    text = (
        "---\ntitle: T\nstatus: resolved\nstarted: 2026-11-23T10:00:00Z\n"
        "resolved: 2026-11-23T09:00:00Z\n---\n\nDone.\n"
    )
    assert incident_problems(tmp_path, text) == [
        f"{X}:5: resolved: 2026-11-23T09:00:00Z is before started (2026-11-23T10:00:00Z); "
        "expected a later time"
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "\n## yesterday\n\nHello.\n",
            f"{X}:6: cannot read update heading '## yesterday'; "
            "expected '## 2026-11-23T14:05Z — monitoring'",
        ),
        (
            "\n## 2026-13-45T10:00Z — monitoring\n\nHello.\n",
            f"{X}:6: cannot read the time '2026-13-45T10:00Z' in update heading "
            "'## 2026-13-45T10:00Z — monitoring'; expected ISO 8601 like '2026-11-23T14:05Z'",
        ),
        (
            "\n## 2026-11-23T10:00Z — resolvd\n\nHello.\n",
            f"{X}:6: unknown update status 'resolvd' in '## 2026-11-23T10:00Z — resolvd'; did "
            "you mean 'resolved'? expected one of: investigating, identified, monitoring, resolved",
        ),
        (
            "\n## 2026-11-23T10:00Z — investigating\n",
            f"{X}:6: update '## 2026-11-23T10:00Z — investigating' has no message; "
            "expected text under the heading",
        ),
        (
            "\nIntro.\n\n## 2026-11-23T10:00Z — investigating\n\nHello.\n",
            f"{X}:6: text before the first update heading; expected the body to start with "
            "a heading like '## 2026-11-23T14:05Z — investigating'",
        ),
        (
            "\n",
            f"{X}:4: no message; expected the opening message, or update headings like "
            "'## 2026-11-23T14:05Z — investigating'",
        ),
    ],
)
def test_timeline_errors_name_file_line_and_expectation(tmp_path, body, expected):
    front = "---\ntitle: T\nstarted: 2026-11-23T09:00:00Z\n---\n"
    assert incident_problems(tmp_path, front + body) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "title: T\n\nHello\n",
            f"{X}:1: no front matter; expected a first line '---', then lines like "
            "'title: ...', then '---'",
        ),
        (
            "---\ntitle: T\n",
            f"{X}:1: front matter is not closed; expected a '---' line after it",
        ),
        (
            "---\ntitle: [unclosed\n---\n\nHello\n",
            f"{X}:3: front matter is not valid YAML (did not find expected ',' or ']'); "
            "expected 'key: value' lines",
        ),
        (
            "---\n- a list\n---\n\nHello\n",
            f"{X}:2: front matter is not a mapping; expected 'key: value' lines",
        ),
    ],
)
def test_file_shape_errors(tmp_path, text, expected):
    assert incident_problems(tmp_path, text) == [expected]


def test_a_file_name_must_be_a_slug(tmp_path):
    config = make_config(tmp_path)
    write_item(tmp_path, "incident", "Big Outage.md", f"---\ntitle: T\n---\n{OK_BODY}")
    assert check_content(config) == [
        "config/incidents/Big Outage.md:1: file name 'Big Outage.md' is not a slug; expected "
        "lowercase letters, digits and hyphens, like 2026-11-23-api-latency.md"
    ]


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (
            "announcement",
            "---\ntitle: A\nstarts: 2026-12-01T00:00:00Z\nexpires: 2026-11-01T00:00:00Z\n"
            "---\n\nHi\n",
            "config/announcements/x.md:4: expires: 2026-11-01T00:00:00Z is not after starts "
            "(2026-12-01T00:00:00Z); expected a later time",
        ),
        (
            "announcement",
            "---\ntitle: A\n---\n\n",
            "config/announcements/x.md:3: no message; expected the announcement text below "
            "the front matter",
        ),
        (
            "maintenance",
            "---\ntitle: M\nstarts: 2027-01-10T07:00:00Z\nends: 2027-01-10T06:00:00Z\n"
            "affected: [db]\n---\n",
            "config/maintenance/x.md:4: ends: 2027-01-10T06:00:00Z is not after starts "
            "(2027-01-10T07:00:00Z); expected a later time",
        ),
        (
            "maintenance",
            "---\ntitle: M\nstarts: 2027-01-10T06:00:00Z\nends: 2027-01-10T07:00:00Z\n"
            "affected: []\n---\n",
            "config/maintenance/x.md:5: affected: expected at least one service or node id",
        ),
        (
            "maintenance",
            "---\ntitle: M\nstarts: 2027-01-10T06:00:00Z\nends: 2027-01-10T07:00:00Z\n"
            "affected: [db]\n---\n\n## 2027-01-10T06:00Z — investigating\n\nNo.\n",
            "config/maintenance/x.md:8: unknown update status 'investigating' in "
            "'## 2027-01-10T06:00Z — investigating'; did you mean 'verifying'? expected one "
            "of: scheduled, in_progress, verifying, completed",
        ),
        (
            "maintenance",
            "---\ntitle: M\nstarts: 2027-01-10T06:00:00Z\naffected: [db]\n---\n",
            "config/maintenance/x.md:1: ends: required key is missing",
        ),
    ],
)
def test_announcement_and_maintenance_errors(tmp_path, kind, text, expected):
    config = make_config(tmp_path)
    write_item(tmp_path, kind, "x.md", text)
    assert check_content(config) == [expected]


def test_every_problem_of_every_file_is_reported_and_valid_files_still_read(tmp_path):
    config = make_config(tmp_path)
    write_item(tmp_path, "incident", "a.md", f"---\ntitle: A\nseverity: bad\n---\n{OK_BODY}")
    write_item(tmp_path, "incident", "b.md", f"---\ntitle: B\n---\n{OK_BODY}")
    write_item(tmp_path, "announcement", "c.md", "---\ntitle: C\nfoo: 1\n---\n\nHi\n")
    with pytest.raises(ContentError) as caught:
        load_content(config)
    assert caught.value.problems == [
        "config/incidents/a.md:3: severity: expected 'minor', 'major' or 'critical', got 'bad'",
        "config/announcements/c.md:3: foo: unknown key 'foo'; expected one of: created, "
        "expires, page, starts, title",
    ]
    assert caught.value.exit_code == 2
