"""Imports run one way: config -> probes -> health -> history -> content -> notify/site ->
server, the CLI on top (docs/architecture.md).

An AST walk over `statusgen/` finds every import, at module or function level (imports
under `if TYPE_CHECKING:` are left out: they never run). Each import is an edge between
*units* (a top-level module, or a package and everything in it); every edge must be in
`ALLOWED`, and no two modules may import each other through any chain. A package's
`__init__` importing its own modules (to re-export them) is not a circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "statusgen"

# What every unit may use: helpers with no statusgen imports of their own.
BASE = {"statusgen", "errors", "clock", "secrets", "files", "validation", "resources"}

# unit -> the units it may import (besides BASE). Keep in step with docs/architecture.md.
ALLOWED: dict[str, set[str]] = {
    "statusgen": set(),
    "__main__": {"cli"},
    "errors": set(),
    "clock": set(),
    "secrets": set(),
    "files": {"errors"},
    "validation": set(),
    "resources": set(),
    "conditions": set(),
    "config": {"conditions"},
    "config_writer": {"config"},
    "status": set(),
    "health": {"status"},
    "probes": {"config", "conditions", "status", "health"},
    "history": {"config", "status", "health"},
    "content": {"config", "status", "health"},
    "impact": {"config", "status", "health", "content"},
    "notify": {"config", "status", "health", "content"},
    "domain": {"config", "probes"},
    "site": {"config", "status", "health", "history", "content", "impact", "domain"},
    "checks": {"config", "content", "notify", "site"},
    "scaffold": set(),
    "publish": set(),
    "reporter": set(),
    "run": {
        "checks",
        "config",
        "domain",
        "status",
        "health",
        "probes",
        "history",
        "content",
        "impact",
        "notify",
        "site",
        "locations",
    },
    "locations": {"config", "status", "health", "probes", "history"},
    "demo": {"config", "content", "history", "run", "site"},
    "importers": {"config", "conditions", "content", "history", "notify", "site"},
    "server": {
        "checks",  # a management API write passes exactly `statusgen check`
        "config",
        "config_writer",
        "status",
        "health",
        "probes",
        "history",
        "content",
        "impact",
        "notify",
        "site",
        "run",
        "locations",
    },
    "agent": {"config", "status", "probes", "server"},
    "cli": {
        "agent",
        "checks",
        "domain",
        "importers",
        "config",
        "config_writer",
        "content",
        "demo",
        "history",
        "notify",
        "reporter",
        "publish",
        "run",
        "locations",
        "scaffold",
        "server",
        "site",
        "status",
    },
}

# The rooms that only read and render must never reach up into these.
LOWER = ("site", "history", "content", "health", "config")
UPPER = ("server", "cli", "run", "probes", "locations")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and is_type_checking(node):
            yield from (n for child in node.orelse for n in import_nodes_in(child))
            continue
        yield from import_nodes_in(node)


def import_nodes_in(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from import_nodes(node)


def imported_modules(module: str, path: Path) -> set[str]:
    """The statusgen modules `module` imports: `from a.b import c` names `a.b.c` when that
    is a module, else `a.b`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "statusgen"}
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, *([base] if base else [])])
        if base.split(".")[0] != "statusgen":
            continue
        for alias in node.names:
            child = f"{base}.{alias.name}"
            found.add(child if child in MODULES else base)
    found.discard(module)
    if path.name == "__init__.py":  # a package re-exporting its own modules
        found = {m for m in found if not m.startswith(module + ".")}
    return found


GRAPH = {module: imported_modules(module, path) for module, path in MODULES.items()}


def unit_edges() -> set[tuple[str, str, str]]:
    return {
        (unit(a), unit(b), f"{a} imports {b}")
        for a, targets in GRAPH.items()
        for b in targets
        if unit(a) != unit(b)
    }


def test_every_unit_is_in_the_table():
    missing = sorted({unit(m) for m in MODULES} - set(ALLOWED))
    assert not missing, f"add these to ALLOWED and docs/architecture.md: {missing}"


def test_imports_follow_the_allowed_edges():
    wrong = sorted(why for a, b, why in unit_edges() if b not in ALLOWED.get(a, set()) | BASE - {a})
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("lower", LOWER)
def test_lower_rooms_never_import_the_server_cli_pipeline_or_probes(lower):
    wrong = sorted(why for a, b, why in unit_edges() if a == lower and b in UPPER)
    assert not wrong, "\n".join(wrong)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_a_circle():
    assert circles(GRAPH) == []


def test_the_circle_finder_finds_circles():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_walk_sees_function_level_imports_and_skips_type_checking():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from statusgen.server import app\n"
        "def f():\n    from statusgen.run import run_pass\n"
    )
    nodes = list(import_nodes(ast.parse(source)))
    names = [n.module for n in nodes if isinstance(n, ast.ImportFrom)]
    assert names == ["typing", "statusgen.run"]


def test_the_allowed_edges_are_the_documented_ones():
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    documented = {}
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`"):
            documented[cells[0].strip("`")] = {c.strip(" `") for c in cells[1].split(",")}
    for name, allowed in ALLOWED.items():
        if name in BASE:
            continue
        assert documented.get(name) == (allowed or {"(only the base helpers)"}), name
