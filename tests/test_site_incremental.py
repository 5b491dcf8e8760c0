"""Incremental builds (statusgen/site/cache.py): pages from the build cache and files kept
from the previous version give the very bytes a full build gives, through passes, a
content edit, a config change and a template override."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from statusgen.config import load_config
from statusgen.history import open_store
from statusgen.site import build_site
from statusgen.site.cache import pack as pack_pages
from statusgen.site.cache import unpack

from .conftest import T0
from .site_helpers import editable_theme, make_fixture, record_pass


def tree(output: Path) -> dict[str, bytes]:
    return {str(p.relative_to(output)): p.read_bytes() for p in output.rglob("*") if p.is_file()}


def both_ways(config, now):
    """(the incremental build's report and files, the full build's files) at `now`."""
    report = build_site(config, now)
    incremental = tree(config.output_dir)
    build_site(config, now, full=True)
    return report, incremental, tree(config.output_dir)


def test_an_incremental_build_gives_the_bytes_of_a_full_build(tmp_path):
    config = make_fixture(tmp_path)
    store = open_store(config)
    build_site(config, T0)
    now = T0
    for _ in range(3):  # a few passes
        now += timedelta(minutes=5)
        record_pass(config, store, now)
        report, incremental, full = both_ways(config, now)
        assert report.cached > 0
        assert incremental == full
    # A content edit: that incident's page is rendered again, the other one is not.
    edited = tmp_path / "config" / "incidents" / "2026-11-23-rest-down.md"
    edited.write_text(
        edited.read_text().replace("A bad deploy; rolling back.", "Rolled back at last.")
    )
    other = build_site(config, now)
    assert 0 < other.cached < report.cached
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert b"Rolled back at last." in incremental["incidents/2026-11-23-rest-down.html"]
    # A config change touches every page: nothing comes from the cache.
    config.path.write_text(config.path.read_text().replace("Acme Status", "Acme Health"))
    config = load_config(config.path, env={})
    report, incremental, full = both_ways(config, now)
    assert report.cached == 0
    assert incremental == full
    assert b"Acme Health" in incremental["incidents/2026-11-22-site-errors.html"]
    # A theme override of the project is always rendered.
    templates = tmp_path / "site-templates"
    templates.mkdir()
    (templates / "incident.html").write_text("{{ incident.title }} at {{ now }}\n")
    build_site(config, now)
    report, incremental, full = both_ways(config, now + timedelta(minutes=1))
    assert incremental == full
    assert (
        incremental["incidents/2026-11-22-site-errors.html"]
        .decode()
        .endswith(f"at {now + timedelta(minutes=1)}\n")
    )


def test_a_full_build_reads_nothing_from_the_cache_and_the_cache_holds_one_build(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    assert build_site(config, T0, full=True).cached == 0
    build_site(config, T0)  # node pages' shells: a full build renders those pages whole
    pack = tmp_path / ".statusgen" / "build-cache" / "pages.pack"
    held = sorted(unpack(pack.read_bytes()))
    assert held and build_site(config, T0).cached == len(held)
    (tmp_path / "config" / "incidents" / "2026-11-22-site-errors.md").unlink()
    build_site(config, T0)
    assert 0 < len(unpack(pack.read_bytes())) < len(held)


def test_the_pack_is_written_only_when_its_pages_change_and_replaces_a_file_per_page(tmp_path):
    config = make_fixture(tmp_path)
    cache = tmp_path / ".statusgen" / "build-cache"
    (cache / "pages").mkdir(parents=True)
    (cache / "pages" / ("0" * 64)).write_bytes(b"a page of an earlier version")
    build_site(config, T0)
    build_site(config, T0)  # node pages' shells
    pack, memo = cache / "pages.pack", cache / "markdown.json"
    assert not (cache / "pages").exists()
    written = pack.stat().st_ino, memo.stat().st_ino
    assert build_site(config, T0).cached == len(unpack(pack.read_bytes()))
    assert (pack.stat().st_ino, memo.stat().st_ino) == written
    edited = tmp_path / "config" / "incidents" / "2026-11-23-rest-down.md"
    edited.write_text(edited.read_text().replace("rolling back.", "rolled back."))
    build_site(config, T0)
    assert pack.stat().st_ino != written[0] and memo.stat().st_ino != written[1]


@pytest.mark.parametrize(
    "pages",
    [{}, {"a": b"<p>one</p>", "b": b"", "c": "tw\u00f6\n".encode()}],
)
def test_a_pack_gives_back_its_pages_and_nothing_when_it_is_not_whole(pages):
    data = pack_pages(pages)
    assert unpack(data) == pages
    for cut in (0, 1, len(data) // 2, len(data) - 1):
        assert unpack(data[:cut]) == {}
    assert unpack(data + b"x") == {}


def test_a_theme_edit_re_renders_exactly_the_pages_that_use_the_template(tmp_path, monkeypatch):
    theme = editable_theme(tmp_path, monkeypatch)
    config = make_fixture(tmp_path / "page")
    build_site(config, T0)
    everything = build_site(config, T0).cached
    incidents = len(list((config.output_dir / "incidents").rglob("*.html")))
    incidents += len(list((config.output_dir / "api-only" / "incidents").rglob("*.html")))
    edited = (theme / "incident.html").read_text().replace("</article>", "</article><!-- 1 -->")
    (theme / "incident.html").write_text(edited)
    assert build_site(config, T0).cached == everything - incidents
    page = config.output_dir / "incidents" / "2026-11-22-site-errors.html"
    assert "<!-- 1 -->" in page.read_text()
    assert build_site(config, T0).cached == everything
    (theme / "_base.html").write_text((theme / "_base.html").read_text() + "<!-- 2 -->\n")
    assert build_site(config, T0).cached == 0


def test_content_markdown_is_rendered_again_only_where_its_text_changed(tmp_path, monkeypatch):
    from statusgen.content import render

    config = make_fixture(tmp_path)
    build_site(config, T0)
    rendered = []
    real = render.sanitize_html

    def counting(html):
        rendered.append(html)
        return real(html)

    monkeypatch.setattr(render, "sanitize_html", counting)
    build_site(config, T0)
    assert rendered == []
    edited = tmp_path / "config" / "incidents" / "2026-11-23-rest-down.md"
    edited.write_text(edited.read_text().replace("rolling back.", "rolled back."))
    build_site(config, T0)
    assert rendered == ["<p>A bad deploy; rolled back.</p>"]
    rendered.clear()
    build_site(config, T0, full=True)
    assert len(rendered) > 3


def test_builds_across_midnight_and_a_seal_give_the_bytes_of_a_full_build(tmp_path):
    config = make_fixture(tmp_path)
    store = open_store(config)
    raw = tmp_path / ".statusgen" / "build-cache" / "raw"
    build_site(config, T0)
    # 22:00, then passes around midnight, then past the next day's seal (02:00).
    for hours in (10, 11.9, 12.1, 14.5, 15):
        now = T0 + timedelta(hours=hours)
        record_pass(config, store, now)
        report, incremental, full = both_ways(config, now)
        assert incremental == full, hours
        assert sorted(p.name for p in raw.iterdir())[-1] == f"{now.date()}.idx"
    assert (config.history_dir / "days" / "2026-11-23.json").is_file()


def test_node_pages_keep_their_shell_and_render_what_the_pass_changes(tmp_path):
    config = make_fixture(tmp_path)
    store = open_store(config)
    build_site(config, T0)
    everything = build_site(config, T0).cached
    nodes = [p for p in config.output_dir.rglob("nodes/*/*.html")]
    now = T0 + timedelta(minutes=5)
    record_pass(config, store, now)
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    # Each node page changed, yet its shell came from the cache, as did the pages that
    # do not show the pass (incidents, maintenance, history).
    out = config.output_dir
    other = [*out.rglob("incidents/*.html"), *out.rglob("maintenance/*.html")]
    other += [*out.rglob("history.html"), *out.rglob("history/*.html")]
    assert nodes and report.cached == everything == len(nodes) + len(other)
    # An incident's new title shows in the shell of the node pages that list it.
    edited = tmp_path / "config" / "incidents" / "2026-11-23-rest-down.md"
    edited.write_text(edited.read_text().replace("title: ", "title: Renamed ", 1))
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert b"Renamed " in incremental["nodes/api/rest.html"]
    # The project's own per-pass part shows on every build.
    templates = tmp_path / "site-templates"
    templates.mkdir()
    (templates / "_node_pass.html").write_text(
        "<h1>{{ node.label }}: {{ node.impact.state }}</h1>\n"
    )
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert b"<h1>REST API: " in incremental["nodes/api/rest.html"]


def test_cache_entries_are_not_synced_and_a_torn_one_is_rendered_again(tmp_path, monkeypatch):
    import os

    config = make_fixture(tmp_path)
    cache = tmp_path / ".statusgen" / "build-cache"
    synced = []
    real = os.fsync

    def noting(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)

    monkeypatch.setattr(os, "fsync", noting)
    build_site(config, T0, full=True)
    pack = cache / "pages.pack"
    assert unpack(pack.read_bytes())
    unsynced = [p.rpartition(".")[0] for p in synced]
    assert str(pack) not in unsynced and str(cache / "markdown.json") not in unsynced
    # What a crash may leave of a file that was not synced: nothing, or part of it.
    build_site(config, T0)  # node pages' shells
    everything = build_site(config, T0).cached
    assert len(unpack(pack.read_bytes())) == everything
    for torn in (b"", pack.read_bytes()[:-10]):
        pack.write_bytes(torn)
        report, incremental, full = both_ways(config, T0)
        assert report.cached == 0
        assert incremental == full
        build_site(config, T0)  # the full build left the node pages' shells out
        assert build_site(config, T0).cached == everything


def test_settled_days_pieces_follow_an_incident_edit_on_a_settled_day(tmp_path):
    config = make_fixture(tmp_path)
    store = open_store(config)
    build_site(config, T0)
    now = T0 + timedelta(minutes=5)
    record_pass(config, store, now)
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert report.pieces > 0  # bars of the settled days taken from the build cache
    pieces = tmp_path / ".statusgen" / "build-cache" / "fragments.json"
    kept = pieces.stat().st_mtime_ns
    assert build_site(config, now, full=True).pieces == 0
    assert pieces.stat().st_mtime_ns == kept  # `--full` keeps none
    # The incident of 2026-11-22 (a settled day) renamed: its days' cells change.
    edited = tmp_path / "config" / "incidents" / "2026-11-22-site-errors.md"
    edited.write_text(edited.read_text().replace("Landing page errors", "Landing page fault"))
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    pages = [html for path, html in incremental.items() if path.startswith("nodes/")]
    assert any(b"Landing page fault" in html for html in pages)
