"""Feeds and calendars of the build before (statusgen/site/reuse.py): taken from the build
cache while what they show is the same, made again when any part of their key changes,
and always the bytes of a full build."""

from __future__ import annotations

from datetime import timedelta

from statusgen.history import open_store
from statusgen.site import build_site, cache, reuse

from .conftest import T0
from .site_helpers import editable_theme, make_fixture, record_pass
from .test_site_incremental import both_ways

KINDS = ("rss.xml", "atom.xml", "maintenance.ics")


def made(files: dict[str, bytes], *kinds: str) -> list[str]:
    return [path for path in files if path.rpartition("/")[2] in (kinds or KINDS)]


def test_feeds_and_calendars_are_kept_while_what_they_show_is_the_same(tmp_path):
    config = make_fixture(tmp_path)
    store = open_store(config)
    assert build_site(config, T0).reused == 0
    now = T0 + timedelta(minutes=5)
    record_pass(config, store, now)
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert report.reused == len(made(full)) > 6
    # The docs window ends at 14:00: its state and latest change show in the feeds and
    # the calendar of the pages that list it; the others are kept.
    before = full
    now = T0 + timedelta(hours=2, minutes=5)
    record_pass(config, store, now)
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    changed = [path for path in made(full) if full[path] != before[path]]
    assert "maintenance.ics" in changed and "services/web/rss.xml" in changed
    assert report.reused == len(made(full)) - len(changed)
    # A content edit shows in the feeds at once.
    edited = tmp_path / "config" / "incidents" / "2026-11-23-rest-down.md"
    edited.write_text(edited.read_text().replace("rolling back.", "rolled back."))
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert b"rolled back." in incremental["rss.xml"]


def test_a_new_statusgen_or_library_makes_every_feed_and_calendar_again(tmp_path, monkeypatch):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    total = build_site(config, T0).reused
    assert total > 6
    with monkeypatch.context() as patch:
        patch.setattr(reuse, "code_digest", lambda: "another statusgen")
        assert build_site(config, T0).reused == 0
    assert build_site(config, T0).reused == 0  # the cache holds the last build's files
    assert build_site(config, T0).reused == total
    reuse.versions.cache_clear()
    try:
        with monkeypatch.context() as patch:
            patch.setattr(cache.metadata, "version", lambda name: "0.0")
            assert build_site(config, T0).reused == 0
    finally:
        reuse.versions.cache_clear()


def test_a_feed_template_edit_makes_those_feeds_again_and_an_override_is_never_kept(
    tmp_path, monkeypatch
):
    theme = editable_theme(tmp_path, monkeypatch)
    config = make_fixture(tmp_path / "page")
    build_site(config, T0)
    report, incremental, full = both_ways(config, T0)
    assert report.reused == len(made(full))
    (theme / "rss.xml").write_text((theme / "rss.xml").read_text() + "<!-- 1 -->\n")
    report, incremental, full = both_ways(config, T0)
    assert incremental == full
    assert incremental["services/api/rss.xml"].endswith(b"<!-- 1 -->\n")
    assert report.reused == len(made(full)) - len(made(full, "rss.xml"))
    # The project's own atom.xml is rendered on every build.
    templates = tmp_path / "page" / "site-templates"
    templates.mkdir()
    (templates / "atom.xml").write_text("{{ title }} {{ entries | length }}\n")
    build_site(config, T0)
    report, incremental, full = both_ways(config, T0)
    assert incremental == full
    assert incremental["atom.xml"].startswith(b"Acme Status ")
    assert report.reused == len(made(full)) - len(made(full, "atom.xml"))


def test_a_window_without_created_is_dated_by_the_pass_day_in_kept_files_too(tmp_path):
    """The Nov 30 window has no `created`: its announcement is the start of the latest
    pass's UTC day, so the first pass of a day changes the feeds and the calendar."""
    config = make_fixture(tmp_path)
    store = open_store(config)
    build_site(config, T0)
    now = T0 + timedelta(hours=12, minutes=30)
    record_pass(config, store, now)
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert report.reused < len(made(full))
