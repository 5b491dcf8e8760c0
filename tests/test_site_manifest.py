"""The installable page: a web app manifest per page that Chromium reads without error,
the SVG icon in the page's main colour and the theme's PNG fallbacks."""

from __future__ import annotations

import json
import struct

import pytest

from statusgen.site import build_site

from .browser_support import module_browser, needs_chromium, serve_folder
from .conftest import T0
from .site_helpers import FIXTURE_CONFIG, make_fixture

browser = module_browser()


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    text = FIXTURE_CONFIG.replace('url = "https://status.acme.test/"\n', "").replace(
        'name = "Acme Status"\n', 'name = "Acme Status"\nmain_color = "#0a7d3c"\n', 1
    )
    config = make_fixture(tmp_path_factory.mktemp("manifest"), text)
    build_site(config, T0)
    return config.output_dir


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_each_page_has_a_manifest_whose_icons_exist(output):
    for prefix in ("", "api-only/"):
        manifest = json.loads((output / prefix / "manifest.webmanifest").read_text())
        assert manifest["start_url"] == "./" and manifest["theme_color"] == "#0a7d3c"
        for icon in manifest["icons"]:
            path = (output / prefix / icon["src"]).resolve()
            assert path.is_file(), icon
            if icon["type"] == "image/png":
                size = int(icon["sizes"].split("x")[0])
                assert png_size(path.read_bytes()) == (size, size)
    assert json.loads((output / "api-only/manifest.webmanifest").read_text())["name"] == "API only"
    assert 'fill="#0a7d3c"' in (output / "favicon.svg").read_text()  # the icon, tinted
    home = (output / "index.html").read_text()
    assert '<link rel="manifest" href="manifest.webmanifest">' in home


@needs_chromium
def test_chromium_reads_the_manifest_without_errors_under_the_pages_csp(browser, output):
    with serve_folder(output) as server:
        context = browser.new_context()
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/api-only/index.html")
        page.wait_for_load_state("load")
        found = context.new_cdp_session(page).send("Page.getAppManifest")
        assert found["url"].endswith("/api-only/manifest.webmanifest")
        assert found["errors"] == [] and json.loads(found["data"])["name"] == "API only"
        assert problems == []
        context.close()
