"""`statusgen init` writes a page repository that builds and publishes on its own, and
`check` tells what its workflow needs (secrets) and what will not work on a runner."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import statusgen.scaffold as scaffold
from statusgen.cli import main
from statusgen.config import load_config
from statusgen.scaffold import default_pin, init_project, normalise_pin

ROOT = Path(__file__).resolve().parent.parent


def test_init_writes_a_self_sufficient_page_repository(tmp_path):
    result = CliRunner().invoke(
        main, ["init", str(tmp_path / "site"), "--pin", "git+https://x/s@abc"]
    )
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    # A new page keeps its history on the data branch; the rest of its config is the
    # example's.
    config = (site / "config/statusgen.toml").read_text()
    assert config.replace('branch = "status-data"', "", 1) != config
    assert load_config(site / "config/statusgen.toml").history.branch == "status-data"
    lines = [line for line in config.splitlines() if not line.startswith("branch = ")]
    assert lines == (ROOT / "config/statusgen.toml").read_text().splitlines()
    assert not (site / "history").exists()  # nothing of the history on main
    for name in (
        "config/incidents/2026-11-18-api-latency-elevated.md",
        ".github/workflows/status.yml",
        ".github/workflows/check.yml",
        "requirements/runtime.txt",
        ".gitattributes",
    ):
        assert (site / name).read_bytes() == (ROOT / name).read_bytes(), name
    assert "statusgen @ git+https://x/s@abc\n" in (site / "requirements/statusgen.txt").read_text()
    ignored = (site / ".gitignore").read_text().splitlines()
    assert "/output" in ignored and "/.statusgen/" in ignored and "/.status-data/" in ignored
    assert (site / ".git").is_dir()
    branch = subprocess.run(
        ["git", "-C", str(site), "symbolic-ref", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert branch.stdout.strip() == "main"  # the branch the workflows run on
    assert "initialised a git repository" in result.output
    # The closing message: how to look at the page, then how to publish it.
    for line in (
        "cd ",
        "statusgen check",
        "open output/index.html",
        "Settings > Pages > Source: GitHub Actions",
        "statusgen check --list-secrets",
    ):
        assert line in result.output, line


def test_init_inside_a_repository_does_not_make_another(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    done = init_project(tmp_path / "status", pin="statusgen==0.1.0")
    assert not done.git_initialised and not (tmp_path / "status" / ".git").exists()


def test_init_keeps_an_existing_gitignore(tmp_path):
    (tmp_path / ".gitignore").write_text("mine\n")
    init_project(tmp_path, pin="statusgen==0.1.0")
    assert (tmp_path / ".gitignore").read_text() == "mine\n"


@pytest.mark.parametrize(
    ("pin", "expected"),
    [
        ("git+https://github.com/o/statusgen@0123abc", "statusgen @ git+https://github.com/o/statusgen@0123abc"),
        ("https://example.com/statusgen-1.0-py3-none-any.whl", "statusgen @ https://example.com/statusgen-1.0-py3-none-any.whl"),
        ("statusgen==1.0", "statusgen==1.0"),
        ("statusgen @ git+https://x/y@1", "statusgen @ git+https://x/y@1"),
        ("/wheels/statusgen-1.0-py3-none-any.whl", "statusgen @ file:///wheels/statusgen-1.0-py3-none-any.whl"),
    ],
)  # fmt: skip
def test_a_pin_becomes_a_requirement(pin, expected):
    assert normalise_pin(pin) == expected


class FakeDistribution:
    def __init__(self, origin: dict | None) -> None:
        self.origin = origin

    def read_text(self, name: str) -> str | None:
        return None if self.origin is None else json.dumps(self.origin)


@pytest.mark.parametrize(
    ("origin", "pin", "noted"),
    [
        (
            {"url": "https://x/statusgen", "vcs_info": {"vcs": "git", "commit_id": "f00"}},
            "statusgen @ git+https://x/statusgen@f00",
            False,
        ),
        (
            {"url": "https://e.com/statusgen-0.1.0-py3-none-any.whl", "archive_info": {}},
            "statusgen @ https://e.com/statusgen-0.1.0-py3-none-any.whl",
            False,
        ),
        (
            {"url": "file:///tmp/statusgen-0.1.0-py3-none-any.whl", "archive_info": {}},
            "statusgen @ file:///tmp/statusgen-0.1.0-py3-none-any.whl",
            True,
        ),
        (None, "statusgen @ git+https://github.com/statusgen/statusgen@v0.1.0", True),
    ],
)  # fmt: skip
def test_the_default_pin_is_where_statusgen_was_installed_from(monkeypatch, origin, pin, noted):
    monkeypatch.setattr(scaffold.metadata, "distribution", lambda name: FakeDistribution(origin))
    found, note = default_pin()
    assert found == pin and (note is not None) == noted


def test_the_default_pin_of_a_checkout_is_its_origin_at_its_commit(monkeypatch, tmp_path):
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(tmp_path), *args], capture_output=True, text=True)
        return done.stdout.strip()

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "x")
    git("remote", "add", "origin", "git@github.com:owner/statusgen.git")
    origin = {"url": tmp_path.as_uri(), "dir_info": {"editable": True}}
    monkeypatch.setattr(scaffold.metadata, "distribution", lambda name: FakeDistribution(origin))
    commit = git("rev-parse", "HEAD")
    assert default_pin() == (
        f"statusgen @ git+https://github.com/owner/statusgen.git@{commit}",
        None,
    )


CONFIG = """
[page]
name = "P"
url = "https://status.example.com/"
[notify]
channels = [{{ name = "ops", url = "${{SLACK_WEBHOOK}}" }}]
hooks = [{{ label = "h", target = "https://h.example.com/", secret = "${{HOOK_SECRET}}" }}]
[[services]]
id = "web"
name = "Web"
  [[services.nodes]]
  id = "site"
  label = "Site"
  replicas = ["https://user:${{SITE_PASSWORD}}@example.com/", {replica}]
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    config = tmp_path / "config" / "statusgen.toml"
    config.parent.mkdir()
    config.write_text(CONFIG.format(replica='"tcp://127.0.0.1:1"'))
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_WEBHOOK", "HOOK_SECRET", "SITE_PASSWORD", "RUNNER_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    return config


