"""RSS 2.0 and Atom feeds of a page's incidents and maintenance, newest update first.

Links are absolute when `[page] url` is set (feed readers need them); without it they
are relative to the feed. Dates come from the content, never from the build time, so a feed
changes only when an incident or a maintenance window does (or a window starts or ends).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from jinja2 import Environment
from markupsafe import escape

from statusgen.clock import iso
from statusgen.content.models import Incident, Maintenance
from statusgen.site.i18n import Messages, messages
from statusgen.site.snapshot import Snapshot

FEED_SIZE = 50


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    url: str
    guid: str
    published: datetime
    updated: datetime
    category: str
    html: str


def entries(snapshot: Snapshot, t: Messages) -> list[Entry]:
    base = snapshot.base_url
    out = [_incident(i, base, snapshot.page.slug, t) for i in snapshot.incidents]
    out += [
        _maintenance(m, base, snapshot.page.slug, t, snapshot.now) for m in snapshot.maintenance
    ]
    out.sort(key=lambda e: (e.updated, e.guid), reverse=True)
    return out[:FEED_SIZE]


def _timeline(updates: tuple, t: Messages, prefix: str) -> str:
    parts = [
        f"<p><strong>{escape(t(prefix + u.status))}</strong> · {escape(t.datetime(u.at))}</p>"
        f"{u.html}"
        for u in updates
    ]
    return "".join(parts)


def _incident(incident: Incident, base: str, slug: str, t: Messages) -> Entry:
    path = f"incidents/{incident.id}.html"
    return Entry(
        title=incident.title,
        url=base + path,
        guid=base + path if base else f"urn:statusgen:{slug}:incident:{incident.id}",
        published=incident.started,
        updated=incident.updated,
        category=t(f"severity_{incident.severity}"),
        html=_timeline(incident.updates, t, "incident_") or incident.html,
    )


def _maintenance(window: Maintenance, base: str, slug: str, t: Messages, now: datetime) -> Entry:
    path = f"maintenance/{window.id}.html"
    head = (
        f"<p><strong>{escape(t('maintenance_' + window.status(now)))}</strong> · "
        f"{escape(t.datetime(window.starts))} – {escape(t.datetime(window.end))}</p>"
    )
    updated = max([window.starts, *(u.at for u in window.updates)])
    return Entry(
        title=window.title,
        url=base + path,
        guid=base + path if base else f"urn:statusgen:{slug}:maintenance:{window.id}",
        published=window.starts,
        updated=updated,
        category=t("maintenance"),
        html=head + window.html + _timeline(window.updates, t, "maintenance_"),
    )


def feeds(env: Environment, snapshot: Snapshot) -> dict[str, str]:
    """{`<prefix>rss.xml`: ..., `<prefix>atom.xml`: ...} for one page."""
    t = messages(snapshot.config.page.locale)
    listed = entries(snapshot, t)
    base = snapshot.base_url
    context = {
        "title": snapshot.page.name,
        "description": snapshot.page.description or snapshot.page.name,
        "lang": t.lang,
        "site_url": base or "./",
        "self_url": base,
        "feed_id": base or f"urn:statusgen:{snapshot.page.slug}",
        "updated": max((e.updated for e in listed), default=None),
        "entries": listed,
        "rfc822": lambda at: format_datetime(at, usegmt=True),
        "iso": iso,
    }
    prefix = snapshot.page.prefix
    return {
        f"{prefix}rss.xml": env.get_template("rss.xml").render(context),
        f"{prefix}atom.xml": env.get_template("atom.xml").render(context),
    }
