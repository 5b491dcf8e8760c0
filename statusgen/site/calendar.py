"""`maintenance.ics`: the page's maintenance windows as an iCalendar feed (RFC 5545),
written with the `icalendar` package, so a calendar app subscribed to its URL shows each
window and follows its changes.

One event per window; its UID is the window's id on the page (stable across builds and
URL changes). SEQUENCE counts the window's updates and LAST-MODIFIED / DTSTAMP is its
latest change up to the build's moment (announcement, updates, start, end: the feeds'
rule), so the file changes only when a window does, and a calendar app replaces the
event it has when it does. A cancelled or early-ended window ends at its `end`.
"""

from __future__ import annotations

from statusgen.site.cache import PageCache, versions
from statusgen.site.feeds import maintenance_updated
from statusgen.site.reuse import kept
from statusgen.site.snapshot import Snapshot


def maintenance_calendar(snapshot: Snapshot, cache: PageCache | None = None) -> bytes:
    """The .ics of the windows a Snapshot shows, soonest start first (`cache`: the
    calendars of the build before, statusgen/site/reuse.py: icalendar is then not even
    imported when the events are the same)."""
    fields = calendar_fields(snapshot)
    parts = ("maintenance.ics", versions("icalendar"), fields)
    return kept(cache, parts, lambda: ical(fields).decode()).encode()


def calendar_fields(snapshot: Snapshot) -> tuple:
    """Everything the calendar shows: the page's id and name, and per window (soonest
    start first) its uid, latest change up to the build's moment, sequence, start,
    end, title, message and address."""
    page, now, base = snapshot.page, snapshot.now, snapshot.base_url
    events = tuple(
        (
            f"{window.id}@{page.slug}.maintenance.statusgen",
            maintenance_updated(window, now, snapshot.updated_at),
            len([u for u in window.updates if u.at <= now]),
            window.starts,
            window.end,
            window.title,
            window.message,
            f"{base}maintenance/{window.id}.html" if base else None,
        )
        for window in sorted(snapshot.maintenance, key=lambda m: (m.starts, m.id))
    )
    return page.slug, page.name, events


def ical(fields: tuple) -> bytes:
    """The iCalendar file of `calendar_fields`."""
    from icalendar import Calendar, Event  # only for builds: keeps start-up light

    slug, name, events = fields
    calendar = Calendar()
    calendar.add("prodid", f"-//statusgen//{slug} maintenance//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{name}: maintenance")
    for uid, changed, sequence, starts, end, title, message, url in events:
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", changed)
        event.add("last-modified", changed)
        event.add("sequence", sequence)
        event.add("dtstart", starts)
        event.add("dtend", end)
        event.add("summary", title)
        if message:
            event.add("description", message)
        if url:
            event.add("url", url)
        event.add("status", "CONFIRMED")
        event.add("transp", "TRANSPARENT")  # a window does not make anyone busy
        calendar.add_component(event)
    return calendar.to_ical()
