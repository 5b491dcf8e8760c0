"""The history's files under stress: concurrent appenders, a killed writer, lines out of
order, records of the wrong shape, sealed days that must never change."""

from __future__ import annotations

import contextlib
import gzip
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from statusgen.clock import iso
from statusgen.history import HistoryView, Store

from .conftest import T0
from .test_history import D, H, S, record

DAY = "2026-11-23"


def big_record(at, index: int, replicas: int = 400) -> dict:
    """A pass of `replicas` replicas (~10 KB a line: more than a page, so a torn write
    would show)."""
    line = record(at)
    line["r"] = {f"web/site/r{i}-{index}": ["h", i] for i in range(replicas)}
    return line


def append_many(directory: str, worker: int, count: int) -> None:
    store = Store(Path(directory))
    for index in range(count):
        at = T0 + timedelta(seconds=worker * 1000 + index)
        store.append(big_record(at, index), at)


def assert_whole_lines(path: Path, expected: int) -> None:
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert len(lines) - 1 == expected
    assert all(json.loads(line)["r"] for line in lines[:-1])


def test_threads_appending_at_once_lose_no_line_and_tear_none(tmp_path):
    threads = [
        threading.Thread(target=append_many, args=(str(tmp_path), worker, 25))
        for worker in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert_whole_lines(tmp_path / "samples" / "main" / f"{DAY}.jsonl", 150)


def test_processes_appending_at_once_lose_no_line_and_tear_none(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=append_many, args=(str(tmp_path), worker, 25)) for worker in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    assert_whole_lines(tmp_path / "samples" / "main" / f"{DAY}.jsonl", 100)
    assert len(Store(tmp_path).passes()) == 100


KILLED_WRITER = """
import sys
from datetime import timedelta
sys.path.insert(0, {root!r})
from tests.test_history_files import big_record, T0
from statusgen.history import Store
store = Store(__import__("pathlib").Path({directory!r}))
for index in range(100000):
    at = T0 + timedelta(seconds=index % 3600)
    store.append(big_record(at, index, replicas=3000), at)
"""


def test_kill_9_during_appends_leaves_at_most_one_partial_last_line(tmp_path):
    root = str(Path(__file__).resolve().parents[1])
    code = KILLED_WRITER.format(root=root, directory=str(tmp_path))
    child = subprocess.Popen([sys.executable, "-c", code])
    path = tmp_path / "samples" / "main" / f"{DAY}.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not path.exists() or path.stat().st_size < 1e6):
        time.sleep(0.01)  # the child's own progress, not state we could be told about
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    pieces = path.read_bytes().split(b"\n")
    assert all(json.loads(piece) for piece in pieces[:-1])  # every finished line is whole
    whole = len(pieces) - 1
    # Whatever the kill cut is the last piece; the next pass still writes a line of its own.
    os.utime(path, (time.time() - 60, time.time() - 60))
    store = Store(tmp_path)
    store.append(record(T0 + timedelta(hours=2)), T0 + timedelta(hours=2))
    reader = Store(tmp_path)
    assert len(reader.passes()) == whole + 1
    corrupt = list((tmp_path / "corrupt").glob("*.bad")) if (tmp_path / "corrupt").exists() else []
    assert len(corrupt) == (1 if pieces[-1] else 0)


def test_a_partial_last_line_is_quarantined_and_the_next_append_stays_whole(tmp_path):
    store = Store(tmp_path)
    path = store.append(record(T0), T0)
    with open(path, "ab") as handle:
        handle.write(b'{"t": "2026-11-23T12:05:00Z", "r": {"web/si')  # a killed writer
    young = Store(tmp_path)
    assert len(young.passes()) == 1 and not young.warnings  # may be a write under way
    os.utime(path, (time.time() - 60, time.time() - 60))
    reader = Store(tmp_path)
    assert len(reader.passes()) == 1
    assert any(f"{path}: line 2: an unfinished last line" in w for w in reader.warnings)
    Store(tmp_path).append(record(T0 + timedelta(minutes=10)), T0 + timedelta(minutes=10))
    assert [p["t"][11:16] for p in Store(tmp_path).passes()] == ["12:00", "12:10"]
    (aside,) = (tmp_path / "corrupt").glob("*.bad")
    assert '"web/si' in aside.read_text()


def test_lines_out_of_time_order_are_read_in_order_and_left_as_written(tmp_path):
    store = Store(tmp_path)
    for minutes, site in [(10, D), (0, H), (5, H)]:  # a clock that stepped back
        at = T0 + timedelta(minutes=minutes)
        store.append(record(at, site=site), at)
    raw = (tmp_path / "samples" / "main" / f"{DAY}.jsonl").read_text().splitlines()
    assert [json.loads(line)["t"][14:16] for line in raw] == ["10", "00", "05"]
    view = HistoryView.load(Store(tmp_path), until=T0 + timedelta(minutes=20))
    assert view.latest("web/site").status is D
    assert [s.at.minute for s in view.samples("web/site", T0)] == [0, 5, 10]
    assert view.changes("web/site", T0, T0 + timedelta(hours=1)) == [
        ("2026-11-23T12:00:00Z", "h"),
        ("2026-11-23T12:10:00Z", "d"),
    ]


WRONG_SHAPES = {
    "not JSON": "<<<<<<< HEAD",
    "a JSON array": "[1, 2]",
    "null": "null",
    "a number for t": '{"t": 5}',
    "a time of another day": '{"t": "2026-11-22T12:00:00Z"}',
    "an unknown field": '{"t": "2026-11-23T12:01:00Z", "x": 1}',
    "an unknown page status": '{"t": "2026-11-23T12:01:00Z", "p": "q"}',
    "an unknown replica status": '{"t": "2026-11-23T12:01:00Z", "r": {"web/site/a": ["x", 5]}}',
    "a text latency": '{"t": "2026-11-23T12:01:00Z", "r": {"web/site/a": ["h", "fast"]}}',
    "a short replica entry": '{"t": "2026-11-23T12:01:00Z", "r": {"web/site/a": ["h"]}}',
    "a reason that is not text": '{"t": "2026-11-23T12:01:00Z", "r": {"web/site/a": ["d", 5, 7]}}',
    "a replica key without a node": '{"t": "2026-11-23T12:01:00Z", "r": {"web": ["h", 5]}}',
    "a node map that is a list": '{"t": "2026-11-23T12:01:00Z", "n": ["h"]}',
    "a node key of the wrong depth": '{"t": "2026-11-23T12:01:00Z", "n": {"web": "h"}}',
    "an unknown service status": '{"t": "2026-11-23T12:01:00Z", "s": {"web": 1}}',
}


@pytest.mark.parametrize("text", WRONG_SHAPES.values(), ids=WRONG_SHAPES.keys())
def test_a_record_of_the_wrong_shape_is_skipped_and_copied_aside_once(tmp_path, text):
    store = Store(tmp_path)
    path = store.append(record(T0), T0)
    with open(path, "a") as handle:
        handle.write(text + "\n")
    store.append(record(T0 + timedelta(minutes=5)), T0 + timedelta(minutes=5))
    before = path.read_bytes()
    reader = Store(tmp_path)
    view = HistoryView.load(reader, until=T0 + timedelta(hours=1))
    assert [at[14:16] for at in view.pass_times] == ["00", "05"]
    assert view.latest("web/site").status is H
    assert len(reader.warnings) == 1 and f"{path}: line 2: " in reader.warnings[0]
    assert path.read_bytes() == before  # readers never rewrite
    (aside,) = (tmp_path / "corrupt").glob("*.bad")
    assert aside.read_text() == text + "\n"
    again = Store(tmp_path)
    again.passes()
    assert again.warnings == [] and len(list((tmp_path / "corrupt").glob("*.bad"))) == 1


def test_a_sealed_day_is_never_rewritten(tmp_path):
    store = Store(tmp_path, retention_days=2)
    yesterday = T0 - timedelta(days=1)
    store.append(record(yesterday), yesterday)
    store.append(record(T0), T0)
    sealed = tmp_path / "days" / "2026-11-22.json"
    before = sealed.stat()
    content = sealed.read_bytes()
    at = T0
    for _ in range(6):  # more passes, later days sealed, a late line, raw files deleted
        at += timedelta(hours=13)
        Store(tmp_path, retention_days=2).append(record(at), at)
    Store(tmp_path).append(record(yesterday + timedelta(hours=1)), yesterday + timedelta(hours=1))
    Store(tmp_path).seal(at + timedelta(days=1))
    after = sealed.stat()
    assert (after.st_ino, after.st_mtime_ns, sealed.read_bytes()) == (
        before.st_ino,
        before.st_mtime_ns,
        content,
    )
    assert len(Store(tmp_path).sealed_day_names()) >= 4


@pytest.mark.parametrize(
    "text",
    [
        "{",
        "[]",
        '{"date": "2026-11-22", "k": {"web": [1]}}',
        '{"date": "x", "k": {}}',
        '{"date": "2026-11-22", "k": {"web": [1, 1, 0, 0, null, null], "": [2.5, 2, 0, 0, 1, 1]}}',
    ],
)
def test_a_broken_sealed_day_is_copied_aside_and_read_as_missing(tmp_path, text):
    (tmp_path / "days").mkdir()
    (tmp_path / "days" / "2026-11-22.json").write_text(text)
    store = Store(tmp_path)
    assert store.daily() == {}
    view = HistoryView.load(store, until=T0)
    assert view.day_rows("web/site", T0, 2) == [
        (T0.date() - timedelta(days=1), None),
        (T0.date(), None),
    ]
    assert "days/2026-11-22.json: line 1" in store.warnings[0]
    assert len(list((tmp_path / "corrupt").glob("*.bad"))) == 1


def test_a_view_that_reads_only_the_last_day_answers_as_one_that_reads_everything(tmp_path):
    import random

    rng = random.Random(5)
    store = Store(tmp_path)
    at = T0 - timedelta(days=9)
    while at <= T0:
        site = rng.choice([H, H, H, D]) if at.day % 3 else D  # long dead spells too
        line = record(at, site=site, rest=rng.choice([H, S]))
        if at < T0 - timedelta(days=2):
            line["r"]["web/site/gone"] = ["h", 5]  # a replica only older days know
        store.append(line, at)
        at += timedelta(minutes=rng.choice([50, 60, 70]))
    lazy = HistoryView.load(Store(tmp_path), until=T0)
    full = HistoryView.load(Store(tmp_path))
    assert len(lazy.pass_times) < len(full.pass_times) / 4
    window = [(T0 - timedelta(days=5, hours=3), T0 - timedelta(days=5))]
    for key in ("web/site", "web/site/a", "web/site/gone", "api/rest", "web", ""):
        assert lazy.latest(key) == full.latest(key)
        assert lazy.day_rows(key, T0, 90) == full.day_rows(key, T0, 90)
        assert lazy.day_rows(key, T0, 90, window) == full.day_rows(key, T0, 90, window)
        assert lazy.uptime(key, T0, 1) == full.uptime(key, T0, 1)
        since = T0 - timedelta(days=90)
        assert lazy.changes(key, since, T0) == full.changes(key, since, T0)
    assert lazy.last_pass == full.last_pass
    for keys in (["web/site"], ["web/site", "api/rest"]):
        assert lazy.dead_run_start(keys, iso(T0)) == full.dead_run_start(keys, iso(T0))


def test_sealed_days_older_than_yesterday_are_packed_and_read_as_written(tmp_path):
    written: dict[str, list[dict]] = {}
    at = T0 - timedelta(days=4)
    while at <= T0:
        line = record(at, site=D if at.hour == 6 else H)
        written.setdefault(line["t"][:10], []).append(line)
        Store(tmp_path, pack=True).append(line, at)
        at += timedelta(hours=3)
    folder = tmp_path / "samples" / "main"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2026-11-19.jsonl.gz",
        "2026-11-20.jsonl.gz",
        "2026-11-21.jsonl.gz",
        "2026-11-22.jsonl",  # yesterday and today stay plain: builds read them
        "2026-11-23.jsonl",
    ]
    packed = folder / "2026-11-20.jsonl.gz"
    expected = "".join(
        json.dumps(x, sort_keys=True, separators=(",", ":")) + "\n" for x in written["2026-11-20"]
    )
    assert gzip.decompress(packed.read_bytes()).decode() == expected
    store = Store(tmp_path, pack=True)
    assert store.read_raw("2026-11-20") == written["2026-11-20"]
    assert store.raw_day_names() == [
        "2026-11-19",
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
        "2026-11-23",
    ]
    assert store.warnings == []
    # a view over the whole history answers from packed days as from plain ones
    dead = [
        t
        for t, code in HistoryView.load(store).changes("web/site", T0 - timedelta(days=5), T0)
        if code == "d"
    ]
    assert dead == [
        x["t"] for day in sorted(written) for x in written[day] if x["n"]["web/site"] == "d"
    ]


