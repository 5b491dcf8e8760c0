"""When to notify: pure functions from a tracked status, this pass's status and `now`.

Each node (and, when `notify.replicas` is on, each replica) has a Track in the persisted
notifier state. A pass updates what was *observed*; a change is *announced* only once the
new status has held for `dead_after_passes` (dead, sick) or `recovered_after_passes`
(healthy) consecutive passes, so one flapping probe never pages anyone. While an
announced outage lasts, reminders fall due every `reminder_interval` seconds, the gap
multiplied by `reminder_backoff` after each one. Under maintenance (held) the Track
keeps observing but nothing is announced: when the window ends, whatever is still true
is announced then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from statusgen.config import NotifySettings
from statusgen.health import settled
from statusgen.status import Status

Kind = Literal["dead", "sick", "recovered", "reminder"]


class Track(BaseModel):
    """What the notifier knows about one node or replica across passes."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    announced: Status = Status.HEALTHY
    observed: Status = Status.HEALTHY
    streak: int = 0
    # Aware times only: a naive one (a hand-edited state file) cannot be compared with now.
    observed_since: AwareDatetime | None = None
    outage_since: AwareDatetime | None = None
    outage_worst: Status = Status.HEALTHY
    reminders: int = 0
    next_reminder: AwareDatetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """One announcement: `key` went `kind` (`status` is what is now announced).

    `since` is when the new status was first observed; `outage_since` when the outage
    began (first non-healthy status announced); `worst` the worst status of the outage,
    which decides who hears of a recovery; `duration` is the outage's length in seconds
    for a recovery, and how long it has lasted so far for a reminder.
    """

    key: str
    kind: Kind
    status: Status
    previous: Status
    since: datetime
    outage_since: datetime | None = None
    worst: Status = Status.HEALTHY
    duration: float | None = None
    reminder: int = 0

    @property
    def event(self) -> str:
        """The channel event this announcement belongs to (`Channel.events`)."""
        return "dead" if self.kind == "reminder" else self.kind


def observe(track: Track, status: Status, now: datetime) -> Track:
    """Count consecutive passes of the same status."""
    if track.streak and track.observed is status:
        return track.model_copy(update={"streak": track.streak + 1})
    return track.model_copy(update={"observed": status, "streak": 1, "observed_since": now})


def step(
    track: Track | None,
    status: Status,
    now: datetime,
    rules: NotifySettings,
    held: bool = False,
    key: str = "",
) -> tuple[Track, Transition | None]:
    """Advance one Track by one pass; return the new Track and what to announce, if
    anything. At most one announcement per key and pass."""
    track = observe(track or Track(), status, now)
    if held:
        return track, None
    if track.observed is not track.announced:
        if settled(
            track.observed, track.streak, rules.dead_after_passes, rules.recovered_after_passes
        ):
            return _announce(track, now, rules, key)
        return track, None
    return _remind(track, now, rules, key)


def _announce(
    track: Track, now: datetime, rules: NotifySettings, key: str
) -> tuple[Track, Transition]:
    since = track.observed_since or now
    if track.observed is Status.HEALTHY:
        started = track.outage_since or since
        transition = Transition(
            key=key,
            kind="recovered",
            status=Status.HEALTHY,
            previous=track.announced,
            since=since,
            outage_since=started,
            worst=track.outage_worst,
            duration=max(0.0, (since - started).total_seconds()),
        )
        return Track(observed=Status.HEALTHY, streak=track.streak, observed_since=since), transition
    started = track.outage_since or since
    worst = Status.worst([track.outage_worst, track.observed])
    dead = track.observed is Status.DEAD
    interval = rules.reminder_interval if dead else None
    next_reminder = now + timedelta(seconds=interval) if interval else None
    new = track.model_copy(
        update={
            "announced": track.observed,
            "outage_since": started,
            "outage_worst": worst,
            "reminders": 0,
            "next_reminder": next_reminder,
        }
    )
    kind: Kind = "dead" if dead else "sick"
    return new, Transition(
        key=key,
        kind=kind,
        status=track.observed,
        previous=track.announced,
        since=since,
        outage_since=started,
        worst=worst,
    )


def _remind(
    track: Track, now: datetime, rules: NotifySettings, key: str
) -> tuple[Track, Transition | None]:
    due = track.next_reminder
    if track.announced is not Status.DEAD or due is None or now < due:
        return track, None
    count = track.reminders + 1
    gap = (rules.reminder_interval or 0) * rules.reminder_backoff**count
    new = track.model_copy(
        update={"reminders": count, "next_reminder": now + timedelta(seconds=gap)}
    )
    started = track.outage_since or track.observed_since or now
    return new, Transition(
        key=key,
        kind="reminder",
        status=Status.DEAD,
        previous=Status.DEAD,
        since=track.observed_since or now,
        outage_since=started,
        worst=Status.DEAD,
        duration=(now - started).total_seconds(),
        reminder=count,
    )


def advance(
    tracks: dict[str, Track],
    statuses: dict[str, Status],
    now: datetime,
    rules: NotifySettings,
    held: frozenset[str] | set[str] = frozenset(),
    known: set[str] | None = None,
) -> tuple[dict[str, Track], list[Transition]]:
    """Advance every tracked key by one pass, in the order of `statuses`.

    Keys without a status this pass (a push node nobody reported to) keep their Track;
    Tracks of keys no longer `known` (removed from the config) are forgotten silently.
    A replica key (`service/node/replica`) is held when its node key is.
    """
    out: dict[str, Track] = {}
    transitions: list[Transition] = []
    for key, status in statuses.items():
        track, transition = step(tracks.get(key), status, now, rules, node_of(key) in held, key)
        out[key] = track
        if transition:
            transitions.append(transition)
    for key, track in tracks.items():
        if key not in out and (known is None or key in known):
            out[key] = track
    return out, transitions


def node_of(key: str) -> str:
    """The node key of a node or replica key."""
    return "/".join(key.split("/", 2)[:2])


def announced_health(
    tracks: dict[str, Track], nodes: list[str], held: set[str] | frozenset[str]
) -> Status:
    """The page's general health as announced: the worst announced status of the given
    node keys, leaving out nodes under maintenance."""
    return Status.worst(
        [tracks[key].announced for key in nodes if key in tracks and key not in held]
    )


def health_changed(previous: Status | None, current: Status) -> bool:
    """Whether the page's announced health changed. With no previous record (first run)
    only an unhealthy page is news."""
    if previous is None:
        return current is not Status.HEALTHY
    return previous is not current
