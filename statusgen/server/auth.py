"""Management tokens: the bearer tokens of the management API (separate from the reporter
token, which only lets reporters in).

A token is shown once, when `statusgen token new --scope manage` creates it; only its
SHA-256 is kept, in `<state_dir>/manage-tokens.json` (mode 0600, out of git and out of
`output/`). A plain hash is enough because tokens are 256 random bits, not passwords: no
dictionary to slow down. Checking hashes every stored digest and compares each in
constant time. The file is re-read when it changes on disk, so `token new` and
`token revoke` take effect on a running server at the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from statusgen.clock import iso
from statusgen.config import Config
from statusgen.errors import StatusgenError
from statusgen.files import private_folder, write_atomic
from statusgen.server.tokens import state_dir

TOKENS_FILE = "manage-tokens.json"
SCOPES = ("manage",)
PREFIX = "sgm_"  # lets secret scanners and people tell a management token apart


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """What is stored about a token: never the token itself."""

    id: str
    scope: str
    created: str
    sha256: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


class ManageTokens:
    """The management tokens of one project."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / TOKENS_FILE
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int], list[TokenRecord]] | None = None

    @classmethod
    def of(cls, config: Config) -> ManageTokens:
        return cls(state_dir(config))

    def new(self, scope: str, now: datetime) -> tuple[TokenRecord, str]:
        """Create a token with `scope`; returns its record and the token (shown once)."""
        if scope not in SCOPES:
            raise StatusgenError(f"--scope: unknown scope {scope!r}; expected one of: manage")
        token = PREFIX + secrets.token_urlsafe(32)
        with self._lock:
            records = self._read()
            taken = {r.id for r in records}
            ident = secrets.token_hex(4)
            while ident in taken:
                ident = secrets.token_hex(4)
            record = TokenRecord(ident, scope, iso(now), digest(token))
            self._write([*records, record])
        return record, token

    def list(self) -> list[TokenRecord]:
        """Every stored token's record, oldest first."""
        with self._lock:
            return self._read()

    def revoke(self, ident: str) -> TokenRecord:
        """Delete token `ident`; from the next request on it is refused."""
        with self._lock:
            records = self._read()
            found = next((r for r in records if r.id == ident), None)
            if found is None:
                ids = ", ".join(r.id for r in records) or "(no tokens)"
                raise StatusgenError(f"no management token {ident!r}; expected one of: {ids}")
            self._write([r for r in records if r.id != ident])
        return found

    def check(self, candidate: str | None, scope: str = "manage") -> bool:
        """Whether `candidate` is a stored token with `scope`. Every digest is compared,
        each in constant time, so timing tells nothing about which one nearly matched."""
        if not candidate:
            return False
        wanted = digest(candidate).encode("ascii")
        match = False
        for record in self._current():
            same = hmac.compare_digest(wanted, record.sha256.encode("ascii"))
            match |= same and record.scope == scope
        return match

    def _current(self) -> list[TokenRecord]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return []
        cached = self._cached
        if cached is not None and cached[0] == (stat.st_ino, stat.st_mtime_ns):
            return cached[1]
        with self._lock:
            return self._read()

    def _read(self) -> list[TokenRecord]:
        try:
            stat = self.path.stat()
            data = json.loads(self.path.read_text(encoding="utf-8"))
            records = [TokenRecord(**item) for item in data.get("tokens", [])]
        except FileNotFoundError:
            records, stat = [], None
        except (ValueError, TypeError, AttributeError) as exc:
            raise StatusgenError(
                f"{self.path}: unreadable token file ({exc}); expected the JSON statusgen "
                "writes; delete it and create new tokens with `statusgen token new`"
            ) from None
        if stat is not None:
            self._cached = ((stat.st_ino, stat.st_mtime_ns), records)
        return records

    def _write(self, records: list[TokenRecord]) -> None:
        private_folder(self.path.parent)
        text = json.dumps({"tokens": [asdict(r) for r in records]}, indent=2) + "\n"
        write_atomic(self.path, text, mode=0o600)
        self._read()
