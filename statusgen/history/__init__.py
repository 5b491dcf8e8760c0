"""The JSON history in the repo: writing passes (store), sealing days, reading them back
(query). Every other module reads and writes the history only through this package; the
format is specified in docs/history.md."""

from __future__ import annotations

from statusgen.config import Config
from statusgen.history.branch import ensure_worktree
from statusgen.history.days import aggregate_day
from statusgen.history.query import DayBar, HistoryView, Sample
from statusgen.history.store import GRACE, SCHEMA, Store, pass_record

__all__ = [
    "GRACE",
    "SCHEMA",
    "DayBar",
    "HistoryView",
    "Sample",
    "Store",
    "aggregate_day",
    "open_store",
    "pass_record",
]


def open_store(config: Config, writer: str = "main") -> Store:
    """The history store the config points at; `writer` names this process's raw files
    (`main`, or a location id). With `history.branch`, the branch's worktree is created
    (and the branch fetched) first when it is not there yet. A pass the history refuses
    waits in the state folder's `history-spool/` for the next pass that can write."""
    ensure_worktree(config)
    return Store(
        config.history_dir,
        retention_days=config.history.retention_days,
        aggregate_days=config.history.aggregate_days,
        writer=writer,
        spool=config.resolve(config.server.state_dir) / "history-spool",
    )
