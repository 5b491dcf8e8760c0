"""The benchmarks' fleet project: `replicas` replicas, 100 to a node, and locations
(bench/config.py, bench/passes.py, bench/locations.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

PER_NODE = 100


def write_fleet_project(
    root: Path,
    replicas: int,
    url: Callable[[int], str],
    *,
    locations: Iterable[str] = ("a", "b", "c"),
    external: bool = False,
    node: str = "",
    probe: str = "",
) -> Path:
    """Write `root`/config/statusgen.toml and return its path: one service, nodes of
    PER_NODE replicas each (`url(i)`: the i-th replica's URL; `node`: lines every node
    gets), a `[probe]` table of `probe`'s lines when given, and a location for each of
    `locations`, run outside the server when `external`."""
    lines = ['[page]\nname = "Bench"\n']
    if probe:
        lines.append(f"[probe]\n{probe}")
    lines.append('[[services]]\nid = "fleet"\nname = "Fleet"\n')
    for start in range(0, replicas, PER_NODE):
        urls = ", ".join(f'"{url(i)}"' for i in range(start, min(start + PER_NODE, replicas)))
        index = start // PER_NODE
        lines.append(
            f'[[services.nodes]]\nid = "n{index}"\nlabel = "N{index}"\n{node}replicas = [{urls}]\n'
        )
    runner = 'runner = "external"\n' if external else ""
    for ident in locations:
        lines.append(f'[[locations]]\nid = "{ident}"\nname = "{ident.upper()}"\n{runner}')
    (root / "config").mkdir(parents=True)
    path = root / "config" / "statusgen.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
