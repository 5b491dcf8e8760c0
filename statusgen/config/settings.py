"""The page and behaviour sections, and `Config`, the whole file."""

import ipaddress
from pathlib import Path
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, model_validator

from statusgen.config.base import (
    DEFAULT_CONFIG,
    SLUG_PATTERN,
    Event,
    Id,
    Seconds,
    Strict,
    Theme,
    new_list,
)
from statusgen.config.locations import Location, default_quorum
from statusgen.config.services import Metrics, Node, Service, TlsOptions, by_order
from statusgen.config.unset import Disabled
from statusgen.secrets import mask
from statusgen.validation import shown

# --- page ---------------------------------------------------------------------------


class Logos(Strict):
    header: str | None = None
    footer: str | None = None
    banner: str | None = Field(None, description="header background image")


class PageSettings(Strict):
    id: Id = Field("status", description="website_id in web hook payloads")
    name: str = Field(min_length=1)
    description: str = ""
    url: str | None = Field(None, description="public base URL, e.g. https://status.acme.com/")
    custom_domain: str | None = None
    logos: Logos = Logos()
    main_color: str = Field("#1972f5", pattern=r"^#[0-9a-fA-F]{6}$")
    theme: Theme = "auto"
    locale: Literal["en", "fr", "de", "es"] = "en"
    locale_picker: bool = False
    forbid_indexing: bool = False
    refer_link: bool = True
    include_html: str = Field("", description="raw HTML included as is (trusted)")
    downtime_warning_minutes: int = Field(3, ge=1, le=1440)
    stale_after: Seconds = Field(
        3600, description="the page says it is out of date when its data is older than this"
    )


