"""Probing as one location, and the merged state of every location at a moment.

`statusgen probe --location ID [--shard K/N]` records only that location's pass, in its
own raw files of the history (no lock, no notification: any number of locations write at
once). `statusgen run`, `build` and `serve` read the merge of whatever fresh location
records are present (`statusgen.history.locations`); `merged_state` is that merge at
`now`, in the shape notifications and automatic incidents take.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from statusgen.clock import Clock, iso, parse_iso
from statusgen.config import Config, Location
from statusgen.config.services import public_url
from statusgen.errors import ConfigError
from statusgen.health import Evaluation, evaluate
from statusgen.history import merge_at, open_store, pass_record, writer_name
from statusgen.history.lines import dumps
from statusgen.history.spool import Spool
from statusgen.status import ProbeResult, Status
from statusgen.validation import redact_userinfo

if TYPE_CHECKING:
    from statusgen.probes.order import Previous

Shard = tuple[int, int]


@dataclass
class LocationPass:
    """What `probe --location` probed and where it wrote it."""

    location: str
    shard: Shard | None
    results: list[ProbeResult]
    evaluation: Evaluation
    history_file: Path | None
    warnings: list[str]
    line: dict  # the pass line: what was appended, or what --report-to sends


def find_location(config: Config, ident: str) -> Location:
    """The `[[locations]]` entry `ident`, or a ConfigError naming the known ids."""
    found = config.location(ident)
    if found is None:
        known = ", ".join(loc.id for loc in config.locations) or "none are configured"
        raise ConfigError(
            f"{config.path}: locations: no location {ident!r}; expected one of the "
            f"[[locations]] ids ({known})"
        )
    return found


def probe_location(
    config: Config,
    clock: Clock,
    location: str,
    shard: Shard | None = None,
    on_result: Callable[[ProbeResult], None] | None = None,
    record: bool = True,
    previous: Previous | None = None,
) -> LocationPass:
    """Probe the poll replicas (of `shard` only, when given) from `location`, its
    `source_address` bound, and append the pass to its own raw files. `previous` (what
    the last pass saw) orders the replicas, as for `probe_pass`."""
    from statusgen.probes import probe_pass

    found = find_location(config, location)
    results = probe_pass(
        config,
        clock,
        on_result=on_result,
        shard=shard,
        source_address=found.source_address,
        previous=previous,
    )
    now = clock()
    evaluation = evaluate(_tree(config), {r.key: r.status for r in results}, config.health.rule)
    line = pass_record(evaluation, results, now)
    path = None
    warnings: list[str] = []
    if record:
        store = open_store(config, writer=writer_name(location, shard))
        path = store.append(line, now)
        warnings = list(store.warnings)
    return LocationPass(location, shard, results, evaluation, path, warnings, line)


class ReportError(Exception):
    """A pass `--report-to` could not deliver, with one line saying why. `retry`: the
    server may take it later (unreachable, a timeout, a lost answer, 5xx, 408, 429);
    otherwise it refused the pass itself (401, 400, 413) and a replay would be too."""

    def __init__(self, message: str, retry: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        # 401/403: this host's token, not the pass, is wrong: waiting passes stay waiting
        self.auth = status in (401, 403)


RETRY_STATUSES = frozenset({408, 425, 429})
# The passes a location keeps while the server is away: a day of passes every 5 minutes.
# Each run sends them first, oldest first, stopping at the first that does not go; more
# than this and the oldest are dropped (with a warning).
SPOOL_LIMIT = 288


def report_pass(url: str, token: str, done: LocationPass, timeout: float = 30.0) -> dict:
    """Send `done`'s pass line to a running `statusgen serve` at `url` (its base URL) as
    location `done.location`, with that location's token (see statusgen.server.locations).
    Returns the server's answer; raises ReportError naming the status and its reason."""
    return send_line(url, token, done.location, done.shard, done.line, timeout)


