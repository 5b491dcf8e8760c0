"""A small GitHub Actions runner for tests: it reads a workflow file and runs its jobs'
steps in order on this machine, so a test of the publishing workflow breaks when the
workflow changes.

It supports a named subset and fails on anything else: `run:` (bash -eo pipefail),
`env:` at workflow, job and step level, `if:` with `success()`, `failure()`, `always()`,
`cancelled()`, `!`, `&&`, `||`, `==`, `!=`, `${{ secrets.X }}`, `${{ env.X }}`,
`${{ steps.ID.outputs.X }}`, `${{ needs.JOB.outputs.X }}` and `needs.JOB.result`,
`github.event.X` (the `event` given), `github.token` (a placeholder), `vars.X` (the
`vars` given), `fromJSON(...)`, `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`,
`continue-on-error`, `needs:` and job `outputs:`, `strategy.matrix` (lists, one run per
combination, or `include` entries, or an expression giving either; `${{ matrix.X }}`):
a matrix's jobs run at once, as GitHub runs them, each in its own workspace. It stands
in for the `uses:` steps it knows: checkout (a clone of the origin), setup-python (the
given Python first on PATH), upload-pages-artifact and deploy-pages (a folder each),
upload-artifact and download-artifact (a folder per name; `pattern`, `merge-multiple`).
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
KNOWN_CONTEXTS = {"secrets", "env", "steps", "needs", "matrix", "github", "runner", "vars"}
FUNCTIONS = {"fromJSON": json.loads}


class Unsupported(Exception):
    """The workflow uses something this runner does not stand in for."""


class Context(dict):
    """A context object: `a.b.c` reads nested keys; a missing key is ''."""

    def __getattr__(self, name: str) -> Any:
        value = self.get(name, self.get(name.replace("_", "-"), ""))
        return Context(value) if isinstance(value, dict) else value


def to_python(expression: str) -> str:
    """An expression of the supported subset as Python source; Unsupported otherwise."""
    tokens = re.findall(
        r"'[^']*'|&&|\|\||!=|==|!|\(|\)|[\w.-]+\(\)|[\w.-]+\(|[\w.-]+|\s+", expression
    )
    if "".join(tokens) != expression:
        raise Unsupported(f"expression {expression!r}")
    out = []
    for token in tokens:
        if token == "&&":
            out.append(" and ")
        elif token == "||":
            out.append(" or ")
        elif token == "!":
            out.append(" not ")
        elif token in ("true", "false", "null"):
            out.append({"true": "True", "false": "False", "null": "None"}[token])
        elif re.fullmatch(r"[\w.-]+\(", token):
            if token[:-1] not in FUNCTIONS:
                raise Unsupported(f"function {token})")
            out.append(token[:-1] + "_(")
        elif re.fullmatch(r"[a-z_]+\(\)", token):
            if token not in ("success()", "failure()", "always()", "cancelled()"):
                raise Unsupported(f"function {token}")
            out.append(token.replace("()", "_()"))
        elif re.fullmatch(r"[A-Za-z_][\w.-]*", token):
            if token.split(".")[0] not in KNOWN_CONTEXTS:
                raise Unsupported(f"context {token}")
            out.append(token.replace("-", "_"))
        else:
            out.append(token)
    return "".join(out)


@dataclass
class Job:
    name: str
    result: str = "skipped"
    outputs: dict[str, str] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    summary: str = ""


@dataclass
class Runner:
    """Runs one workflow on this machine. `origin` is the bare repository `checkout`
    clones; `python_bin` the folder `setup-python` puts first on PATH; `hooks` run before
    the step of that name (e.g. a person pushing during a pass)."""

    workflow: Path
    origin: Path
    home: Path
    python_bin: Path
    secrets: dict[str, str] = field(default_factory=dict)
    ref: str = "main"
    env: dict[str, str] = field(default_factory=dict)
    hooks: dict[str, Callable[[Path], None]] = field(default_factory=dict)
    event: dict[str, Any] = field(default_factory=dict)  # github.event, e.g. {"schedule": ...}
    vars: dict[str, str] = field(default_factory=dict)  # repository variables
    artifacts: Path = field(init=False)
    deployed: Path = field(init=False)
    runs: int = 0

    def __post_init__(self) -> None:
        self.data = yaml.safe_load(self.workflow.read_text(encoding="utf-8"))
        self.data["on"] = self.data.pop(True, self.data.get("on"))
        self.artifacts = self.home / "artifacts"
        self.deployed = self.home / "deployed"

    # --- jobs ---------------------------------------------------------------------

    def run(self) -> dict[str, Job]:
        """One run of the workflow: every job, in `needs:` order."""
        self.runs += 1
        shutil.rmtree(self.artifacts, ignore_errors=True)
        done: dict[str, Job] = {}
        pending = dict(self.data["jobs"])
        while pending:
            ready = [n for n, j in pending.items() if set(_needs(j)) <= set(done)]
            if not ready:
                raise Unsupported(f"jobs with unmet needs: {sorted(pending)}")
            for name in ready:
                done[name] = self._job(name, pending.pop(name), done)
        return done

    def _job(self, name: str, spec: dict, done: dict[str, Job]) -> Job:
        needs = {n: {"result": done[n].result, "outputs": done[n].outputs} for n in _needs(spec)}
        default = "success()"
        condition = spec.get("if", default)
        upstream_ok = all(done[n].result == "success" for n in _needs(spec))
        status = "success" if upstream_ok else "failure"
        context = {
            "needs": needs,
            "secrets": self.secrets,
            "env": {},
            "github": self._github(),
            "vars": self.vars,
        }
        if not self._truth(condition, status, context):
            return Job(name)
        combos = self._combos(spec.get("strategy", {}).get("matrix", {}), context)
        if len(combos) == 1:
            jobs = [self._steps(name, spec, {**context, "matrix": combos[0]})]
        else:  # a matrix: its jobs at once, as on GitHub
            with ThreadPoolExecutor(max_workers=len(combos)) as pool:
                runs = [
                    pool.submit(self._steps, name, spec, {**context, "matrix": combo})
                    for combo in combos
                ]
                jobs = [run.result() for run in runs]
        job = jobs[-1]
        job.result = "success" if all(j.result == "success" for j in jobs) else "failure"
        return job

    def _combos(self, matrix: Any, context: dict) -> list[dict]:
        if isinstance(matrix, str):  # ${{ fromJSON(...) }}
            match = EXPRESSION.fullmatch(matrix.strip())
            if match is None:
                raise Unsupported(f"matrix {matrix!r}")
            matrix = self._eval(match.group(1), context)
        if not matrix:
            return [{}]
        include = matrix.get("include", [])
        axes = {k: v for k, v in matrix.items() if k != "include"}
        if include and axes:
            raise Unsupported("a matrix with both axes and include")
        if include:
            return list(include)
        return [dict(zip(axes, values, strict=True)) for values in itertools.product(
            *axes.values())]  # fmt: skip

    def _eval(self, expression: str, context: dict) -> Any:
        names = {k: Context(v) if isinstance(v, dict) else v for k, v in context.items()}
        names.update({f"{name}_": fn for name, fn in FUNCTIONS.items()})
        return eval(to_python(expression), {"__builtins__": {}}, names)  # noqa: S307

    def _steps(self, name: str, spec: dict, context: dict) -> Job:
        job = Job(name, result="success")
        workspace = self.home / "work" / f"{self.runs}-{name}-{abs(hash(str(context)))}"
        shutil.rmtree(workspace, ignore_errors=True)
        workspace.mkdir(parents=True)
        files = workspace.parent / (workspace.name + ".files")
        files.mkdir(exist_ok=True)
        summary = files / "summary.md"
        summary.touch()
        env = {
            "HOME": str(self.home),
            "PATH": os.environ["PATH"],
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_REF_NAME": self.ref,
            "GITHUB_REPOSITORY": "owner/page",
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(files),
            "CI": "true",
            **self.env,
        }
        env.update(self._values(self.data.get("env", {}), {**context, "env": env}))
        env.update(self._values(spec.get("env", {}), {**context, "env": env}))
        for index, step in enumerate(spec["steps"]):
            step_id = step.get("id", f"_{index}")
            label = step.get("name") or step.get("uses") or step_id
            context = {**context, "steps": job.steps, "env": env}
            state = "success" if job.result == "success" else "failure"
            if not self._truth(step.get("if", "success()"), state, context):
                job.steps[step_id] = {"outcome": "skipped", "outputs": {}}
                continue
            if label in self.hooks:
                self.hooks[label](workspace)
            step_env = {**env, **self._values(step.get("env", {}), context)}
            if "uses" in step:
                step_env = env  # an action may change the job's environment (PATH)
            outcome, outputs = self._step(step, workspace, files, step_env, context, job)
            job.steps[step_id] = {"outcome": outcome, "outputs": outputs}
            if outcome == "failure" and not step.get("continue-on-error"):
                job.result = "failure"
        job.summary = summary.read_text()
        job.outputs = self._values(spec.get("outputs", {}), {**context, "steps": job.steps})
        return job

    def _github(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "ref_name": self.ref,
            "repository": "owner/page",
            "token": "github-token",
        }

    # --- steps --------------------------------------------------------------------

    def _step(self, step, workspace, files, env, context, job) -> tuple[str, dict[str, str]]:
        if "run" in step:
            output = files / "output"
            output.write_text("")
            script = self._text(step["run"], context)
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                cwd=workspace,
                env={**env, "GITHUB_OUTPUT": str(output)},
                capture_output=True,
                text=True,
                timeout=60 * float(step.get("timeout-minutes", 10)),
                check=False,
            )
            job.log.append(f"$ {step.get('name', script)}\n{done.stdout}{done.stderr}")
            return ("success" if done.returncode == 0 else "failure"), _outputs(output)
        uses = step.get("uses", "")
        action = uses.split("@")[0]
        inputs = self._values(step.get("with", {}), context)
        stand_in = STAND_INS.get(action)
        if stand_in is None:
            raise Unsupported(f"uses: {uses}")
        job.log.append(f"uses {action}")
        try:
            return "success", stand_in(self, workspace, env, inputs)
        except (OSError, subprocess.CalledProcessError) as exc:
            job.log.append(f"{action} failed: {exc}")
            return "failure", {}

    def _truth(self, condition: Any, status: str, context: dict) -> bool:
        if isinstance(condition, bool):
            return condition
        text = str(condition).strip()
        match = EXPRESSION.fullmatch(text)
        source = to_python(match.group(1) if match else text)
        names = {k: Context(v) if isinstance(v, dict) else v for k, v in context.items()}
        names.update({f"{name}_": fn for name, fn in FUNCTIONS.items()})
        names.update(
            success_=lambda: status == "success",
            failure_=lambda: status == "failure",
            always_=lambda: True,
            cancelled_=lambda: False,
        )
        return bool(eval(source, {"__builtins__": {}}, names))  # noqa: S307 - test helper

    def _text(self, value: Any, context: dict) -> str:
        def replace(match: re.Match[str]) -> str:
            names = {k: Context(v) if isinstance(v, dict) else v for k, v in context.items()}
            result = eval(to_python(match.group(1)), {"__builtins__": {}}, names)  # noqa: S307
            return "" if result is None else str(result).lower() if isinstance(
                result, bool) else str(result)  # fmt: skip

        return EXPRESSION.sub(replace, str(value))

    def _values(self, mapping: dict, context: dict) -> dict[str, str]:
        # YAML's true is the string "true" to an action, as on GitHub.
        return {
            k: str(v).lower() if isinstance(v, bool) else self._text(v, context)
            for k, v in mapping.items()
        }


def _needs(spec: dict) -> list[str]:
    needs = spec.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def _outputs(path: Path) -> dict[str, str]:
    outputs: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if "<<" in line:
            name, marker = line.split("<<", 1)
            body = []
            for item in lines:
                if item == marker:
                    break
                body.append(item)
            outputs[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


# --- the actions it stands in for -----------------------------------------------------


def _checkout(runner: Runner, workspace: Path, env: dict, inputs: dict) -> dict:
    subprocess.run(
        ["git", "clone", "-q", "--branch", runner.ref, str(runner.origin), str(workspace)],
        check=True,
        env=env,
    )
    return {}


def _setup_python(runner: Runner, workspace: Path, env: dict, inputs: dict) -> dict:
    env["PATH"] = f"{runner.python_bin}{os.pathsep}{env['PATH']}"
    return {"python-version": inputs.get("python-version", "")}


def _upload_pages(runner: Runner, workspace: Path, env: dict, inputs: dict) -> dict:
    hidden = inputs.get("include-hidden-files", "false") == "true"
    source = workspace / inputs["path"]
    if not source.is_dir():
        raise FileNotFoundError(f"upload-pages-artifact: no folder {source}")
    runner.artifacts.mkdir(parents=True, exist_ok=True)
    with tarfile.open(runner.artifacts / "github-pages.tar", "w") as tar:
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if any(part.startswith(".") for part in relative.parts) and not hidden:
                continue
            if path.is_file():
                tar.add(path, str(relative))
    return {"artifact_id": str(runner.runs)}


def _deploy_pages(runner: Runner, workspace: Path, env: dict, inputs: dict) -> dict:
    archive = runner.artifacts / "github-pages.tar"
    if not archive.is_file():
        raise FileNotFoundError("deploy-pages: no github-pages artifact in this run")
    shutil.rmtree(runner.deployed, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(runner.deployed, filter="data")
    return {"page_url": "https://owner.github.io/page/"}


def _upload_artifact(runner: Runner, workspace: Path, env: dict, inputs: dict) -> dict:
    """One folder per artifact name; a name already uploaded in this run is refused (as
    GitHub does without `overwrite`), a missing path fails with `if-no-files-found: error`."""
    source = workspace / inputs["path"]
    target = runner.artifacts / "named" / inputs["name"]
    if not source.exists() or not any(p.is_file() for p in source.rglob("*")):
        if inputs.get("if-no-files-found", "warn") == "error":
            raise FileNotFoundError(f"upload-artifact: no files in {source}")
        return {}
    if target.exists():
        raise FileExistsError(f"upload-artifact: {inputs['name']} was uploaded already")
    shutil.copytree(source, target)
    return {"artifact-id": inputs["name"]}


def _download_artifact(runner: Runner, workspace: Path, env: dict, inputs: dict) -> dict:
    """`name`, or every artifact (matching `pattern`): each in `path/<name>/`, unless there
    is one (or `merge-multiple`), which lands in `path` itself, as the action does. No
    match is no error."""
    named = runner.artifacts / "named"
    found = sorted(p.name for p in named.iterdir()) if named.is_dir() else []
    if inputs.get("name"):
        if inputs["name"] not in found:
            raise FileNotFoundError(f"download-artifact: no artifact {inputs['name']}")
        found = [inputs["name"]]
    elif inputs.get("pattern"):
        found = [name for name in found if fnmatch.fnmatchcase(name, inputs["pattern"])]
    together = len(found) == 1 or inputs.get("merge-multiple") == "true"
    for name in found:
        target = workspace / inputs.get("path", ".")
        shutil.copytree(named / name, target if together else target / name, dirs_exist_ok=True)
    return {}


STAND_INS: dict[str, Callable[[Runner, Path, dict, dict], dict]] = {
    "actions/checkout": _checkout,
    "actions/setup-python": _setup_python,
    "actions/upload-pages-artifact": _upload_pages,
    "actions/deploy-pages": _deploy_pages,
    "actions/upload-artifact": _upload_artifact,
    "actions/download-artifact": _download_artifact,
}
