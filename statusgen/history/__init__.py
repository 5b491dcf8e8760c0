"""The JSON history in the repo: writing passes (store) and reading them back (query)."""

from __future__ import annotations

from statusgen.config import Config
from statusgen.history.query import DayBar, HistoryView, Sample
from statusgen.history.store import SCHEMA, Store, pass_record

__all__ = [
    "SCHEMA",
    "DayBar",
    "HistoryView",
    "Sample",
    "Store",
    "open_store",
    "pass_record",
]


def open_store(config: Config) -> Store:
    """The history store the config points at."""
    return Store(
        config.history_dir,
        retention_days=config.history.retention_days,
        aggregate_days=config.history.aggregate_days,
    )
