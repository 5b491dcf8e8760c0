"""One content file split into its YAML front matter and Markdown body, with line numbers.

The front matter is parsed with python-frontmatter's YAML handler (safe loading only);
the same YAML is composed once more to learn on which line each key and list item sits,
so every problem can name `file:line`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ValidationError

from statusgen.content.timeline import normalise_newlines
from statusgen.validation import describe_error

HANDLER = frontmatter.YAMLHandler()
# libyaml's safe loader when it is there (several times faster), else PyYAML's own.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# One incident, announcement or maintenance file: a long post-mortem is tens of KiB; a
# 20 MB body would take half a GB to render and publish (docs/configuration.md).
MAX_CONTENT_BYTES = 1 << 20


def _too_large(name: str, size: int) -> str:
    return (
        f"{name}:1: file is {size / (1 << 20):.1f} MiB; expected at most 1 MiB per content "
        "file (split it, or link to a longer write-up)"
    )


@dataclass
class Source:
    """A content file's front matter `data`, its `body` and where things are in it."""

    name: str
    data: dict[str, Any]
    body: str
    body_line: int
    end_line: int = 1  # the closing `---`
    front_line: int = 1
    key_lines: dict[str, int] = field(default_factory=dict)
    item_lines: dict[str, list[int]] = field(default_factory=dict)

    def line_of(self, loc: tuple[int | str, ...]) -> int:
        """The line of a key (or list item) path, else of the opening `---`."""
        if not loc or not isinstance(loc[0], str) or loc[0] not in self.key_lines:
            return self.front_line
        items = self.item_lines.get(loc[0], [])
        if len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(items):
            return items[loc[1]]
        return self.key_lines[loc[0]]

    def problem(self, loc: tuple[int | str, ...] | int, message: str) -> str:
        line = loc if isinstance(loc, int) else self.line_of(loc)
        return f"{self.name}:{line}: {message}"

    def key_problem(self, key: str, message: str, index: int | None = None) -> str:
        """`file:line: key: message`, or `key[index]` for a list item."""
        loc: tuple[int | str, ...] = (key,) if index is None else (key, index)
        label = key if index is None else f"{key}[{index}]"
        return self.problem(loc, f"{label}: {message}")

    def validate(self, model: type[BaseModel]) -> tuple[Any, list[str]]:
        """The front matter as `model`, or None and one problem per pydantic error."""
        try:
            return model.model_validate(self.data), []
        except ValidationError as exc:
            problems: list[str] = []
            for error in exc.errors(include_url=False):
                line = self.problem(tuple(error["loc"]), describe_error(error, self.data, model))
                if line not in problems:
                    problems.append(line)
            return None, problems


def read_source(path: Path, name: str, text: str | None = None) -> tuple[Source | None, list[str]]:
    """Split and parse `path` (shown as `name` in problems), or `text` as if it were in
    `path` (writers check what they are about to write)."""
    if text is None:
        try:
            size = path.stat().st_size
            if size > MAX_CONTENT_BYTES:
                return None, [_too_large(name, size)]
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            return None, [f"{name}:1: not UTF-8 text; expected a UTF-8 Markdown file"]
        except OSError as exc:
            return None, [f"{name}:1: cannot read it ({exc.strerror or exc})"]
    elif len(text) > MAX_CONTENT_BYTES // 4 and len(text.encode()) > MAX_CONTENT_BYTES:
        return None, [_too_large(name, len(text.encode()))]
    text = normalise_newlines(text.removeprefix("\ufeff"))
    bounds = list(HANDLER.FM_BOUNDARY.finditer(text))
    if not bounds or bounds[0].start() != 0:
        return None, [
            f"{name}:1: no front matter; expected a first line '---', then lines like "
            "'title: ...', then '---'"
        ]
    if len(bounds) < 2:
        return None, [f"{name}:1: front matter is not closed; expected a '---' line after it"]
    start, end = bounds[0], bounds[1]
    front = text[start.end() : end.start()]
    front_offset = text.count("\n", 0, start.end())  # 0-based line of front's first line
    body_line = text.count("\n", 0, end.end()) + 1
    try:
        data = HANDLER.load(front, Loader=SAFE_LOADER)
        tree = yaml.compose(front, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = front_offset + mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [
            f"{name}:{line}: front matter is not valid YAML ({problem}); "
            "expected 'key: value' lines"
        ]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return None, [f"{name}:2: front matter is not a mapping; expected 'key: value' lines"]
    end_line = text.count("\n", 0, end.start()) + 1
    source = Source(name, data, text[end.end() :], body_line, end_line)
    problems = []
    if isinstance(tree, yaml.MappingNode):
        for key_node, value_node in tree.value:
            key = str(key_node.value)
            line = front_offset + key_node.start_mark.line + 1
            if key in source.key_lines:
                # YAML would silently keep the last one; a hand edit likely went wrong.
                first = source.key_lines[key]
                problems.append(f"{name}:{line}: {key}: duplicate key (first at line {first})")
                continue
            source.key_lines[key] = line
            if isinstance(value_node, yaml.SequenceNode):
                source.item_lines[key] = [
                    front_offset + item.start_mark.line + 1 for item in value_node.value
                ]
    return source, problems
