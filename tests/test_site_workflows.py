"""The GitHub workflows parse, call commands that exist, and publish as the README says."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from statusgen.cli import load_commands

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
    lines = [re.sub(r"^if ! |; then$", "", line) for line in run_lines(load(name))]
    calls = [shlex.split(line) for line in lines if line.startswith("statusgen")]
    assert calls
    for argv in calls:
        command, rest = load_commands(), argv[1:]
        while isinstance(command, click.Group):  # statusgen data push: a group's command
            command = command.commands.get(rest[0])
            assert command is not None, f"{name}: {' '.join(argv)}: no such command"
            rest = rest[1:]
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for arg in rest:
            if arg.startswith("-"):
                assert arg.split("=")[0] in options, f"{name}: {arg} is not an option"


def steps(data: dict, job: str) -> list[dict]:
    return data["jobs"][job]["steps"]


def test_status_workflow_runs_on_schedule_push_and_dispatch_one_at_a_time():
    data = load("status.yml")
    assert data["on"]["schedule"] == [{"cron": "*/5 * * * *"}, {"cron": "23 4 * * 1"}]
    assert data["on"]["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in data["on"]
    assert data["concurrency"]["group"] and data["concurrency"]["cancel-in-progress"] is False
    uses = [step.get("uses", "").split("@")[0] for step in steps(data, "status")]
    for action in ("actions/checkout", "actions/setup-python", "actions/upload-pages-artifact"):
        assert action in uses
    assert [s.get("uses", "").split("@")[0] for s in steps(data, "deploy")] == [
        "actions/deploy-pages"
    ]
    upload = next(s for s in steps(data, "status") if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"] == {"path": "output", "include-hidden-files": True}
    lines = run_lines(data)
    assert "statusgen run" in lines
    # main gets the incidents, and the history only when it is there (no data branch).
    assert "paths=(config/incidents)" in lines
    assert "if [ -d history ]; then paths+=(history); fi" in lines
    assert 'git add --all -- "${paths[@]}"' in lines
    assert any("git diff --cached --quiet" in line for line in lines)  # commit only changes
    assert any(line.startswith("if ! statusgen data push --squash") for line in lines)
    assert "github-actions[bot]" in data["jobs"]["status"]["env"]["GIT_COMMITTER_NAME"]


@pytest.mark.parametrize("name", ["status.yml", "check.yml"])
def test_workflows_install_through_the_lock_and_the_pin(name):
    lines = run_lines(load(name))
    assert "python -m pip install --require-hashes -r requirements/runtime.txt" in lines
    assert "python -m pip install --no-deps -r requirements/statusgen.txt" in lines
    assert not any("pip install -e" in line for line in lines)


@pytest.mark.parametrize("name", ["status.yml", "check.yml"])
def test_actions_are_pinned_by_commit_with_the_tag_in_a_comment(name):
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), (ref, comment)


def test_each_job_has_only_the_permissions_it_needs():
    status = load("status.yml")
    assert status["permissions"] == {}
    assert status["jobs"]["status"]["permissions"] == {"contents": "write"}
    assert status["jobs"]["probe"]["permissions"] == {"contents": "read"}  # no push
    assert "secrets." not in yaml.safe_dump(status["jobs"]["probe"])  # no notifier secret
    assert status["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    keepalive = status["jobs"]["keepalive"]
    assert keepalive["permissions"] == {"actions": "write"}
    assert keepalive["if"] == f"github.event.schedule == '{status['on']['schedule'][1]['cron']}'"
    (step,) = keepalive["steps"]
    assert step["run"].startswith("gh api --method PUT") and step["run"].endswith(
        '/actions/workflows/status.yml/enable"'
    )
    assert "secrets." not in yaml.safe_dump(keepalive)
    deploy_text = yaml.safe_dump(status["jobs"]["deploy"])
    assert "secrets." not in deploy_text  # no notifier secret reaches the deploy job
    check = load("check.yml")
    assert check["permissions"] == {}
    assert check["jobs"]["check"]["permissions"] == {"contents": "read"}


def test_the_deploy_does_not_depend_on_the_commit_back():
    data = load("status.yml")
    names = [s.get("name") or s.get("uses", "").split("@")[0] for s in steps(data, "status")]
    upload = names.index("actions/upload-pages-artifact")
    assert upload < names.index("Commit the history and automatic incidents")
    deploy = data["jobs"]["deploy"]
    assert deploy["needs"] == "status"
    assert "!cancelled()" in deploy["if"] and "needs.status.outputs.artifact" in deploy["if"]
    commit = steps(data, "status")[names.index("Commit the history and automatic incidents")]
    script = commit["run"]
    assert "for attempt in" in script and "git fetch" in script and "git rebase" in script
    assert "GITHUB_STEP_SUMMARY" in script


def test_the_deploy_is_skipped_when_the_site_is_unchanged():
    data = load("status.yml")
    names = [s.get("id") or s.get("name") for s in steps(data, "status")]
    site = steps(data, "status")[names.index("site")]
    assert site["run"] == 'statusgen data deploy-due >> "$GITHUB_OUTPUT"'
    upload = steps(data, "status")[names.index("upload")]
    assert names.index("site") < names.index("upload")
    assert upload["if"] == "steps.site.outputs.deploy == 'true'"


def test_check_workflow_validates_pull_requests_from_forks_without_secrets():
    data = load("check.yml")
    assert list(data["on"]) == ["pull_request"]  # never pull_request_target
    lines = run_lines(data)
    assert "statusgen check --allow-missing-secrets" in lines
    assert "statusgen build --allow-missing-secrets" in lines
    assert "secrets." not in (WORKFLOWS / "check.yml").read_text(encoding="utf-8")
    # The data branch comes with the checkout: no credentials needed to read the history.
    assert steps(data, "check")[0]["with"]["fetch-depth"] == 0


def test_the_workflow_runner_fails_on_what_it_does_not_stand_in_for(tmp_path):
    from tests.workflow_runner import Runner, Unsupported, to_python

    python = to_python("!cancelled() && needs.status.outputs.artifact != ''")
    assert python.split() == [
        "not",
        "cancelled_()",
        "and",
        "needs.status.outputs.artifact",
        "!=",
        "''",
    ]
    for expression in ("contains(github.ref, 'x')", "inputs.X", "a > 1", "hashFiles('x')"):
        with pytest.raises(Unsupported):
            to_python(expression)
    workflow = tmp_path / "w.yml"
    workflow.write_text("on: push\njobs:\n  a:\n    steps:\n      - uses: someone/else@v1\n")
    runner = Runner(workflow, origin=tmp_path, home=tmp_path, python_bin=tmp_path)
    with pytest.raises(Unsupported, match="someone/else@v1"):
        runner.run()


def test_the_location_matrix_is_off_by_default_and_the_status_job_runs_either_way():
    data = load("status.yml")
    probe = data["jobs"]["probe"]
    assert probe["if"] == "vars.STATUSGEN_MATRIX != ''"
    assert probe["strategy"]["fail-fast"] is False
    assert probe["strategy"]["matrix"] == "${{ fromJSON(vars.STATUSGEN_MATRIX) }}"
    assert probe["runs-on"] == "${{ matrix.runs-on }}"
    (run,) = [s["run"] for s in probe["steps"] if "run" in s and "probe" in s["run"]]
    command = 'statusgen probe --location "$LOCATION" --shard "$SHARD" --out pass'
    assert run.splitlines()[0] == command
    assert probe["steps"][0]["with"] == {"persist-credentials": False}
    (upload,) = [s for s in probe["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["with"]["path"] == "pass" and upload["with"]["if-no-files-found"] == "error"
    status = data["jobs"]["status"]
    # a failed location is just missing: the final job runs unless the run was cancelled
    assert status["needs"] == "probe" and status["if"] == "${{ !cancelled() }}"
    names = [s.get("name") for s in status["steps"]]
    download = status["steps"][names.index("Download the locations' passes")]
    assert download["with"] == {"pattern": "pass-*", "path": "passes"}
    importing = status["steps"][names.index("Import the locations' passes")]
    assert "statusgen data import passes" in importing["run"]
    assert download["if"] == importing["if"] == "vars.STATUSGEN_MATRIX != ''"
    assert names.index("Import the locations' passes") < names.index("Probe, notify and build")
