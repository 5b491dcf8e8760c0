"""`statusgen watch URL`: who watches the watcher. Run from another host (any cron), it
reads a published page's `api/v1/status.json` and tells the configured channels once when
the page is stale (its `generated_at` older than `max_age`) or unreachable, and once when
it is fresh again, so a stalled or disabled runner does not go unnoticed.

What was announced is kept in `<server.state_dir>/watch.json` (per document URL), so
repeated runs never repeat it; a message that could not be delivered is tried again on
the next run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

from statusgen import USER_AGENT
from statusgen.clock import iso, parse_iso
from statusgen.config import Config
from statusgen.files import private_folder, write_atomic
from statusgen.notify.channels import channel_names, send_message
from statusgen.notify.dispatch import Batch, run_batches
from statusgen.notify.messages import Message, format_duration, format_time

log = logging.getLogger("statusgen.notify")
FETCH_TIMEOUT = 10.0
Fetch = Callable[[str], httpx.Response]


@dataclass
class WatchReport:
    """One look at a page: `state` fresh, stale or unreachable; `detail` one line; what
    was sent or failed (channel name, error or None)."""

    url: str
    state: str
    detail: str
    deliveries: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.state == "fresh"


def document_url(url: str) -> str:
    """The status document of a page URL: `https://status.example.com/` ->
    `.../api/v1/status.json`; a URL ending in `.json` is taken as it is."""
    if url.endswith(".json"):
        return url
    return url.rstrip("/") + "/api/v1/status.json"


def _fetch(url: str) -> httpx.Response:
    return httpx.get(
        url, timeout=FETCH_TIMEOUT, follow_redirects=True, headers={"User-Agent": USER_AGENT}
    )


def look(url: str, now: datetime, max_age: float, fetch: Fetch = _fetch) -> tuple[str, str]:
    """(state, detail) of the page's status document at `now`."""
    try:
        response = fetch(url)
    except httpx.HTTPError as exc:
        return "unreachable", f"{url} is unreachable ({type(exc).__name__})"
    if response.status_code != 200:
        return "unreachable", f"{url} answered HTTP {response.status_code}"
    try:
        generated = parse_iso(json.loads(response.content)["generated_at"])
    except (ValueError, KeyError, TypeError):
        return "unreachable", f"{url} is not a statusgen status document"
    age = (now - generated).total_seconds()
    if age > max_age:
        return "stale", (
            f"{url} was last updated {format_duration(age)} ago ({format_time(generated)}), "
            f"more than {format_duration(max_age)}"
        )
    return "fresh", f"{url} was updated {format_duration(max(age, 0))} ago"


def watch_page(
    config: Config,
    url: str,
    now: datetime,
    max_age: float | None = None,
    fetch: Fetch = _fetch,
) -> WatchReport:
    """Look at the page once and announce a change of state to every channel (`max_age`
    defaults to `[page] stale_after`)."""
    target = document_url(url)
    state, detail = look(target, now, max_age or config.page.stale_after, fetch)
    report = WatchReport(target, state, detail)
    path = private_folder(config.resolve(config.server.state_dir)) / "watch.json"
    saved = _load(path)
    before = saved.get(target, {}).get("state", "fresh")
    if (state == "fresh") == (before == "fresh"):
        return report
    title = f"{config.page.name}: status page " + (
        "updated again" if state == "fresh" else f"{state}"
    )
    message = Message(title, detail, "success" if state == "fresh" else "failure")
    names = channel_names(config.notify.channels)
    batches = [
        Batch(name, [message], lambda m, timeout, c=channel: send_message(c, m, timeout))
        for name, channel in zip(names, config.notify.channels, strict=True)
    ]
    outcomes = run_batches(batches, config.notify.deadline)
    for name, outcome in zip(names, outcomes, strict=True):
        report.deliveries.append((name, None if outcome.sent else outcome.error or "timed out"))
    if all(error is None for _, error in report.deliveries):
        saved[target] = {"state": state, "since": iso(now.replace(microsecond=0))}
        write_atomic(path, json.dumps(saved, indent=1, sort_keys=True) + "\n")
    return report


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        log.warning("%s: unreadable; starting from an empty watch state", path)
        return {}
    return data if isinstance(data, dict) else {}
