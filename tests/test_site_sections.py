"""The pieces of markup built in Python give the bytes the Jinja templates they replaced
wrote: a node page's per-pass part (`h.node_head`, `h.replica_card`, ... in
`statusgen/site/nodepage.py`) against `tests/reference/_node_pass.html`, the template as
it was, for every node of the fixture in every locale and for nodes with every optional
part (certificates, locations, a description, no data, maintenance, no changes)."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import timedelta
from pathlib import Path

from statusgen.config import LOCALES
from statusgen.site.build import snapshot_at
from statusgen.site.locations import LocationState
from statusgen.site.pages import Assets, PageRenderer, environment, items
from statusgen.status import Status

from .conftest import T0
from .site_helpers import make_fixture

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
