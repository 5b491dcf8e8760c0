"""The history: append-only pass lines, rollup, retention, recovery, locking, queries."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from statusgen.health import evaluate
from statusgen.history import HistoryView, Store, pass_record
from statusgen.history.store import aggregate_day, locked
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
    first = path.read_bytes()
    store.append(record(T0 + timedelta(minutes=5)), T0 + timedelta(minutes=5))
    after = path.read_bytes()
    assert after.startswith(first)
    assert after.count(b"\n") == 2
    assert json.loads((tmp_path / "meta.json").read_text()) == {"schema": 1}


def test_old_samples_roll_up_into_daily_aggregates(tmp_path):
    store = Store(tmp_path, retention_days=7)
    day0 = T0 - timedelta(days=10)
    store.append(record(day0, site=H, latency=0.1), day0)
    store.append(record(day0 + timedelta(hours=1), site=D, latency=0.3), day0 + timedelta(hours=1))
    store.append(record(T0), T0)
    assert not (tmp_path / "samples" / f"{day0.date()}.jsonl").exists()
    daily = store.daily()
    assert daily[day0.date().isoformat()]["web/site/a"] == [2, 1, 0, 1, 200, 300]
    assert daily[day0.date().isoformat()]["web/site"][:4] == [2, 1, 0, 1]
    assert daily[day0.date().isoformat()][""][:4] == [2, 1, 0, 1]


def test_aggregates_older_than_the_window_are_dropped(tmp_path):
    store = Store(tmp_path, retention_days=7, aggregate_days=90)
    old = T0 - timedelta(days=200)
    store.append(record(old), old)
    store.append(record(T0), T0)
    assert store.daily() == {}
    assert [p.name for p in (tmp_path / "daily").glob("*")] == []


def test_truncated_file_keeps_good_records_and_moves_bad_aside(tmp_path):
    store = Store(tmp_path)
    store.append(record(T0), T0)
    path = tmp_path / "samples" / "2026-11-23.jsonl"
    with open(path, "a") as handle:
        handle.write('{"t": "2026-11-23T12:05:00Z", "r": {"web/si')  # cut mid-write
    store.append(record(T0 + timedelta(minutes=10)), T0 + timedelta(minutes=10))
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(line) for line in lines)
    aside = tmp_path / "corrupt" / "samples-2026-11-23.jsonl.bad"
    assert '"web/si' in aside.read_text()
    assert any("1 unreadable line(s) moved to" in w for w in store.warnings)


def test_garbage_between_good_lines_loses_nothing_good(tmp_path):
    path = tmp_path / "samples" / "2026-11-23.jsonl"
    path.parent.mkdir(parents=True)
    good = [json.dumps(record(T0 + timedelta(minutes=m))) for m in (0, 5, 10)]
    path.write_text(f"{good[0]}\n<<<<<<< HEAD\n{good[1]}\n[1,2]\n{good[2]}\n")
    assert len(Store(tmp_path).passes()) == 3


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
