"""The loaded passes of a HistoryView held per key in compact columns
(statusgen/history/columns.py): they answer as the decoded lines did."""

from __future__ import annotations

import json
import random
import shutil
from datetime import timedelta

import pytest

from statusgen.clock import iso
from statusgen.history import HistoryView, RawCache, Store, aggregate_day
from statusgen.history.columns import Columns
from statusgen.history.dayrows import counts_of
from statusgen.history.lines import decode_pass
from statusgen.history.older import entry_of

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


def assert_same_samples(found: Columns, expected: Columns) -> None:
    """`found` holds the times, the newest line and each key's samples `expected` holds,
    its latencies of the same kind (64-bit array, or Python ints past 64 bits)."""
    assert found.times == expected.times and found.last == expected.last
    assert found.columns.keys() == expected.columns.keys()
    for key, column in expected.columns.items():
        other = found.columns[key]
        assert list(other.at) == list(column.at), key
        samples = [column.entry(j) for j in range(len(column.at))]
        assert [other.entry(j) for j in range(len(other.at))] == samples, key
        assert type(other.ms) is type(column.ms), key


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
    assert_same_samples(rows, entries)
    assert type(rows.columns["api/rest/b"].ms) is list
    assert rows.columns["web/site/z"].reasons  # the test has reasons in a Block


def _set(field: str, key: str, value: object):
    def change(line: dict) -> None:
        line[field][key] = value

    return change


