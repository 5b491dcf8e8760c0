"""Real file system faults for tests: the immutable attribute, a read-only bind mount and
a tiny tmpfs that fills up. Each needs root (or the capability); without it the test is
skipped with the reason, never faked."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, check=False)


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[Path]:
    """`chattr +i path` for the block (not even root may write, rename or delete it)."""
    done = _run("chattr", "+i", str(path))
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not possible here: {done.stderr.strip() or 'no chattr'}")
    try:
        yield path
    finally:
        _run("chattr", "-i", str(path))


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """`path` bind-mounted read-only onto itself for the block (EROFS on every write)."""
    if _run("mount", "--bind", str(path), str(path)).returncode != 0:
        pytest.skip("bind mounts need root (CAP_SYS_ADMIN)")
    try:
        done = _run("mount", "-o", "remount,ro,bind", str(path))
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")
        yield path
    finally:
        _run("umount", str(path))


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "256k") -> Iterator[Path]:
    """A small tmpfs mounted at `path` (made if missing) for the block."""
    path.mkdir(parents=True, exist_ok=True)
    done = _run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root (CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        yield path
    finally:
        _run("umount", "-l", str(path))


def fill(folder: Path) -> Path:
    """Take every free block of `folder`'s file system with one filler file."""
    filler = folder / ".filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    block = b"\0" * 4096
    try:
        while True:
            try:
                if os.write(fd, block) < len(block):
                    break
            except OSError:
                break
    finally:
        os.close(fd)
    return filler


def listing(root: Path) -> dict[str, bytes | str]:
    """Every entry below `root` (symlinks not followed): file bytes, link targets, dirs."""
    out: dict[str, bytes | str] = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(base, name)
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                out[rel] = path.read_bytes()
            else:
                out[rel] = "dir"
    return out
