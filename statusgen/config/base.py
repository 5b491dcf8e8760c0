"""Shared pieces of the config models: strictness, ids, durations."""

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_CONFIG = Path("config/statusgen.toml")
REPLICA_SCHEMES = ("icmp", "tcp", "tls", "http", "https", "dns")
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LOCALES = ("en", "fr", "de", "es")

Seconds = Annotated[float, Field(gt=0, le=86400)]
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
Mode = Literal["poll", "push", "local"]
Theme = Literal["light", "dark", "auto"]
Event = Literal["dead", "sick", "recovered", "certificate", "location"]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never be silently ignored. Types are strict:
    `interval = true` or `delay_dead = "2"` is an error, not 1 or 2.0 (an integer is
    still a valid number of seconds)."""

    model_config = ConfigDict(extra="forbid", frozen=False, strict=True)


# Default factories for empty lists and dicts. Not `list` and `dict` themselves: pydantic
# reads each factory's signature, and a builtin's is parsed from its text with tokenize
# (about a third of a millisecond each, at every start).
def new_list() -> list:
    return []


def new_dict() -> dict:
    return {}
