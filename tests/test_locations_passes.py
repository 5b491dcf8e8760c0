"""Passes carried as folders (the workflow's artifacts): `statusgen probe --location ID
--out DIR` writes a location's pass in the history's layout, `statusgen data import`
appends any number of them to the history (twice changes nothing), a damaged folder is
quarantined and never stops the others, and `statusgen build` shows the merge."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from statusgen.cli import main
from statusgen.history.passes import read_folder

from .conftest import write_project
from .locations_support import up_and_down, up_and_down_config


@pytest.fixture
def config(tmp_path):
    """A project probing a port that accepts (up) and one that refuses (down)."""
    with up_and_down() as ports:
        yield write_project(tmp_path, up_and_down_config("Carried", ports))


def cli(*args: object, code: int = 0) -> str:
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exit_code == code, result.output
    return result.output


def lines_of(folder: Path) -> dict[str, int]:
    """writer -> how many pass lines its files hold."""
    return {
        path.parent.name: len(path.read_text().splitlines())
        for path in folder.glob("samples/*/*.jsonl")
    }


def test_locations_carry_passes_as_folders_and_the_import_merges_them(tmp_path, config):
    downloads = tmp_path / "downloads"
    cli("probe", "-c", config, "--location", "a", "--out", downloads / "pass-a")
    for shard in ("1/2", "2/2"):
        name = f"pass-b-{shard.replace('/', '-of-')}"
        cli("probe", "-c", config, "--location", "b", "--shard", shard, "--out", downloads / name)
    history = tmp_path / "history"
    assert not (history / "samples").exists()  # --out writes the folder, not the history
    assert lines_of(downloads / "pass-a") == {"a": 1}
    assert lines_of(downloads / "pass-b-2-of-2") == {"b.2-2": 1}
    (good,) = (downloads / "pass-a").glob("samples/a/*.jsonl")
    day = good.name

    def damaged(name: str, writer: str, data: bytes) -> None:
        path = downloads / name / "samples" / writer / day
        path.parent.mkdir(parents=True)
        path.write_bytes(data)

    damaged("pass-not-json", "a", good.read_bytes() + b"{nope\n")
    damaged("pass-partial", "b", good.read_bytes()[:-20])  # the job stopped mid-write
    damaged("pass-stranger", "zz", good.read_bytes())  # no such location
    (downloads / "pass-empty").mkdir()  # an upload that found no files

    output = cli("data", "import", "-c", config, downloads)
    assert "imported 3 pass(es) from 7 folder(s) (0 already in the history, 4 quarantined)" in (
        output
    )
    assert f"pass-not-json/samples/a/{day}: line 2: not JSON; the folder is quarantined" in output
    assert f"pass-partial/samples/b/{day}: an unfinished last line" in output
    assert "'zz' is not a writer of a configured location" in output
    assert "pass-empty: not a pass folder" in output
    assert lines_of(history) == {"a": 1, "b.1-2": 1, "b.2-2": 1}
    aside = sorted(p.name.split("~")[0] for p in (history / "corrupt" / "imports").iterdir())
    assert aside == ["pass-not-json", "pass-partial", "pass-stranger"]  # nothing to copy: empty

    # A re-run of the final job (or one folder given directly) appends nothing twice.
    again = cli("data", "import", "-c", config, downloads, downloads / "pass-a")
    assert "imported 0 pass(es) from 8 folder(s) (4 already in the history, 4 quarantined)" in (
        again
    )
    assert lines_of(history) == {"a": 1, "b.1-2": 1, "b.2-2": 1}

    cli("build", "-c", config)
    document = json.loads((tmp_path / "output" / "api" / "v1" / "status.json").read_text())
    (node,) = document["services"][0]["nodes"]
    # the down replica is dead from both locations (Beta's from one of its shards): a
    # quorum of 2; with the up replica healthy the node is sick, from each location too
    assert [(x["label"], x["health"]) for x in node["replicas"]] == [
        ("up", "healthy"),
        ("down", "dead"),
    ]
    assert [(x["name"], x["health"]) for x in node["locations"]] == [
        ("Alpha", "sick"),
        ("Beta", "sick"),
    ]


def test_out_is_one_way_to_deliver_a_location_pass(tmp_path, config):
    out = tmp_path / "out"
    usage = cli("probe", "-c", config, "--out", out, code=2)
    assert "--out needs --location" in usage
    both = cli("probe", "-c", config, "--location", "a", "--out", out, "--push", code=2)
    assert "pick one way to deliver the pass" in both
    assert not out.exists()
    missing = cli("data", "import", "-c", config, tmp_path / "nowhere", code=2)
    assert "does not exist" in missing
    shutil.rmtree(tmp_path / "history", ignore_errors=True)


def test_a_damaged_folder_alone_is_quarantined_inside_the_data_branch(tmp_path):
    """The quarantine is the first write of the import: it must land in the data branch's
    worktree, not in a plain folder where the worktree belongs (which would stop every
    later command)."""
    from .test_data_branch import BRANCH_CONFIG, git
    from .test_locations_probe import LOCATIONS

    page = tmp_path / "page"
    git(tmp_path, "init", "-q", "-b", "main", str(page))
    config = write_project(page, BRANCH_CONFIG + LOCATIONS)
    git(page, "add", "-A")
    git(page, "commit", "-q", "-m", "page")
    damaged = tmp_path / "passes" / "pass-fra" / "samples" / "fra" / "2026-12-03.jsonl"
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b'{"t":"2026-12-03T10:00:00Z"')  # cut short
    output = cli("data", "import", "-c", config, tmp_path / "passes")
    assert "(0 already in the history, 1 quarantined)" in output
    worktree = page / ".status-data"
    assert git(worktree, "rev-parse", "--abbrev-ref", "HEAD") == "status-data"
    (aside,) = (worktree / "history" / "corrupt" / "imports").iterdir()
    assert (aside / "samples" / "fra" / "2026-12-03.jsonl").read_bytes() == damaged.read_bytes()
    cli("data", "push", "-c", config)  # the worktree is the data branch's: it commits


def test_a_pass_folder_with_a_line_nested_too_deeply_is_refused_not_raised(tmp_path):
    # json.loads raised RecursionError (not ValueError) for 2,000 nested brackets: one such
    # artifact stopped `statusgen data import` instead of being quarantined with a reason.
    path = tmp_path / "pass-deep" / "samples" / "a" / "2026-11-23.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"[" * 2000 + b"]" * 2000 + b"\n")
    with pytest.raises(ValueError, match="line 1: not JSON"):
        read_folder(tmp_path / "pass-deep", {"a"})
