"""Services, nodes and replicas, and the per-mode metrics they are judged by."""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self
from urllib.parse import urlsplit, urlunsplit

from pydantic import AfterValidator, Field, PrivateAttr, model_validator

from statusgen.config.base import REPLICA_SCHEMES, Id, Mode, Seconds, Strict, new_dict, new_list
from statusgen.config.unset import unset_reason
from statusgen.config.urls import parse_dns_url
from statusgen.validation import shown

if TYPE_CHECKING:
    from statusgen.conditions import Condition

# --- metrics --------------------------------------------------------------------------


ExpiryDays = Annotated[int, Field(ge=0, le=3650)]


class PollMetrics(Strict):
    interval: Seconds = 120
    retry: int = Field(2, ge=0, le=10)
    delay_sick: Seconds = 5
    delay_dead: Seconds = 10
    tls_expiry_warn_days: ExpiryDays = Field(
        21, description="certificate this close to expiry: reported to operators"
    )
    tls_expiry_sick_days: ExpiryDays = Field(
        3, description="certificate this close to expiry: the replica is sick"
    )


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
    tls_expiry_warn_days: int = 21
    tls_expiry_sick_days: int = 3


# --- services, nodes, replicas --------------------------------------------------------


class HttpOptions(Strict):
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: dict[str, str] = Field(default_factory=new_dict)
    body: str | None = None
    healthy_above: int = Field(200, ge=100, le=599, description="lowest healthy status")
    healthy_below: int = Field(400, ge=101, le=600, description="first unhealthy status")
    healthy_match: str | None = Field(
        None, description="substring the body must contain; /regex/ for a regular expression"
    )
    verify_tls: bool = True

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.healthy_above >= self.healthy_below:
            raise ValueError(
                f"healthy_above ({self.healthy_above}) must be below "
                f"healthy_below ({self.healthy_below})"
            )
        if self.healthy_match and _is_regex(self.healthy_match):
            import regex  # only for a /regex/ healthy_match: keeps start-up light

            try:
                regex.compile(self.healthy_match[1:-1])
            except regex.error as exc:
                raise ValueError(f"healthy_match is not a valid regex: {exc}") from None
        return self


def _valid_condition(text: str) -> str:
    # Imported here: a config without conditions (most) never loads the parser.
    from statusgen.conditions import ConditionError, parse_condition

    try:
        parse_condition(text)
    except ConditionError as exc:
        raise ValueError(f"{text!r} {exc}") from None
    return text


ConditionText = Annotated[str, AfterValidator(_valid_condition)]


@lru_cache(maxsize=4096)
def _parsed(text: str) -> "Condition":
    from statusgen.conditions import parse_condition

    return parse_condition(text)


class TlsOptions(Strict):
    ca_file: str | None = Field(
        None, description="PEM file of CAs to trust besides the system's (internal TLS)"
    )


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
    def _check_url(self) -> Self:
        # Most replicas are plain URLs (10,000 of them in a big location's shard): one
        # regular expression tells, and the full look is for the others.
        label = self.url if plain_url(self.url) else default_label(self.url)
        if self.label is None or (self.label == "" and self.scheme == "dns"):
            self.label = label
        if self.id is None:
            self.id = _NOT_ID.sub("-", self.label).strip("-")[:128] or "replica"
        return self

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme


_NOT_ID = re.compile(r"[^A-Za-z0-9._:-]+")
# A URL that is its own public form and needs no other check: a scheme that takes no port
# or has one, a lowercase host name or IPv4 address (no user info, no IPv6 brackets), a
# port without leading zeros, a path of plain characters, no query and no fragment. Any
# other URL (and one whose port is past 65535) takes the full look of `default_label`;
# the two agree (tests/test_config_urls.py).
_PLAIN = re.compile(
    r"(?:https?|icmp)://[a-z0-9.-]+(?::[1-9][0-9]{0,4})?(?:/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?"
    r"|(?:tcp|tls)://[a-z0-9.-]+:[1-9][0-9]{0,4}/?"
)


