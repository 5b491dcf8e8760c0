"""The data branch: the history and notifier state on a git branch of their own
(`history.branch`, e.g. `status-data`), checked out in a worktree folder of its own
(`history.worktree`), so `main` gets no commit per pass. All of statusgen's git plumbing
lives here; docs/history.md ("The data branch") describes the layout and the API.

- `ensure_worktree(config)`: the worktree, created on first use (after a fresh clone): the
  branch is fetched from `origin`, or started empty when no one has it yet.
- `push(config, message)`: commit what changed in the worktree and push it. The branch is
  append-only: a rejected push fetches, replays this writer's own commits on top
  (`rebase --onto`, JSON Lines merged by union) and retries, a bounded number of times.
- `squash(config, now)`: once a day (when the branch's oldest commit is from an earlier
  UTC day), replace the branch by one commit of the same tree, pushed with
  `--force-with-lease` so a writer's concurrent push is never overwritten.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from statusgen.config import Config
from statusgen.errors import StatusgenError

REMOTE = "origin"
# The branch's own attributes: raw passes are append-only, so two writers' lines merge by
# keeping both (a rebase never stops on them).
ATTRIBUTES = "# Raw passes are append-only: merging keeps both sides' lines.\n*.jsonl merge=union\n"
FALLBACK_IDENTITY = ["-c", "user.name=statusgen", "-c", "user.email=statusgen@localhost"]
# A replayed commit's own version wins on a conflict (the notifier state, the deploy
# record, meta.json: their writer's latest), except a sealed day: written once, so the
# first one pushed stays.
UPSTREAM_WINS = ("history/days/",)


@dataclass(frozen=True)
class DataBranch:
    """Where the data branch of a project is: `repo` is the project's git work tree."""

    repo: Path
    branch: str
    worktree: Path

    @property
    def tracking(self) -> str:
        return f"refs/remotes/{REMOTE}/{self.branch}"


@dataclass
class PushReport:
    """What `push` did: `committed` (a new commit), `pushed` (the remote has it),
    `attempts` (pushes tried) and a one-line `message`."""

    committed: bool = False
    pushed: bool = False
    attempts: int = 0
    message: str = ""


class GitError(StatusgenError):
    """A git command failed (the message names it and quotes git)."""


