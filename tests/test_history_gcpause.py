"""The collector paused while a build reads the history and frozen while it renders
(statusgen/history/gcpause.py): off (or frozen) inside, back as it was after, however
pauses and freezes nest or overlap across threads."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest

from statusgen.history import collector_frozen, collector_paused
from statusgen.site import build as site_build

from .conftest import T0
from .site_helpers import make_fixture


@pytest.fixture(autouse=True)
def collector_restored():
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()
    gc.unfreeze()


def test_the_collector_is_off_inside_and_on_again_after_even_on_an_error():
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still runs
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a broken history")
    assert gc.isenabled()


def test_a_collector_someone_switched_off_stays_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def outlasting_thread(
    block: Callable[[], AbstractContextManager],
) -> tuple[threading.Event, threading.Thread]:
    """A thread that enters `block()` while this one is inside its own `block()`, and
    leaves it only once the event returned is set, after this one left."""
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with block():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    with block():
        thread.start()
        assert inside.wait(10)
    return leave, thread


def test_overlapping_pauses_in_threads_switch_it_back_on_once_the_last_ends():
    gc.enable()
    leave, thread = outlasting_thread(collector_paused)
    assert not gc.isenabled()  # the other thread still reads
    leave.set()
    thread.join(10)
    assert gc.isenabled()


def test_objects_alive_when_a_freeze_starts_are_left_out_until_the_last_one_ends():
    kept = [object() for _ in range(10)]
    gc.unfreeze()
    with collector_frozen():
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with collector_frozen():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen  # the outer freeze still renders
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), collector_frozen():
        raise RuntimeError("a broken template")
    assert gc.get_freeze_count() == 0 and kept


def test_overlapping_freezes_in_threads_unfreeze_once_the_last_ends():
    gc.unfreeze()
    leave, thread = outlasting_thread(collector_frozen)
    assert gc.get_freeze_count() > 0  # the other thread still renders
    leave.set()
    thread.join(10)
    assert gc.get_freeze_count() == 0


def test_a_build_renders_with_the_snapshot_frozen_and_unfreezes_after(tmp_path, monkeypatch):
    config = make_fixture(tmp_path)
    seen = []
    render = site_build.site_files

    def watched(snapshot, *args, **kwargs):
        seen.append(gc.get_freeze_count())
        return render(snapshot, *args, **kwargs)

    monkeypatch.setattr(site_build, "site_files", watched)
    gc.unfreeze()
    site_build.build_site(config, T0)
    (frozen,) = seen
    assert frozen > 10_000  # the history view and snapshot: out of the collector's walk
    assert gc.get_freeze_count() == 0
