"""`statusgen build | run | demo` and the run pipeline, against loopback targets only."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest
from click.testing import CliRunner

from statusgen.cli import load_commands, main
from statusgen.clock import FixedClock
from statusgen.config import load_config
from statusgen.demo import FleetHandler, serving
from statusgen.errors import LockError
from statusgen.files import locked
from statusgen.run import run_all

from .conftest import T0, write_project
from .site_helpers import make_fixture


def fleet_config(port: int, auto: bool = False) -> str:
    return f"""
[page]
name = "Loopback"

[content]
auto_incidents = {"true" if auto else "false"}

[metrics.poll]
retry = 0
delay_sick = 1
delay_dead = 2

[[services]]
id = "web"
name = "Web"

  [[services.nodes]]
  id = "ok"
  label = "Fine"
  replicas = ["http://127.0.0.1:{port}/ok"]

  [[services.nodes]]
  id = "bad"
  label = "Broken"
  replicas = ["http://127.0.0.1:{port}/fail"]
"""


@pytest.fixture
def fleet():
    with serving(FleetHandler) as server:
        yield server.server_address[1]


def test_build_with_a_fixed_now(tmp_path):
    config = make_fixture(tmp_path)
    result = CliRunner().invoke(
        main, ["build", "-c", str(config.path), "--now", "2026-11-23T12:00:00Z"]
    )
    assert result.exit_code == 0, result.output
    assert f"built {config.output_dir}" in result.output
    status = json.loads((config.output_dir / "api" / "v1" / "status.json").read_text())
    assert status["generated_at"] == "2026-11-23T12:00:00Z"


def test_build_rejects_a_bad_now(tmp_path):
    config = make_fixture(tmp_path)
    result = CliRunner().invoke(main, ["build", "-c", str(config.path), "--now", "yesterday"])
    assert result.exit_code == 2
    assert "expected an ISO 8601 time" in result.output


def test_run_probes_records_and_builds(tmp_path, fleet):
    path = write_project(tmp_path, fleet_config(fleet))
    result = CliRunner().invoke(main, ["run", "-c", str(path)])
    assert result.exit_code == 0, result.output
    assert "page dead: 2 replicas (1 healthy, 0 sick, 1 dead)" in result.output
    assert len(list((tmp_path / "history" / "samples" / "main").glob("*.jsonl"))) == 1
    status = json.loads((tmp_path / "output" / "api" / "v1" / "status.json").read_text())
    assert [n["health"] for n in status["services"][0]["nodes"]] == ["healthy", "dead"]


def test_run_opens_automatic_incidents_then_builds_them(tmp_path, fleet):
    config = load_config(write_project(tmp_path, fleet_config(fleet, auto=True)), env={})
    clock = FixedClock(T0)
    run = run_all(config, clock, notify=False)
    assert [p.parent.name for p in run.incident_files] == ["incidents"]
    assert run.build is not None and run.notify is None
    html = (config.output_dir / "index.html").read_text()
    assert "Broken (Web) is down" in html


def test_a_dry_run_writes_nothing(tmp_path, fleet):
    config = load_config(write_project(tmp_path, fleet_config(fleet)), env={})
    run = run_all(config, FixedClock(T0), dry_run=True)
    assert run.build is None and run.notify is not None
    assert run.outcome.evaluation.nodes == {"web/ok": "healthy", "web/bad": "dead"}
    assert not (tmp_path / "history").exists() and not (tmp_path / "output").exists()


def test_overlapping_runs_wait_for_the_lock(tmp_path, fleet):
    config = load_config(write_project(tmp_path, fleet_config(fleet)), env={})
    with locked(config.resolve(config.server.state_dir) / "run"), pytest.raises(LockError):
        run_all(config, FixedClock(T0), notify=False, lock_timeout=0.2)
    assert not (tmp_path / "output").exists()


def test_a_broken_content_file_stops_the_run_before_probing(tmp_path, fleet):
    path = write_project(tmp_path, fleet_config(fleet))
    (tmp_path / "config" / "incidents").mkdir()
    (tmp_path / "config" / "incidents" / "bad.md").write_text("---\ntitle: [\n---\n")
    result = CliRunner().invoke(main, ["run", "-c", str(path)])
    assert result.exit_code == 2
    assert "bad.md" in result.output
    assert not (tmp_path / "history").exists()


def test_demo_builds_every_state_without_network(tmp_path):
    result = CliRunner().invoke(
        main, ["demo", "--dir", str(tmp_path), "--no-serve", "--passes", "2"]
    )
    assert result.exit_code == 0, result.output
    status = json.loads((tmp_path / "output" / "api" / "v1" / "status.json").read_text())
    statuses = {n["id"]: n["status"] for s in status["services"] for n in s["nodes"]}
    assert statuses == {
        "home": "operational",
        "docs": "degraded_performance",
        "rest": "degraded_performance",
        "search": "under_maintenance",
        "gateway": "major_outage",
    }
    assert [a["title"] for a in status["announcements"]] == ["Welcome to the statusgen demo"]
    assert status["maintenance"]["upcoming"] and status["incidents"]
    bars = (tmp_path / "output" / "index.html").read_text()
    assert "<p class=d" in bars  # seeded past days


def test_demo_run_twice_keeps_one_copy_of_each_example(tmp_path):
    def content() -> list[str]:
        config = tmp_path / "config"
        return sorted(str(p.relative_to(config)) for p in config.glob("*/*.md"))

    args = ["demo", "--dir", str(tmp_path), "--no-serve", "--passes", "1"]
    assert CliRunner().invoke(main, args).exit_code == 0
    first = content()
    (tmp_path / "config" / "incidents" / "mine.md").write_text(
        "---\ntitle: Mine\nseverity: minor\nstatus: resolved\naffected: []\n"
        "started: 2026-01-01T00:00:00Z\nresolved: 2026-01-01T01:00:00Z\n---\n\nDone.\n"
    )
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert len(first) == 4
    assert content() == sorted([*first, "incidents/mine.md"])  # no -2 copies; mine kept
    status = json.loads((tmp_path / "output" / "api" / "v1" / "status.json").read_text())
    assert [a["title"] for a in status["announcements"]] == ["Welcome to the statusgen demo"]
    assert len(status["maintenance"]["upcoming"]) == 1


def test_demo_serves_the_site(tmp_path, monkeypatch):
    # The command serves until interrupted: stand in for Ctrl-C once it is up.
    from statusgen import demo
    from statusgen.cli import site

    seen = {}

    def interrupt():
        url = f"http://127.0.0.1:{seen['port']}/"
        seen["page"] = urllib.request.urlopen(url, timeout=5).read().decode()
        raise KeyboardInterrupt

    real_serving = demo.serving

    def spy(handler, port=0, **kw):
        server = real_serving(handler, port, **kw)
        return _Spy(server, seen)

    monkeypatch.setattr(demo, "serving", spy)
    monkeypatch.setattr(site, "wait_for_interrupt", interrupt)
    result = CliRunner().invoke(
        main, ["demo", "--dir", str(tmp_path), "--passes", "1", "--port", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "Demo Status" in seen["page"]
    assert "stopped" in result.output


class _Spy:
    def __init__(self, manager, seen):
        self.manager, self.seen = manager, seen

    def __enter__(self):
        server = self.manager.__enter__()
        self.seen["port"] = server.server_address[1]
        return server

    def __exit__(self, *exc):
        return self.manager.__exit__(*exc)


def test_commands_are_registered():
    for name in ("build", "run", "demo"):
        assert name in load_commands().commands


def test_build_says_each_history_warning_once(tmp_path):
    config = make_fixture(tmp_path)
    raw = sorted((config.history_dir / "samples").rglob("*.jsonl"))[-1]
    with raw.open("a") as handle:
        handle.write("not a pass\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "statusgen",
            "build",
            "-c",
            str(config.path),
            "--now",
            "2026-11-23T22:00:00Z",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [
        line for line in result.stderr.splitlines() if "not a pass" in line or raw.name in line
    ]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"warning: {raw}: line ")


def test_history_records_a_command_did_not_print_are_logged_after_it(caplog):
    import logging

    from statusgen.cli import history_log_held

    log = logging.getLogger("statusgen.history")
    with caplog.at_level(logging.WARNING), history_log_held() as printed:
        log.warning("printed by the command")
        log.warning("not printed")
        printed.add("printed by the command")
        assert caplog.messages == []
    assert caplog.messages == ["not printed"]
