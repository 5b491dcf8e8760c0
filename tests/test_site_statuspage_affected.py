"""The components an incident affects in Statuspage's v2 documents (statusgen/site/
statuspage.py Nodes): every node of an affected service and every affected node, once
each, in display order, whatever order the file names them in."""

from __future__ import annotations

import json

from statusgen.site import build_site

from .conftest import T0
from .site_helpers import make_fixture

INCIDENT = """---
title: Everything at once
severity: minor
affected: [rest, web, site, rest]
---
## 2026-11-23T11:40:00Z — investigating

Looking.
"""


def test_affected_components_are_each_node_once_in_display_order(tmp_path):
    config = make_fixture(tmp_path)
    (tmp_path / "config" / "incidents" / "2026-11-23-all.md").write_text(INCIDENT)
    build_site(config, T0)
    incidents = json.loads((config.output_dir / "api/v2/incidents.json").read_bytes())
    found = {i["id"]: i for i in incidents["incidents"]}
    listed = found["2026-11-23-all"]["components"]
    assert [(c["group_id"], c["id"], c["position"]) for c in listed] == [
        ("web", "site", 1),
        ("web", "docs", 2),
        ("api", "rest", 1),
    ]
    summary = json.loads((config.output_dir / "api/v2/summary.json").read_bytes())
    rest = [c for c in summary["components"] if c["id"] == "rest"]
    assert rest == [listed[2]]  # the same component as the components list shows
