"""Upptime `.upptimerc.yml` -> one service of nodes (sites): url, method, expected status
codes, max response time, tcp-ping, headers and body, and the notifications Apprise
can send (their secrets stay in the environment, under Upptime's own names).

Upptime's history (`history/summary.json` beside the config, whose per-day data is
minutes down, and `history/<slug>.yml` for when a site's record starts) becomes sealed
days in statusgen's history, so the 90-day bars start full: checks per day from the
`workflowSchedule.uptime` cron (every 5 minutes by default), dead checks from the minutes
down, no sick checks and no latency (Upptime keeps none per day). A day already sealed is
left as it is.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from statusgen.config import Replica
from statusgen.content.schema import to_utc
from statusgen.importers.base import Ids, Imported, read_yaml, unsupported

MAX_DAYS = 400  # history.aggregate_days' default

_TOP = {
    "owner", "repo", "sites", "status-website", "notifications", "assignees", "user-agent",
    "workflowSchedule",
}  # fmt: skip
_SITE = {
    "name", "url", "method", "expectedStatusCodes", "maxResponseTime", "check", "port",
    "headers", "body", "__dangerous__insecure", "__dangerous__disable_verify_peer",
    "__dangerous__body_down_if_text_missing", "slug", "icon", "assignees",
}  # fmt: skip
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# Upptime reads these secrets; Apprise takes the same webhooks.
_NOTIFICATIONS = {
    "slack": "${NOTIFICATION_SLACK_WEBHOOK_URL}",
    "discord": "${NOTIFICATION_DISCORD_WEBHOOK_URL}",
    "teams": "${NOTIFICATION_TEAMS_WEBHOOK_URL}",
    "google-chat": "${NOTIFICATION_GOOGLE_CHAT_WEBHOOK_URL}",
    "telegram": "tgram://${NOTIFICATION_TELEGRAM_BOT_KEY}/${NOTIFICATION_TELEGRAM_CHAT_ID}",
}
_UPPTIME_SECRET = re.compile(r"\$(?!\{)([A-Z_][A-Z0-9_]*)")


def import_upptime(source: str, now: datetime) -> Imported:
    data = read_yaml(source) or {}
    imported = Imported()
    unsupported(imported, "", data, _TOP)
    website = data.get("status-website") or {}
    unsupported(imported, "status-website", website, {"name", "introMessage", "cname"})
    page: dict[str, Any] = {"name": website.get("name") or data.get("repo") or "Status"}
    if website.get("introMessage"):
        page["description"] = str(website["introMessage"])
    if website.get("cname"):
        page["url"] = f"https://{website['cname']}/"
    ids = Ids()
    nodes = []
    for index, site in enumerate(data.get("sites") or []):
        unsupported(imported, f"sites[{index}]", site, _SITE)
        node = _node(imported, f"sites[{index}]", site, ids)
        if node:
            nodes.append(node)
    config: dict[str, Any] = {"page": page}
    channels = []
    for index, notification in enumerate(data.get("notifications") or []):
        kind = str(notification.get("type", ""))
        if kind in _NOTIFICATIONS:
            channels.append({"name": kind, "url": _NOTIFICATIONS[kind]})
        else:
            imported.skip(f"notifications[{index}]", f"{kind!r} has no Apprise equivalent here")
    if channels:
        config["notify"] = {"channels": channels}
    config["services"] = [{"id": "sites", "name": page["name"], "nodes": nodes}]
    imported.config = config
    every = _schedule_minutes(imported, data.get("workflowSchedule") or {})
    _history(imported, Path(source).parent / "history", nodes, every, now)
    return imported


def _schedule_minutes(imported: Imported, schedule: dict) -> int:
    """Minutes between Upptime's checks, from its `uptime` cron (`*/5 * * * *`)."""
    cron = str(schedule.get("uptime", "*/5 * * * *")).split()
    minute = cron[0] if cron else ""
    if minute.startswith("*/") and minute[2:].isdigit() and int(minute[2:]) > 0:
        return int(minute[2:])
    if minute == "*":
        return 1
    imported.notes.append(f"uptime schedule {' '.join(cron)!r} read as every 5 minutes")
    return 5


