"""The locations' vote (pure): quorum, a minority, ties, stale and silent locations, and
the rounds that turn several writers' records into the passes a page is built from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from statusgen.health import Vote, fresh_locations, merge_votes
from statusgen.history.locations import MergePolicy, combine, merge_at
from statusgen.status import Status

H, S, D = Status.HEALTHY, Status.SICK, Status.DEAD
NAMES = {"fra": "Frankfurt", "par": "Paris", "nyc": "New York"}
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def votes(*statuses: Status) -> list[Vote]:
    names = ["Frankfurt", "Paris", "New York", "Tokyo"]
    return [
        Vote(
            name, status, None if status is D else 40 + i, "connection reset" if status is D else ""
        )
        for i, (name, status) in enumerate(zip(names, statuses, strict=False))
    ]


@pytest.mark.parametrize(
    ("statuses", "quorum", "configured", "status", "reason"),
    [
        ((H, H, H), 2, 3, H, ""),
        ((H, D, H), 2, 3, S, "unreachable from Paris (1 of 3 locations): connection reset"),
        ((D, D, H), 2, 3, D, "connection reset from Frankfurt and Paris (2 of 3 locations)"),
        (
            (D, D, D),
            3,
            3,
            D,
            "connection reset from Frankfurt, Paris and New York (3 of 3 locations)",
        ),
        (
            (D, D, H),
            3,
            3,
            S,
            "unreachable from Frankfurt and Paris (2 of 3 locations): connection reset",
        ),
        # ties never reach a majority quorum
        ((D, H), 2, 2, S, "unreachable from Frankfurt (1 of 2 locations): connection reset"),
        (
            (D, D, H, H),
            3,
            4,
            S,
            "unreachable from Frankfurt and Paris (2 of 4 locations): connection reset",
        ),
        # fewer fresh locations than the quorum: never dead
        (
            (D,),
            2,
            3,
            S,
            "only 1 of 3 locations reporting; unreachable from Frankfurt: connection reset",
        ),
        ((H,), 2, 3, H, ""),
        # a quorum of 1: any location's dead is dead (one vantage point's rule)
        ((H, D, H), 1, 3, D, "connection reset from Paris (1 of 3 locations)"),
    ],
)
def test_the_vote(statuses, quorum, configured, status, reason):
    assert merge_votes(votes(*statuses), quorum, configured)[::2] == (status, reason)


def test_a_sick_minority_is_sick_and_named():
    found = merge_votes([Vote("Frankfurt", S, 5200, "slow"), Vote("Paris", H, 80)], 2, 2)
    assert found == (S, 80, "slow from Frankfurt (1 of 2 locations)")


def test_latency_is_the_median_of_the_answers():
    three = [Vote("a", H, 30), Vote("b", H, 90), Vote("c", H, 50)]
    assert merge_votes(three, 2)[1] == 50
    assert merge_votes([Vote("a", H, 30), Vote("b", H, 90)], 2)[1] == 30
    assert merge_votes([Vote("a", D, None, "x"), Vote("b", D, None, "x")], 2)[1] is None


def test_fresh_locations():
    seen = {"fra": T0, "par": T0 - timedelta(minutes=31), "nyc": None}
    assert fresh_locations(seen, T0 + timedelta(minutes=1), 1800) == {
        "fra": True,
        "par": False,
        "nyc": False,
    }


# --- rounds ----------------------------------------------------------------------------

POLICY = MergePolicy(quorum=2, stale_after=1800, names=NAMES)
KEY = "web/site/a"


def line(at: datetime, code: str, ms: int | None = 50, reason: str = "connection reset") -> dict:
    entry = [code, ms] + ([reason] if code != "h" else [])
    return {"t": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "r": {KEY: entry}, "n": {}, "s": {}, "p": code}


def test_one_merged_pass_per_round_with_the_minority_named():
    writers = {
        "fra": [line(T0, "h"), line(T0 + timedelta(minutes=5), "h")],
        "par": [line(T0, "d", None), line(T0 + timedelta(minutes=5), "d", None)],
        "nyc": [line(T0 + timedelta(seconds=20), "h", 70), line(T0 + timedelta(minutes=5), "h")],
    }
    merged = combine(writers.items(), POLICY)
    assert [m["t"] for m in merged] == ["2026-11-23T12:00:20Z", "2026-11-23T12:05:00Z"]
    assert merged[0]["r"][KEY] == [
        "s",
        50,
        "unreachable from Paris (1 of 3 locations): connection reset",
    ]
    assert merged[0]["n"] == {"web/site": "s"} and merged[0]["p"] == "s"


def test_a_stale_location_is_left_out_of_the_vote():
    # Paris said dead long ago and went silent: only Frankfurt and New York vote now.
    latest = {
        "fra": {KEY: ("2026-11-23T12:00:00Z", ["d", None, "timed out"])},
        "par": {KEY: ("2026-11-23T11:00:00Z", ["d", None, "timed out"])},
        "nyc": {KEY: ("2026-11-23T12:00:00Z", ["h", 60])},
    }
    merged = merge_at("2026-11-23T12:00:00Z", latest, POLICY)
    assert merged["r"][KEY] == ["s", 60, "unreachable from Frankfurt (1 of 2 locations): timed out"]


def test_one_location_left_is_never_dead():
    latest = {
        "fra": {KEY: ("2026-11-23T12:00:00Z", ["d", None, "timed out"])},
        "par": {KEY: ("2026-11-23T11:00:00Z", ["d", None, "timed out"])},
    }
    merged = merge_at("2026-11-23T12:00:00Z", latest, POLICY)
    assert merged["r"][KEY] == [
        "s",
        None,
        "only 1 of 3 locations reporting; unreachable from Frankfurt: timed out",
    ]


def test_all_stale_leaves_no_data_not_health_nor_death():
    latest = {"fra": {KEY: ("2026-11-23T10:00:00Z", ["d", None, "timed out"])}}
    merged = merge_at("2026-11-23T12:00:00Z", latest, POLICY)
    assert merged["r"] == {} and merged["n"] == {}


def test_a_record_after_the_time_asked_does_not_vote():
    latest = {
        "fra": {KEY: ("2026-11-23T12:10:00Z", ["d", None, "x"])},
        "par": {KEY: ("2026-11-23T12:10:00Z", ["d", None, "x"])},
    }
    assert merge_at("2026-11-23T12:00:00Z", latest, POLICY)["r"] == {}


def test_shards_of_a_location_vote_once_and_main_passes_through():
    at = T0.strftime("%Y-%m-%dT%H:%M:%SZ")
    shard1 = {"t": at, "r": {"web/site/a": ["d", None, "x"]}, "n": {}, "s": {}, "p": "d"}
    shard2 = {"t": at, "r": {"web/site/b": ["h", 9]}, "n": {}, "s": {}, "p": "h"}
    other = {"t": at, "r": {"web/site/a": ["d", None, "y"], "web/site/b": ["h", 11]}}
    main = {"t": "2026-11-23T11:00:00Z", "r": {KEY: ["h", 1]}, "n": {}, "s": {}, "p": "h"}
    merged = combine(
        [("fra.1-2", [shard1]), ("fra.2-2", [shard2]), ("par", [other]), ("main", [main])],
        POLICY,
    )
    assert merged[0] is main  # a single host's pass, as it was
    assert merged[1]["r"] == {
        "web/site/a": ["d", None, "x from Frankfurt and Paris (2 of 2 locations)"],
        "web/site/b": ["h", 9],
    }
    assert merged[1]["n"] == {"web/site": "s"}  # one of two replicas dead: the replica rule


def test_a_removed_location_still_votes_under_its_id():
    policy = MergePolicy(quorum=2, stale_after=1800, names={"fra": "Frankfurt", "nyc": "New York"})
    latest = {
        "fra": {KEY: ("2026-11-23T12:00:00Z", ["d", None, "x"])},
        "old": {KEY: ("2026-11-23T12:00:00Z", ["h", 5])},
    }
    assert merge_at("2026-11-23T12:00:00Z", latest, policy)["r"][KEY][2] == (
        "unreachable from Frankfurt (1 of 2 locations): x"
    )


def test_push_nodes_of_main_and_the_locations_merge_share_one_stream():
    policy = MergePolicy(quorum=2, stale_after=1800, names=NAMES)
    push = {
        "t": "2026-11-23T12:00:30Z",
        "r": {"app/worker/10.0.0.1": ["s", None, "load"]},
        "n": {"app/worker": "s"},
        "s": {"app": "s"},
        "p": "s",
    }
    at = "2026-11-23T12:00:00Z"
    fra = {"t": at, "r": {KEY: ["h", 20]}, "n": {"web/site": "h"}, "s": {"web": "h"}, "p": "h"}
    par = {**fra, "r": {KEY: ["h", 30]}}
    merged = combine([("main", [push]), ("fra", [fra]), ("par", [par])], policy)
    assert [m["t"] for m in merged] == [at, "2026-11-23T12:00:30Z"]
    assert merged[-1]["n"] == {"app/worker": "s", "web/site": "h"}  # every node, latest
    assert merged[-1]["s"] == {"app": "s", "web": "h"} and merged[-1]["p"] == "s"
    assert merged[-1]["r"][KEY] == ["h", 20]


@pytest.mark.parametrize("same_order", [True, False])
def test_the_merge_reads_locations_side_by_side_or_key_by_key_alike(same_order):
    # Locations that list the same replicas in the same order are read side by side; any
    # other order key by key. Both give each replica the same vote, in the same order.
    keys = [f"web/site/r{i}" for i in range(6)]
    at = "2026-11-23T12:00:00Z"
    fra = {key: (at, ["h", 10 + i]) for i, key in enumerate(keys)}
    par = {key: (at, ["h", 30 + i]) for i, key in enumerate(keys)}
    nyc = {key: (at, ["h", 20 + i]) for i, key in enumerate(keys)}
    par[keys[1]] = (at, ["d", None, "refused"])
    nyc[keys[2]] = (at, ["h", None])
    if not same_order:
        nyc = dict(reversed(nyc.items()))
    merged = merge_at(at, {"fra": fra, "par": par, "nyc": nyc}, POLICY)
    assert list(merged["r"]) == keys
    assert merged["r"][keys[0]] == ["h", 20]  # the median of 10, 30 and 20
    assert merged["r"][keys[1]] == ["s", 11, "unreachable from Paris (1 of 3 locations): refused"]
    assert merged["r"][keys[2]] == ["h", 12]  # the lower of two answers
    assert merged["n"] == {"web/site": "s"}
