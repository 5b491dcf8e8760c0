"""Vigil `config.cfg` (TOML) -> the same page: statusgen's model is Vigil's, so probe
services, nodes, replicas and modes, HTTP options, metrics, notify and branding map one to
one; script nodes, plugins and the server section are listed as not carried over.
"""

from __future__ import annotations

import tomllib
from typing import Any

from statusgen.importers.base import (
    Imported,
    ImportError_,
    channel,
    email_url,
    read_text,
    unsupported,
)

_TOP = {"server", "assets", "branding", "metrics", "notify", "probe"}
_NODE = {
    "id", "label", "mode", "replicas", "http_headers", "http_method", "http_body",
    "http_body_healthy_match", "reveal_replica_name", "link_url", "link_label",
}  # fmt: skip
_METRICS = {
    "poll_interval": ("poll", "interval"),
    "poll_retry": ("poll", "retry"),
    "poll_delay_dead": ("poll", "delay_dead"),
    "poll_delay_sick": ("poll", "delay_sick"),
    "push_delay_dead": ("push", "delay_dead"),
    "push_system_cpu_sick_above": ("push", "cpu_sick_above"),
    "push_system_ram_sick_above": ("push", "ram_sick_above"),
    "local_delay_dead": ("local", "delay_dead"),
}
_STATUS_BOUNDS = {"poll_http_status_healthy_above", "poll_http_status_healthy_below"}


def import_vigil(source: str) -> Imported:
    try:
        data = tomllib.loads(read_text(source))
    except tomllib.TOMLDecodeError as exc:
        raise ImportError_(f"{source}: not valid TOML: {exc}") from None
    imported = Imported()
    unsupported(imported, "", data, _TOP)
    for section in ("server", "assets"):
        if section in data:
            imported.skip(section, "statusgen has its own server settings (docs/server.md)")
    config: dict[str, Any] = {"page": _page(imported, data.get("branding") or {})}
    metrics, bounds = _metrics(imported, data.get("metrics") or {})
    if metrics:
        config["metrics"] = metrics
    notify = _notify(imported, data.get("notify") or {})
    if notify:
        config["notify"] = notify
    services = []
    for si, service in enumerate((data.get("probe") or {}).get("service") or []):
        nodes = []
        for ni, node in enumerate(service.get("node") or []):
            where = f"probe.service[{si}].node[{ni}]"
            unsupported(imported, where, node, _NODE)
            made = _node(imported, where, node, bounds)
            if made:
                nodes.append(made)
        services.append(
            {"id": service["id"], "name": service.get("label", service["id"]), "nodes": nodes}
        )
    config["services"] = services
    imported.config = config
    return imported


def _page(imported: Imported, branding: dict) -> dict[str, Any]:
    unsupported(
        imported, "branding", branding, {"page_title", "page_url", "logo_color", "custom_html"}
    )
    page: dict[str, Any] = {"name": branding.get("page_title") or "Status"}
    if branding.get("page_url"):
        page["url"] = branding["page_url"]
    if str(branding.get("logo_color", "")).startswith("#"):
        page["main_color"] = branding["logo_color"]
    if branding.get("custom_html"):
        page["include_html"] = branding["custom_html"]
    return page


def _metrics(imported: Imported, metrics: dict) -> tuple[dict, dict]:
    out: dict[str, dict[str, Any]] = {}
    bounds = {}
    for key, value in metrics.items():
        if key in _METRICS:
            mode, name = _METRICS[key]
            out.setdefault(mode, {})[name] = value
        elif key in _STATUS_BOUNDS:
            bounds[key.rsplit("_", 1)[-1]] = value  # per node in statusgen
        elif key == "poll_parallelism":
            pass  # statusgen sizes its own concurrency
        else:
            imported.skip(f"metrics.{key}", "not supported by statusgen")
    return out, bounds


def _node(imported: Imported, where: str, node: dict, bounds: dict) -> dict | None:
    mode = node.get("mode", "poll")
    if mode == "script":
        imported.skip(where, "script nodes are not run by statusgen")
        return None
    out: dict[str, Any] = {"id": node["id"], "label": node.get("label", node["id"])}
    if mode != "poll":
        out["mode"] = mode
    if node.get("link_url"):
        out["link"] = node["link_url"]
    replicas = list(node.get("replicas") or [])
    if replicas and not node.get("reveal_replica_name"):
        # Vigil hides replica URLs unless told otherwise; statusgen shows labels.
        replicas = [{"url": url, "label": f"replica {i + 1}"} for i, url in enumerate(replicas)]
    if replicas:
        out["replicas"] = replicas
    http: dict[str, Any] = {}
    if node.get("http_method"):
        http["method"] = str(node["http_method"]).upper()
    if node.get("http_headers"):
        http["headers"] = dict(node["http_headers"])
    if node.get("http_body"):
        http["body"] = node["http_body"]
    if node.get("http_body_healthy_match"):
        http["healthy_match"] = f"/{node['http_body_healthy_match']}/"  # Vigil's is a regex
    if mode == "poll" and any(str(r).startswith("http") for r in node.get("replicas") or []):
        for key in ("above", "below"):
            if key in bounds:
                http[f"healthy_{key}"] = bounds[key]
    if http:
        out["http"] = http
    return out


def _notify(imported: Imported, notify: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    channels: list[dict[str, Any]] = []
    for key, value in notify.items():
        if key == "reminder_interval":
            out["reminder_interval"] = value
        elif key in ("email", "slack", "discord", "telegram") and _url(key, value):
            made = channel(imported, f"notify.{key}", key, _url(key, value))
            if made and value.get("mention_channel"):
                made["mention_channel"] = True
            channels += [made] if made else []
        elif key == "webhook" and value.get("hook_url"):
            out.setdefault("hooks", []).append({"label": "webhook", "target": value["hook_url"]})
        else:
            imported.skip(f"notify.{key}", "no statusgen equivalent carried over")
    if channels:
        out["channels"] = channels
    return out


def _url(key: str, c: dict) -> str | None:
    if key == "email":
        return _email(c) if c.get("smtp_host") else None
    if key == "telegram":
        return f"tgram://{c['bot_token']}/{c.get('chat_id', '')}" if c.get("bot_token") else None
    return c.get("hook_url")


def _email(c: dict) -> str:
    return email_url(
        c["smtp_host"],
        c.get("smtp_port"),
        c.get("smtp_username"),
        c.get("smtp_password"),
        c.get("from"),
        c.get("to"),
        secure=c.get("smtp_encrypt", True),
    )