def _history(imported: Imported, folder: Path, nodes: list[dict], every: int, now: datetime):
    summary = folder / "summary.json"
    if not summary.exists():
        imported.notes.append(f"no {summary}: Upptime's history was not imported")
        return
    try:
        sites = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        imported.skip(str(summary), f"not readable ({type(exc).__name__})")
        return
    by_name = {node["label"]: node for node in nodes}
    checks = 1440 // every
    today = now.astimezone(UTC).date()
    oldest = today - timedelta(days=MAX_DAYS)
    days: dict[str, dict[str, list]] = {}
    for site in sites if isinstance(sites, list) else []:
        node = by_name.get(str(site.get("name")))
        if node is None:
            imported.skip(f"{summary}: {site.get('name')!r}", "no imported site of that name")
            continue
        replica = Replica.model_validate(node["replicas"][0]).id
        start = max(_start(folder, site, today), oldest)
        down = site.get("dailyMinutesDown") or {}
        day = start
        while day < today:
            dead = min(checks, math.ceil(float(down.get(day.isoformat(), 0)) / every))
            row = [checks, checks - dead, 0, dead, None, None]
            rows = days.setdefault(day.isoformat(), {})
            rows[f"sites/{node['id']}/{replica}"] = list(row)
            rows[f"sites/{node['id']}"] = list(row)
            for key in ("sites", ""):  # outages assumed to overlap: the worst site counts
                if key not in rows or rows[key][3] < dead:
                    rows[key] = list(row)
            day += timedelta(days=1)
    imported.days = days
    if days:
        imported.notes.append(
            f"Upptime history: {len(days)} days from {min(days)} to {max(days)} "
            f"({checks} checks a day, dead from the minutes down, no latency)"
        )


def _start(folder: Path, site: dict, today: date) -> date:
    """When Upptime started recording the site: `startTime` in its history file, else the
    first day with downtime, else 90 days ago."""
    path = folder / f"{site.get('slug', '')}.yml"
    with contextlib.suppress(OSError, ValueError, yaml.YAMLError, KeyError, TypeError):
        return to_utc(yaml.safe_load(path.read_text(encoding="utf-8"))["startTime"]).date()
    recorded = sorted(site.get("dailyMinutesDown") or {})
    return date.fromisoformat(recorded[0]) if recorded else today - timedelta(days=90)


def _secrets(text: str) -> str:
    """Upptime's `$SECRET_NAME` as statusgen's `${SECRET_NAME}`."""
    return _UPPTIME_SECRET.sub(r"${\1}", text)


def _node(imported: Imported, where: str, site: dict, ids: Ids) -> dict | None:
    name = str(site.get("name") or site.get("url") or "site")
    url = _secrets(str(site.get("url", "")))
    check = site.get("check")
    if check == "tcp-ping":
        host = re.sub(r"^[a-z]+://", "", url).split("/")[0].split(":")[0]
        url = f"tcp://{host}:{site.get('port', 443)}"
    elif check not in (None, "http"):
        imported.skip(where, f"check {check!r} is not probed by statusgen")
        return None
    node: dict[str, Any] = {"id": ids.make(site.get("slug") or name), "label": name}
    node["replicas"] = [url]
    if site.get("maxResponseTime"):
        sick = float(site["maxResponseTime"]) / 1000  # Upptime: slower is "degraded"
        node["delay_sick"] = sick
        node["delay_dead"] = max(10.0, sick * 2)
    if url.startswith("tcp://"):
        return node
    http: dict[str, Any] = {}
    method = str(site.get("method", "GET")).upper()
    if method in _METHODS and method != "GET":
        http["method"] = method
    headers = {}
    for line in site.get("headers") or []:
        key, _, value = str(line).partition(":")
        headers[key.strip()] = _secrets(value.strip())
    if headers:
        http["headers"] = headers
    if site.get("body"):
        http["body"] = _secrets(str(site["body"]))
    if site.get("__dangerous__insecure") or site.get("__dangerous__disable_verify_peer"):
        http["verify_tls"] = False
    if site.get("__dangerous__body_down_if_text_missing"):
        http["healthy_match"] = str(site["__dangerous__body_down_if_text_missing"])
    codes = sorted({int(c) for c in site.get("expectedStatusCodes") or []})
    if codes and codes == list(range(codes[0], codes[-1] + 1)):
        http["healthy_above"], http["healthy_below"] = codes[0], codes[-1] + 1
    elif codes:
        node["conditions"] = [f"[STATUS] == any({', '.join(map(str, codes))})"]
    if http:
        node["http"] = http
    return node
