"""The data branch (history.branch) on real git: a bare origin and clones of it, each with
the branch checked out in its own worktree folder by statusgen.history.branch."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from statusgen.config import load_config
from statusgen.errors import StatusgenError
from statusgen.history import branch as data
from statusgen.history import open_store
from tests.conftest import MINIMAL_CONFIG, T0, write_project

BRANCH_CONFIG = MINIMAL_CONFIG.replace("[page]", '[history]\nbranch = "status-data"\n\n[page]')
IDENTITY = ["-c", "user.name=T", "-c", "user.email=t@example.com"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(cwd), *IDENTITY, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def origin(tmp_path):
    """A bare origin holding main with a data-branch config, and a function cloning it."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    first = tmp_path / "first"
    git(tmp_path, "init", "-q", "-b", "main", str(first))
    write_project(first, BRANCH_CONFIG)
    git(first, "add", "-A")
    git(first, "commit", "-q", "-m", "page")
    git(first, "remote", "add", "origin", str(bare))
    git(first, "push", "-q", "origin", "main")

    def clone(name: str):
        git(tmp_path, "clone", "-q", str(bare), str(tmp_path / name))
        return load_config(tmp_path / name / "config" / "statusgen.toml")

    return bare, clone


def append(config, minutes: int, status: str = "h") -> None:
    line = (
        f'{{"n":{{"web/site":"{status}"}},"p":"{status}",'
        f'"r":{{"web/site/a":["{status}",5]}},"s":{{"web":"{status}"}},'
    )
    t = (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    raw = config.history_dir / "samples" / "main" / f"{t[:10]}.jsonl"
    raw.parent.mkdir(parents=True, exist_ok=True)
    with raw.open("a") as handle:
        handle.write(line + f'"t":"{t}"}}\n')


def lines_at(bare: Path, day: str = "2026-11-23") -> list[str]:
    return git(bare, "show", f"status-data:history/samples/main/{day}.jsonl").splitlines()


def test_first_use_starts_the_branch_and_a_fresh_clone_fetches_it(origin):
    bare, clone = origin
    a = clone("a")
    open_store(a)  # first use: the branch is started, in a worktree folder of its own
    worktree = a.root / ".status-data"
    assert (worktree / ".git").is_file() and a.history_dir == worktree / "history"
    assert a.notify_state_file == worktree / "history" / "notify-state.json"
    append(a, 0)
    report = data.push(a, "pass 1", pause=lambda _: None)
    assert report.committed and report.pushed, report.message
    assert git(a.root, "status", "--porcelain") == ""  # main sees nothing of it
    assert git(bare, "rev-list", "--count", "main") == "1"
    assert len(lines_at(bare)) == 1
    assert "merge=union" in git(bare, "show", "status-data:.gitattributes")

    b = clone("b")  # a fresh clone: the branch is fetched on first use
    assert data.ensure_worktree(b) == b.root / ".status-data"
    raw = b.history_dir / "samples" / "main" / "2026-11-23.jsonl"
    assert raw.read_text().splitlines() == lines_at(bare)
    assert data.push(b, "nothing new").message == "status-data: nothing to push"


def test_a_rejected_writer_replays_its_own_commit_and_both_passes_stay(origin):
    bare, clone = origin
    a, b = clone("a"), clone("b")
    data.ensure_worktree(a)
    data.push(a, "start", pause=lambda _: None)
    data.ensure_worktree(b)
    append(a, 5)
    append(b, 10)  # the same day file: the lines merge by union
    pauses: list[float] = []
    assert data.push(a, "a's pass", pause=pauses.append).attempts == 1
    report = data.push(b, "b's pass", pause=pauses.append)
    assert report.pushed and report.attempts == 2 and pauses == [1], report.message
    assert sorted(lines_at(bare)) == sorted(
        (a.history_dir / "samples/main/2026-11-23.jsonl").read_text().splitlines()
        + (b.history_dir / "samples/main/2026-11-23.jsonl").read_text().splitlines()[-1:]
    )
    assert len(lines_at(bare)) == 2
    assert git(bare, "log", "--format=%s", "status-data").splitlines()[:2] == [
        "b's pass",
        "a's pass",
    ]


def test_on_a_conflict_the_writer_keeps_its_state_and_a_sealed_day_stays_first(origin):
    bare, clone = origin
    a, b = clone("a"), clone("b")
    data.ensure_worktree(a)
    data.push(a, "start", pause=lambda _: None)
    data.ensure_worktree(b)
    for config, who in ((a, "a"), (b, "b")):
        (config.history_dir / "days").mkdir(parents=True)
        (config.history_dir / "days" / "2026-11-22.json").write_text(f'{{"by": "{who}"}}\n')
        config.notify_state_file.write_text(f'{{"by": "{who}"}}\n')
    data.push(a, "a", pause=lambda _: None)
    report = data.push(b, "b", pause=lambda _: None)
    assert report.pushed and report.attempts == 2, report.message
    assert '"a"' in git(bare, "show", "status-data:history/days/2026-11-22.json")
    assert '"b"' in git(bare, "show", "status-data:history/notify-state.json")
    assert git(b.data_dir, "status", "--porcelain") == ""


def test_squash_once_a_day_and_a_writer_behind_it_adds_no_line_twice(origin):
    bare, clone = origin
    a, b = clone("a"), clone("b")
    data.ensure_worktree(a)
    for minutes in range(3):
        append(a, minutes)
        data.push(a, f"pass {minutes}", pause=lambda _: None)
    data.ensure_worktree(b)  # b has the three passes, then writes one of its own
    append(b, 30, "d")
    data.commit(b, "b's pass")
    # The squash goes by the commits' own (real) dates.
    today = datetime.now(UTC)
    assert data.squash(a, today) == "status-data: squashed today already"
    tree = git(bare, "rev-parse", "status-data^{tree}")
    tomorrow = today + timedelta(days=1)
    assert data.squash(a, tomorrow).startswith("status-data: squashed to one commit")
    assert git(bare, "rev-list", "--count", "status-data") == "1"
    assert git(bare, "rev-parse", "status-data^{tree}") == tree  # same files
    assert data.squash(a, tomorrow).endswith("squashed today already")
    # b's commit sits on the old history: it is replayed alone on the squashed branch.
    report = data.push(b, "b's pass", pause=lambda _: None)
    assert report.pushed, report.message
    assert len(lines_at(bare)) == 4 and len(set(lines_at(bare))) == 4
    assert git(bare, "rev-list", "--count", "status-data") == "2"


def test_squash_gives_way_to_a_writer_that_pushed_meanwhile(origin, monkeypatch):
    bare, clone = origin
    a, b = clone("a"), clone("b")
    data.ensure_worktree(a)
    append(a, 0)
    data.push(a, "a", pause=lambda _: None)
    data.ensure_worktree(b)
    append(b, 5)
    data.push(b, "b", pause=lambda _: None)
    # a's squash starts from what it fetched before b pushed: the lease refuses it.
    monkeypatch.setattr(data, "fetch", lambda _data: True)
    report = data.squash(a, datetime.now(UTC) + timedelta(days=1))
    assert report.startswith("status-data: not squashed"), report
    assert git(bare, "log", "-1", "--format=%s", "status-data") == "b"
    assert len(lines_at(bare)) == 2


@pytest.mark.parametrize(
    ("worktree", "problem"),
    [
        ("output/data", "history.worktree: 'output/data' is inside output"),
        ("config", "history.worktree: 'config' is the config"),
        (".statusgen", "history.worktree: '.statusgen' is server.state_dir"),
    ],
)
def test_the_worktree_is_a_folder_of_its_own(tmp_path, worktree, problem):
    text = BRANCH_CONFIG.replace('branch = "status-data"', f'branch = "d"\nworktree = "{worktree}"')
    with pytest.raises(StatusgenError, match=re.escape(problem)):
        load_config(write_project(tmp_path, text))


def test_a_lock_taken_before_first_use_does_not_block_the_worktree(origin):
    _, clone = origin
    a = clone("a")
    (a.history_dir).mkdir(parents=True)
    (a.history_dir / ".lock").write_text("")  # e.g. the management API locks the history
    assert (data.ensure_worktree(a) / ".git").is_file()
    (a.root / "elsewhere").mkdir()
    (a.root / "elsewhere" / "notes.txt").write_text("mine")
    b = a.model_copy(update={"history": a.history.model_copy(update={"worktree": "elsewhere"})})
    b._root, b._path = a.root, a.path
    with pytest.raises(StatusgenError, match="'elsewhere' exists and is not a checkout"):
        data.ensure_worktree(b)
    assert (a.root / "elsewhere" / "notes.txt").read_text() == "mine"


def test_a_data_branch_outside_a_repository_is_a_clear_error(tmp_path):
    config = load_config(write_project(tmp_path, BRANCH_CONFIG))
    with pytest.raises(StatusgenError, match=r"history.branch = 'status-data'.*git init"):
        open_store(config)


def test_raw_days_are_packed_on_the_data_branch_and_stay_plain_on_main(origin, tmp_path):
    _, clone = origin
    assert open_store(clone("packs")).pack is True  # squashed daily: old blobs go
    write_project(tmp_path / "plain", MINIMAL_CONFIG)
    config = load_config(tmp_path / "plain" / "config" / "statusgen.toml")
    assert open_store(config).pack is False  # on main every blob stays in git
