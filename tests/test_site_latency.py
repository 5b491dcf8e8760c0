"""A node's 24 h response times (statusgen/site/latency.py): compact, read as pairs."""

from __future__ import annotations

from datetime import timedelta

from statusgen.history import HistoryView
from statusgen.site.latency import Points, node_latency

from .conftest import T0


def test_points_read_as_the_tuple_of_pairs_they_hold():
    times = [T0 - timedelta(minutes=5 * i) for i in (2, 1, 0)]
    pairs = tuple(zip(times, [120, 2**70, 80], strict=True))  # one too big for 64 bits
    points = Points(times, [120, 2**70, 80])
    assert tuple(points) == pairs and points == pairs and len(points) == 3
    assert points[-1] == (T0, 80) and points[1:] == pairs[1:]
    assert Points() == () and not Points()


def line(at, ms_a, ms_b, code="h"):
    return {
        "t": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "r": {"web/site/a": [code, ms_a], "web/site/b": [code, ms_b]},
        "n": {"web/site": code},
    }


def test_a_node_reads_the_mean_of_its_replicas_that_answered_each_pass():
    at = [T0 - timedelta(minutes=5 * i) for i in (3, 2, 1, 0)]
    lines = [line(at[0], 100, 201), line(at[1], None, 50), line(at[2], None, None, "d")]
    lines.append(line(at[3], 7, None))
    view = HistoryView(lines, {})
    both = node_latency(view, ["web/site/a", "web/site/b"], T0)
    assert tuple(both) == ((at[0], 150), (at[1], 50), (at[3], 7))  # round(150.5) == 150
    assert tuple(node_latency(view, ["web/site/a"], T0)) == ((at[0], 100), (at[3], 7))
    assert tuple(node_latency(view, [], T0)) == ()
    # Replicas answering different passes: grouped by time.
    view = HistoryView([*lines, {"t": "2026-11-23T11:58:00Z", "r": {"web/site/b": ["h", 9]}}], {})
    mixed = node_latency(view, ["web/site/a", "web/site/b"], T0)
    assert [ms for _, ms in mixed] == [150, 50, 9, 7]
