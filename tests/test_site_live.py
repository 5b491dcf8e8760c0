"""The page's script in headless Chromium with a fixed clock and time zone: times in the
visitor's zone, the banner following api/v1/status.json without a reload or a focus move,
and the stale notice once the data is older than page.stale_after."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from statusgen.site import build_site

from .browser_support import module_browser, needs_chromium, serve_folder
from .conftest import T0
from .site_helpers import FIXTURE_CONFIG, make_fixture

pytestmark = needs_chromium
browser = module_browser()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("live")
    config = make_fixture(root, FIXTURE_CONFIG.replace('url = "https://status.acme.test/"\n', ""))
    build_site(config, T0)
    document = json.loads((config.output_dir / "api/v1/status.json").read_text())
    with serve_folder(config.output_dir) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}/", document


def open_page(browser, base, document, at, **options):
    """The home page at browser time `at`, its status.json answered from `document`."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.clock.install(time=at)
    page.route(
        "**/api/v1/status.json",
        lambda route: route.fulfill(json=document, headers={"Cache-Control": "no-store"}),
    )
    page.goto(base)
    # expect() polls without evaluating strings in the page, which its CSP forbids.
    expect(page.locator(".overall .refreshed")).to_have_count(1)
    return context, page


def test_times_are_shown_in_the_visitors_zone_with_the_zone_named(browser, site):
    base, document = site
    context, page = open_page(
        browser, base, document, T0 + timedelta(minutes=5), timezone_id="America/New_York"
    )
    stamp = page.locator(".overall time")
    assert stamp.get_attribute("datetime") == "2026-11-23T12:00:00Z"
    assert "07:00" in stamp.inner_text() and "EST" in stamp.inner_text()
    assert "UTC" in stamp.get_attribute("title")
    context.close()


def test_the_banner_follows_the_json_without_moving_focus(browser, site):
    base, original = site
    document = json.loads(json.dumps(original))
    context, page = open_page(browser, base, document, T0 + timedelta(minutes=5))
    assert page.inner_text(".overall h1") == "Partial system outage"
    assert page.locator(".stale").count() == 0  # fresh: next_update_by is 13:00
    link = page.locator("a.name").first
    link.focus()
    document["status"] = {"indicator": "none", "description": "All Systems Operational"}
    document["state"] = "operational"
    page.clock.run_for(61_000)
    expect(page.locator(".overall h1")).to_have_text("All systems operational")
    assert "c-operational" in page.get_attribute(".overall", "class")
    assert page.evaluate("document.activeElement.classList.contains('name')")
    context.close()


def test_a_page_older_than_stale_after_says_so(browser, site):
    base, document = site
    context, page = open_page(browser, base, document, T0 + timedelta(hours=2))
    notice = page.locator("p.stale")
    notice.wait_for()
    assert "has not been updated since" in notice.inner_text()
    context.close()
