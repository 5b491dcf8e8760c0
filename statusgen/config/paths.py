"""The folders a config names must not overlap: a build replaces `output/` whole, so an
`output` that holds the history or the config would delete them.

Paths are compared after resolving symlinks (`history.path = "h"` where `h` links into
`output` overlaps too), except `output` itself: it is the symlink the output writer flips
to a fresh tree in the state folder, replaced and never written through.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from statusgen.config.settings import Config


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def real_path(config: Config, value: str | Path) -> Path:
    """`value` resolved against the project, symlinks followed except `output` itself: it
    is the link the output writer flips into the state folder (replaced, never written
    through), so a path through it stays inside it."""
    output = Path(os.path.abspath(config.resolve(config.output)))
    path = Path(os.path.abspath(config.resolve(str(value))))
    if path.is_relative_to(output):
        return _real(output.parent) / output.name / path.relative_to(output)
    return _real(path)


def _overlap(a: Path, b: Path) -> str | None:
    """How `a` and `b` overlap ('is', 'is inside', 'holds'), or None."""
    if a == b:
        return "is"
    if a.is_relative_to(b):
        return "is inside"
    if b.is_relative_to(a):
        return "holds"
    return None


def named_paths(config: Config) -> dict[str, tuple[str, Path]]:
    """Key -> (value as written, real path) of every folder the config names."""
    folders = {
        "output": config.output,
        "server.state_dir": config.server.state_dir,
        "history.path": config.history.path,
        "content.incidents": config.content.incidents,
        "content.announcements": config.content.announcements,
        "content.maintenance": config.content.maintenance,
    }
    out = {key: (value, real_path(config, value)) for key, value in folders.items()}
    # With a data branch the history lives inside its worktree, a folder of its own.
    out["history.path"] = (config.history.path, real_path(config, config.history_dir))
    if config.history.branch:
        out["history.worktree"] = (config.history.worktree, real_path(config, config.data_dir))
    # A config in a `config/` folder owns that folder (content sits in it by default);
    # one at the project root owns only its own file.
    owned = config.path.parent if config.path.resolve().parent.name == "config" else config.path
    out["(config folder)"] = (str(owned), _real(owned))
    return out


# Pairs that must be disjoint. Content may sit inside the config folder (it does by
# default), and the content folders may share one folder.
_DISJOINT = [
    ("output", "server.state_dir"),
    ("output", "history.path"),
    ("output", "(config folder)"),
    ("output", "content.incidents"),
    ("output", "content.announcements"),
    ("output", "content.maintenance"),
    ("server.state_dir", "history.path"),
    ("server.state_dir", "(config folder)"),
    ("server.state_dir", "content.incidents"),
    ("server.state_dir", "content.announcements"),
    ("server.state_dir", "content.maintenance"),
    ("history.path", "(config folder)"),
    ("history.path", "content.incidents"),
    ("history.path", "content.announcements"),
    ("history.path", "content.maintenance"),
    ("history.worktree", "output"),
    ("history.worktree", "server.state_dir"),
    ("history.worktree", "(config folder)"),
    ("history.worktree", "content.incidents"),
    ("history.worktree", "content.announcements"),
    ("history.worktree", "content.maintenance"),
]


def check_paths(config: Config) -> list[str]:
    """One problem per key whose folder overlaps others (`key: 'value' is inside ...`),
    and for a `notify.state_path` inside `output` or the config folder."""
    paths = named_paths(config)
    found: dict[str, list[str]] = {}
    for first, second in _DISJOINT:
        if first not in paths or second not in paths:
            continue
        (value, a), (other, b) = paths[first], paths[second]
        how = _overlap(a, b)
        if how is None:
            continue
        if first == "(config folder)":  # name the key the user can change
            first, second, how = second, first, _REVERSE[how]
            value = other
        peer = "the config" if second == "(config folder)" else second
        found.setdefault(first, [f"{value!r}"]).append(f"{how} {peer}")
    problems = [
        f"{key}: {parts[0]} {', '.join(parts[1:])}; expected a folder apart from the others "
        "(a build replaces output/ whole; the history, state and config must survive it)"
        for key, parts in found.items()
    ]
    state = real_path(config, config.notify_state_file)
    for key in ("output", "(config folder)"):
        if key in found:  # that folder's own overlap says it already
            continue
        if _overlap(state, paths[key][1]) is not None:
            where = "output" if key == "output" else "the config"
            problems.append(
                f"notify.state_path: {config.notify.state_path!r} is inside {where}; "
                "expected a file next to the history"
            )
    return problems


_REVERSE = {"is": "is", "is inside": "holds", "holds": "is inside"}
