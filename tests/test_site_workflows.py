"""The GitHub workflows parse, call commands that exist, and publish as the README says."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from statusgen.cli import main

WORKFLOWS = Path(__file__).resolve().parent.parent / ".github" / "workflows"


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads a bare `on` as true
    return data


def run_lines(data: dict) -> list[str]:
    return [
        line.strip()
        for job in data["jobs"].values()
        for step in job["steps"]
        for line in step.get("run", "").splitlines()
        if line.strip()
    ]


@pytest.mark.parametrize("name", ["status.yml", "check.yml"])
def test_every_statusgen_command_a_workflow_calls_exists(name):
    calls = [shlex.split(line) for line in run_lines(load(name)) if line.startswith("statusgen")]
    assert calls
    for argv in calls:
        command = main.commands.get(argv[1])
        assert command is not None, f"{name}: statusgen {argv[1]} does not exist"
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for arg in argv[2:]:
            if arg.startswith("-"):
                assert arg.split("=")[0] in options, f"{name}: {arg} is not an option"


def test_status_workflow_runs_on_schedule_push_and_dispatch_one_at_a_time():
    data = load("status.yml")
    assert data["on"]["schedule"] == [{"cron": "*/5 * * * *"}]
    assert data["on"]["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in data["on"]
    assert data["concurrency"]["group"] and data["concurrency"]["cancel-in-progress"] is False
    steps = data["jobs"]["status"]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    for action in (
        "actions/checkout",
        "actions/setup-python",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ):
        assert action in uses
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["cache"] == "pip"
    upload = next(s for s in steps if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "output"
    lines = run_lines(data)
    assert "statusgen run" in lines
    assert any(re.match(r"git add history config/incidents$", line) for line in lines)
    assert any("git diff --cached --quiet" in line for line in lines)  # commit only changes
    assert any("github-actions[bot]" in line for line in lines)
    assert data["permissions"] == {"contents": "write", "pages": "write", "id-token": "write"}


def test_check_workflow_validates_pull_requests():
    data = load("check.yml")
    assert "pull_request" in data["on"]
    assert "statusgen check" in run_lines(data)
    assert data["permissions"] == {"contents": "read"}
