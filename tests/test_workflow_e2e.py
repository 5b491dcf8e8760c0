"""The publishing workflow end to end on real git: a bare origin, a page repository made
by `statusgen init`, and `.github/workflows/status.yml` run pass after pass by
tests/workflow_runner.py (so this breaks when the workflow changes), with a person
pushing an edit of an automatic incident during a pass. Both layouts: the history on the
data branch (what `init` writes) and on main (a config without history.branch)."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.install_support import build_wheel, fresh_venv, run
from tests.workflow_runner import Runner

pytestmark = pytest.mark.timeout(600)
STEP = "Commit the history and automatic incidents"
DATA_STEP = "Commit the status data"
BOT = "github-actions[bot]"


class Target(BaseHTTPRequestHandler):
    """A replica whose health the test switches, and a notifier endpoint."""

    up = False
    notified: list[dict] = []
    peers: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        Target.peers.append(self.client_address[0])
        self.send_response(200 if Target.up else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Target.notified.append(json.loads(body or b"{}"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def target():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Target)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Target.up, Target.notified, Target.peers = False, [], []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def git(cwd: Path, *args: str) -> str:
    return run("git", "-C", cwd, *args, cwd=cwd).stdout.strip()


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=A Person", "-c", "user.email=p@example.com",
        "commit", "-q", "-m", message)  # fmt: skip


@pytest.fixture(scope="module")
def runner_python(tmp_path_factory):
    """A wheel of this checkout and the runner's Python (a fresh venv), shared by both
    layouts."""
    home = tmp_path_factory.mktemp("runner")
    wheel = build_wheel(home)
    return wheel, fresh_venv(home / "venv", None, with_pip=True)


@pytest.fixture(params=["status-data", "main"])
def page(request, tmp_path_factory, target, runner_python):
    """origin (bare) holding a page made by `statusgen init`, with one node probing
    `target`, automatic incidents on and a notifier URL that comes from a secret; its
    history on the data branch (as init writes it) or on main (the key removed)."""
    home = tmp_path_factory.mktemp("e2e")
    wheel, env = runner_python
    origin = home / "origin.git"
    run("git", "init", "-q", "--bare", "-b", "main", origin, cwd=home)
    local = home / "page"
    run(sys.executable, "-m", "statusgen", "init", local, "--pin", wheel, cwd=home)
    config = local / "config" / "statusgen.toml"
    text = config.read_text().split("[[services]]", 1)[0]
    assert 'branch = "status-data"' in text
    if request.param == "main":
        text = "\n".join(li for li in text.splitlines() if not li.startswith("branch =")) + "\n"
    text = text.replace("[history]", "[content]\nauto_incidents = true\n\n[history]")
    text += f"""
[notify]
channels = [{{ name = "ops", url = "${{NOTIFY_URL}}" }}]
recovered_after_passes = 1

[[services]]
id = "web"
name = "Website"
  [[services.nodes]]
  id = "site"
  label = "Landing page"
  replicas = ["{target}/health"]
  retry = 0
"""
    config.write_text(text)
    for old in (local / "config").glob("*/*.md"):  # the example's content names its nodes
        old.unlink()
    # The documented way to pass a secret: one line in the env of the probe step.
    workflow = local / ".github" / "workflows" / "status.yml"
    lines = workflow.read_text().replace(
        "          # SLACK_WEBHOOK: ${{ secrets.SLACK_WEBHOOK }}\n",
        "          # SLACK_WEBHOOK: ${{ secrets.SLACK_WEBHOOK }}\n"
        "          NOTIFY_URL: ${{ secrets.NOTIFY_URL }}\n",
    )
    assert "NOTIFY_URL" in lines
    workflow.write_text(lines)
    commit_all(local, "status page")
    git(local, "remote", "add", "origin", str(origin))
    git(local, "push", "-q", "origin", "main")
    # The runner's `sleep` is instant: the backoff is there, the test need not wait for it.
    fake = home / "fake-bin"
    fake.mkdir()
    (fake / "sleep").write_text("#!/bin/sh\nexit 0\n")
    (fake / "sleep").chmod(0o755)
    runner = Runner(
        workflow=workflow,
        origin=origin,
        home=home,
        python_bin=Path(env["PATH"].split(":", 1)[0]),
        secrets={"NOTIFY_URL": f"json://{target.removeprefix('http://')}/notify"},
        env={"PATH": f"{fake}:/usr/local/bin:/usr/bin:/bin"},
    )
    return runner, origin, home, request.param


def at_origin(origin: Path, *args: str) -> str:
    return git(origin, *args)


def passes_at_origin(origin: Path, ref: str) -> int:
    files = at_origin(origin, "ls-tree", "-r", "--name-only", ref, "history/samples")
    return sum(
        len(at_origin(origin, "show", f"{ref}:{name}").splitlines()) for name in files.split()
    )


def runner_commits_on_main(origin: Path) -> list[list[str]]:
    """The files each of the runner's commits on main touched."""
    log = at_origin(
        origin, "log", "main", "-F", f"--author={BOT}", "--format=tformat:@", "--name-only"
    )
    return [chunk.split() for chunk in log.split("@")[1:]]


