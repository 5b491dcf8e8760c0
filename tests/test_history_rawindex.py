"""The raw files decoded once (statusgen/history/rawindex.py): a view loaded through the
cache reads what a full read reads, decodes only the appended lines, and decodes afresh
whenever the file or the format it describes changed."""

from __future__ import annotations

import gzip
import json
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from statusgen.files import seal, unseal
from statusgen.history import HistoryView, RawCache, Store
from statusgen.history.rawindex import FileIndex

from .conftest import T0
from .test_history import D, H, S, record

KEYS = ("web/site/a", "api/rest/b", "web/site", "api/rest", "web", "api", "")


def reads(view: HistoryView, now: datetime) -> dict:
    """What a build asks a view, in public terms."""
    since = now - timedelta(days=2)
    return {
        "keys": sorted(view.keys()),
        "series": {key: view.series(key, since) for key in KEYS},
        "latest": {key: view.latest(key) for key in KEYS},
        "rows": {key: view.day_rows(key, now, 3) for key in KEYS},
        "uptime": {key: view.uptime(key, now, 1) for key in KEYS},
        "changes": {key: view.changes(key, since, now) for key in KEYS},
        "latencies": {key: view.latencies(key, since, now) for key in KEYS},
        "times": view.pass_times,
        "last": view.last_pass,
        "dead": view.dead_run_start(["web/site", "api/rest"], "9999"),
    }


def both(directory: Path, cache: RawCache, now: datetime) -> tuple[dict, dict]:
    """(through the cache, a plain read) of the history as of `now`."""
    cached = HistoryView.load(Store(directory), until=now, cache=cache)
    return reads(cached, now), reads(HistoryView.load(Store(directory), until=now), now)


def fresh(tmp_path: Path) -> RawCache:
    return RawCache(tmp_path / "cache")


def day_file(directory: Path, day: str = "2026-11-23") -> Path:
    return directory / "samples" / "main" / f"{day}.jsonl"


def test_a_cached_read_equals_a_full_read_through_passes_a_new_day_and_its_seal(tmp_path):
    history = tmp_path / "history"
    store = Store(history)
    statuses = [H, S, D, H]
    at = T0 + timedelta(hours=11)  # 23:00: the next day starts within the loop
    for number in range(40):
        at += timedelta(minutes=5)
        store.append(record(at, site=statuses[number % 4], latency=0.01 * number), at)
        cache = fresh(tmp_path)
        via_cache, plain = both(history, cache, at)
        assert via_cache == plain
        assert cache.decoded == 1  # only the line appended since the build before
    assert (history / "days" / "2026-11-23.json").is_file()  # sealed on the way
    # A build for an earlier moment reads the same as a full read of that moment.
    earlier = at - timedelta(hours=2)
    assert both(history, fresh(tmp_path), earlier)[0] == both(history, None, earlier)[1]


def test_only_appended_lines_are_decoded(tmp_path):
    history = tmp_path / "history"
    store = Store(history)
    for minutes in range(0, 30, 5):
        store.append(record(T0 + timedelta(minutes=minutes)), T0 + timedelta(minutes=minutes))
    now = T0 + timedelta(minutes=25)
    first = fresh(tmp_path)
    HistoryView.load(Store(history), until=now, cache=first)
    assert first.decoded == 6
    store.append(record(T0 + timedelta(minutes=30), site=D), T0 + timedelta(minutes=30))
    second = fresh(tmp_path)
    view = HistoryView.load(Store(history), until=now + timedelta(minutes=5), cache=second)
    assert second.decoded == 1
    assert view.latest("web/site").status is D
    # `--full` (read=False) decodes everything and refills the cache.
    full = RawCache(tmp_path / "cache", read=False)
    HistoryView.load(Store(history), until=now + timedelta(minutes=5), cache=full)
    assert full.decoded == 7


