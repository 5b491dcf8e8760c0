"""The one mapping from probe health, incidents and maintenance to public status."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from statusgen.content import Content, Incident, load_content
from statusgen.health import Evaluation
from statusgen.impact import ComponentStatus, Impact, Indicator, assess, assess_all, rollup
from statusgen.status import Status, node_key
from tests.test_content_support import make_config, write_item

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
H, S, D = Status.HEALTHY, Status.SICK, Status.DEAD


def incident(severity: str, status: str = "investigating", ident: str = "i") -> Incident:
    return Incident(
        id=ident,
        path=Path(f"{ident}.md"),
        title="T",
        severity=severity,
        status=status,
        affected=(),
        started=NOW,
        resolved=None,
        updates=(),
        message="",
        html="",
    )


@pytest.mark.parametrize(
    ("probe", "severities", "maintenance", "component", "health", "indicator", "description"),
    [
        (None, [], False, "operational", H, "none", "All Systems Operational"),
        (H, [], False, "operational", H, "none", "All Systems Operational"),
        (S, [], False, "degraded_performance", S, "minor", "Partially Degraded Service"),
        (D, [], False, "major_outage", D, "critical", "Major System Outage"),
        (H, ["minor"], False, "degraded_performance", S, "minor", "Partially Degraded Service"),
        (H, ["major"], False, "partial_outage", S, "major", "Partial System Outage"),
        (H, ["critical"], False, "major_outage", D, "critical", "Major System Outage"),
        (None, ["major"], False, "partial_outage", S, "major", "Partial System Outage"),
        # worst wins
        (S, ["major"], False, "partial_outage", S, "major", "Partial System Outage"),
        (D, ["minor"], False, "major_outage", D, "critical", "Major System Outage"),
        (H, ["minor", "critical", "major"], False, "major_outage", D, "critical",
         "Major System Outage"),
        # maintenance hides probe health, not incidents
        (H, [], True, "under_maintenance", H, "none", "Service Under Maintenance"),
        (D, [], True, "under_maintenance", H, "none", "Service Under Maintenance"),
        (D, ["minor"], True, "degraded_performance", S, "minor", "Partially Degraded Service"),
        (H, ["critical"], True, "major_outage", D, "critical", "Major System Outage"),
    ],
)  # fmt: skip
def test_assess_maps_to_both_vocabularies(
    probe, severities, maintenance, component, health, indicator, description
):
    impact = assess(probe, [incident(s, ident=s) for s in severities], maintenance)
    assert impact.component == ComponentStatus(component)
    assert impact.health == health
    assert impact.indicator == Indicator(indicator)
    assert impact.description == description
    assert impact.maintenance is maintenance
    assert impact.probe == probe
    assert impact.incidents == tuple(severities)


def test_resolved_incidents_do_not_count():
    assert assess(H, [incident("critical", status="resolved")]).component == "operational"


def test_component_labels():
    assert [c.label for c in ComponentStatus] == [
        "Operational",
        "Under Maintenance",
        "Degraded Performance",
        "Partial Outage",
        "Major Outage",
    ]


def leaf(component: str) -> Impact:
    by = {
        "op": assess(H),
        "mt": assess(H, maintenance=True),
        "dg": assess(S),
        "po": assess(H, [incident("major")]),
        "mo": assess(D),
    }
    return by[component]


@pytest.mark.parametrize(
    ("children", "component", "description"),
    [
        ([], "operational", "All Systems Operational"),
        (["op", "op"], "operational", "All Systems Operational"),
        (["op", "mt"], "under_maintenance", "Service Under Maintenance"),
        (["mt", "mt"], "under_maintenance", "Service Under Maintenance"),
        (["op", "dg"], "degraded_performance", "Partially Degraded Service"),
        (["dg", "dg"], "degraded_performance", "Degraded System Service"),
        (["op", "po"], "partial_outage", "Minor Service Outage"),
        (["po", "po"], "partial_outage", "Partial System Outage"),
        (["op", "mo"], "major_outage", "Partial System Outage"),
        (["mo", "mo"], "major_outage", "Major System Outage"),
        (["mo"], "major_outage", "Major System Outage"),
        (["mt", "dg", "po", "mo"], "major_outage", "Partial System Outage"),
    ],
)
def test_rollup_blends_descriptions_like_statuspage(children, component, description):
    impact = rollup([leaf(c) for c in children])
    assert (impact.component, impact.description) == (component, description)


def test_rollup_keeps_the_worst_probe_and_all_incident_ids():
    impact = rollup(
        [assess(S, [incident("minor", ident="a")]), assess(D, [incident("major", ident="b")])]
    )
    assert impact.probe == D
    assert impact.incidents == ("a", "b")
    assert impact.health == D


INCIDENT = "---\ntitle: T\nseverity: {severity}\naffected: [{affected}]\n---\n\n{body}\n"
BODY = "## 2026-11-23T09:00:00Z — identified\n\nLooking."


def test_assess_all_applies_incidents_probes_and_maintenance(tmp_path):
    config = make_config(tmp_path)
    write_item(
        tmp_path,
        "incident",
        "a.md",
        INCIDENT.format(severity="major", affected="rest", body=BODY),
    )
    write_item(
        tmp_path,
        "maintenance",
        "m.md",
        "---\ntitle: M\nstarts: 2026-11-23T11:00:00Z\nends: 2026-11-23T13:00:00Z\n"
        "affected: [docs]\n---\n",
    )
    evaluation = Evaluation(
        replicas={},
        nodes={"web/site": H, "web/docs": D, "api/rest": H, "api/db": S},
        services={"web": D, "api": S},
        page=D,
    )
    impacts = assess_all(config, evaluation, load_content(config), NOW)
    assert {k: v.component.value for k, v in impacts.nodes.items()} == {
        "web/site": "operational",
        "web/docs": "under_maintenance",
        "api/rest": "partial_outage",
        "api/db": "degraded_performance",
    }
    assert impacts.services["web"].component == "under_maintenance"
    assert impacts.services["api"].description == "Minor Service Outage"
    assert impacts.page.component == "partial_outage"
    assert impacts.page.indicator == "major"
    assert impacts.page.incidents == ("a",)
    assert impacts.for_ids(config, ["web"]).component == "under_maintenance"
    assert impacts.for_ids(config, ["site"]).component == "operational"
    # An hour later the maintenance is over and the dead docs node shows.
    later = assess_all(
        config, evaluation, load_content(config), datetime(2026, 11, 23, 14, tzinfo=UTC)
    )
    assert later.nodes["web/docs"].component == "major_outage"
    assert later.page.description == "Partial System Outage"


def test_an_incident_naming_nothing_is_about_the_whole_page(tmp_path):
    config = make_config(tmp_path)
    write_item(tmp_path, "incident", "a.md", "---\ntitle: T\nseverity: critical\n---\n\n" + BODY)
    impacts = assess_all(config, None, load_content(config), NOW)
    assert all(i.component == "operational" for i in impacts.nodes.values())
    assert impacts.page.component == "major_outage"
    assert impacts.for_ids(config, ["api"]).component == "major_outage"


def test_a_page_where_nothing_has_data_says_so(tmp_path):
    config = make_config(tmp_path)
    impacts = assess_all(config, None, Content(), NOW)
    assert impacts.page == rollup(list(impacts.nodes.values()))
    assert impacts.page.no_data and impacts.page.state == "no_data"
    assert all(n.no_data and n.state == "no_data" for n in impacts.nodes.values())


def test_a_node_without_data_never_counts_as_healthy(tmp_path):
    config = make_config(tmp_path)
    site, rest = node_key("web", "site"), node_key("api", "rest")
    sick = Evaluation({}, {site: Status.SICK}, {}, Status.SICK)
    impacts = assess_all(config, sick, Content(), NOW)
    assert impacts.nodes[rest].no_data
    # Only the measured node speaks: one sick node of one known is "degraded" for all.
    assert impacts.page.component == "degraded_performance"
    assert impacts.page.description == "Partially Degraded Service"
    healthy = Evaluation({}, {site: Status.HEALTHY}, {}, Status.HEALTHY)
    assert not assess_all(config, healthy, Content(), NOW).page.no_data
    assert impacts.services["web"].component == "degraded_performance"
    assert impacts.services["api"].no_data
