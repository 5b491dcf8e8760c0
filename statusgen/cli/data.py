"""`statusgen data sync | push | squash | deploy-due | import`: the data branch
(history.branch) and the history it holds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from statusgen.cli import config_option, main
from statusgen.clock import system_clock

if TYPE_CHECKING:
    from statusgen.config import Config


def open_config(config_path: str) -> Config:
    """The config, without its secrets: these commands handle git and the built site,
    never a channel, so the workflow gives them no secret (a ${NAME} left unset is fine)."""
    from statusgen.config import load_config

    return load_config(config_path, allow_missing_secrets=True)


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
@click.option(
    "--squash", is_flag=True, help="Then squash the branch, once a UTC day (see data squash)."
)
def push(config_path: str, message: str | None, attempts: int, squash: bool) -> None:
    """Commit what changed in the data branch's worktree and push it; a refused push
    fetches, replays this commit on top and retries. Exit 1 when every push failed."""
    from statusgen.history.branch import push as push_branch
    from statusgen.history.branch import squash as squash_branch

    config, now = open_config(config_path), system_clock()
    stamp = now.strftime("%Y-%m-%dT%H:%MZ")
    report = push_branch(config, message or f"status: pass at {stamp}", attempts)
    click.echo(report.message)
    if report.committed and not report.pushed and report.attempts:
        raise click.exceptions.Exit(1)
    if squash and config.history.branch:
        click.echo(squash_branch(config, now))


@data.command()
@config_option
@click.option("--force", is_flag=True, help="Squash now, even if squashed today already.")
def squash(config_path: str, force: bool) -> None:
    """Replace the data branch by one commit of its current files, once a UTC day, pushed
    with --force-with-lease (a writer that pushed meanwhile makes it wait a pass)."""
    from statusgen.history.branch import squash as squash_branch

    click.echo(squash_branch(open_config(config_path), system_clock(), force=force))


@data.command("deploy-due")
@config_option
@click.option(
    "--next-pass-within",
    default=900.0,
    show_default=True,
    help="Seconds until the next pass may decide again (GitHub's schedule: up to 15 min).",
)
def deploy_due(config_path: str, next_pass_within: float) -> None:
    """Print deploy=true or deploy=false (a line for $GITHUB_OUTPUT): false when the built
    site's content hash equals the one recorded at the last deploy on the data branch and
    the page stays younger than page.stale_after / 2 until the next pass. Deciding to
    deploy records the hash on the data branch."""
    from statusgen.site.fingerprint import decide_deploy

    decision = decide_deploy(open_config(config_path), system_clock(), next_pass_within)
    click.echo(f"deploy={'true' if decision.deploy else 'false'}")
    click.echo(decision.reason, err=True)


@data.command("import")
@config_option
@click.argument(
    "folders",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
def import_(config_path: str, folders: tuple[Path, ...]) -> None:
    """Append the passes of pass folders (`statusgen probe --location ID --out DIR`; a
    FOLDER holding samples/, or one whose sub-folders do, as download-artifact leaves
    them) to the history, each to its location's own files. Importing twice changes
    nothing; a damaged folder is quarantined in the history's corrupt/imports/ with a
    warning and the others are imported (exit 0)."""
    from statusgen.history import import_pass_folders

    report = import_pass_folders(open_config(config_path), list(folders), system_clock())
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"imported {report.appended} pass(es) from {len(report.folders)} folder(s)"
        f" ({report.already} already in the history, {len(report.quarantined)} quarantined)"
    )
