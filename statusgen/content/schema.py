"""Front matter schemas: what each kind of content file may say, validated by pydantic.

Unknown keys are errors (a typo must never be silently ignored). Times may be written as
ISO 8601 strings or YAML timestamps; naive times are UTC; everything is stored in UTC.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from statusgen.config.base import new_list
from statusgen.content.vocabulary import (  # noqa: F401 (re-exported)
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    SEVERITIES,
    TIME_EXAMPLE,
    to_utc,
)

Severity = Literal["minor", "major", "critical"]
IncidentStatus = Literal["investigating", "identified", "monitoring", "resolved"]
MaintenanceStatus = Literal["scheduled", "in_progress", "verifying", "completed"]


def _as_list(value: Any) -> Any:
    """`affected: api` is read as `affected: [api]`; `affected:` (null) as none."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


Timestamp = Annotated[datetime, BeforeValidator(to_utc)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Ids = Annotated[list[str], BeforeValidator(_as_list)]
NodeKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9_-]*$")]


class Front(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class IncidentFront(Front):
    """An incident. `status`, `started` and `resolved` may be left out: they then come
    from the timeline (newest update's status, oldest update's time, resolving update)."""

    title: Title
    severity: Severity = "minor"
    status: IncidentStatus | None = None
    affected: Ids = Field(default_factory=new_list)
    started: Timestamp | None = None
    resolved: Timestamp | None = None
    created: Timestamp | None = Field(None, description="when the file was written")
    auto: NodeKey | None = Field(None, description="node key of an automatic incident")


class AnnouncementFront(Front):
    """An announcement, shown from `starts` (default: always) until `expires` (default:
    never)."""

    title: Title
    page: str | None = Field(None, description="slug of the one page it is shown on")
    starts: Timestamp | None = None
    expires: Timestamp | None = None
    created: Timestamp | None = None


class MaintenanceFront(Front):
    """A maintenance window over the affected services or nodes."""

    title: Title
    starts: Timestamp
    ends: Timestamp
    affected: Ids
    created: Timestamp | None = Field(None, description="when the window was announced")

    @field_validator("affected")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("expected at least one service or node id")
        return value
