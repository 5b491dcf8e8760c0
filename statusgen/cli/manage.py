"""`statusgen token new | list | revoke`: management API tokens (bearer tokens for the
`/status-pages` routes of `statusgen serve`), next to the reporter's `token show | roll`."""

from __future__ import annotations

import click

from statusgen.cli import config_option, open_config
from statusgen.cli.server import token
from statusgen.clock import system_clock


@token.command("new")
@config_option
@click.option(
    "--scope",
    type=click.Choice(["manage"]),
    required=True,
    help="What the token may do: manage = the management API.",
)
def token_new(config_path: str, scope: str) -> None:
    """Create a management token and print it once (only its hash is stored)."""
    from statusgen.server.auth import ManageTokens

    record, secret = ManageTokens.of(open_config(config_path)).new(scope, system_clock())
    click.echo(f"created token {record.id} ({record.scope}); it is shown only once:", err=True)
    click.echo(secret)


@token.command("list")
@config_option
def token_list(config_path: str) -> None:
    """List management tokens: id, scope, created (never the token)."""
    from statusgen.server.auth import ManageTokens

    records = ManageTokens.of(open_config(config_path)).list()
    if not records:
        click.echo("no management tokens; create one with `statusgen token new --scope manage`")
        return
    click.echo(f"{'id':<10} {'scope':<8} created")
    for record in records:
        click.echo(f"{record.id:<10} {record.scope:<8} {record.created}")


@token.command("revoke")
@config_option
@click.argument("token_id")
def token_revoke(config_path: str, token_id: str) -> None:
    """Revoke management token TOKEN_ID; a running server refuses it from the next request."""
    from statusgen.server.auth import ManageTokens

    record = ManageTokens.of(open_config(config_path)).revoke(token_id)
    click.echo(f"revoked token {record.id}")
