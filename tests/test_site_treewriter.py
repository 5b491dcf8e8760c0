"""Which file of the current version the tree writer takes as the one a new tree would
write (statusgen/site/treewriter.py `_same_file`): a regular 0644 file of exactly those
bytes, nothing else."""

from __future__ import annotations

import os

import pytest

from statusgen.site.treewriter import _same_file

DATA = b"<p>unchanged</p>\n" * 300


@pytest.fixture
def folder(tmp_path):
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    yield tmp_path, fd
    os.close(fd)


def put(path, data: bytes, mode: int = 0o644) -> None:
    path.write_bytes(data)
    path.chmod(mode)


def test_the_same_bytes_are_the_same_file(folder):
    root, fd = folder
    put(root / "page.html", DATA)
    found = _same_file(fd, "page.html", DATA)
    assert found is not None and found.st_ino == (root / "page.html").stat().st_ino
    put(root / "empty", b"")
    assert _same_file(fd, "empty", b"") is not None


@pytest.mark.parametrize(
    "held",
    [
        DATA[:-1],  # shorter
        DATA + b"x",  # longer
        DATA[:-2] + b"?\n",  # the same size, another last byte
        b"?" + DATA[1:],  # the same size, another first byte
    ],
)
def test_other_bytes_are_not(folder, held):
    root, fd = folder
    put(root / "page.html", held)
    assert _same_file(fd, "page.html", DATA) is None


def test_neither_another_mode_a_symlink_a_fifo_nor_a_folder_is(folder):
    root, fd = folder
    put(root / "private", DATA, 0o600)
    put(root / "target", DATA)
    (root / "link").symlink_to(root / "target")
    os.mkfifo(root / "fifo", 0o644)
    os.chmod(root / "fifo", 0o644)
    (root / "folder").mkdir()
    for name in ("private", "link", "fifo", "folder", "missing"):
        assert _same_file(fd, name, DATA) is None, name
