"""Write content files in exactly the format the reader reads.

Every writer builds the new file text, checks it with the reader, writes it atomically
(temporary file, then rename) and returns the item parsed back from disk, so what the
CLI and the management API write is always what a build will read. Writers take plain
arguments and `now`; they never read the clock.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from statusgen.clock import iso
from statusgen.config import Config
from statusgen.content.models import Announcement, Incident, Maintenance, Update
from statusgen.content.paths import content_files, display_name
from statusgen.content.reader import (
    read_announcement,
    read_incident,
    read_maintenance,
    unknown_ids,
)
from statusgen.content.schema import INCIDENT_STATUSES, MAINTENANCE_STATUSES, SEVERITIES
from statusgen.content.timeline import normalise_newlines, render_timeline
from statusgen.errors import ContentError
from statusgen.files import locked, write_atomic

Reader = Callable[[Config, Path, str | None], tuple[Any, list[str]]]


# --- text -----------------------------------------------------------------------------


def slugify(text: str, max_length: int = 60) -> str:
    """`API latency: elevated!` -> `api-latency-elevated`; never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = (
            slug[:max_length].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug[:max_length]
        )
    return slug.strip("-") or "untitled"


def _scalar(value: Any) -> str:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    dumped = yaml.safe_dump(value, allow_unicode=True, width=10**6, default_flow_style=True)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def front_matter(fields: dict[str, Any]) -> str:
    """A `---` block with one `key: value` line per field that is set, in order."""
    lines = [f"{key}: {_scalar(value)}" for key, value in fields.items() if value is not None]
    return "---\n" + "\n".join(lines) + "\n---\n"


def incident_text(
    *,
    title: str,
    severity: str,
    status: str,
    affected: list[str] | tuple[str, ...],
    started: datetime,
    resolved: datetime | None,
    updates: list[tuple[datetime, str, str]],
    auto: str | None = None,
    created: datetime | None = None,
) -> str:
    """An incident file; `updates` are (time, status, Markdown message), any order."""
    fields = {
        "title": title,
        "severity": severity,
        "status": status,
        "affected": list(affected),
        "started": started,
        "resolved": resolved,
        "created": created,
        "auto": auto,
    }
    return front_matter(fields) + "\n" + render_timeline(updates) + "\n"


def announcement_text(
    *,
    title: str,
    message: str,
    starts: datetime | None = None,
    expires: datetime | None = None,
    created: datetime | None = None,
    page: str | None = None,
) -> str:
    fields = {
        "title": title,
        "page": page,
        "starts": starts,
        "expires": expires,
        "created": created,
    }
    return front_matter(fields) + "\n" + message.strip() + "\n"


def maintenance_text(
    *,
    title: str,
    starts: datetime,
    ends: datetime,
    affected: list[str] | tuple[str, ...],
    message: str = "",
    updates: list[tuple[datetime, str, str]] | None = None,
    created: datetime | None = None,
) -> str:
    fields = {
        "title": title,
        "starts": starts,
        "ends": ends,
        "affected": list(affected),
        "created": created,
    }
    parts = [message.strip(), render_timeline(updates or [])]
    body = "\n\n".join(p for p in parts if p)
    return front_matter(fields) + ("\n" + body + "\n" if body else "")


# --- files ----------------------------------------------------------------------------


def folder_lock(folder: Path) -> AbstractContextManager[None]:
    """Serialise read-modify-write of one content folder across threads and processes
    (the CLI and a running management API may write at the same time)."""
    return locked(folder, timeout=120, name=".statusgen.lock")


def _checked(config: Config, path: Path, text: str, reader: Reader) -> None:
    item, problems = reader(config, path, text)
    if problems or item is None:
        raise ContentError(problems or [f"{display_name(config, path)}: cannot be read back"])


def _create(config: Config, folder: Path, stem: str, text: str, reader: Reader) -> Any:
    """Write a new file named `stem.md`, or `stem-2.md`... if taken; return it parsed."""
    text = normalise_newlines(text)
    _checked(config, folder / f"{stem}.md", text, reader)
    for n in range(1, 1000):
        path = folder / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
        try:
            write_atomic(path, text, new=True)
        except FileExistsError:
            continue
        return _read_back(config, path, reader)
    raise ContentError(f"{display_name(config, folder)}: too many files named {stem}-*.md")


def _read_back(config: Config, path: Path, reader: Reader) -> Any:
    item, problems = reader(config, path, None)
    if problems or item is None:
        raise ContentError(problems)
    return item


def _check_args(
    config: Config,
    affected: list[str] | tuple[str, ...] = (),
    **choices: tuple[str | None, tuple[str, ...]],
) -> None:
    problems = [f"affected: {message}" for _, message in unknown_ids(config, affected)]
    for key, (value, allowed) in choices.items():
        if value is not None and value not in allowed:
            problems.append(f"{key}: expected one of {', '.join(allowed)}, got {value!r}")
    if problems:
        raise ContentError(problems)


def _folder(config: Config, rel: str) -> Path:
    return config.resolve(rel)


# --- incidents ------------------------------------------------------------------------


def new_incident(
    config: Config,
    title: str,
    *,
    message: str,
    now: datetime,
    severity: str = "minor",
    status: str = "investigating",
    affected: list[str] | tuple[str, ...] = (),
    auto: str | None = None,
) -> Incident:
    """Open an incident in `<incidents>/<date>-<slug>.md` (made unique); its message is
    the first update. Returns the incident as read back from the file."""
    _check_args(
        config, affected, severity=(severity, SEVERITIES), status=(status, INCIDENT_STATUSES)
    )
    text = incident_text(
        title=title,
        severity=severity,
        status=status,
        affected=affected,
        started=now,
        resolved=now if status == "resolved" else None,
        updates=[(now, status, message)],
        auto=auto,
        created=now,
    )
    stem = f"{now:%Y-%m-%d}-{slugify(title)}"
    return _create(config, _folder(config, config.content.incidents), stem, text, read_incident)


