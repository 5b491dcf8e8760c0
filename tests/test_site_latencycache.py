"""The nodes' 24 h response-time charts kept between builds (statusgen/site/latencycache.py):
a rebuild extends them with the new passes only when the kept passes are proven the
same lines, and gives the bytes of a full build in every case; a broken file costs time."""

from __future__ import annotations

from datetime import timedelta

import orjson

from statusgen.clock import iso
from statusgen.config import load_config
from statusgen.files import unseal
from statusgen.history import open_store
from statusgen.site import build_site

from .conftest import T0
from .site_helpers import FIXTURE_CONFIG, make_fixture, record_pass
from .test_site_incremental import both_ways
from .test_site_seriescache import NODES, settle

RAW = ("samples", "main")


def raw_file(config, day):
    return config.history_dir.joinpath(*RAW, f"{day}.jsonl")


def uneven_pass(config, at):
    """A pass at `at` in which the landing page's second replica answers 100 ms slower."""
    record_pass(config, open_store(config), at)
    path = raw_file(config, at.date())
    lines = path.read_bytes().splitlines(keepends=True)
    head, _, tail = lines[-1].partition(b'"web/site/eu-2":["h",')
    assert tail, lines[-1]
    number, _, rest = tail.partition(b"]")
    path.write_bytes(
        b"".join(lines[:-1]) + head + b'"web/site/eu-2":["h",%d]' % (int(number) + 100) + rest
    )


def test_rebuilds_extend_every_chart_with_the_new_passes(tmp_path):
    config = make_fixture(tmp_path)
    now = settle(config)
    for _ in range(3):
        report, incremental, full = both_ways(config, now)
        assert report.charts == NODES
        assert incremental == full
        now += timedelta(minutes=5)
        record_pass(config, open_store(config), now)
    assert build_site(config, now, full=True).charts == 0  # --full reads nothing
    assert build_site(config, now).charts == NODES


def test_a_replica_added_to_a_node(tmp_path):
    one = FIXTURE_CONFIG.replace('    { url = "http://127.0.0.1:9/", label = "eu-2" },\n', "")
    config = make_fixture(tmp_path, one)
    uneven_pass(config, T0 + timedelta(minutes=1))
    now = settle(config, T0 + timedelta(minutes=2))
    config.path.write_text(FIXTURE_CONFIG)
    config = load_config(config.path, env={})
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert report.charts == NODES - 1


def test_a_raw_line_of_the_window_rewritten_in_place(tmp_path):
    # Same size, same times: only the raw index's hash of the file tells the change.
    config = make_fixture(tmp_path)
    now = settle(config)
    path = raw_file(config, T0.date())
    text = path.read_bytes()
    assert text.count(b'"web/docs/docs-1":["h",61]') == 1
    path.write_bytes(text.replace(b'"web/docs/docs-1":["h",61]', b'"web/docs/docs-1":["h",91]'))
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert report.charts == 0


def test_a_late_pass_into_yesterdays_file_inside_the_window(tmp_path):
    # Appended to its file (in order there), it lands between the kept passes.
    config = make_fixture(tmp_path)
    now = settle(config)
    before = (config.output_dir / "nodes" / "web" / "site.html").read_bytes()
    uneven_pass(config, T0 - timedelta(hours=12, minutes=30))
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert incremental["nodes/web/site.html"] != before
    assert report.charts == 0


def test_a_second_pass_at_the_time_of_the_last(tmp_path):
    config = make_fixture(tmp_path)
    now = settle(config)
    build_site(config, now)  # its chart ends on that pass
    uneven_pass(config, now)
    report, incremental, full = both_ways(config, now)
    assert incremental == full
    assert report.charts == 0


def test_across_midnight_and_back_in_time(tmp_path):
    config = make_fixture(tmp_path)
    store = open_store(config)
    steps = [T0 + timedelta(minutes=5), T0 + timedelta(hours=11, minutes=20)]  # to 23:20
    # Past midnight and the seal of 2026-11-23 (two hours after it ends): today is new.
    steps += [T0 + timedelta(hours=14, minutes=30), T0 + timedelta(hours=14, minutes=35)]
    for now in steps:
        record_pass(config, store, now)
        report, incremental, full = both_ways(config, now)
        assert incremental == full, now
        assert report.charts == NODES or now == steps[0]
    report, incremental, full = both_ways(config, T0 + timedelta(hours=3))  # an earlier now
    assert incremental == full


def test_a_torn_or_damaged_file_costs_time_only(tmp_path):
    config = make_fixture(tmp_path)
    now = settle(config)
    kept = tmp_path / ".statusgen" / "build-cache" / "latency.bin"
    whole = kept.read_bytes()
    for broken in (whole[:-7], b"", whole.replace(b'"window"', b'"windoz"')):
        kept.write_bytes(broken)
        report, incremental, full = both_ways(config, now)
        assert report.charts == 0
        assert incremental == full


def kept_changes(tmp_path):
    data = unseal((tmp_path / ".statusgen" / "build-cache" / "latency.bin").read_bytes())
    return orjson.loads(data.partition(b"\n")[0])["changes"]


def test_a_status_change_in_the_new_pass_joins_todays_kept_changes(tmp_path):
    config = make_fixture(tmp_path)
    now = settle(config)
    build_site(config, now)
    later = now + timedelta(minutes=5)
    record_pass(config, open_store(config), later)
    path = raw_file(config, later.date())
    text = path.read_bytes()
    head, _, last = text[:-1].rpartition(b"\n")
    assert last.count(b'"web/docs":"h"') == 1
    path.write_bytes(head + b"\n" + last.replace(b'"web/docs":"h"', b'"web/docs":"s"') + b"\n")
    report, incremental, full = both_ways(config, later)
    assert report.charts == NODES
    assert incremental == full
    assert kept_changes(tmp_path)["web/docs"][-1] == [iso(later), "s"]


def test_status_changes_are_not_kept_while_a_day_before_today_is_not_settled(tmp_path):
    # 2026-11-21 unsealed: the changes after the settled days are read from it and from
    # 2026-11-22's sealed file, which no raw index vouches for.
    config = make_fixture(tmp_path)
    (config.history_dir / "days" / "2026-11-21.json").unlink()
    build_site(config, T0)
    sealed = config.history_dir / "days" / "2026-11-22.json"
    text = sealed.read_text()
    old = '"web/site":[["2026-11-22T00:00:00Z","h"],["2026-11-22T06:00:00Z","s"]'
    assert old in text
    sealed.write_text(text.replace(old, old.replace("T06:", "T05:")))
    report, incremental, full = both_ways(config, T0)
    assert incremental == full
    assert kept_changes(tmp_path) == {}
