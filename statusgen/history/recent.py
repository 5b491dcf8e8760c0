"""The last few recorded statuses of nodes, for rules that look back a few passes (the
flapping guard of automatic incidents)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from statusgen.history.store import Store
from statusgen.status import Status

LOOK_BACK = timedelta(days=1)


def recent_node_statuses(
    store: Store, keys: Iterable[str], count: int, now: datetime
) -> dict[str, list[Status]]:
    """Each node key's statuses in the last `count` recorded passes of the last day, oldest
    first (fewer when there are fewer passes). Reads those passes from the end of the
    newest raw files only."""
    wanted = set(keys)
    window = count
    while True:  # a node missing from some passes (a push node) needs a longer look
        records = store.last_passes(window, since=now - LOOK_BACK, until=now)
        out: dict[str, list[Status]] = {key: [] for key in wanted}
        for record in records:
            for key, code in record.get("n", {}).items():
                if key in wanted:
                    out[key].append(Status.from_code(code))
        if len(records) < window or all(len(out[key]) >= count for key in wanted):
            return {key: statuses[-count:] for key, statuses in out.items()}
        window *= 4
