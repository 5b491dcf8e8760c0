"""The config file: `config/statusgen.toml`, read with tomllib and validated by pydantic.

Every section is declared here once, with its defaults and ranges, so `statusgen check`
and every command agree on what a valid page is. Loading collects all problems and
raises one ConfigError naming the file and the key path of each.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from statusgen.errors import ConfigError
from statusgen.validation import format_validation_errors

DEFAULT_CONFIG = Path("config/statusgen.toml")
REPLICA_SCHEMES = ("icmp", "tcp", "http", "https")
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LOCALES = ("en", "fr", "de", "es")

Seconds = Annotated[float, Field(gt=0, le=86400)]
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
Mode = Literal["poll", "push", "local"]
Theme = Literal["light", "dark", "auto"]
Event = Literal["dead", "sick", "recovered"]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=False)


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


class ExtraPage(Strict):
    """One more status page built under output/<slug>/ (the seeds' status pages)."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)] | None = Field(
        None, description="stable id for the management API; default derived from the slug"
    )
    slug: Annotated[str, Field(pattern=SLUG_PATTERN, max_length=64)]
    name: str = Field(min_length=1)
    description: str = ""
    logo: str | None = None
    services: list[str] = Field(default_factory=list, description="service or node ids")
    theme: Theme = "dark"
    custom_domain: str | None = None
    enabled: bool = True
    created_at: str | None = None


# --- metrics --------------------------------------------------------------------------


class PollMetrics(Strict):
    interval: Seconds = 120
    retry: int = Field(2, ge=0, le=10)
    delay_sick: Seconds = 5
    delay_dead: Seconds = 10


class PushMetrics(Strict):
    delay_dead: Seconds = 20
    cpu_sick_above: float = Field(0.9, ge=0.01, le=10.0)
    ram_sick_above: float = Field(0.9, ge=0.01, le=1.0)


class LocalMetrics(Strict):
    interval: Seconds = 120
    retry: int = Field(2, ge=0, le=10)
    delay_sick: Seconds = 5
    delay_dead: Seconds = 40


class Metrics(Strict):
    poll: PollMetrics = PollMetrics()
    push: PushMetrics = PushMetrics()
    local: LocalMetrics = LocalMetrics()


@dataclass(frozen=True, slots=True)
class NodeMetrics:
    """A node's metrics after its overrides are applied to its mode's defaults."""

    interval: float
    retry: int
    delay_sick: float
    delay_dead: float
    cpu_sick_above: float
    ram_sick_above: float


# --- services, nodes, replicas --------------------------------------------------------


class HttpOptions(Strict):
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    healthy_above: int = Field(200, ge=100, le=599, description="lowest healthy status")
    healthy_below: int = Field(400, ge=101, le=600, description="first unhealthy status")
    healthy_match: str | None = Field(
        None, description="substring the body must contain; /regex/ for a regular expression"
    )
    verify_tls: bool = True

    @model_validator(mode="after")
    def _bounds(self) -> HttpOptions:
        if self.healthy_above >= self.healthy_below:
            raise ValueError(
                f"healthy_above ({self.healthy_above}) must be below "
                f"healthy_below ({self.healthy_below})"
            )
        if self.healthy_match and _is_regex(self.healthy_match):
            try:
                re.compile(self.healthy_match[1:-1])
            except re.error as exc:
                raise ValueError(f"healthy_match is not a valid regex: {exc}") from None
        return self


def _is_regex(pattern: str) -> bool:
    return len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/")


class Replica(Strict):
    """One probed target. `label` is what the public sees; `url` may be private."""

    url: str
    label: str | None = None
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]+$", max_length=128)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"url": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _check_url(self) -> Replica:
        parts = urlsplit(self.url)
        if parts.scheme not in REPLICA_SCHEMES or not parts.hostname:
            raise ValueError(
                f"expected an icmp://, tcp://, http:// or https:// URL, got {self.url!r}"
            )
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"bad port in {self.url!r}") from None
        if parts.scheme == "tcp" and port is None:
            raise ValueError(f"expected tcp://host:port with a port, got {self.url!r}")
        if self.label is None:
            self.label = public_url(self.url)
        if self.id is None:
            self.id = re.sub(r"[^A-Za-z0-9._:-]+", "-", self.label).strip("-")[:128] or "replica"
        return self

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme


