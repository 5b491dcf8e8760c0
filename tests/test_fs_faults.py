"""File system faults during `probe`, `run` and `build` (issue 12 item 9): an unwritable,
read-only or full history keeps the pass in the spool and says where and why (exit 1);
a folder where a history file belongs; staging paths in the way; an immutable `output/`;
a full disk during a build; a clock that steps backwards. Never a traceback, nothing
half-written, no leftovers piling up."""

from __future__ import annotations

import json
import os
import shutil
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from statusgen.clock import FixedClock, iso, system_clock
from statusgen.config import load_config
from statusgen.content import load_content
from statusgen.errors import FileSystemError
from statusgen.history import open_store
from statusgen.run import record_pass, run_all
from statusgen.site import build_site
from tests.conftest import T0, write_project
from tests.fault_support import run_cli
from tests.fs_support import fill, immutable, listing, read_only, tmpfs

CONFIG = """
[page]
name = "Faults"

[[services]]
id = "web"
name = "Web"

[[services.nodes]]
id = "site"
label = "Site"
replicas = ["tcp://127.0.0.1:9"]
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A project probed once today (the CLI's clock) and built."""
    write_project(tmp_path, CONFIG)
    for command in (["probe", "--no-notify"], ["build"]):
        result = run_cli(tmp_path, command)
        assert result.exit_code == 0, result.output
    return tmp_path


def day_file(root: Path) -> Path:
    return root / "history" / "samples" / "main" / f"{system_clock().date()}.jsonl"


def spool(root: Path) -> Path:
    return root / ".statusgen" / "history-spool" / "main.jsonl"


def probe(root: Path):
    return run_cli(root, ["probe", "--no-notify"])


def assert_refused(result, path: Path, reason: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("Error:")]
    assert str(path) in line and reason in line, line


def assert_spooled_then_appended(root: Path, before: bytes, refused: int) -> None:
    """The refused passes wait in the spool; the next pass that can write appends them
    first, then its own, and empties the spool."""
    assert day_file(root).read_bytes() == before  # nothing half-written
    assert len(spool(root).read_bytes().splitlines()) == refused
    result = probe(root)
    assert result.exit_code == 0, result.output
    added = day_file(root).read_bytes()[len(before) :].splitlines()
    assert len(added) == refused + 1
    assert not spool(root).exists()


def test_a_day_file_that_is_a_folder_keeps_the_pass_and_build_names_it(root):
    path = day_file(root)
    before = path.read_bytes()
    path.rename(root / "aside.jsonl")
    path.mkdir()
    result = probe(root)
    assert_refused(result, path, "is a folder, not a file")
    assert str(spool(root)) in result.output
    built = run_cli(root, ["build"])  # the reader skips it and says so
    assert built.exit_code == 0, built.output
    assert f"{path}: is not a file; skipped" in built.output
    path.rmdir()
    (root / "aside.jsonl").rename(path)
    assert_spooled_then_appended(root, before, refused=1)


def test_an_immutable_day_file_keeps_the_pass(root):
    path = day_file(root)
    before = path.read_bytes()
    with immutable(path):
        for _ in range(2):
            assert_refused(probe(root), path, "operation not permitted")
    assert_spooled_then_appended(root, before, refused=2)


def test_a_read_only_history_keeps_the_pass(root):
    before = day_file(root).read_bytes()
    with read_only(root / "history"):
        result = run_cli(root, ["run"])
        assert_refused(result, day_file(root), "read-only file system")
    assert_spooled_then_appended(root, before, refused=1)


def test_a_pass_neither_the_history_nor_the_spool_takes_is_reported_lost(root):
    spool(root).parent.mkdir()
    with read_only(root / "history"), immutable(spool(root).parent):
        result = probe(root)
    assert_refused(result, day_file(root), "the pass is lost")


def test_a_full_disk_during_an_append_leaves_no_partial_line(tmp_path):
    config = load_config(write_project(tmp_path, CONFIG))
    clock = FixedClock(T0)
    with tmpfs(tmp_path / "history", "64k") as history:
        store = open_store(config)
        path = store.samples_dir / "main" / f"{T0.date()}.jsonl"
        # Passes until the file's last 4 KiB page has less room than a line: the next
        # append then fits in part, the case that would leave half a line.
        while True:
            outcome = record_pass(config, [], clock)
            line = len(path.read_bytes().splitlines()[-1]) + 1
            if 4096 - path.stat().st_size % 4096 < line:
                break
            clock.advance(60)
        before = path.read_bytes()
        filler = fill(history)
        clock.advance(60)
        with pytest.raises(FileSystemError) as refused:
            run_all(config, clock, notify=False, build=False)
        message = str(refused.value)
        assert f"{path}: cannot append the pass" in message and "no space left" in message
        assert path.read_bytes() == before
        assert refused.value.exit_code == 1
        filler.unlink()
        clock.advance(60)
        outcome = run_all(config, clock, notify=False, build=False).outcome
        assert outcome.history_file == path
        added = [json.loads(x)["t"] for x in path.read_bytes()[len(before) :].splitlines()]
        assert added == [iso(clock() - timedelta(minutes=1)), iso(clock())]


