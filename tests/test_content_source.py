"""Front matter is parsed once (the node tree gives the lines, then the data): the data is
what `yaml.load` gives and the lines what the tree says, on odd and hostile YAML too."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from statusgen.content.source import SAFE_LOADER, read_source

ODD = {
    "dates": "started: 2026-11-23\nresolved: 2026-11-23 10:00:00\ncreated: 2026-11-23T10:00+02:00",
    "anchors": "title: &t Hello\naffected: &a [api, site]\nother: *a\nname: *t\n",
    # Constructing merges `<<` in place: the lines are read from the tree before.
    "merge": "base: &b {title: one, severity: major}\n<<: *b\ntitle: two\n",
    "booleans": "title: yes\nsev: on\nx: off\ny: No\n",
    "numbers": "title: 0o17\nx: 017\ny: 1_000\nz: .inf\n",
    "nested": "title: a\naffected:\n  - api\n  -\n    - site\n",
    "nulls": "title: ~\naffected:\n",
    "tags": "title: !!binary aGVsbG8=\nx: !!set {a, b}\n",
    "keys": "'title': a\n\"sev\": b\n1: c\n",
    "recursive": "a: &a [*a]\n",
}


@pytest.mark.parametrize("front", ODD.values(), ids=list(ODD))
def test_data_and_lines_are_those_of_two_separate_parses(front):
    front = front if front.endswith("\n") else front + "\n"
    source, problems = read_source(Path("x.md"), "x.md", f"---\n{front}---\nbody\n")
    assert source is not None and problems == []
    want = yaml.load(front, Loader=SAFE_LOADER)
    assert repr(source.data) == repr(want)
    tree = yaml.compose(front, Loader=SAFE_LOADER)
    assert source.key_lines == {str(k.value): k.start_mark.line + 2 for k, _ in tree.value}


@pytest.mark.parametrize(
    ("front", "problem"),
    [
        ("title: a\nseverity: minor\ntitle: b\n", "x.md:4: title: duplicate key (first at line 2)"),
        ("title: a\n\tseverity: minor\n", "x.md:3: front matter is not valid YAML ("),
        ("title: [unclosed\n", "x.md:3: front matter is not valid YAML ("),
        ("title: *nope\n", "x.md:2: front matter is not valid YAML (found undefined alias"),
        ("title: !!python/object:os.system ls\n", "x.md:2: front matter is not valid YAML ("),
        ("? [a, b]\n: x\n", "x.md:2: front matter is not valid YAML (found unhashable key)"),
        ("- a\n", "x.md:2: front matter is not a mapping"),
        # PyYAML raises a bare ValueError for these: still one line naming file and line.
        ("title: t\nstarted: 2026-13-45\n", "x.md:3: '2026-13-45' is not a real date or time"),
        ("x: [a, {b: 2026-01-01 25:00:00}]\n", "x.md:2: '2026-01-01 25:00:00' is not a real"),
    ],
)
def test_bad_yaml_is_one_problem_naming_its_line(front, problem):
    _, problems = read_source(Path("x.md"), "x.md", f"---\n{front}---\nbody\n")
    assert len(problems) == 1 and problems[0].startswith(problem), problems
