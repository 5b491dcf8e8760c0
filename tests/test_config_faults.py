"""The config fault suite: every file in tests/faults/configs/ is a broken config.

For each, `check`, `build` and `run` exit 2 with one line per problem naming the config
file and the key (each `# expect:` line of the case), never print a secret (`# secret:`
lines; `# env:` lines set the environment), and leave `output/` and `history/`
byte-identical. `# symlink: A -> B` plants a link in the project first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .fault_support import FAULTS, run_cli, snapshot, template_project

CASES = sorted((FAULTS / "configs").glob("*.toml"))


def directives(text: str, name: str) -> list[str]:
    prefix = f"# {name}: "
    return [line[len(prefix) :] for line in text.splitlines() if line.startswith(prefix)]


def test_the_suite_holds_at_least_40_configs():
    assert len(CASES) >= 40


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template_project(tmp_path_factory.mktemp("template"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_a_broken_config_is_reported_and_changes_nothing(case: Path, template: Path, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(template, root, symlinks=True)
    text = case.read_text(encoding="utf-8")
    config = root / "config" / "statusgen.toml"
    config.write_text(text, encoding="utf-8")
    for link in directives(text, "symlink"):
        source, target = (part.strip() for part in link.split("->"))
        (root / source).parent.mkdir(parents=True, exist_ok=True)
        (root / source).symlink_to(target)
    env = dict(line.split("=", 1) for line in directives(text, "env"))
    expected = directives(text, "expect")
    secrets = directives(text, "secret")
    before = snapshot(root)
    for command in (["check"], ["build"], ["run", "--no-notify"]):
        result = run_cli(root, command, env)
        assert result.exit_code == 2, (command, result.output)
        lines = result.stderr.removeprefix("Error: ").strip().splitlines()
        assert len(lines) == len(expected), (command, lines)
        for want in expected:
            assert any(want in line for line in lines), (command, want, lines)
        for line in lines:
            assert line.startswith("config/statusgen.toml"), line
            assert len(line) < 600, line[:200]
        for secret in secrets:
            assert secret not in result.output
    assert snapshot(root) == before