def test_a_full_disk_during_a_build_keeps_the_previous_site_and_leaves_nothing(tmp_path):
    with tmpfs(tmp_path / "p", "1m") as root:
        config = load_config(write_project(root, CONFIG))
        record_pass(config, [], FixedClock(T0))
        build_site(config, T0)
        before = listing(root)
        filler = fill(root)
        before[".filler"] = filler.read_bytes()
        for _ in range(2):
            with pytest.raises(FileSystemError) as refused:
                build_site(config, T0 + timedelta(minutes=5))
            assert "no space left" in str(refused.value)
            assert "output/ still shows the previous site" in str(refused.value)
            assert listing(root) == before


@pytest.mark.parametrize(
    ("in_the_way", "exit_code"),
    [
        (".statusgen/output.spare", 0),  # the old writer's staging tree: removed
        (".statusgen/sites", 0),  # a file where the versions go: replaced
        (".statusgen/build", 1),  # the build lock's folder
        (".statusgen", 1),  # the state folder itself
    ],
)
def test_a_file_in_place_of_a_staging_folder(root, in_the_way, exit_code):
    target = root / in_the_way
    if target.is_dir():
        shutil.rmtree(target)
    target.write_text("in the way")
    site = listing(root / "output")
    result = run_cli(root, ["build"])
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    if exit_code:
        assert f"{target}" in result.output and "in the way" in result.output
        assert listing(root / "output") == site


def test_an_immutable_output_folder_fails_every_build_and_leaves_nothing(root):
    output = root / "output"
    output.unlink()
    output.mkdir()
    (output / "index.html").write_text("the old site")
    before = listing(root)
    with immutable(output):
        for _ in range(3):
            result = run_cli(root, ["build"])
            assert_refused(result, output, "operation not permitted")
            assert "output/ still shows the previous site" in result.output
            assert listing(root) == before  # no .output.link-*, .output.old-*, site-*
    result = run_cli(root, ["build"])
    assert result.exit_code == 0, result.output
    assert output.is_symlink()
    assert not [p for p in root.iterdir() if p.name.startswith(".output")]


def test_a_clock_that_steps_backwards(tmp_path):
    """Passes at 12:00 and 12:05 find the node down (announced and opened as an
    incident after two passes); then the clock steps back an hour and the node is up.
    The history takes the out-of-order line, the incident resolves, the notifier
    announces the recovery and the page shows the node up."""
    text = CONFIG + "\n[content]\nauto_incidents = true\n\n[notify]\ndead_after_passes = 2\n"
    text += "recovered_after_passes = 1\n"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    config = load_config(write_project(tmp_path, text.replace("127.0.0.1:9", f"127.0.0.1:{port}")))
    clock = FixedClock(T0)
    try:
        run_all(config, clock)  # up
        listener.close()
        for _ in range(2):
            clock.advance(minutes=5)
            run_all(config, clock)  # down, down: announced
        (incident,) = load_content(config).incidents
        assert incident.status == "investigating"
        listener = socket.socket()
        listener.bind(("127.0.0.1", port))
        listener.listen(8)
        clock.now = T0 - timedelta(hours=1)
        run = run_all(config, clock)
    finally:
        listener.close()
    assert run.outcome.evaluation.page.value == "healthy"
    times = [line["t"] for line in open_store(config).passes()]
    assert len(times) == 4 and times == sorted(times)  # read back in time order
    (incident,) = load_content(config).incidents
    assert incident.status == "resolved"
    assert run.notify is not None
    (recovery,) = [t for t in run.notify.transitions if t.key == "web/site"]
    assert recovery.kind == "recovered" and recovery.duration == 0  # never negative
    index = (config.output_dir / "api" / "v1" / "status.json").read_text()
    assert '"healthy"' in index


def test_the_spool_is_private_to_the_state_folder(root):
    path = day_file(root)
    with immutable(path):
        probe(root)
    assert oct(os.stat(spool(root)).st_mode & 0o777) == oct(0o600)