def incident_at_origin(origin: Path) -> tuple[str, str]:
    (name,) = at_origin(origin, "ls-tree", "--name-only", "main", "config/incidents/").split()
    return name, at_origin(origin, "show", f"main:{name}")


def test_passes_commit_back_around_a_person_and_always_deploy(page):
    runner, origin, home, ref = page

    # Pass 1: the site is down: an automatic incident opens, the notifier hears of it.
    jobs = runner.run()
    assert jobs["status"].result == "success", "\n".join(jobs["status"].log)
    assert jobs["deploy"].result == "success"
    assert passes_at_origin(origin, ref) == 1
    name, text = incident_at_origin(origin)
    assert "auto: web/site" in text and "resolved" not in text
    assert Target.notified, "the secret did not reach statusgen run"
    assert (runner.deployed / "index.html").is_file()

    # Pass 2: the site is back, and while the runner probes, a person adds an update to
    # the same incident file and pushes first.
    Target.up = True

    def person_pushes(workspace: Path) -> None:
        clone = home / "person"
        run("git", "clone", "-q", origin, clone, cwd=home)
        incident = clone / name
        incident.write_text(incident.read_text() + "\nA person's note: the host was rebooted.\n")
        commit_all(clone, "incident: a note")
        git(clone, "push", "-q", "origin", "main")

    def writer_pushes(workspace: Path) -> None:
        # Another writer of the data branch (a probe location) pushes first: the pass's
        # push is refused, fetches, replays itself on top and pushes.
        clone = home / "writer"
        run("git", "clone", "-q", "--branch", "status-data", origin, clone, cwd=home)
        (clone / "another-writer.txt").write_text("kept\n")
        commit_all(clone, "another writer")
        git(clone, "push", "-q", "origin", "status-data")

    runner.hooks[STEP] = person_pushes
    if ref == "status-data":
        runner.hooks[DATA_STEP] = writer_pushes
    jobs = runner.run()
    runner.hooks.clear()
    assert jobs["status"].result == "success", "\n".join(jobs["status"].log)
    assert jobs["deploy"].result == "success"
    assert passes_at_origin(origin, ref) == 2  # no pass lost
    _, text = incident_at_origin(origin)
    assert "A person's note: the host was rebooted." in text  # the person's edit wins
    if ref == "status-data":
        assert at_origin(origin, "show", "status-data:another-writer.txt") == "kept"

    # Pass 3: the runner re-applies what the person's edit displaced: the resolution.
    jobs = runner.run()
    assert jobs["status"].result == "success", "\n".join(jobs["status"].log)
    assert passes_at_origin(origin, ref) == 3
    _, text = incident_at_origin(origin)
    assert "A person's note: the host was rebooted." in text and "resolved" in text

    # The deployed site is the whole build, hidden files included.
    (workspace,) = (p for p in (home / "work").glob("3-status-*") if p.suffix != ".files")
    built = {p.relative_to(workspace / "output") for p in (workspace / "output").rglob("*")}
    deployed = {p.relative_to(runner.deployed) for p in runner.deployed.rglob("*")}
    assert built == deployed and Path(".nojekyll") in deployed
    assert json.loads((runner.deployed / "api/v1/status.json").read_text())
    if ref == "status-data":
        # main: nothing of the history; the runner committed only incident files there.
        assert not at_origin(origin, "ls-tree", "main", "history")
        touched = runner_commits_on_main(origin)
        assert touched and all(
            name.startswith("config/incidents/") for names in touched for name in names
        ), touched
        record = json.loads(at_origin(origin, "show", "status-data:deployed.json"))
        assert set(record) == {"hash", "deployed_at"}

    # Pass 4: pushing is refused (branch protection): the site is deployed all the same
    # and the job summary says what happened.
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho protected >&2\nexit 1\n")
    hook.chmod(0o755)
    (runner.deployed / "index.html").unlink()
    Target.up = False  # the page changes: this pass deploys whatever the deploy record says
    jobs = runner.run()
    assert jobs["status"].result == "failure"
    assert jobs["status"].steps["upload"]["outcome"] == "success"
    assert jobs["deploy"].result == "success"
    assert (runner.deployed / "index.html").is_file()
    assert "deployed but" in jobs["status"].summary
    assert passes_at_origin(origin, ref) == 3


