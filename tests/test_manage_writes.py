"""How API writes land: one git commit per write, all or nothing, no interleaving, and a
config writer that keeps the person's file as they wrote it."""

from __future__ import annotations

import subprocess
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from statusgen.config import load_config
from statusgen.config_writer import add_page, remove_page, update_page
from statusgen.content import load_content
from statusgen.errors import ConfigError
from statusgen.server.manage.write import GIT_COMMIT
from tests.conftest import write_project
from tests.manage_support import MANAGE_CONFIG, Client, make_app, make_project, new_token
from tests.server_support import running_server


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture
def repo(tmp_path):
    """A project under git with one commit, as a person would have it."""
    config = make_project(tmp_path)
    (tmp_path / ".gitignore").write_text(".statusgen/\noutput/\n*.lock\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "-c", "user.name=Person", "-c", "user.email=p@example.com", "add", "-A")
    git(tmp_path, "-c", "user.name=Person", "-c", "user.email=p@example.com",
        "commit", "-q", "-m", "initial")  # fmt: skip
    return config


def test_git_commit_makes_one_commit_per_write_with_the_api_as_author(repo, clock):
    app = make_app(repo, clock)
    app.state.ctx.extras[GIT_COMMIT] = True
    api = Client(app, new_token(repo, clock))
    (repo.root / "notes.txt").write_text("someone's uncommitted work\n")

    page = api.create_page("acme")
    incident = api.open_incident(page["id"], title="Checkout errors")
    clock.advance(minutes=5)
    iid = incident["id"]
    api.post(f"/status-pages/incidents/{iid}/updates", json={"message": "Fix deployed."})
    api.patch(f"/status-pages/incidents/{iid}", json={"severity": "major"})
    api.put(f"/status-pages/{page['id']}/announcement", json={"title": "Hi", "message": "M"})
    api.patch(f"/status-pages/{page['id']}", json={"theme": "light"})
    api.delete(f"/status-pages/{page['id']}")

    log = git(repo.root, "log", "--format=%an <%ae>|%s", "-8").splitlines()
    assert [line.split("|")[0] for line in log[:7]] == ["statusgen API <api@statusgen.invalid>"] * 7
    assert [line.split("|")[1] for line in reversed(log[:7])] == [
        "api: POST /status-pages: acme",
        f"api: POST /status-pages/{page['id']}/incidents: Checkout errors",
        f"api: POST /status-pages/incidents/{iid}/updates: Checkout errors: investigating",
        f"api: PATCH /status-pages/incidents/{iid}: Checkout errors",
        f"api: PUT /status-pages/{page['id']}/announcement: Hi",
        f"api: PATCH /status-pages/{page['id']}: acme",
        f"api: DELETE /status-pages/{page['id']}: acme",
    ]
    assert log[7] == "Person <p@example.com>|initial"
    # Each commit holds exactly the files of its write.
    files = git(repo.root, "show", "--name-only", "--format=", "HEAD~5").split()
    assert files == [f"config/incidents/{iid}.md"]
    last = git(repo.root, "show", "--name-status", "--format=", "HEAD").split("\n")
    assert "D\tconfig/announcements/page-acme.md" in last
    assert "M\tconfig/statusgen.toml" in last
    status = git(repo.root, "status", "--porcelain")
    assert status.strip() == "?? notes.txt"


def test_without_git_commit_nothing_is_committed(repo, clock):
    api = Client(make_app(repo, clock), new_token(repo, clock))
    api.create_page("acme")
    assert len(git(repo.root, "log", "--oneline").splitlines()) == 1


def test_a_failing_commit_restores_every_file(repo, clock):
    hook = repo.root / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by hook' >&2\nexit 1\n")
    hook.chmod(0o755)
    app = make_app(repo, clock)
    app.state.ctx.extras[GIT_COMMIT] = True
    api = Client(app, new_token(repo, clock))
    before = repo.path.read_text()

    response = api.post("/status-pages", json={"slug": "acme", "name": "Acme"})
    assert response.status_code == 500
    assert "git commit failed" in response.json()["error"]
    assert "refused by hook" in response.json()["error"]
    assert repo.path.read_text() == before
    assert app.state.ctx.config.pages == []

    response = api.post("/status-pages/main/incidents", json={"title": "T", "message": "M"})
    assert response.status_code == 500
    assert not list((repo.root / "config/incidents").glob("*.md"))
    assert git(repo.root, "status", "--porcelain").strip() == ""


def test_concurrent_writes_from_threads_end_in_valid_files(tmp_path, clock):
    config = make_project(tmp_path)
    app = make_app(config, clock)
    token = new_token(config, clock)
    headers = {"Authorization": f"Bearer {token}"}
    with running_server(app) as base, httpx.Client(base_url=base, headers=headers) as setup:
        main = setup.post("/status-pages/main/incidents", json={"title": "Shared", "message": "0"})
        shared = main.json()["incident"]["id"]

        def writer(n: int) -> list[int]:
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                codes = [
                    client.post("/status-pages", json={"slug": f"p{n}", "name": f"P{n}"}),
                    client.post(
                        "/status-pages/main/incidents", json={"title": "Same title", "message": "x"}
                    ),
                    client.post(
                        f"/status-pages/incidents/{shared}/updates", json={"message": f"u{n}"}
                    ),
                    client.put(
                        "/status-pages/main/announcement", json={"title": f"A{n}", "message": "m"}
                    ),
                ]
                return [r.status_code for r in codes]

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(writer, range(8)))
    assert results == [[201, 201, 201, 200]] * 8
    reloaded = load_config(config.path)
    assert sorted(p.slug for p in reloaded.pages) == [f"p{n}" for n in range(8)]
    content = load_content(reloaded)
    same = [i for i in content.incidents if i.title == "Same title"]
    assert len({i.id for i in same}) == 8
    (incident,) = [i for i in content.incidents if i.id == shared]
    assert sorted(u.message for u in incident.updates) == ["0", *(f"u{n}" for n in range(8))]
    assert len(content.announcements) == 1
    leftovers = [p.name for p in tmp_path.rglob(".*.tmp")]
    assert leftovers == []


