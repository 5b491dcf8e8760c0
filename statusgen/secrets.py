"""Masking secrets in text: the one rule the config, logs and error messages share."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, unquote, urlsplit

MASK = "***"
SHORTEST = 4  # shorter values would mask ordinary words


def mask(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by MASK, longest first (so a secret that contains
    another is masked whole)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def url_credentials(url: str) -> set[str]:
    """The credentials of an http(s) URL as any library may print them: user, password,
    the query and each query value, raw, decoded and percent-encoded."""
    if "@" not in url and "?" not in url:  # no user info, no query: most probe URLs
        return set()
    found: set[str] = set()
    try:
        parts = urlsplit(url)
        found.update(x for x in (parts.username, parts.password) if x)
        if parts.query:
            found.add(parts.query)
            found.update(value for _, value in parse_qsl(parts.query, keep_blank_values=True))
    except ValueError:
        return set()
    found |= {unquote(s) for s in found} | {quote(unquote(s), safe="") for s in found}
    return {s for s in found if len(s) >= SHORTEST}


class MaskingFormatter(logging.Formatter):
    """A Formatter whose whole output (message, traceback and stack) has every known
    secret masked, whichever library logged the record. Secrets are added as configs
    are loaded (`protect`); the set only grows."""

    def __init__(self, fmt: str | None = None) -> None:
        super().__init__(fmt)
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def protect(self, secrets: Iterable[str]) -> None:
        with self._lock:
            known = set(self._secrets) | {s for s in secrets if len(s) >= SHORTEST}
            self._secrets = tuple(sorted(known, key=len, reverse=True))

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text
