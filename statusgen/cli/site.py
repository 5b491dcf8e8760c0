"""`statusgen build | run | demo`."""

from __future__ import annotations

import threading
from datetime import datetime
from functools import partial
from pathlib import Path

import click

from statusgen.cli import (
    TIME,
    allow_missing_secrets_option,
    config_option,
    history_log_held,
    main,
    open_config,
    starting,
)
from statusgen.clock import system_clock


@main.command()
@config_option
@click.option(
    "--now",
    type=TIME,
    help="Build as of this time (uptime windows end here). Default: now.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Render every page afresh, ignoring the build cache (the output is the same).",
)
@allow_missing_secrets_option
def build(config_path: str, now: datetime | None, full: bool, allow_missing_secrets: bool) -> None:
    """Render the site and its JSON API into the output folder."""
    with starting():
        from statusgen.checks import check_config
        from statusgen.run import refresh_domain
        from statusgen.site import build_site

        # --allow-missing-secrets is how build always reads the config now; kept for workflows.
        config = open_config(config_path)
        check_config(config)
    domain = refresh_domain(config, system_clock())
    with history_log_held() as printed:
        report = build_site(config, now or system_clock(), full=full)
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
            printed.add(warning)
    if domain is not None:
        click.echo(domain.summary())
    click.echo(report.summary())


@main.command("site-hash")
@config_option
@click.argument("folder", type=click.Path(file_okay=False), required=False)
def site_hash(config_path: str, folder: str | None) -> None:
    """Print the content hash of a built site (default: the config's output folder): every
    file, with the build's times (generated_at, the "Updated" line) left out."""
    from statusgen.site.fingerprint import content_hash

    target = Path(folder) if folder else open_config(config_path).output_dir
    try:
        click.echo(content_hash(target))
    except FileNotFoundError as exc:
        raise click.ClickException(f"{exc}; run statusgen build first") from None


@main.command()
@config_option
@click.option("--no-notify", is_flag=True, help="Probe and build, but send no notifications.")
@click.option(
    "--dry-run", is_flag=True, help="Probe and list what would be notified; write nothing."
)
@click.option(
    "--location",
    metavar="ID",
    help="With [[locations]]: probe as this location first. Without it, the run only "
    "merges what the locations recorded, notifies and builds (the final job).",
)
def run(config_path: str, no_notify: bool, dry_run: bool, location: str | None) -> None:
    """Probe, record, notify and build in one go: the command for cron."""
    with starting():
        from statusgen.cli.core import summary_line
        from statusgen.run import run_all

        config = open_config(config_path, announce=False)  # the pass warns
    if location is not None and not config.locations:
        raise click.UsageError("--location needs [[locations]] in the config")
    result = run_all(config, system_clock, notify=not no_notify, dry_run=dry_run, location=location)
    for warning in result.outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(summary_line(result.outcome))
    for path in result.incident_files:
        click.echo(f"wrote {path}")
    if result.notify is not None:
        for line in result.notify.lines():
            click.echo(line)
    if result.domain is not None:
        click.echo(result.domain.summary())
    if result.build is not None:
        click.echo(result.build.summary())


@main.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    help="Write the demo project here (default: a new temporary folder).",
)
@click.option("--no-serve", is_flag=True, help="Build the site and exit instead of serving it.")
@click.option("--port", default=8000, show_default=True, help="Port to serve the site on.")
@click.option("--passes", default=4, show_default=True, help="Probe passes to record.")
def demo(directory: str | None, no_serve: bool, port: int, passes: int) -> None:
    """Build a demo page from a loopback fleet of healthy, slow and failing targets."""
    import tempfile

    from statusgen.demo import FleetHandler, QuietFiles, run_demo, serving

    project = Path(directory or tempfile.mkdtemp(prefix="statusgen-demo-"))
    with serving(FleetHandler) as fleet:
        result = run_demo(project, fleet.server_address[1], passes=passes)
    click.echo(f"demo project: {project}")
    click.echo(result.build.summary())
    if no_serve:
        click.echo(f"Look at it: open {result.config.output_dir / 'index.html'}")
        click.echo("A page of your own: statusgen init DIR (docs/getting-started.md)")
        return
    handler = partial(QuietFiles, directory=str(result.config.output_dir))
    with serving(handler, port) as server:  # type: ignore[arg-type]
        click.echo(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
        try:
            wait_for_interrupt()
        except KeyboardInterrupt:
            click.echo("stopped")


@main.command()
@config_option
@click.argument("dest", type=click.Path(file_okay=False))
@click.option(
    "--keep-extra", is_flag=True, help="Leave files that only DEST has (default: remove them)."
)
def publish(config_path: str, dest: str, keep_extra: bool) -> None:
    """Copy the built site into DEST (a web root, a mounted bucket), moving only the files
    that changed."""
    from statusgen.publish import publish_site

    config = open_config(config_path, allow_missing_secrets=True)
    report = publish_site(config.output_dir, Path(dest), delete=not keep_extra)
    click.echo(report.summary(config.output_dir, Path(dest)))


def wait_for_interrupt() -> None:
    """Block until Ctrl-C (KeyboardInterrupt)."""
    threading.Event().wait()
