"""`statusgen notify test | status`."""

from __future__ import annotations

import click

from statusgen.cli import config_option, main, open_config
from statusgen.clock import iso


@main.group()
def notify() -> None:
    """Notification channels and web hooks."""


@notify.command("test")
@config_option
@click.option("--channel", "channel_name", help="Only this channel (its name).")
def test_command(config_path: str, channel_name: str | None) -> None:
    """Send a test message to every channel; exit 0 when all got it, 1 otherwise."""
    from statusgen.notify import send_test

    config = open_config(config_path)
    results = send_test(config, channel_name)
    for name, ok, error in results:
        click.echo(f"{name}: OK" if ok else f"{name}: FAILED: {error}")
    if not all(ok for _, ok, _ in results):
        raise click.exceptions.Exit(1)


@notify.command("status")
@config_option
def status_command(config_path: str) -> None:
    """Show channels, hooks' last delivery and the messages waiting in the outbox."""
    from statusgen.history.branch import ensure_worktree
    from statusgen.notify import channel_names, load_state

    config = open_config(config_path)
    ensure_worktree(config)  # with history.branch, the state is on the data branch
    state = load_state(config.notify_state_file)
    for name in channel_names(config.notify.channels):
        click.echo(f"channel {name}")
    for item in config.disabled:
        if item.kind in ("channel", "hook"):
            click.echo(f"{item.kind} {item.label or item.name}: disabled ({item.reason})")
    for hook in config.notify.hooks:
        hook_state = state.hooks.get(hook.label)
        status = hook_state.status if hook_state else "inactive"
        when = iso(hook_state.attempted_at) if hook_state and hook_state.attempted_at else "never"
        click.echo(f"hook {hook.label}: {status} (attempted: {when})")
    for item in state.outbox:
        click.echo(
            f"outbox: {item.kind} {item.target}: {item.title} "
            f"({item.attempts} failed attempt(s), next at {iso(item.next_attempt)})"
        )


@main.command()
@config_option
@click.argument("url")
@click.option(
    "--max-age",
    type=click.FloatRange(min=1, max=86400 * 7),
    help="Seconds after which the page is stale (default: [page] stale_after).",
)
def watch(config_path: str, url: str, max_age: float | None) -> None:
    """Read a published page's api/v1/status.json (URL: the page or the document) and
    tell every channel once when it is stale or unreachable, and once when it is fresh
    again. Run it from another host's cron. Exit 1 while the page is not fresh."""
    from statusgen.clock import system_clock
    from statusgen.notify.watch import watch_page

    report = watch_page(open_config(config_path), url, system_clock(), max_age)
    click.echo(f"{report.state}: {report.detail}")
    for name, error in report.deliveries:
        click.echo(f"sent to channel {name}" if error is None else f"not sent to {name}: {error}")
    if not report.ok:
        raise click.exceptions.Exit(1)