def public_url(url: str) -> str:
    """The URL without credentials, query or fragment: safe to show when no label is set."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class Node(Strict):
    id: Id
    label: str = Field(min_length=1)
    mode: Mode = "poll"
    order: int = 0
    link: str | None = None
    replicas: list[Replica] = Field(default_factory=list)
    http: HttpOptions = HttpOptions()
    interval: Seconds | None = None
    retry: int | None = Field(None, ge=0, le=10)
    delay_sick: Seconds | None = None
    delay_dead: Seconds | None = None
    cpu_sick_above: float | None = Field(None, ge=0.01, le=10.0)
    ram_sick_above: float | None = Field(None, ge=0.01, le=1.0)

    def metrics(self, defaults: Metrics) -> NodeMetrics:
        """Resolve this node's metrics: its own overrides, else its mode's defaults."""
        base = {"poll": defaults.poll, "push": defaults.push, "local": defaults.local}[self.mode]
        pick = lambda name, fallback: (  # noqa: E731
            getattr(self, name)
            if getattr(self, name) is not None
            else getattr(base, name, fallback)
        )
        return NodeMetrics(
            interval=pick("interval", defaults.poll.interval),
            retry=pick("retry", 0),
            delay_sick=pick("delay_sick", defaults.poll.delay_sick),
            delay_dead=pick("delay_dead", defaults.push.delay_dead),
            cpu_sick_above=pick("cpu_sick_above", defaults.push.cpu_sick_above),
            ram_sick_above=pick("ram_sick_above", defaults.push.ram_sick_above),
        )


class Service(Strict):
    id: Id
    name: str = Field(min_length=1)
    order: int = 0
    nodes: list[Node] = Field(default_factory=list)


# --- behaviour ------------------------------------------------------------------------


class HealthSettings(Strict):
    rule: Literal["replica", "worst"] = Field(
        "replica", description="replica: a node is dead only when all its replicas are"
    )


class HistorySettings(Strict):
    path: str = "history"
    retention_days: int = Field(7, ge=1, le=90, description="raw samples kept this long")
    aggregate_days: int = Field(400, ge=90, le=3650, description="daily aggregates kept")


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
    services: list[str] = Field(default_factory=list, description="empty means all")
    events: list[Event] = Field(default_factory=lambda: ["dead", "recovered"])
    mention_channel: bool = False


class Hook(Strict):
    """A signed health-change web hook (the seeds' status:health:changed)."""

    label: str = Field(min_length=1)
    target: str
    secret: str = ""
    events: list[Literal["status:health:changed"]] = Field(
        default_factory=lambda: ["status:health:changed"]
    )

    @model_validator(mode="after")
    def _check_target(self) -> Hook:
        if urlsplit(self.target).scheme not in ("http", "https"):
            raise ValueError(f"expected an http:// or https:// target, got {self.target!r}")
        return self


class NotifySettings(Strict):
    channels: list[Channel] = Field(default_factory=list)
    hooks: list[Hook] = Field(default_factory=list)
    dead_after_passes: int = Field(1, ge=1, le=100)
    recovered_after_passes: int = Field(2, ge=1, le=100)
    reminder_interval: Seconds | None = Field(None, description="remind while dead")
    reminder_backoff: float = Field(1.0, ge=1.0, le=10.0)
    deadline: Seconds = 20
    retry_limit: int = Field(10, ge=0, le=1000, description="outbox attempts before dropping")
    state_path: str = "history/notify-state.json"
    replicas: bool = Field(False, description="also announce each replica's own transitions")


class ServerSettings(Strict):
    state_dir: str = Field(".statusgen", description="tokens and live state; keep out of git")
    max_replicas_per_node: int = Field(100, ge=1, le=10000)
    body_limit: int = Field(65536, ge=1024, le=10_485_760)
    rebuild_debounce: float = Field(2.0, ge=0, le=600)


class Config(Strict):
    page: PageSettings
    pages: list[ExtraPage] = Field(default_factory=list)
    metrics: Metrics = Metrics()
    health: HealthSettings = HealthSettings()
    history: HistorySettings = HistorySettings()
    probe: ProbeSettings = ProbeSettings()
    content: ContentSettings = ContentSettings()
    notify: NotifySettings = NotifySettings()
    server: ServerSettings = ServerSettings()
    output: str = "output"
    services: list[Service] = Field(default_factory=list)

    _path: Path = PrivateAttr(default=DEFAULT_CONFIG)
    _root: Path = PrivateAttr(default=Path("."))
    _secrets: frozenset[str] = PrivateAttr(default=frozenset())

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

    def resolve(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else self._root / path

    @property
    def history_dir(self) -> Path:
        return self.resolve(self.history.path)

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

    def known_ids(self) -> set[str]:
        """Service and node ids: what incidents, pages and channels may refer to."""
        return {s.id for s in self.services} | {n.id for s in self.services for n in s.nodes}

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text


def by_order(items: list[Any]) -> list[Any]:
    """By `order`, then file order. (Positions come from enumerate: `list.index` would
    compare pydantic models field by field, quadratic on a thousand nodes.)"""
    return [item for _, item in sorted(enumerate(items), key=lambda p: (p[1].order, p[0]))]


# --- loading --------------------------------------------------------------------------

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def substitute_env(
    data: Any, env: dict[str, str], path: str = "", found: set[str] | None = None
) -> tuple[Any, list[str], set[str]]:
    """Replace ${NAME} in every string. Returns (data, problems, substituted values)."""
    problems: list[str] = []
    found = set() if found is None else found
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            out[key], more, _ = substitute_env(value, env, _join(path, key), found)
            problems += more
        return out, problems, found
    if isinstance(data, list):
        items = []
        for index, value in enumerate(data):
            item, more, _ = substitute_env(value, env, f"{path}[{index}]", found)
            items.append(item)
            problems += more
        return items, problems, found
    if isinstance(data, str) and "${" in data:

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                problems.append(f"{path}: environment variable {name} is not set")
                return match.group(0)
            if env[name]:
                found.add(env[name])
            return env[name]

        return _ENV_REF.sub(replace, data), problems, found
    return data, problems, found


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def load_config(path: str | Path = DEFAULT_CONFIG, env: dict[str, str] | None = None) -> Config:
    """Read, substitute and validate a config file, or raise one ConfigError listing all
    problems, each as `file: key.path: what is wrong`."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; run `statusgen init` to create one") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    data, problems, secrets = substitute_env(raw, dict(os.environ if env is None else env))
    if problems:
        raise ConfigError([f"{path}: {p}" for p in problems])
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_errors(exc, data, str(path), Config)) from None
    problems = check_references(config)
    if problems:
        raise ConfigError([f"{path}: {p}" for p in problems])
    config._path = path
    config._root = project_root(path)
    config._secrets = frozenset(secrets | _credentials(config))
    return config


def project_root(config_path: Path) -> Path:
    """`config/statusgen.toml` lives in the project's `config/` folder; any other config
    file's own folder is the project root."""
    folder = config_path.resolve().parent
    return folder.parent if folder.name == "config" else folder


def _credentials(config: Config) -> set[str]:
    secrets: set[str] = set()
    for _, node in config.iter_nodes():
        for replica in node.replicas:
            parts = urlsplit(replica.url)
            secrets.update(x for x in (parts.password, parts.username) if x)
            if parts.query:
                secrets.add(parts.query)
            if replica.url != public_url(replica.url):
                secrets.add(replica.url)
        secrets.update(v for k, v in node.http.headers.items() if k.lower() == "authorization")
    for channel in config.notify.channels:
        secrets.add(channel.url)
    for hook in config.notify.hooks:
        if hook.secret:
            secrets.add(hook.secret)
    return {s for s in secrets if len(s) >= 4}


def check_references(config: Config) -> list[str]:
    """Cross-field rules pydantic cannot see one model at a time."""
    problems: list[str] = []
    seen: dict[str, str] = {}

    def claim(ident: str, where: str) -> None:
        if ident in seen:
            problems.append(f"{where}.id: duplicate id {ident!r} (already used at {seen[ident]})")
        else:
            seen[ident] = where

    for si, service in enumerate(config.services):
        claim(service.id, f"services[{si}]")
        for ni, node in enumerate(service.nodes):
            where = f"services[{si}].nodes[{ni}]"
            claim(node.id, where)
            problems += _check_node(config, node, where)
    known = config.known_ids()
    # The main page's id names status/<id>.json too, so no extra page may take it.
    slugs: set[str] = {config.page.id}
    page_ids: set[str] = {config.page.id}
    for pi, page in enumerate(config.pages):
        if page.slug in slugs:
            problems.append(f"pages[{pi}].slug: slug {page.slug!r} already taken")
        slugs.add(page.slug)
        if page.id is not None and page.id in page_ids:
            problems.append(f"pages[{pi}].id: id {page.id!r} already taken")
        page_ids.add(page.id or "")
        for index, ident in enumerate(page.services):
            if ident not in known:
                problems.append(f"pages[{pi}].services[{index}]: unknown service or node {ident!r}")
    for ci, channel in enumerate(config.notify.channels):
        for index, ident in enumerate(channel.services):
            if ident not in known:
                problems.append(
                    f"notify.channels[{ci}].services[{index}]: unknown service or node {ident!r}"
                )
    return problems


def _check_node(config: Config, node: Node, where: str) -> list[str]:
    problems = []
    metrics = node.metrics(config.metrics)
    if node.mode != "push" and metrics.delay_sick >= metrics.delay_dead:
        problems.append(
            f"{where}: delay_sick ({metrics.delay_sick:g}) must be below "
            f"delay_dead ({metrics.delay_dead:g})"
        )
    if node.mode == "push" and node.replicas:
        problems.append(
            f"{where}.replicas: push nodes take no replicas (their reporters create them)"
        )
    if node.mode != "push" and not node.replicas:
        problems.append(f"{where}.replicas: a {node.mode} node needs at least one replica URL")
    ids: set[str] = set()
    for ri, replica in enumerate(node.replicas):
        if replica.id in ids:
            problems.append(f"{where}.replicas[{ri}]: duplicate replica id {replica.id!r}")
        ids.add(replica.id or "")
    return problems
