"""One pass, end to end: probe, evaluate, append to the history (then later steps hang
off the same evaluation). The CLI's `probe` and `run` and the server's scheduler call this."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from statusgen.clock import Clock, iso
from statusgen.config import Config
from statusgen.health import Evaluation, evaluate
from statusgen.history import Store, merge_policy, open_store, pass_record
from statusgen.status import ProbeResult, Status

if TYPE_CHECKING:
    from statusgen.content import Content
    from statusgen.domain.state import DomainStatus
    from statusgen.notify import NotifyReport
    from statusgen.probes.order import Seen
    from statusgen.site import BuildReport


@dataclass
class PassOutcome:
    """What one pass found and wrote."""

    results: list[ProbeResult]
    evaluation: Evaluation
    history_file: Path | None = None
    warnings: list[str] = field(default_factory=list)
    notify: object | None = None
    # with [[locations]]: each location's last record (None: never), for `location` events
    last_seen: dict[str, datetime | None] | None = None

    def counts(self) -> dict[Status, int]:
        out = dict.fromkeys(Status, 0)
        for result in self.results:
            out[result.status] += 1
        return out


def tree(config: Config) -> list[tuple[str, str]]:
    """(service id, node id) pairs in display order: what evaluate() walks."""
    return [(service.id, node.id) for service, node in config.iter_nodes()]


def evaluate_results(
    config: Config, results: list[ProbeResult], extra: dict[str, Status] | None = None
) -> Evaluation:
    """Evaluate probe results (plus push/local replica statuses from the server)."""
    statuses = {result.key: result.status for result in results}
    statuses.update(extra or {})
    return evaluate(tree(config), statuses, config.health.rule)


def record_pass(
    config: Config,
    results: list[ProbeResult],
    clock: Clock,
    extra: dict[str, Status] | None = None,
) -> PassOutcome:
    """Evaluate results and append them to the history."""
    now = clock()
    evaluation = evaluate_results(config, results, extra)
    store = open_store(config)
    path = store.append(pass_record(evaluation, results, now), now)
    store.note_certificates(
        {r.key: iso(r.certificate_expires) for r in results if r.certificate_expires is not None}
    )
    return PassOutcome(results, evaluation, path, config.secret_warnings() + store.warnings)


def run_pass(
    config: Config,
    clock: Clock,
    on_result: Callable[[ProbeResult], None] | None = None,
) -> PassOutcome:
    """Probe every poll-mode replica once and record the pass."""
    return record_pass(config, probe_ordered(config, clock, on_result), clock)


def probe_ordered(
    config: Config, clock: Clock, on_result: Callable[[ProbeResult], None] | None = None
) -> list[ProbeResult]:
    """`probe_pass`, its replicas started by what the history's latest pass saw of them
    (`previous_pass`)."""
    from statusgen.probes import probe_pass

    previous = previous_pass(config, clock())
    return probe_pass(config, clock, on_result=on_result, previous=previous)


# How old the history's latest pass may be to order the next pass's replicas.
PREVIOUS_LOOK_BACK = timedelta(days=1)


def previous_pass(config: Config, now: datetime) -> dict[str, Seen]:
    """What the history's latest pass (within a day before `now`) saw of each replica:
    the probe engine starts those that took longest first (`statusgen.probes.order`). Empty
    when there is none; the history is only read, and a history that cannot be read costs
    the pass its order, never the pass (the pass's own append reports the problem).
    Nothing is written, not even a data branch's worktree (a dry run reads this too)."""
    from statusgen.probes.order import Seen

    if not config.history_dir.is_dir():
        return {}
    try:
        store = Store(config.history_dir, policy=merge_policy(config))
        records = store.last_passes(1, since=now - PREVIOUS_LOOK_BACK, until=now)
        replicas = records[-1].get("r", {}) if records else {}
        return {
            key: Seen(Status.from_code(entry[0]), None if entry[1] is None else entry[1] / 1000)
            for key, entry in replicas.items()
        }
    except Exception:  # noqa: BLE001 - the order is an optimisation; the pass goes on
        logging.getLogger("statusgen.probes").debug("no previous pass to order by", exc_info=True)
        return {}


def sync_auto(
    config: Config, content: Content, evaluation: Evaluation, now: datetime
) -> list[Path]:
    """Open and resolve automatic incidents after a recorded pass, going by what the
    flapping guard announces over each node's last few passes (this one included)."""
    from statusgen.content import auto_window, sync_auto_incidents
    from statusgen.history.recent import recent_node_statuses

    if not config.content.auto_incidents:
        return []
    recent = recent_node_statuses(open_store(config), evaluation.nodes, auto_window(config), now)
    return sync_auto_incidents(config, content, recent, now)


@dataclass
class RunOutcome:
    """What `statusgen run` did: the pass, the automatic incident files it wrote, the
    notify report and the build report (None for steps that did not run)."""

    outcome: PassOutcome
    incident_files: list[Path] = field(default_factory=list)
    notify: NotifyReport | None = None
    build: BuildReport | None = None
    domain: DomainStatus | None = None


def run_all(
    config: Config,
    clock: Clock,
    notify: bool = True,
    dry_run: bool = False,
    lock_timeout: float = 600.0,
    build: bool = True,
    on_result: Callable[[ProbeResult], None] | None = None,
    location: str | None = None,
) -> RunOutcome:
    """`statusgen run`, the cron job: probe and record a pass, open or resolve automatic
    incidents, notify, build the site. One run at a time: overlapping runs queue on a lock
    in the state folder instead of interleaving. Content is read (and validated) first, so
    a broken content file stops the run before anything is written.

    With `dry_run` the pass is probed and evaluated, notifications are only listed, and
    nothing is written (no history, incidents, notifier state or site). A run still
    waiting for the lock after `lock_timeout` seconds gives up with a LockError.
    `statusgen probe` is the same run with `build=False`.

    With `[[locations]]` configured, the run works from the locations' merge: it probes
    only as `location` (when given, recording that location's pass first), then
    notifies and opens incidents from the merged state at `now`, saying from where."""
    from statusgen.checks import check_config
    from statusgen.content import load_content
    from statusgen.files import locked, private_folder

    check_config(config)  # before the pass: a config `check` rejects writes nothing
    state = private_folder(config.resolve(config.server.state_dir))
    with locked(state / "run", timeout=lock_timeout):
        content = load_content(config)
        if config.locations:
            outcome = merged_pass(config, clock, location, dry_run, on_result)
        elif dry_run:
            results = probe_ordered(config, clock, on_result)
            evaluation = evaluate_results(config, results)
            outcome = PassOutcome(results, evaluation, warnings=config.secret_warnings())
        else:
            outcome = run_pass(config, clock, on_result=on_result)
        now = clock()
        run = RunOutcome(outcome)
        if not dry_run:
            run.incident_files = sync_auto(config, content, outcome.evaluation, now)
            if run.incident_files:
                content = load_content(config)
        if notify:
            from statusgen.notify import notify_pass  # `probe --no-notify` loads no notifier

            held = content.maintenance_nodes(config, now)
            run.notify = notify_pass(
                config,
                outcome.evaluation,
                outcome.results,
                now,
                held=held,
                dry_run=dry_run,
                last_seen=outcome.last_seen,
            )
            outcome.notify = run.notify
        if build and not dry_run:
            from statusgen.site import build_site  # `probe` loads no renderer

            run.domain = refresh_domain(config, now)
            run.build = build_site(config, now)
        return run


def merged_pass(
    config: Config,
    clock: Clock,
    location: str | None = None,
    dry_run: bool = False,
    on_result: Callable[[ProbeResult], None] | None = None,
) -> PassOutcome:
    """The pass when locations vote: this host's location pass (if any), then the merge
    of every fresh location record at `now` (what `run` and `serve` notify from)."""
    from statusgen.locations import merged_state, probe_location

    warnings = config.secret_warnings()
    path = None
    if location is not None:
        previous = previous_pass(config, clock())
        own = probe_location(
            config, clock, location, on_result=on_result, record=not dry_run, previous=previous
        )
        warnings += own.warnings
        path = own.history_file
    merged = merged_state(config, clock())
    outcome = PassOutcome(merged.results, merged.evaluation, path, warnings + merged.warnings)
    outcome.last_seen = merged.last_seen
    return outcome


def refresh_domain(config: Config, now: datetime) -> DomainStatus | None:
    """Check `page.custom_domain` (records and certificate) and record the result for the
    build; whatever happens, the pass goes on (an unexpected error is logged)."""
    if not config.page.custom_domain or not config.domain.verify:
        return None
    from statusgen.domain.verify import refresh

    try:
        return refresh(config, now)
    except Exception:  # noqa: BLE001 - a domain check must never cost the pass
        logging.getLogger("statusgen.domain").exception("the custom domain check failed")
        return None
