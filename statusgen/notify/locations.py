"""The `location` channel event: a location that falls silent (no record within
`[health] stale_after`) is announced once, and once again when it is back.

What was announced lives in the notifier state (`locations`: location id -> the time of
its last record when it was announced silent), so a cron pass or a restart never repeats
it. A location silent since the first pass that knew of it is announced too: a location
that never reports is the one most worth hearing about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from statusgen.config import Channel, Config
from statusgen.health import fresh_locations
from statusgen.notify.messages import format_duration, format_time

EVENT = "location"


@dataclass(frozen=True, slots=True)
class LocationEvent:
    location: str  # id
    kind: str  # "silent" or "back"
    line: str  # one human line


def location_events(
    config: Config,
    last_seen: dict[str, datetime | None],
    announced: dict[str, str],
    now: datetime,
) -> tuple[list[LocationEvent], dict[str, str]]:
    """This pass's location news, and the announced map to keep (pure)."""
    stale_after = config.health.stale_after
    fresh = fresh_locations(last_seen, now, stale_after)
    kept = {ident: at for ident, at in announced.items() if config.location(ident)}
    events: list[LocationEvent] = []
    for location in config.locations:
        at = last_seen.get(location.id)
        if not fresh.get(location.id, False):
            if location.id in kept:
                continue
            since = f"since {format_time(at)}" if at else "yet"
            events.append(
                LocationEvent(
                    location.id,
                    "silent",
                    f"{location.name}: no record {since} (more than "
                    f"{format_duration(stale_after)}): left out of the vote",
                )
            )
            kept[location.id] = at.isoformat() if at else ""
        elif location.id in kept:
            del kept[location.id]
            events.append(LocationEvent(location.id, "back", f"{location.name}: reporting again"))
    return events, kept


def location_message(
    config: Config, channel: Channel, events: list[LocationEvent]
) -> tuple[str, str, str] | None:
    """(title, body, level) for one channel, or None when it does not hear of locations."""
    if not events or EVENT not in channel.events:
        return None
    silent = [e for e in events if e.kind == "silent"]
    if len(events) == 1:
        name = config.location(events[0].location)
        label = name.name if name else events[0].location
        what = "silent" if silent else "back"
        title = f"{config.page.name}: location {label} {what}"
    else:
        title = f"{config.page.name}: {len(events)} location changes"
    body = "\n".join(e.line for e in events)
    return title, body, "warning" if silent else "success"
