"""`statusgen data sync | push | squash`: the data branch (history.branch)."""

from __future__ import annotations

import click

from statusgen.cli import config_option, main, open_config
from statusgen.clock import system_clock


@main.group()
def data() -> None:
    """The data branch that holds the history (history.branch; docs/history.md)."""


@data.command()
@config_option
def sync(config_path: str) -> None:
    """Create the data branch's worktree when it is not there (fetching the branch from
    origin, or starting it) and print its folder."""
    from statusgen.history.branch import ensure_worktree

    worktree = ensure_worktree(open_config(config_path))
    click.echo(worktree if worktree else "no history.branch: the history is on this branch")


@data.command()
@config_option
@click.option("-m", "--message", help="The commit message (default: 'status: pass at TIME').")
@click.option("--attempts", default=5, show_default=True, help="Pushes tried before giving up.")
def push(config_path: str, message: str | None, attempts: int) -> None:
    """Commit what changed in the data branch's worktree and push it; a refused push
    fetches, replays this commit on top and retries. Exit 1 when every push failed."""
    from statusgen.history.branch import push as push_branch

    stamp = system_clock().strftime("%Y-%m-%dT%H:%MZ")
    report = push_branch(open_config(config_path), message or f"status: pass at {stamp}", attempts)
    click.echo(report.message)
    if report.committed and not report.pushed and report.attempts:
        raise click.exceptions.Exit(1)


@data.command()
@config_option
@click.option("--force", is_flag=True, help="Squash now, even if squashed today already.")
def squash(config_path: str, force: bool) -> None:
    """Replace the data branch by one commit of its current files, once a UTC day, pushed
    with --force-with-lease (a writer that pushed meanwhile makes it wait a pass)."""
    from statusgen.history.branch import squash as squash_branch

    click.echo(squash_branch(open_config(config_path), system_clock(), force=force))
