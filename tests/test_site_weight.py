"""The home page of a big page (50 nodes, 200 incidents, 90 days of history) stays light:
at most 100 KB of HTML + CSS + JS as written and 25 KB gzipped, and every request it
makes in Chromium goes to its own site."""

from __future__ import annotations

import gzip
from urllib.parse import urlsplit

import pytest

from bench.build import NOW, make_project
from statusgen.config import load_config
from statusgen.site import build_site

from .browser_support import module_browser, needs_chromium, serve_folder

browser = module_browser()
HOME = ("index.html", "style.css", "site.js")  # what the home page loads


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    root = tmp_path_factory.mktemp("weight")
    path = make_project(root, nodes=50, days=90, incidents=200, passes=24)
    config = load_config(path, env={})
    build_site(config, NOW)
    return config.output_dir


def test_the_home_page_of_50_nodes_and_200_incidents_is_light(output):
    files = {name: (output / name).read_bytes() for name in HOME}
    raw = sum(len(data) for data in files.values())
    packed = sum(len(gzip.compress(data, 9)) for data in files.values())
    sizes = {name: len(data) for name, data in files.items()}
    assert raw <= 100_000, (raw, sizes)
    assert packed <= 25_000, packed
    assert files["index.html"].count(b"<li class=node>") == 50


@needs_chromium
def test_the_home_page_requests_nothing_outside_its_site(browser, output):
    with serve_folder(output) as server:
        origin = f"http://127.0.0.1:{server.server_address[1]}"
        context = browser.new_context()
        seen: list[str] = []
        context.on("request", lambda request: seen.append(request.url))
        page = context.new_page()
        page.goto(origin + "/index.html")
        page.wait_for_load_state("networkidle")
        page.locator("div.bar").first.focus()  # the tooltips' script at work
        context.close()
    outside = [url for url in seen if urlsplit(url)._replace(path="", query="").geturl() != origin]
    assert seen and outside == []
