"""The one writer of `output/` (statusgen/site/output.py): old-or-new with no gap, no
leftovers, and never a write through a symlink."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from statusgen.site import build_site
from statusgen.site.output import publish_tree

from .conftest import T0
from .server_support import running_server
from .site_helpers import make_fixture

ROOT = Path(__file__).resolve().parent.parent


def tree(output: Path) -> dict[str, bytes]:
    return {str(p.relative_to(output)): p.read_bytes() for p in output.rglob("*") if p.is_file()}


def test_a_build_flips_an_output_symlink_and_keeps_two_previous_versions(tmp_path):
    config = make_fixture(tmp_path)
    shown = []
    for hour in (9, 10, 11, 12):
        build_site(config, T0.replace(hour=hour))
        shown.append(Path(os.path.realpath(config.output_dir)))
    assert config.output_dir.is_symlink()
    assert (config.output_dir / "index.html").is_file()
    sites = tmp_path / ".statusgen" / "sites"
    # The version just replaced and the one before it: a request that resolved the link
    # during the last two builds may still be reading them.
    assert sorted(sites.iterdir()) == sorted(shown[1:])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".output")]


def test_the_first_build_over_a_real_output_folder_replaces_it(tmp_path):
    config = make_fixture(tmp_path)
    if config.output_dir.is_symlink():
        config.output_dir.unlink()
    config.output_dir.mkdir(exist_ok=True)
    (config.output_dir / "stale.html").write_text("old")
    build_site(config, T0)
    assert config.output_dir.is_symlink()
    assert not (config.output_dir / "stale.html").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".output")]


def test_symlinks_planted_in_the_staging_folders_are_never_followed(tmp_path):
    config = make_fixture(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("untouched")
    state = tmp_path / ".statusgen"
    # The staging folder the two-rename swap reused, and the versions folder itself.
    (state / "output.spare").mkdir(parents=True)
    for name in ("index.html", "style.css", "robots.txt"):
        (state / "output.spare" / name).symlink_to(victim)
    (state / "sites").symlink_to(outside)
    build_site(config, T0)
    (state / "sites" / "site-planted").symlink_to(outside)
    (tmp_path / ".output.old-x").symlink_to(outside)
    build_site(config, T0.replace(hour=11))
    assert victim.read_text() == "untouched"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]
    assert not (state / "output.spare").exists()
    assert not (state / "sites").is_symlink()
    assert (config.output_dir / "index.html").read_text().startswith("<!doctype")


def test_a_file_that_already_exists_in_a_new_tree_is_refused(tmp_path):
    outside = tmp_path / "victim"
    outside.write_text("untouched")
    with pytest.raises(ValueError):
        publish_tree(tmp_path / "output", {"../victim": b"x"}, tmp_path / "state")
    assert outside.read_text() == "untouched"
    assert not (tmp_path / "output").exists()


def stats(output: Path) -> dict[str, tuple[int, int, bytes]]:
    """Per file: (inode, mtime in ns, bytes)."""
    out = {}
    for path in output.rglob("*"):
        if path.is_file():
            found = path.stat()
            rel = str(path.relative_to(output))
            out[rel] = (found.st_ino, found.st_mtime_ns, path.read_bytes())
    return out


def test_unchanged_files_keep_their_inode_and_mtime_and_changed_ones_are_new(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    before = stats(config.output_dir)
    report = build_site(config, T0 + timedelta(minutes=1))
    after = stats(config.output_dir)
    assert set(after) == set(before)
    same = [rel for rel in after if after[rel][2] == before[rel][2]]
    changed = [rel for rel in after if after[rel][2] != before[rel][2]]
    assert "api/v1/status.json" in changed and "style.css" in same
    assert "incidents/2026-11-23-rest-down.html" in same
    for rel in same:
        assert after[rel][:2] == before[rel][:2], rel
    for rel in changed:
        assert after[rel][0] != before[rel][0], rel
    assert report.unchanged == len(same)
    assert f"({len(same)} unchanged)" in report.summary()


def test_a_planted_file_in_the_previous_version_is_never_linked(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    current = Path(os.path.realpath(config.output_dir))
    outside = tmp_path / "outside.css"
    outside.write_bytes((current / "style.css").read_bytes())
    (current / "style.css").unlink()
    (current / "style.css").symlink_to(outside)
    fifo = current / "robots.txt"
    robots = fifo.read_bytes()
    fifo.unlink()
    os.mkfifo(fifo)
    build_site(config, T0)
    assert not (config.output_dir / "style.css").is_symlink()
    assert (config.output_dir / "style.css").stat().st_ino != outside.stat().st_ino
    assert (config.output_dir / "robots.txt").read_bytes() == robots
    assert outside.stat().st_nlink == 1


READER = """
import os, sys
root, stop, wanted = sys.argv[1], sys.argv[2], set(sys.argv[3:])
versions = {}
reads = missing = bad = 0
while not os.path.exists(stop):
    for name in ("index.html", "style.css", "api/v1/status.json"):
        try:
            with open(os.path.join(root, name), "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            missing += 1
            continue
        reads += 1
        if name == "api/v1/status.json" and not data.rstrip().endswith(b"}"):
            bad += 1
        if name == "index.html" and not data.rstrip().endswith(b"</html>"):
            bad += 1
print(reads, missing, bad)
"""

KILLER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from datetime import datetime
from statusgen.config import load_config
from statusgen.site import build_site, output
step = {step!r}
count = [0]
real_open, real_replace, real_remove = os.open, os.replace, output.remove_leftovers

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def opening(path, flags, *args, **kwargs):
    if step == "writing" and flags & os.O_WRONLY:  # a file created or written over
        count[0] += 1
        if count[0] == 5:
            die()
    return real_open(path, flags, *args, **kwargs)

def replacing(a, b, *args, **kwargs):
    if step == "linked":
        die()
    return real_replace(a, b, *args, **kwargs)

def removing(*args, **kwargs):
    if step == "flipped":
        die()
    return real_remove(*args, **kwargs)

os.open, os.replace, output.remove_leftovers = opening, replacing, removing
build_site(load_config({config!r}, env={{}}), datetime.fromisoformat({now!r}))
"""


def build_apart(config: Path, now: datetime, step: str = "") -> subprocess.CompletedProcess:
    """`build_site` for `now` in a fresh interpreter, killed at `step` (none: a whole build)."""
    code = KILLER.format(root=str(ROOT), step=step, config=str(config), now=now.isoformat())
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def changed(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(path for path in a.keys() | b.keys() if a.get(path) != b.get(path))


@pytest.mark.parametrize("step", ["writing", "linked", "flipped"])
def test_a_kill_at_any_step_leaves_a_whole_site_and_the_next_build_cleans_up(tmp_path, step):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    build_site(config, T0.replace(hour=10))
    old = tree(config.output_dir)
    later = T0.replace(hour=11)
    killed = build_apart(config.path, later, step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    now = tree(config.output_dir)
    # The next build runs apart too, so both are the code on disk now: this process keeps
    # what it imported when the run began, and a checkout that changed during a long run
    # made an in-process build differ from the killed one's (only for "flipped").
    rebuilt = build_apart(config.path, later)
    assert rebuilt.returncode == 0, rebuilt.stderr
    new = tree(config.output_dir)
    assert now in (old, new), {"differs from new": changed(now, new), "from old": changed(now, old)}
    # The killed build's folder is gone (recycled); the three versions shown are kept.
    assert len(list((tmp_path / ".statusgen" / "sites").iterdir())) == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".output")]


def test_readers_see_no_missing_or_truncated_file_during_builds(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(config.output_dir), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        for step in range(12):
            build_site(config, T0 + timedelta(minutes=step))
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=30)
    reads, missing, bad = map(int, out.split())
    assert reads > 0
    assert (missing, bad) == (0, 0), (reads, missing, bad)


def test_serve_answers_every_request_whole_while_the_site_is_rebuilt(tmp_path):
    from statusgen.server.app import create_app

    config = make_fixture(tmp_path)
    build_site(config, T0)
    app = create_app(config, schedule=False, route_modules=())
    failures: list[str] = []
    stop = threading.Event()
    counted = [0]

    def read(url: str) -> None:
        with httpx.Client(base_url=url) as client:
            while not stop.is_set():
                for path in ("/", "/style.css", "/history.html", "/nope"):
                    response = client.get(path)
                    counted[0] += 1
                    declared = int(response.headers.get("content-length", -1))
                    status = 404 if path == "/nope" else 200
                    if response.status_code != status or declared != len(response.content):
                        failures.append(f"{path}: {response.status_code}")

    with running_server(app) as url:
        thread = threading.Thread(target=read, args=(url,))
        thread.start()
        try:
            for step in range(8):
                build_site(config, T0 + timedelta(minutes=step))
        finally:
            stop.set()
            thread.join(30)
    assert counted[0] > 0
    assert failures == []


def test_the_docs_say_output_is_a_symlink():
    text = textwrap.dedent((ROOT / "docs" / "failure-behaviour.md").read_text())
    assert "symbolic link" in text and "upload-pages-artifact" in text
