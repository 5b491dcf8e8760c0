"""The pieces of markup built in Python give the bytes the Jinja templates they replaced
wrote: a node page's per-pass part (`h.node_head`, `h.replica_card`, ... in
`statusgen/site/nodepage.py`) against `tests/reference/_node_pass.html`, the template as
it was, for every node of the fixture in every locale and for nodes with every optional
part (certificates, locations, a description, no data, maintenance, no changes)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import shutil
from datetime import timedelta
from pathlib import Path

from markupsafe import Markup

from statusgen.config import LOCALES
from statusgen.site.build import snapshot_at
from statusgen.site.cache import PageCache
from statusgen.site.i18n import LOCALE_DIR, Messages, messages
from statusgen.site.locations import LocationState
from statusgen.site.nodepage import NodeHelpers, notable
from statusgen.site.pages import Assets, PageRenderer, environment, items
from statusgen.status import Status

from .conftest import T0
from .site_helpers import editable_theme, make_fixture

REFERENCE = Path(__file__).resolve().parent / "reference" / "_node_pass.html"


def variants(node):
    """The node, then the same node with each optional part switched on or off."""
    replica = node.replicas[0]
    yield node
    yield dataclasses.replace(
        node,
        replicas=(dataclasses.replace(replica, certificate_expires=T0 + timedelta(days=40)),
                  dataclasses.replace(replica, label="b<&>\"'", latency_ms=None)),
        description="A <b>bold</b> & 'quoted' \"node\"",
    )  # fmt: skip
    yield dataclasses.replace(
        node,
        replicas=(),
        no_data_note=("why_secret", "TOKEN<&>"),
        locations=(
            LocationState("fra", "Frankfurt <1>", False, Status.HEALTHY, 12, T0),
            LocationState("gh", "GitHub", True, None, None, None),
        ),
        checked_at=None,
        label="Label & <co>",
    )
    series = dataclasses.replace(node.series, changes=(), bars=node.series.bars[:3])
    yield dataclasses.replace(node, series=series)


def test_the_node_sections_write_what_the_template_wrote(tmp_path):
    config = make_fixture(tmp_path / "site")
    snapshot, _ = snapshot_at(config, T0)
    theme = environment()
    reference_root = tmp_path / "reference"
    (reference_root / "site-templates").mkdir(parents=True)
    shutil.copy(REFERENCE, reference_root / "site-templates" / "_node_pass.html")
    reference = environment(reference_root)
    assert "h.node_head" not in REFERENCE.read_text()
    nodes = [(service, node) for service in snapshot.services for node in service.nodes]
    assert any(node.impact.maintenance for _, node in nodes)
    assert any(node.series.changes for _, node in nodes)
    checked = 0
    for lang in LOCALES:
        renderer = PageRenderer(theme, snapshot, lang, "", Assets(), False)
        for service, base_node in nodes:
            for node in variants(base_node):
                path = f"nodes/{node.service}/{node.id}.html"
                context = renderer.context(path)
                listed = items(node.incidents, node.maintenance, T0)
                context.update(node=node, service=service, items=listed)
                ours = theme.get_template("_node_pass.html").render(context)
                theirs = reference.get_template("_node_pass.html").render(context)
                assert ours == theirs, (lang, node.key)
                checked += 1
    assert checked == len(LOCALES) * len(nodes) * 4


def test_pieces_kept_for_the_next_page_are_what_a_fresh_renderer_draws(tmp_path):
    """Node rows (home, then service page), notable days, charts of the same series at
    two sizes and the page data are kept between pages: each is what a renderer that
    never drew anything before draws."""
    config = make_fixture(tmp_path / "site")
    snapshot, _ = snapshot_at(config, T0)
    nodes = [node for service in snapshot.services for node in service.nodes]
    for lang in LOCALES:
        t = messages(lang)
        warm = NodeHelpers(t, T0)
        home = warm.node_rows(nodes, "")
        service = warm.node_rows(nodes, "../")
        assert service == NodeHelpers(t, T0).node_rows(nodes, "../")
        assert home == NodeHelpers(t, T0).node_rows(nodes, "")
        assert warm.page_data() == _page_data(t, nodes)
        for node in nodes:
            big = warm.chart(node.series.latency, 96, 384, 64)
            assert big == NodeHelpers(t, T0).chart(node.series.latency, 96, 384, 64)
            bars = notable(node.series.bars)
            warm.day_rows(bars, "x/")
            assert warm.day_rows(bars, "../../") == NodeHelpers(t, T0).day_rows(bars, "../../")
        assert warm.page_data() == NodeHelpers(t, T0).page_data()  # no compact bars since


def _page_data(t, nodes):
    fresh = NodeHelpers(t, T0)
    fresh.node_rows(nodes, "")
    return fresh.page_data()


def test_formatted_numbers_read_as_freshly_formatted_ones():
    values = [None, 0, 0.0, -0.0, 1, 1.0, 0.5, 2.5, 99.5, 1234.5678, 0.99999, 0.999949, 1e-05]
    for lang in LOCALES:
        t = messages(lang)
        for value in values * 2:
            fresh = Messages(lang, json.loads((LOCALE_DIR / f"{lang}.json").read_text()))
            assert t.ms(value) == fresh.ms(value), (lang, value)
            assert t.percent(value) == fresh.percent(value), (lang, value)
    assert messages("en").ms(-0.0) == "-0 ms" and messages("en").ms(0) == "0 ms"


def _node_pages(env, snapshot, cache=None, labels=("",)):
    """(node id, each node page as PageRenderer.node_page writes it, as node.html
    and _node_pass.html rendered whole write it) for every node of the snapshot and its
    `variants`, under each of `labels` ("": its own)."""
    renderer = PageRenderer(env, snapshot, "en", "", Assets(), False, cache)
    for service in snapshot.services:
        for base_node in service.nodes:
            for variant, label in itertools.product(variants(base_node), labels):
                node = dataclasses.replace(variant, label=label) if label else variant
                path = f"nodes/{node.service}/{node.id}.html"
                ours = renderer.node_page(path, node, service)[1]
                context = renderer.context(path)
                listed = items(node.incidents, node.maintenance, T0)
                context.update(node=node, service=service, items=listed)
                fragment = Markup(env.get_template("_node_pass.html").render(context))
                whole = env.get_template("node.html").render(context, node_pass=fragment)
                yield node.id, ours, whole


def test_node_pages_share_their_shell_yet_read_as_rendered_whole(tmp_path, monkeypatch):
    """Node pages listing the same items in the same service share one shell, rendered
    once with a stand-in for the label, and the default per-pass part is its sections
    joined in Python; each page is what node.html and _node_pass.html rendered whole for
    its node write, labels to escape and locations included. A default node.html that
    reads more of the node than its label is rendered per node."""
    config = make_fixture(tmp_path / "site")
    snapshot, _ = snapshot_at(config, T0)
    labels = ("", "Label & <co> \"q\" 'a'", "nul\x00label")
    cache = PageCache(tmp_path / "cache")
    pages = list(_node_pages(environment(), snapshot, cache, labels))
    assert all(ours == whole for _, ours, whole in pages)
    nodes = sum(len(service.nodes) for service in snapshot.services)
    # One shell per service and listed items: a node under another label shares it.
    assert 0 < len(cache.new) <= nodes < len(pages)

    theme = editable_theme(tmp_path, monkeypatch)
    node_html = (theme / "node.html").read_text()
    (theme / "node.html").write_text(node_html.replace("{{ node_pass", "{{ node.id }}{{ node_pass"))
    pages = list(_node_pages(environment(), snapshot, labels=labels))
    assert all(ours == whole and f"</p>\n{node}<" in ours for node, ours, whole in pages)
