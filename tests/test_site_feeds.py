"""Ways to follow a page: feeds read by feedparser, `maintenance.ics` read by icalendar,
and the Subscribe page that lists them with the badges and the widget's embed code."""

from __future__ import annotations

import calendar
from datetime import timedelta

import feedparser
import icalendar
import pytest

from statusgen.history import open_store
from statusgen.site import build_site

from .conftest import T0
from .site_helpers import FIXTURE_CONFIG, make_fixture, record_pass

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:feedparser.*")

URL_LINE = 'url = "https://status.acme.test/"\n'
FEEDS = ["rss.xml", "atom.xml", "services/web/rss.xml", "services/api/atom.xml"]


def build(root, with_url: bool = True):
    text = FIXTURE_CONFIG if with_url else FIXTURE_CONFIG.replace(URL_LINE, "")
    config = make_fixture(root, text)
    build_site(config, T0)
    return config


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    return {
        "url": build(tmp_path_factory.mktemp("with-url")).output_dir,
        "bare": build(tmp_path_factory.mktemp("no-url"), with_url=False).output_dir,
    }


def parse(output, rel):
    feed = feedparser.parse((output / rel).read_bytes())
    assert not feed.bozo, (rel, feed.get("bozo_exception"))
    return feed


@pytest.mark.parametrize("rel", FEEDS)
def test_feeds_parse_with_a_self_link_and_no_future_date(sites, rel):
    for kind, output in sites.items():
        feed = parse(output, rel)
        self_links = [link.href for link in feed.feed.links if link.rel == "self"]
        name = rel.rsplit("/", 1)[-1]
        expected = "https://status.acme.test/" + rel if kind == "url" else name
        assert self_links == [expected], kind
        dates = [feed.feed.get("updated_parsed")]
        for entry in feed.entries:
            dates += [entry.get("published_parsed"), entry.get("updated_parsed")]
        known = [calendar.timegm(d) for d in dates if d]
        assert known and max(known) <= T0.timestamp(), (kind, rel)


def test_entry_ids_are_tag_uris_that_do_not_change_when_the_url_is_set(sites):
    for rel in FEEDS:
        with_url, bare = parse(sites["url"], rel), parse(sites["bare"], rel)
        ids = [e.id for e in with_url.entries]
        assert ids == [e.id for e in bare.entries] and ids
        assert all(i.startswith("tag:statusgen.page,2026:acme/") for i in ids)
        if rel.endswith("atom.xml"):
            assert with_url.feed.id == bare.feed.id and with_url.feed.id.startswith("tag:")
    # With page.url links are absolute; without, relative to the feed.
    web = parse(sites["bare"], "services/web/rss.xml")
    assert {e.link for e in web.entries} >= {"../../incidents/2026-11-22-site-errors.html"}


def test_an_upcoming_window_is_announced_before_its_start_not_at_it(sites):
    feed = parse(sites["url"], "atom.xml")
    db = next(e for e in feed.entries if e.id.endswith("maintenance/2026-11-30-db"))
    assert calendar.timegm(db.published_parsed) <= T0.timestamp()  # it starts on Nov 30


def test_a_service_feed_holds_its_own_items(sites):
    web = {e.title for e in parse(sites["url"], "services/web/atom.xml").entries}
    api = {e.title for e in parse(sites["url"], "services/api/atom.xml").entries}
    assert web == {"Landing page errors", "Docs upgrade"}
    assert api == {"REST API is down", "Database upgrade"}


def events(output, rel="maintenance.ics"):
    cal = icalendar.Calendar.from_ical((output / rel).read_bytes())
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_the_maintenance_calendar_has_one_event_per_window_with_stable_uids(sites):
    with_url, bare = events(sites["url"]), events(sites["bare"])
    assert with_url.keys() == bare.keys() and len(with_url) == 2
    db = with_url["2026-11-30-db@acme.maintenance.statusgen"]
    assert db.decoded("dtstart") == T0.replace(day=30, hour=8)
    assert db.decoded("dtend") == T0.replace(day=30, hour=9)
    assert str(db["summary"]) == "Database upgrade"
    assert str(db["url"]) == "https://status.acme.test/maintenance/2026-11-30-db.html"
    assert db.decoded("dtstamp") <= T0
    # An extra page has the windows of its own services only.
    assert list(events(sites["url"], "api-only/maintenance.ics")) == [
        "2026-11-30-db@api-only.maintenance.statusgen"
    ]


def test_the_calendar_changes_when_a_window_does(tmp_path):
    config = build(tmp_path)
    before = events(config.output_dir)["2026-11-30-db@acme.maintenance.statusgen"]
    path = tmp_path / "config" / "maintenance" / "2026-11-30-db.md"
    path.write_text(
        path.read_text() + "\n## 2026-11-23T12:03:00Z — scheduled\n\nMoved to a quieter hour.\n"
    )
    build_site(config, T0 + timedelta(minutes=5))
    after = events(config.output_dir)["2026-11-30-db@acme.maintenance.statusgen"]
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after.decoded("last-modified") > before.decoded("last-modified")


def test_a_window_without_a_created_time_keeps_its_dates_from_pass_to_pass(tmp_path):
    """The fixture's Nov 30 window has no `created` and no update: its announcement is
    dated by the latest pass's day, so a new pass changes neither the calendar nor the
    feeds (a reader would show the window as updated every five minutes)."""
    config = build(tmp_path)
    files = ["maintenance.ics", "atom.xml", "rss.xml", "services/api/atom.xml"]
    before = {rel: (config.output_dir / rel).read_bytes() for rel in files}
    later = T0 + timedelta(minutes=5)
    record_pass(config, open_store(config), later)
    build_site(config, later)
    assert {rel: (config.output_dir / rel).read_bytes() for rel in files} == before
    db = events(config.output_dir)["2026-11-30-db@acme.maintenance.statusgen"]
    assert db.decoded("dtstamp") == T0.replace(hour=0)


def test_the_subscribe_page_lists_every_way_to_follow(sites):
    page = (sites["url"] / "subscribe.html").read_text()
    for href in (
        "rss.xml",
        "atom.xml",
        "services/web/rss.xml",
        "services/api/atom.xml",
        "maintenance.ics",
        "webcal://status.acme.test/maintenance.ics",
        "badges/status.svg",
    ):
        assert f'href="{href}"' in page or f'src="{href}"' in page, href
    assert "&lt;script src=&#34;https://status.acme.test/widget.js&#34;" in page or (
        '&lt;script src="https://status.acme.test/widget.js"' in page
    )
    assert '<a href="subscribe.html">Subscribe</a>' in (sites["url"] / "index.html").read_text()
    assert "webcal:" not in (sites["bare"] / "subscribe.html").read_text()  # no address
    extra = (sites["url"] / "api-only" / "subscribe.html").read_text()
    assert 'data-page="api-only"' in extra and "services/web/rss.xml" not in extra


def test_a_service_page_links_to_its_own_feeds(sites):
    page = (sites["bare"] / "services" / "api.html").read_text()
    assert 'href="../services/api/rss.xml"' in page and 'href="../services/api/atom.xml"' in page
    assert "Follow this service:" in page
