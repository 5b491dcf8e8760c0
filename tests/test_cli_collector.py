"""A command's start-up runs with the cyclic garbage collector paused and what it made
then frozen (statusgen.cli.starting, issue 14); whatever the command, the process gets
its collector back as it was, with nothing left frozen, so a cycle made before a command
is still collected after it."""

from __future__ import annotations

import gc
import weakref

import pytest
from click.testing import CliRunner

from statusgen.cli import main

NOW = ["--now", "2026-11-23T12:00:00Z"]


class Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def commands(config: str) -> list[list[str]]:
    return [["check", "-c", config], ["build", "-c", config, *NOW], ["build", "-c", config]]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_a_cycle_made_before_a_command_is_collected_after_it(project, which):
    config = str(project())
    cycle = Cycle()
    gone = weakref.ref(cycle)
    del cycle
    result = CliRunner().invoke(main, commands(config)[which])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gone() is None


def test_a_collector_switched_off_by_the_caller_stays_off(project):
    config = str(project())
    gc.disable()
    try:
        for args in commands(config):
            assert CliRunner().invoke(main, args).exit_code == 0
            assert not gc.isenabled()
    finally:
        gc.enable()
    assert gc.get_freeze_count() == 0


def test_a_failing_check_gives_the_collector_back(project):
    config = project('[page]\nname = "x"\nnot_a_key = 1\n')
    result = CliRunner().invoke(main, ["check", "-c", str(config)])
    assert result.exit_code == 2, result.output
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
