"""The nodes' series over the settled days kept between builds (statusgen/site/seriescache.py):
each thing its key covers, changed after a build, gives the bytes of a full build, and a
broken cache file costs time only."""

from __future__ import annotations

from datetime import timedelta

from statusgen.config import load_config
from statusgen.files import seal, unseal
from statusgen.history import open_store
from statusgen.site import build_site

from .conftest import T0
from .site_helpers import FIXTURE_CONFIG, make_fixture, record_pass
from .test_site_incremental import both_ways

NODES = 4  # the fixture's: web/site, web/docs, api/rest, api/workers


def settle(config, start=T0):
    """A build at `start` (filling the cache), then a pass 5 minutes later: its time."""
    build_site(config, start)
    now = start + timedelta(minutes=5)
    record_pass(config, open_store(config), now)
    return now


def test_a_rebuild_takes_every_settled_series_from_the_cache(tmp_path):
    config = make_fixture(tmp_path)
    now = settle(config)
    report, incremental, full = both_ways(config, now)
    assert report.settled == NODES
    assert incremental == full
    assert (tmp_path / ".statusgen" / "build-cache" / "series.json").is_file()


def test_a_full_build_reads_nothing_from_it(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    assert build_site(config, T0, full=True).settled == 0
    assert build_site(config, T0).settled == NODES  # and the full build refilled it


def test_a_maintenance_window_moved_within_a_sealed_day(tmp_path):
    # The docs were sick 03:00-06:00 on 2026-11-21; a window over part of that day is
    # noted on the same days whatever its hours, so only its times tell the change.
    window = tmp_path / "config" / "maintenance" / "2026-11-21-docs.md"
    config = make_fixture(tmp_path)
    window.write_text(
        "---\ntitle: Docs move\nstarts: 2026-11-21T05:00:00Z\nends: 2026-11-21T07:00:00Z\n"
        "affected: [docs]\n---\nMoving.\n"
    )
    now = settle(config)
    before = (config.output_dir / "nodes" / "web" / "docs.html").read_bytes()
    window.write_text(window.read_text().replace("T05:00", "T02:00"))
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert incremental["nodes/web/docs.html"] != before
    assert report.settled == NODES - 1  # the docs' part only was computed again


def test_a_replica_added_to_a_node(tmp_path):
    # The landing page's second replica has its own response times on the sealed days.
    one = FIXTURE_CONFIG.replace('    { url = "http://127.0.0.1:9/", label = "eu-2" },\n', "")
    config = make_fixture(tmp_path, one)
    now = settle(config)
    config.path.write_text(FIXTURE_CONFIG)
    config = load_config(config.path, env={})
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert report.settled == NODES - 1


def test_an_incident_renamed_on_a_sealed_day(tmp_path):
    config = make_fixture(tmp_path)
    now = settle(config)
    edited = tmp_path / "config" / "incidents" / "2026-11-22-site-errors.md"
    edited.write_text(edited.read_text().replace("title: ", "title: Renamed ", 1))
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert b"Renamed Landing page errors" in incremental["nodes/web/site.html"]
    assert report.settled == NODES - 1


def test_a_sealed_day_replaced(tmp_path):
    config = make_fixture(tmp_path)
    now = settle(config)
    day = config.history_dir / "days" / "2026-11-21.json"
    text = day.read_text()
    # The docs' sick check of that day becomes a dead one.
    assert '"web/docs":[12,11,1,0,' in text
    day.write_text(text.replace('"web/docs":[12,11,1,0,', '"web/docs":[12,11,0,1,'))
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert report.settled == 0


def test_a_torn_or_unreadable_cache_costs_time_only(tmp_path):
    config = make_fixture(tmp_path)
    now = settle(config)
    kept = tmp_path / ".statusgen" / "build-cache" / "series.json"
    whole = kept.read_bytes()
    data = unseal(whole)
    assert data is not None
    other = [(whole[:-7], 0), (b"", 0), (seal(data.replace(b'"nodes"', b'"nodez"')), 0)]
    other.append((seal(data.replace(b'"nodes":{"', b'"nodes":{"x')), NODES - 1))  # one entry
    other.append((seal(data.replace(b'"nodes":', b'"cells":[],"nodes":')), 0))  # no bars
    for broken, settled in other:
        kept.write_bytes(broken)
        report, incremental, full = both_ways(config, now)
        assert report.settled == settled
        assert incremental == full
    kept.unlink()
    kept.mkdir()  # not a file at all
    report, incremental, full = both_ways(config, now)
    assert incremental == full


def test_a_page_wide_incident_renamed_on_a_sealed_day(tmp_path):
    incident = tmp_path / "config" / "incidents" / "2026-11-20-slow.md"
    config = make_fixture(tmp_path)
    incident.write_text(
        "---\ntitle: Everything slow\nseverity: minor\n---\n"
        "## 2026-11-20T10:00:00Z — resolved\n\nFast again.\n\n"
        "## 2026-11-20T08:00:00Z — investigating\n\nSlow.\n"
    )
    now = settle(config)
    incident.write_text(incident.read_text().replace("Everything slow", "All slow"))
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert b"All slow" in incremental["nodes/api/rest.html"]
    assert report.settled == 0  # about every node


def test_a_late_pass_in_a_sealed_days_raw_file_under_a_maintenance_window(tmp_path):
    # A window cutting a sealed day that still has its raw file is counted from the raw
    # lines; a pass written there after the seal is one of them.
    window = tmp_path / "config" / "maintenance" / "2026-11-21-docs.md"
    config = make_fixture(tmp_path)
    window.write_text(
        "---\ntitle: Docs move\nstarts: 2026-11-21T02:00:00Z\nends: 2026-11-21T07:00:00Z\n"
        "affected: [docs]\n---\nMoving.\n"
    )
    now = settle(config)
    before = (config.output_dir / "nodes" / "web" / "docs.html").read_bytes()
    record_pass(config, open_store(config), T0.replace(day=21, hour=5, minute=30))
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert incremental["nodes/web/docs.html"] != before
    assert report.settled == 0
    assert any("written after 2026-11-21 was sealed" in w for w in report.warnings), report.warnings


def test_a_history_warning_about_another_file_does_not_stop_the_cache(tmp_path):
    config = make_fixture(tmp_path)
    (config.history_dir / "samples" / "main" / "2026-11-30.jsonl").mkdir()
    now = settle(config)
    report, incremental, full = both_ways(config, now)
    assert any("is not a file" in w for w in report.warnings)
    assert report.settled == NODES
    assert incremental == full
