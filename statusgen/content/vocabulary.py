"""The words content files use (severities, statuses) and their time parser, without pydantic:
the CLI builds its option choices from these at start-up (`statusgen --help` stays light)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from statusgen.clock import parse_iso
from statusgen.validation import shown

SEVERITIES: tuple[str, ...] = ("minor", "major", "critical")
INCIDENT_STATUSES: tuple[str, ...] = ("investigating", "identified", "monitoring", "resolved")
MAINTENANCE_STATUSES: tuple[str, ...] = ("scheduled", "in_progress", "verifying", "completed")
TIME_EXAMPLE = "2026-11-23T14:05Z"
# One incident, announcement or maintenance file: a long post-mortem is tens of KiB; a
# 20 MB body would take half a GB to render and publish (docs/configuration.md).
MAX_CONTENT_BYTES = 1 << 20


def to_utc(value: Any) -> datetime:
    """A YAML timestamp, a date or an ISO 8601 string as an aware UTC datetime."""
    try:
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if isinstance(value, date):
            return datetime.combine(value, time(0), tzinfo=UTC)
        if isinstance(value, str):
            text = value.strip()
            if text.upper().endswith(" UTC"):
                text = text[:-4] + "Z"
            try:
                return parse_iso(text).astimezone(UTC)
            except ValueError:
                pass
    except OverflowError:
        # 9999-12-31T23:59:59-23:00 is year 10000 in UTC, which datetime cannot hold.
        raise ValueError(
            f"{shown(_text(value))} is out of range once converted to UTC; expected a time "
            "between years 1 and 9999"
        ) from None
    raise ValueError(f"expected an ISO 8601 time like {TIME_EXAMPLE}, got {shown(value)}")


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