def seven_passes(tmp_path: Path) -> tuple[Path, datetime]:
    history = tmp_path / "history"
    store = Store(history)
    for minutes in range(0, 35, 5):
        store.append(record(T0 + timedelta(minutes=minutes)), T0 + timedelta(minutes=minutes))
    now = T0 + timedelta(minutes=30)
    HistoryView.load(Store(history), until=now, cache=fresh(tmp_path))
    return history, now


def replaced(path: Path) -> None:  # same bytes, another inode (an atomic rewrite)
    other = path.with_name("other")
    other.write_bytes(path.read_bytes())
    os.replace(other, path)


def shrunk(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-2]))


def rewritten_in_place(path: Path) -> None:  # same inode, same size, other bytes
    data = path.read_bytes()
    with open(path, "r+b") as handle:
        handle.write(data.replace(b'"p":"h"', b'"p":"s"'))


def format_changed(path: Path) -> None:
    index = path.parents[3] / "cache" / "2026-11-23.idx"
    head, _, blob = unseal(index.read_bytes()).partition(b"\n")
    found = json.loads(head)
    found["format"] = "an older statusgen"
    index.write_bytes(seal(json.dumps(found).encode() + b"\n" + blob))


def damaged(path: Path) -> None:
    index = path.parents[3] / "cache" / "2026-11-23.idx"
    index.write_bytes(index.read_bytes()[:-5])


@pytest.mark.parametrize(
    "change", [replaced, shrunk, rewritten_in_place, format_changed, damaged], ids=str
)
def test_an_index_that_no_longer_describes_its_file_is_decoded_afresh(tmp_path, change):
    history, now = seven_passes(tmp_path)
    path = day_file(history)
    change(path)
    cache = fresh(tmp_path)
    via_cache, plain = both(history, cache, now)
    assert cache.decoded == len(path.read_bytes().splitlines())
    assert via_cache == plain


def test_a_packed_day_or_a_location_writer_is_read_the_ordinary_way(tmp_path):
    history, now = seven_passes(tmp_path)
    path = day_file(history)
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()
    cache = fresh(tmp_path)
    via_cache, plain = both(history, cache, now)
    assert cache.decoded == 0 and via_cache == plain
    history, now = seven_passes(tmp_path / "located")
    Store(history, writer="eu").append(record(now), now)
    cache = fresh(tmp_path / "located")
    assert cache.columns(Store(history), ["2026-11-23"], {}, "9999") is None


def test_lines_out_of_order_are_read_the_ordinary_way(tmp_path):
    history, now = seven_passes(tmp_path)
    with open(day_file(history), "a") as handle:  # a clock stepped back
        handle.write(json.dumps(record(T0 - timedelta(minutes=1), site=D), sort_keys=True) + "\n")
    cache = fresh(tmp_path)
    store = Store(history)
    assert cache.columns(store, ["2026-11-23"], {}, "9999") is None
    via_cache, plain = both(history, fresh(tmp_path), now)
    assert via_cache == plain


def test_a_bad_appended_line_is_quarantined_once_with_its_line_number(tmp_path):
    history, now = seven_passes(tmp_path)
    path = day_file(history)
    with open(path, "a") as handle:
        handle.write('{"t": "not a time"}\n')
    later = now + timedelta(minutes=5)
    Store(history).append(record(later, site=S), later)
    store = Store(history)
    cache = fresh(tmp_path)
    view = HistoryView.load(store, until=later, cache=cache)
    assert cache.decoded == 2
    assert view.latest("web/site").status is S
    assert len(store.warnings) == 1 and "line 8:" in store.warnings[0]
    assert [p.name for p in (history / "corrupt").iterdir()][0].endswith(".bad")
    # Neither the next build nor a full read copies or warns again.
    again = Store(history)
    HistoryView.load(again, until=later, cache=fresh(tmp_path))
    HistoryView.load(again, until=later)
    assert again.warnings == [] and len(list((history / "corrupt").iterdir())) == 1


