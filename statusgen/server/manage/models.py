"""The management API's request and response bodies, as pydantic models.

They validate what clients send (strict JSON types, unknown keys refused) and they are
the source of the OpenAPI document: `/openapi.json` is generated from these classes, so
the documented shapes and the served ones cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from statusgen.config import SLUG_PATTERN
from statusgen.content.timeline import normalise_newlines
from statusgen.site.problems import RESERVED

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAK = re.compile(r"[\r\n]")
UPDATE_HEADING = re.compile(r"^ {0,3}##(?!#)", re.MULTILINE)
# What the validators below enforce, as JSON Schema for /openapi.json (each pattern means
# the same to ECMA 262 and to Python's re): schemathesis checks that the server accepts
# every value these allow and refuses every other.
TEXT_SCHEMA = {"pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"}
LINE_SCHEMA = {"pattern": r"^[^\x00-\x1f\x7f]*$"}
# `require`: a required text must hold more than white space.
FILLED_SCHEMA = {"pattern": r"\S"}
NO_REFERENCE = {"not": {"pattern": r"\$\{"}}
NO_UPDATE_HEADING = {"not": {"pattern": r"(^|[\r\n]) {0,3}##(?!#)"}}
_URL_CHAR = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
URL_PATTERN = rf"^https?://[^{_URL_CHAR}/?#]+[^{_URL_CHAR}]*$"


def _text(value: str) -> str:
    # A lone surrogate is valid JSON but cannot be written to a UTF-8 file.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    if CONTROL.search(value):
        raise ValueError("must not contain control characters")
    # A bare \r is a line break to a reader of the file: normalise before any check, so
    # a `## <time> — <status>` after one is seen (and refused) as the heading it is.
    return normalise_newlines(value)


def _filled(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _line(value: str) -> str:
    if LINE_BREAK.search(_text(value)):
        raise ValueError("must be a single line")
    return value


def _config_text(value: str) -> str:
    # Page fields land in the config, where ${NAME} is replaced from the environment:
    # letting the API write one would publish a server secret on the page.
    if "${" in _text(value):
        raise ValueError("must not contain '${' (environment references are config-only)")
    return value


def _no_update_heading(value: str) -> str:
    # In an incident file a line `## <time> — <status>` starts a new update: a message
    # must not be able to forge one (or break the timeline).
    if UPDATE_HEADING.search(value):
        raise ValueError("level-two headings (## ...) are reserved for updates; use ###")
    return value


def _url(value: str) -> str:
    if not re.match(URL_PATTERN, value):
        raise ValueError("must be an absolute http:// or https:// URL")
    return value


def _rules(*schemas: dict) -> Any:
    """The JSON Schema of a field's validators (see TEXT_SCHEMA)."""
    return Field(json_schema_extra={"allOf": list(schemas)})


Line = Annotated[str, AfterValidator(_line), _rules(LINE_SCHEMA)]
Text = Annotated[str, AfterValidator(_text), _rules(TEXT_SCHEMA)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, min_length=1, max_length=64),
                 Field(json_schema_extra={"not": {"enum": sorted(RESERVED)}})]  # fmt: skip
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_line),
                 AfterValidator(_config_text), AfterValidator(_filled),
                 _rules(LINE_SCHEMA, FILLED_SCHEMA, NO_REFERENCE)]  # fmt: skip
Description = Annotated[str, Field(max_length=2000), AfterValidator(_config_text),
                        _rules(TEXT_SCHEMA, NO_REFERENCE)]  # fmt: skip
LogoUrl = Annotated[str, Field(max_length=2000), AfterValidator(_url), AfterValidator(_line),
                    AfterValidator(_config_text),
                    _rules({"pattern": URL_PATTERN}, NO_REFERENCE)]  # fmt: skip
ServerId = Annotated[str, Field(min_length=1, max_length=64)]
Servers = Annotated[list[ServerId], Field(max_length=50)]
Theme = Literal["dark", "light", "auto"]
Severity = Literal["minor", "major", "critical"]
IncidentStatus = Literal["investigating", "identified", "monitoring", "resolved"]
Title = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_line),
                  AfterValidator(_filled), _rules(LINE_SCHEMA, FILLED_SCHEMA)]  # fmt: skip
Message = Annotated[str, Field(min_length=1, max_length=10000), AfterValidator(_text),
                    AfterValidator(_filled), _rules(TEXT_SCHEMA, FILLED_SCHEMA)]  # fmt: skip
