"""The one clock. Every rule that needs the time takes `now`; callers get it from a Clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, timezone-aware UTC, to the second's microsecond."""
    return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: tests set it, the code reads it."""

    def __init__(self, start: datetime) -> None:
        self.now = start if start.tzinfo else start.replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, **kwargs: float) -> datetime:
        self.now += timedelta(seconds=seconds, **kwargs)
        return self.now


def iso(dt: datetime) -> str:
    """Compact ISO 8601 in UTC with a Z, the one format statusgen writes (the year always
    four digits: strftime writes year 334 as '334', which no ISO reader takes)."""
    dt = dt.astimezone(UTC)
    text = (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    )
    if dt.microsecond:
        return f"{text}.{dt.microsecond // 1000:03d}Z"
    return text + "Z"


def parse_iso(text: str) -> datetime:
    """Read what `iso` wrote (and any ISO 8601 with an offset); naive times are UTC."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
