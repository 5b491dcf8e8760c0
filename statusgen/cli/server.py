"""`statusgen serve | local | report | token show | token roll | token location`.

`token` is a click group: the management API adds its own subcommands to it
(`from statusgen.cli.server import token`).
"""

from __future__ import annotations

import signal
import threading

import click

from statusgen.cli import config_option, main, open_config
from statusgen.clock import system_clock

token_option = click.option(
    "--token",
    envvar="STATUSGEN_TOKEN",
    required=True,
    help="The reporter token (or $STATUSGEN_TOKEN, which keeps it out of `ps`).",
)
server_option = click.option(
    "--server", required=True, help="The statusgen (or Vigil) server's base URL."
)


def setup_logging(level: str, secrets: tuple[str, ...] = ()) -> None:
    from statusgen.server.logs import configure

    configure(level, secrets)


@main.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
@click.option(
    "--git-commit",
    is_flag=True,
    help="Commit each management API write (author: statusgen API).",
)
@click.option(
    "--header-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.1, 300),
    help="Seconds a connection has to send a whole request head (after connecting or "
    "after its previous response) before it is closed.",
)
def serve(
    config_path: str,
    host: str,
    port: int,
    log_level: str,
    git_commit: bool,
    header_timeout: float,
) -> None:
    """Serve the site and live API, take reporter reports, and probe on schedule."""
    import uvicorn

    from statusgen.server.app import create_app
    from statusgen.server.protocol import protocol
    from statusgen.server.tokens import ReporterToken

    config = open_config(config_path, announce=False)
    reporter_token = ReporterToken.of(config).show()  # reporters need one to exist
    setup_logging(log_level, (reporter_token,))
    app = create_app(config, system_clock)
    app.state.ctx.extras["git_commit"] = git_commit  # read by statusgen.server.manage.write
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal into the
    # handlers it found; with these no-ops in place a clean shutdown exits 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    uvicorn.run(
        app,
        host=host,
        port=port,
        workers=1,
        http=protocol(header_timeout),
        access_log=False,  # statusgen.server.access logs one line per request instead
        log_config=None,
        log_level=log_level,
        timeout_graceful_shutdown=10,
    )


@main.command()
@config_option
@server_option
@token_option
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
)
def local(config_path: str, server: str, token: str, log_level: str) -> None:
    """Probe this network's local-mode nodes and report their health to SERVER."""
    from statusgen.agent import local_nodes, run_forever

    config = open_config(config_path, announce=False)
    nodes = local_nodes(config)
    setup_logging(log_level, (token,))
    click.echo(f"probing {len(nodes)} local node(s), reporting to {server}", err=True)
    stats = run_forever(config, server, token, system_clock)
    click.echo(f"stopped: {stats.reported} reports sent, {stats.failed} failed", err=True)


@main.command()
@server_option
@token_option
@click.option("--service", required=True, help="The service id (Vigil: probe id).")
@click.option("--node", required=True, help="The push node id.")
@click.option("--replica", required=True, help="This machine's replica name, e.g. its IP.")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=1))
def report(server: str, token: str, service: str, node: str, replica: str, interval: float) -> None:
    """Report this machine's CPU load and RAM use to SERVER every INTERVAL seconds."""
    from statusgen.reporter import Reporter

    setup_logging("info", (token,))
    reporter = Reporter(server, token, service, node, replica, interval)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    reporter.start()
    click.echo(f"reporting {service}/{node}/{replica} to {server} every {interval:g} s", err=True)
    while not stop.wait(1.0):
        pass
    reporter.close()
    click.echo(
        f"stopped: {reporter.reported} reports accepted, {reporter.failures} failed", err=True
    )


@main.group()
def token() -> None:
    """The reporter token push reporters and local agents authenticate with."""


@token.command("show")
@config_option
def token_show(config_path: str) -> None:
    """Print the reporter token (created on first use, stored in server.state_dir)."""
    from statusgen.server.tokens import ReporterToken

    click.echo(ReporterToken.of(open_config(config_path)).show())


@token.command("roll")
@config_option
def token_roll(config_path: str) -> None:
    """Replace the reporter token; reporters with the old one are refused from now on."""
    from statusgen.server.tokens import ReporterToken

    click.echo(ReporterToken.of(open_config(config_path)).roll())


@token.command("location")
@config_option
@click.argument("location_id", metavar="ID")
@click.option("--roll", is_flag=True, help="Replace it; the old one is refused from now on.")
def token_location(config_path: str, location_id: str, roll: bool) -> None:
    """Print the token of location ID (created on first use, stored in server.state_dir):
    what `statusgen probe --location ID --report-to URL` sends its passes with."""
    from statusgen.locations import find_location
    from statusgen.server.tokens import LocationToken

    config = open_config(config_path)
    find_location(config, location_id)
    token = LocationToken.of(config, location_id)
    click.echo(token.roll() if roll else token.show())
