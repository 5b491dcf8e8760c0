"""Read and validate one content file: an incident, announcement or maintenance window.

Each reader returns the item, or None and every problem found, as
`file:line: what is wrong; expected what`. `statusgen.content.folders` reads a project's
folders with them; the writers and the management API check what they write with them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from statusgen.clock import iso
from statusgen.config import Config
from statusgen.content.models import Announcement, Incident, Maintenance, Update
from statusgen.content.paths import display_name
from statusgen.content.render import render_markdown
from statusgen.content.schema import (
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    TIME_EXAMPLE,
    AnnouncementFront,
    IncidentFront,
    MaintenanceFront,
)
from statusgen.content.source import Source, read_source
from statusgen.content.timeline import SEPARATOR, RawUpdate, Timeline, parse_timeline

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
Item = Incident | Announcement | Maintenance


def _open(
    config: Config, path: Path, text: str | None, name: str | None
) -> tuple[Source | None, list[str]]:
    name = name or display_name(config, path)
    source, problems = read_source(path, name, text)
    if not SLUG.match(path.stem):
        problems.insert(
            0,
            f"{name}:1: file name {path.name!r} is not a slug; expected lowercase letters, "
            "digits and hyphens, like 2026-11-23-api-latency.md",
        )
    return source, problems


def _check_ids(config: Config, source: Source, ids: list[str]) -> list[str]:
    return [
        source.key_problem("affected", message, index)
        for index, message in unknown_ids(config, ids)
    ]


def unknown_ids(config: Config, ids: list[str] | tuple[str, ...]) -> list[tuple[int, str]]:
    """(index, message) for each id that names no service or node of the config."""
    known_set = config.known_ids()
    found = []
    for index, ident in enumerate(ids):
        if ident in known_set:
            continue
        known = sorted(known_set)
        hint = difflib.get_close_matches(ident, known, n=1, cutoff=0.5)
        expected = (
            f"did you mean {hint[0]!r}?"
            if hint
            else f"expected one of: {', '.join(known) or '(no services configured)'}"
        )
        found.append((index, f"unknown service or node {ident!r}; {expected}"))
    return found


def _updates(
    item_id: str, raw: tuple[RawUpdate, ...], render: Callable[[str], str]
) -> tuple[Update, ...]:
    updates, seen = [], set()
    for update in raw:
        base = update.at.strftime("%Y%m%dT%H%M%SZ")
        ident, n = base, 1
        while ident in seen:
            n += 1
            ident = f"{base}-{n}"
        seen.add(ident)
        updates.append(
            Update(ident, update.at, update.status, update.message, render(update.message))
        )
    return tuple(updates)


def read_incident(
    config: Config,
    path: Path,
    text: str | None = None,
    render: Callable[[str], str] = render_markdown,
    name: str | None = None,
) -> tuple[Incident | None, list[str]]:
    """One incident file (or `text` as if it were that file), or None and its problems."""
    source, problems = _open(config, path, text, name)
    if source is None:
        return None, problems
    front, found = source.validate(IncidentFront)
    problems += found
    timeline, found = parse_timeline(source.body, source.body_line, INCIDENT_STATUSES, source.name)
    problems += found
    if front is None:
        return None, problems
    problems += _check_ids(config, source, front.affected)
    if front.auto and config.find_node(*front.auto.split("/")) is None:
        message = f"unknown node {front.auto!r}; expected a service/node key from the config"
        problems.append(source.key_problem("auto", message))
    fields, found = _incident_timeline(source, front, timeline)
    problems += found
    if problems or fields is None:
        return None, problems
    status, started, resolved, raw = fields
    updates = _updates(path.stem, raw, render)
    opening = updates[-1]
    return Incident(
        id=path.stem,
        path=path,
        title=front.title,
        severity=front.severity,
        status=status,
        affected=tuple(front.affected),
        started=started,
        resolved=resolved,
        updates=updates,
        message=opening.message,
        html=opening.html,
        auto=front.auto,
        created=front.created,
    ), []


IncidentFields = tuple[str, datetime, datetime | None, tuple[RawUpdate, ...]]


def _incident_timeline(
    source: Source, front: IncidentFront, timeline: Timeline
) -> tuple[IncidentFields | None, list[str]]:
    """Status, start, resolution and updates from the front matter and the timeline,
    which must agree; a body without update headings is the opening message."""
    problems = []
    example = f"'## {TIME_EXAMPLE} {SEPARATOR} investigating'"
    raw = timeline.updates
    if raw and timeline.lead:
        problems.append(
            source.problem(
                timeline.lead_line,
                "text before the first update heading; "
                f"expected the body to start with a heading like {example}",
            )
        )
    if not timeline.headings and not timeline.lead:
        problems.append(
            source.problem(
                source.end_line,
                f"no message; expected the opening message, or update headings like {example}",
            )
        )
    status = front.status or (raw[0].status if raw else "investigating")
    if front.status and raw and front.status != raw[0].status:
        newest = f"{raw[0].status!r} at line {raw[0].line}"
        message = f"{front.status!r} disagrees with the newest update ({newest}); expected the same"
        problems.append(source.key_problem("status", message))
    started = front.started or (raw[-1].at if raw else None)
    if started is None and not timeline.headings:  # else a broken heading says it all
        message = f"required key is missing; expected a time like {TIME_EXAMPLE} or updates"
        problems.append(source.key_problem("started", message))
    resolved = front.resolved
    if resolved and status != "resolved":
        message = f"set but status is {status!r}; expected status 'resolved' or no 'resolved'"
        problems.append(source.key_problem("resolved", message))
    elif status == "resolved" and resolved is None:
        resolved = raw[0].at if raw else started
    if resolved and started and resolved < started:
        message = f"{iso(resolved)} is before started ({iso(started)}); expected a later time"
        problems.append(source.key_problem("resolved", message))
    if problems or started is None:
        return None, problems
    if not raw:
        raw = (RawUpdate(started, status, timeline.lead, source.body_line),)
    return (status, started, resolved, raw), []


def read_announcement(
    config: Config,
    path: Path,
    text: str | None = None,
    render: Callable[[str], str] = render_markdown,
    name: str | None = None,
) -> tuple[Announcement | None, list[str]]:
    """One announcement file (or `text` as if it were that file), or None and its problems."""
    source, problems = _open(config, path, text, name)
    if source is None:
        return None, problems
    front, found = source.validate(AnnouncementFront)
    problems += found
    message = source.body.strip()
    if not message:
        problems.append(
            source.problem(
                source.end_line,
                "no message; expected the announcement text below the front matter",
            )
        )
    pages = {config.page.id, *(p.slug for p in config.pages)}
    if front and front.page is not None and front.page not in pages:
        expected = f"expected one of: {', '.join(sorted(pages))}"
        problems.append(source.key_problem("page", f"unknown page {front.page!r}; {expected}"))
    if front and front.starts and front.expires and front.expires <= front.starts:
        message = f"{iso(front.expires)} is not after starts ({iso(front.starts)})"
        problems.append(source.key_problem("expires", f"{message}; expected a later time"))
    if problems or front is None:
        return None, problems
    return Announcement(
        id=path.stem,
        path=path,
        title=front.title,
        starts=front.starts,
        expires=front.expires,
        created=front.created,
        message=message,
        html=render(message),
        page=front.page,
    ), []


def read_maintenance(
    config: Config,
    path: Path,
    text: str | None = None,
    render: Callable[[str], str] = render_markdown,
    name: str | None = None,
) -> tuple[Maintenance | None, list[str]]:
    """One maintenance file (or `text` as if it were that file), or None and its problems."""
    source, problems = _open(config, path, text, name)
    if source is None:
        return None, problems
    front, found = source.validate(MaintenanceFront)
    problems += found
    timeline, found = parse_timeline(
        source.body, source.body_line, MAINTENANCE_STATUSES, source.name
    )
    problems += found
    if front is None:
        return None, problems
    problems += _check_ids(config, source, front.affected)
    if front.ends <= front.starts:
        message = f"{iso(front.ends)} is not after starts ({iso(front.starts)})"
        problems.append(source.key_problem("ends", f"{message}; expected a later time"))
    if problems:
        return None, problems
    return Maintenance(
        id=path.stem,
        path=path,
        title=front.title,
        starts=front.starts,
        ends=front.ends,
        affected=tuple(front.affected),
        updates=_updates(path.stem, timeline.updates, render),
        message=timeline.lead,
        html=render(timeline.lead),
        created=front.created,
    ), []


def read_file(
    kind: str,
    config: Config,
    path: Path,
    text: str | None,
    render: Callable[[str], str],
    name: str,
) -> tuple[Any, list[str]]:
    """One file of `kind` (incident, announcement, maintenance) read and validated by
    `read_<kind>`: the item, or None and its problems."""
    read = {"incident": read_incident, "announcement": read_announcement}.get(kind)
    return (read or read_maintenance)(config, path, text, render=render, name=name)
