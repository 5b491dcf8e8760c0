"""Merging what several locations recorded into the passes the page is built from.

Each location writes its own raw files (`samples/<id>/`, or `samples/<id>.<K>-<N>/` for
shard K of N), never a merged record. Reading merges them, in rounds: a round is what
the writers recorded until one of them records again; it closes with one merged pass at
the time of its last line, over each location's latest entry of each replica recorded
within `stale_after` before that time (`statusgen.health.merge_votes` decides each
replica). Lines of the `main` writer (a single host) pass through unmerged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import chain, repeat
from typing import Any

from statusgen.clock import iso, parse_iso
from statusgen.health import Vote, evaluate, merge_votes
from statusgen.status import Status

MAIN = "main"
# location -> replica key -> (ISO time, entry) of its latest record
Latest = dict[str, dict[str, tuple[str, list]]]


@dataclass(frozen=True)
class MergePolicy:
    """The vote's settings, from the config: `names` maps location ids to public names in
    config order (a location no longer configured is named by its id)."""

    quorum: int = 2
    stale_after: float = 1800.0
    names: dict[str, str] = field(default_factory=dict)
    rule: str = "replica"

    def name(self, location: str) -> str:
        return self.names.get(location, location)

    def order(self, location: str) -> tuple[int, str]:
        keys = list(self.names)
        return (keys.index(location), "") if location in keys else (len(keys), location)


def location_of(writer: str) -> str:
    """The location a writer folder belongs to: `fra` for `fra` and `fra.2-4`."""
    return writer.split(".", 1)[0]


def writer_name(location: str, shard: tuple[int, int] | None = None) -> str:
    """The writer folder of a location's pass (`fra`), or of one shard of it (`fra.2-4`);
    shard 1/1 is the whole location."""
    return location if shard is None or shard[1] == 1 else f"{location}.{shard[0]}-{shard[1]}"


def combine(
    by_writer: Iterable[tuple[str, list[dict]]], policy: MergePolicy, latest: Latest | None = None
) -> list[dict]:
    """Every pass line to read from the raw lines of several writers, oldest first: the
    `main` writer's as they are, the locations' merged. `latest`, when given, is filled
    with each location's latest entry per replica (for the page's per-location table)."""
    plain: list[dict] = []
    events: list[tuple[str, str, dict]] = []
    for writer, lines in by_writer:
        if writer == MAIN:
            plain.extend(lines)
        else:
            events.extend((line["t"], writer, line) for line in lines)
    if not events:
        return sorted(plain, key=_time)
    state: Latest = {}
    merged = merge_rounds(events, policy, state)
    if latest is not None:  # keep the newer entry: an older day may be read later
        for location, table in state.items():
            known = latest.setdefault(location, {})
            for key, (at, entry) in table.items():
                if key not in known or known[key][0] < at:
                    known[key] = (at, entry)
    return overlay(sorted(plain, key=_time), merged, policy) if plain else merged


def overlay(plain: list[dict], merged: list[dict], policy: MergePolicy) -> list[dict]:
    """`main` passes (push and local replicas, a single host's probes) and the locations'
    merged passes as one stream, oldest first: each line carries the other stream's
    latest line (within `stale_after`), the locations' merge winning on the replicas it
    covers, so the latest line always holds every node."""
    events = sorted([(line["t"], 0, line) for line in plain] + [(m["t"], 1, m) for m in merged])
    out: list[dict] = []
    last: list[dict | None] = [None, None]
    for at, source, line in events:
        last[source] = line
        floor = iso(parse_iso(at) - timedelta(seconds=policy.stale_after))
        main, located = (x if x is not None and x["t"] >= floor else None for x in last)
        if main is None or located is None:
            out.append(line)
            continue
        replicas = {k: v for k, v in main.get("r", {}).items() if k not in located["r"]}
        replicas.update(located["r"])
        nodes = {k: v for k, v in main.get("n", {}).items() if k not in located["n"]}
        nodes.update(located["n"])
        services: dict[str, str] = {}
        for key, code in nodes.items():
            service = key.split("/", 1)[0]
            services[service] = max(services.get(service, "h"), code, key=_RANK.__getitem__)
        page = max(services.values(), key=_RANK.__getitem__, default="h")
        out.append({"t": at, "r": replicas, "n": nodes, "s": services, "p": page})
    return out


_RANK = {"h": 0, "s": 1, "d": 2}


def merge_rounds(events: list[tuple[str, str, dict]], policy: MergePolicy, latest: Latest) -> list:
    """The merged passes of (time, writer, line) events, one per round."""
    events.sort(key=lambda event: event[0])
    merged: list[dict] = []
    seen: set[str] = set()
    last = ""
    for at, writer, line in events:
        if writer in seen:
            merged.append(merge_at(last, latest, policy))
            seen.clear()
        seen.add(writer)
        last = at
        table = latest.setdefault(location_of(writer), {})
        entries = line.get("r", {})
        timed = zip(repeat(at), entries.values(), strict=False)  # (at, entry) per key
        table.update(zip(entries, timed, strict=False))
    merged.append(merge_at(last, latest, policy))
    return merged


def fresh_votes(latest: Latest, at: str, stale_after: float) -> dict[str, list[tuple[str, list]]]:
    """Per replica key, (location, entry) of each location whose latest entry for it was
    recorded within `stale_after` seconds before `at` (and not after it)."""
    by_key: dict[str, list[tuple[str, list]]] = {}
    for location, column in _fresh_columns(latest, at, stale_after):
        for key, entry in column.items():
            by_key.setdefault(key, []).append((location, entry))
    return by_key


def _fresh_columns(latest: Latest, at: str, stale_after: float) -> list[tuple[str, dict]]:
    """Per location, its entries recorded within `stale_after` before `at`, by key. A
    location's entries share the times of its few passes: each time is judged once."""
    floor = iso(parse_iso(at) - timedelta(seconds=stale_after))
    columns = []
    for location, table in latest.items():
        window: dict[str, bool] = {}
        column: dict[str, list] = {}
        for key, (when, entry) in table.items():
            fresh = window.get(when)
            if fresh is None:
                fresh = window[when] = floor <= when <= at
            if fresh:
                column[key] = entry
        columns.append((location, column))
    return columns


def merge_at(at: str, latest: Latest, policy: MergePolicy) -> dict:
    """One merged pass line at `at`."""
    columns = _fresh_columns(latest, at, policy.stale_after)
    # The voters in config order, by public name: a vote lists its locations that way.
    voters = [
        (policy.name(location), column)
        for location, column in sorted(columns, key=lambda pair: policy.order(pair[0]))
    ]
    configured = len(policy.names)
    replicas: dict[str, list[Any]] = {}
    statuses: dict[str, Status] = {}
    healthy = Status.HEALTHY
    for key, found in _rows([column for _, column in columns]):
        if found is None:  # a location says sick or dead: the vote, in full
            status, latency, reason = _vote(key, voters, policy.quorum, configured)
            replicas[key] = [status.code, latency] + ([reason] if status is not healthy else [])
            statuses[key] = status
            continue
        if None in found:
            found = [latency for latency in found if latency is not None]
        ordered = sorted(found)
        replicas[key] = ["h", ordered[(len(ordered) - 1) // 2] if ordered else None]
        statuses[key] = healthy
    # Ids hold no "/": a replica key's node is all before its last one.
    nodes = {key.rpartition("/")[0] for key in statuses}
    tree = sorted(tuple(node.split("/", 1)) for node in nodes)
    evaluation = evaluate(tree, statuses, policy.rule)  # type: ignore[arg-type]
    return {
        "t": at,
        "r": replicas,
        "n": {key: status.code for key, status in evaluation.nodes.items()},
        "s": {key: status.code for key, status in evaluation.services.items()},
        "p": evaluation.page.code,
    }


def _rows(columns: list[dict[str, list]]) -> Iterable[tuple[str, Sequence | None]]:
    """Each replica key (in the locations' order) with the latencies of its healthy
    entries, or None when a location says it is sick or dead. Locations usually report
    the same replicas in the same order: then the columns are read side by side, in C,
    rather than looked up key by key."""
    if not columns:
        return
    first = columns[0]
    if all(list(column) == list(first) for column in columns[1:]):
        voted = {key for column in columns for key, entry in column.items() if entry[0] != "h"}
        latencies = [[entry[1] for entry in column.values()] for column in columns]
        for key, found in zip(first, zip(*latencies, strict=True), strict=True):
            yield key, (None if key in voted else found)
        return
    for key in dict.fromkeys(chain(*columns)):
        entries = [column[key] for column in columns if key in column]
        if all(entry[0] == "h" for entry in entries):
            yield key, [entry[1] for entry in entries]
        else:
            yield key, None


def _vote(
    key: str, voters: list[tuple[str, dict]], quorum: int, configured: int
) -> tuple[Status, int | None, str]:
    """`merge_votes` over the fresh locations' entries for `key`."""
    votes = [
        Vote(name, Status.from_code(entry[0]), entry[1], entry[2] if len(entry) > 2 else "")
        for name, column in voters
        if (entry := column.get(key)) is not None
    ]
    return merge_votes(votes, quorum, configured)


def _time(line: dict) -> str:
    return line["t"]
