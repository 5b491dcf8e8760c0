"""The JSON history in the repo: writing passes (store), sealing days, reading them back
(query). Every other module reads and writes the history only through this package; the
format is specified in docs/history.md."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from statusgen.config import Config
from statusgen.history.branch import ensure_worktree
from statusgen.history.dayrows import DayBar, Sample
from statusgen.history.days import aggregate_day
from statusgen.history.gcpause import collector_frozen, collector_paused
from statusgen.history.locations import (
    Latest,
    MergePolicy,
    fresh_votes,
    location_of,
    merge_at,
    writer_name,
)
from statusgen.history.passes import ImportReport, append_once, import_passes, write_pass
from statusgen.history.query import HistoryView
from statusgen.history.rawindex import RawCache
from statusgen.history.store import GRACE, SCHEMA, Store, pass_record

__all__ = [
    "GRACE",
    "SCHEMA",
    "DayBar",
    "HistoryView",
    "ImportReport",
    "Latest",
    "MergePolicy",
    "RawCache",
    "Sample",
    "Store",
    "aggregate_day",
    "append_once",
    "collector_frozen",
    "collector_paused",
    "fresh_votes",
    "import_pass_folders",
    "location_of",
    "merge_at",
    "merge_policy",
    "open_store",
    "pass_record",
    "write_pass",
    "writer_name",
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
        policy=merge_policy(config),
        pack=bool(config.history.branch),
    )


def import_pass_folders(config: Config, paths: list[Path], at: datetime) -> ImportReport:
    """Import pass folders (`statusgen probe --location ID --out DIR`, one per workflow
    artifact) into the config's history: see `statusgen.history.passes`."""
    ensure_worktree(config)  # before anything is written there, a quarantined copy too
    return import_passes(
        lambda writer: open_store(config, writer=writer),
        paths,
        {location.id for location in config.locations},
        at,
        config.history_dir / "corrupt" / "imports",
    )


def merge_policy(config: Config) -> MergePolicy:
    """How reading merges the locations' records: the config's quorum, `stale_after`,
    public names and health rule."""
    return MergePolicy(
        quorum=config.quorum,
        stale_after=config.health.stale_after,
        names={location.id: location.name for location in config.locations},
        rule=config.health.rule,
    )
