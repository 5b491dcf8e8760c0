"""What the public sees: probe health, open incidents and maintenance combined, in both
vocabularies statusgen speaks (the seeds' healthy/sick/dead and Statuspage's component
statuses, page indicator and description).

`assess` is the one mapping; everything else here applies it to nodes and rolls the
results up to services and pages. Rules, worst wins:

- probe: dead -> major_outage, sick -> degraded_performance, healthy -> operational;
- an open incident: critical -> major_outage, major -> partial_outage,
  minor -> degraded_performance;
- under maintenance, probe health is hidden (downtime is expected) and the status is
  under_maintenance, unless an open incident affects it: an incident is news, so it wins.

An incident that names nothing (`affected` empty) is about the page as a whole.

A node never measured (a push node nobody has reported to, or whose replicas were all
flushed) has *no data*: it is neither healthy nor counted as healthy when its service or
the page rolls up; a service or page whose nodes all lack data has no data itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from statusgen.config import Config
from statusgen.content.models import Content, Incident, expand_ids
from statusgen.health import Evaluation
from statusgen.status import Status, node_key


class ComponentStatus(StrEnum):
    """Statuspage's component statuses, best first."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").title()


_RANK = {status: rank for rank, status in enumerate(ComponentStatus)}  # best first


class Indicator(StrEnum):
    """Statuspage's page indicator."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


C = ComponentStatus
BY_SEVERITY = {
    "minor": C.DEGRADED_PERFORMANCE,
    "major": C.PARTIAL_OUTAGE,
    "critical": C.MAJOR_OUTAGE,
}
BY_PROBE = {
    Status.HEALTHY: C.OPERATIONAL,
    Status.SICK: C.DEGRADED_PERFORMANCE,
    Status.DEAD: C.MAJOR_OUTAGE,
}
HEALTH = {
    C.OPERATIONAL: Status.HEALTHY,
    C.UNDER_MAINTENANCE: Status.HEALTHY,  # planned work is not a failure
    C.DEGRADED_PERFORMANCE: Status.SICK,
    C.PARTIAL_OUTAGE: Status.SICK,
    C.MAJOR_OUTAGE: Status.DEAD,
}
INDICATOR = {
    C.OPERATIONAL: Indicator.NONE,
    C.UNDER_MAINTENANCE: Indicator.NONE,
    C.DEGRADED_PERFORMANCE: Indicator.MINOR,
    C.PARTIAL_OUTAGE: Indicator.MAJOR,
    C.MAJOR_OUTAGE: Indicator.CRITICAL,
}
# Statuspage's top-level status for one component in each status ...
DESCRIPTION = {
    C.OPERATIONAL: "All Systems Operational",
    C.UNDER_MAINTENANCE: "Service Under Maintenance",
    C.DEGRADED_PERFORMANCE: "Partially Degraded Service",
    C.PARTIAL_OUTAGE: "Partial System Outage",
    C.MAJOR_OUTAGE: "Major System Outage",
}
# ... and for several, when all of them share the worst status / when only some do.
ALL_DESCRIPTION = {C.DEGRADED_PERFORMANCE: "Degraded System Service"}
SOME_DESCRIPTION = {
    C.PARTIAL_OUTAGE: "Minor Service Outage",
    C.MAJOR_OUTAGE: "Partial System Outage",
}


@dataclass(frozen=True, slots=True)
class Impact:
    """The public status of a node, service or page.

    `health` is the seeds' word for `component`; `probe` is the raw probe health (None
    when there is no data); `incidents` are the ids of the open incidents counted;
    `no_data` says nothing is known (no measure, incident or maintenance), in which case
    `component` is only a placeholder and `state` reads "no_data".
    """

    component: ComponentStatus
    health: Status
    indicator: Indicator
    description: str
    maintenance: bool = False
    probe: Status | None = None
    incidents: tuple[str, ...] = ()
    no_data: bool = False

    @property
    def state(self) -> str:
        """What a visitor is shown: the component status, or "no_data"."""
        return "no_data" if self.no_data else self.component.value


def worst(statuses: Iterable[ComponentStatus]) -> ComponentStatus:
    return max(statuses, key=_RANK.__getitem__, default=C.OPERATIONAL)


def assess(
    probe: Status | None,
    incidents: Sequence[Incident] = (),
    maintenance: bool = False,
    measured: bool = False,
) -> Impact:
    """THE mapping from probe health, the open incidents about one thing and whether it is
    under maintenance, to its public status in both vocabularies. A `measured` thing (a
    node) without probe health, incidents or maintenance has no data."""
    by_incidents = worst(BY_SEVERITY[i.severity] for i in incidents if i.open)
    if maintenance and by_incidents is C.OPERATIONAL:
        component = C.UNDER_MAINTENANCE
    elif maintenance:
        component = by_incidents
    else:
        component = worst([by_incidents, BY_PROBE[probe] if probe else C.OPERATIONAL])
    return Impact(
        component=component,
        health=HEALTH[component],
        indicator=INDICATOR[component],
        description=DESCRIPTION[component],
        maintenance=maintenance,
        probe=probe,
        incidents=tuple(i.id for i in incidents if i.open),
        no_data=measured
        and probe is None
        and not maintenance
        and not any(i.open for i in incidents),
    )


NO_DATA = Impact(
    component=C.OPERATIONAL,
    health=Status.HEALTHY,
    indicator=Indicator.NONE,
    description="No data",
    no_data=True,
)


def rollup(children: Sequence[Impact]) -> Impact:
    """A service from its nodes, or a page from its nodes: the worst status wins, and the
    description blends them as Statuspage's top-level status does. Children without data
    are left out; with none left, the result has no data."""
    if children and all(c.no_data for c in children):
        return NO_DATA
    children = [c for c in children if not c.no_data]
    component = worst(c.component for c in children)
    sharing = sum(1 for c in children if c.component is component)
    if len(children) <= 1:
        description = DESCRIPTION[component]
    elif sharing == len(children):
        description = ALL_DESCRIPTION.get(component, DESCRIPTION[component])
    else:
        description = SOME_DESCRIPTION.get(component, DESCRIPTION[component])
    probes = [c.probe for c in children if c.probe is not None]
    return Impact(
        component=component,
        health=HEALTH[component],
        indicator=INDICATOR[component],
        description=description,
        maintenance=any(c.maintenance for c in children),
        probe=Status.worst(probes) if probes else None,
        incidents=tuple(dict.fromkeys(i for c in children for i in c.incidents)),
    )


@dataclass(frozen=True)
class Impacts:
    """Every node's, service's and the page's Impact for one pass; nodes keyed
    "service/node", services by id."""

    nodes: dict[str, Impact]
    services: dict[str, Impact]
    page: Impact
    page_wide: tuple[Impact, ...] = ()

    def for_ids(self, config: Config, ids: Iterable[str]) -> Impact:
        """The Impact of an extra page showing only these service or node ids."""
        wanted = set(ids)
        keys = expand_ids(config, wanted)
        parts = [self.nodes[k] for k in self.nodes if k in keys]
        parts += [
            self.services[s.id]
            for s in config.services
            if s.id in wanted and not s.nodes and s.id in self.services
        ]
        return rollup(parts + list(self.page_wide))


def assess_all(
    config: Config, evaluation: Evaluation | None, content: Content, now: datetime
) -> Impacts:
    """Apply `assess` to every node of the config, then roll up services and the page."""
    probes = evaluation.nodes if evaluation else {}
    open_incidents = content.open_incidents()
    about = [(i, i.node_keys(config)) for i in open_incidents]
    held = content.maintenance_nodes(config, now)
    nodes: dict[str, Impact] = {}
    services: dict[str, Impact] = {}
    for service in config.sorted_services():
        children = []
        for node in service.nodes:
            key = node_key(service.id, node.id)
            incidents = [i for i, keys in about if key in keys]
            nodes[key] = assess(probes.get(key), incidents, key in held, measured=True)
            children.append(nodes[key])
        if not children:
            # A service without nodes is shown all the same; only incidents can say much.
            children.append(assess(None, [i for i in open_incidents if service.id in i.affected]))
        services[service.id] = rollup(children)
    page_wide = [i for i in open_incidents if not i.affected]
    extra = (assess(None, page_wide),) if page_wide else ()
    leaves = list(nodes.values()) + [services[s.id] for s in config.services if not s.nodes]
    return Impacts(nodes, services, rollup(leaves + list(extra)), extra)


def node_impact(
    config: Config, evaluation: Evaluation | None, content: Content, now: datetime, key: str
) -> Impact:
    """The Impact of one node ("service/node")."""
    return assess_all(config, evaluation, content, now).nodes[key]


def service_impact(
    config: Config, evaluation: Evaluation | None, content: Content, now: datetime, service: str
) -> Impact:
    """The Impact of one service, rolled up from its nodes."""
    return assess_all(config, evaluation, content, now).services[service]


def page_impact(
    config: Config, evaluation: Evaluation | None, content: Content, now: datetime
) -> Impact:
    """The Impact of the whole page."""
    return assess_all(config, evaluation, content, now).page
