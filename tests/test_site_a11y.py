"""Accessibility of the built site in headless Chromium: axe-core (npm, tests/node) finds no
WCAG 2.2 A/AA violation on any kind of page, light and dark, desktop and phone; the bar
tooltips name the day that was clicked or tapped and stay on screen; nothing scrolls
sideways at 320 px.

One browser for the module, one context per (colour scheme, viewport): about 30 axe runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from statusgen.site import build_site

from .browser_support import module_browser, needs_chromium, serve_folder
from .conftest import T0
from .site_helpers import FIXTURE_CONFIG, make_fixture

pytestmark = needs_chromium
browser = module_browser()

AXE = Path(__file__).parent / "node" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = {
    "home": "",
    "service": "services/web.html",
    "node": "nodes/web/site.html",
    "node without data": "nodes/api/queue.html",  # says why: no report yet
    "incident": "incidents/2026-11-23-rest-down.html",
    "maintenance": "maintenance/2026-11-23-docs-upgrade.html",
    "history": "history.html",
    "subscribe": "subscribe.html",
    "404": "no/such/page.html",
}
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The fixture page (every state: healthy, sick, dead, no data, maintenance active and
    upcoming, open and resolved incidents, an announcement), theme `auto`, served."""
    root = tmp_path_factory.mktemp("a11y")
    text = FIXTURE_CONFIG.replace('url = "https://status.acme.test/"\n', "")
    text += '\n  [[services.nodes]]\n  id = "queue"\n  label = "Queue"\n  mode = "push"\n'
    config = make_fixture(root, text)
    build_site(config, T0)
    with serve_folder(config.output_dir) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}/"


def axe_violations(page) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary'][:160]}"
        for v in result["violations"]
        for node in v["nodes"][:3]
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_every_kind_of_page_has_no_wcag_violation(browser, site, scheme, size):
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: npm install --prefix tests/node")
    width, height = VIEWPORTS[size]
    # bypass_csp: axe is injected as an inline script, which the pages' own CSP refuses.
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme=scheme, bypass_csp=True
    )
    page = context.new_page()
    found = {}
    for name, path in PAGES.items():
        page.goto(site + path)
        page.wait_for_load_state("load")
        found[name] = axe_violations(page)
        if name == "node without data":  # the reason under its pill is part of the check
            assert "No report received yet." in page.inner_text("h1 + p")
        if name == "home" and size == "phone":
            # The narrow-screen list of days with issues, opened.
            page.locator("button.days").first.click()
            found["home, days listed"] = axe_violations(page)
    context.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_clicking_or_tapping_a_day_shows_that_day(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, has_touch=True)
    page = context.new_page()
    page.goto(site + "nodes/web/site.html")
    bar = page.locator("div.bar").first
    tip = page.locator("#statusgen-tip")
    cells = bar.locator("p")
    count = cells.count()
    # The day of the resolved "Landing page errors" incident, not the last day.
    target = page.locator("div.bar p[data-tip*='Landing page errors']").first
    index = target.evaluate("cell => Array.prototype.indexOf.call(cell.parentNode.children, cell)")
    assert index < count - 1
    expected = target.get_attribute("data-tip")
    page.mouse.move(0, 0)
    target.click()
    assert tip.is_visible() and tip.inner_text() == expected
    page.locator("h1").click()  # blur
    assert not tip.is_visible()
    target.tap()
    assert tip.is_visible() and tip.inner_text() == expected
    assert "Outage" in expected or "Degraded" in expected
    context.close()


@pytest.mark.parametrize("path", ["", "nodes/web/site.html"])
def test_nothing_scrolls_sideways_at_320_px_even_with_the_last_days_tooltip(browser, site, path):
    context = browser.new_context(viewport={"width": 320, "height": 640}, has_touch=True)
    page = context.new_page()
    page.goto(site + path)
    page.locator("div.bar").first.focus()  # the last day's tooltip, at the right edge
    tip = page.locator("#statusgen-tip")
    assert tip.is_visible()
    box = tip.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


@pytest.mark.parametrize("path", ["subscribe.html", "services/web.html", "history.html"])
def test_pages_without_a_tooltip_do_not_scroll_sideways_at_320_px(browser, site, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(site + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_a_phone_lists_the_days_with_issues_behind_one_real_button(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    page.goto(site)
    button = page.locator("button.days").first
    box = button.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    assert button.get_attribute("aria-expanded") == "false"
    button.tap()
    assert button.get_attribute("aria-expanded") == "true"
    items = page.locator("ul.daylist").first.locator("li")
    assert items.count() >= 1
    assert any(word in items.first.inner_text() for word in ("Outage", "Degraded", "Maintenance"))
    context.close()