def plain_url(url: str) -> bool:
    """Whether `url` is a valid replica URL equal to its `public_url`, with no password,
    user name or query: what most replicas are, told by one regular expression."""
    if _PLAIN.fullmatch(url) is None:
        return False
    port = url.partition("://")[2].partition("/")[0].partition(":")[2]
    return not port or int(port) <= 65535


def default_label(url: str) -> str:
    """What a replica at `url` is shown as when it has no label (its public URL; a
    dns:// question's name and record type), or ValueError saying what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in REPLICA_SCHEMES or not parts.hostname:
        raise ValueError(
            "expected an icmp://, tcp://, tls://, http://, https:// or dns:// URL, "
            f"got {shown(url)}"
        )
    label = None
    if parts.scheme == "dns":
        question = parse_dns_url(url)
        # One name is often checked for several record types: the type tells them apart.
        label = f"dns://{question.name} {question.type}"
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"bad port in {shown(url)}") from None
    if parts.scheme in ("tcp", "tls") and port is None:
        raise ValueError(f"expected {parts.scheme}://host:port with a port, got {shown(url)}")
    return label or public_url(url)


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
    description: str = Field("", max_length=500, description="help text shown under the label")
    mode: Mode = "poll"
    order: int = 0
    link: str | None = None
    replicas: list[Replica] = Field(default_factory=new_list)
    http: HttpOptions = HttpOptions()
    conditions: list[ConditionText] = Field(
        default_factory=new_list, description="Gatus-style conditions judged on every answer"
    )
    tls: TlsOptions = TlsOptions()
    interval: Seconds | None = None
    retry: int | None = Field(None, ge=0, le=10)
    delay_sick: Seconds | None = None
    delay_dead: Seconds | None = None
    cpu_sick_above: float | None = Field(None, ge=0.01, le=10.0)
    ram_sick_above: float | None = Field(None, ge=0.01, le=1.0)
    tls_expiry_warn_days: ExpiryDays | None = None
    tls_expiry_sick_days: ExpiryDays | None = None

    @model_validator(mode="after")
    def _one_body_check(self) -> Self:
        reads = any("BODY" in c.placeholders() for c in self.parsed_conditions)
        if self.http.healthy_match and reads:
            raise ValueError(
                "http.healthy_match and [BODY] conditions cannot be combined; check the body "
                "with a condition, e.g. '[BODY] == pat(*OK*)'"
            )
        return self

    @property
    def parsed_conditions(self) -> tuple["Condition", ...]:
        return tuple(_parsed(text) for text in self.conditions)

    _ca_file: Path | None = PrivateAttr(default=None)
    _unset: tuple[str, ...] = PrivateAttr(default=())

    @property
    def unavailable(self) -> str | None:
        """Why this node cannot be probed here ("secret NAME is not set": its replica
        URL, headers or body use a `${NAME}` that is not set), else None."""
        return unset_reason(self._unset) if self._unset else None

    @property
    def unset_secrets(self) -> tuple[str, ...]:
        """The names of the unset `${NAME}`s that keep it from being probed (never values)."""
        return self._unset

    @property
    def ca_file(self) -> Path | None:
        """The CA file its HTTPS replicas trust besides the system's: its own `tls.ca_file`,
        else the global one, resolved against the project folder when the config loads."""
        if self._ca_file is not None:
            return self._ca_file
        return Path(self.tls.ca_file) if self.tls.ca_file else None

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
            tls_expiry_warn_days=pick("tls_expiry_warn_days", defaults.poll.tls_expiry_warn_days),
            tls_expiry_sick_days=pick("tls_expiry_sick_days", defaults.poll.tls_expiry_sick_days),
        )


class Service(Strict):
    id: Id
    name: str = Field(min_length=1)
    description: str = Field("", max_length=500, description="help text shown under the name")
    order: int = 0
    nodes: list[Node] = Field(default_factory=new_list)


def by_order(items: list[Any]) -> list[Any]:
    """By `order`, then file order. (Positions come from enumerate: `list.index` would
    compare pydantic models field by field, quadratic on a thousand nodes.)"""
    return [item for _, item in sorted(enumerate(items), key=lambda p: (p[1].order, p[0]))]
