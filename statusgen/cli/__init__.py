"""The `statusgen` command: a thin layer over library functions.

Each command group lives in its own module and registers itself on `main`; a command
parses options, calls one library function and formats what it returns. Errors are
StatusgenError (exit code 2), printed by click.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from statusgen import __version__

if TYPE_CHECKING:
    import logging

    from statusgen.config import Config

# statusgen.config.DEFAULT_CONFIG (tests/test_cli_start.py keeps them equal): repeated here so
# that `statusgen --help` does not import pydantic.
DEFAULT_CONFIG = Path("config/statusgen.toml")


class TimeType(click.ParamType):
    """An ISO 8601 time option (`2026-11-23T14:05Z`); naive means UTC."""

    name = "TIME"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        from statusgen.content.vocabulary import TIME_EXAMPLE, to_utc

        try:
            return to_utc(value)
        except ValueError:
            self.fail(f"expected an ISO 8601 time like {TIME_EXAMPLE}, got {value!r}", param, ctx)


TIME = TimeType()

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


allow_missing_secrets_option = click.option(
    "--allow-missing-secrets",
    is_flag=True,
    help="Check as run and serve do (pull requests from forks get no secrets): a channel, "
    "hook or node whose ${NAME} is not set is a warning (it is disabled), any other key "
    "still an error.",
)


def open_config(
    config_path: str, allow_missing_secrets: bool = True, announce: bool = True
) -> Config:
    """Load the config; from then on its secrets are masked in every log line.

    Every command but plain `check` follows the per-key rule for a `${NAME}` that is not
    set (`statusgen.config.unset`): what uses it is disabled, with one warning each
    (`announce`; a command that records passes warns on every pass instead)."""
    from statusgen.config import load_config
    from statusgen.server.logs import config_secrets, protect

    config = load_config(config_path, allow_missing_secrets=allow_missing_secrets)
    protect(config_secrets(config))
    if announce:
        for warning in config.secret_warnings():
            click.echo(f"warning: {warning}", err=True)
    return config


@contextmanager
def starting() -> Iterator[None]:
    """A command's start-up (importing what it uses, loading and checking the config) with
    the cyclic garbage collector paused, and what it made then moved out of the
    collector's sight (`gc.freeze`, the pattern the gc module documents): modules,
    classes, pydantic's schemas and the config live as long as the process, and the
    collector walked them again and again while they were being made, about 80 young
    collections in a build's start-up, for nothing to free. Reference counting still
    frees. They are unfrozen when the command ends (a build's rendering does it sooner,
    statusgen/history/gcpause.py), so a process that runs commands in turn (tests, through
    click's runner) does not keep a garbage cycle made before one out of the collector's
    reach."""
    import gc  # here: `statusgen --help` does not need it

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        context = click.get_current_context(silent=True)
        if context is not None:
            gc.freeze()
            context.call_on_close(gc.unfreeze)
        if enabled:
            gc.enable()


@contextmanager
def history_log_held() -> Iterator[set[str]]:
    """Within the block the history's log records (its warnings: a broken line set
    aside, a pass after a day's seal) are held back, for a command that prints the
    history's warnings itself as `warning: ...` lines and adds each one it printed to the
    set it is given: without this, each showed twice, once as a log line. On leaving,
    the records it did not print are logged as they would have been."""
    import logging  # here: `statusgen --help` does not load logging

    logger = logging.getLogger("statusgen.history")
    held: list[logging.LogRecord] = []
    printed: set[str] = set()

    def hold(record: logging.LogRecord) -> bool:
        held.append(record)
        return False

    logger.addFilter(hold)
    try:
        yield printed
    finally:
        logger.removeFilter(hold)
        for record in held:
            if record.getMessage() not in printed:
                logger.handle(record)


# The module that defines each command (registering it on `main` when imported). A
# command line imports only its command's module: `statusgen check` loads no other
# command's imports. Listing the commands (help, completion) imports them all.
# tests/test_cli_start.py checks the table against what the modules register.
COMMANDS = {
    "init": "core",
    "check": "core",
    "probe": "core",
    "incident": "content",
    "announce": "content",
    "maintenance": "content",
    "data": "data",
    "domain": "domain",
    "import": "importing",
    "locations": "locations",
    "serve": "server",
    "local": "server",
    "report": "server",
    "token": "manage",  # the group is server's; manage adds the management tokens
    "notify": "notify",
    "watch": "notify",
    "build": "site",
    "site-hash": "site",
    "run": "site",
    "demo": "site",
    "publish": "site",
}


class Main(click.Group):
    """The command group; a file system refusal no library call turned into a clearer
    error (a full disk, a read-only mount, a file where a folder belongs) is still one
    line naming the path, exit code 1, never a traceback."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is not None:
            importlib.import_module(f"statusgen.cli.{module}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        load_commands()
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as error:
            from statusgen.errors import fs_error

            path = error.filename if error.filename is not None else "statusgen"
            raise fs_error(path, "read or write", error) from error


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="statusgen")
def main() -> None:
    """statusgen: a status page that lives in a git repository."""
    # statusgen uses no pydantic plugin; looking for them reads the entry points of every
    # installed package when the first model is built (about 2% of `check`'s work).
    # setdefault: a user who sets the variable keeps their choice.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def load_commands() -> click.Group:
    """`main` with every command registered (what walking `main.commands` needs).
    Command modules import what a command uses inside its body, so even then `--help`
    loads neither pydantic, Jinja2 nor Apprise (tests/test_cli_start.py)."""
    for module in sorted(set(COMMANDS.values())):
        importlib.import_module(f"statusgen.cli.{module}")
    return main
