"""`statusgen incident | announce | maintenance`: write content files from the shell.

Each command writes the same Markdown files people write by hand, prints the path it
wrote and, with `--commit`, commits that file alone.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click

from statusgen.cli import TIME, config_option, main, open_config
from statusgen.clock import iso, system_clock
from statusgen.content.vocabulary import (
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    SEVERITIES,
)

if TYPE_CHECKING:
    from statusgen.config import Config

commit_option = click.option(
    "--commit", is_flag=True, help="Commit the written file with git (that file only)."
)
now_option = click.option("--now", type=TIME, hidden=True, help="Pretend it is this time.")


def affects_option(required: bool) -> Any:
    return click.option(
        "--affects",
        default="",
        required=required,
        metavar="IDS",
        help="Comma-separated service or node ids.",
    )


def message_option(required: bool = True, default: str | None = None) -> Any:
    return click.option(
        "-m",
        "--message",
        required=required,
        default=default,
        help="Markdown text; '-' reads it from standard input.",
    )


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _text(message: str | None) -> str:
    if message == "-":
        with click.open_file("-", encoding="utf-8") as stdin:  # get_text_stream: gone in Click 9
            return stdin.read()
    return message or ""


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)


def _writer() -> ModuleType:
    from statusgen.content import writer

    return writer


def _done(config: Config, path: Path, commit: bool, summary: str) -> None:
    from statusgen.content.git import commit_files

    click.echo(_shown(path))
    if commit:
        sha = commit_files(config.root, [path], summary)
        click.echo(f"committed {sha}: {summary}")


@main.group()
def incident() -> None:
    """Open, update and resolve incidents (files under config/incidents/)."""


@incident.command("new")
@click.argument("title")
@click.option("--severity", type=click.Choice(SEVERITIES), default="minor", show_default=True)
@click.option(
    "--status", type=click.Choice(INCIDENT_STATUSES), default="investigating", show_default=True
)
@affects_option(required=False)
@message_option()
@commit_option
@now_option
@config_option
def incident_new(
    title: str,
    severity: str,
    status: str,
    affects: str,
    message: str,
    commit: bool,
    now: datetime | None,
    config_path: str,
) -> None:
    """Open an incident titled TITLE; its message is the first update."""
    config = open_config(config_path)
    item = _writer().new_incident(
        config,
        title,
        message=_text(message),
        now=now or system_clock(),
        severity=severity,
        status=status,
        affected=_ids(affects),
    )
    _done(config, item.path, commit, f"Open incident {item.id} ({item.severity}): {item.title}")


@incident.command("update")
@click.argument("incident_id", metavar="ID")
@click.option("--status", type=click.Choice(INCIDENT_STATUSES), help="New status (default: same).")
@message_option()
@commit_option
@now_option
@config_option
def incident_update(
    incident_id: str,
    status: str | None,
    message: str,
    commit: bool,
    now: datetime | None,
    config_path: str,
) -> None:
    """Add an update to incident ID (its file name without .md)."""
    config = open_config(config_path)
    item = _writer().add_update(
        config, incident_id, message=_text(message), now=now or system_clock(), status=status
    )
    _done(config, item.path, commit, f"Update incident {item.id}: {item.status}")


@incident.command("resolve")
@click.argument("incident_id", metavar="ID")
@message_option(required=False, default="This incident has been resolved.")
@commit_option
@now_option
@config_option
def incident_resolve(
    incident_id: str, message: str, commit: bool, now: datetime | None, config_path: str
) -> None:
    """Resolve incident ID with a final update."""
    config = open_config(config_path)
    item = _writer().resolve_incident(
        config, incident_id, message=_text(message), now=now or system_clock()
    )
    _done(config, item.path, commit, f"Resolve incident {item.id}")


@main.command()
@click.argument("title")
@message_option()
@click.option("--starts", type=TIME, help="Show it from this time (default: now).")
@click.option("--expires", type=TIME, help="Hide it from this time (default: never).")
@commit_option
@now_option
@config_option
def announce(
    title: str,
    message: str,
    starts: datetime | None,
    expires: datetime | None,
    commit: bool,
    now: datetime | None,
    config_path: str,
) -> None:
    """Publish an announcement titled TITLE."""
    config = open_config(config_path)
    item = _writer().new_announcement(
        config,
        title,
        message=_text(message),
        now=now or system_clock(),
        starts=starts,
        expires=expires,
    )
    _done(config, item.path, commit, f"Announce {item.id}: {item.title}")


@main.group()
def maintenance() -> None:
    """Schedule maintenance windows (files under config/maintenance/)."""


@maintenance.command("new")
@click.argument("title")
@click.option("--starts", type=TIME, required=True, help="When the work starts.")
@click.option("--ends", type=TIME, required=True, help="When it is planned to end.")
@affects_option(required=True)
@message_option(required=False, default="")
@commit_option
@config_option
def maintenance_new(
    title: str,
    starts: datetime,
    ends: datetime,
    affects: str,
    message: str,
    commit: bool,
    config_path: str,
) -> None:
    """Schedule maintenance titled TITLE of the --affects ids."""
    config = open_config(config_path)
    item = _writer().new_maintenance(
        config,
        title,
        starts=starts,
        ends=ends,
        affected=_ids(affects),
        message=_text(message),
        now=system_clock(),
    )
    summary = f"Schedule maintenance {item.id} ({iso(item.starts)} to {iso(item.ends)})"
    _done(config, item.path, commit, summary)


@maintenance.command("update")
@click.argument("maintenance_id", metavar="ID")
@click.option(
    "--status", type=click.Choice(MAINTENANCE_STATUSES), required=True, help="Where the work is."
)
@message_option()
@commit_option
@now_option
@config_option
def maintenance_update(
    maintenance_id: str,
    status: str,
    message: str,
    commit: bool,
    now: datetime | None,
    config_path: str,
) -> None:
    """Add an update to maintenance ID; `completed` ends the window early."""
    config = open_config(config_path)
    item = _writer().add_maintenance_update(
        config, maintenance_id, message=_text(message), now=now or system_clock(), status=status
    )
    _done(config, item.path, commit, f"Update maintenance {item.id}: {status}")