def test_an_unfinished_last_line_waits_for_its_end(tmp_path):
    history, now = seven_passes(tmp_path)
    path = day_file(history)
    later = now + timedelta(minutes=5)
    text = json.dumps(record(later, site=D), separators=(",", ":"), sort_keys=True)
    with open(path, "a") as handle:
        handle.write(text[:40])  # a writer under way
    cache = fresh(tmp_path)
    store = Store(history)
    view = HistoryView.load(store, until=later, cache=cache)
    assert view.latest("web/site").status is H and store.warnings == []
    with open(path, "a") as handle:
        handle.write(text[40:] + "\n")
    view = HistoryView.load(Store(history), until=later, cache=fresh(tmp_path))
    assert view.latest("web/site").status is D


def test_an_old_unfinished_line_is_quarantined_as_a_full_read_does(tmp_path):
    history, now = seven_passes(tmp_path)
    path = day_file(history)
    with open(path, "a") as handle:
        handle.write('{"t":"2026-11-23T12:3')  # what a killed writer left
    old = time.time() - 60
    os.utime(path, (old, old))
    store = Store(history)
    HistoryView.load(store, until=now, cache=fresh(tmp_path))
    assert len(store.warnings) == 1 and "line 8: an unfinished last line" in store.warnings[0]


def test_the_index_round_trips(tmp_path):
    history, _ = seven_passes(tmp_path)
    data = unseal((tmp_path / "cache" / "2026-11-23.idx").read_bytes())
    index = FileIndex.loads(data)
    assert index is not None and index.dumps() == data
    assert len(index.times) == 7 and index.end == day_file(history).stat().st_size


def sealed_history(tmp_path: Path) -> tuple[Path, datetime]:
    history = tmp_path / "history"
    store = Store(history)
    at = T0 - timedelta(days=4)
    while at <= T0:  # four sealed days, then today's raw passes
        store.append(record(at, site=S if at.hour == 6 else H, latency=at.hour / 100), at)
        at += timedelta(hours=6)
    return history, T0


def rows(history: Path, cache: RawCache | None, now: datetime) -> dict:
    view = HistoryView.load(Store(history), until=now, cache=cache)
    return {key: view.day_rows(key, now, 6) for key in KEYS}


def test_sealed_days_are_decoded_once_while_their_file_is_the_same(tmp_path):
    history, now = sealed_history(tmp_path)
    first = fresh(tmp_path)
    assert rows(history, first, now) == rows(history, None, now)
    first.finish()
    days = sorted(p.stem for p in (history / "days").glob("*.json"))
    assert len(days) == 4 and first.sealed.hits == 0
    second = fresh(tmp_path)
    assert rows(history, second, now) == rows(history, None, now)
    assert second.sealed.hits == 4
    # A sealed file replaced whole (another inode): read from the file again.
    path = history / "days" / f"{days[0]}.json"
    record = json.loads(path.read_bytes())
    record["k"]["web/site"][0] += 1
    other = path.with_name("other")
    other.write_text(json.dumps(record))
    os.replace(other, path)
    third = fresh(tmp_path)
    assert rows(history, third, now) == rows(history, None, now)
    assert third.sealed.hits == 3
    third.finish()
    # A broken one is quarantined once and read as missing, with or without the cache.
    path.write_text("{broken")
    store = Store(history)
    view = HistoryView.load(store, until=now, cache=fresh(tmp_path))
    assert view.day_rows("web/site", now, 6)[1][1] is None
    assert len(store.warnings) == 1 and len(list((history / "corrupt").iterdir())) == 1
    assert rows(history, fresh(tmp_path), now) == rows(history, None, now)


