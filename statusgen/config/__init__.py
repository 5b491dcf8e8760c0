"""The config file: `config/statusgen.toml`, read with tomllib and validated by pydantic.

Every section is declared once, with its defaults and ranges, so `statusgen check` and
every command agree on what a valid page is: `base` (strictness, ids, durations),
`services` (services, nodes, replicas, metrics), `settings` (page and behaviour sections,
`Config`), `loader` (TOML, `${VAR}` substitution, validation, cross-references). Loading
collects all problems and raises one ConfigError naming the file and key path of each.
"""

from statusgen.config.base import (
    DEFAULT_CONFIG,
    ID_PATTERN,
    LOCALES,
    REPLICA_SCHEMES,
    SLUG_PATTERN,
    Strict,
)
from statusgen.config.loader import check_references, load_config, project_root, substitute_env
from statusgen.config.locations import MAIN_WRITER, Location, default_quorum
from statusgen.config.services import (
    HttpOptions,
    LocalMetrics,
    Metrics,
    Node,
    NodeMetrics,
    PollMetrics,
    PushMetrics,
    Replica,
    Service,
    TlsOptions,
    by_order,
    public_url,
)
from statusgen.config.settings import (
    Channel,
    Config,
    ContentSettings,
    DomainSettings,
    ExtraPage,
    HealthSettings,
    HistorySettings,
    Hook,
    Logos,
    NotifySettings,
    PageSettings,
    ProbeSettings,
    ServerSettings,
)

__all__ = [
    "DEFAULT_CONFIG",
    "ID_PATTERN",
    "LOCALES",
    "MAIN_WRITER",
    "REPLICA_SCHEMES",
    "SLUG_PATTERN",
    "Channel",
    "Config",
    "ContentSettings",
    "ExtraPage",
    "HealthSettings",
    "DomainSettings",
    "HistorySettings",
    "Hook",
    "HttpOptions",
    "LocalMetrics",
    "Location",
    "Logos",
    "Metrics",
    "Node",
    "NodeMetrics",
    "NotifySettings",
    "PageSettings",
    "PollMetrics",
    "ProbeSettings",
    "PushMetrics",
    "Replica",
    "ServerSettings",
    "Service",
    "Strict",
    "TlsOptions",
    "by_order",
    "check_references",
    "default_quorum",
    "load_config",
    "project_root",
    "public_url",
    "substitute_env",
]