def _git(cwd: Path, *args: str, check: bool = True, env: dict | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(cwd), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})},
    )
    if check and done.returncode != 0:
        raise GitError(f"git {' '.join(args[:2])} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout.strip() if done.returncode == 0 else ""


def _ok(cwd: Path, *args: str) -> tuple[bool, str]:
    done = subprocess.run(
        ["git", "-C", str(cwd), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_EDITOR": "true"},
    )
    return done.returncode == 0, (done.stderr or done.stdout).strip()


def data_branch(config: Config) -> DataBranch | None:
    """The config's data branch, or None when the history is on the checked-out branch
    (no `history.branch`)."""
    if not config.history.branch:
        return None
    worktree = Path(os.path.abspath(config.resolve(config.history.worktree)))
    top = _git(config.root, "rev-parse", "--show-toplevel", check=False)
    if not top:
        raise StatusgenError(
            f"{config.path}: history.branch = {config.history.branch!r} keeps the history "
            f"on a git branch, but {config.root.resolve()} is not in a git repository; "
            "expected `git init` first (or remove history.branch)"
        )
    return DataBranch(Path(top), config.history.branch, worktree)


def _identity(repo: Path) -> list[str]:
    if os.environ.get("GIT_COMMITTER_EMAIL") or _git(repo, "config", "user.email", check=False):
        return []
    return FALLBACK_IDENTITY


def _has_remote(repo: Path) -> bool:
    return bool(_git(repo, "remote", "get-url", REMOTE, check=False))


def _ref(repo: Path, ref: str) -> str | None:
    return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False) or None


def fetch(data: DataBranch) -> bool:
    """Fetch the branch from `origin` into its remote-tracking ref. False when `origin`
    has no such branch (or there is no `origin`); GitError when fetching fails otherwise
    and nothing was fetched before."""
    if not _has_remote(data.repo):
        return False
    spec = f"+refs/heads/{data.branch}:{data.tracking}"
    ok, message = _ok(data.repo, "fetch", "--quiet", "--no-tags", REMOTE, spec)
    if ok:
        return True
    if "couldn't find remote ref" in message:
        return False
    if _ref(data.repo, data.tracking):  # offline: what was fetched before will do
        return True
    raise GitError(f"cannot fetch the data branch {data.branch!r} from {REMOTE}: {message}")


def ensure_worktree(config: Config) -> Path | None:
    """The data branch's worktree folder, created on first use; None without a data
    branch. Cheap when it exists (no git command runs)."""
    if not config.history.branch:
        return None
    worktree = Path(os.path.abspath(config.resolve(config.history.worktree)))
    if (worktree / ".git").is_file():
        return worktree
    data = data_branch(config)
    assert data is not None
    if worktree.is_dir() and not _holds_data(worktree):
        shutil.rmtree(worktree)  # only lock files (a lock taken before first use)
    if worktree.exists():
        raise StatusgenError(
            f"{config.path}: history.worktree: {config.history.worktree!r} exists and is not "
            f"a checkout of the data branch {data.branch!r}; expected an empty or missing "
            "folder (move it away)"
        )
    if not _ref(data.repo, f"refs/heads/{data.branch}"):
        if fetch(data):
            _git(data.repo, "branch", "--no-track", data.branch, data.tracking)
        else:
            _start_branch(data)
    _git(data.repo, "worktree", "prune")
    _git(data.repo, "worktree", "add", "--quiet", str(worktree), data.branch)
    _exclude(data)
    return worktree


def _holds_data(folder: Path) -> bool:
    return any(p.name != ".lock" and not p.is_dir() for p in folder.rglob("*"))


def _start_branch(data: DataBranch) -> None:
    """A new branch with one commit: its .gitattributes."""
    blob = subprocess.run(
        ["git", "-C", str(data.repo), "hash-object", "-w", "--stdin"],
        input=ATTRIBUTES, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    tree = subprocess.run(
        ["git", "-C", str(data.repo), "mktree"],
        input=f"100644 blob {blob}\t.gitattributes\n", capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    message = "status data: the history on its own branch (docs/history.md)"
    commit = _git(data.repo, *_identity(data.repo), "commit-tree", tree, "-m", message)
    _git(data.repo, "branch", data.branch, commit)


def _exclude(data: DataBranch) -> None:
    """Keep the worktree out of the main branch's `git add -A` (info/exclude)."""
    if not data.worktree.is_relative_to(data.repo.resolve()):
        return
    pattern = f"/{data.worktree.relative_to(data.repo.resolve()).as_posix()}/"
    common = Path(_git(data.repo, "rev-parse", "--path-format=absolute", "--git-common-dir"))
    exclude = common / "info" / "exclude"
    lines = exclude.read_text().splitlines() if exclude.exists() else []
    if pattern not in lines:
        exclude.parent.mkdir(parents=True, exist_ok=True)
        with exclude.open("a") as handle:
            handle.write(f"{pattern}\n")


def commit(config: Config, message: str) -> bool:
    """Commit everything that changed in the worktree; False when nothing did."""
    worktree = ensure_worktree(config)
    if worktree is None:
        return False
    _git(worktree, "add", "--all")
    if _ok(worktree, "diff", "--cached", "--quiet")[0]:
        return False
    _git(worktree, *_identity(worktree), "commit", "--quiet", "--no-verify", "-m", message)
    return True


def push(
    config: Config,
    message: str,
    attempts: int = 5,
    pause: Callable[[float], None] = time.sleep,
) -> PushReport:
    """Commit what changed (`message`) and push the branch to `origin`: on a refusal,
    fetch, replay this writer's unpushed commits on top and retry, pausing 1, 4, 9... s.
    Without an `origin`, the commit stays local."""
    data = data_branch(config)
    if data is None:
        return PushReport(message="no history.branch: the history is on the checked-out branch")
    report = PushReport(committed=commit(config, message))
    worktree = data.worktree
    if not _has_remote(data.repo):
        report.message = f"committed to {data.branch} (no remote {REMOTE!r}: not pushed)"
        return report
    head = _git(worktree, "rev-parse", "HEAD")
    if head == _ref(data.repo, data.tracking):
        report.pushed = True
        report.message = f"{data.branch}: nothing to push"
        return report
    for attempt in range(1, attempts + 1):
        report.attempts = attempt
        ok, error = _ok(worktree, "push", "--quiet", REMOTE, f"HEAD:refs/heads/{data.branch}")
        if ok:
            _git(data.repo, "update-ref", data.tracking, _git(worktree, "rev-parse", "HEAD"))
            report.pushed = True
            report.message = f"pushed to {data.branch} (attempt {attempt})"
            return report
        if attempt == attempts:
            report.message = f"pushing to {data.branch} failed {attempts} times: {error}"
            break
        pause(attempt * attempt)
        _replay(data)
    return report


def _replay(data: DataBranch) -> None:
    """Fetch and put this writer's unpushed commits on top of what `origin` has."""
    base = _ref(data.repo, data.tracking)
    if not fetch(data):
        return  # origin has no such branch (yet): the next push creates it
    upstream = data.tracking
    since = ["--root"] if base is None else [base]
    ok, _ = _ok(data.worktree, "rebase", "--quiet", "--onto", upstream, *since)
    for _ in range(10_000):  # one round per replayed commit at most
        if ok:
            return
        conflicted = _git(data.worktree, "diff", "--name-only", "--diff-filter=U").split("\n")
        if not any(conflicted):
            if not _rebasing(data.worktree):
                break
            ok, _ = _ok(data.worktree, "rebase", "--skip")  # made empty by the other side
            continue
        for path in filter(None, conflicted):
            side = "--ours" if path.startswith(UPSTREAM_WINS) else "--theirs"  # ours = upstream
            if _ok(data.worktree, "checkout", side, "--", path)[0]:
                _git(data.worktree, "add", "--", path)
            else:  # that side deleted it (retention)
                _git(data.worktree, "rm", "--quiet", "--force", "--", path)
        ok, _ = _ok(data.worktree, "-c", "core.editor=true", "rebase", "--continue")
    _ok(data.worktree, "rebase", "--abort")
    raise GitError(f"replaying onto {data.branch} failed in {data.worktree}")


def _rebasing(worktree: Path) -> bool:
    path = Path(_git(worktree, "rev-parse", "--path-format=absolute", "--git-path", "rebase-merge"))
    return path.is_dir()


def squash_due(config: Config, now: datetime) -> bool:
    """Whether the branch's oldest commit is from an earlier UTC day than `now`."""
    worktree = ensure_worktree(config)
    if worktree is None:
        return False
    roots = _git(worktree, "rev-list", "--max-parents=0", "HEAD").split()
    if len(_git(worktree, "rev-list", "--max-count=2", "HEAD").split()) < 2:
        return False
    oldest = min(int(_git(worktree, "log", "-1", "--format=%ct", root)) for root in roots)
    return datetime.fromtimestamp(oldest, UTC).date() < now.astimezone(UTC).date()


def squash(config: Config, now: datetime, force: bool = False) -> str:
    """Replace the branch by one commit holding its current files, once a day (or now,
    with `force`), pushed with `--force-with-lease`: a writer that pushed meanwhile makes
    it give up until the next pass. Returns a one-line report."""
    data = data_branch(config)
    if data is None:
        return "no history.branch: nothing to squash"
    if not force and not squash_due(config, now):
        return f"{data.branch}: squashed today already"
    worktree = data.worktree
    head = _git(worktree, "rev-parse", "HEAD")
    remote = _has_remote(data.repo)
    if remote and fetch(data) and _ref(data.repo, data.tracking) != head:
        return f"{data.branch}: not squashed (the branch and {REMOTE} differ; push first)"
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    message = f"status data as of {stamp} (squashed daily: docs/history.md)"
    new = _git(worktree, *_identity(worktree), "commit-tree", "HEAD^{tree}", "-m", message)
    if remote:
        lease = f"--force-with-lease=refs/heads/{data.branch}:{head}"
        target = f"{new}:refs/heads/{data.branch}"
        ok, error = _ok(worktree, "push", "--quiet", lease, REMOTE, target)
        if not ok:
            why = error.splitlines()[-1] if error else "refused"
            return f"{data.branch}: not squashed ({REMOTE} moved meanwhile: {why})"
        _git(data.repo, "update-ref", data.tracking, new)
    _git(worktree, "update-ref", f"refs/heads/{data.branch}", new, head)
    return f"{data.branch}: squashed to one commit ({stamp})"
