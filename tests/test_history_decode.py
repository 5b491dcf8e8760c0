"""History records decoded by orjson read exactly as `json.loads` reads them
(statusgen/history/lines.py: decode_pass, decode_sealed), numbers orjson reads otherwise
included; and a sealed day's compact rows answer as its decoded lists
(statusgen/history/rows.py)."""

from __future__ import annotations

import json
from datetime import datetime

from statusgen.history import HistoryView, RawCache, Store
from statusgen.history.lines import decode_pass, decode_sealed, loads

DAY = "2026-11-22"
BIG = 2**70 + 1  # orjson reads it as a float (2**70), json as this int


def sealed_bytes(rows: dict[str, list]) -> bytes:
    record = {"changes": {}, "date": DAY, "k": rows, "schema": 2, "sources": {}}
    return json.dumps(record).encode()


def test_a_pass_line_with_a_latency_past_64_bits_reads_as_json_reads_it():
    raw = json.dumps({"t": f"{DAY}T10:00:00Z", "r": {"a/b/c": ["h", BIG]}}).encode()
    line, problem = decode_pass(raw, DAY)
    assert problem is None
    assert line == json.loads(raw)
    assert type(line["r"]["a/b/c"][1]) is int


def test_a_bad_pass_line_is_still_refused_with_its_reason():
    assert decode_pass(b'{"t": "2026-11-22T10:00:00Z", "r": {"a/b/c": ["h", 1.5]}}', DAY) == (
        None,
        '"r" holds a latency that is not whole milliseconds or null',
    )
    assert decode_pass(b'{"t": ', DAY) == (None, "not JSON")
    assert decode_pass(b'{"t": "2026-11-22T10:00:00Z", "p": NaN}', DAY)[1] is not None


def test_a_sealed_day_with_numbers_orjson_reads_otherwise_reads_as_json_reads_it():
    rows = {"a/b/c": [288, 288, 0, 0, BIG, BIG], "a/b/d": [288, 200, 0, 88, 12.5, None]}
    data = sealed_bytes(rows)
    record, problem = decode_sealed(data, DAY)
    assert problem is None
    assert record == json.loads(data)
    assert type(record["k"]["a/b/c"][4]) is int
    nan = data.replace(b"12.5", b"NaN")  # json reads NaN; orjson refuses it
    mean = decode_sealed(nan, DAY)[0]["k"]["a/b/d"][4]
    assert mean != mean  # NaN, as json reads it


def test_a_sealed_day_with_a_fractional_or_huge_count_is_still_broken():
    why = '"k" holds a count that is not a whole number'
    assert decode_sealed(sealed_bytes({"a": [288.5, 288, 0, 0, None, None]}), DAY) == (None, why)
    assert decode_sealed(sealed_bytes({"a": [None, 288, 0, 0, None, None]}), DAY) == (None, why)
    assert decode_sealed(sealed_bytes({"a": [288, 288, 0, 0, None, None]}), DAY)[1] is None
    assert decode_sealed(b"{", DAY) == (None, "not JSON")


def test_a_store_reads_a_huge_mean_of_a_sealed_day_as_an_int(tmp_path):
    store = Store(tmp_path)
    store.days_dir.mkdir(parents=True, exist_ok=True)
    (store.days_dir / f"{DAY}.json").write_bytes(
        sealed_bytes({"a/b/c": [288, 288, 0, 0, BIG, 7], "a/b": [288, 288, 0, 0, None, None]})
    )
    assert Store(tmp_path).sealed_rows(DAY)["a/b/c"] == [288, 288, 0, 0, BIG, 7]
    assert Store(tmp_path).sealed(DAY)["k"]["a/b"] == [288, 288, 0, 0, None, None]


def test_loads_reads_what_only_json_reads():
    assert loads(b'"\\ud800"') == "\ud800"  # a lone surrogate: orjson refuses it
    assert loads('{"a": 1}'.encode("utf-16")) == {"a": 1}


def test_a_days_latency_reads_the_same_from_compact_rows_as_from_lists():
    from statusgen.history.rows import Compactor, DayRows, latency_of

    rows = {
        "a/b/c": [288, 288, 0, 0, 120, 300],
        "a/b/d": [288, 200, 0, 88, 95, 410],
        "a/b/e": [288, 0, 0, 288, None, None],  # dead all day: no latency
        "a/b/f": [0, 0, 0, 0, None, None],
        "a/b": [288, 288, 0, 0, None, None],
    }
    compact = Compactor()(rows)
    assert isinstance(compact, DayRows)
    for keys in (["a/b/c", "a/b/d"], ["a/b/c", "a/b/e", "x/y/z"], ["a/b/e", "a/b/f"], []):
        assert latency_of(compact, keys) == latency_of(rows, keys)
    assert latency_of(compact, ["a/b/c", "a/b/d", "a/b/e"]) == (108, 410)  # round(215 / 2)
    assert latency_of(compact, ["a/b/e", "missing"]) == (None, None)


def test_a_nodes_rows_and_latency_read_in_one_walk_as_one_by_one():
    from datetime import date, timedelta

    from statusgen.history.rows import Compactor, latency_of, rows_and_latency

    rows = {
        "a/b/c": [288, 288, 0, 0, 120, 300],
        "a/b/d": [288, 200, 0, 88, 95, 410],
        "a/b": [288, 200, 0, 88, None, None],
        "x/y": [10, 9, 1, 0, 7, 9],  # a node with latencies of its own
    }
    day = date(2026, 11, 1)
    days = [(day, Compactor()(rows)), (day + timedelta(days=1), rows), (day, {})]
    for key, keys in (("a/b", ["a/b/c", "a/b/d"]), ("x/y", ["x/y/r"]), ("no/ne", [])):
        found, latency = rows_and_latency(days, key, keys)
        assert found == [(d, r.get(key)) for d, r in days]
        assert latency == [(d, *latency_of(r, keys)) for d, r in days]
    assert rows_and_latency(days, "x/y", [])[0][0] == (day, [10, 9, 1, 0, 7, 9])


