"""Writers and the authoring CLI: each writes the format the reader reads."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from statusgen.cli import main
from statusgen.content import load_content
from statusgen.content.git import commit_files
from statusgen.content.writer import (
    add_update,
    new_announcement,
    new_incident,
    new_maintenance,
    resolve_incident,
    slugify,
)
from statusgen.errors import ContentError, StatusgenError
from statusgen.files import write_atomic
from tests.test_content_support import make_config

T0 = datetime(2026, 11, 23, 12, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("API latency: elevated!", "api-latency-elevated"),
        ("Écriture  lente", "ecriture-lente"),
        ("???", "untitled"),
        ("word " * 30, "-".join(["word"] * 12)),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_new_incident_file_reads_back_equal(tmp_path):
    config = make_config(tmp_path)
    item = new_incident(
        config, "API down", message="We are *on it*.", now=T0, severity="major",
        affected=["api", "site"],
    )  # fmt: skip
    assert item.path == tmp_path / "config/incidents/2026-11-23-api-down.md"
    assert item.path.read_text() == (
        "---\n"
        "title: API down\n"
        "severity: major\n"
        "status: investigating\n"
        "affected: [api, site]\n"
        "started: 2026-11-23T12:00:00Z\n"
        "created: 2026-11-23T12:00:00Z\n"
        "---\n"
        "\n"
        "## 2026-11-23T12:00:00Z — investigating\n"
        "\n"
        "We are *on it*.\n"
    )
    assert load_content(config).incidents == [item]


def test_same_title_same_day_gets_a_unique_id(tmp_path):
    config = make_config(tmp_path)
    first = new_incident(config, "Outage", message="a", now=T0)
    second = new_incident(config, "Outage", message="b", now=T0)
    assert (first.id, second.id) == ("2026-11-23-outage", "2026-11-23-outage-2")


def test_updates_go_on_top_and_resolving_sets_resolved(tmp_path):
    config = make_config(tmp_path)
    item = new_incident(config, "Outage", message="Looking.", now=T0)
    add_update(config, item.id, message="Found it.", now=utc(2026, 11, 23, 12, 10),
               status="identified")  # fmt: skip
    same = add_update(config, item.id, message="Still on it.", now=utc(2026, 11, 23, 12, 20))
    assert same.status == "identified"
    done = resolve_incident(config, item.id, message="Fixed.", now=utc(2026, 11, 23, 12, 30))
    assert [(u.status, u.message) for u in done.updates] == [
        ("resolved", "Fixed."),
        ("identified", "Still on it."),
        ("identified", "Found it."),
        ("investigating", "Looking."),
    ]
    assert done.resolved == utc(2026, 11, 23, 12, 30)
    assert "resolved: 2026-11-23T12:30:00Z\n" in done.path.read_text()
    assert load_content(config).incidents == [done]
    with pytest.raises(ContentError, match="is already resolved"):
        resolve_incident(config, item.id, message="again", now=utc(2026, 11, 23, 13))
    # A note after resolution keeps the resolution time; reopening clears it.
    note = add_update(config, item.id, message="Postmortem.", now=utc(2026, 11, 24))
    assert (note.status, note.resolved) == ("resolved", utc(2026, 11, 23, 12, 30))
    reopened = add_update(config, item.id, message="Back.", now=utc(2026, 11, 25),
                          status="investigating")  # fmt: skip
    assert reopened.resolved is None and reopened.open


def test_an_update_with_a_clock_behind_stays_on_top(tmp_path):
    config = make_config(tmp_path)
    item = new_incident(config, "Outage", message="a", now=T0)
    later = add_update(config, item.id, message="b", now=utc(2026, 11, 23, 11), status="monitoring")
    assert later.updates[0].message == "b" and later.updates[0].at == T0


def test_writers_reject_bad_arguments_without_writing(tmp_path):
    config = make_config(tmp_path)
    with pytest.raises(ContentError) as caught:
        new_incident(config, "X", message="m", now=T0, severity="huge", affected=["apii"])
    assert caught.value.problems == [
        "affected: unknown service or node 'apii'; did you mean 'api'?",
        "severity: expected one of minor, major, critical, got 'huge'",
    ]
    with pytest.raises(ContentError) as caught:
        new_incident(config, "X", message="   ", now=T0)
    assert caught.value.problems == [
        "config/incidents/2026-11-23-x.md:10: update '## 2026-11-23T12:00:00Z — investigating' "
        "has no message; expected text under the heading"
    ]
    with pytest.raises(ContentError, match="no incident 'nope' in config/incidents"):
        add_update(config, "nope", message="m", now=T0)
    assert not (tmp_path / "config/incidents").exists() or not list(
        (tmp_path / "config/incidents").glob("*.md")
    )


def test_new_announcement_and_maintenance_read_back_equal(tmp_path):
    config = make_config(tmp_path)
    note = new_announcement(
        config, "New page", message="Hello **all**.", now=T0, expires=utc(2027, 1, 31)
    )
    work = new_maintenance(
        config, "DB upgrade", starts=utc(2027, 1, 10, 6), ends=utc(2027, 1, 10, 7),
        affected=["db"], message="Upgrading.",
    )  # fmt: skip
    assert note.path.name == "2026-11-23-new-page.md"
    assert work.path.name == "2027-01-10-db-upgrade.md"
    content = load_content(config)
    assert content.announcements == [note] and content.maintenance == [work]
    assert note.created == T0 and note.html == "<p>Hello <strong>all</strong>.</p>"


def test_write_atomic_never_replaces_when_new(tmp_path):
    path = tmp_path / "a.md"
    write_atomic(path, "one", new=True)
    with pytest.raises(FileExistsError):
        write_atomic(path, "two", new=True)
    write_atomic(path, "three")
    assert path.read_text() == "three"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]  # no temporary files left


# --- CLI ------------------------------------------------------------------------------


def cli(config, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "-c", str(config.path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def in_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return make_config(tmp_path)


def test_cli_incident_new_update_resolve_round_trip(in_project):
    config = in_project
    out = cli(config, "incident", "new", "API down", "--severity", "critical", "--affects",
              "api, site", "--message", "Looking.", "--now", "2026-11-23T12:00Z")  # fmt: skip
    assert out == "config/incidents/2026-11-23-api-down.md\n"
    (item,) = load_content(config).incidents
    assert (item.title, item.severity, item.affected, item.status, item.message) == (
        "API down", "critical", ("api", "site"), "investigating", "Looking.",
    )  # fmt: skip
    cli(config, "incident", "update", item.id, "--status", "monitoring", "-m", "Fixed, watching.",
        "--now", "2026-11-23T12:30Z")  # fmt: skip
    out = cli(config, "incident", "resolve", item.id, "--now", "2026-11-23T13:00Z")
    assert out == "config/incidents/2026-11-23-api-down.md\n"
    (item,) = load_content(config).incidents
    assert [(u.status, u.message) for u in item.updates] == [
        ("resolved", "This incident has been resolved."),
        ("monitoring", "Fixed, watching."),
        ("investigating", "Looking."),
    ]
    assert item.resolved == utc(2026, 11, 23, 13)


def test_cli_announce_round_trip(in_project):
    out = cli(in_project, "announce", "New page", "--message", "Hello.",
              "--starts", "2026-11-24T00:00Z", "--expires", "2026-12-01T00:00Z",
              "--now", "2026-11-23T12:00Z")  # fmt: skip
    assert out == "config/announcements/2026-11-24-new-page.md\n"
    (item,) = load_content(in_project).announcements
    assert (item.title, item.message, item.starts, item.expires, item.created) == (
        "New page", "Hello.", utc(2026, 11, 24), utc(2026, 12, 1), T0,
    )  # fmt: skip


def test_cli_maintenance_new_round_trip(in_project):
    out = cli(in_project, "maintenance", "new", "DB upgrade",
              "--starts", "2027-01-10T06:00Z", "--ends", "2027-01-10T07:00Z",
              "--affects", "db", "--message", "Upgrading.")  # fmt: skip
    assert out == "config/maintenance/2027-01-10-db-upgrade.md\n"
    (item,) = load_content(in_project).maintenance
    assert (item.title, item.affected, item.starts, item.ends, item.message) == (
        "DB upgrade", ("db",), utc(2027, 1, 10, 6), utc(2027, 1, 10, 7), "Upgrading.",
    )  # fmt: skip


def test_cli_maintenance_update_goes_on_top_and_completed_ends_early(in_project):
    cli(in_project, "maintenance", "new", "DB upgrade", "--affects", "db",
        "--starts", "2027-01-10T06:00Z", "--ends", "2027-01-10T08:00Z")  # fmt: skip
    cli(in_project, "maintenance", "update", "2027-01-10-db-upgrade", "--status", "in_progress",
        "-m", "Started.", "--now", "2027-01-10T06:01Z")  # fmt: skip
    out = cli(in_project, "maintenance", "update", "2027-01-10-db-upgrade", "--status",
              "completed", "-m", "Done early.", "--now", "2027-01-10T07:00Z")  # fmt: skip
    assert out == "config/maintenance/2027-01-10-db-upgrade.md\n"
    (item,) = load_content(in_project).maintenance
    assert [(u.status, u.message) for u in item.updates] == [
        ("completed", "Done early."),
        ("in_progress", "Started."),
    ]
    assert item.end == utc(2027, 1, 10, 7)
    assert not item.active(utc(2027, 1, 10, 7, 30))


def test_cli_message_from_stdin(in_project):
    result = CliRunner().invoke(
        main,
        ["announce", "Hi", "-m", "-", "-c", str(in_project.path)],
        input="Line one.\n\nLine two.\n",
    )
    assert result.exit_code == 0, result.output
    assert load_content(in_project).announcements[0].message == "Line one.\n\nLine two."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["incident", "new", "X", "-m", "m", "--affects", "nope"],
         "Error: affected: unknown service or node 'nope'; expected one of: api, db, docs, "
         "rest, site, web"),
        (["incident", "update", "nope", "-m", "m"],
         "Error: no incident 'nope' in config/incidents; there are no incidents"),
        (["announce", "X", "-m", "m", "--expires", "soon"],
         "Invalid value for '--expires': expected an ISO 8601 time like 2026-11-23T14:05Z, "
         "got 'soon'"),
        (["maintenance", "new", "X", "--starts", "2027-01-10T07:00Z", "--ends",
          "2027-01-10T06:00Z", "--affects", "db"],
         "Error: config/maintenance/2027-01-10-x.md:4: ends: 2027-01-10T06:00:00Z is not "
         "after starts (2027-01-10T07:00:00Z); expected a later time"),
    ],
)  # fmt: skip
def test_cli_errors_exit_2_with_a_clear_message(in_project, args, message):
    result = CliRunner().invoke(main, [*args, "-c", str(in_project.path)])
    assert result.exit_code == 2
    assert message in result.output


# --- git ------------------------------------------------------------------------------


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True, env=env
    ).stdout


@pytest.fixture
def repo(in_project, tmp_path, monkeypatch):
    for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"):
        monkeypatch.setenv(name, os.devnull)
    for name in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):  # e.g. when run from a hook
        monkeypatch.delenv(name, raising=False)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.name", "Test")
    git(tmp_path, "config", "user.email", "test@example.com")
    (tmp_path / "other.txt").write_text("staged but not ours")
    git(tmp_path, "add", "other.txt")
    return in_project


def test_cli_commit_records_only_the_written_file(repo, tmp_path):
    out = cli(repo, "incident", "new", "API down", "-m", "Looking.", "--commit",
              "--now", "2026-11-23T12:00Z")  # fmt: skip
    assert out.splitlines()[0] == "config/incidents/2026-11-23-api-down.md"
    assert "Open incident 2026-11-23-api-down (minor): API down" in out
    assert git(tmp_path, "log", "--format=%s").strip() == (
        "Open incident 2026-11-23-api-down (minor): API down"
    )
    assert git(tmp_path, "show", "--name-only", "--format=").split() == [
        "config/incidents/2026-11-23-api-down.md"
    ]
    assert git(tmp_path, "diff", "--cached", "--name-only").split() == ["other.txt"]


def test_commit_outside_a_git_repository_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    with pytest.raises(StatusgenError) as caught:
        commit_files(tmp_path, [tmp_path / "x.md"], "msg")
    assert caught.value.problems == [
        f"--commit: {tmp_path} is not in a git repository; expected a project under git "
        "(run `git init`) or no --commit"
    ]