@pytest.mark.parametrize("page", ["status-data"], indirect=True)
def test_the_location_matrix_probes_at_once_and_the_final_job_imports_and_merges(page):
    """Four jobs at once (three locations, one in two shards), each a real `statusgen probe
    --location` from its own loopback address, passing its pass to the final job as an
    artifact folder. One location's job dies before uploading; one shard's artifact is
    cut short. The final job imports what arrived, merges, notifies, builds, commits the
    data branch once and deploys."""
    runner, origin, home, ref = page
    clone = home / "maintainer"
    run("git", "clone", "-q", origin, clone, cwd=home)
    config = clone / "config" / "statusgen.toml"
    config.write_text(
        config.read_text()
        + "".join(
            f'\n[[locations]]\nid = "gh{n}"\nname = "Runner {n}"\n'
            f'source_address = "127.0.0.{n + 1}"\n'
            for n in (1, 2, 3)
        )
    )
    commit_all(clone, "probe from three runners")
    git(clone, "push", "-q", "origin", "main")
    matrix = [("gh1", "1/2"), ("gh1", "2/2"), ("gh2", "1/1"), ("gh3", "1/1")]  # 4 at once
    include = [{"location": x, "shard": k, "runs-on": ["ubuntu-latest"]} for x, k in matrix]
    runner.vars["STATUSGEN_MATRIX"] = json.dumps({"include": include})

    def artifacts_go_wrong(workspace: Path) -> None:
        (path,) = (workspace / "pass").glob("samples/*/*.jsonl")
        line = json.loads(path.read_text())
        if path.parent.name.startswith("gh2"):  # the runner dies before the upload
            path.unlink()
        elif path.parent.name.startswith("gh1") and not line["r"]:
            path.write_text(path.read_text()[:-9])  # the shard without the replica, cut

    runner.hooks["Upload the pass"] = artifacts_go_wrong
    jobs = runner.run()
    runner.hooks.clear()
    assert jobs["probe"].result == "failure"  # gh2's job
    for name in ("status", "deploy"):
        assert jobs[name].result == "success", "\n".join(jobs[name].log)
    log = "\n".join(jobs["status"].log)
    assert "an unfinished last line" in log and "the folder is quarantined" in log
    assert "imported 2 pass(es) from 3 folder(s) (0 already in the history, 1 quarantined)" in log
    assert {"127.0.0.2", "127.0.0.4"} <= set(Target.peers)  # each from its own address

    samples = at_origin(origin, "ls-tree", "-r", "--name-only", ref, "history/samples")
    writers = {path.split("/")[2] for path in samples.split()}
    assert "gh3" in writers and len(writers) == 2  # gh3 and the shard of gh1 with the replica
    assert not any(w.startswith(("gh2", "main")) for w in writers)
    corrupt = at_origin(origin, "ls-tree", "-r", "--name-only", ref, "history/corrupt/imports")
    assert corrupt.count("/samples/gh1.") == 1
    subjects = at_origin(origin, "log", "--format=%s", ref).splitlines()
    assert [x for x in subjects if x.startswith("status: ")] == subjects[:1]  # one, for all
    document = json.loads((runner.deployed / "api/v1/status.json").read_text())
    node = document["services"][0]["nodes"][0]
    assert node["probe"] == "dead"  # 2 of 3 configured locations: a quorum
    health = {x["name"]: x["health"] for x in node["locations"]}
    assert health["Runner 1"] == health["Runner 3"] == "dead" and health.get("Runner 2") != "dead"
    assert any("(2 of 2 locations)" in json.dumps(n) for n in Target.notified)
    assert (runner.deployed / "index.html").is_file()
