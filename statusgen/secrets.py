"""Masking secrets in text: the one rule the config, logs and error messages share."""

from __future__ import annotations

from collections.abc import Iterable

MASK = "***"


def mask(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by MASK, longest first (so a secret that contains
    another is masked whole)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
