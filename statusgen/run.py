"""One pass, end to end: probe, evaluate, append to the history (then later steps hang
off the same evaluation). The CLI's `probe` and `run` and the server's scheduler call this."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from statusgen.clock import Clock
from statusgen.config import Config
from statusgen.health import Evaluation, evaluate
from statusgen.history import open_store, pass_record
from statusgen.status import ProbeResult, Status


@dataclass
class PassOutcome:
    """What one pass found and wrote."""

    results: list[ProbeResult]
    evaluation: Evaluation
    history_file: Path | None = None
    warnings: list[str] = field(default_factory=list)
    notify: object | None = None

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
    return PassOutcome(results, evaluation, path, list(store.warnings))


def run_pass(
    config: Config,
    clock: Clock,
    on_result: Callable[[ProbeResult], None] | None = None,
) -> PassOutcome:
    """Probe every poll-mode replica once and record the pass."""
    from statusgen.probes import probe_pass

    results = probe_pass(config, clock, on_result=on_result)
    return record_pass(config, results, clock)
