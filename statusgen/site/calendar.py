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

from statusgen.site.feeds import maintenance_updated
from statusgen.site.snapshot import Snapshot


def maintenance_calendar(snapshot: Snapshot) -> bytes:
    """The .ics of the windows a Snapshot shows, soonest start first."""
    from icalendar import Calendar, Event  # only for builds: keeps start-up light

    page, now, base = snapshot.page, snapshot.now, snapshot.base_url
    calendar = Calendar()
    calendar.add("prodid", f"-//statusgen//{page.slug} maintenance//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{page.name}: maintenance")
    for window in sorted(snapshot.maintenance, key=lambda m: (m.starts, m.id)):
        changed = maintenance_updated(window, now, snapshot.updated_at)
        event = Event()
        event.add("uid", f"{window.id}@{page.slug}.maintenance.statusgen")
        event.add("dtstamp", changed)
        event.add("last-modified", changed)
        event.add("sequence", len([u for u in window.updates if u.at <= now]))
        event.add("dtstart", window.starts)
        event.add("dtend", window.end)
        event.add("summary", window.title)
        if window.message:
            event.add("description", window.message)
        if base:
            event.add("url", f"{base}maintenance/{window.id}.html")
        event.add("status", "CONFIRMED")
        event.add("transp", "TRANSPARENT")  # a window does not make anyone busy
        calendar.add_component(event)
    return calendar.to_ical()
