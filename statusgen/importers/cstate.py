"""cState content folder (`content/issues/*.md`) -> incidents, maintenance and
announcements with their timelines.

An issue's `{{< track "time" >}}` shortcodes close its updates; a leading `*Word* -` or
`**Word**:` names the update's status when it is one of statusgen's. Severities map
down -> critical, disrupted -> major, notice -> minor; an issue with a `duration` or a date
still to come is maintenance; an `informational` one without affected systems is an
announcement. Affected systems are matched to the page's services and nodes.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from statusgen.config import Config
from statusgen.content.schema import to_utc
from statusgen.content.writer import announcement_text, incident_text, maintenance_text
from statusgen.importers.base import Imported, ImportError_, Matcher, file_name

_KNOWN = {
    "title", "date", "resolved", "resolvedWhen", "severity", "affected", "section",
    "informational", "pin", "duration", "draft",
}  # fmt: skip
_SEVERITY = {"down": "critical", "disrupted": "major", "notice": "minor"}
_TRACK = re.compile(r"\{\{<\s*track\s+\"([^\"]+)\"\s*>\}\}")
_LABEL = re.compile(r"^\s*(?:\*\*|\*|_)([A-Za-z -]+?)(?:\*\*|\*|_)\s*(?::|-|—)?\s*")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_STATUSES = {"investigating", "identified", "monitoring", "resolved"}


def issue_files(source: str) -> list[Path]:
    root = Path(source)
    for folder in (root / "content" / "issues", root / "issues", root):
        if folder.is_dir() and list(folder.glob("*.md")):
            return sorted(p for p in folder.glob("*.md") if not p.name.startswith("_"))
    raise ImportError_(f"{source}: no cState issues (content/issues/*.md) found")


def import_cstate(source: str, config: Config | None, now: datetime) -> Imported:
    imported = Imported()
    match = Matcher(config)
    for path in issue_files(source):
        try:
            post = frontmatter.loads(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, ValueError, UnicodeDecodeError) as exc:
            imported.skip(str(path), f"front matter not readable ({type(exc).__name__})")
            continue
        meta = dict(post.metadata)
        for key in meta:
            if key not in _KNOWN:
                imported.skip(f"{path.name}: {key}", "not supported by statusgen")
        if meta.get("draft"):
            imported.skip(path.name, "draft, not imported")
            continue
        _issue(imported, path.name, meta, post.content, match, now)
    return imported


def updates(body: str, resolved: bool) -> tuple[str, list[tuple[datetime, str, str]]]:
    """The text outside tracked updates, and the updates as (time, status, message)."""
    body = _COMMENT.sub("", body)
    found: list[tuple[datetime, str, str]] = []
    pos = 0
    chunks = []
    for mark in _TRACK.finditer(body):
        chunks.append((to_utc(mark.group(1)), body[pos : mark.start()]))
        pos = mark.end()
    lead = body[pos:].strip()
    pieces = []
    for at, text in chunks:
        # A post-mortem above a `---` rule belongs to the lead, not to the first update.
        before, rule, after = text.rpartition("\n---\n")
        if rule:
            pieces.append(before.strip())
            text = after
        found.append((at, *_status_and_message(text)))
    lead = "\n\n".join(p for p in [*pieces, lead] if p)
    found.sort(key=lambda u: u[0])
    out = []
    for index, (at, status, message) in enumerate(found):
        if status is None:
            newest = index == len(found) - 1
            status = (
                "resolved"
                if newest and resolved
                else "investigating"
                if index == 0
                else "identified"
            )
        out.append((at, status, message or "(no message)"))
    return lead, out


def _status_and_message(text: str) -> tuple[str | None, str]:
    text = text.strip()
    label = _LABEL.match(text)
    if label and label.group(1).strip().lower() in _STATUSES:
        return label.group(1).strip().lower(), text[label.end() :].strip()
    return None, text


def _issue(imported: Imported, name: str, meta: dict[str, Any], body: str, match, now) -> None:
    title = str(meta.get("title") or name.removesuffix(".md"))[:200]
    try:
        date = to_utc(meta["date"])
    except (KeyError, ValueError):
        imported.skip(name, "no readable date")
        return
    resolved = bool(meta.get("resolved"))
    affected = match(imported, f"{name}: affected", meta.get("affected") or [])
    lead, timeline = updates(body, resolved)
    if meta.get("duration") or date > now:
        if not affected:
            imported.skip(name, "maintenance affects no known service or node")
            return
        ends = date + timedelta(minutes=float(meta.get("duration") or 60))
        text = maintenance_text(
            title=title, starts=date, ends=ends, affected=affected, message=lead
        )
        imported.add("maintenance", file_name(date, title), text)
        return
    if (meta.get("informational") or meta.get("pin")) and not affected:
        message = "\n\n".join([lead, *(m for _, _, m in timeline)]).strip() or title
        expires = None if meta.get("pin") else to_utc(meta.get("resolvedWhen") or date)
        text = announcement_text(title=title, message=message, created=date, expires=expires)
        imported.add("announcements", file_name(date, title), text)
        return
    resolved_at = to_utc(meta["resolvedWhen"]) if resolved and meta.get("resolvedWhen") else None
    if not timeline:
        timeline = [(date, "investigating", lead or title)]
        lead = ""
    if resolved and timeline[-1][1] != "resolved":
        timeline.append((resolved_at or timeline[-1][0], "resolved", "Resolved."))
    if lead:  # an incident's body is its timeline: a post-mortem joins the newest update
        at, status, message = timeline[-1]
        timeline[-1] = (at, status, f"{message}\n\n{lead}")
    text = incident_text(
        title=title,
        severity=_SEVERITY.get(str(meta.get("severity")), "minor"),
        status="resolved" if resolved else timeline[-1][1],
        affected=affected,
        started=date,
        resolved=(resolved_at or timeline[-1][0]) if resolved else None,
        updates=timeline,
    )
    imported.add("incidents", file_name(date, title), text)
