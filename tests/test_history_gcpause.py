"""The collector paused while a build reads the history (statusgen/history/gcpause.py):
off inside, back as it was after, however pauses nest or overlap across threads."""

from __future__ import annotations

import gc
import threading

import pytest

from statusgen.history import collector_paused


@pytest.fixture(autouse=True)
def collector_restored():
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


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


def test_overlapping_pauses_in_threads_switch_it_back_on_once_the_last_ends():
    gc.enable()
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        assert inside.wait(10)
    assert not gc.isenabled()  # the other thread still reads
    leave.set()
    thread.join(10)
    assert gc.isenabled()
