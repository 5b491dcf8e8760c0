"""`statusgen import FORMAT SOURCE`."""

from __future__ import annotations

from pathlib import Path

import click

from statusgen.cli import TIME, main
from statusgen.clock import system_clock

# statusgen.importers.FORMATS (tests/test_cli_start.py keeps them equal), repeated so that
# `statusgen --help` does not import the importers and pydantic.
FORMATS = ("upptime", "gatus", "vigil", "cstate", "statuspage")


@main.command(name="import")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(FORMATS))
@click.argument("source")
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="The page's folder (config/statusgen.toml and content go under it).",
)
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--now", type=TIME, help="The time recurring maintenance is counted from.")
def import_(fmt: str, source: str, root: str, dry_run: bool, force: bool, now) -> None:
    """Import another tool's config and incidents (FORMAT: upptime, gatus, vigil, cstate,
    statuspage) from SOURCE (a file, a folder, or a Statuspage URL)."""
    from statusgen.importers import run_import

    report = run_import(
        fmt, source, Path(root), now or system_clock(), dry_run=dry_run, force=force
    )
    verb = "would write" if dry_run else "wrote"
    for path in report.written.paths:
        click.echo(f"{verb} {path}")
    if report.written.days or report.written.days_kept:
        click.echo(
            f"history: {verb} {report.written.days} sealed days"
            + (
                f", kept {report.written.days_kept} already sealed"
                if report.written.days_kept
                else ""
            )
        )
    for note in report.imported.notes:
        click.echo(f"note: {note}")
    if report.written.env:
        click.echo(f"note: set these environment variables: {', '.join(report.written.env)}")
    if report.imported.skipped:
        click.echo(f"not carried over ({len(report.imported.skipped)}):")
        for line in report.imported.skipped:
            click.echo(f"  {line}")
