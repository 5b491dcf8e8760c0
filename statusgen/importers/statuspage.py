"""Statuspage v2: `incidents.json` and `scheduled-maintenances.json` (a saved file, a folder
holding them, or a live page's URL) -> incident and maintenance Markdown with every update.

Components are matched to the page's services and nodes by id, name or label; a component
with no match is listed, not guessed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from statusgen.config import Config
from statusgen.content.schema import to_utc
from statusgen.content.writer import incident_text, maintenance_text
from statusgen.importers.base import Imported, ImportError_, Matcher, file_name, read_text

_FILES = ("incidents.json", "scheduled-maintenances.json")
_SEVERITY = {"critical": "critical", "major": "major", "minor": "minor"}
_INCIDENT_STATUS = {"investigating", "identified", "monitoring", "resolved"}
_MAINTENANCE_STATUS = {"scheduled", "in_progress", "verifying", "completed"}


def documents(source: str) -> list[tuple[str, dict[str, Any]]]:
    """The JSON documents behind `source`: one file, a folder with both, or a page URL."""
    if source.startswith(("http://", "https://")) and not source.endswith(".json"):
        base = source.rstrip("/") + "/api/v2/"
        names = [base + name for name in _FILES]
    elif Path(source).is_dir():
        names = [str(Path(source) / n) for n in _FILES if (Path(source) / n).exists()]
    else:
        names = [source]
    out = []
    for name in names:
        try:
            data = json.loads(read_text(name))
        except ValueError as exc:
            raise ImportError_(f"{name}: not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not {"incidents", "scheduled_maintenances"} & set(data):
            raise ImportError_(f"{name}: not a Statuspage v2 incidents or maintenances document")
        out.append((name, data))
    if not out:
        raise ImportError_(f"{source}: holds neither {' nor '.join(_FILES)}")
    return out


def import_statuspage(source: str, config: Config | None) -> Imported:
    imported = Imported()
    match = Matcher(config)
    for name, data in documents(source):
        for index, item in enumerate(data.get("incidents") or []):
            _incident(imported, f"{name}: incidents[{index}]", item, match)
        for index, item in enumerate(data.get("scheduled_maintenances") or []):
            _maintenance(imported, f"{name}: scheduled_maintenances[{index}]", item, match)
    imported.notes.append(f"{len(imported.files)} incidents and maintenance windows read")
    return imported


def _names(item: dict) -> list[str]:
    return [str(c.get("name", "")) for c in item.get("components") or []]


def _updates(imported: Imported, where: str, item: dict, allowed: set[str], default: str):
    updates = []
    for update in item.get("incident_updates") or []:
        status = update.get("status", default)
        if status not in allowed:
            imported.skip(f"{where}.incident_updates", f"status {status!r} read as {default!r}")
            status = default
        at = to_utc(update.get("display_at") or update.get("created_at"))
        updates.append((at, status, (update.get("body") or "").strip() or "(no message)"))
    return updates


def _incident(imported: Imported, where: str, item: dict, match: Matcher) -> None:
    title = (item.get("name") or "Untitled incident").strip()[:200]
    status = item.get("status") if item.get("status") in _INCIDENT_STATUS else "resolved"
    updates = _updates(imported, where, item, _INCIDENT_STATUS, "resolved")
    started = to_utc(item.get("started_at") or item.get("created_at"))
    resolved = to_utc(item["resolved_at"]) if item.get("resolved_at") else None
    if not updates:
        updates = [(started, status, "(imported without updates)")]
    text = incident_text(
        title=title,
        severity=_SEVERITY.get(item.get("impact") or "", "minor"),
        status=status,
        affected=match(imported, f"{where}.components", _names(item)),
        started=started,
        resolved=resolved if status == "resolved" else None,
        updates=updates,
        created=_created(item),
    )
    imported.add("incidents", file_name(started, title), text)


def _created(item: dict) -> datetime | None:
    """Statuspage's own creation time of an item, kept as `created`."""
    try:
        return to_utc(item["created_at"]) if item.get("created_at") else None
    except (TypeError, ValueError):
        return None


def _maintenance(imported: Imported, where: str, item: dict, match: Matcher) -> None:
    title = (item.get("name") or "Maintenance").strip()[:200]
    affected = match(imported, f"{where}.components", _names(item))
    if not affected:
        imported.skip(where, f"maintenance {title!r} affects no known service or node")
        return
    starts = to_utc(item.get("scheduled_for") or item.get("started_at"))
    ends = to_utc(item.get("scheduled_until") or item.get("resolved_at") or starts)
    updates = _updates(imported, where, item, _MAINTENANCE_STATUS, "scheduled")
    text = maintenance_text(
        title=title,
        starts=starts,
        ends=ends,
        affected=affected,
        updates=updates,
        created=_created(item),
    )
    imported.add("maintenance", file_name(starts, title), text)
