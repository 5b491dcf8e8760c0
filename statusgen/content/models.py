"""Parsed content: incidents, announcements and maintenance windows, and the questions the
rest of statusgen asks about them (what is open, active, upcoming, under maintenance).

Items are frozen dataclasses built only by the reader, so every item in a Content passed
validation. Times are aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from statusgen.config import Config
from statusgen.status import node_key


@dataclass(frozen=True, slots=True)
class Update:
    """One entry of a timeline. `id` is stable while the file keeps the update's time."""

    id: str
    at: datetime
    status: str
    message: str
    html: str


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident. `message`/`html` are its opening (oldest) update, as in the seeds'
    API where the creating message is also the first update."""

    id: str
    path: Path
    title: str
    severity: str
    status: str
    affected: tuple[str, ...]
    started: datetime
    resolved: datetime | None
    updates: tuple[Update, ...]
    message: str
    html: str
    auto: str | None = None
    created: datetime | None = None  # when the file was written (older files: None)

    @property
    def open(self) -> bool:
        return self.status != "resolved"

    @property
    def updated(self) -> datetime:
        return self.updates[0].at if self.updates else self.started

    def node_keys(self, config: Config) -> set[str]:
        """The nodes this incident is about ("service/node"); a service means all its
        nodes. Empty when it names nothing: it is then about the page as a whole."""
        return expand_ids(config, self.affected)


@dataclass(frozen=True, slots=True)
class Announcement:
    """A notice shown on the page from `starts` until `expires` (either may be open)."""

    id: str
    path: Path
    title: str
    starts: datetime | None
    expires: datetime | None
    created: datetime | None
    message: str
    html: str
    page: str | None = None  # the slug of the one page it is shown on; None: every page

    def active(self, now: datetime) -> bool:
        return (self.starts is None or self.starts <= now) and (
            self.expires is None or now < self.expires
        )


@dataclass(frozen=True, slots=True)
class Maintenance:
    """Planned work on the affected services or nodes between `starts` and `ends`.

    `html` is the description (the body before any update heading). A `completed` update
    ends the window early: `end` is then the earlier of `ends` and that update's time.
    """

    id: str
    path: Path
    title: str
    starts: datetime
    ends: datetime
    affected: tuple[str, ...]
    updates: tuple[Update, ...]
    message: str
    html: str
    created: datetime | None = None  # when it was announced (older files: None)

    @property
    def end(self) -> datetime:
        done = [u.at for u in self.updates if u.status == "completed"]
        return max(self.starts, min([self.ends, *done]))

    def active(self, now: datetime) -> bool:
        return self.starts <= now < self.end

    def status(self, now: datetime) -> str:
        """scheduled, in_progress, verifying or completed at `now`."""
        if now >= self.end:
            return "completed"
        if now < self.starts:
            return "scheduled"
        latest = next((u.status for u in self.updates if u.at <= now), "in_progress")
        return latest if latest in ("in_progress", "verifying") else "in_progress"

    def node_keys(self, config: Config) -> set[str]:
        return expand_ids(config, self.affected)


def expand_ids(config: Config, ids: Iterable[str]) -> set[str]:
    """Service and node ids as node keys: a service id stands for all its nodes."""
    wanted = set(ids)
    return {
        node_key(service.id, node.id)
        for service, node in config.iter_nodes()
        if service.id in wanted or node.id in wanted
    }


@dataclass(frozen=True)
class Content:
    """Every content item of a project, each list newest first."""

    incidents: list[Incident] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)
    maintenance: list[Maintenance] = field(default_factory=list)

    def incident(self, ident: str) -> Incident | None:
        return next((i for i in self.incidents if i.id == ident), None)

    def open_incidents(self) -> list[Incident]:
        """Incidents not resolved yet, newest first."""
        return [i for i in self.incidents if i.open]

    def active_announcements(self, now: datetime) -> list[Announcement]:
        """Announcements inside their window at `now`, newest first."""
        return [a for a in self.announcements if a.active(now)]

    def active_maintenance(self, now: datetime) -> list[Maintenance]:
        """Maintenance windows running at `now`, newest first."""
        return [m for m in self.maintenance if m.active(now)]

    def upcoming_maintenance(self, now: datetime) -> list[Maintenance]:
        """Maintenance windows that start after `now`, soonest first."""
        return sorted((m for m in self.maintenance if m.starts > now), key=lambda m: m.starts)

    def maintenance_nodes(self, config: Config, now: datetime) -> set[str]:
        """Node keys ("service/node") under maintenance at `now`."""
        keys: set[str] = set()
        for window in self.active_maintenance(now):
            keys |= window.node_keys(config)
        return keys

    def maintenance_windows(self, config: Config) -> dict[str, list[tuple[datetime, datetime]]]:
        """Every maintenance window, past and future, per node key, as (start, end) pairs
        sorted by start; end is exclusive. Uptime maths leaves downtime inside them out."""
        windows: dict[str, list[tuple[datetime, datetime]]] = {}
        for window in self.maintenance:
            if window.end <= window.starts:
                continue
            for key in window.node_keys(config):
                windows.setdefault(key, []).append((window.starts, window.end))
        return {key: sorted(spans) for key, spans in sorted(windows.items())}

    def incidents_for(self, config: Config, key: str) -> list[Incident]:
        """Open incidents about the node `key` ("service/node"), newest first."""
        return [i for i in self.open_incidents() if key in i.node_keys(config)]
