"""`statusgen init | check | probe`."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from statusgen.cli import (
    allow_missing_secrets_option,
    config_option,
    main,
    open_config,
    starting,
)
from statusgen.clock import iso, system_clock

if TYPE_CHECKING:
    from statusgen.config import Config
    from statusgen.locations import LocationPass
    from statusgen.run import PassOutcome
    from statusgen.status import ProbeResult


@main.command()
@click.argument("directory", type=click.Path(file_okay=False), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing config.")
@click.option(
    "--pin",
    metavar="REQUIREMENT",
    help="What the workflows install as statusgen: git+URL@SHA, a wheel, or a pip "
    "requirement (default: where this statusgen was installed from).",
)
def init(directory: str, force: bool, pin: str | None) -> None:
    """Write a page repository in DIRECTORY: config, example content, workflows, pinned
    requirements, .gitignore (and git init)."""
    from statusgen.scaffold import PIN_FILE, init_project

    result = init_project(Path(directory), force=force, pin=pin)
    for path in result.written:
        click.echo(f"wrote {path}")
    if result.git_initialised:
        click.echo(f"initialised a git repository in {directory} (branch main)")
    click.echo(f"statusgen pinned in {PIN_FILE}: {result.pin}")
    if result.pin_note:
        click.echo(f"warning: the pin is {result.pin_note}", err=True)
    click.echo(init_message(directory))


def init_message(directory: str) -> str:
    """What to do after init: look at the page, then publish it."""
    cd = [] if directory in (".", "") else [f"cd {shlex.quote(directory)}"]
    lines = [
        "",
        "Look at the page:",
        *cd,
        "statusgen check          # validate config/statusgen.toml and the content",
        "statusgen run            # probe once and build output/ (build: no probes)",
        "open output/index.html   # or: python -m http.server -d output 8000",
        "",
        "Publish it on GitHub Pages (docs/publishing.md in the statusgen repository):",
        'git add -A && git commit -m "status page"',
        "git remote add origin https://github.com/OWNER/REPO.git && git push -u origin main",
        "Settings > Pages > Source: GitHub Actions",
        "statusgen check --list-secrets   # add each one: Settings > Secrets and variables",
    ]
    return "\n".join(f"  {line}" if line and not line.endswith(":") else line for line in lines)


@main.command()
@config_option
@allow_missing_secrets_option
@click.option(
    "--list-secrets",
    is_flag=True,
    help="Print the ${NAME}s the config uses, one a line (each one a secret for the "
    "workflow), and validate nothing.",
)
def check(config_path: str, allow_missing_secrets: bool, list_secrets: bool) -> None:
    """Validate the config and content files; exit 0 when valid, 2 otherwise."""
    if list_secrets:
        from statusgen.config.loader import read_toml, secret_references

        for name in secret_references(read_toml(Path(config_path))):
            click.echo(name)
        return
    with starting():  # all of check is its start-up
        from statusgen.checks import check_project, project_warnings

        config = open_config(config_path, allow_missing_secrets, announce=False)
        for item in config.disabled:  # local nodes too: check names every one
            click.echo(f"warning: {item.warning(config.path)}", err=True)
        check_project(config)
    for warning in project_warnings(config):
        click.echo(f"warning: {warning}", err=True)
    if config.page.custom_domain:
        from statusgen.domain.state import current

        status = current(config)
        if status is not None:
            click.echo(status.summary())
    nodes = len(config.iter_nodes())
    replicas = sum(len(node.replicas) for _, node in config.iter_nodes())
    click.echo(
        f"{config.path}: OK ({len(config.services)} services, {nodes} nodes, {replicas} replicas)"
    )


class ShardType(click.ParamType):
    """`K/N`: the K-th of N shards, 1 <= K <= N <= 1000."""

    name = "K/N"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[int, int]:
        if isinstance(value, tuple):
            return value
        number, _, count = str(value).partition("/")
        if number.isdigit() and count.isdigit() and 1 <= int(number) <= int(count) <= 1000:
            return int(number), int(count)
        self.fail(f"expected K/N with 1 <= K <= N <= 1000, like 2/4; got {value!r}", param, ctx)


location_option = click.option(
    "--location",
    metavar="ID",
    help="Probe as this [[locations]] id: only its records are written (its own history "
    "files), from its source_address.",
)


@main.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--no-notify", is_flag=True, help="Record the pass but send no notifications.")
@click.option("--dry-run", is_flag=True, help="Print what would be notified; write nothing.")
@location_option
@click.option(
    "--shard",
    type=ShardType(),
    help="With --location: probe only shard K of N (a stable 1/N of the replicas, by a "
    "hash of each replica's key).",
)
@click.option(
    "--push",
    is_flag=True,
    help="With --location and history.branch: commit the pass to the data branch and push "
    "it (a refused push is replayed and retried). Exit 1 when every push failed.",
)
@click.option(
    "--report-to",
    metavar="URL",
    help="With --location: send the pass to the statusgen serve at URL (its base URL) "
    "instead of writing it here, with the location's token; passes kept while the server "
    "was away go first. Exit 1 when this pass is refused or kept for the next run.",
)
@click.option(
    "--out",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --location: write the pass to DIR (DIR/samples/<writer>/<day>.jsonl, the "
    "history's layout) instead of the history: a workflow artifact for `statusgen data "
    "import`.",
)
@click.option(
    "--token",
    envvar="STATUSGEN_LOCATION_TOKEN",
    help="With --report-to: the location's token (statusgen token location ID on the "
    "server), or $STATUSGEN_LOCATION_TOKEN, which keeps it out of `ps`.",
)
def probe(
    config_path: str,
    as_json: bool,
    no_notify: bool,
    dry_run: bool,
    location: str | None,
    shard: tuple[int, int] | None,
    push: bool,
    report_to: str | None,
    out: Path | None,
    token: str | None,
) -> None:
    """Probe every poll-mode replica once, append to the history, notify on changes and
    print the results. With --location, only record that location's pass (no
    notifications: `statusgen run` notifies from the locations' merge).

    A dead replica is data, not an error: the exit code is 0."""
    from statusgen.run import run_all

    given = {"--shard": shard is not None, "--push": push, "--report-to": report_to, "--out": out}
    flags = [flag for flag, value in given.items() if value]
    if flags and location is None:
        raise click.UsageError(f"{flags[0]} needs --location")
    if len([flag for flag in flags if flag != "--shard"]) > 1:
        raise click.UsageError("--push, --report-to and --out: pick one way to deliver the pass")
    if report_to and not token:
        raise click.UsageError(
            "--report-to needs the location's token: --token or $STATUSGEN_LOCATION_TOKEN "
            "(statusgen token location ID prints it on the server)"
        )
    config = open_config(config_path, announce=False)  # each pass warns
    total = sum(len(n.replicas) for _, n in config.iter_nodes() if n.mode == "poll")
    if location is not None:
        if push and config.history.branch is None:
            raise click.UsageError("--push needs history.branch (the data branch) in the config")
        elsewhere = bool(report_to or out)
        done = _probe_location(config, location, shard, as_json, dry_run or elsewhere)
        if out is not None and not dry_run:
            _write_location(out, done)
        if report_to and not dry_run:
            _report_location(config, report_to, token or "", done)
        if push and not dry_run:
            _push_location(config, location, shard)
        return
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


def _probe_location(
    config: Config, location: str, shard: tuple[int, int] | None, as_json: bool, dry_run: bool
) -> LocationPass:
    from statusgen.locations import probe_location
    from statusgen.run import PassOutcome, previous_pass

    previous = previous_pass(config, system_clock())  # the history's latest pass, if any
    done = probe_location(
        config, system_clock, location, shard, record=not dry_run, previous=previous
    )
    warnings = config.secret_warnings() + done.warnings
    outcome = PassOutcome(done.results, done.evaluation, done.history_file, warnings)
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps({"location": location, **outcome_json(outcome)}, indent=2))
        return done
    if sys.stdout.isatty() or len(outcome.results) <= 200:
        click.echo(format_table(outcome.results))
    where = f"location {location}" + (f" (shard {shard[0]}/{shard[1]})" if shard else "")
    click.echo(f"{where}: {summary_line(outcome)}")
    return done


def _report_location(config: Config, url: str, token: str, done: LocationPass) -> None:
    from statusgen.files import private_folder
    from statusgen.locations import deliver_pass

    state = private_folder(config.resolve(config.server.state_dir))
    sent = deliver_pass(url, token, done, state / "report-spool")
    for warning in sent.warnings:
        click.echo(f"warning: {warning}", err=True)
    if sent.sent:
        again = f", {sent.replayed} of them already there" if sent.replayed else ""
        click.echo(f"sent {sent.sent} spooled pass(es) to {url} first{again}", err=True)
    if sent.answer is not None:
        answer = sent.answer
        click.echo(f"sent the pass of {answer['t']} to {url} as {answer['writer']}", err=True)
        return
    click.echo(f"error: {sent.error}", err=True)
    if sent.error is not None and sent.error.retry:
        click.echo(
            f"the pass is kept in {sent.spool} ({sent.waiting} waiting) and sent first by "
            "the next run",
            err=True,
        )
    raise click.exceptions.Exit(1)


def _write_location(out: Path, done: LocationPass) -> None:
    from statusgen.errors import fs_error
    from statusgen.history import write_pass, writer_name

    try:
        path = write_pass(out, writer_name(done.location, done.shard), done.line)
    except OSError as error:
        raise fs_error(out, "write the pass", error) from None
    click.echo(f"wrote the pass of {done.line['t']} to {path}", err=True)


def _push_location(config: Config, location: str, shard: tuple[int, int] | None) -> None:
    from statusgen.history.branch import push

    where = location + (f" shard {shard[0]}/{shard[1]}" if shard else "")
    stamp = system_clock().strftime("%Y-%m-%dT%H:%MZ")
    report = push(config, f"status: {where} pass at {stamp}")
    click.echo(report.message, err=True)
    if report.committed and not report.pushed and report.attempts:
        raise click.exceptions.Exit(1)


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
        "latency_ms": _ms(result.latency),
        "connect_ms": _ms(result.connect),
        "tls_ms": _ms(result.tls),
        "reason": result.reason,
        "attempts": result.attempts,
        "at": iso(result.at),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


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