def find_incident_path(config: Config, incident_id: str) -> Path:
    """The file of incident `incident_id`, or a ContentError naming the ids there are."""
    return _find(config, config.content.incidents, incident_id, "incident", "incidents")


def _find(config: Config, rel: str, item_id: str, kind: str, plural: str) -> Path:
    folder = _folder(config, rel)
    path = folder / f"{item_id}.md"
    if "/" in item_id or not path.is_file():
        ids = [p.stem for p in content_files(folder)][-10:]
        known = f"; expected one of: {', '.join(ids)}" if ids else f"; there are no {plural}"
        raise ContentError(f"no {kind} {item_id!r} in {display_name(config, folder)}{known}")
    return path


def add_update(
    config: Config,
    incident_id: str,
    *,
    message: str,
    now: datetime,
    status: str | None = None,
) -> Incident:
    """Add an update on top of an incident's timeline, optionally moving it to a new
    status. Becoming resolved sets `resolved`; leaving resolved clears it."""
    _check_args(config, status=(status, INCIDENT_STATUSES))
    path = find_incident_path(config, incident_id)

    def render(incident: Incident) -> str:
        new_status = status or incident.status
        at, updates = _on_top(incident.updates, max(now, incident.updated), new_status, message)
        resolved = None
        if new_status == "resolved":
            resolved = incident.resolved if incident.status == "resolved" else at
        return incident_text(
            title=incident.title,
            severity=incident.severity,
            status=new_status,
            affected=incident.affected,
            started=incident.started,
            resolved=resolved,
            updates=updates,
            auto=incident.auto,
            created=incident.created,
        )

    return _rewrite(config, path, read_incident, render)


def resolve_incident(config: Config, incident_id: str, *, message: str, now: datetime) -> Incident:
    """Add a `resolved` update; an incident already resolved is an error."""
    incident = _read_back(config, find_incident_path(config, incident_id), read_incident)
    if not incident.open:
        raise ContentError(
            f"incident {incident_id!r} is already resolved (at {iso(incident.resolved or now)});"
            " expected an open incident (use `incident update` to add a note)"
        )
    return add_update(config, incident_id, message=message, now=now, status="resolved")


# --- announcements and maintenance ----------------------------------------------------


def new_announcement(
    config: Config,
    title: str,
    *,
    message: str,
    now: datetime,
    starts: datetime | None = None,
    expires: datetime | None = None,
) -> Announcement:
    """Publish an announcement shown from `starts` (default: at once) to `expires`."""
    text = announcement_text(
        title=title, message=message, starts=starts, expires=expires, created=now
    )
    stem = f"{starts or now:%Y-%m-%d}-{slugify(title)}"
    folder = _folder(config, config.content.announcements)
    return _create(config, folder, stem, text, read_announcement)


def new_maintenance(
    config: Config,
    title: str,
    *,
    starts: datetime,
    ends: datetime,
    affected: list[str] | tuple[str, ...],
    message: str = "",
    now: datetime | None = None,
) -> Maintenance:
    """Schedule maintenance of `affected` (service or node ids) between `starts` and
    `ends`; `message` is its description and `now` (written as `created`) when it was
    announced."""
    _check_args(config, affected)
    text = maintenance_text(
        title=title, starts=starts, ends=ends, affected=affected, message=message, created=now
    )
    stem = f"{starts:%Y-%m-%d}-{slugify(title)}"
    folder = _folder(config, config.content.maintenance)
    return _create(config, folder, stem, text, read_maintenance)


def add_maintenance_update(
    config: Config, maintenance_id: str, *, message: str, now: datetime, status: str
) -> Maintenance:
    """Add an update on top of a maintenance timeline (`in_progress`, `verifying`,
    `completed`...). A `completed` update ends the window early."""
    _check_args(config, status=(status, MAINTENANCE_STATUSES))
    path = _find(
        config, config.content.maintenance, maintenance_id, "maintenance", "maintenance windows"
    )

    def render(item: Maintenance) -> str:
        _, updates = _on_top(item.updates, now, status, message)
        return maintenance_text(
            title=item.title,
            starts=item.starts,
            ends=item.ends,
            affected=item.affected,
            message=item.message,
            updates=updates,
            created=item.created,
        )

    return _rewrite(config, path, read_maintenance, render)


def _on_top(
    updates: Sequence[Update], now: datetime, status: str, message: str
) -> tuple[datetime, list[tuple[datetime, str, str]]]:
    """The timeline with a new update on top, and that update's time. A clock behind the
    newest update must not reorder the timeline."""
    at = max([now, *(u.at for u in updates)])
    return at, [(at, status, message)] + [(u.at, u.status, u.message) for u in updates]


def _rewrite(config: Config, path: Path, reader: Reader, render: Callable[[Any], str]) -> Any:
    """Read an item under its folder's lock, write what `render` makes of it (checked
    first, atomically) and return it read back."""
    with folder_lock(path.parent):
        text = normalise_newlines(render(_read_back(config, path, reader)))
        _checked(config, path, text, reader)
        write_atomic(path, text)
        return _read_back(config, path, reader)