class ExtraPage(Strict):
    """One more status page built under output/<slug>/ (the seeds' status pages)."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)] | None = Field(
        None, description="stable id for the management API; default derived from the slug"
    )
    slug: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=64)]
    name: str = Field(min_length=1)
    description: str = ""
    logo: str | None = None
    services: list[str] = Field(default_factory=new_list, description="service or node ids")
    theme: Theme = "dark"
    custom_domain: str | None = None
    enabled: bool = True
    created_at: str | None = None


# --- behaviour ------------------------------------------------------------------------


class HealthSettings(Strict):
    rule: Literal["replica", "worst"] = Field(
        "replica", description="replica: a node is dead only when all its replicas are"
    )
    quorum: int | None = Field(
        None, ge=1, le=100, description="locations that must say dead; default a majority"
    )
    stale_after: Seconds = Field(
        1800, description="a location silent this long is left out of the vote"
    )


class HistorySettings(Strict):
    path: str = Field("history", description="the history folder (inside the worktree with branch)")
    branch: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        description="keep the history and notifier state on this git branch (status-data)",
    )
    worktree: str = Field(
        ".status-data", description="the folder where the data branch is checked out"
    )
    retention_days: int = Field(7, ge=1, le=90, description="raw samples kept this long")
    aggregate_days: int = Field(400, ge=90, le=3650, description="daily aggregates kept")

    @model_validator(mode="after")
    def _inside_branch(self) -> Self:
        if self.branch and (Path(self.path).is_absolute() or ".." in Path(self.path).parts):
            raise ValueError(
                f"history.path: expected a folder inside the data branch (relative, no '..') "
                f"with history.branch, got {shown(self.path)}"
            )
        if self.branch and self.branch.endswith(".lock"):
            raise ValueError(
                f"history.branch: expected a git branch name, got {shown(self.branch)}"
            )
        return self


class ProbeSettings(Strict):
    concurrency: int = Field(256, ge=1, le=10000)
    deadline: Seconds | None = Field(None, description="whole-pass deadline; default derived")


class ContentSettings(Strict):
    incidents: str = "config/incidents"
    announcements: str = "config/announcements"
    maintenance: str = "config/maintenance"
    auto_incidents: bool = False


class Channel(Strict):
    """One Apprise notification URL and what it wants to hear about."""

    name: str | None = None
    url: str = Field(min_length=3)
    services: list[str] = Field(default_factory=new_list, description="empty means all")
    events: list[Event] = Field(default_factory=lambda: ["dead", "recovered", "location"])
    mention_channel: bool = False

    _position: int | None = PrivateAttr(default=None)

    @property
    def position(self) -> int | None:
        """Its index in the file's `notify.channels` (others may have been left out for
        a missing secret), when loaded from a file."""
        return self._position


class Hook(Strict):
    """A signed health-change web hook (the seeds' status:health:changed)."""

    label: str = Field(min_length=1)
    target: str
    secret: str = ""
    events: list[Literal["status:health:changed"]] = Field(
        default_factory=lambda: ["status:health:changed"]
    )

    @model_validator(mode="after")
    def _check_target(self) -> Self:
        if urlsplit(self.target).scheme not in ("http", "https"):
            raise ValueError(f"expected an http:// or https:// target, got {shown(self.target)}")
        return self


class NotifySettings(Strict):
    channels: list[Channel] = Field(default_factory=new_list)
    hooks: list[Hook] = Field(default_factory=new_list)
    dead_after_passes: int = Field(1, ge=1, le=100)
    recovered_after_passes: int = Field(2, ge=1, le=100)
    reminder_interval: Seconds | None = Field(None, description="remind while dead")
    reminder_backoff: float = Field(1.0, ge=1.0, le=10.0)
    deadline: Seconds = 20
    retry_limit: int = Field(10, ge=0, le=1000, description="outbox attempts before dropping")
    state_path: str = "history/notify-state.json"
    replicas: bool = Field(False, description="also announce each replica's own transitions")


class DomainSettings(Strict):
    """How `page.custom_domain` is served, for `statusgen domain` and the check each run
    makes of its DNS records and certificate."""

    host: Literal["github-pages", "static"] = "github-pages"
    target: str | None = Field(
        None,
        description="the CNAME target: <owner>.github.io (default: from GITHUB_REPOSITORY_OWNER)"
        " or a static host's name",
    )
    addresses: list[str] = Field(
        default_factory=new_list, description="a static host's A/AAAA addresses (apex domains)"
    )
    apex: bool | None = Field(None, description="an apex domain (default: two labels)")
    verify: bool = Field(True, description="check the records and certificate on each run")
    nameserver: str | None = Field(
        None,
        description="the resolver to ask, IP or IP:port (default: the system's); "
        "the STATUSGEN_NAMESERVER environment variable wins",
    )
    https_port: int = Field(443, ge=1, le=65535)
    timeout: Seconds = 5

    @model_validator(mode="after")
    def _check_addresses(self) -> Self:
        try:
            for address in self.addresses:
                ipaddress.ip_address(address)
        except ValueError:
            raise ValueError(f"addresses: expected IP addresses, got {shown(address)}") from None
        if self.nameserver:
            try:
                nameserver_address(self.nameserver)
            except ValueError:
                got = shown(self.nameserver)
                raise ValueError(f"nameserver: expected IP or IP:port, got {got}") from None
        return self


def nameserver_address(text: str) -> tuple[str, int]:
    """`192.0.2.1`, `192.0.2.1:5353`, `2001:db8::1` or `[2001:db8::1]:5353` as (IP,
    port); ValueError otherwise."""
    text = text.strip()
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = int(rest.removeprefix(":")) if rest else 53
    elif text.count(":") == 1:
        host, _, number = text.partition(":")
        port = int(number)
    if not 0 < port < 65536:
        raise ValueError(f"port {port} out of range")
    return str(ipaddress.ip_address(host)), port


class ServerSettings(Strict):
    state_dir: str = Field(".statusgen", description="tokens and live state; keep out of git")
    max_replicas_per_node: int = Field(100, ge=1, le=10000)
    body_limit: int = Field(65536, ge=1024, le=10_485_760)
    rebuild_debounce: float = Field(2.0, ge=0, le=600)


class Config(Strict):
    page: PageSettings
    pages: list[ExtraPage] = Field(default_factory=new_list)
    metrics: Metrics = Metrics()
    health: HealthSettings = HealthSettings()
    history: HistorySettings = HistorySettings()
    probe: ProbeSettings = ProbeSettings()
    content: ContentSettings = ContentSettings()
    notify: NotifySettings = NotifySettings()
    server: ServerSettings = ServerSettings()
    domain: DomainSettings = DomainSettings()
    tls: TlsOptions = TlsOptions()
    output: str = "output"
    services: list[Service] = Field(default_factory=new_list)
    locations: list[Location] = Field(default_factory=new_list)

    _path: Path = PrivateAttr(default=DEFAULT_CONFIG)
    _root: Path = PrivateAttr(default=Path("."))
    _secrets: frozenset[str] = PrivateAttr(default=frozenset())
    _disabled: tuple[Disabled, ...] = PrivateAttr(default=())
    _known_ids: frozenset[str] | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def root(self) -> Path:
        """The project folder: relative paths in the config resolve against it."""
        return self._root

    @property
    def secrets(self) -> frozenset[str]:
        """Values that must never be published: env substitutions, URL credentials."""
        return self._secrets

    @property
    def disabled(self) -> tuple[Disabled, ...]:
        """Channels, hooks and nodes left out because a `${NAME}` they use is not set
        (loaded with `allow_missing_secrets`; see `statusgen.config.unset`)."""
        return self._disabled

    @property
    def missing_secrets(self) -> tuple[str, ...]:
        """The `${NAME}`s left unset, each once, in the order of `disabled`."""
        return tuple(dict.fromkeys(name for d in self._disabled for name in d.secrets))

    def secret_warnings(self) -> list[str]:
        """One line per channel, hook or poll node disabled for a missing secret: what
        every pass of `run`, `probe` and `serve` warns about (a local node is the local
        agent's to probe: `statusgen local` warns about those)."""
        return [item.warning(self._path) for item in self._disabled if self._passes(item)]

    def _passes(self, item: Disabled) -> bool:
        if item.kind != "node":
            return True
        service, _, node_id = item.name.partition("/")
        node = self.find_node(service, node_id)
        return node is None or node.mode == "poll"

    def resolve(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else self._root / path

    @property
    def data_dir(self) -> Path:
        """Where the history's files are written from: the data branch's worktree with
        `history.branch`, else the project folder."""
        if self.history.branch:
            return self.resolve(self.history.worktree)
        return self._root

    def resolve_data(self, relative: str) -> Path:
        """A path of the history's files (`history.path`, `notify.state_path`): inside
        the data branch's worktree with `history.branch`, else in the project."""
        path = Path(relative)
        return path if path.is_absolute() else self.data_dir / path

    @property
    def history_dir(self) -> Path:
        return self.resolve_data(self.history.path)

    @property
    def notify_state_file(self) -> Path:
        return self.resolve_data(self.notify.state_path)

    @property
    def domain_state_file(self) -> Path:
        """The custom domain's last check, next to the notifier's state."""
        return self.notify_state_file.with_name("domain-state.json")

    @property
    def output_dir(self) -> Path:
        return self.resolve(self.output)

    def sorted_services(self) -> list[Service]:
        return by_order(self.services)

    def iter_nodes(self) -> list[tuple[Service, Node]]:
        """Every (service, node) pair in display order."""
        return [
            (service, node)
            for service in self.sorted_services()
            for node in by_order(service.nodes)
        ]

    def find_node(self, service_id: str, node_id: str) -> Node | None:
        for service in self.services:
            if service.id == service_id:
                return next((n for n in service.nodes if n.id == node_id), None)
        return None

    def known_ids(self) -> frozenset[str]:
        """Service and node ids: what incidents, pages and channels may refer to. Worked
        out once: every content file asks, and a loaded config does not change."""
        if self._known_ids is None:
            self._known_ids = frozenset(
                {s.id for s in self.services} | {n.id for s in self.services for n in s.nodes}
            )
        return self._known_ids

    @property
    def quorum(self) -> int:
        """How many locations must say dead: `[health] quorum`, else a majority of the
        configured locations, at least 2."""
        return self.health.quorum or default_quorum(len(self.locations))

    def location(self, ident: str) -> Location | None:
        return next((loc for loc in self.locations if loc.id == ident), None)

    def redact(self, text: str) -> str:
        return mask(text, self._secrets)
