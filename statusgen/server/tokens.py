"""The reporter token: the shared secret push reporters and local agents send; and each
location's token, which `statusgen probe --location ID --report-to URL` sends.

It is the seeds' "reporter token" (get, roll). It lives in `<state_dir>/reporter-token`
(mode 0600), never under `output/` or in git. `show` creates one on first use; `roll`
replaces it, and every reporter still holding the old one is refused from then on. The
server re-reads the file when it changes on disk, so `statusgen token roll` takes effect
on a running server within a second, without a restart.

A location token (`LocationToken`) is the same kind of file, one per `[[locations]]` id:
`<state_dir>/location-token-<id>` (mode 0600, in the 0700 state folder), shown or
created by `statusgen token location ID`, replaced by `--roll`. A location's token lets
in only that location's passes.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from pathlib import Path

from statusgen.config import Config
from statusgen.errors import StatusgenError
from statusgen.files import private_folder, set_aside, write_atomic

log = logging.getLogger("statusgen.server")

TOKEN_FILE = "reporter-token"
LOCATION_TOKEN_FILE = "location-token-{}"
TOKEN_BYTES = 32
RECHECK = 1.0  # seconds between looks at the token file


def state_dir(config: Config) -> Path:
    """Where the server keeps its tokens and live state (`server.state_dir`)."""
    return config.resolve(config.server.state_dir)


def new_token() -> str:
    """A fresh random token, URL- and header-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class TokenFile:
    """One shared-secret token in one file of the state folder: created on first `show`,
    replaced by `roll`, checked in constant time, re-read when the file changes."""

    what = "token"  # what the token is, in messages
    show_command = "statusgen token show"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int], str] | None = None
        self._checked = 0.0

    def show(self) -> str:
        """The current token, creating (and storing) one when there is none yet. A damaged
        file (not one line of printable ASCII: no reporter can send it) is copied to
        `corrupt/` and replaced by a new token, with a warning."""
        with self._lock:
            current = self._read()
            if current:
                return current
            self._keep_damaged()
            return self._write(new_token())

    def roll(self) -> str:
        """Replace the token with a new one and return it; the old one stops working."""
        with self._lock:
            return self._write(new_token())

    def check(self, candidate: str | None) -> bool:
        """Whether `candidate` is the current token, compared in constant time. With no
        token stored yet nothing is accepted."""
        if not candidate:
            return False
        try:
            current = self._current()
        except StatusgenError as exc:
            log.error("event=token-file-unreadable problem=%r", "; ".join(exc.problems))
            return False
        if not current:
            return False
        return hmac.compare_digest(candidate.encode("utf-8"), current.encode("utf-8"))

    def _current(self) -> str:
        # The file is looked at no more than once per RECHECK seconds (a stat per report
        # would cost more than the rest of the request): a roll from another process
        # applies within that delay, a roll through this object at once.
        now = time.monotonic()
        cached = self._cached
        if cached is not None and now - self._checked < RECHECK:
            return cached[1]
        self._checked = now
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._cached = None
            return ""
        # A roll replaces the file (new inode), so identity + mtime spots every change.
        if cached is not None and cached[0] == (stat.st_ino, stat.st_mtime_ns):
            return cached[1]
        with self._lock:
            return self._read()

    def _read(self) -> str:
        """The stored token; "" when there is none or the file is damaged (nothing is
        accepted then)."""
        try:
            stat = self.path.stat()
            token = _token_of(self.path.read_bytes())
        except FileNotFoundError:
            return ""
        except OSError as exc:
            raise StatusgenError(
                f"{self.path}: cannot read the {self.what} "
                f"({(exc.strerror or 'error').lower()}); make it readable by this user only"
            ) from None
        self._cached = ((stat.st_ino, stat.st_mtime_ns), token)
        return token

    def _keep_damaged(self) -> None:
        try:
            raw = self.path.read_bytes()
        except OSError:
            return
        if raw.strip():
            log.warning(
                "%s: %s file damaged (not one line of printable ASCII); a new token "
                "replaces it (give it to its senders: %s); the original is %s",
                self.path,
                self.what,
                self.show_command,
                set_aside(self.path, raw, private=True),
            )

    def _write(self, token: str) -> str:
        private_folder(self.path.parent)
        write_atomic(self.path, token + "\n", mode=0o600)
        self._read()
        return token


class ReporterToken(TokenFile):
    """The reporter token of one project, read from and written to its state folder."""

    what = "reporter token"

    def __init__(self, directory: Path) -> None:
        super().__init__(directory / TOKEN_FILE)

    @classmethod
    def of(cls, config: Config) -> ReporterToken:
        return cls(state_dir(config))


class LocationToken(TokenFile):
    """The token of one `[[locations]]` id: what its `--report-to` passes are sent with."""

    def __init__(self, directory: Path, location: str) -> None:
        super().__init__(directory / LOCATION_TOKEN_FILE.format(location))
        self.what = f"token of location {location}"
        self.show_command = f"statusgen token location {location}"

    @classmethod
    def of(cls, config: Config, location: str) -> LocationToken:
        return cls(state_dir(config), location)


def _token_of(raw: bytes) -> str:
    """The token a file holds: one line of printable ASCII without spaces, else ""."""
    text = raw.strip()
    if not text or any(byte < 0x21 or byte > 0x7E for byte in text):
        return ""
    return text.decode("ascii")