A = "web/site/a"
# Lines with the keys of the lines before them (so `Columns.take` sees them): each holds
# one value that a line may hold, or one a line may not.
CHANGES = {
    "no latency": _set("r", A, ["h", None]),
    "a latency past 64 bits": _set("r", A, ["h", 2**70]),
    "sick, with a reason": _set("r", A, ["s", 900, "slow"]),
    "healthy, a reason that is not text": _set("r", A, ["h", 5, 7]),
    "an unknown status": _set("r", A, ["x", 5]),
    "an entry of one item": _set("r", A, ["h"]),
    "an entry of four items": _set("r", A, ["s", 5, "slow", 1]),
    "an entry that is text": _set("r", A, "h5"),
    "an entry that is an object": _set("r", A, {"0": "h", "1": 5}),
    "an entry that is a number": _set("r", A, 5),
    "a fractional latency": _set("r", A, ["h", 1.5]),
    "a latency that is true": _set("r", A, ["h", True]),
    "a latency that is text": _set("r", A, ["h", "5"]),
    "a latency that is a list": _set("r", A, ["h", [5]]),
    "sick, a reason that is a number": _set("r", A, ["s", 5, 7]),
    "a node status of two letters": _set("n", "web/site", "hh"),
    "a node status that is a list": _set("n", "web/site", ["h"]),
    "an empty service status": _set("s", "web", ""),
    "a page status that is unknown": lambda line: line.update(p="x"),
    "a page status that is a list": lambda line: line.update(p=["h"]),
    "a time of another day": lambda line: line.update(t="2026-11-22T12:00:00Z"),
    "a time that is not one": lambda line: line.update(t="2026-11-23 12:00"),
    "an unknown field": lambda line: line.update(x=1),
    "nodes that are not an object": lambda line: line.update(n=[]),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_a_line_like_the_one_before_is_folded_in_one_go_or_read_the_ordinary_way(
    tmp_path, change, monkeypatch
):
    # Columns.take checks only the values of a line with the keys of a good line before
    # it: what it takes, leaves and refuses is what decoding and checking every line
    # does, through a plain read and through the raw cache alike.
    raws = []
    for minute in range(6):
        line = record(T0 + timedelta(minutes=minute), site=H if minute % 2 else S)
        if minute == 3:
            CHANGES[change](line)
        raws.append(json.dumps(line, separators=(",", ":"), sort_keys=True).encode())
    folder = tmp_path / "samples" / "main"
    folder.mkdir(parents=True)
    (folder / "2026-11-23.jsonl").write_bytes(b"\n".join(raws) + b"\n")
    decoded = [decode_pass(raw, "2026-11-23") for raw in raws]
    expected = Columns(line for line, problem in decoded if problem is None)
    why = [f"line 4: {problem};" for _, problem in decoded if problem]
    taken = []
    take = Columns.take
    monkeypatch.setattr(Columns, "take", lambda *a, **k: taken.append(take(*a, **k)) or taken[-1])
    for cache in (None, RawCache(tmp_path / "cache")):
        shutil.rmtree(tmp_path / "corrupt", ignore_errors=True)
        store = Store(tmp_path)
        view = HistoryView.load(store, until=T0 + timedelta(hours=1), cache=cache)
        assert_same_samples(view._columns, expected)
        assert [w.split(": ", 1)[1].split(" skipped")[0] for w in store.warnings] == why
        assert taken.count(True) >= 2  # the lines after the first taken in one go
        taken.clear()


def test_uptime_over_a_day_leaves_out_the_samples_inside_maintenance_windows():
    # Counted in place (the windows' passes taken off the span's counts): the same share
    # as counting the samples outside every window, windows overlapping or not.
    passes = lines(200)
    view = HistoryView(passes, {})
    now = T0
    since = "2026-11-22T12:00:00Z"
    rng = random.Random(5)
    for _ in range(40):
        windows = []
        for _ in range(rng.randint(1, 4)):
            start = T0 - timedelta(hours=rng.uniform(0, 30))
            windows.append((start, start + timedelta(hours=rng.uniform(0, 8))))
        spans = [
            (a.strftime("%Y-%m-%dT%H:%M:%SZ"), b.strftime("%Y-%m-%dT%H:%M:%SZ")) for a, b in windows
        ]
        for key in ("web/site/a", "web/site", ""):
            found = [
                entry
                for line in passes
                if since <= line["t"]
                and not any(a <= line["t"] < b for a, b in spans)
                and (entry := entry_of(line, key)) is not None
            ]
            dead = sum(1 for code, _, _ in found if code == "d")
            expected = (len(found) - dead) / len(found) if found else None
            assert view.uptime(key, now, 1, windows) == expected


def test_a_loaded_days_row_with_maintenance_windows_counts_the_samples_outside_them():
    # Counted in place over the spans between the windows: the same row as the counts of
    # the samples outside every window (latencies past 64 bits and missing ones included).
    passes = lines(200)
    view = HistoryView(passes, {})
    rng = random.Random(9)
    for _ in range(40):
        windows = []
        for _ in range(rng.randint(1, 4)):
            start = T0 - timedelta(hours=rng.uniform(-4, 36))
            windows.append((start, start + timedelta(hours=rng.uniform(0, 10))))
        spans = [(iso(a.replace(microsecond=0)), iso(b.replace(microsecond=0))) for a, b in windows]
        for key in ("web/site/a", "web/site/push", "web/site", ""):
            found = view.day_rows(key, T0, 3, windows)
            for day, row in found:
                entries = [
                    entry
                    for line in passes
                    if line["t"][:10] == day.isoformat()
                    and not any(a <= line["t"] < b for a, b in spans)
                    and (entry := entry_of(line, key)) is not None
                ]
                assert row == (counts_of(entries) if entries else None), (key, day)


def test_a_service_keyed_like_the_page_keeps_its_samples_in_time_order(tmp_path):
    # A hand-made line may name a service "" (a key of no slash), the page's key too: the
    # Column of "" holds two samples a pass. Folded row by row, each key's slice of a run
    # went in one after the other (positions 0, 1, ... then 0, 1, ... again), and the
    # in-place counts (bisections over the positions) took the wrong samples off inside a
    # maintenance window: 4 of the 8 inside it.
    passes = []
    for hour in range(12):
        at = iso(T0 - timedelta(hours=12 - hour))
        passes.append({"t": at, "s": {"": "hd"[hour % 2], "web": "h"}, "p": "sd"[hour % 3 > 0]})
    folder = tmp_path / "samples" / "main"
    folder.mkdir(parents=True)
    (folder / "2026-11-23.jsonl").write_text("".join(json.dumps(p) + "\n" for p in passes))
    window = (T0 - timedelta(hours=9), T0 - timedelta(hours=5))
    kept = [p for p in passes if not iso(window[0]) <= p["t"] < iso(window[1])]
    row = aggregate_day(kept)[""]
    assert row[0] == 16  # two samples of each of 8 passes
    since = iso(T0 - timedelta(hours=3))
    recent = aggregate_day([p for p in passes if p["t"] >= since])[""]
    for cache in (None, RawCache(tmp_path / "cache")):
        view = HistoryView.load(Store(tmp_path), until=T0, cache=cache)
        assert view.day_rows("", T0, 1, [window]) == [(T0.date(), row)]
        assert view.uptime("", T0, 1, [window]) == (row[0] - row[3]) / row[0]
        assert view.uptime("", T0, 3 / 24) == (recent[0] - recent[3]) / recent[0]