UpdateMessage = Annotated[Message, AfterValidator(_no_update_heading),
                          _rules(TEXT_SCHEMA, FILLED_SCHEMA, NO_UPDATE_HEADING)]  # fmt: skip
Timestamp = Annotated[str, Field(description="ISO 8601 UTC, e.g. 2026-05-24T18:42:11Z")]
# An RFC 3339 time (the ISO 8601 profile the API takes), or Unix milliseconds within the
# years 1 to 9999.
TIME_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
MS_RANGE = (-62135596800000, 253402300799000)
ExpireAt = Annotated[
    str | float,
    WithJsonSchema(
        {
            "description": "RFC 3339 time (ISO 8601), or a Unix time in milliseconds "
            "(Crisp's format)",
            "anyOf": [
                {"type": "string", "format": "date-time", "pattern": TIME_PATTERN},
                {"type": "number", "minimum": MS_RANGE[0], "maximum": MS_RANGE[1]},
            ],
        }
    ),
]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests -------------------------------------------------------------------------


class PageCreate(Request):
    slug: Slug = Field(description="lowercase letters, numbers and hyphens; unique")
    name: Name
    description: Description = ""
    logo_url: LogoUrl | None = None
    servers: Servers = Field(default_factory=list, description="service or node ids")
    theme: Theme = "dark"


class PagePatch(Request):
    """Any subset; `description` and `logo_url` may be null to clear them."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    name: Name | SkipJsonSchema[None] = None
    description: Description | None = None
    logo_url: LogoUrl | None = None
    servers: Servers | SkipJsonSchema[None] = None
    theme: Theme | SkipJsonSchema[None] = None
    enabled: bool | SkipJsonSchema[None] = None


class IncidentCreate(Request):
    title: Title
    message: UpdateMessage = Field(description="Markdown; also the first update")
    status: IncidentStatus = "investigating"
    severity: Severity = "minor"
    affected_servers: Servers | SkipJsonSchema[None] = Field(
        None, description="service or node ids; default: the page's servers"
    )


class IncidentPatch(Request):
    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    title: Title | SkipJsonSchema[None] = None
    status: IncidentStatus | SkipJsonSchema[None] = Field(
        None, description="a new status adds an update saying so; resolved sets resolved_at"
    )
    severity: Severity | SkipJsonSchema[None] = None


class UpdateCreate(Request):
    message: UpdateMessage = Field(description="Markdown")
    status: IncidentStatus | SkipJsonSchema[None] = Field(
        None, description="default: the incident's current status"
    )


class AnnouncementPut(Request):
    title: Title
    message: Message = Field(description="Markdown")
    expire_at: ExpireAt | None = None


# --- replies --------------------------------------------------------------------------


class StatusPage(Reply):
    id: str
    slug: str
    name: str
    description: str
    logo_url: str | None
    servers: list[str]
    theme: Theme
    custom_domain: str | None
    enabled: bool
    created_at: Timestamp | None


class StatusPageList(Reply):
    status_pages: list[StatusPage]
    timestamp: Timestamp


class StatusPageReply(Reply):
    status_page: StatusPage
    timestamp: Timestamp


class StatusPageUpdated(Reply):
    message: Literal["Status page updated"]
    status_page: StatusPage
    timestamp: Timestamp


class Done(Reply):
    message: str
    timestamp: Timestamp


class IncidentOut(Reply):
    id: str
    status_page_id: str
    title: str
    status: IncidentStatus
    severity: Severity
    message: str
    affected_servers: list[str]
    created_at: Timestamp
    resolved_at: Timestamp | None


class IncidentReply(Reply):
    incident: IncidentOut
    timestamp: Timestamp


class UpdateOut(Reply):
    id: str
    incident_id: str
    status: IncidentStatus
    message: str
    created_at: Timestamp


class UpdateReply(Reply):
    update: UpdateOut
    timestamp: Timestamp


class AnnouncementOut(Reply):
    title: str
    message: str
    created_at: Timestamp | None
    updated_at: Timestamp | None
    expire_at: Timestamp | None


class AnnouncementReply(Reply):
    announcement: AnnouncementOut
    timestamp: Timestamp


class AnnouncementSaved(Reply):
    message: Literal["Announcement saved"]
    announcement: AnnouncementOut
    timestamp: Timestamp


class Error(Reply):
    error: str
    timestamp: Timestamp
