"""How the management API changes files: one writer at a time, all or nothing, in git.

A write runs in a worker thread holding the server's write lock (shared with the
scheduler's passes and rebuilds) and the history lock (shared with a `statusgen run`
from cron in the same checkout). A `FileGuard` remembers each file as it was before the
write touched it; if any step fails (a writer's check, the config validation, the git
commit), every file is put back as it was. With `git_commit` on, the changed files (and
nothing else) are committed as "statusgen API <api@statusgen.invalid>".
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from statusgen.checks import check_project
from statusgen.config import Config
from statusgen.files import locked, write_atomic
from statusgen.server.context import ServerContext

T = TypeVar("T")

AUTHOR_NAME = "statusgen API"
AUTHOR_EMAIL = "api@statusgen.invalid"
GIT_COMMIT = "git_commit"  # ServerContext.extras key set by `serve --git-commit`


class CommitFailed(Exception):
    """`git commit` of an API write failed; the files were restored."""


@dataclass
class FileGuard:
    """Files a write touches and their contents before it (None: did not exist)."""

    before: dict[Path, bytes | None] = field(default_factory=dict)

    def watch(self, path: Path) -> Path:
        """Remember `path` as it is now, before changing it."""
        if path not in self.before:
            self.before[path] = path.read_bytes() if path.is_file() else None
        return path

    def created(self, path: Path) -> Path:
        """`path` was just created by a writer that chose its name."""
        self.before.setdefault(path, None)
        return path

    @property
    def paths(self) -> list[Path]:
        return list(self.before)

    def restore(self) -> None:
        for path, data in self.before.items():
            if data is None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            else:
                write_atomic(path, data.decode("utf-8"))


@dataclass(frozen=True)
class Written:
    """What a write function returns: its result, a one-line summary for git and, when
    the config file changed, the new config (swapped in once the write succeeded)."""

    result: object
    summary: str
    config: Config | None = None


async def write(ctx: ServerContext, label: str, fn: Callable[[FileGuard], Written]) -> object:
    """Run `fn` as one write named `label` (e.g. `POST /status-pages`): serialised,
    restored on failure, committed with `--git-commit`, then a rebuild is requested."""

    def run() -> object:
        guard = FileGuard()
        with locked(ctx.config.history_dir):
            try:
                done = fn(guard)
                if done.config is not None:
                    # Exactly what `statusgen check` applies (reserved slugs, logos,
                    # channels, content), so no write leaves a config check refuses.
                    check_project(done.config)
                if ctx.extras.get(GIT_COMMIT):
                    commit(ctx.config.root, guard.paths, f"api: {label}: {done.summary}")
            except BaseException:
                guard.restore()
                raise
            if done.config is not None:
                # Only [[pages]] is taken from the new file: other config changes (nodes,
                # probes) still need a restart, as for any hand edit.
                ctx.config = ctx.config.model_copy(update={"pages": done.config.pages})
        return done.result

    result = await ctx.run_locked(run)
    ctx.request_rebuild()
    return result


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": AUTHOR_NAME,
        "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
        "GIT_COMMITTER_NAME": AUTHOR_NAME,
        "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
    }
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=False
    )


def commit(root: Path, paths: Sequence[Path], message: str) -> str | None:
    """Commit exactly `paths` (written or deleted) with the API as author; None when
    they did not change. On failure the index entries of `paths` are reset."""
    names = [str(p.resolve()) for p in paths]
    changed = _git(root, "status", "--porcelain", "--", *names)
    if changed.returncode != 0:
        raise CommitFailed(f"git status failed: {_tail(changed)}")
    if not changed.stdout.strip():
        return None
    for args in (("add", "-A", "--", *names), ("commit", "--quiet", "-m", message, "--", *names)):
        done = _git(root, *args)
        if done.returncode != 0:
            _git(root, "reset", "--quiet", "--", *names)
            raise CommitFailed(f"git {args[0]} failed: {_tail(done)}")
    return _git(root, "rev-parse", "--short", "HEAD").stdout.strip()


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stderr or done.stdout).strip().splitlines()
    return " ".join(lines[-3:]) or "no output"
