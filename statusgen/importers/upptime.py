"""Upptime `.upptimerc.yml` -> one service of nodes (sites): url, method, expected status
codes, max response time, tcp-ping, headers and body, and the notifications Apprise
can send (their secrets stay in the environment, under Upptime's own names).

Upptime's history (`history/*.yml`, the summary JSON) is not imported: statusgen's
history keeps what its own probes saw.
"""

from __future__ import annotations

import re
from typing import Any

from statusgen.importers.base import Ids, Imported, read_yaml, unsupported

_TOP = {"owner", "repo", "sites", "status-website", "notifications", "assignees", "user-agent"}
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


def import_upptime(source: str) -> Imported:
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
    imported.notes.append(
        "Upptime's history (history/*.yml) was not imported: the page's bars start empty"
    )
    return imported


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
