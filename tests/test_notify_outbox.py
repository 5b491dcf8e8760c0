"""The outbox's backoff and dropping rules, the persisted state and the deadline runner."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest

from statusgen.notify import outbox as box
from statusgen.notify.dispatch import Batch, run_batches
from statusgen.notify.state import NotifierState, load_state, save_state
from statusgen.notify.transitions import Track
from statusgen.status import Status
from tests.conftest import T0


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 60), (2, 120), (3, 240), (4, 480), (9, 15360), (10, 6 * 3600), (50, 6 * 3600)],
)
def test_backoff_doubles_up_to_a_cap(attempts, seconds):
    assert box.backoff(attempts) == seconds


def test_failed_item_waits_then_is_dropped_after_the_retry_limit():
    item = box.new_item("channel", "ops", "title", "body", T0)
    first = box.failed(item, "HTTP 500", T0, retry_limit=2)
    assert isinstance(first, type(item))
    assert first.attempts == 1 and first.next_attempt == T0 + timedelta(seconds=60)
    second = box.failed(first, "HTTP 500", T0, retry_limit=2)
    assert isinstance(second, type(item)) and second.attempts == 2
    third = box.failed(second, "HTTP 502", T0, retry_limit=2)
    assert isinstance(third, box.Dropped)
    assert third.reason == "gave up after 3 attempt(s), last error: HTTP 502"


def test_retry_limit_zero_drops_at_the_first_failure():
    item = box.new_item("hook", "h", "t", "{}", T0)
    assert isinstance(box.failed(item, "timed out", T0, retry_limit=0), box.Dropped)


def test_queues_are_due_by_their_oldest_message():
    old = box.failed(box.new_item("channel", "ops", "a", "1", T0), "x", T0, 5)
    assert not isinstance(old, box.Dropped)
    new = box.new_item("channel", "ops", "b", "2", T0 + timedelta(seconds=10))
    other = box.new_item("channel", "mail", "c", "3", T0)
    queues = box.queues([old, new, other])
    assert [i.title for i in queues[("channel", "ops")]] == ["a", "b"]
    assert not box.is_due(queues[("channel", "ops")], T0 + timedelta(seconds=30))
    assert box.is_due(queues[("channel", "ops")], T0 + timedelta(seconds=60))
    assert box.is_due(queues[("channel", "mail")], T0)


def test_supersede_and_forget_unknown():
    items = [
        box.new_item("hook", "h", "dead", "{}", T0),
        box.new_item("channel", "h", "same name, other kind", "x", T0),
        box.new_item("channel", "gone", "t", "x", T0),
    ]
    kept, gone = box.supersede(items, "hook", "h")
    assert [i.title for i in kept] == ["same name, other kind", "t"]
    assert [g.reason for g in gone] == ["superseded by a newer health change"]
    kept, gone = box.forget_unknown(items, channels={"h"}, hooks=set())
    assert [i.title for i in kept] == ["same name, other kind"]
    assert {g.reason for g in gone} == {
        "hook 'h' is no longer configured",
        "channel 'gone' is no longer configured",
    }


def test_state_round_trips_atomically(tmp_path):
    path = tmp_path / "history" / "notify-state.json"
    state = NotifierState(
        tracks={"web/site": Track(announced=Status.DEAD, observed=Status.DEAD, streak=2)},
        page_health=Status.DEAD,
        outbox=[box.new_item("channel", "ops", "t", "b", T0)],
    )
    save_state(path, state)
    assert load_state(path) == state
    assert [p.name for p in path.parent.iterdir()] == ["notify-state.json"]  # no temp left
    assert json.loads(path.read_text())["tracks"]["web/site"]["announced"] == "dead"


def test_missing_or_unparsable_state_starts_empty_and_is_kept_aside(tmp_path, caplog):
    assert load_state(tmp_path / "none.json") == NotifierState()
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"{not json\xff")
    assert load_state(bad) == NotifierState()
    (aside,) = (tmp_path / "corrupt").iterdir()
    assert aside.name.startswith("bad.json~") and aside.read_bytes() == b"{not json\xff"
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith(f"{bad}: notifier state damaged: not JSON (")
    assert f"the original is copied to {aside}" in line


def test_batches_stop_at_the_first_failure_and_keep_order():
    seen: list[str] = []

    def send(item: str, timeout: float) -> str | None:
        seen.append(item)
        return "HTTP 500" if item == "b" else None

    outcomes = run_batches([Batch("t", ["a", "b", "c"], send)], deadline=5)
    assert seen == ["a", "b"]
    assert (outcomes[0].sent, outcomes[0].error) == (1, "HTTP 500")


def test_a_hanging_sender_is_given_up_at_the_deadline():
    release = threading.Event()

    def hang(item: str, timeout: float) -> str | None:
        release.wait(60)  # ignores its timeout, as a stuck library call would (freed below)
        return None

    def quick(item: str, timeout: float) -> str | None:
        return None

    started = time.monotonic()
    outcomes = run_batches([Batch("slow", ["x", "y"], hang), Batch("fast", ["z"], quick)], 0.3)
    elapsed = time.monotonic() - started
    release.set()
    # Given up at the 0.3 s deadline, not after the sender's minute: a loaded runner's
    # thread start-up fits in the margin.
    assert elapsed < 5.0
    assert outcomes[0].sent == 0 and "deadline" in (outcomes[0].error or "")
    assert (outcomes[1].sent, outcomes[1].error) == (1, None)


def test_a_sender_that_raises_is_a_failure_not_a_crash():
    def boom(item: str, timeout: float) -> str | None:
        raise RuntimeError("bug")

    outcomes = run_batches([Batch("t", ["a"], boom)], deadline=2)
    assert outcomes[0].error == "RuntimeError while sending"


def test_a_record_with_a_naive_time_is_dropped_not_a_crash_later(tmp_path, caplog):
    path = tmp_path / "notify-state.json"
    good = box.new_item("hook", "h", "t", "{}", T0).model_dump(mode="json")
    naive = {**good, "id": "naive", "next_attempt": "2026-11-23T12:00:00"}
    hooks = {"h": {"status": "active", "attempted_at": "2026-11-23T12:00:00Z"}, "x": []}
    path.write_text(json.dumps({"outbox": [good, naive], "hooks": hooks, "page_health": 3}))
    state = load_state(path)
    assert [i.id for i in state.outbox] == [good["id"]]
    assert list(state.hooks) == ["h"] and state.page_health is None
    assert box.is_due(state.outbox, T0)  # compares with an aware now
    assert "dropped 3 record(s)" in caplog.text
