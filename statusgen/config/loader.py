"""Loading: TOML, ${VAR} substitution, validation and cross-reference checks."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from statusgen.config.base import DEFAULT_CONFIG
from statusgen.config.locations import check_locations
from statusgen.config.paths import check_paths
from statusgen.config.services import Node, plain_url, public_url
from statusgen.config.settings import Config
from statusgen.config.unset import plan_missing
from statusgen.errors import ConfigError
from statusgen.validation import format_validation_errors, mask_all

# --- loading --------------------------------------------------------------------------

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Content files have their own limit; a config past this is not a hand-written file.
MAX_CONFIG_BYTES = 4 << 20


@dataclass
class Substitution:
    """What `${VAR}` substitution did: every value it put in (`values`), per key path
    (`paths`), and the `(key path, NAME)` of every variable that is not set (`missing`)."""

    values: set[str] = field(default_factory=set)
    paths: dict[str, set[str]] = field(default_factory=dict)
    missing: list[tuple[str, str]] = field(default_factory=list)


def substitute_env(
    data: Any, env: dict[str, str], path: str = "", found: Substitution | None = None
) -> tuple[Any, Substitution]:
    """Replace ${NAME} in every string; a name that is not set is left as it is (and
    recorded in `missing`)."""
    found = Substitution() if found is None else found
    if isinstance(data, dict):
        return {k: substitute_env(v, env, _join(path, k), found)[0] for k, v in data.items()}, found
    if isinstance(data, list):
        items = [substitute_env(v, env, f"{path}[{i}]", found)[0] for i, v in enumerate(data)]
        return items, found
    if isinstance(data, str) and "${" in data:

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                found.missing.append((path, name))
                return match.group(0)
            found.values.add(env[name])
            found.paths.setdefault(path, set()).add(env[name])
            return env[name]

        return _ENV_REF.sub(replace, data), found
    return data, found


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def load_config(
    path: str | Path = DEFAULT_CONFIG,
    env: dict[str, str] | None = None,
    allow_missing_secrets: bool = False,
) -> Config:
    """Read, substitute and validate a config file, or raise one ConfigError listing all
    problems, each as `file: key.path: what is wrong`.

    A `${NAME}` that is not set is an error, unless `allow_missing_secrets`: then the
    rule of `statusgen.config.unset` applies key by key (a channel or hook using one is
    left out, a node whose replica URL, headers or body use one is not probed; anything
    else is still an error), and `config.disabled` says what was left out."""
    path = Path(path)
    raw = read_toml(path)
    env = dict(os.environ if env is None else env)
    data, found = substitute_env(raw, env)
    plan = plan_missing(data, found.missing, allow_missing_secrets, found.values)
    if plan.problems:
        raise ConfigError(mask_all([f"{path}: {p}" for p in plan.problems], found.values))
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        lines = format_validation_errors(exc, data, str(path), Config, found.paths)
        raise ConfigError(mask_all(lines, found.values)) from None
    except RecursionError:
        raise ConfigError(f"{path}: values are nested too deeply") from None
    config._path = path
    config._root = project_root(path)
    for channel, position in zip(config.notify.channels, plan.channel_positions, strict=True):
        channel._position = position
    for (si, ni), names in plan.nodes.items():
        config.services[si].nodes[ni]._unset = names
    problems = check_references(config) + check_paths(config) + resolve_ca_files(config)
    if problems:
        raise ConfigError(mask_all([f"{path}: {p}" for p in problems], found.values))
    config._secrets = frozenset(found.values | _credentials(config))
    config._disabled = tuple(plan.disabled)
    return config


def read_toml(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"{path}: {size / (1 << 20):.1f} MiB is too large for a config file; "
                f"expected at most {MAX_CONFIG_BYTES >> 20} MiB"
            )
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; run `statusgen init` to create one") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder; expected the config file") from None
    except PermissionError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {shown_text(str(exc))}") from None
    except RecursionError:
        raise ConfigError(
            f"{path}: not valid TOML: arrays or tables nested too deeply; expected at most "
            "a few levels"
        ) from None


def shown_text(text: str) -> str:
    return text if len(text) <= 400 else text[:400] + "... (cut)"


def secret_references(data: Any, path: str = "") -> dict[str, list[str]]:
    """Every `${NAME}` the raw config refers to: {name: [key paths]}, in file order."""
    found: dict[str, list[str]] = {}
    items = data.items() if isinstance(data, dict) else None
    if items is None and isinstance(data, list):
        items = ((f"[{i}]", v) for i, v in enumerate(data))
    if items is not None:
        for key, value in items:
            where = path + key if key.startswith("[") else _join(path, key)
            for name, paths in secret_references(value, where).items():
                found.setdefault(name, []).extend(paths)
    elif isinstance(data, str):
        for name in _ENV_REF.findall(data):
            found.setdefault(name, []).append(path)
    return found


def project_root(config_path: Path) -> Path:
    """`config/statusgen.toml` lives in the project's `config/` folder; any other config
    file's own folder is the project root."""
    folder = config_path.resolve().parent
    return folder.parent if folder.name == "config" else folder


def _credentials(config: Config) -> set[str]:
    secrets: set[str] = set()
    for _, node in config.iter_nodes():
        for replica in node.replicas:
            if plain_url(replica.url):  # nothing in it to hide
                continue
            parts = urlsplit(replica.url)
            secrets.update(x for x in (parts.password, parts.username) if x)
            if parts.query and parts.scheme != "dns":  # a DNS question is no secret
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


def resolve_ca_files(config: Config) -> list[str]:
    """Give each node the CA file it trusts (its own `tls.ca_file`, else the global one),
    resolved against the project folder; a file that is missing or holds no PEM
    certificate is a problem here, not a dead replica on every pass."""
    problems: list[str] = []
    checked: dict[Path, str | None] = {}

    def resolve(name: str, key: str) -> Path:
        path = config.resolve(name)
        if path not in checked:
            checked[path] = _ca_file_problem(path)
            if checked[path]:
                problems.append(f"{key}: {checked[path]}")
        return path

    default = resolve(config.tls.ca_file, "tls.ca_file") if config.tls.ca_file else None
    for si, service in enumerate(config.services):
        for ni, node in enumerate(service.nodes):
            own = node.tls.ca_file
            key = f"services[{si}].nodes[{ni}].tls.ca_file"
            node._ca_file = resolve(own, key) if own else default
    return problems


def _ca_file_problem(path: Path) -> str | None:
    from cryptography import x509  # only when a ca_file is set: keeps `check` start-up light

    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot read {str(path)!r}: {(exc.strerror or 'error').lower()}"
    try:
        x509.load_pem_x509_certificates(data)
    except ValueError:
        return f"{str(path)!r} holds no PEM certificate"
    return None


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
    problems += check_locations(config.locations, config.health.quorum)
    for ci, channel in enumerate(config.notify.channels):
        position = ci if channel.position is None else channel.position
        for index, ident in enumerate(channel.services):
            if ident not in known:
                problems.append(
                    f"notify.channels[{position}].services[{index}]: "
                    f"unknown service or node {ident!r}"
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
