"""`statusgen locations matrix`: the workflow's location matrix."""

from __future__ import annotations

import json

import click

from statusgen.cli import config_option, main, open_config


@main.group()
def locations() -> None:
    """Probing from several places ([[locations]]; docs/locations.md)."""


@locations.command()
@config_option
@click.option(
    "--shards",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="Jobs per location, each probing a stable 1/N of the replicas.",
)
def matrix(config_path: str, shards: int) -> None:
    """Print the status workflow's matrix (one job per GitHub-hosted or self-hosted
    location and shard) as one line of JSON: the value of the repository variable
    STATUSGEN_MATRIX. External locations run on their own hosts and are left out."""
    from statusgen.locations import workflow_matrix

    click.echo(json.dumps(workflow_matrix(open_config(config_path), shards), separators=(",", ":")))
