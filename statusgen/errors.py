"""User-facing errors. The library raises these; click prints them and exits 2."""

from __future__ import annotations

import click


class StatusgenError(click.ClickException):
    """A problem with the user's input: printed as one message per problem, exit code 2."""

    exit_code = 2

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"Error: {self.format_message()}", err=True, file=file)


class ConfigError(StatusgenError):
    """The config file is missing, unreadable or invalid."""


class ContentError(StatusgenError):
    """An incident, announcement or maintenance file is invalid."""


class LockError(StatusgenError):
    """Another pass holds the lock for too long."""


class HistoryError(StatusgenError):
    """The history folder is of a schema this statusgen cannot read."""
