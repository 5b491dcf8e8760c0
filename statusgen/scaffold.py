"""`statusgen init`: write a page repository that builds and publishes on its own.

It gets the example page (config and content), the workflows, the locked runtime
requirements, a pin of statusgen itself (`requirements/statusgen.txt`, what the workflows
install), a `.gitignore` and, when it is not in a git repository yet, `git init`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from statusgen import __version__
from statusgen.errors import StatusgenError
from statusgen.resources import scaffold_sources

PROJECT_REPO = "https://github.com/statusgen/statusgen"
PIN_FILE = "requirements/statusgen.txt"
GITIGNORE = """\
# Built by statusgen build/run and published by the workflow: not committed. A symlink
# to the current version (docs/failure-behaviour.md), hence no trailing slash.
/output
# Tokens and live state of statusgen serve: keep out of git.
/.statusgen/
# The data branch's worktree (history.branch): its own branch, never committed on main.
/.status-data/
*.lock
__pycache__/
"""


@dataclass
class InitResult:
    written: list[Path] = field(default_factory=list)
    pin: str = ""
    pin_note: str | None = None  # why the pin may not install on a runner
    git_initialised: bool = False


def init_project(target: Path, force: bool = False, pin: str | None = None) -> InitResult:
    """Write the page repository into `target`. Refuses to overwrite an existing config
    unless `force`. `pin` is a requirement for statusgen (`git+URL@SHA`, a wheel's path
    or URL, or any pip requirement); by default, where the running statusgen came from."""
    config = target / "config" / "statusgen.toml"
    if config.exists() and not force:
        raise StatusgenError(f"{config}: already exists; use --force to overwrite")
    sources = scaffold_sources()
    missing = [str(path) for path in sources.values() if not path.exists()]
    if missing:
        raise StatusgenError(
            f"this statusgen install lacks its example page ({', '.join(missing)}); "
            "reinstall it from a wheel or a checkout of the statusgen repository"
        )
    result = InitResult()
    for dest, source in sources.items():
        files = [source] if source.is_file() else sorted(source.rglob("*"))
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                relative = Path(dest) if source.is_file() else Path(dest) / path.relative_to(source)
                out = target / relative
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, out)
                result.written.append(out)
    result.pin, result.pin_note = (normalise_pin(pin), None) if pin else default_pin()
    pin_file = target / PIN_FILE
    pin_file.write_text(
        "# statusgen itself, pinned: the workflows install exactly this, after the locked\n"
        "# dependencies in requirements/runtime.txt. Upgrading: docs/publishing.md.\n"
        f"{result.pin}\n",
        encoding="utf-8",
    )
    result.written.append(pin_file)
    _use_data_branch(target / "config" / "statusgen.toml")
    gitignore = target / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(GITIGNORE, encoding="utf-8")
        result.written.append(gitignore)
    result.git_initialised = _git_init(target)
    return result


DATA_BRANCH = "status-data"


def _use_data_branch(config: Path) -> None:
    """A new page keeps its history on the `status-data` branch (docs/history.md): one
    line under `[history]`, so main gets no commit per pass."""
    text = config.read_text(encoding="utf-8")
    line = (
        f'branch = "{DATA_BRANCH}"   # history and notifier state on their own branch, '
        "checked out in .status-data/\n"
    )
    if "\n[history]\n" in text:
        text = text.replace("\n[history]\n", f"\n[history]\n{line}", 1)
    else:
        text += f"\n[history]\n{line}"
    config.write_text(text, encoding="utf-8")


def normalise_pin(pin: str) -> str:
    """`git+URL@SHA`, a URL or a wheel's path become `statusgen @ ...`; a requirement
    that names its project (`statusgen==1.0`, `statusgen @ ...`) stays as it is."""
    pin = pin.strip()
    if pin.startswith(("git+", "http://", "https://", "file:")):
        return f"statusgen @ {pin}"
    path = Path(pin).expanduser()
    if path.suffix == ".whl" or path.exists():
        return f"statusgen @ {path.resolve().as_uri()}"
    return pin


def default_pin() -> tuple[str, str | None]:
    """Where the running statusgen was installed from (PEP 610's direct_url.json), as a
    requirement, and a note when that cannot be installed on a GitHub runner."""
    try:
        text = metadata.distribution("statusgen").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        text = None
    origin = json.loads(text) if text else {}
    url = origin.get("url", "")
    vcs = origin.get("vcs_info")
    if vcs and vcs.get("vcs") == "git":
        return f"statusgen @ git+{url}@{vcs['commit_id']}", None
    if "archive_info" in origin and not url.startswith("file:"):
        return f"statusgen @ {url}", None
    if "dir_info" in origin and url.startswith("file:"):
        checkout = _checkout_pin(Path(urlsplit(url).path))
        if checkout:
            return checkout, None
    if url.startswith("file:"):
        return (
            f"statusgen @ {url}",
            "a file on this machine: a GitHub runner cannot install it; "
            "run statusgen init --pin git+URL@SHA",
        )
    return (
        f"statusgen @ git+{PROJECT_REPO}@v{__version__}",
        f"where this statusgen came from is unknown: guessed tag v{__version__}; "
        "run statusgen init --pin git+URL@SHA to choose",
    )


def _checkout_pin(folder: Path) -> str | None:
    """A checkout with a remote `origin`: its URL at the commit checked out."""

    def git(*args: str) -> str | None:
        done = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else None

    try:
        remote, commit = git("remote", "get-url", "origin"), git("rev-parse", "HEAD")
    except OSError:
        return None
    if not remote or not commit:
        return None
    if remote.startswith("git@") and ":" in remote:  # git@github.com:owner/repo.git
        host, _, repo = remote[4:].partition(":")
        remote = f"https://{host}/{repo}"
    return f"statusgen @ git+{remote}@{commit}"


def _git_init(target: Path) -> bool:
    """`git init -b main` unless `target` is inside a repository already (or git is
    missing: the page still works, only unversioned)."""
    try:
        inside = subprocess.run(
            ["git", "-C", str(target), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            check=False,
        )
        if inside.returncode == 0:
            return False
        subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True
