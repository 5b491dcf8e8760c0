"""Notification channels: one Apprise URL each (email, Slack, Pushover, ntfy, ...).

A channel is known in logs, output and the persisted state by its name only (`name`, or
`<scheme>-<n>` by position when it has none); its URL holds credentials.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from statusgen.config import Channel, Config
from statusgen.config.unset import channel_name
from statusgen.notify.messages import Message
from statusgen.notify.redact import guarded, url_secrets

if TYPE_CHECKING:
    import apprise

log = logging.getLogger("statusgen.notify")

TIMED_OUT = 0.9  # share of the timeout after which a failure counts as a timeout


def channel_names(channels: list[Channel]) -> list[str]:
    """A unique display name per channel, in config order."""
    names: list[str] = []
    for index, channel in enumerate(channels):
        # By the channel's place in the file: one left out for a missing secret does not
        # rename the others (their waiting messages and state go by name).
        position = index if channel.position is None else channel.position
        name = channel_name(channel.name, channel.url, position)
        if name in names:
            name = f"{name}-{position + 1}"
        names.append(name)
    return names


def _asset() -> apprise.AppriseAsset:
    # In memory only (no cache files in the project), and no worker threads: the sending
    # thread is ours, bounded by the notify deadline. Apprise is imported on first use: it
    # costs about 0.1 s, which `statusgen check` of a page without channels need not pay.
    import apprise

    return apprise.AppriseAsset(storage_mode="memory", async_mode=False)


def load_plugin(url: str) -> apprise.plugins.NotifyBase | None:
    """Apprise's notifier for a URL, or None when Apprise cannot read it. Apprise's own
    "Unparseable URL" log line is held back: the caller reports the problem once, by key."""
    import logging

    import apprise

    quiet = logging.getLogger("apprise")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        with guarded(url_secrets(url)):
            return apprise.Apprise.instantiate(url, asset=_asset())
    finally:
        quiet.setLevel(level)


def send_message(channel: Channel, message: Message, timeout: float) -> str | None:
    """Deliver one message; None when delivered, else the reason (secrets masked).
    Never raises for a delivery failure."""
    import apprise

    secrets = url_secrets(channel.url)
    with guarded(secrets) as captured:
        try:
            plugin = apprise.Apprise.instantiate(channel.url, asset=_asset())
            if plugin is None:
                return "not a valid Apprise URL (see https://github.com/caronc/apprise/wiki)"
            # Apprise's own defaults (4 s to 15 s) may exceed what is left of the deadline.
            for attribute in ("socket_connect_timeout", "socket_read_timeout"):
                current = getattr(plugin, attribute, timeout)
                setattr(plugin, attribute, min(float(current), timeout))
            began = time.monotonic()
            sent = plugin.notify(
                body=message.body,
                title=message.title,
                notify_type=apprise.NotifyType(message.level),
                body_format=apprise.NotifyFormat.TEXT,
            )
            if sent:
                return None
            if time.monotonic() - began >= timeout * TIMED_OUT:
                # Apprise reports a read timeout as "A Connection error occurred"; a
                # failure that took the whole timeout was the channel not answering.
                return f"timed out after {timeout:g} s (no answer)"
            return captured[-1] if captured else "delivery failed"
        except Exception as exc:  # a plugin bug must not stop the pass
            log.debug("channel %s raised", channel.name, exc_info=True)
            return f"{type(exc).__name__} while sending"


def validate_channels(config: Config) -> list[str]:
    """Problems `statusgen check` can report: channel URLs Apprise cannot read and
    duplicate names. Each line names the config key."""
    problems = []
    seen: set[str] = set()
    for index, channel in enumerate(config.notify.channels):
        position = index if channel.position is None else channel.position
        where = f"{config.path}: notify.channels[{position}]"
        if load_plugin(channel.url) is None:
            problems.append(f"{where}.url: not a URL Apprise understands")
        if channel.name:
            if channel.name in seen:
                problems.append(f"{where}.name: duplicate channel name {channel.name!r}")
            seen.add(channel.name)
    return problems
