"""The content fault suite: every file under tests/faults/content/<kind>/ is a broken
incident, announcement or maintenance file; tests/faults/content/expect.toml lists the
problems each must produce.

Dropped into a valid project, each makes `check`, `build` and `run` exit 2 with one line
per problem naming the file and line, and leaves `output/` and `history/` byte-identical.

"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from .fault_support import FAULTS, run_cli, snapshot, template_project

CONTENT = FAULTS / "content"
EXPECT: dict[str, list[str]] = tomllib.loads((CONTENT / "expect.toml").read_text())
# Made here rather than checked in: 2 MiB, and bytes that are not UTF-8 (which the
# linters would choke on).
GENERATED = {
    "incidents/too-large.md": ("---\ntitle: Huge\n---\n\n" + "x" * (2 << 20)).encode(),
    "incidents/not-utf8.md": b"---\ntitle: caf\xe9\n---\n",
}
EXPECT["incidents/too-large.md"] = ["incidents/too-large.md:1: file is 2.0 MiB; expected at most"]
EXPECT["incidents/not-utf8.md"] = ["incidents/not-utf8.md:1: not UTF-8 text"]


def test_the_suite_holds_at_least_20_content_files():
    assert len(EXPECT) >= 20
    on_disk = {str(p.relative_to(CONTENT)) for p in CONTENT.glob("*/*")}
    assert on_disk == set(EXPECT) - set(GENERATED)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_project(tmp_path_factory.mktemp("template"))


@pytest.mark.parametrize("rel", sorted(EXPECT))
def test_a_broken_content_file_is_reported_and_changes_nothing(rel: str, template, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(template, root, symlinks=True)
    target = root / "config" / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if rel in GENERATED:
        target.write_bytes(GENERATED[rel])
    else:
        shutil.copyfile(CONTENT / rel, target)
    before = snapshot(root)
    for command in (["check"], ["build"], ["run", "--no-notify"]):
        result = run_cli(root, command)
        assert result.exit_code == 2, (command, result.output)
        lines = result.stderr.removeprefix("Error: ").strip().splitlines()
        assert len(lines) == len(EXPECT[rel]), (command, lines)
        for want in EXPECT[rel]:
            assert any(line.startswith("config/" + want) for line in lines), (want, lines)
        for line in lines:
            assert len(line) < 600, line[:200]
    assert snapshot(root) == before
