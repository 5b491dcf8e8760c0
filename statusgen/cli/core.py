"""`statusgen init | check | probe`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from statusgen.checks import check_project
from statusgen.cli import config_option, main, open_config
from statusgen.clock import iso, system_clock
from statusgen.run import PassOutcome, run_all
from statusgen.scaffold import init_project
from statusgen.status import ProbeResult


@main.command()
@click.argument("directory", type=click.Path(file_okay=False), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing config.")
def init(directory: str, force: bool) -> None:
    """Scaffold a working status page in DIRECTORY."""
    written = init_project(Path(directory), force=force)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: cd {directory} && statusgen check && statusgen probe")


@main.command()
@config_option
def check(config_path: str) -> None:
    """Validate the config and content files; exit 0 when valid, 2 otherwise."""
    config = open_config(config_path)
    check_project(config)
    nodes = len(config.iter_nodes())
    replicas = sum(len(node.replicas) for _, node in config.iter_nodes())
    click.echo(
        f"{config.path}: OK ({len(config.services)} services, {nodes} nodes, {replicas} replicas)"
    )


@main.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--no-notify", is_flag=True, help="Record the pass but send no notifications.")
@click.option("--dry-run", is_flag=True, help="Print what would be notified; write nothing.")
def probe(config_path: str, as_json: bool, no_notify: bool, dry_run: bool) -> None:
    """Probe every poll-mode replica once, append to the history, notify on changes and
    print the results.

    A dead replica is data, not an error: the exit code is 0."""
    config = open_config(config_path)
    total = sum(len(n.replicas) for _, n in config.iter_nodes() if n.mode == "poll")
    options = {"notify": not no_notify, "dry_run": dry_run, "build": False}
    if sys.stderr.isatty() and not as_json and total > 20:
        with click.progressbar(length=total, label="probing", file=sys.stderr) as bar:
            run = run_all(config, system_clock, on_result=lambda _: bar.update(1), **options)
    else:
        run = run_all(config, system_clock, **options)
    outcome = run.outcome
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps(outcome_json(outcome), indent=2))
    else:
        if sys.stdout.isatty() or total <= 200:
            click.echo(format_table(outcome.results))
        click.echo(summary_line(outcome))
    if run.notify is not None and not as_json:
        for line in run.notify.lines(bodies=dry_run):
            click.echo(line)


def outcome_json(outcome: PassOutcome) -> dict:
    return {
        "page": outcome.evaluation.page.value,
        "results": [result_json(r) for r in outcome.results],
        "nodes": {k: v.value for k, v in outcome.evaluation.nodes.items()},
        "services": {k: v.value for k, v in outcome.evaluation.services.items()},
        "history_file": str(outcome.history_file) if outcome.history_file else None,
    }


def result_json(result: ProbeResult) -> dict:
    return {
        "service": result.service,
        "node": result.node,
        "replica": result.label,
        "status": result.status.value,
        "latency_ms": None if result.latency is None else round(result.latency * 1000, 1),
        "reason": result.reason,
        "attempts": result.attempts,
        "at": iso(result.at),
    }


def format_table(results: list[ProbeResult]) -> str:
    header = ("SERVICE", "NODE", "REPLICA", "STATUS", "LATENCY", "REASON")
    rows = [header] + [
        (
            r.service,
            r.node,
            r.label,
            r.status.value,
            "-" if r.latency is None else f"{r.latency * 1000:.0f} ms",
            r.reason,
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[-1]
        for row in rows
    )


def summary_line(outcome: PassOutcome) -> str:
    counts = outcome.counts()
    parts = ", ".join(f"{n} {status.value}" for status, n in counts.items())
    return f"page {outcome.evaluation.page.value}: {len(outcome.results)} replicas ({parts})"
