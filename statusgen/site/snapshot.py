"""The page state at one moment, computed once: every HTML page, API document, badge and
feed renders from a Snapshot, so none of them can disagree with another.

Public statuses come from `statusgen.impact` (probe health + open incidents +
maintenance); uptime and bars come from the history, with checks inside maintenance
windows left out. Only public labels of replicas are kept: a Snapshot holds no URL of a
replica nor any other secret.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial

from statusgen.config import Config, ExtraPage, Node, by_order
from statusgen.content.models import Announcement, Content, Incident, Maintenance
from statusgen.domain import state as domain_state
from statusgen.domain.state import DomainStatus
from statusgen.health import Evaluation, aggregate_node
from statusgen.history import HistoryView
from statusgen.impact import Impact, Impacts, assess_all, rollup
from statusgen.site.locations import LocationState, location_states
from statusgen.site.nodeseries import group_series, node_series
from statusgen.site.series import (
    Bar,
    NodeSeries,
    Reach,
    ReplicaState,
    dead_since,
    items_by_node,
    latest_replicas,
    mean_uptime,
    notes_by_node,
    reach_of,
)
from statusgen.site.seriescache import SeriesCache
from statusgen.status import Status, node_key

__all__ = [
    "Bar",
    "NodeState",
    "PageInfo",
    "ReplicaState",
    "ServiceState",
    "Snapshot",
    "build_snapshot",
]


@dataclass(frozen=True)
class NodeState:
    """One node as the public sees it. `impact.health` / `impact.component` are its
    status in both vocabularies; `series` its uptime, bars and latency."""

    key: str
    service: str
    id: str
    label: str
    mode: str
    link: str | None
    impact: Impact
    replicas: tuple[ReplicaState, ...]
    series: NodeSeries
    checked_at: datetime | None
    incidents: tuple[Incident, ...]
    maintenance: tuple[Maintenance, ...]
    description: str = ""
    first_seen: datetime | None = None  # the history's first pass with it (meta.json)
    no_data_reason: str | None = None  # why a node without data has none, when known
    # The same for the pages, to translate: a message key and its `names` field.
    no_data_note: tuple[str, str] | None = None
    locations: tuple[LocationState, ...] = ()  # each [[locations]] entry's view of it


@dataclass(frozen=True)
class ServiceState:
    id: str
    name: str
    position: int
    impact: Impact
    nodes: tuple[NodeState, ...]
    series: NodeSeries
    description: str = ""


@dataclass(frozen=True)
class PageInfo:
    """Which page a Snapshot is about: the main page (at the output root, its slug is the
    page id) or one of `[[pages]]` (under `output/<slug>/`). `ids` filters services and
    nodes; empty means all."""

    slug: str
    prefix: str
    name: str
    description: str
    logo: str | None
    theme: str
    custom_domain: str | None
    enabled: bool
    created_at: str | None
    ids: tuple[str, ...] = ()
    main: bool = True


@dataclass(frozen=True)
class Snapshot:
    """Everything a page shows at `now`. `pages` holds the enabled extra pages (on the
    main page's Snapshot only); they share NodeState objects with it."""

    config: Config
    now: datetime
    updated_at: datetime | None
    page: PageInfo
    impact: Impact
    services: tuple[ServiceState, ...]
    uptime: dict[str, float | None]
    incidents: tuple[Incident, ...]
    announcements: tuple[Announcement, ...]
    maintenance: tuple[Maintenance, ...]
    dead_since: datetime | None
    pages: tuple[Snapshot, ...] = field(default=())
    domain: DomainStatus | None = None  # the main page's custom domain, last checked

    @property
    def health(self) -> Status:
        return self.impact.health

    @property
    def base_url(self) -> str:
        """The page's absolute URL with a trailing slash, or "" without `[page] url`."""
        url = self.config.page.url
        if not url:
            return ""
        return (url if url.endswith("/") else url + "/") + self.page.prefix

    @property
    def open_incidents(self) -> tuple[Incident, ...]:
        return tuple(i for i in self.incidents if i.open)

    @property
    def active_maintenance(self) -> tuple[Maintenance, ...]:
        return tuple(m for m in self.maintenance if m.active(self.now))

    @property
    def upcoming_maintenance(self) -> tuple[Maintenance, ...]:
        """Maintenance that has not started yet, soonest first."""
        later = [m for m in self.maintenance if m.starts > self.now]
        return tuple(sorted(later, key=lambda m: (m.starts, m.id)))

    @property
    def downtime_warning(self) -> bool:
        """What the widget warns about: the page dead for `downtime_warning_minutes` in a
        row, or an open critical incident."""
        minutes = self.config.page.downtime_warning_minutes
        dead_long = (
            self.dead_since is not None
            and (self.now - self.dead_since).total_seconds() >= minutes * 60
        )
        return dead_long or any(i.severity == "critical" for i in self.open_incidents)

    def nodes(self) -> Iterator[NodeState]:
        for service in self.services:
            yield from service.nodes

    def node(self, key: str) -> NodeState | None:
        return next((n for n in self.nodes() if n.key == key), None)

    def service(self, ident: str) -> ServiceState | None:
        return next((s for s in self.services if s.id == ident), None)

    def all_pages(self) -> tuple[Snapshot, ...]:
        """This page, then the extra pages."""
        return (self, *self.pages)


def build_snapshot(
    config: Config,
    view: HistoryView,
    content: Content,
    now: datetime,
    live: dict[str, Status] | None = None,
    kept: SeriesCache | None = None,
) -> Snapshot:
    """The state of the main page and of every enabled extra page at `now`.

    `live` maps replica keys ("service/node/replica") to statuses the live server knows
    better than the last pass (push and local reports); they override, or add to, the
    replicas of the latest pass. `kept`: the nodes' series over the settled days, as
    the build before computed them (`statusgen.site.seriescache`), started for `now`.
    """
    replicas = latest_replicas(config, view, live or {})
    evaluation = _evaluation(config, view, replicas, live or {})
    impacts = assess_all(config, evaluation, content, now)
    reach = reach_of(config, content)
    notes = notes_by_node(content, reach, now)
    windows = content.maintenance_windows(config)
    incidents_of = items_by_node([(i, reach.incidents[i.id]) for i in content.incidents])
    maintenance_of = items_by_node([(m, reach.maintenance[m.id]) for m in content.maintenance])
    nodes: dict[str, NodeState] = {}
    located = location_states(config, view, now)
    plain_bars: dict[tuple, Bar] = {}
    for service, node in config.iter_nodes():
        key = node_key(service.id, node.id)
        nodes[key] = NodeState(
            key=key,
            service=service.id,
            id=node.id,
            label=node.label,
            mode=node.mode,
            link=node.link,
            impact=impacts.nodes[key],
            replicas=replicas.get(key, ()),
            series=node_series(
                view,
                key,
                replicas.get(key, ()),
                now,
                windows.get(key, []),
                notes,
                plain_bars,
                kept,
            ),
            checked_at=_checked_at(view, key),
            incidents=incidents_of(key),
            maintenance=maintenance_of(key),
            description=node.description,
            first_seen=view.first_seen(key),
            no_data_reason=_no_data_reason(node, impacts.nodes[key]),
            no_data_note=_no_data_note(node, impacts.nodes[key], view, key),
            locations=located.get(key, ()),
        )
    page_of = partial(_page_snapshot, config, view, content, now, impacts, nodes, reach, kept=kept)
    main = page_of(_main_info(config))
    extra = [page_of(_extra_info(page)) for page in config.pages if page.enabled]
    return _with_pages(main, tuple(extra), view, live or {})


def _evaluation(
    config: Config, view: HistoryView, replicas: dict, live: dict[str, Status]
) -> Evaluation:
    """Node statuses as of the latest pass, recomputed where live reports change them."""
    nodes: dict[str, Status] = {}
    last_pass = view.last_pass_at
    touched = {key.rsplit("/", 1)[0] for key in live}
    for service, node in config.iter_nodes():
        key = node_key(service.id, node.id)
        if key in touched:
            known = [r.health for r in replicas.get(key, ()) if r.health is not None]
            if known:
                nodes[key] = aggregate_node(known, config.health.rule)
            continue
        sample = view.latest(key)
        # Only the latest pass speaks for a node: one it left out (a push node whose
        # replicas were all flushed) has no data now, not its status of long ago.
        if sample is not None and (last_pass is None or sample.at >= last_pass):
            nodes[key] = sample.status
    return Evaluation({}, nodes, {}, Status.worst(list(nodes.values())))


def _no_data_reason(node: Node, impact: Impact) -> str | None:
    """A poll node that was not probed because a secret it uses is not set says so."""
    if impact.no_data and node.mode == "poll":
        return node.unavailable
    return None


def _no_data_note(
    node: Node, impact: Impact, view: HistoryView, key: str
) -> tuple[str, str] | None:
    """Why a node page says "No data", as (message key, secret names): a poll node's unset
    secrets, or a push node that never reported (the history never saw it)."""
    if not impact.no_data:
        return None
    names = node.unset_secrets
    if names and node.mode == "poll":
        return ("why_secret" if len(names) == 1 else "why_secrets", ", ".join(names))
    if node.mode == "push" and view.first_seen(key) is None and view.latest(key) is None:
        return ("why_no_report", "")
    return None


def _checked_at(view: HistoryView, key: str) -> datetime | None:
    sample = view.latest(key)
    return sample.at if sample else None


def _main_info(config: Config) -> PageInfo:
    page = config.page
    return PageInfo(
        slug=page.id,
        prefix="",
        name=page.name,
        description=page.description,
        logo=page.logos.header,
        theme=page.theme,
        custom_domain=page.custom_domain,
        enabled=True,
        created_at=None,
    )


def _extra_info(page: ExtraPage) -> PageInfo:
    return PageInfo(
        slug=page.slug,
        prefix=f"{page.slug}/",
        name=page.name,
        description=page.description,
        logo=page.logo,
        theme=page.theme,
        custom_domain=page.custom_domain,
        enabled=page.enabled,
        created_at=page.created_at,
        ids=tuple(page.services),
        main=False,
    )


def _page_snapshot(
    config: Config,
    view: HistoryView,
    content: Content,
    now: datetime,
    impacts: Impacts,
    nodes: dict[str, NodeState],
    reach: Reach,
    info: PageInfo,
    kept: SeriesCache | None = None,
) -> Snapshot:
    wanted = set(info.ids)
    services = []
    for position, service in enumerate(config.sorted_services(), start=1):
        shown = [
            nodes[node_key(service.id, node.id)]
            for node in by_order(service.nodes)
            if not wanted or service.id in wanted or node.id in wanted
        ]
        if wanted and not shown and service.id not in wanted:
            continue
        impact = (
            impacts.services[service.id]
            if not wanted or service.id in wanted or not shown
            else rollup([n.impact for n in shown])
        )
        series = group_series(shown, kept)
        services.append(
            ServiceState(
                service.id,
                service.name,
                position,
                impact,
                tuple(shown),
                series,
                service.description,
            )
        )
    keys = {n.key for s in services for n in s.nodes}
    page_impact = impacts.page if not wanted else impacts.for_ids(config, info.ids)
    incidents = tuple(
        i
        for i in content.incidents
        if not wanted or reach.incidents[i.id] is None or reach.incidents[i.id] & keys
    )
    maintenance = tuple(
        m for m in content.maintenance if not wanted or reach.maintenance[m.id] & keys
    )
    uptime = mean_uptime([n for s in services for n in s.nodes])
    return Snapshot(
        config=config,
        now=now,
        updated_at=view.last_pass_at,
        page=info,
        impact=page_impact,
        services=tuple(services),
        uptime=uptime,
        incidents=incidents,
        announcements=tuple(
            a for a in content.active_announcements(now) if a.page in (None, info.slug)
        ),
        maintenance=maintenance,
        dead_since=None,
    )


def _with_pages(
    main: Snapshot, extra: tuple[Snapshot, ...], view: HistoryView, live: dict[str, Status]
) -> Snapshot:
    def settle(snapshot: Snapshot) -> Snapshot:
        # Downtime the public is told about: probes dead outside maintenance.
        told = [n for n in snapshot.nodes() if not n.impact.maintenance]
        if Status.DEAD not in (n.impact.probe for n in told):
            return snapshot
        keys = [n.key for n in told]
        kept = set(keys)
        live_dead = any(k.rsplit("/", 1)[0] in kept and s is Status.DEAD for k, s in live.items())
        since = dead_since(view, keys, snapshot.now)
        return replace(snapshot, dead_since=since or (snapshot.now if live_dead else None))

    domain = domain_state.current(main.config)
    return replace(settle(main), pages=tuple(settle(page) for page in extra), domain=domain)
