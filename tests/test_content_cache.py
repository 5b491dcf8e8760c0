"""Content kept in the build cache: an unchanged file is not parsed again, and what comes
from the cache is what reading the file gives (statusgen/content/cache.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from statusgen.content import cache as cache_module
from statusgen.content import check_content, read_content
from statusgen.content import reader as reader_module
from statusgen.content.cache import FILE, decode, encode, kept_content
from statusgen.content.render import render_markdown
from tests.test_content_support import make_config, write_item

ROOT = Path(__file__).resolve().parents[1]

INCIDENT = """
---
title: Slow API
severity: major
affected: [api, site]
created: 2026-11-23T09:00:00Z
---
## 2026-11-23T10:40:00.250000Z — resolved

Fixed: *all* good.

## 2026-11-23T10:40:00.250000Z — monitoring

Watching [the graphs](https://example.com/).

## 2026-11-23 09:12 UTC | investigating

We are investigating.
"""
AUTO = """
---
title: Down
started: 2026-11-24T01:00:00Z
auto: web/site
---
The site does not answer.
"""
ANNOUNCEMENT = """
---
title: New region
starts: 2026-11-20
expires: 2026-12-01T00:00:00+02:00
created: 2026-11-19T08:00:00Z
---
We now serve **Europe**.
"""
MAINTENANCE = """
---
title: Database upgrade
starts: 2026-11-25T02:00:00Z
ends: 2026-11-25T04:00:00Z
affected: db
---
Upgrading.

## 2026-11-25T03:00:00Z — completed

Done early.
"""


@pytest.fixture
def config(tmp_path):
    config = make_config(tmp_path, '\n[[pages]]\nslug = "eu"\nname = "EU"\nservices = ["api"]\n')
    write_item(tmp_path, "incident", "2026-11-23-slow-api.md", INCIDENT)
    write_item(tmp_path, "incident", "2026-11-24-down.md", AUTO)
    write_item(tmp_path, "announcement", "new-region.md", ANNOUNCEMENT)
    write_item(tmp_path, "maintenance", "2026-11-25-db.md", MAINTENANCE)
    return config


@pytest.fixture(autouse=True)
def forget(monkeypatch):
    """Forget what this process read (as a new process would); returns the function."""

    def forget() -> None:
        monkeypatch.setattr(cache_module, "_last", ("", {}))

    forget()
    return forget


def counted(monkeypatch) -> list[str]:
    """The files the reader parses from now on."""
    parsed: list[str] = []
    original = reader_module.read_file

    def read_file(kind, config, path, *args, **kwargs):
        parsed.append(path.name)
        return original(kind, config, path, *args, **kwargs)

    monkeypatch.setattr(reader_module, "read_file", read_file)
    return parsed


def test_unchanged_files_are_taken_from_the_cache_as_reading_them_gives(
    config, tmp_path, monkeypatch, forget
):
    plain, problems = read_content(config)
    assert problems == []
    forget()
    parsed = counted(monkeypatch)
    with kept_content(tmp_path / "cache") as cache:
        first, _ = read_content(config)
    assert (cache.hits, len(parsed)) == (0, 4)
    forget()  # the next build, in another process: from the file
    with kept_content(tmp_path / "cache") as cache:
        second, problems = read_content(config)
    assert (cache.hits, len(parsed), problems) == (4, 4, [])
    # Same values, same types (repr shows the time zones): HTML rendered again.
    assert repr(second) == repr(first) == repr(plain)


def test_reading_again_in_the_same_process_parses_only_what_changed(config, tmp_path, monkeypatch):
    # `statusgen run` reads the content, records a pass, then builds; `serve` reads it on
    # every pass: each read after the first parses only changed files.
    first, _ = read_content(config)
    parsed = counted(monkeypatch)
    assert repr(read_content(config)[0]) == repr(first) and parsed == []
    assert check_content(config) == [] and parsed == []
    with kept_content(tmp_path / "cache") as cache:  # the build, no cache file yet
        assert repr(read_content(config)[0]) == repr(first)
    assert (cache.hits, parsed) == (4, [])
    write_item(tmp_path, "maintenance", "2026-11-25-db.md", MAINTENANCE.replace("early", "soon"))
    assert read_content(config)[0].maintenance[0].updates[0].message == "Done soon."
    assert parsed == ["2026-11-25-db.md"]
    with kept_content(tmp_path / "cache", read=False) as cache:  # --full reads every file
        read_content(config)
    assert (cache.hits, len(parsed)) == (0, 5)


def test_a_changed_file_is_read_again_and_the_others_are_not(config, tmp_path, monkeypatch):
    with kept_content(tmp_path / "cache"):
        read_content(config)
    parsed = counted(monkeypatch)
    write_item(tmp_path, "announcement", "new-region.md", ANNOUNCEMENT.replace("New", "Newer"))
    with kept_content(tmp_path / "cache") as cache:
        content, _ = read_content(config)
    assert parsed == ["new-region.md"] and cache.hits == 3
    assert content.announcements[0].title == "Newer region"


def test_a_config_change_checks_every_file_again(config, tmp_path):
    with kept_content(tmp_path / "cache"):
        read_content(config)
    # The cached incident names web/site and api: without them it is wrong now.
    text = (tmp_path / "config" / "statusgen.toml").read_text()
    (tmp_path / "config" / "statusgen.toml").write_text(text.replace('id = "site"', 'id = "www"'))
    from statusgen.config import load_config

    changed = load_config(tmp_path / "config" / "statusgen.toml")
    with kept_content(tmp_path / "cache") as cache:
        _, problems = read_content(changed)
    assert cache.hits == 0
    assert any("2026-11-24-down.md:4: auto: unknown node 'web/site'" in p for p in problems)
    assert any("2026-11-23-slow-api.md:4: affected[1]: unknown service" in p for p in problems)


def test_a_broken_file_is_never_kept_and_is_reported_every_time(config, tmp_path):
    write_item(tmp_path, "incident", "broken.md", "---\ntitle: X\nseverity: huge\n---\nx\n")
    for _ in range(2):
        with kept_content(tmp_path / "cache") as cache:
            content, problems = read_content(config)
        assert len(problems) == 1 and problems[0].startswith(
            "config/incidents/broken.md:3: severity"
        )
        assert len(content.incidents) == 2
    assert cache.hits == 4


def test_full_reads_every_file_but_keeps_them_and_a_torn_cache_is_ignored(
    config, tmp_path, monkeypatch, forget
):
    with kept_content(tmp_path / "cache"):
        read_content(config)
    parsed = counted(monkeypatch)
    with kept_content(tmp_path / "cache", read=False) as cache:
        read_content(config)
    assert (cache.hits, len(parsed)) == (0, 4)
    stored = tmp_path / "cache" / FILE
    stored.write_bytes(stored.read_bytes()[:-10])
    forget()
    with kept_content(tmp_path / "cache") as cache:
        content, problems = read_content(config)
    assert (cache.hits, len(parsed), problems) == (0, 8, [])
    forget()
    with kept_content(tmp_path / "cache") as cache:
        assert repr(read_content(config)[0]) == repr(content)
    assert cache.hits == 4


def test_the_cache_is_json_without_html(config, tmp_path):
    with kept_content(tmp_path / "cache"):
        read_content(config)
    data = (tmp_path / "cache" / FILE).read_bytes().partition(b"\n")[2]
    files = json.loads(data)["files"]
    assert len(files) == 4
    assert "<p>" not in data.decode()


def test_every_field_survives_the_round_trip(config):
    content, _ = read_content(config)
    items = [*content.incidents, *content.announcements, *content.maintenance]
    for item in items:
        kind = {"Incident": "incident", "Announcement": "announcement"}.get(
            type(item).__name__, "maintenance"
        )
        again = decode(kind, json.loads(json.dumps(encode(item))), render_markdown)
        assert repr(again) == repr(item)
    # Every optional field was set by some item, so each kind of value went through.
    assert content.incidents[1].created and content.announcements[0].expires
    assert content.incidents[0].auto and content.maintenance[0].updates


REBUILD = """
import sys
from statusgen.config import load_config
from statusgen.content import load_content
from statusgen.content.cache import kept_content
config = load_config(sys.argv[1])
with kept_content(config.root / "state") as cache:
    load_content(config)
print(cache.hits, *sorted(m for m in ("yaml", "frontmatter", "statusgen.content.schema")
                          if m in sys.modules))
"""


def test_a_rebuild_of_unchanged_content_loads_no_yaml_parser(config, tmp_path):
    def run() -> str:
        path = str(config.path)
        done = subprocess.run(
            [sys.executable, "-c", REBUILD, path], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert run() == "0 frontmatter statusgen.content.schema yaml"
    assert run() == "4"


def test_files_are_named_as_display_name_names_them_links_included(tmp_path):
    from statusgen.content.paths import content_files, display_name, named_files

    config = make_config(tmp_path)
    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "a.md").write_text("x")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    outside.write_text("x")
    folder = tmp_path / "config" / "incidents"
    folder.mkdir(parents=True)
    (folder / "b.md").write_text("x")
    (folder / "link-in.md").symlink_to(real / "a.md")
    (folder / "link-out.md").symlink_to(outside)
    linked = tmp_path / "config" / "linked"
    linked.symlink_to(real)
    for where in (folder, linked):
        names = named_files(config, where)
        assert names == [(p, display_name(config, p)) for p in content_files(where)]
    assert [name for _, name in named_files(config, folder)] == [
        "config/incidents/b.md",
        "elsewhere/a.md",
        str(folder / "link-out.md"),
    ]
