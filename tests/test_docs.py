"""The docs site documents every command and every config key, and lists every page in its
nav: adding a command, a key or a page without docs fails."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import click
import pytest
import yaml
from pydantic import BaseModel

from statusgen.cli import load_commands
from statusgen.config import Config
from statusgen.validation import _inner_model
from tests.docs_support import DOCS, ROOT, doc_pages, docs_text

DOCS_TEXT = docs_text()


def command_paths(command: click.Command, prefix: tuple[str, ...] = ()) -> list[str]:
    if isinstance(command, click.Group):
        return [
            path
            for name, sub in sorted(command.commands.items())
            for path in command_paths(sub, (*prefix, name))
        ]
    return ["statusgen " + " ".join(prefix)]


def config_keys(model: type[BaseModel], prefix: str = "", seen: set | None = None) -> list[str]:
    seen = set() if seen is None else seen
    keys = []
    for name, field in model.model_fields.items():
        keys.append(f"{prefix}{name}")
        inner = _inner_model(field.annotation)
        if inner is not None and inner not in seen:
            seen.add(inner)
            keys += config_keys(inner, f"{prefix}{name}.", seen)
    return keys


def nav_pages(nav: list) -> list[str]:
    """The page files a mkdocs nav names, however deeply it nests sections."""
    pages = []
    for entry in nav:
        for value in entry.values() if isinstance(entry, dict) else [entry]:
            pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


@pytest.mark.parametrize("command", command_paths(load_commands()))
def test_every_command_is_in_the_docs(command):
    assert command in DOCS_TEXT


@pytest.mark.parametrize("key", config_keys(Config))
def test_every_config_key_is_in_the_docs(key):
    assert re.search(rf"`[^`]*\b{re.escape(key.rsplit('.', 1)[-1])}\b[^`]*`", DOCS_TEXT), key


def test_every_docs_page_is_in_the_nav_and_every_nav_entry_is_a_page():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["docs_dir"] == DOCS.name
    nav = nav_pages(config["nav"])
    assert sorted(nav) == sorted(page.name for page in doc_pages())
    assert len(set(nav)) == len(nav), "a page is in the nav twice"


def mkdocs_build(root) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "built")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )


def copy_docs(tmp_path):
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(DOCS, tmp_path / DOCS.name)
    return tmp_path / DOCS.name


def test_the_docs_build_strictly(tmp_path):
    copy_docs(tmp_path)
    result = mkdocs_build(tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "breakage, warning",
    [
        (("configuration.md", "(health.md)", "(healht.md)"), "'healht.md'"),
        (("site.md", "(configuration.md#page)", "(configuration.md#pgae)"), "'#pgae'"),
    ],
    ids=["broken link", "broken anchor"],
)
def test_a_broken_link_or_a_page_left_out_of_the_nav_fails_the_build(tmp_path, breakage, warning):
    docs = copy_docs(tmp_path)
    (docs / "orphan.md").write_text("# Not in the nav\n", encoding="utf-8")
    page, old, new = breakage
    text = (docs / page).read_text(encoding="utf-8")
    assert old in text
    (docs / page).write_text(text.replace(old, new), encoding="utf-8")
    result = mkdocs_build(tmp_path)
    assert result.returncode != 0
    assert warning in result.stderr
    assert "orphan.md" in result.stderr


def test_ci_builds_the_docs_strictly_and_without_quieting_the_warnings():
    lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if "mkdocs" in line]
    build = [line for line in lines if not line.lstrip().startswith("#")]
    assert len(build) == 1 and "--strict" in build[0]
    assert not {"-q", "--quiet", "-v", "--verbose"} & set(build[0].split())
