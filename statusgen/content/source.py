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
from statusgen.content.vocabulary import MAX_CONTENT_BYTES, TIME_EXAMPLE
from statusgen.validation import describe_error

HANDLER = frontmatter.YAMLHandler()
# libyaml's safe loader when it is there (several times faster), else PyYAML's own.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        # One parse: the node tree gives each key's line, then becomes the data as
        # `yaml.load` would build it (lines first: constructing merges `<<` keys in place).
        loader = SAFE_LOADER(front)
        try:
            tree = loader.get_single_node()
            key_lines, item_lines, problems = _lines(tree, front_offset, name)
            data = None if tree is None else loader.construct_document(tree)
        except ValueError as exc:  # PyYAML's: a timestamp that is no real date
            return None, [_not_a_date(loader, tree, exc, front_offset, name)]
        finally:
            loader.dispose()
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
    source.key_lines, source.item_lines = key_lines, item_lines
    return source, problems


def _lines(
    tree: yaml.Node | None, offset: int, name: str
) -> tuple[dict[str, int], dict[str, list[int]], list[str]]:
    """The line of each top-level key and of each item of a list value (`offset`: the
    line before the front matter's first), and a problem per duplicate key."""
    key_lines: dict[str, int] = {}
    item_lines: dict[str, list[int]] = {}
    problems: list[str] = []
    if not isinstance(tree, yaml.MappingNode):
        return key_lines, item_lines, problems
    for key_node, value_node in tree.value:
        key = str(key_node.value)
        line = offset + key_node.start_mark.line + 1
        if key in key_lines:
            # YAML would silently keep the last one; a hand edit likely went wrong.
            first = key_lines[key]
            problems.append(f"{name}:{line}: {key}: duplicate key (first at line {first})")
            continue
        key_lines[key] = line
        if isinstance(value_node, yaml.SequenceNode):
            item_lines[key] = [offset + item.start_mark.line + 1 for item in value_node.value]
    return key_lines, item_lines, problems


def _not_a_date(
    loader: yaml.SafeLoader, tree: yaml.Node, error: ValueError, offset: int, name: str
) -> str:
    """`file:line: problem` for a value YAML reads as a timestamp that is no real date or
    time (2026-13-45, 25:00): the constructor raises a bare ValueError, without a line."""
    seen: set[int] = set()
    nodes: list[yaml.Node] = [tree]
    while nodes:
        node = nodes.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:timestamp":
                try:
                    loader.construct_yaml_timestamp(node)
                except ValueError as found:
                    line = offset + node.start_mark.line + 1
                    return (
                        f"{name}:{line}: {node.value!r} is not a real date or time ({found}); "
                        f"expected a time like {TIME_EXAMPLE}"
                    )
        elif isinstance(node, yaml.SequenceNode):
            nodes.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                nodes += [value, key]
    problem = f"front matter is not valid YAML ({error})"
    return f"{name}:{offset + 1}: {problem}; expected 'key: value' lines"
