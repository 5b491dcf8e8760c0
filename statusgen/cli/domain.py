"""`statusgen domain`: the DNS records the custom domain needs, and its last check."""

from __future__ import annotations

import click

from statusgen.cli import config_option, main, open_config
from statusgen.clock import system_clock


@main.command()
@config_option
@click.option(
    "--check",
    "check_now",
    is_flag=True,
    help="Check the records and the certificate now (needs the network) and record it.",
)
def domain(config_path: str, check_now: bool) -> None:
    """Print the DNS records page.custom_domain needs on GitHub Pages and on another
    static host, and what the last check found."""
    from statusgen.domain.records import HOSTS, expected
    from statusgen.domain.state import current
    from statusgen.domain.verify import refresh
    from statusgen.errors import StatusgenError

    config = open_config(config_path, allow_missing_secrets=True)
    if not config.page.custom_domain:
        raise StatusgenError(
            f"{config.path}: page.custom_domain is not set; expected a host name under [page], "
            'e.g. custom_domain = "status.acme.com"'
        )
    for host in HOSTS:
        want = expected(config, host)
        kind = "an apex domain" if want.apex else "a subdomain"
        mine = ", this page's" if host == config.domain.host else ""
        title = "GitHub Pages" if host == "github-pages" else "another static host"
        click.echo(f'{want.domain} ({kind}) on {title} (domain.host = "{host}"{mine}):')
        for record in want.records:
            click.echo(f"  {record.line()}")
        for note in want.notes:
            click.echo(f"  - {note}")
        click.echo("")
    status = refresh(config, system_clock()) if check_now else current(config)
    if status is not None:
        click.echo(status.summary())
    if not check_now:
        click.echo("(statusgen run and build check it each time; --check checks it now)")
