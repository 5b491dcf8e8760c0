"""One notify pass: state in, transitions decided, messages sent or queued, state out."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial

from statusgen.clock import iso, system_clock
from statusgen.config import Channel, Config
from statusgen.errors import ConfigError, StatusgenError
from statusgen.health import Evaluation
from statusgen.notify import outbox as box
from statusgen.notify.certificates import (
    CertificateEvent,
    certificate_events,
    certificate_message,
)
from statusgen.notify.channels import channel_names, send_message
from statusgen.notify.dispatch import Batch, run_batches
from statusgen.notify.hooks import encode, post_hook
from statusgen.notify.locations import location_events, location_message
from statusgen.notify.messages import (
    HEALTH_EVENT,
    Details,
    Message,
    affected_nodes,
    compose,
    format_time,
    health_payload,
    trial_message,
)
from statusgen.notify.report import Delivery, NotifyReport
from statusgen.notify.state import HookState, NotifierState, OutboxItem, load_state, save_state
from statusgen.notify.transitions import (
    Track,
    Transition,
    advance,
    announced_health,
    health_changed,
    node_of,
)
from statusgen.status import ProbeResult, Status

log = logging.getLogger("statusgen.notify")


def notify_pass(
    config: Config,
    evaluation: Evaluation,
    results: Iterable[ProbeResult],
    now: datetime,
    held: frozenset[str] | set[str] = frozenset(),
    dry_run: bool = False,
    send: bool = True,
    last_seen: dict[str, datetime | None] | None = None,
) -> NotifyReport:
    """Announce this pass's transitions and retry the outbox.

    Loads the notifier state (`notify.state_path`), decides transitions (flapping guard,
    reminders, nothing for `held` node keys), sends one message per interested channel and
    the health-change hook when the announced page health changed, all within
    `notify.deadline` seconds; failures wait in the outbox. Saves the state atomically.
    With `dry_run` nothing is sent or saved and `would_send` lists what would go out;
    with `send` off the transitions are recorded as announced but nothing is sent.
    Never raises for a delivery failure. `last_seen` (the locations' last records, when
    the evaluation is their merge) drives the `location` event.
    """
    results = list(results)
    path = config.notify_state_file
    try:
        state = load_state(path)
    except StatusgenError as exc:
        # Replacing a state file that cannot be read would lose its outbox: this pass
        # announces nothing and the next one, once it can be read, catches up.
        log.warning("notify: nothing sent this pass: %s", "; ".join(exc.problems))
        return NotifyReport()
    report = NotifyReport()
    node_keys = [f"{s.id}/{n.id}" for s, n in config.iter_nodes()]
    tracks, report.transitions = advance(
        state.tracks, _statuses(config, evaluation), now, config.notify, held, _known(config, state)
    )
    details = Details(config, evaluation, results)
    fresh = _channel_items(config, report.transitions, details, now)
    news, certificates = certificate_events(config, results, state.certificates, now)
    fresh += _certificate_items(config, news, now)
    silent = state.locations
    if last_seen is not None:
        located, silent = location_events(config, last_seen, state.locations, now)
        fresh += _event_items(config, partial(location_message, config), located, now)
    health = announced_health(tracks, node_keys, held)
    outbox = list(state.outbox)
    superseded: list[box.Dropped] = []
    # A hook disabled for a missing secret gets the payload too, parked until its secret
    # is back (never sent unsigned): then it learns the current health, not a stale one.
    labels = [h.label for h in config.notify.hooks if HEALTH_EVENT in h.events]
    labels += [d.name for d in config.disabled if d.kind == "hook"]
    if health_changed(state.page_health, health) and labels:
        report.health = health
        unhealthy = [k for k in node_keys if k in tracks and _down(tracks[k]) and k not in held]
        nodes = affected_nodes(unhealthy, details)
        body = encode(health_payload(config.page.id, health, nodes, now))
        for label in labels:
            outbox, gone = box.supersede(outbox, "hook", label)
            superseded += gone
            fresh.append(box.new_item("hook", label, f"health {health}", body, now))
    if dry_run:
        names = set(channel_names(config.notify.channels))
        waiting, _ = _park(config, outbox + fresh, names)
        report.would_send = [Delivery.of(i) for i in _due(waiting, now)]
        return report
    _log_dropped(superseded, report)
    new_state = state.model_copy(
        update={
            "tracks": tracks,
            "page_health": health,
            "certificates": certificates,
            "locations": silent,
        }
    )
    if not send:
        report.suppressed = [Delivery.of(i) for i in fresh]
        new_state.outbox = outbox
        save_state(path, new_state)
        return report
    new_state.outbox, tried = _deliver(config, outbox + fresh, now, report)
    new_state.hooks = _hook_states(config, state, tried, now)
    save_state(path, new_state)
    return report


def _statuses(config: Config, evaluation: Evaluation) -> dict[str, Status]:
    statuses = dict(evaluation.nodes)
    if config.notify.replicas:
        statuses.update(evaluation.replicas)
    return statuses


def _known(config: Config, state: NotifierState) -> set[str]:
    nodes = {f"{s.id}/{n.id}" for s, n in config.iter_nodes()}
    return {
        key
        for key in state.tracks
        if node_of(key) in nodes and (key.count("/") == 1 or config.notify.replicas)
    }


def _down(track: Track) -> bool:
    return track.announced is not Status.HEALTHY


def _channel_items(
    config: Config, transitions: list[Transition], details: Details, now: datetime
) -> list[OutboxItem]:
    items = []
    names = channel_names(config.notify.channels)
    for channel, name in zip(config.notify.channels, names, strict=True):
        message = compose(channel, transitions, details)
        if message:
            items.append(
                box.new_item("channel", name, message.title, message.body, now, message.level)
            )
    return items


def _certificate_items(
    config: Config, events: list[CertificateEvent], now: datetime
) -> list[OutboxItem]:
    items = []
    names = channel_names(config.notify.channels)
    for channel, name in zip(config.notify.channels, names, strict=True):
        message = certificate_message(config, channel, events) if events else None
        if message:
            title, body, level = message
            items.append(box.new_item("channel", name, title, body, now, level))
    return items


def _event_items(
    config: Config, message_of: Callable[[Channel, list], tuple | None], events: list, now: datetime
) -> list[OutboxItem]:
    items = []
    names = channel_names(config.notify.channels)
    for channel, name in zip(config.notify.channels, names, strict=True):
        message = message_of(channel, events) if events else None
        if message:
            title, body, level = message
            items.append(box.new_item("channel", name, title, body, now, level))
    return items


def _due(outbox: list[OutboxItem], now: datetime) -> list[OutboxItem]:
    return [i for q in box.queues(outbox).values() if box.is_due(q, now) for i in q]


def _deliver(
    config: Config, outbox: list[OutboxItem], now: datetime, report: NotifyReport
) -> tuple[list[OutboxItem], dict[tuple[str, str], str | None]]:
    """Send every due queue within the deadline. Returns the outbox that remains and,
    per (kind, target) tried, None when all went out or the error that stopped it."""
    channels = dict(zip(channel_names(config.notify.channels), config.notify.channels, strict=True))
    hooks = {hook.label: hook for hook in config.notify.hooks}
    outbox, parked = _park(config, outbox, set(channels))
    outbox, gone = box.forget_unknown(outbox, set(channels), set(hooks))
    _log_dropped(gone, report)
    queues = box.queues(outbox)
    due = [(key, q) for key, q in queues.items() if box.is_due(q, now)]

    def send(item: OutboxItem, timeout: float) -> str | None:
        if item.kind == "hook":
            return post_hook(hooks[item.target], item.body, timeout)
        body = item.body
        if item.created_at < now:
            body += f"\n(delayed: first attempted at {format_time(item.created_at)})"
        message = Message(item.title, body, item.level)
        return send_message(channels[item.target], message, timeout)

    batches = [Batch(f"{kind}-{target}", q, send) for (kind, target), q in due]
    outcomes = run_batches(batches, config.notify.deadline)
    remaining: list[OutboxItem] = []
    settled = {key: outcome for (key, _), outcome in zip(due, outcomes, strict=True)}
    for key, queue in queues.items():
        outcome = settled.get(key)
        if outcome is None:
            remaining += queue
            waiting = _waiting(queue[0])
            report.queued += [Delivery.of(i, waiting) for i in queue if i.created_at == now]
            continue
        for item in queue[: outcome.sent]:
            log.info("notify: sent %r to %s %s", item.title, item.kind, item.target)
            report.sent.append(Delivery.of(item))
        rest = queue[outcome.sent :]
        if outcome.error is not None and rest:
            remaining += _failed(config, rest[0], outcome.error, now, report)
            rest = rest[1:]
            report.queued += [Delivery.of(i, "waiting behind a failed message") for i in rest]
        remaining += rest
    return remaining + parked, {key: outcome.error for key, outcome in settled.items()}


def _park(
    config: Config, outbox: list[OutboxItem], channels: set[str]
) -> tuple[list[OutboxItem], list[OutboxItem]]:
    """Set aside, untried and kept as they are, the messages of channels and hooks
    disabled for a missing secret. While a channel is disabled, every message for a
    channel not configured now is kept too: an unnamed channel's name depends on its URL,
    which the missing secret may hold."""
    hooks_off = {d.name for d in config.disabled if d.kind == "hook"}
    channel_off = any(d.kind == "channel" for d in config.disabled)

    def parked(item: OutboxItem) -> bool:
        if item.kind == "hook":
            return item.target in hooks_off
        return channel_off and item.target not in channels

    return [i for i in outbox if not parked(i)], [i for i in outbox if parked(i)]


def _failed(
    config: Config, item: OutboxItem, error: str, now: datetime, report: NotifyReport
) -> list[OutboxItem]:
    result = box.failed(item, error, now, config.notify.retry_limit)
    if isinstance(result, box.Dropped):
        _log_dropped([result], report)
        return []
    log.warning(
        "notify: %s %s failed (%s); retry %d at %s",
        item.kind,
        item.target,
        error,
        result.attempts,
        iso(result.next_attempt),
    )
    report.queued.append(Delivery.of(result, error))
    return [result]


def _waiting(head: OutboxItem) -> str:
    return f"waiting for the retry at {iso(head.next_attempt)}"


def _log_dropped(dropped: list[box.Dropped], report: NotifyReport) -> None:
    for gone in dropped:
        log.warning("notify: dropped %r for %s %s: %s", *_who(gone.item), gone.reason)
        report.dropped.append(Delivery.of(gone.item, gone.reason))


def _who(item: OutboxItem) -> tuple[str, str, str]:
    return item.title, item.kind, item.target


def _hook_states(
    config: Config, state: NotifierState, tried: dict[tuple[str, str], str | None], now: datetime
) -> dict[str, HookState]:
    """Each configured hook's status after this pass (the seeds' inactive, active,
    failed); hooks no longer configured are forgotten."""
    hooks: dict[str, HookState] = {
        d.name: state.hooks[d.name]
        for d in config.disabled
        if d.kind == "hook" and d.name in state.hooks
    }
    for hook in config.notify.hooks:
        key = ("hook", hook.label)
        if key not in tried:
            hooks[hook.label] = state.hooks.get(hook.label, HookState())
        elif tried[key] is None:
            hooks[hook.label] = HookState(status="active", attempted_at=now)
        else:
            error = tried[key] or ""
            hooks[hook.label] = HookState(status="failed", attempted_at=now, last_error=error)
    return hooks


def send_test(
    config: Config, channel_name: str | None = None, now: datetime | None = None
) -> list[tuple[str, bool, str]]:
    """Send a test message to every channel (or the one named) within the notify
    deadline; return (name, ok, error) per channel, in config order. Raises ConfigError
    when there is no channel or no channel of that name."""
    names = channel_names(config.notify.channels)
    off = {d.name: d for d in config.disabled if d.kind == "channel"}
    if channel_name in off:
        raise ConfigError(off[channel_name].warning(config.path))
    if not names:
        if off:
            raise ConfigError([d.warning(config.path) for d in off.values()])
        raise ConfigError(f"{config.path}: notify.channels: no channel configured")
    pairs = list(zip(names, config.notify.channels, strict=True))
    if channel_name is not None:
        pairs = [(n, c) for n, c in pairs if n == channel_name]
        if not pairs:
            raise ConfigError(
                f"{config.path}: notify.channels: no channel named {channel_name!r} "
                f"(known: {', '.join(names)})"
            )
    when = now or system_clock()
    batches = [
        Batch(name, [trial_message(config, name, when)], partial(_send_to, channel))
        for name, channel in pairs
    ]
    outcomes = run_batches(batches, config.notify.deadline)
    return [
        (name, outcome.error is None, outcome.error or "")
        for (name, _), outcome in zip(pairs, outcomes, strict=True)
    ]


def _send_to(channel: Channel, message: Message, timeout: float) -> str | None:
    return send_message(channel, message, timeout)