def send_line(
    url: str,
    token: str,
    location: str,
    shard: Shard | None,
    line: dict,
    timeout: float = 30.0,
    replay: bool = False,
) -> dict:
    """POST one pass line to `<url>/locations/<location>/passes`; see `report_pass`.
    `replay`: sent again from the spool (the server checks whether it has it already)."""
    import httpx

    from statusgen import USER_AGENT

    parts = urlsplit(url)
    target = parts._replace(path=parts.path.rstrip("/") + f"/locations/{location}/passes")
    target = urlunsplit(target)
    shown = public_url(target)  # errors never echo credentials or a query token
    try:
        response = httpx.post(
            target,
            json={
                "shard": f"{shard[0]}/{shard[1]}" if shard else None,
                "pass": line,
                **({"replay": True} if replay else {}),
            },
            headers={"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT},
            timeout=timeout,
        )
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        reason = redact_userinfo(str(exc)) or "no answer"
        raise ReportError(
            f"{shown}: cannot send the pass: {type(exc).__name__}: {reason}",
            retry=isinstance(exc, httpx.TransportError),
        ) from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code != 200 or not isinstance(answer, dict):
        reason = str(answer.get("error")) if isinstance(answer, dict) else response.text[:200]
        code = response.status_code
        raise ReportError(
            f"{shown}: HTTP {code}: {reason.strip()}",
            retry=code >= 500 or code in RETRY_STATUSES,
            status=code,
        )
    return answer


@dataclass
class Delivery:
    """What `deliver_pass` did: the answer to this run's pass (None: not delivered),
    spooled passes sent (`replayed`: of which the server had them already), refused
    ones dropped, how many still wait, and the error that stopped it."""

    answer: dict | None = None
    sent: int = 0
    replayed: int = 0
    waiting: int = 0
    spool: Path | None = None
    error: ReportError | None = None
    warnings: list[str] = field(default_factory=list)


def deliver_pass(
    url: str, token: str, done: LocationPass, spool_dir: Path, timeout: float = 30.0
) -> Delivery:
    """Send the passes this location (or shard) kept in `spool_dir` while the server was
    away, oldest first, then `done`'s; the first that cannot go for now (see
    ReportError.retry) stops the sending, and `done`'s pass joins the spool (at most
    SPOOL_LIMIT wait); a wrong token (401, 403) stops it too, leaving the spool as it
    is. A pass the server refuses (400, 413) is dropped with a warning. Sending one
    twice is harmless: the server keeps a pass's writer and time as its key and answers
    a replay without appending it again."""
    spool = Spool(spool_dir, writer_name(done.location, done.shard))
    out = Delivery(spool=spool.path)
    done_with = 0
    try:
        for raw in spool.lines():
            try:
                line = json.loads(raw)
                answer = send_line(url, token, done.location, done.shard, line, timeout, True)
            except ReportError as exc:
                if exc.retry or exc.auth:
                    out.error = exc
                    break
                out.warnings.append(f"a spooled pass was refused and is dropped: {exc}")
            except ValueError:
                out.warnings.append(f"{spool.path}: a line that is not JSON is dropped")
            else:
                out.sent += 1
                out.replayed += bool(answer.get("duplicate"))
            done_with += 1
    finally:
        spool.forget(done_with)
    if out.error is None:
        try:
            out.answer = send_line(url, token, done.location, done.shard, done.line, timeout)
        except ReportError as exc:
            out.error = exc
    if out.answer is None and out.error is not None and out.error.retry:
        try:
            dropped = spool.keep((dumps(done.line) + "\n").encode("utf-8"), limit=SPOOL_LIMIT)
        except OSError as error:
            out.warnings.append(f"{spool.path}: the pass is lost: cannot keep it: {error}")
            dropped = 0
        if dropped:
            out.warnings.append(
                f"{spool.path}: more than {SPOOL_LIMIT} passes waiting: the {dropped} "
                "oldest are dropped"
            )
    out.waiting = len(spool.lines())
    return out


@dataclass
class MergedState:
    """The locations' merge at `now`: the evaluation and one result per replica (its
    reason saying from where), each location's last record (None: never reported)."""

    evaluation: Evaluation
    results: list[ProbeResult]
    last_seen: dict[str, datetime | None]
    warnings: list[str]


def merged_state(config: Config, now: datetime) -> MergedState:
    """Each replica's vote over the locations' latest records within `stale_after`
    before `now` (records after `now` are left out)."""
    store = open_store(config)
    since = iso((now - timedelta(seconds=config.health.stale_after)).replace(microsecond=0))
    days = [day for day in store.raw_day_names() if since[:10] <= day <= now.date().isoformat()]
    store.read_days(days, dict.fromkeys(days, since))  # only the records that can vote
    latest = {
        location: {key: item for key, item in table.items() if item[0] <= iso(now)}
        for location, table in store.latest.items()
    }
    line = merge_at(iso(now.replace(microsecond=0)), latest, store.policy)
    labels = {
        f"{service.id}/{node.id}/{replica.id or ''}": replica.label or ""
        for service, node in config.iter_nodes()
        for replica in node.replicas
    }
    statuses: dict[str, Status] = {}
    results: list[ProbeResult] = []
    for key, entry in line["r"].items():
        if key not in labels:
            continue  # a replica no longer configured
        status = Status.from_code(entry[0])
        statuses[key] = status
        service, node, replica = key.split("/", 2)
        latency = None if entry[1] is None else entry[1] / 1000
        reason = entry[2] if len(entry) > 2 else "healthy from every location"
        results.append(
            ProbeResult(
                service,
                node,
                replica,
                labels[key],
                now,
                status is not Status.DEAD,
                latency,
                reason,
                status=status,
            )
        )
    evaluation = evaluate(_tree(config), statuses, config.health.rule)
    seen: dict[str, datetime | None] = {}
    for location in config.locations:
        times = [at for at, _ in latest.get(location.id, {}).values()]
        seen[location.id] = parse_iso(max(times)) if times else None
    return MergedState(evaluation, results, seen, list(store.warnings))


def _tree(config: Config) -> list[tuple[str, str]]:
    return [(service.id, node.id) for service, node in config.iter_nodes()]


def workflow_matrix(config: Config, shards: int = 1) -> dict[str, list[dict[str, object]]]:
    """The status workflow's matrix: one entry per GitHub-hosted or self-hosted location
    and shard (`location`, `shard` "K/N", `runs-on` labels). An empty `include` when no
    location runs in Actions."""
    return {
        "include": [
            {"location": location.id, "shard": f"{k}/{shards}", "runs-on": location.labels}
            for location in config.locations
            if location.runner != "external"
            for k in range(1, shards + 1)
        ]
    }
