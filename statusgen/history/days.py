"""Whole days: the per-key aggregates the site draws and the sealed-day record.

A sealed day, `days/<date>.json`, written once and never again:
    {"schema": 2, "date": "2026-11-22", "sealed_at": "2026-11-23T02:05:00Z",
     "k": {key: [checks, healthy, sick, dead, mean ms, p95 ms]},
     "changes": {node or service key or "": [["2026-11-22T00:00:00Z", "h"], ...]},
     "sources": {writer: {"bytes": 123456, "lines": 288}}}
`changes` lists each status change of the day in time order, the day's first sample
included; `sources` says how much of each raw file the seal read, so lines written later
are known to be late.
"""

from __future__ import annotations

from datetime import datetime

from statusgen.clock import iso


def aggregate_day(lines: list[dict]) -> dict[str, list]:
    """Per key (replica, node, service, page ""): [checks, healthy, sick, dead, mean ms,
    p95 ms] over one day's pass lines."""
    # A build aggregates today's raw passes for every key: the loops are inlined.
    counts: dict[str, list[int]] = {}
    latencies: dict[str, list[int]] = {}
    column = _COLUMN.get
    for line in lines:
        for key, entry in line.get("r", {}).items():
            row = counts.get(key)
            if row is None:
                row = counts[key] = [0, 0, 0, 0]
            row[0] += 1
            row[column(entry[0], 3)] += 1
            if entry[1] is not None:
                values = latencies.get(key)
                if values is None:
                    latencies[key] = [entry[1]]
                else:
                    values.append(entry[1])
        for field in ("n", "s"):
            for key, code in line.get(field, {}).items():
                row = counts.get(key)
                if row is None:
                    row = counts[key] = [0, 0, 0, 0]
                row[0] += 1
                row[column(code, 3)] += 1
        if "p" in line:
            row = counts.setdefault("", [0, 0, 0, 0])
            row[0] += 1
            row[column(line["p"], 3)] += 1
    out: dict[str, list] = {}
    for key, (checks, healthy, sick, dead) in counts.items():
        values = sorted(latencies.get(key, ()))
        mean = round(sum(values) / len(values)) if values else None
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))] if values else None
        out[key] = [checks, healthy, sick, dead, mean, p95]
    return out


# Column of a status letter in a count row; anything unknown counts as dead.
_COLUMN = {"h": 1, "s": 2, "d": 3}


def changes_of(lines: list[dict]) -> dict[str, list[list[str]]]:
    """Per node, service and the page (""), [[time, status], ...] at each change over
    `lines` (sorted by time), the first sample included."""
    out: dict[str, list[list[str]]] = {}

    def note(key: str, at: str, code: str) -> None:
        seen = out.get(key)
        if seen is None:
            out[key] = [[at, code]]
        elif seen[-1][1] != code:
            seen.append([at, code])

    for line in lines:
        at = line["t"]
        for field in ("n", "s"):
            for key, code in line.get(field, {}).items():
                note(key, at, code)
        if "p" in line:
            note("", at, line["p"])
    return out


def sealed_record(
    day: str, lines: list[dict], sources: dict[str, dict[str, int]], sealed_at: datetime
) -> dict:
    """The sealed-day record of `day` from all its pass lines."""
    ordered = sorted(lines, key=lambda line: line["t"])
    return {
        "schema": 2,
        "date": day,
        "sealed_at": iso(sealed_at.replace(microsecond=0)),
        "k": aggregate_day(ordered),
        "changes": changes_of(ordered),
        "sources": sources,
    }
