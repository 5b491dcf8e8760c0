"""The notifier's persisted state: `history/notify-state.json` by default.

It lives in the repository next to the history so that a cron pass, a restart or a fresh
clone knows what was already announced and never repeats it. It holds no secret: channels
and hooks are named by their `name`/`label`, never by URL.

A damaged file never costs the records that are still good: the original is copied to
`corrupt/` next to it (once, never overwritten), every record that validates is kept
(outbox messages, announced tracks, hook states, certificates announced), the others are
dropped and counted, and one warning says which file, what was wrong and what was kept.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

from statusgen.clock import parse_iso
from statusgen.errors import StatusgenError
from statusgen.files import set_aside, write_atomic
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
    attempted_at: AwareDatetime | None = None
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
    created_at: AwareDatetime
    attempts: int = Field(0, ge=0)
    next_attempt: AwareDatetime
    last_error: str = ""


def _iso_time(text: str) -> str:
    parse_iso(text)  # the certificate event compares it with a new expiry
    return text


IsoTime = Annotated[str, AfterValidator(_iso_time)]


class NotifierState(Loose):
    version: int = STATE_VERSION
    tracks: dict[str, Track] = Field(default_factory=dict)
    page_health: Status | None = None
    hooks: dict[str, HookState] = Field(default_factory=dict)
    outbox: list[OutboxItem] = Field(default_factory=list)
    certificates: dict[str, IsoTime] = Field(
        default_factory=dict, description="replica key -> the certificate expiry announced"
    )
    locations: dict[str, str] = Field(
        default_factory=dict, description="location id -> its last record, announced silent"
    )


def load_state(path: Path) -> NotifierState:
    """The saved state, or an empty one when there is none yet. A damaged file is copied
    to `corrupt/`, what validates in it is kept (see the module), and the next save
    replaces it. A file that cannot be read at all (permissions) is an error: replacing
    it would lose the outbox."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return NotifierState()
    except OSError as exc:
        raise StatusgenError(
            f"{path}: cannot read the notifier state ({(exc.strerror or 'error').lower()}); "
            "it holds the outbox and what was announced: make it a readable file"
        ) from None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else "nested too deeply"
        log.warning(
            "%s: notifier state damaged: not JSON (%s); nothing in it could be read, starting "
            "from an empty state; the original is %s",
            path,
            reason,
            set_aside(path, raw),
        )
        return NotifierState()
    try:
        return NotifierState.model_validate(data)
    except (ValidationError, RecursionError):
        state, problems, dropped = salvage(data)
        return _damaged(path, raw, state, problems, dropped)


def salvage(data: Any) -> tuple[NotifierState, list[str], int]:
    """Every record of a parsed state file that validates on its own, the problems of the
    others (key and what is wrong, never a value), and how many were dropped."""
    if not isinstance(data, dict):
        return NotifierState(), ["not a JSON object"], 1
    problems: list[str] = []
    fields: dict[str, Any] = {}
    for name, adapter in _RECORDS.items():
        value = data.get(name, [] if name == "outbox" else {})
        shape: type = list if name == "outbox" else dict
        if not isinstance(value, shape):
            problems.append(f"{name}: not a JSON {'array' if shape is list else 'object'}")
            continue
        pairs = enumerate(value) if shape is list else value.items()
        kept: dict[Any, Any] = {}
        for key, item in pairs:
            try:
                kept[key] = adapter.validate_python(item)
            except (ValidationError, RecursionError) as exc:
                problems.append(f"{name}[{key!r}]{_problem(exc)}")
        fields[name] = list(kept.values()) if shape is list else kept
    try:
        fields["page_health"] = _HEALTH.validate_python(data.get("page_health"))
    except ValidationError as exc:
        problems.append(f"page_health{_problem(exc)}")
    return NotifierState(**fields), problems, len(problems)


_RECORDS: dict[str, TypeAdapter[Any]] = {
    "tracks": TypeAdapter(Track),
    "hooks": TypeAdapter(HookState),
    "outbox": TypeAdapter(OutboxItem),
    "certificates": TypeAdapter(IsoTime),
}
_HEALTH: TypeAdapter[Status | None] = TypeAdapter(Status | None)


def _problem(exc: ValidationError | RecursionError) -> str:
    if isinstance(exc, RecursionError):
        return ": nested too deeply"
    error = exc.errors(include_input=False)[0]
    where = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    return f"{where}: {error['msg']}"


_COUNTS: tuple[tuple[str, str, Callable[[NotifierState], int]], ...] = (
    ("outbox message", "outbox messages", lambda s: len(s.outbox)),
    ("track", "tracks", lambda s: len(s.tracks)),
    ("hook state", "hook states", lambda s: len(s.hooks)),
    ("certificate", "certificates", lambda s: len(s.certificates)),
)


def _damaged(
    path: Path, raw: bytes, state: NotifierState, problems: list[str], dropped: int
) -> NotifierState:
    aside = set_aside(path, raw)
    kept = ", ".join(f"{n} {one if n == 1 else many}" for one, many, n in _counted(state))
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    log.warning(
        "%s: notifier state damaged: %s%s; kept %s, dropped %d record(s); the original is %s",
        path,
        problems[0],
        more,
        kept,
        dropped,
        aside,
    )
    return state


def _counted(state: NotifierState) -> list[tuple[str, str, int]]:
    return [(one, many, count(state)) for one, many, count in _COUNTS]


def save_state(path: Path, state: NotifierState) -> None:
    """Write the state atomically (temp file in the same folder, fsync, rename), so a
    crash mid-write leaves the previous state intact."""
    text = json.dumps(state.model_dump(mode="json"), indent=1, sort_keys=True) + "\n"
    write_atomic(path, text)
