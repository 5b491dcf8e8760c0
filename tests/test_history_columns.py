"""The loaded passes of a HistoryView held per key in compact columns
(statusgen/history/columns.py): they answer as the decoded lines did."""

from __future__ import annotations

import random
from datetime import timedelta

from statusgen.history import HistoryView, Store, aggregate_day
from statusgen.history.columns import Columns

from .conftest import T0
from .test_history import D, H, S, record


def lines(count: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for index in range(count):
        at = T0 - timedelta(hours=30) + timedelta(minutes=10 * index)
        line = record(at, site=rng.choice([H, H, S, D]), rest=rng.choice([H, D]))
        if index % 7 == 0:
            line["r"]["web/site/a"][1] = None  # no latency
        if index % 5 == 0:
            line["r"]["web/site/push"] = ["s", 2**70 if index == 10 else index, "slow"]
        out.append(line)
    return out


def test_aggregates_of_a_day_are_those_of_its_lines():
    passes = lines(200)
    columns = Columns(passes)
    for day in ("2026-11-22", "2026-11-23"):
        following = "2026-11-23" if day == "2026-11-22" else "2026-11-24"
        expected = aggregate_day([p for p in passes if p["t"][:10] == day])
        assert columns.aggregate(day, following) == expected


def test_lines_out_of_order_answer_as_the_sorted_lines():
    passes = lines(120)
    shuffled = passes[:]
    random.Random(1).shuffle(shuffled)
    shuffled.append(dict(passes[40], p="d"))  # a second line at one time: the later wins
    ordered = sorted(shuffled, key=lambda line: line["t"])
    mixed, plain = Columns(shuffled), Columns(ordered)
    assert mixed.times == plain.times == sorted(p["t"] for p in shuffled)
    assert mixed.last == ordered[-1]
    for key in ("web/site/a", "web/site/push", "web/site", "api", ""):
        assert mixed.series(key) == plain.series(key)
        times, entries = plain.series(key)
        found = [(line["t"], line["r"][key]) for line in ordered if key in line.get("r", {})]
        if found:
            assert times == [at for at, _ in found]
            assert entries == [(e[0], e[1], e[2] if len(e) > 2 else "") for _, e in found]


def test_a_view_loaded_line_by_line_answers_as_one_given_the_lines(tmp_path):
    store = Store(tmp_path)
    passes = lines(200)
    for line in passes:
        store.append(line, T0 - timedelta(hours=30))  # no day sealed: all raw
    loaded = HistoryView.load(Store(tmp_path), until=T0)
    given = HistoryView([p for p in passes if p["t"] <= "2026-11-23T12:00:00Z"], {})
    since = T0 - timedelta(days=1)
    for key in ("web/site/a", "web/site/push", "web/site", "web", ""):
        assert loaded.latest(key) == given.latest(key)
        assert loaded.samples(key, since) == given.samples(key, since)
        assert loaded.latencies(key, since, T0) == given.latencies(key, since, T0)
        assert loaded.uptime(key, T0, 1) == given.uptime(key, T0, 1)
        assert loaded.day_rows(key, T0, 3) == given.day_rows(key, T0, 3)
        assert loaded.changes(key, T0 - timedelta(days=2), T0) == given.changes(
            key, T0 - timedelta(days=2), T0
        )
    assert loaded.last_pass == given.last_pass
    assert loaded.dead_run_start(["web/site"], "9999") == given.dead_run_start(["web/site"], "9999")


def test_sealed_rows_read_compact_answer_as_the_decoded_record(tmp_path):
    store = Store(tmp_path)
    rows = {"": [288, 280, 0, 8, None, None], "web/site/a": [288, 270, 10, 8, 120, 2**20]}
    store.write_sealed_day("2026-11-20", rows, T0)
    store.write_sealed_day("2026-11-21", {"web": [1, 1, 0, 0, 12.5, None]}, T0)  # hand-made
    reader = Store(tmp_path)
    compact = reader.sealed_rows("2026-11-20")
    assert type(compact) is not dict and compact == rows and dict(compact) == rows
    assert compact.get("web/site/a") == rows["web/site/a"] and compact.get("nope") is None
    assert reader.sealed_rows("2026-11-21") == {"web": [1, 1, 0, 0, 12.5, None]}
    assert reader.sealed_rows("2026-11-22") is None
    view = HistoryView.load(reader, until=T0)
    assert view.day_rows("web/site/a", T0, 4)[0][1] == rows["web/site/a"]


def test_lines_folded_row_by_row_hold_what_entry_by_entry_folding_holds(monkeypatch):
    # Runs of lines with the same keys are folded as Blocks; the others entry by entry.
    rng = random.Random(7)
    passes = []
    for index in range(90):
        line = record(T0 + timedelta(minutes=index), site=rng.choice([H, S, D]), rest=H)
        line["r"]["web/site/a"][1] = rng.choice([None, 7, 2**40])
        if index // 10 % 3 == 1:  # a run with one more replica, some of them with reasons
            line["r"]["web/site/z"] = ["s", index, "slow"] if index % 2 else ["h", None]
        if index % 9 == 0:
            line["r"]["api/rest/b"][1] = None
        if index == 50:
            line["r"]["api/rest/b"][1] = 2**70  # past 64 bits: that column as Python ints
        if index // 7 % 4 == 3:
            del line["p"]
        passes.append(line)
    rows = Columns(passes)
    monkeypatch.setattr(Columns, "_add_row", lambda self, index, line: False)
    entries = Columns(passes)
    assert rows.times == entries.times and rows.last == entries.last
    assert rows.columns.keys() == entries.columns.keys()
    for key, one in entries.columns.items():
        other = rows.columns[key]
        assert list(other.at) == list(one.at), key
        samples = [one.entry(j) for j in range(len(one.at))]
        assert [other.entry(j) for j in range(len(other.at))] == samples, key
        assert type(other.ms) is type(one.ms), key
    assert type(rows.columns["api/rest/b"].ms) is list
    assert rows.columns["web/site/z"].reasons  # the test has reasons in a Block
