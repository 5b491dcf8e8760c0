"""The README documents every command and every config key: adding one without docs fails."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from pydantic import BaseModel

from statusgen.cli import main
from statusgen.config import Config
from statusgen.validation import _inner_model

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


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


@pytest.mark.parametrize("command", command_paths(main))
def test_every_command_is_in_the_readme(command):
    assert command in README


@pytest.mark.parametrize("key", config_keys(Config))
def test_every_config_key_is_in_the_readme(key):
    assert re.search(rf"`[^`]*\b{re.escape(key.rsplit('.', 1)[-1])}\b[^`]*`", README), key
