"""Health rules as tables: replica judgement and aggregation under both rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from statusgen.health import (
    aggregate,
    aggregate_node,
    announced,
    evaluate,
    judge_load,
    judge_probe,
    judge_report,
)
from statusgen.status import Status

from .conftest import T0

H, S, D = Status.HEALTHY, Status.SICK, Status.DEAD


@pytest.mark.parametrize(
    ("ok", "latency", "expected"),
    [
        (True, 0.1, H),
        (True, 4.99, H),
        (True, 5.0, S),
        (True, 9.9, S),
        (True, 10.0, D),
        (False, 0.1, D),
        (True, None, D),
    ],
)
def test_judge_probe(ok, latency, expected):
    assert judge_probe(ok, latency, delay_sick=5, delay_dead=10) is expected


@pytest.mark.parametrize(
    ("cpu", "ram", "expected"),
    [(0.5, 0.5, H), (0.95, 0.5, S), (0.5, 0.95, S), (None, None, H), (0.9, 0.9, H)],
)
def test_judge_load(cpu, ram, expected):
    assert judge_load(cpu, ram, cpu_above=0.9, ram_above=0.9) is expected


@pytest.mark.parametrize(
    ("silent_for", "interval", "expected"),
    [(10, 0, H), (19.9, 0, H), (20, 0, D), (40, 30, H), (50, 30, D)],
)
def test_judge_report_ages_out(silent_for, interval, expected):
    now = T0 + timedelta(seconds=silent_for)
    assert judge_report(H, T0, now, delay_dead=20, interval=interval) is expected


@pytest.mark.parametrize(
    ("replicas", "replica_rule", "worst_rule"),
    [
        ([H, H, H], H, H),
        ([H, H, D], S, D),
        ([H, S, H], S, S),
        ([D, D, D], D, D),
        ([S, D], S, D),
        ([D], D, D),
        ([], H, H),
    ],
)
def test_node_rules(replicas, replica_rule, worst_rule):
    assert aggregate_node(replicas, "replica") is replica_rule
    assert aggregate_node(replicas, "worst") is worst_rule


def test_services_and_page_take_the_worst():
    assert aggregate([H, S, H]) is S
    assert aggregate([H, D, S]) is D
    assert aggregate([]) is H


def test_evaluate_walks_the_tree_and_skips_nodes_without_data():
    tree = [("web", "site"), ("web", "docs"), ("api", "push")]
    statuses = {"web/site/a": H, "web/site/b": D, "web/docs/c": H}
    result = evaluate(tree, statuses, "replica")
    assert result.nodes == {"web/site": S, "web/docs": H}
    assert result.services == {"web": S}
    assert result.page is S
    assert evaluate(tree, statuses, "worst").page is D


@pytest.mark.parametrize(
    ("passes", "dead_after", "recovered_after", "start", "expected"),
    [
        ("", 1, 2, "h", "h"),
        ("d", 1, 2, "h", "d"),
        ("d", 2, 2, "h", "h"),  # one bad pass is not announced
        ("dd", 2, 2, "h", "d"),
        ("dhd", 2, 2, "h", "h"),  # flapping never settles
        ("dh", 1, 2, "h", "d"),  # one good pass is not a recovery yet
        ("dhh", 1, 2, "h", "h"),
        ("s", 1, 2, "d", "s"),  # sick counts like dead for the streak
        ("hdh", 1, 2, "d", "d"),
        ("ss", 3, 1, "h", "h"),
    ],
)
def test_announced_replays_the_flapping_guard(passes, dead_after, recovered_after, start, expected):
    statuses = [Status.from_code(c) for c in passes]
    result = announced(statuses, dead_after, recovered_after, Status.from_code(start))
    assert result is Status.from_code(expected)