def test_packing_is_deterministic_and_done_once(tmp_path):
    for folder in (tmp_path / "a", tmp_path / "b"):
        for at in (T0 - timedelta(days=3), T0):
            Store(folder, pack=True).append(record(at), at)
    name = "samples/main/2026-11-20.jsonl.gz"
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    before = (tmp_path / "a" / name).stat()
    Store(tmp_path / "a", pack=True).append(
        record(T0 + timedelta(hours=1)), T0 + timedelta(hours=1)
    )
    after = (tmp_path / "a" / name).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_writer_later_than_the_packing_starts_a_plain_file_and_is_counted_late(tmp_path):
    old = T0 - timedelta(days=3)
    Store(tmp_path, pack=True).append(record(old), old)
    Store(tmp_path, pack=True).append(record(T0), T0)
    late = Store(tmp_path, pack=True)
    late.append(record(old + timedelta(hours=2)), T0 + timedelta(minutes=5))
    folder = tmp_path / "samples" / "main"
    assert (folder / "2026-11-20.jsonl.gz").exists() and (folder / "2026-11-20.jsonl").exists()
    reader = Store(tmp_path, pack=True)
    assert [x["t"] for x in reader.read_raw("2026-11-20")] == [
        "2026-11-20T12:00:00Z",
        "2026-11-20T14:00:00Z",
    ]
    assert any("1 line(s) written after 2026-11-20 was sealed" in w for w in reader.warnings)
    Store(tmp_path, pack=True).seal(
        T0 + timedelta(hours=1)
    )  # the late plain file is not packed over
    assert (folder / "2026-11-20.jsonl").exists()


