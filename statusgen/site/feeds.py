"""RSS 2.0 and Atom feeds of a page's incidents and maintenance, newest update first: one
for the page (`rss.xml`, `atom.xml`) and one per service (`services/<id>/rss.xml`,
`services/<id>/atom.xml`: its incidents, the page-wide ones, and its maintenance).

Links are absolute when `[page] url` is set (feed readers need them); without it they
are relative to the feed, and so is each feed's `rel="self"` link. Entry and feed ids are
`tag:` URIs made of the page id and the item id, so they stay the same when `page.url`
is set or changed later. Dates come from the content, never from the build time, and
none is in the future: an upcoming maintenance window is announced when it was created
(its `created` time, else its first update, else the start of the UTC day of the latest
pass until it starts), not at its start; its start and end count as updates once they
have passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from jinja2 import Environment
from markupsafe import escape

from statusgen.clock import iso
from statusgen.content.models import Incident, Maintenance
from statusgen.site.cache import PageCache
from statusgen.site.i18n import Messages, messages
from statusgen.site.reuse import rendered
from statusgen.site.snapshot import ServiceState, Snapshot

FEED_SIZE = 50
# The templates' functions (statusgen's code: not part of a kept feed's key).
HELPERS = {"rfc822": lambda at: format_datetime(at, usegmt=True), "iso": iso}
TAG = "tag:statusgen.page,2026:"  # a fixed authority and date: ids never depend on a URL


def tag(page_id: str, *parts: str) -> str:
    """A stable `tag:` URI (RFC 4151) for a page, or a thing on it."""
    return TAG + "/".join((page_id, *parts))


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    url: str
    guid: str
    published: datetime
    updated: datetime
    category: str
    html: str


def announced(window: Maintenance, now: datetime, seen: datetime | None = None) -> datetime:
    """When a maintenance window was made known: its `created` time when the file has
    one (written by the CLI and the API), else its first update, else its start once
    passed, else the start of the UTC day of `seen` (the history's latest pass: a data
    time, not the build's) or of `now`; never later than `now`. The day, not the pass:
    a date that moved with every pass would make the feeds and `maintenance.ics` change
    every five minutes, and readers show the window as updated each time."""
    first = min((u.at for u in window.updates), default=None)
    latest = seen or now
    passed = window.starts if window.starts <= latest else None
    when = window.created or first or passed or _day_start(latest)
    return min(when, now)


def _day_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def maintenance_updated(
    window: Maintenance, now: datetime, seen: datetime | None = None
) -> datetime:
    """The window's latest change up to `now`: announcement, updates, start and end."""
    moments = [window.starts, window.end, *(u.at for u in window.updates)]
    return max([announced(window, now, seen), *(at for at in moments if at <= now)])


def entries(
    snapshot: Snapshot,
    t: Messages,
    prefix: str = "",
    incidents: Iterable[Incident] | None = None,
    windows: Iterable[Maintenance] | None = None,
    made: dict[tuple[str, str], Entry] | None = None,
) -> list[Entry]:
    """The newest FEED_SIZE entries; `prefix` leads relative links back to the page's
    folder (a service feed lives two folders down). Items are ordered by their update
    and id first, and only the newest made into entries (`made`: the entries made for
    the page's other feeds, by id and base)."""
    base = snapshot.base_url or prefix
    page_id, now, seen = snapshot.page.slug, snapshot.now, snapshot.updated_at
    incidents = snapshot.incidents if incidents is None else incidents
    windows = snapshot.maintenance if windows is None else windows
    order: list[tuple[datetime, str, Incident | Maintenance]] = [
        (min(i.updated, now), tag(page_id, "incident", i.id), i) for i in incidents
    ]
    order += [
        (maintenance_updated(m, now, seen), tag(page_id, "maintenance", m.id), m) for m in windows
    ]
    order.sort(key=lambda item: (item[0], item[1]), reverse=True)
    made = {} if made is None else made
    out = []
    for _, guid, item in order[:FEED_SIZE]:
        entry = made.get((guid, base))
        if entry is None:
            entry = made[guid, base] = (
                _incident(item, base, page_id, t, now)
                if isinstance(item, Incident)
                else _maintenance(item, base, page_id, t, now, seen)
            )
        out.append(entry)
    return out


def _timeline(updates: tuple, t: Messages, prefix: str) -> str:
    parts = [
        f"<p><strong>{escape(t(prefix + u.status))}</strong> · {escape(t.datetime(u.at))}</p>"
        f"{u.html}"
        for u in updates
    ]
    return "".join(parts)


def _incident(incident: Incident, base: str, page_id: str, t: Messages, now: datetime) -> Entry:
    path = f"incidents/{incident.id}.html"
    return Entry(
        title=incident.title,
        url=base + path,
        guid=tag(page_id, "incident", incident.id),
        published=min(incident.started, now),
        updated=min(incident.updated, now),
        category=t(f"severity_{incident.severity}"),
        html=_timeline(incident.updates, t, "incident_") or incident.html,
    )


def _maintenance(
    window: Maintenance,
    base: str,
    page_id: str,
    t: Messages,
    now: datetime,
    seen: datetime | None,
) -> Entry:
    path = f"maintenance/{window.id}.html"
    head = (
        f"<p><strong>{escape(t('maintenance_' + window.status(now)))}</strong> · "
        f"{escape(t.datetime(window.starts))} – {escape(t.datetime(window.end))}</p>"
    )
    shown = tuple(u for u in window.updates if u.at <= now)
    return Entry(
        title=window.title,
        url=base + path,
        guid=tag(page_id, "maintenance", window.id),
        published=announced(window, now, seen),
        updated=maintenance_updated(window, now, seen),
        category=t("maintenance"),
        html=head + window.html + _timeline(shown, t, "maintenance_"),
    )


def _render(env: Environment, values: dict, folder: str, kept: PageCache | None) -> dict[str, str]:
    return {
        f"{folder}{name}": rendered(kept, env, name, values | {"self_name": name}, HELPERS)
        for name in ("rss.xml", "atom.xml")
    }


def feeds(env: Environment, snapshot: Snapshot, kept: PageCache | None = None) -> dict[str, str]:
    """The page's feeds and each service's, keyed by output-relative path (`kept`: the
    feeds of the build before, statusgen/site/reuse.py)."""
    t = messages(snapshot.config.page.locale)
    base, prefix = snapshot.base_url, snapshot.page.prefix
    page_id = snapshot.page.slug

    def context(title: str, about: str, listed: list[Entry], folder: str, home: str) -> dict:
        return {
            "title": title,
            "description": about,
            "lang": t.lang,
            "site_url": (base + home) if base else (home or "./"),
            "self_url": base + folder if base else "",
            "feed_id": tag(page_id, *folder.strip("/").split("/")) if folder else tag(page_id),
            "updated": max((e.updated for e in listed), default=None),
            "entries": listed,
        }

    page = snapshot.page
    made: dict[tuple[str, str], Entry] = {}
    listed = entries(snapshot, t, made=made)
    values = context(page.name, page.description or page.name, listed, "", "")
    out = _render(env, values, prefix, kept)
    for service in snapshot.services:
        folder = f"services/{service.id}/"
        incidents, windows = service_items(service)
        listed = entries(snapshot, t, "../../", incidents, windows, made)
        title = t("feed_service_title", page=page.name, service=service.name)
        about = service.description or title
        home = f"../{service.id}.html" if not base else f"services/{service.id}.html"
        out.update(_render(env, context(title, about, listed, folder, home), prefix + folder, kept))
    return out


def service_items(service: ServiceState) -> tuple[list[Incident], list[Maintenance]]:
    """A service's incidents (its nodes', and the page-wide ones) and maintenance."""
    incidents: dict[str, Incident] = {}
    windows: dict[str, Maintenance] = {}
    for node in service.nodes:
        incidents.update((i.id, i) for i in node.incidents)
        windows.update((m.id, m) for m in node.maintenance)
    return list(incidents.values()), list(windows.values())