def test_check_lists_the_secrets_the_config_uses_without_needing_them(project):
    result = CliRunner().invoke(main, ["check", "--list-secrets"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["SLACK_WEBHOOK", "HOOK_SECRET", "SITE_PASSWORD"]


def test_check_fails_on_a_missing_secret_unless_allowed(project):
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert "environment variable SLACK_WEBHOOK is not set" in result.output
    result = CliRunner().invoke(main, ["check", "--allow-missing-secrets"])
    assert result.exit_code == 0, result.output
    for name in ("SLACK_WEBHOOK", "HOOK_SECRET", "SITE_PASSWORD"):
        assert f"environment variable {name} is not set" in result.output
    result = CliRunner().invoke(main, ["build", "--allow-missing-secrets"])
    assert result.exit_code == 0, result.output
    assert "${" not in (project.parent.parent / "output" / "api/v1/status.json").read_text()


def test_check_warns_about_icmp_on_a_github_hosted_runner(project, monkeypatch):
    project.write_text(CONFIG.format(replica='"icmp://192.0.2.1"'))
    monkeypatch.setenv("SLACK_WEBHOOK", "json://127.0.0.1/x")
    monkeypatch.setenv("HOOK_SECRET", "hook-secret")
    monkeypatch.setenv("SITE_PASSWORD", "pass")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "ICMP" not in result.output  # self-hosted runners and other machines may ping
    monkeypatch.setenv("RUNNER_ENVIRONMENT", "github-hosted")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "web/site: icmp://192.0.2.1: GitHub-hosted runners cannot ping" in result.output


def test_the_example_config_pings_nothing():
    from statusgen.config import load_config

    config = load_config(ROOT / "config" / "statusgen.toml")
    urls = [replica.url for _, node in config.iter_nodes() for replica in node.replicas]
    assert urls and not any(url.startswith("icmp://") for url in urls)