def test_a_damaged_packed_file_keeps_the_lines_before_the_damage(tmp_path):
    old = T0 - timedelta(days=3)
    for minutes in range(0, 24 * 60, 5):
        at = old.replace(hour=0) + timedelta(minutes=minutes)
        Store(tmp_path, pack=True).append(big_record(at, minutes, replicas=20), at)
    Store(tmp_path, pack=True).append(record(T0), T0)
    packed = tmp_path / "samples" / "main" / "2026-11-20.jsonl.gz"
    data = packed.read_bytes()
    packed.write_bytes(data[: len(data) * 2 // 3])  # cut short
    store = Store(tmp_path, pack=True)
    lines = store.read_raw("2026-11-20")
    assert 0 < len(lines) < 288
    assert [x["t"] for x in lines] == sorted(x["t"] for x in lines)
    assert any("2026-11-20.jsonl.gz" in w and "gzip file cut short" in w for w in store.warnings)
    assert len(list((tmp_path / "corrupt").glob("*.bad"))) == 2  # the file, and its torn last line
    assert store.last_passes(3, old)[-1]["t"] == "2026-11-23T12:00:00Z"


def test_appenders_never_write_into_a_file_that_packing_removed(tmp_path):
    from statusgen.history import packed

    old = T0 - timedelta(days=3)
    Store(tmp_path, pack=True).append(record(old), old)
    path = tmp_path / "samples" / "main" / "2026-11-20.jsonl"
    taken: list[bytes] = []

    def appender(worker: int) -> None:
        for index in range(60):
            at = old + timedelta(seconds=worker * 100 + index + 1)
            Store(tmp_path, pack=True).append(big_record(at, index, replicas=5), old)

    threads = [threading.Thread(target=appender, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads) or path.exists():
        with contextlib.suppress(FileNotFoundError):
            packed.pack(path, lambda _target, data: taken.append(gzip.decompress(data)))
    for thread in threads:
        thread.join(timeout=60)
    lines = b"".join(taken).split(b"\n")
    assert lines[-1] == b"" and len(lines) - 1 == 1 + 3 * 60
    assert all(json.loads(line)["t"] for line in lines[:-1])


def test_on_main_raw_days_stay_plain_until_retention_deletes_them(tmp_path):
    for at in (T0 - timedelta(days=3), T0):
        Store(tmp_path).append(record(at), at)
    folder = tmp_path / "samples" / "main"
    assert sorted(p.name for p in folder.iterdir()) == ["2026-11-20.jsonl", "2026-11-23.jsonl"]
