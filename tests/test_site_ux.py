"""Visitor UX of the built pages: component descriptions, readable charts, the web app
manifest and the home page's weight."""

from __future__ import annotations

import json

import pytest

from statusgen.site import build_site

from .conftest import T0
from .site_helpers import make_fixture


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    config = make_fixture(tmp_path_factory.mktemp("ux"))
    build_site(config, T0)
    return config.output_dir


def read(output, rel: str) -> str:
    return (output / rel).read_text(encoding="utf-8")


def test_descriptions_are_help_text_on_the_pages(output):
    home = read(output, "index.html")
    assert '<p class="help">The public website &amp; its docs.</p>' in home
    assert '<p class="help">The JSON API behind &lt;the app&gt;.</p>' in home
    assert "The public website &amp; its docs." in read(output, "services/web.html")
    assert "The JSON API behind &lt;the app&gt;." in read(output, "nodes/api/rest.html")
    # Nodes without a description carry no empty help paragraph.
    assert read(output, "nodes/web/docs.html").count('class="help"') == 0


def test_descriptions_fill_the_statuspage_description_field(output):
    components = json.loads(read(output, "api/v2/components.json"))["components"]
    by_id = {c["id"]: c["description"] for c in components}
    assert by_id["web"] == "The public website & its docs."
    assert by_id["rest"] == "The JSON API behind <the app>."
    assert by_id["docs"] is None
