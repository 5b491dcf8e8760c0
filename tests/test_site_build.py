"""`build_site`: every page and document is written, parses, shows what the history and
content say, twice identically, atomically, and never half."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from statusgen.errors import ConfigError, ContentError, FileSystemError
from statusgen.site import build_site

from .conftest import T0, write_project
from .site_helpers import FIXTURE_CONFIG, html_errors, make_fixture


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    config = make_fixture(root)
    report = build_site(config, T0)
    return config, report, config.output_dir


def read(output: Path, rel: str) -> str:
    return (output / rel).read_text(encoding="utf-8")


EXPECTED = [
    "index.html",
    "history.html",
    "404.html",
    "incidents/2026-11-23-rest-down.html",
    "incidents/2026-11-22-site-errors.html",
    "maintenance/2026-11-23-docs-upgrade.html",
    "maintenance/2026-11-30-db.html",
    "services/web.html",
    "services/api.html",
    "nodes/web/site.html",
    "nodes/web/docs.html",
    "nodes/api/rest.html",
    "nodes/api/workers.html",
    "rss.xml",
    "atom.xml",
    "style.css",
    "site.js",
    "widget.js",
    "favicon.svg",
    "robots.txt",
    "CNAME",
    ".nojekyll",
    "api/v1/status.json",
    "api/v2/summary.json",
    "api/v2/status.json",
    "api/v2/components.json",
    "api/v2/incidents.json",
    "api/v2/incidents/unresolved.json",
    "api/v2/scheduled-maintenances.json",
    "api/v2/scheduled-maintenances/upcoming.json",
    "api/v2/scheduled-maintenances/active.json",
    "status/text",
    "status/text.txt",
    "status/report",
    "badge/color.svg",
    "badge/icon.svg",
    "status/acme.json",
    "status/api-only.json",
    "badges/status.svg",
    "badges/uptime.svg",
    "badges/status.json",
    "badges/uptime.json",
    "badges/services/web/status.svg",
    "badges/services/web/uptime.json",
    "badges/nodes/api/rest/status.svg",
    "badges/nodes/api/rest/uptime.svg",
    "api-only/index.html",
    "api-only/nodes/api/rest.html",
    "api-only/api/v1/status.json",
    "api-only/api/v2/summary.json",
    "api-only/status/text",
    "api-only/rss.xml",
    "api-only/badges/status.svg",
    "api-only/badge/icon.svg",
]


@pytest.mark.parametrize("rel", EXPECTED)
def test_every_page_and_document_is_built(built, rel):
    assert (built[2] / rel).is_file()


def test_html_pages_parse_and_link_to_existing_files(built):
    output = built[2]
    pages = sorted(output.rglob("*.html"))
    assert len(pages) == built[1].pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert html_errors(text) == [], page
        if page.name == "404.html":
            continue
        for href in _links(text):
            target = (page.parent / href.split("#")[0]).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(output)} links to missing {href}"


def _links(text: str) -> list[str]:
    import re

    found = re.findall(r'(?:href|src)="([^"]+)"', text)
    return [
        h
        for h in found
        if not h.startswith(("http:", "https:", "webcal:", "mailto:", "#", "data:"))
    ]


def test_a_disabled_page_is_not_built(built):
    assert not (built[2] / "hidden").exists()
    assert not (built[2] / "status" / "hidden.json").exists()
    assert built[1].extra_pages == ["api-only"]


def test_home_page_shows_the_state_of_history_and_content(built):
    html = read(built[2], "index.html")
    assert "Partial system outage" in html  # critical incident on one node of several
    assert "New status page" in html and "Old news" not in html  # expired announcement
    assert "REST API is down" in html  # open incident
    assert "Docs upgrade" in html and "Database upgrade" in html  # active and upcoming
    top = html.split('<section class="service"', 1)[0]
    assert "Landing page errors" not in top  # resolved: in the history and the bars only
    assert "Landing page errors" in html
    node = html.split('href="nodes/api/rest.html">REST API</a>', 1)[1][:80]
    assert "c-major_outage" in node
    docs = html.split('href="nodes/web/docs.html">Documentation</a>', 1)[1][:80]
    assert "c-under_maintenance" in docs
    assert html.count("<div class=bar role=img") == 4
    # A replica row shows its label, never its URL.
    assert "eu-1" in html and "10.0.0.5" not in html


def test_bars_mark_the_days_of_history(built):
    html = read(built[2], "nodes/web/site.html")
    assert 'title="Nov 22, 2026: ' in html and "Landing page errors" in html
    assert "<p class=s" in html  # eu-2 dead on the 22nd: the node was sick that day


def test_json_and_html_agree(built):
    status = json.loads(read(built[2], "api/v1/status.json"))
    nodes = {n["id"]: n for s in status["services"] for n in s["nodes"]}
    assert {k: v["status"] for k, v in nodes.items()} == {
        "site": "operational",
        "docs": "under_maintenance",
        "rest": "major_outage",
        "workers": "operational",
    }
    assert status["health"] == "dead"
    assert status["dead_since"] == "2026-11-23T11:00:00Z"
    assert status["downtime_warning"] is True
    assert nodes["workers"]["replicas"] == [
        {"health": "healthy", "label": "w1", "latency_ms": None}
    ]
    assert read(built[2], "status/text") == "dead"
    assert read(built[2], "status/text.txt") == "dead"  # for hosts that type by extension


def test_vigil_badges_show_the_page_health(built):
    from xml.etree import ElementTree

    for kind in ("color", "icon"):
        svg = ElementTree.fromstring(read(built[2], f"badge/{kind}.svg"))
        assert svg.get("aria-label") == "status: dead"
        fills = [e.get("fill") for e in svg.iter() if e.get("fill")]
        assert fills[0] == "#e05d44"  # the red of the other badges
    # The icon tells the state by a shape too, not by colour alone.
    assert "<path" in read(built[2], "badge/icon.svg")
    assert "<path" not in read(built[2], "badge/color.svg")


def test_incident_page_has_its_timeline_newest_first(built):
    html = read(built[2], "incidents/2026-11-23-rest-down.html")
    assert html.index("Identified") < html.index("Investigating")
    assert "A bad deploy; rolling back." in html


def test_history_groups_by_month_and_pages(tmp_path):
    config = make_fixture(tmp_path)
    folder = tmp_path / "config" / "incidents"
    for n in range(25):
        month = 10 if n < 12 else 9
        (folder / f"2026-{month:02d}-{n + 1:02d}-old-{n}.md").write_text(
            f"---\ntitle: Old incident {n}\nstarted: 2026-{month:02d}-{n + 1:02d}T10:00:00Z\n"
            f"resolved: 2026-{month:02d}-{n + 1:02d}T11:00:00Z\nstatus: resolved\n---\nDone.\n"
        )
    build_site(config, T0)
    first = read(config.output_dir, "history.html")
    second = read(config.output_dir, "history/2.html")
    assert "<h2>November 2026</h2>" in first and "<h2>October 2026</h2>" in first
    assert "Page 1 of 2" in first and 'href="history/2.html"' in first
    assert "<h2>September 2026</h2>" in second and 'href="../history.html"' in second


def test_two_builds_are_byte_identical(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    first = {p: p.read_bytes() for p in config.output_dir.rglob("*") if p.is_file()}
    build_site(config, T0)
    second = {p: p.read_bytes() for p in config.output_dir.rglob("*") if p.is_file()}
    assert first == second


def test_no_page_carries_the_build_time_but_the_api_generated_at(tmp_path):
    config = make_fixture(tmp_path)
    later = T0.replace(minute=7, second=13)
    build_site(config, later)
    stamped = sorted(
        str(p.relative_to(config.output_dir))
        for p in config.output_dir.rglob("*")
        if p.is_file() and b"12:07" in p.read_bytes()
    )
    assert stamped == ["api-only/api/v1/status.json", "api/v1/status.json"]


def test_a_broken_content_file_fails_the_build_and_keeps_the_old_site(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    before = (config.output_dir / "index.html").read_bytes()
    (tmp_path / "config" / "incidents" / "2026-11-23-broken.md").write_text(
        "---\ntitle: Broken\nseverity: apocalyptic\n---\nBody\n"
    )
    with pytest.raises(ContentError, match="severity"):
        build_site(config, T0)
    assert (config.output_dir / "index.html").read_bytes() == before
    assert not list(tmp_path.glob(".output.*"))


def test_a_failed_write_leaves_the_old_site_whole(tmp_path, monkeypatch):
    from statusgen.site import output as output_module

    config = make_fixture(tmp_path)
    build_site(config, T0)
    before = {p: p.read_bytes() for p in config.output_dir.rglob("*") if p.is_file()}
    real_write = output_module.write_fresh

    def half_then_fail(folder, files, *previous):
        real_write(folder, dict(list(files.items())[: len(files) // 2]), *previous)
        raise OSError("disk full")

    monkeypatch.setattr(output_module, "write_fresh", half_then_fail)
    with pytest.raises(FileSystemError, match="disk full; output/ still shows the previous site"):
        build_site(config, T0.replace(hour=11))
    after = {p: p.read_bytes() for p in config.output_dir.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".output")]
    assert len(list((tmp_path / ".statusgen" / "sites").iterdir())) == 1


def test_rebuilds_drop_stale_files(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    build_site(config, T0)
    (tmp_path / "config" / "incidents" / "2026-11-22-site-errors.md").unlink()
    build_site(config, T0)
    assert not (config.output_dir / "incidents" / "2026-11-22-site-errors.html").exists()
    fresh = tmp_path / "fresh"
    shutil.copytree(tmp_path / "config", fresh / "config")
    shutil.copytree(tmp_path / "history", fresh / "history")
    from statusgen.config import load_config

    other = load_config(fresh / "config" / "statusgen.toml", env={})
    build_site(other, T0)
    mine = {
        p.relative_to(config.output_dir): p.read_bytes()
        for p in config.output_dir.rglob("*")
        if p.is_file()
    }
    theirs = {
        p.relative_to(other.output_dir): p.read_bytes()
        for p in other.output_dir.rglob("*")
        if p.is_file()
    }
    assert mine == theirs
    assert not [p for p in config.output_dir.rglob("*") if p.is_dir() and not any(p.iterdir())]


def test_first_build_creates_output(tmp_path):
    config = make_fixture(tmp_path)
    shutil.rmtree(config.output_dir, ignore_errors=True)
    build_site(config, T0)
    assert (config.output_dir / "index.html").is_file()


def test_forbid_indexing_writes_robots_and_noindex(tmp_path):
    text = FIXTURE_CONFIG.replace('custom_domain = "status.acme.test"', "forbid_indexing = true")
    config = make_fixture(tmp_path, text)
    build_site(config, T0)
    assert read(config.output_dir, "robots.txt") == "User-agent: *\nDisallow: /\n"
    for page in config.output_dir.rglob("*.html"):
        assert '<meta name="robots" content="noindex, nofollow">' in page.read_text()
    assert not (config.output_dir / "CNAME").exists()


def test_indexing_allowed_by_default_and_cname_written(built):
    assert read(built[2], "robots.txt") == "User-agent: *\nAllow: /\n"
    assert 'name="robots"' not in read(built[2], "index.html")
    assert read(built[2], "CNAME") == "status.acme.test\n"


def test_customisation_reaches_the_pages(tmp_path):
    text = FIXTURE_CONFIG.replace(
        'custom_domain = "status.acme.test"',
        'main_color = "#aa3300"\ntheme = "dark"\nlocale = "de"\nrefer_link = false\n'
        'include_html = "<!-- analytics -->"\n'
        'logos = { header = "brand/logo.svg", footer = "https://cdn.acme.test/f.svg", '
        'banner = "brand/sky (1).png" }',
    )
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "brand" / "sky (1).png").write_bytes(b"\x89PNG")
    config = make_fixture(tmp_path, text)
    build_site(config, T0)
    out = config.output_dir
    home, node = read(out, "index.html"), read(out, "nodes/web/site.html")
    assert '<html lang="de" data-theme="dark">' in home
    assert '<img src="assets/logo.svg" alt="Acme Status"' in home
    assert '<img src="../../assets/logo.svg"' in node
    assert 'src="https://cdn.acme.test/f.svg"' in home
    assert '<header class="top banner">' in home  # the image is a style.css rule (CSP)
    assert "background-image:url('assets/sky%20%281%29.png')" in read(out, "style.css")
    assert (out / "assets" / "logo.svg").is_file() and (out / "assets" / "sky (1).png").is_file()
    assert "<!-- analytics -->" in home and "statusgen</a>" not in home
    assert "--main:#aa3300" in read(out, "style.css")
    assert 'fill="#aa3300"' in read(out, "favicon.svg")
    assert "Teilweiser Ausfall" in home  # the banner line in German


def test_a_missing_logo_file_is_a_config_error(tmp_path):
    text = FIXTURE_CONFIG.replace(
        'custom_domain = "status.acme.test"', 'logos = { header = "nope.svg" }'
    )
    config = make_fixture(tmp_path, text)
    with pytest.raises(ConfigError, match=r"page\.logos\.header: no such file"):
        build_site(config, T0)


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        ('[[pages]]\nslug = "api"\nname = "X"\n', "pages[0].slug: 'api' is reserved"),
        ('[[pages]]\nslug = "fr"\nname = "X"\n', "pages[0].slug: 'fr' is reserved"),
        (
            '[[pages]]\nslug = "x"\nname = "X"\ncustom_domain = "https://x.test/"\n',
            "pages[0].custom_domain: expected a bare host name",
        ),
    ],
)
def test_site_specific_config_errors(tmp_path, pages, message):
    from statusgen.config import load_config

    path = write_project(tmp_path, '[page]\nname = "P"\n' + pages)
    with pytest.raises(ConfigError) as error:
        build_site(load_config(path, env={}), T0)
    assert message in str(error.value)


def test_an_empty_project_builds(tmp_path):
    from statusgen.config import load_config

    config = load_config(write_project(tmp_path, '[page]\nname = "Empty"\n'), env={})
    report = build_site(config, T0)
    assert report.pages >= 2
    assert "No services are configured yet." in read(config.output_dir, "index.html")
    assert read(config.output_dir, "status/text") == "healthy"
