"""Transition rules: when a node's status change is announced, as tables of passes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from statusgen.config import NotifySettings
from statusgen.notify.transitions import (
    Track,
    advance,
    announced_health,
    health_changed,
    node_of,
    step,
)
from statusgen.status import Status
from tests.conftest import T0

H, S, D = Status.HEALTHY, Status.SICK, Status.DEAD
PASS = timedelta(minutes=2)


def run(statuses: list[Status], rules: NotifySettings, held: list[bool] | None = None):
    """Feed one status per pass (2 minutes apart); return the kinds announced per pass."""
    track: Track | None = None
    kinds = []
    for index, status in enumerate(statuses):
        is_held = bool(held and held[index])
        track, transition = step(track, status, T0 + index * PASS, rules, is_held, "web/site")
        kinds.append(transition.kind if transition else None)
    return kinds


@pytest.mark.parametrize(
    ("statuses", "dead_after", "recovered_after", "expected"),
    [
        # dead once, no repeat, then recovered after two healthy passes (default)
        ([H, D, D, D, H, H], 1, 2, [None, "dead", None, None, None, "recovered"]),
        # one healthy pass in the middle of an outage is not a recovery (flapping guard)
        ([D, H, D, H, H], 1, 2, ["dead", None, None, None, "recovered"]),
        # a single dead pass is not announced when two are required
        ([H, D, H, D, D, H], 2, 1, [None, None, None, None, "dead", "recovered"]),
        # recovered after one pass when configured so
        ([D, H, D, H], 1, 1, ["dead", "recovered", "dead", "recovered"]),
        # sick is announced like dead, and dead after sick is a new announcement
        ([S, S, D, H], 1, 1, ["sick", None, "dead", "recovered"]),
        # dead then sick is announced (sick, was dead), then the recovery
        ([D, S, H], 1, 1, ["dead", "sick", "recovered"]),
        # healthy from the start: nothing to say, ever
        ([H, H, H], 1, 1, [None, None, None]),
        # a first pass already dead is news (no state yet means healthy was announced)
        ([D], 1, 2, ["dead"]),
    ],
)
def test_announcements_follow_the_flapping_guard(statuses, dead_after, recovered_after, expected):
    rules = NotifySettings(dead_after_passes=dead_after, recovered_after_passes=recovered_after)
    assert run(statuses, rules) == expected


@pytest.mark.parametrize(
    ("interval", "backoff", "minutes_of_passes", "expected_reminders_at"),
    [
        # every 10 minutes, no backoff: at 10, 20, 30
        (600, 1.0, range(0, 32, 2), [10, 20, 30]),
        # backoff 2: gaps 10, 20, 40 minutes -> 10, 30, 70
        (600, 2.0, range(0, 72, 2), [10, 30, 70]),
        # no reminder_interval: never
        (None, 1.0, range(0, 60, 2), []),
    ],
)
def test_reminders_while_still_dead(interval, backoff, minutes_of_passes, expected_reminders_at):
    rules = NotifySettings(reminder_interval=interval, reminder_backoff=backoff)
    track, first = step(None, D, T0, rules, key="k/n")
    assert first and first.kind == "dead"
    reminders = []
    for minute in list(minutes_of_passes)[1:]:
        track, transition = step(track, D, T0 + timedelta(minutes=minute), rules, key="k/n")
        if transition:
            assert transition.kind == "reminder"
            reminders.append((minute, transition.reminder, transition.duration))
    assert [m for m, _, _ in reminders] == expected_reminders_at
    assert [n for _, n, _ in reminders] == list(range(1, len(expected_reminders_at) + 1))
    assert [d for _, _, d in reminders] == [m * 60.0 for m in expected_reminders_at]


def test_recovery_carries_the_outage_duration_from_first_unhealthy_to_first_healthy():
    rules = NotifySettings(recovered_after_passes=2)
    track, _ = step(None, S, T0, rules)  # sick at 12:00, announced
    track, _ = step(track, D, T0 + timedelta(minutes=5), rules)
    track, _ = step(track, H, T0 + timedelta(minutes=14), rules)  # first healthy
    track, recovered = step(track, H, T0 + timedelta(minutes=16), rules)
    assert recovered is not None
    assert recovered.kind == "recovered"
    assert recovered.worst is D
    assert recovered.outage_since == T0
    assert recovered.since == T0 + timedelta(minutes=14)
    assert recovered.duration == 14 * 60
    assert track.announced is H and track.outage_since is None


def test_held_node_announces_nothing_and_resumes_after_the_window():
    rules = NotifySettings(reminder_interval=60)
    statuses = [D, D, D, D, H, H]
    held = [True, True, True, False, False, False]
    # dead during maintenance: silent; still dead once the window ends: announced then
    assert run(statuses, rules, held) == [None, None, None, "dead", None, "recovered"]


def test_held_node_that_recovers_inside_the_window_says_nothing():
    rules = NotifySettings(recovered_after_passes=1)
    assert run([D, D, H, H], rules, [True, True, True, False]) == [None, None, None, None]


def test_reminders_pause_under_maintenance():
    rules = NotifySettings(reminder_interval=60)
    track, _ = step(None, D, T0, rules)
    track, reminder = step(track, D, T0 + timedelta(minutes=5), rules, held=True)
    assert reminder is None
    _, reminder = step(track, D, T0 + timedelta(minutes=7), rules, held=False)
    assert reminder is not None and reminder.kind == "reminder"


def test_advance_keeps_silent_keys_forgets_removed_ones_and_holds_replicas_by_node():
    rules = NotifySettings()
    tracks = {
        "push/agent": Track(announced=D, observed=D, streak=3),
        "gone/node": Track(announced=D, observed=D, streak=3),
    }
    statuses = {"web/site": D, "web/site/edge-1": D, "api/gw": D}
    out, transitions = advance(tracks, statuses, T0, rules, held={"web/site"}, known={"push/agent"})
    assert set(out) == {"web/site", "web/site/edge-1", "api/gw", "push/agent"}
    assert [t.key for t in transitions] == ["api/gw"]


def test_state_survives_a_restart_so_nothing_is_announced_twice():
    rules = NotifySettings()
    tracks, first = advance({}, {"web/site": D}, T0, rules)
    reloaded = {k: Track.model_validate_json(t.model_dump_json()) for k, t in tracks.items()}
    _, second = advance(reloaded, {"web/site": D}, T0 + PASS, rules)
    assert [t.kind for t in first] == ["dead"] and second == []


@pytest.mark.parametrize(
    ("announced", "held", "expected"),
    [
        ({"a/x": H, "b/y": H}, set(), H),
        ({"a/x": S, "b/y": H}, set(), S),
        ({"a/x": S, "b/y": D}, set(), D),
        ({"a/x": S, "b/y": D}, {"b/y"}, S),
        ({}, set(), H),
    ],
)
def test_announced_health_is_the_worst_announced_node_outside_maintenance(
    announced, held, expected
):
    tracks = {k: Track(announced=s) for k, s in announced.items()}
    assert announced_health(tracks, list(announced), held) is expected


@pytest.mark.parametrize(
    ("previous", "current", "changed"),
    [(None, H, False), (None, D, True), (H, H, False), (H, S, True), (D, H, True), (D, D, False)],
)
def test_health_changed(previous, current, changed):
    assert health_changed(previous, current) is changed


def test_node_of():
    assert node_of("web/site/edge-1") == "web/site"
    assert node_of("web/site") == "web/site"