def test_runs_of_compact_days_read_column_by_column_as_day_by_day():
    # Joined puts consecutive compact days with one key table end to end: a node's rows
    # and daily latency read from its strided columns are those read day by day.
    from datetime import date, timedelta

    from statusgen.history.rows import Compactor, Joined, rows_and_latency

    compact = Compactor()
    first = date(2026, 11, 1)
    days = []
    for i in range(7):
        rows = {
            "a/b/c": [288, 288, 0, 0, 120 + i, 300 + i],
            "a/b/d": [288, 200, 0, 88, 95, 410 - 100 * (i % 2)],
            # dead all day on odd days: no mean nor p95 then
            "a/b/e": [288, 0, 0, 288, None, None] if i % 2 else [288, 288, 0, 0, 7, 8],
            "a/b": [288, 200, 0, 88, None, None],
        }
        if i == 3:
            days.append((first + timedelta(days=i), {}))  # a day without data
        elif i == 5:
            days.append((first + timedelta(days=i), dict(rows)))  # a hand-made day
        else:
            days.append((first + timedelta(days=i), compact(rows)))
    joined = Joined(days)
    assert [len(dates) for _, dates, _, _ in joined.runs] == [3, 0, 0, 0, 0]  # then 1 a run
    for key, keys in (
        ("a/b", ["a/b/c", "a/b/d"]),
        ("a/b", ["a/b/c", "a/b/d", "a/b/e"]),
        ("a/b", ["a/b/e"]),
        ("a/b", ["a/b/e", "a/b/x"]),
        ("a/b/c", ["a/b/c"]),
        ("no/ne", []),
        ("no/ne", ["no/ne/r"]),
    ):
        assert rows_and_latency(joined, key, keys) == rows_and_latency(days, key, keys)
    found, latency = rows_and_latency(joined, "a/b", ["a/b/c", "a/b/e"])
    assert found[1] == (first + timedelta(days=1), [288, 200, 0, 88, None, None])
    assert latency[:2] == [(first, 64, 300), (first + timedelta(days=1), 121, 301)]


def test_a_pass_line_with_a_list_or_object_for_a_status_or_latency_is_refused(tmp_path):
    # Such a value is not hashable (an entry that is a number has no length): the check
    # raised TypeError, so one bad line stopped every read of its file (a build, a pass)
    # instead of being set aside.
    at = f"{DAY}T10:00:00Z"
    bad = {
        '"n" holds a status that is not h, s or d': {"n": {"a/b": ["h"]}},
        '"s" holds a status that is not h, s or d': {"s": {"a": {}}},
        "\"p\" ['h'] is not a status letter (h, s or d)": {"p": ["h"]},
        '"r" holds a status that is not h, s or d': {"r": {"a/b/c": [["h"], 1]}},
        '"r" holds a latency that is not whole milliseconds or null': {"r": {"a/b/c": ["h", [1]]}},
        '"r" holds an entry that is not [status, ms] or [status, ms, reason]': {"r": {"a/b/c": 5}},
    }
    for why, fields in bad.items():
        assert decode_pass(json.dumps({"t": at, **fields}).encode(), DAY) == (None, why)
    folder = tmp_path / "samples" / "main"
    folder.mkdir(parents=True)
    good = {"t": at, "n": {"a/b": "h"}, "p": "h"}
    lines = [json.dumps({"t": at, **fields}) for fields in bad.values()] + [json.dumps(good)]
    (folder / f"{DAY}.jsonl").write_text("\n".join(lines) + "\n")
    store = Store(tmp_path)
    assert store.read_raw(DAY) == [good]
    assert len(store.warnings) == len(list((tmp_path / "corrupt").iterdir())) == len(bad)


def test_a_record_nested_too_deeply_for_json_is_refused_not_raised(tmp_path):
    # orjson refuses JSON nested past 1,024 levels and json.loads, tried next, raised
    # RecursionError: one 4 KB line stopped every read of its file (a build, a pass), and
    # a sealed day so nested every build.
    deep = b"[" * 2000 + b"]" * 2000
    at = f"{DAY}T10:00:00Z"
    raw = b'{"t": "%s", "r": {"a/b/c": ["h", 1, %s]}}' % (at.encode(), deep)
    why = "nested too deeply"
    assert decode_pass(raw, DAY) == (None, why)
    assert decode_sealed(b'{"date": "%s", "k": %s}' % (DAY.encode(), deep), DAY) == (None, why)
    folder = tmp_path / "samples" / "main"
    folder.mkdir(parents=True)
    good = {"t": f"{DAY}T09:00:00Z", "n": {"a/b": "h"}, "p": "h"}
    (folder / f"{DAY}.jsonl").write_bytes(json.dumps(good).encode() + b"\n" + raw + b"\n")
    store = Store(tmp_path)
    assert store.read_raw(DAY) == [good]
    assert [w.split(": ", 2)[2].split(";")[0] for w in store.warnings] == [why]
    until = datetime.fromisoformat(at).replace(hour=23)
    assert store.last_passes(5, datetime.fromisoformat(DAY + "T00:00:00+00:00"), until) == [good]
    view = HistoryView.load(Store(tmp_path), until=until, cache=RawCache(tmp_path / "cache"))
    assert view.pass_times == [good["t"]]
