"""User-facing errors. The library raises these; click prints them and exits 2."""

from __future__ import annotations

import errno

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


class FileSystemError(StatusgenError):
    """The file system refused a read or write statusgen needs (a full disk, a read-only
    mount, permissions or the immutable attribute, a folder where a file belongs): one
    message naming the path and the reason, exit code 1."""

    exit_code = 1


# errno -> what to tell the user (the OS's own words are terse or misleading here).
_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted (is it immutable? see lsattr)",
    errno.EISDIR: "is a folder, not a file",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file or folder is in the way",
    errno.EFBIG: "file too large",
}


def os_reason(error: OSError) -> str:
    """What went wrong, in words, without the path."""
    return _REASONS.get(error.errno or 0, error.strerror or str(error))


def fs_error(path: object, action: str, error: OSError, outcome: str = "") -> FileSystemError:
    """`PATH: cannot ACTION: REASON (the paths the OS named)[; OUTCOME]`."""
    named = [str(n) for n in (error.filename, error.filename2) if n is not None]
    named = [n for n in named if n != str(path)]
    where = f" ({', '.join(named)})" if named else ""
    text = f"{path}: cannot {action}: {os_reason(error)}{where}"
    return FileSystemError(f"{text}; {outcome}" if outcome else text)
