"""The notifier's persisted state: `history/notify-state.json` by default.

It lives in the repository next to the history so that a cron pass, a restart or a fresh
clone knows what was already announced and never repeats it. It holds no secret: channels
and hooks are named by their `name`/`label`, never by URL.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from statusgen.files import write_atomic
from statusgen.notify.transitions import Track
from statusgen.status import Status

log = logging.getLogger("statusgen.notify")

STATE_VERSION = 1


class Loose(BaseModel):
    # Unknown keys are ignored so an older statusgen can read a newer state file.
    model_config = ConfigDict(extra="ignore")


class HookState(Loose):
    """The seeds' hook status: inactive (never tried), active (last POST accepted), failed."""

    status: Literal["inactive", "active", "failed"] = "inactive"
    attempted_at: datetime | None = None
    last_error: str = ""


class OutboxItem(Loose):
    """A message that could not be delivered yet. `target` is a channel name or a hook
    label; `body` is the exact text (or, for a hook, the exact JSON that is signed)."""

    id: str
    kind: Literal["channel", "hook"]
    target: str
    title: str = ""
    body: str
    level: Literal["info", "success", "warning", "failure"] = "info"
    created_at: datetime
    attempts: int = 0
    next_attempt: datetime
    last_error: str = ""


class NotifierState(Loose):
    version: int = STATE_VERSION
    tracks: dict[str, Track] = Field(default_factory=dict)
    page_health: Status | None = None
    hooks: dict[str, HookState] = Field(default_factory=dict)
    outbox: list[OutboxItem] = Field(default_factory=list)
    certificates: dict[str, str] = Field(
        default_factory=dict, description="replica key -> the certificate expiry announced"
    )


def load_state(path: Path) -> NotifierState:
    """The saved state, or an empty one when there is none yet. An unreadable file is
    logged and replaced on the next save: notifications must not stop over it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return NotifierState()
    try:
        return NotifierState.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        log.warning("%s: notifier state unreadable (%s); starting from an empty state", path, first)
        return NotifierState()


def save_state(path: Path, state: NotifierState) -> None:
    """Write the state atomically (temp file in the same folder, fsync, rename), so a
    crash mid-write leaves the previous state intact."""
    text = json.dumps(state.model_dump(mode="json"), indent=1, sort_keys=True) + "\n"
    write_atomic(path, text)
