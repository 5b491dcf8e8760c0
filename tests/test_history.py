"""The history: append-only pass lines, sealed days, retention, first_seen, queries."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from statusgen.files import locked
from statusgen.health import evaluate
from statusgen.history import HistoryView, Store, aggregate_day, pass_record
from statusgen.status import ProbeResult, Status

from .conftest import T0

TREE = [("web", "site"), ("api", "rest")]
H, S, D = Status.HEALTHY, Status.SICK, Status.DEAD


def record(at, site=H, rest=H, latency=0.05):
    statuses = {"web/site/a": site, "api/rest/b": rest}
    results = [
        ProbeResult("web", "site", "a", "a", at, site is not D, latency, "HTTP 500", 1, site),
        ProbeResult("api", "rest", "b", "b", at, rest is not D, latency, "refused", 1, rest),
    ]
    return pass_record(evaluate(TREE, statuses), results, at)


def test_pass_line_is_compact_and_complete():
    line = record(T0, site=D)
    assert line == {
        "t": "2026-11-23T12:00:00Z",
        "r": {"web/site/a": ["d", 50, "HTTP 500"], "api/rest/b": ["h", 50]},
        "n": {"web/site": "d", "api/rest": "h"},
        "s": {"web": "d", "api": "h"},
        "p": "d",
    }


def test_each_pass_appends_one_line_and_keeps_earlier_bytes(tmp_path):
    store = Store(tmp_path)
    path = store.append(record(T0), T0)
    assert path == tmp_path / "samples" / "main" / "2026-11-23.jsonl"
    first = path.read_bytes()
    store.append(record(T0 + timedelta(minutes=5)), T0 + timedelta(minutes=5))
    after = path.read_bytes()
    assert after.startswith(first)
    assert after.count(b"\n") == 2
    assert json.loads((tmp_path / "meta.json").read_text()) == {
        "schema": 2,
        "latency": "network-events",
        "first_seen": {"web/site": "2026-11-23T12:00:00Z", "api/rest": "2026-11-23T12:00:00Z"},
    }


def test_writer_names_its_own_raw_files(tmp_path):
    assert Store(tmp_path, writer="eu-west").append(record(T0), T0) == (
        tmp_path / "samples" / "eu-west" / "2026-11-23.jsonl"
    )


def test_first_seen_keeps_the_first_time_and_learns_new_nodes(tmp_path):
    store = Store(tmp_path)
    store.append(record(T0), T0)
    later = T0 + timedelta(minutes=5)
    line = record(later)
    line["n"]["web/new"] = "h"
    Store(tmp_path).append(line, later)
    seen = json.loads((tmp_path / "meta.json").read_text())["first_seen"]
    assert seen == {
        "web/site": "2026-11-23T12:00:00Z",
        "api/rest": "2026-11-23T12:00:00Z",
        "web/new": "2026-11-23T12:05:00Z",
    }


def test_a_day_is_sealed_once_the_grace_period_is_over(tmp_path):
    store = Store(tmp_path, retention_days=7)
    day0 = T0 - timedelta(days=1)
    store.append(record(day0, site=H, latency=0.1), day0)
    store.append(record(day0 + timedelta(hours=1), site=D, latency=0.3), day0 + timedelta(hours=1))
    midnight = T0.replace(hour=1, minute=59)
    store.append(record(midnight), midnight)  # 23 h 59 after the day ended: inside the grace
    assert not (tmp_path / "days").exists()
    store.append(record(T0), T0)
    sealed = json.loads((tmp_path / "days" / "2026-11-22.json").read_text())
    assert sealed["k"]["web/site/a"] == [2, 1, 0, 1, 200, 300]
    assert sealed["k"]["web/site"][:4] == [2, 1, 0, 1] and sealed["k"][""][:4] == [2, 1, 0, 1]
    assert sealed["changes"]["web/site"] == [
        ["2026-11-22T12:00:00Z", "h"],
        ["2026-11-22T13:00:00Z", "d"],
    ]
    assert sealed["sources"]["main"]["lines"] == 2
    assert store.daily()["2026-11-22"] == sealed["k"]
    assert (tmp_path / "samples" / "main" / "2026-11-22.jsonl").exists()  # raw kept a while


def test_raw_days_go_after_retention_and_sealed_days_after_aggregate_days(tmp_path):
    store = Store(tmp_path, retention_days=7, aggregate_days=90)
    old, older = T0 - timedelta(days=10), T0 - timedelta(days=200)
    store.append(record(older), older)
    store.append(record(old), old)
    store.append(record(T0), T0)
    assert store.raw_day_names() == ["2026-11-23"]
    assert store.sealed_day_names() == ["2026-11-13"]
    assert store.daily()["2026-11-13"]["web/site"][:4] == [1, 1, 0, 0]


def test_a_late_pass_for_a_sealed_day_is_kept_raw_and_counted_in_a_warning(tmp_path):
    store = Store(tmp_path)
    yesterday = T0 - timedelta(days=1)
    store.append(record(yesterday), yesterday)
    store.append(record(T0), T0)
    sealed = tmp_path / "days" / "2026-11-22.json"
    before = sealed.read_bytes()
    late = Store(tmp_path)
    late.append(record(yesterday + timedelta(hours=3)), yesterday + timedelta(hours=3))
    assert any("after 2026-11-22 was sealed" in w for w in late.warnings)
    assert sealed.read_bytes() == before
    reader = Store(tmp_path)
    assert len(reader.read_raw("2026-11-22")) == 2
    assert any("1 line(s) written after 2026-11-22 was sealed" in w for w in reader.warnings)


def test_concurrent_passes_never_lose_a_line(tmp_path):
    stores = [Store(tmp_path) for _ in range(8)]
    times = [T0 + timedelta(seconds=i) for i in range(8)]
    threads = [
        threading.Thread(target=store.append, args=(record(at), at))
        for store, at in zip(stores, times, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [line["t"] for line in Store(tmp_path).passes()] == [
        f"2026-11-23T12:00:0{i}Z" for i in range(8)
    ]


def test_lock_times_out_with_a_clear_error(tmp_path):
    from statusgen.errors import LockError

    with (
        locked(tmp_path),
        pytest.raises(LockError, match="held the lock"),
        locked(tmp_path, timeout=0.1),
    ):
        pass


def test_uptime_latest_and_bars(tmp_path):
    store = Store(tmp_path, retention_days=7)
    for minutes, site in [(0, H), (5, D), (10, S), (15, H)]:
        at = T0 + timedelta(minutes=minutes)
        store.append(record(at, site=site), at)
    yesterday = T0 - timedelta(days=1)
    store.append(record(yesterday), yesterday)
    view = HistoryView.load(store)
    now = T0 + timedelta(minutes=20)
    assert view.latest("web/site").status is H
    assert view.latest("web/site/a").latency_ms == 50
    assert view.uptime("web/site", now, 1) == pytest.approx(3 / 4)
    assert view.uptime("web/site", now, 7) == pytest.approx(4 / 5)
    assert view.uptime("", now, 1) == pytest.approx(3 / 4)
    bars = view.daily_bars("web/site", now, days=3)
    assert [b.status for b in bars] == [None, H, D]
    assert bars[-1].uptime == pytest.approx(3 / 4) and bars[-1].checks == 4
    assert len(view.latency_series("web/site/a", now, hours=1)) == 4


def test_maintenance_windows_do_not_count_against_uptime(tmp_path):
    store = Store(tmp_path)
    for minutes, site in [(0, H), (5, D), (10, D), (15, H)]:
        at = T0 + timedelta(minutes=minutes)
        store.append(record(at, site=site), at)
    view = HistoryView.load(store)
    window = (T0 + timedelta(minutes=4), T0 + timedelta(minutes=11))
    now = T0 + timedelta(minutes=20)
    assert view.uptime("web/site", now, 1) == pytest.approx(0.5)
    assert view.uptime("web/site", now, 1, exclude=[window]) == 1.0
    assert view.daily_bars("web/site", now, 1, exclude=[window])[0].status is H


def test_uptime_is_none_without_data(tmp_path):
    view = HistoryView.load(Store(tmp_path))
    assert view.uptime("web/site", T0, 30) is None
    assert view.latest("web/site") is None


def test_aggregate_day_p95_and_mean():
    lines = [
        {"t": "x", "r": {"a/b/c": ["h", ms]}, "n": {"a/b": "h"}, "p": "h"} for ms in range(1, 101)
    ]
    agg = aggregate_day(lines)
    assert agg["a/b/c"] == [100, 100, 0, 0, 50, 96]
    assert agg["a/b"] == [100, 100, 0, 0, None, None]


def test_last_passes_reads_the_newest_lines_across_days(tmp_path):
    store = Store(tmp_path)
    times = [T0 - timedelta(hours=h) for h in (14, 13, 1)] + [T0]
    for at in times:
        store.append(record(at), at)
    last = Store(tmp_path).last_passes(3, since=T0 - timedelta(days=1))
    assert [line["t"] for line in last] == [
        "2026-11-22T23:00:00Z",
        "2026-11-23T11:00:00Z",
        "2026-11-23T12:00:00Z",
    ]
    assert len(store.last_passes(10, since=T0 - timedelta(hours=13))) == 3
    assert store.last_passes(0, since=T0) == []


def test_last_passes_skips_a_partial_last_line(tmp_path):
    store = Store(tmp_path)
    path = store.append(record(T0), T0)
    with open(path, "a") as handle:
        handle.write('{"t": "2026-11-23T12:05:00Z", "r"')
    assert [line["t"] for line in store.last_passes(2, since=T0)] == ["2026-11-23T12:00:00Z"]
