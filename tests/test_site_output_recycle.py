"""A version two builds old is recycled as the next one's folder
(statusgen/site/treewriter.py): whatever it holds, the new version is exactly the tree a
fresh folder would get, and nothing planted in it is followed."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from datetime import timedelta
from pathlib import Path

from statusgen.site import build_site

from .conftest import T0
from .fs_support import immutable
from .site_helpers import make_fixture


def versions(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / ".statusgen" / "sites").iterdir())


def entries(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Per entry below `root`: (mode, inode, bytes; b"" for a folder), never following a
    symlink."""
    out = {}
    for folder, names, files in os.walk(root):
        for name in names + files:
            path = Path(folder) / name
            found = path.lstat()
            data = path.read_bytes() if stat.S_ISREG(found.st_mode) else b""
            out[str(path.relative_to(root))] = (found.st_mode, found.st_ino, data)
    return out


def test_the_fourth_build_writes_over_the_first_version_not_a_new_folder(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    first = Path(os.path.realpath(config.output_dir))
    folders = {p.relative_to(first): p.stat().st_ino for p in [first, *first.rglob("*")]}
    folders = {rel: ino for rel, ino in folders.items() if (first / rel).is_dir()}
    shown = []
    for minute in (1, 2):
        build_site(config, T0 + timedelta(minutes=minute))
        shown.append(Path(os.path.realpath(config.output_dir)))
    # The third build keeps the first: the second replaced it a build ago, and a request
    # that resolved the link just before may still be reading it.
    assert first.exists() and versions(tmp_path) == sorted([first, *shown])
    build_site(config, T0 + timedelta(minutes=3))
    fourth = Path(os.path.realpath(config.output_dir))
    assert not first.exists() and versions(tmp_path) == sorted([*shown, fourth])
    # The same folders (inodes), not new ones: no mkdir, rmdir or mkdtemp tree per build.
    assert {rel: (fourth / rel).stat().st_ino for rel in folders} == folders
    assert stat.S_IMODE(fourth.stat().st_mode) == 0o755


def test_whatever_the_recycled_version_holds_the_new_one_is_exact(tmp_path):
    config = make_fixture(tmp_path)
    later = T0 + timedelta(minutes=1)
    build_site(config, T0)
    old = Path(os.path.realpath(config.output_dir))  # recycled two builds from now
    built = old.stat().st_mtime_ns  # a version's age (what is planted below keeps it)
    build_site(config, T0 + timedelta(seconds=30))
    build_site(config, later)
    current = Path(os.path.realpath(config.output_dir))
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.css"
    victim.write_text("untouched")
    # Planted or edited by hand in the version that is recycled next:
    (old / "style.css").unlink()
    (old / "style.css").symlink_to(victim)  # a symlink where a file goes
    (old / "robots.txt").unlink()
    os.mkfifo(old / "robots.txt")  # a FIFO
    (old / "index.html").unlink()
    (old / "index.html").write_bytes((current / "index.html").read_bytes())  # same bytes
    (old / "404.html").unlink()
    (old / "404.html").write_bytes(b"edited by hand")  # other bytes, own inode
    shutil.rmtree(old / "services")
    (old / "services").symlink_to(outside)  # a symlink where a folder goes
    shutil.rmtree(old / "incidents")
    (old / "incidents").write_text("a file where a folder goes")
    (old / "api" / "v1" / "status.json").unlink()
    (old / "api" / "v1" / "status.json").mkdir()  # a folder where a file goes
    (old / "api" / "v1" / "status.json" / "x").write_text("x")
    (old / "stale.html").write_text("a file the new tree has not")
    (old / "gone" / "deeper").mkdir(parents=True)
    (old / "gone" / "deeper" / "x.html").write_text("a folder the new tree has not")
    (old / "badges").chmod(0o700)
    os.utime(old, ns=(built, built))
    recycled = old.stat().st_ino

    build_site(config, later)  # the same site again, written over `old`
    new = Path(os.path.realpath(config.output_dir))
    assert new.stat().st_ino == recycled  # written over `old` (renamed), not a new folder
    assert victim.read_text() == "untouched"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.css"]
    # Exactly the previous version's entries: same modes, bytes and (files) inodes.
    want, got = entries(current), entries(new)
    assert got.keys() == want.keys()
    for rel, (mode, ino, data) in want.items():
        assert (got[rel][0], got[rel][2]) == (mode, data), rel
        if stat.S_ISREG(mode):
            assert got[rel][1] == ino, rel  # unchanged: the very same file
        else:
            assert stat.S_IMODE(mode) == 0o755, rel


def test_no_file_of_a_recycled_version_changes_its_bytes(tmp_path):
    """Files are replaced, never written over: a reader that opened one (a slow download,
    a web server's cache of open files) reads it whole even after its version is
    recycled; neither the version just replaced nor a file outside shares a byte."""
    config = make_fixture(tmp_path)
    build_site(config, T0)
    first = Path(os.path.realpath(config.output_dir))
    built = first.stat().st_mtime_ns  # a version's age (what is planted below keeps it)
    build_site(config, T0 + timedelta(seconds=30))
    build_site(config, T0 + timedelta(minutes=1))
    second = Path(os.path.realpath(config.output_dir))  # the version the next one replaces
    status = "api/v1/status.json"  # new in every version: held by `first` alone
    incident = "incidents/2026-11-22-site-errors.html"  # one file both versions share
    assert (first / incident).stat().st_ino == (second / incident).stat().st_ino
    outside = tmp_path / "outside.html"
    outside.write_bytes(b"outside")
    (first / "index.html").unlink()
    os.link(outside, first / "index.html")  # a second name of a file outside
    os.utime(first, ns=(built, built))
    source = tmp_path / "config" / "incidents" / "2026-11-22-site-errors.md"
    source.write_text(source.read_text() + "\nOne more line.\n")  # changes `incident`
    shown = entries(second)
    with (first / status).open("rb") as reader:
        old = (first / status).read_bytes()
        build_site(config, T0 + timedelta(minutes=2))
        assert reader.read() == old  # the open file kept its bytes

    third = Path(os.path.realpath(config.output_dir))
    assert (third / status).read_bytes() != old
    assert entries(second) == shown  # the version just replaced: not a byte changed
    assert b"One more line." in (third / incident).read_bytes()
    assert outside.read_bytes() == b"outside" and outside.stat().st_nlink == 1
    written = {rel: data for rel, (_, _, data) in entries(third).items()}
    build_site(config, T0 + timedelta(minutes=2), full=True)  # a recycled one, the same site
    again = entries(config.output_dir.resolve())
    assert {rel: data for rel, (_, _, data) in again.items()} == written


def test_a_recycled_version_that_will_not_go_gives_way_to_a_fresh_folder(tmp_path):
    config = make_fixture(tmp_path)
    build_site(config, T0)
    first = Path(os.path.realpath(config.output_dir))
    build_site(config, T0 + timedelta(seconds=30))
    build_site(config, T0 + timedelta(minutes=1))
    sites = tmp_path / ".statusgen" / "sites"
    stuck = first / "nodes" / "web"  # its pages change every pass: they must go
    with immutable(stuck):  # (skips the test where chattr cannot)
        pass
    subprocess.run(["chattr", "+i", str(stuck)], check=True)
    try:
        for minute in (2, 3):
            build_site(config, T0 + timedelta(minutes=minute))
            shown = Path(os.path.realpath(config.output_dir))
            status = (shown / "api" / "v1" / "status.json").read_text()
            assert f'"generated_at":"2026-11-23T12:0{minute}:00Z"' in status
            assert (shown / "nodes" / "web" / "site.html").read_text().endswith("</html>\n")
            spoiled = [p.name for p in versions(tmp_path) if not p.name.startswith("site-")]
            assert len(spoiled) == 1 and spoiled[0].startswith(".spoiled-site-"), spoiled
    finally:
        subprocess.run(["chattr", "-R", "-i", str(sites)], capture_output=True)
    build_site(config, T0 + timedelta(minutes=4))
    assert [p.name[:5] for p in versions(tmp_path)] == ["site-", "site-", "site-"]
