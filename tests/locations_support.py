"""Config the locations tests share: `[[locations]]` tables, and a page whose one node
probes a port that accepts (up) and one that refuses (down), from locations a and b."""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

NAMES = {
    "a": "Alpha",
    "b": "Beta",
    "fra": "Frankfurt",
    "par": "Paris",
    "nyc": "New York",
    "tok": "Tokyo",
}


def locations_toml(*ids: str, external: Iterable[str] = ()) -> str:
    """A `[[locations]]` table for each of `ids`, named as in NAMES; those in `external`
    have `runner = "external"`."""
    outside = set(external)
    tables = [
        f'[[locations]]\nid = "{id_}"\nname = "{NAMES[id_]}"\n'
        + ('runner = "external"\n' if id_ in outside else "")
        for id_ in ids
    ]
    return "\n" + "\n".join(tables)


@contextmanager
def up_and_down() -> Iterator[tuple[int, int]]:
    """Two ports on 127.0.0.1: one that accepts (up) and one bound but never listening,
    so connections to it are refused (down)."""
    with socket.socket() as up, socket.socket() as down:
        up.bind(("127.0.0.1", 0))
        up.listen(16)
        down.bind(("127.0.0.1", 0))
        yield up.getsockname()[1], down.getsockname()[1]


def up_and_down_config(
    page: str, ports: tuple[int, int], *, external: bool = False, server: str = ""
) -> str:
    """A page named `page` whose node `web/site` has a replica on each of `ports` (up,
    down), quorum 2, probed from locations a and b (`external`: both run outside the
    server); `server`: lines of its `[server]` table."""
    up, down = ports
    table = f"\n[server]\n{server}\n" if server else ""
    return f"""
[page]
name = "{page}"
{table}
[health]
quorum = 2

[[services]]
id = "web"
name = "Web"

  [[services.nodes]]
  id = "site"
  label = "Site"
  retry = 0
  replicas = [
    {{ url = "tcp://127.0.0.1:{up}", label = "up" }},
    {{ url = "tcp://127.0.0.1:{down}", label = "down" }},
  ]
{locations_toml("a", "b", external=("a", "b") if external else ())}"""
