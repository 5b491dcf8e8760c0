"""A long-running server gives the memory a pass or a build freed back to the OS, so its
RSS follows its live data, not the high-water mark of every build so far."""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest

import statusgen.server.scheduler as scheduler_module
from statusgen.clock import FixedClock
from statusgen.server.context import ServerContext
from statusgen.server.live import LiveState
from statusgen.server.memory import release_free_memory
from statusgen.server.scheduler import Scheduler
from statusgen.server.tokens import ReporterToken, state_dir
from tests.server_support import make_project

MIB = 2**20


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_memory_freed_in_a_worker_thread_goes_back_to_the_os() -> None:
    seen: dict[str, int | bool] = {}

    def build_like() -> None:  # as a build in a worker thread: 60 MB, most of it freed
        blocks = [bytes(1000) + bytes([i % 256]) for i in range(60_000)]
        kept = blocks[::10]  # what stays alive is spread over the heap: no top to trim
        del blocks
        seen["freed"] = rss()
        seen["released"] = release_free_memory()
        seen["after"] = rss()
        seen["kept"] = len(kept)

    worker = threading.Thread(target=build_like)
    worker.start()
    worker.join()
    if not seen["released"]:
        pytest.skip("not glibc: nothing to give back with")
    assert int(seen["freed"]) - int(seen["after"]) > 15 * MIB


def test_a_build_is_followed_by_a_release_in_the_thread_that_ran_it(
    tmp_path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_project(tmp_path)
    directory = state_dir(config)
    ctx = ServerContext(
        config, clock, LiveState(config, started=clock()), ReporterToken(directory), directory
    )
    built: list[int] = []
    released: list[int] = []
    done = threading.Event()

    def builder(*_: object) -> dict[str, bytes]:
        built.append(threading.get_ident())
        return {}

    def release() -> bool:
        released.append(threading.get_ident())
        done.set()
        return True

    monkeypatch.setattr(scheduler_module, "release_free_memory", release)
    scheduler = Scheduler(ctx, builder=builder)

    async def main() -> None:
        await scheduler.start()  # the first build is not debounced
        try:
            assert await asyncio.to_thread(done.wait, 30)
        finally:
            await scheduler.stop()

    asyncio.run(main())
    assert built and released[0] == built[0] != threading.get_ident()