# --- the config writer --------------------------------------------------------------


def test_update_keeps_comments_and_other_keys(tmp_path):
    path = write_project(
        tmp_path,
        MANAGE_CONFIG
        + textwrap.dedent(
            """
            [[pages]]
            slug = "ops"        # the on-call page
            name = "Ops"
            services = ["api"]  # only the API

            [[pages]]
            slug = "b"
            name = "B"
            """
        ),
    )
    config = update_page(path, "ops", {"name": "Operations", "theme": "light"})
    text = path.read_text()
    assert 'slug = "ops"        # the on-call page' in text
    assert 'services = ["api"]  # only the API' in text
    assert 'name = "Operations"' in text and 'theme = "light"' in text
    assert [p.name for p in config.pages] == ["Operations", "B"]
    config = remove_page(path, "ops")
    assert [p.slug for p in config.pages] == ["b"]
    assert "# only the API" not in path.read_text()
    assert "# The page for the management API tests." in path.read_text()


def test_inline_pages_arrays_are_written_in_place(tmp_path):
    text = MANAGE_CONFIG.replace("[page]", 'pages = [{ slug = "a", name = "A" }]\n\n[page]')
    path = write_project(tmp_path, text)
    config = add_page(path, {"slug": "b", "name": "B", "services": ["web"]})
    assert [p.slug for p in config.pages] == ["a", "b"]
    assert "[[pages]]" not in path.read_text()


def test_a_change_that_makes_the_config_invalid_leaves_the_file_as_it_was(tmp_path):
    path = write_project(tmp_path, MANAGE_CONFIG)
    before = path.read_bytes()
    with pytest.raises(ConfigError) as caught:
        add_page(path, {"slug": "b", "name": "B", "services": ["ghost"]})
    assert caught.value.problems == [
        f"{path}: pages[0].services[0]: unknown service or node 'ghost'"
    ]
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.rglob("*.tmp")] == []


def test_a_hand_broken_config_is_409_and_untouched(tmp_path, clock):
    config = make_project(tmp_path)
    api = Client(make_app(config, clock), new_token(config, clock))
    config.path.write_text(config.path.read_text() + "\n[bogus]\n")
    before = config.path.read_text()
    response = api.post("/status-pages", json={"slug": "acme", "name": "Acme"})
    assert response.status_code == 409
    assert "bogus" in response.json()["error"]
    assert config.path.read_text() == before


def test_serve_git_commit_turns_commits_on(config_path_for_serve, monkeypatch):
    import uvicorn
    from click.testing import CliRunner

    from statusgen.cli import main

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(app=app))
    args = ["serve", "-c", str(config_path_for_serve)]
    assert CliRunner().invoke(main, [*args, "--git-commit"]).exit_code == 0
    assert seen["app"].state.ctx.extras[GIT_COMMIT] is True
    assert CliRunner().invoke(main, args).exit_code == 0
    assert not seen["app"].state.ctx.extras.get(GIT_COMMIT)


@pytest.fixture
def config_path_for_serve(tmp_path):
    return make_project(tmp_path).path
