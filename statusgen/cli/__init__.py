"""The `statusgen` command: a thin layer over library functions.

Each command group lives in its own module and registers itself on `main`; a command
parses options, calls one library function and formats what it returns. Errors are
StatusgenError (exit code 2), printed by click.
"""

from __future__ import annotations

import click

from statusgen import __version__
from statusgen.config import DEFAULT_CONFIG, Config, load_config

config_option = click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=str(DEFAULT_CONFIG),
    envvar="STATUSGEN_CONFIG",
    show_default=True,
    help="The page's config file.",
)


def open_config(config_path: str) -> Config:
    return load_config(config_path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="statusgen")
def main() -> None:
    """statusgen: a status page that lives in a git repository."""


def _register() -> None:
    # Importing a command module attaches its commands to `main`.
    from statusgen.cli import content, core, manage, notify, server, site  # noqa: F401


_register()
