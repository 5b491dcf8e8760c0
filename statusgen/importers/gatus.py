"""Gatus `config.yaml` -> services (groups), nodes (endpoints) with their conditions,
channels (alerting providers), notify thresholds, announcements and maintenance.

A recurring maintenance window becomes its next occurrence, and the report says it
recurs. Endpoint types statusgen does not probe (ssh, udp, websocket...) are listed.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from statusgen.conditions import ConditionError, parse_condition
from statusgen.content.schema import to_utc
from statusgen.content.writer import announcement_text, maintenance_text
from statusgen.importers.base import (
    Ids,
    Imported,
    channel,
    email_url,
    file_name,
    read_yaml,
    seconds,
    unsupported,
)

_TOP = {"endpoints", "alerting", "maintenance", "announcements", "ui"}
_ENDPOINT = {
    "name", "group", "url", "method", "body", "headers", "interval", "conditions",
    "alerts", "client", "dns", "enabled", "maintenance-windows",
}  # fmt: skip
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
_DAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}


def import_gatus(source: str, now: datetime) -> Imported:
    data = read_yaml(source) or {}
    imported = Imported()
    unsupported(imported, "", data, _TOP)
    ui = data.get("ui") or {}
    page = {"name": ui.get("title") or ui.get("header") or "Status"}
    if ui.get("description"):
        page["description"] = ui["description"]
    services: dict[str, dict[str, Any]] = {}
    service_ids, node_ids = Ids(), Ids()
    alert_types: dict[str, list[str]] = {}
    thresholds = {"failure": [], "success": []}
    for index, endpoint in enumerate(data.get("endpoints") or []):
        where = f"endpoints[{index}]"
        unsupported(imported, where, endpoint, _ENDPOINT)
        node = _node(imported, where, endpoint, node_ids)
        if node is None:
            continue
        group = endpoint.get("group") or "Endpoints"
        if group not in services:
            services[group] = {"id": service_ids.make(group), "name": group, "nodes": []}
        services[group]["nodes"].append(node)
        for alert in endpoint.get("alerts") or []:
            alert_types.setdefault(alert.get("type", ""), []).append(node["id"])
            thresholds["failure"].append(int(alert.get("failure-threshold", 3)))
            thresholds["success"].append(int(alert.get("success-threshold", 2)))
        for window in endpoint.get("maintenance-windows") or []:
            _maintenance(imported, f"{where}.maintenance-windows", window, [node["id"]], now)
    notify: dict[str, Any] = {}
    if thresholds["failure"]:
        notify["dead_after_passes"] = max(thresholds["failure"])
        notify["recovered_after_passes"] = max(thresholds["success"])
        if len(set(thresholds["failure"] + thresholds["success"])) > 2:
            imported.notes.append("alert thresholds differ per endpoint; the largest are kept")
    channels = _channels(imported, data.get("alerting") or {}, alert_types)
    if channels:
        notify["channels"] = channels
    config: dict[str, Any] = {"page": page}
    if notify:
        config["notify"] = notify
    config["services"] = list(services.values())
    imported.config = config
    maintenance = data.get("maintenance") or {}
    if maintenance and maintenance.get("enabled", True) is not False:
        every = [s["id"] for s in services.values()]
        _maintenance(imported, "maintenance", maintenance, every, now)
    for index, item in enumerate(data.get("announcements") or []):
        _announcement(imported, f"announcements[{index}]", item)
    return imported


def _node(imported: Imported, where: str, endpoint: dict, ids: Ids) -> dict | None:
    name = str(endpoint.get("name") or "endpoint")
    url = str(endpoint.get("url") or "")
    if endpoint.get("enabled") is False:
        imported.skip(where, f"endpoint {name!r} is disabled")
        return None
    replica = _replica(imported, where, endpoint, url)
    if replica is None:
        return None
    node: dict[str, Any] = {"id": ids.make(name), "label": name, "replicas": [replica]}
    interval = seconds(endpoint.get("interval", "60s"))
    if interval:
        node["interval"] = interval
    http: dict[str, Any] = {}
    method = str(endpoint.get("method", "GET")).upper()
    if method != "GET" and method in _METHODS:
        http["method"] = method
    if endpoint.get("headers"):
        http["headers"] = {str(k): str(v) for k, v in endpoint["headers"].items()}
    if endpoint.get("body"):
        http["body"] = str(endpoint["body"])
    client = endpoint.get("client") or {}
    if client.get("insecure"):
        http["verify_tls"] = False
    unsupported(imported, f"{where}.client", client, {"insecure", "timeout"})
    if client.get("timeout") and seconds(client["timeout"]):
        node["delay_dead"] = seconds(client["timeout"])
        node["delay_sick"] = node["delay_dead"] / 2
    if http and replica.startswith("http"):
        node["http"] = http
    conditions = []
    for ci, text in enumerate(endpoint.get("conditions") or []):
        try:
            parse_condition(str(text))
        except ConditionError as exc:
            imported.skip(f"{where}.conditions[{ci}]", f"{text!r}: {exc}")
            continue
        conditions.append(str(text))
    if conditions:
        node["conditions"] = conditions
    return node


def _replica(imported: Imported, where: str, endpoint: dict, url: str) -> str | None:
    scheme = urlsplit(url).scheme
    dns = endpoint.get("dns")
    if dns:
        server = url.removeprefix("dns://")
        kind = str(dns.get("query-type", "A")).upper()
        name = str(dns.get("query-name", "")).rstrip(".")
        return f"dns://{name}?type={kind}&server={quote(server, safe=':[]')}"
    if scheme in ("http", "https", "tcp", "icmp"):
        return url
    imported.skip(f"{where}.url", f"{scheme or url}:// endpoints are not probed by statusgen")
    return None


_PROVIDERS = {
    "slack": lambda c: c.get("webhook-url"),
    "discord": lambda c: c.get("webhook-url"),
    "mattermost": lambda c: c.get("webhook-url"),
    "teams": lambda c: c.get("webhook-url"),
    "telegram": lambda c: c.get("token") and c.get("id") and f"tgram://{c['token']}/{c['id']}",
    "ntfy": lambda c: c.get("topic") and _ntfy(c),
    "email": lambda c: c.get("host") and _email(c),
}


def _ntfy(c: dict) -> str:
    host = urlsplit(c.get("url") or "https://ntfy.sh").netloc
    return f"ntfys://{host}/{c['topic']}"


def _email(c: dict) -> str:
    return email_url(
        c["host"], c.get("port"), c.get("username"), c.get("password"), c.get("from"), c.get("to")
    )


def _channels(imported: Imported, alerting: dict, users: dict[str, list[str]]) -> list[dict]:
    channels = []
    for kind, settings in alerting.items():
        make = _PROVIDERS.get(kind)
        url = make(settings or {}) if make else None
        if not url:
            imported.skip(f"alerting.{kind}", "no Apprise equivalent carried over")
            continue
        made = channel(imported, f"alerting.{kind}", kind, str(url))
        if made and kind in users:
            made["services"] = sorted(set(users[kind]))
        channels += [made] if made else []
    for kind in users:
        if kind not in alerting:
            imported.skip(f"alerts of type {kind}", f"no alerting.{kind} provider configured")
    return channels


def next_window(window: dict, now: datetime) -> tuple[datetime, datetime] | None:
    """The next (or current) occurrence of a Gatus maintenance window, in UTC."""
    try:
        zone = ZoneInfo(window.get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return None
    hour, _, minute = str(window.get("start", "")).partition(":")
    length = seconds(window.get("duration", ""))
    if not (hour.isdigit() and minute.isdigit() and length):
        return None
    days = {_DAYS.get(str(d).lower()) for d in window.get("every") or []} - {None}
    local = now.astimezone(zone)
    for offset in range(-1, 8):
        day = (local + timedelta(days=offset)).date()
        if days and day.weekday() not in days:
            continue
        starts = datetime(day.year, day.month, day.day, int(hour), int(minute), tzinfo=zone)
        ends = starts + timedelta(seconds=length)
        if ends > now:
            return starts.astimezone(UTC), ends.astimezone(UTC)
    return None


def _maintenance(imported: Imported, where: str, window: dict, affected: list, now: datetime):
    found = next_window(window, now)
    if found is None or not affected:
        imported.skip(where, "maintenance window not understood")
        return
    starts, ends = found
    every = ", ".join(window.get("every") or []) or "day"
    title = "Scheduled maintenance"
    message = f"Recurring maintenance (every {every} at {window.get('start')})."
    imported.add(
        "maintenance",
        file_name(starts, title),
        maintenance_text(title=title, starts=starts, ends=ends, affected=affected, message=message),
    )
    imported.notes.append(
        f"{where}: recurs every {every}; only the next window ({starts:%Y-%m-%d %H:%M} UTC) "
        "was written"
    )


def _announcement(imported: Imported, where: str, item: dict) -> None:
    message = str(item.get("message") or "").strip()
    if not message or not item.get("timestamp"):
        imported.skip(where, "announcement without a message or timestamp")
        return
    created = to_utc(item["timestamp"])
    title = message.splitlines()[0][:120]
    expires = created if item.get("archived") else None
    text = announcement_text(title=title, message=message, created=created, expires=expires)
    imported.add("announcements", file_name(created, title), text)
