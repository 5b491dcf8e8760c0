"""Schema 1 to 2: a v1 history made by the v1 code migrates once, keeping every pass and
aggregate; a broken meta.json is set aside, never fatal; `run` and `build` survive a
history full of bad records."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest
from click.testing import CliRunner

from statusgen.cli import main
from statusgen.errors import HistoryError
from statusgen.history import HistoryView, Store

from . import history_v1
from .conftest import T0, write_project
from .test_history import D, H, S, record


def write_v1(directory, days: int = 10) -> list[str]:
    """A v1 history written by the v1 store: passes every 3 h over `days` days, older
    days rolled up into daily/ by the v1 code itself."""
    store = history_v1.Store(directory, retention_days=7)
    times = []
    at = T0 - timedelta(days=days)
    while at <= T0:
        site = D if at.hour == 6 else S if at.hour == 9 else H
        store.append(record(at, site=site, latency=0.01 * (1 + at.hour)), at)
        times.append(at)
        at += timedelta(hours=3)
    return times


def test_a_v1_history_migrates_once_keeping_every_pass_and_aggregate(tmp_path):
    write_v1(tmp_path)
    v1 = history_v1.Store(tmp_path)
    passes, daily = v1.passes(), v1.daily()
    assert (tmp_path / "daily").is_dir() and daily and passes
    old_view = HistoryView(passes, daily)

    store = Store(tmp_path)
    store.upgrade()
    (message,) = store.warnings
    assert "migrated from schema 1 to 2: 8 raw file(s)" in message
    assert "3 day(s) of aggregates" in message
    assert not (tmp_path / "daily").exists() and not list(tmp_path.glob("samples/*.jsonl"))
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["schema"] == 2 and meta["latency"] == "wall-clock"
    assert meta["first_seen"] == {
        "web/site": "2026-11-13T00:00:00Z",
        "api/rest": "2026-11-13T00:00:00Z",
    }
    assert Store(tmp_path).passes() == passes
    assert Store(tmp_path).daily() == daily

    again = Store(tmp_path)
    again.upgrade()
    assert again.warnings == []
    # The next pass seals the migrated raw days; the page reads the same as before.
    Store(tmp_path).append(record(T0 + timedelta(minutes=5)), T0 + timedelta(minutes=5))
    new_view = HistoryView.load(Store(tmp_path), until=T0)
    for key in ("web/site", "web/site/a", "api/rest", ""):
        assert new_view.day_rows(key, T0, 90) == old_view.day_rows(key, T0, 90)
        assert new_view.uptime(key, T0, 1) == old_view.uptime(key, T0, 1)
        assert new_view.latest(key) == old_view.latest(key)
    assert new_view.changes("web/site", T0 - timedelta(days=90), T0) == [
        (at, code) for at, code in _changes(old_view, "web/site", T0 - timedelta(days=90))
    ]


def test_the_first_pass_measured_by_network_events_is_recorded_in_meta(tmp_path):
    """Latencies of v1 passes were timed by the probe coroutine, queueing included: the
    switch to network events is written down (when, and from what), and said once."""
    write_v1(tmp_path)
    store = Store(tmp_path)
    store.upgrade()
    assert store.meta()["latency"] == "wall-clock"  # what the migrated passes measured
    later = T0 + timedelta(hours=1)
    store.append(record(later), later)
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert (meta["latency"], meta["latency_before"]) == ("network-events", "wall-clock")
    assert meta["latency_since"] == record(later)["t"]
    (switch,) = [w for w in store.warnings if "measured from network events" in w]
    assert "not comparable" in switch and record(later)["t"] in switch

    again = Store(tmp_path)
    again.append(record(later + timedelta(minutes=5)), later + timedelta(minutes=5))
    assert (
        json.loads((tmp_path / "meta.json").read_text())["latency_since"] == meta["latency_since"]
    )
    assert not [w for w in again.warnings if "network events" in w]


def _changes(view, key, since):
    out = []
    times, entries = view.series(key, since)
    for at, entry in zip(times, entries, strict=True):
        if not out or out[-1][1] != entry[0]:
            out.append((at, entry[0]))
    return out


def test_a_migration_cut_short_is_finished_by_the_next_one(tmp_path):
    write_v1(tmp_path)
    expected = history_v1.Store(tmp_path).passes()
    (tmp_path / "samples" / "main").mkdir()
    first = sorted(tmp_path.glob("samples/*.jsonl"))[0]
    first.rename(tmp_path / "samples" / "main" / first.name)  # moved, then the power went
    store = Store(tmp_path)
    store.upgrade()
    assert Store(tmp_path).passes() == expected
    assert len(Store(tmp_path).sealed_day_names()) == 3


def test_build_migrates_a_v1_history_and_draws_the_same_page(tmp_path, monkeypatch):
    from statusgen.config import load_config

    from . import site_helpers

    config = site_helpers.make_fixture(tmp_path / "v2")
    runner = CliRunner()
    now = ["--now", "2026-11-23T12:00:00Z"]
    assert runner.invoke(main, ["build", "-c", str(config.path), *now]).exit_code == 0
    v1_root = tmp_path / "v1"
    shutil.copytree(tmp_path / "v2", v1_root, ignore=shutil.ignore_patterns("history", "output"))
    v1_config = load_config(v1_root / "config" / "statusgen.toml", env={})
    # The fixture's passes, written by the v1 store (rollups and all).
    monkeypatch.setattr(site_helpers, "open_store", lambda c: history_v1.Store(c.history_dir))
    site_helpers.write_history(v1_config)
    assert (v1_root / "history" / "daily").is_dir()
    result = runner.invoke(main, ["build", "-c", str(v1_config.path), *now])
    assert result.exit_code == 0, result.output
    assert "migrated from schema 1 to 2" in result.output
    for name in ("api/v1/status.json", "index.html", "nodes/web/site.html"):
        assert (v1_root / "output" / name).read_bytes() == (config.output_dir / name).read_bytes()


@pytest.mark.parametrize("text", ['{"schema": "1"}', "not json", "[]", '{"schema": 2}', ""])
def test_a_broken_meta_json_is_set_aside_and_rebuilt_by_the_next_pass(tmp_path, text):
    Store(tmp_path).append(record(T0), T0)
    (tmp_path / "meta.json").write_text(text)
    store = Store(tmp_path)
    store.append(record(T0 + timedelta(minutes=5)), T0 + timedelta(minutes=5))
    assert any(f"{tmp_path / 'meta.json'}: line 1: " in w for w in store.warnings)
    assert len(list((tmp_path / "corrupt").glob("meta.json*.bad"))) == 1
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert meta["schema"] == 2 and meta["first_seen"]["web/site"] == "2026-11-23T12:00:00Z"
    assert len(Store(tmp_path).passes()) == 2


def test_a_newer_schema_is_refused_with_a_clear_error(tmp_path):
    (tmp_path / "meta.json").write_text('{"schema": 3}')
    with pytest.raises(HistoryError, match="history schema 3 is newer"):
        Store(tmp_path).append(record(T0), T0)


BAD_LINES = '{"t": 5}\n{"t": "2026-11-23T11:00:00Z", "r": {"web/site/a": ["x", 1]}}\n[1]\n{"t'


def test_run_and_build_survive_bad_records_and_a_broken_meta(tmp_path):
    path = write_project(tmp_path)
    history = tmp_path / "history"
    day = (history / "samples" / "main").mkdir(parents=True) or history / "samples" / "main"
    today = __import__("datetime").datetime.now(T0.tzinfo).date()
    (day / f"{today}.jsonl").write_text(BAD_LINES)
    (history / "meta.json").write_text('{"schema": "1"}')
    (history / "days").mkdir()
    (history / "days" / f"{today - timedelta(days=3)}.json").write_text('{"k": 1}')
    runner = CliRunner()
    result = runner.invoke(main, ["run", "-c", str(path), "--no-notify"])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "line 1: " in result.output
    result = runner.invoke(main, ["build", "-c", str(path)])
    assert result.exit_code == 0, result.output
    status = json.loads((tmp_path / "output" / "api" / "v1" / "status.json").read_text())
    assert status["services"][0]["nodes"][0]["health"] == "dead"
