"""The downtime widget on a host page in Chromium: top or bottom, it pushes the host's
content aside instead of covering it."""

from __future__ import annotations

import pytest

from statusgen.site import build_site

from .browser_support import module_browser, needs_chromium, serve_folder
from .conftest import T0
from .site_helpers import FIXTURE_CONFIG, make_fixture

pytestmark = needs_chromium
browser = module_browser()

HOST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<link rel="icon" href="data:,">
<style>body{{margin:0;font:16px sans-serif}} header{{background:#eee;padding:12px}}
main p{{margin:0;height:300px}}</style></head>
<body><header id="top">Shop header</header>
<main><p>One</p><p>Two</p><p>Three</p><p id="last">The last line</p></main>
<script src="{src}"{position} async></script>
</body></html>
"""


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """The fixture page (a critical incident is open: the widget shows) and a host site
    embedding its widget at the top and at the bottom."""
    root = tmp_path_factory.mktemp("widget")
    config = make_fixture(root, FIXTURE_CONFIG.replace('url = "https://status.acme.test/"\n', ""))
    build_site(config, T0)
    pages = root / "host"
    pages.mkdir()
    with serve_folder(config.output_dir) as status:
        src = f"http://127.0.0.1:{status.server_address[1]}/widget.js"
        (pages / "top.html").write_text(HOST.format(src=src, position=""))
        (pages / "bottom.html").write_text(HOST.format(src=src, position=' data-position="bottom"'))
        with serve_folder(pages) as server:
            yield f"http://127.0.0.1:{server.server_address[1]}/"


def open_host(browser, url):
    context = browser.new_context(viewport={"width": 800, "height": 600})
    context.add_init_script(
        "window.widgetDone = new Promise(resolve => document.addEventListener("
        "'statusgen-widget', event => resolve(event.detail.shown)));"
    )
    page = context.new_page()
    page.goto(url)
    assert page.evaluate("window.widgetDone") is True
    return context, page


def box(page, selector):
    return page.locator(selector).bounding_box()


def test_at_the_top_the_banner_pushes_the_header_down(browser, host):
    context, page = open_host(browser, host + "top.html")
    banner, header = box(page, "#statusgen-widget"), box(page, "#top")
    assert banner["y"] == 0 and banner["height"] > 20
    assert header["y"] >= banner["y"] + banner["height"]  # below it, not under it
    page.get_by_role("button", name="Dismiss").click()
    assert box(page, "#top")["y"] == 0
    context.close()


def test_at_the_bottom_the_banner_stays_in_view_and_covers_no_line(browser, host):
    context, page = open_host(browser, host + "bottom.html")
    banner = box(page, "#statusgen-widget")
    assert banner["y"] + banner["height"] == pytest.approx(600, abs=1)  # the viewport's foot
    assert box(page, "#top")["y"] == 0
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    last, banner = box(page, "#last"), box(page, "#statusgen-widget")
    assert last["y"] + last["height"] <= banner["y"] + 0.5
    page.get_by_role("button", name="Dismiss").click()
    assert page.evaluate("document.body.style.marginBottom") == ""
    context.close()