def test_cache_files_are_not_synced_and_a_torn_one_is_decoded_afresh(tmp_path, monkeypatch):
    # A cache costs time when lost, never a wrong read: no fsync per entry (a cron build
    # on a fresh runner writes them all), and what a crash may leave of one (nothing,
    # or part of it) is read as absent.
    history, now = sealed_history(tmp_path)
    synced = []
    real = os.fsync

    def noting(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)

    monkeypatch.setattr(os, "fsync", noting)
    first = fresh(tmp_path)
    rows(history, first, now)
    first.finish()
    indexes = sorted((tmp_path / "cache").glob("*.idx"))
    kept_rows = sorted((tmp_path / "sealed").glob("*"))
    assert indexes and [p.name for p in kept_rows] == ["rows.pack"]
    written = indexes + kept_rows
    assert not [
        p for p in synced if p.startswith((str(tmp_path / "cache"), str(tmp_path / "sealed")))
    ]
    for path in written:
        path.write_bytes(path.read_bytes()[:-3])
    kept_rows[0].write_bytes(b"")
    second = fresh(tmp_path)
    assert rows(history, second, now) == rows(history, None, now)
    assert second.sealed.hits == 0
    assert second.decoded == first.decoded > 0  # every raw line again


def test_a_latency_past_64_bits_is_read_the_ordinary_way_and_the_build_finishes(tmp_path):
    # The index holds latencies as 64-bit ints: a day holding a bigger one is not indexed.
    # (Its index was kept in the cache's list and written by `finish`, which raised.)
    history, now = seven_passes(tmp_path)
    line = record(now + timedelta(minutes=5))
    line["r"]["web/site/a"][1] = 2**70
    Store(history).append(line, now + timedelta(minutes=5))
    later = now + timedelta(minutes=10)
    Store(history).append(record(later), later)
    cache = fresh(tmp_path)
    via_cache, plain = both(history, cache, later)
    assert via_cache == plain and 2**70 in via_cache["latencies"]["web/site/a"][1]
    cache.finish()
    assert not (tmp_path / "cache" / "2026-11-23.idx").exists()


def test_the_sealed_days_pack_is_written_only_when_its_days_change(tmp_path):
    history, now = sealed_history(tmp_path)
    first = fresh(tmp_path)
    rows(history, first, now)
    first.finish()
    pack = tmp_path / "sealed" / "rows.pack"
    before = pack.stat()
    second = fresh(tmp_path)
    assert rows(history, second, now) == rows(history, None, now)
    second.finish()
    assert second.sealed.hits == 4 and pack.stat().st_ino == before.st_ino  # not rewritten
    # Written by other code (this package or the schema changed): not used, written anew.
    head, _, blob = unseal(pack.read_bytes()).partition(b"\n")
    found = json.loads(head)
    pack.write_bytes(seal(json.dumps(dict(found, format="other code")).encode() + b"\n" + blob))
    third = fresh(tmp_path)
    assert rows(history, third, now) == rows(history, None, now)
    third.finish()
    assert third.sealed.hits == 0
    # A build that draws fewer days keeps only those.
    fourth = fresh(tmp_path)
    view = HistoryView.load(Store(history), until=now, cache=fourth)
    view.day_rows("web/site", now, 3)
    fourth.finish()
    kept = json.loads(unseal(pack.read_bytes()).partition(b"\n")[0])["days"]
    assert sorted(kept) == sorted(p.stem for p in (history / "days").glob("*.json"))[-2:]


def test_lines_before_the_window_of_a_sealed_day_are_left_out_whatever_their_key_order(
    tmp_path,
):
    # Of a sealed day the window cuts, only the lines from the window's start are read;
    # those before it are passed over by the time statusgen writes last in a line. A
    # hand-made line with "t" first was read by a plain read all the same (its time was
    # not checked once decoded), not by a read through the cache: the two differed.
    history = tmp_path / "history"
    store = Store(history)
    at = T0 - timedelta(hours=30)
    while at <= T0:
        store.append(record(at, site=D if at.hour % 5 == 0 else H), at)
        at += timedelta(hours=1)
    yesterday = day_file(history, "2026-11-22")
    assert (history / "days" / "2026-11-22.json").is_file()
    found = [json.loads(line) for line in yesterday.read_text().splitlines()]
    yesterday.write_text("".join(json.dumps({"t": x.pop("t"), **x}) + "\n" for x in found))
    via_cache, plain = both(history, fresh(tmp_path), T0)
    assert via_cache == plain
    assert min(plain["times"]) >= "2026-11-22T12:00:00Z"
